//! `fleet-lint init`: a commented starter `.fleet-lint.yaml` for the linted
//! repository, naming the clusters and tenants the fleet model found.
//!
//! The file is neutral: linting with it reports exactly what linting without
//! it does. What fleet-lint found on its own is listed in comments, to pin or
//! adjust; the only active key restates the tenant roots in use.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::config::Config;
use crate::fleet::Fleet;
use crate::fleet::tenant::{DEFAULT_LAYERS, TenantInfo};

/// A starter config file.
pub struct Starter {
    /// The configuration file's text.
    pub text: String,
    /// How many tenants it names.
    pub tenants: usize,
}

/// The starter config for the repository `run` linted with `config`.
pub fn starter_config(fleet: &Fleet, config: &Config) -> Starter {
    let seen = &fleet.tenancy.tenants;
    let mut text = String::new();
    header(&mut text);
    clusters(&mut text, fleet, config);
    tenants(&mut text, seen, config);
    rest(&mut text);
    Starter {
        text,
        tenants: seen.len(),
    }
}

/// Where editors (the YAML language server) find the config's schema for
/// this version: completion and checking as the file is written.
pub const CONFIG_SCHEMA_URL: &str = concat!(
    "https://raw.githubusercontent.com/fleet-lint/fleet-lint/v",
    env!("CARGO_PKG_VERSION"),
    "/schemas/fleet-lint-config.schema.json"
);

fn header(out: &mut String) {
    let _ = writeln!(out, "# yaml-language-server: $schema={CONFIG_SCHEMA_URL}");
    out.push_str(
        "# fleet-lint configuration, written by `fleet-lint init`. Every key is optional;
# a misspelt key or rule name is an error. `fleet-lint rules` lists the rules and
# `fleet-lint explain <rule>` documents each one.
",
    );
}

fn clusters(out: &mut String, fleet: &Fleet, config: &Config) {
    // Remote clusters are not entry points: the hubs that reach them are,
    // and listing one would build it without its hub's fields.
    let found: Vec<_> = fleet
        .clusters
        .iter()
        .filter(|c| c.remote.is_none())
        .collect();
    // Clusters the config read names are kept as they are; found ones are
    // only suggested (commented), since discovery finds them again.
    let prefix = if config.clusters.is_empty() {
        let _ = writeln!(
            out,
            "\n# Clusters: fleet-lint found {} entry point{} by itself (from sync objects,\n# FluxInstances and clusters/*/; docs/fleet-model.md). List them only to pin\n# their names or paths:\n# clusters:",
            found.len(),
            if found.len() == 1 { "" } else { "s" }
        );
        "# "
    } else {
        out.push_str("\n# Clusters, as the config fleet-lint read names them:\nclusters:\n");
        ""
    };
    for cluster in found {
        let _ = writeln!(
            out,
            "{prefix}  - name: {}\n{prefix}    path: {}",
            cluster.name,
            if cluster.entry.is_empty() {
                "."
            } else {
                &cluster.entry
            }
        );
    }
}

fn tenants(out: &mut String, seen: &BTreeMap<String, TenantInfo>, config: &Config) {
    out.push_str(
        "\ntenants:\n  # Folders under a root hold tenants' content; a tenant is named by its\n  # toolkit.fluxcd.io/tenant label, else the namespace its Flux objects reconcile\n  # in, else its folder (docs/fleet-model.md).\n  roots:\n",
    );
    for root in config.roots() {
        let _ = writeln!(out, "    - {root}");
    }
    let (first, second) = DEFAULT_LAYERS.split_at(DEFAULT_LAYERS.len() / 2);
    let _ = writeln!(
        out,
        "  # Folder names that are layers, not tenants (the tenant is the next folder down):\n  # the clusters' names, {},\n  # {}; add yours:\n  # layers: [canary]",
        first.join(", "),
        second.join(", ")
    );
    let _ = writeln!(
        out,
        "  # The tenants found ({}). Name one to give it more paths or namespaces, or mark a\n  # tenant the platform runs `privileged: true` (tenant rules then skip it):\n  # named:",
        seen.len()
    );
    for (name, tenant) in seen {
        let namespaces: Vec<&str> = tenant.namespaces.iter().map(String::as_str).collect();
        let _ = writeln!(
            out,
            "  #   - name: {name}   # found by {}",
            tenant.identity.describe()
        );
        if !namespaces.is_empty() {
            let _ = writeln!(out, "  #     namespaces: [{}]", namespaces.join(", "));
        }
        if tenant.privileged {
            let _ = writeln!(out, "  #     privileged: true");
        }
    }
}

fn rest(out: &mut String) {
    out.push_str(
        "
# The URLs of this repository, when GitRepository objects name it otherwise than the
# git remote does (fleet-lint reads local content for them):
# repository:
#   urls: [https://github.com/example/fleet]

# rules:
#   # Change a rule's severity (error, warning, info) or turn it off:
#   severity:
#     deprecated-api: warning
#     tenant-alert-coverage: off
#   # Directories of your own declarative rules and Kyverno policies:
#   paths: [policies]

# Paths never linted (globs, relative to this file):
# exclude: [legacy, \"**/testdata\"]

# Clear-text values the plaintext-secret rule accepts, each with a reason:
# secrets:
#   allow:
#     - {path: demo/*.yaml, key: password, reason: public demo credentials}

# limits:
#   max-file-size: 8388608   # bytes; larger files are skipped and reported
",
    );
}
