//! `cargo xtask new-rule`: scaffolds a rule in every place a rule lives.
//!
//! 1. its declaration, appended to the list in `crates/engine/src/rule_list.rs`
//!    (id, severity, tags, check, summary), which the rule ids and the
//!    registry are expanded from;
//! 2. its check, `crates/engine/src/rules/<module>.rs`, and the `mod` line in
//!    `crates/engine/src/rules/mod.rs`;
//! 3. its doc, `rules/<id>.md`, with the header the declaration generates and
//!    the four sections every doc has (a test checks both);
//! 4. a passing and a failing fixture, `fixtures/rules/<id>/{pass,fail}`, a
//!    one-cluster fleet to edit, whose bootstrap is the shared base
//!    `fixtures/bases/bootstrap` (see [`crate::fixtures`]);
//! 5. its row in the README's rule table (a test checks it).
//!
//! The snapshot of its findings on the failing fixture is made by the first
//! run of `tests/rule_snapshots.rs`, which fails until the fixture raises it.

use std::fs;
use std::path::Path;

/// What `new-rule` was asked for.
#[derive(Debug, Default)]
pub struct NewRule {
    /// The rule id, in kebab case (`tenant-image-registry`).
    pub id: String,
    /// `error`, `warning` or `info`.
    pub severity: String,
    pub summary: String,
    /// A multi-tenancy rule (tagged `Tenant`).
    pub tenant: bool,
    /// A security rule (tagged `Security`: a `security-severity` in SARIF).
    pub security: bool,
}

const REGISTRY: &str = "crates/engine/src/rule_list.rs";
const RULES_MOD: &str = "crates/engine/src/rules/mod.rs";
/// The end of the declarations, before which a declaration goes.
const DECLARATIONS_END: &str = "\n        }\n    };\n}\n";

/// Writes the rule's files under `root` (the workspace), returning their
/// root-relative paths; refuses an invalid or taken id before writing anything.
pub fn scaffold(root: &Path, rule: &NewRule) -> Result<Vec<String>, String> {
    check_id(&rule.id)?;
    let severity = severity_variant(&rule.severity)?;
    let registry = read(root, REGISTRY)?;
    if registry.contains(&format!("= \"{}\" {{", rule.id)) {
        return Err(format!(
            "rule `{}` is already declared in {REGISTRY}",
            rule.id
        ));
    }
    let module = rule.id.replace('-', "_");
    let summary = if rule.summary.is_empty() {
        format!("What {} reports, in one line", rule.id)
    } else {
        rule.summary.clone()
    };
    let mut written = Vec::new();
    let mut write = |path: String, text: String| -> Result<(), String> {
        let full = root.join(&path);
        if let Some(parent) = full.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        fs::write(&full, text).map_err(|e| format!("{path}: {e}"))?;
        written.push(path);
        Ok(())
    };
    let declaration = declaration(rule, severity, &module, &summary);
    let Some(at) = registry.find(DECLARATIONS_END) else {
        return Err(format!(
            "{REGISTRY} has no end of `declare_rules!` to add to"
        ));
    };
    write(
        REGISTRY.into(),
        format!("{}\n{declaration}{}", &registry[..at], &registry[at..]),
    )?;
    write(
        RULES_MOD.into(),
        with_mod_line(&read(root, RULES_MOD)?, &module),
    )?;
    write(
        format!("crates/engine/src/rules/{module}.rs"),
        check_file(rule, severity, &summary),
    )?;
    write(format!("rules/{}.md", rule.id), doc(rule, &summary))?;
    for (case, readme) in [
        ("pass", "nothing breaks the rule"),
        ("fail", "edit it until it breaks the rule"),
    ] {
        for (file, text) in fixture_files(&rule.id, case, readme) {
            write(format!("fixtures/rules/{}/{case}/{file}", rule.id), text)?;
        }
    }
    write(
        "README.md".into(),
        with_readme_row(&read(root, "README.md")?, rule, &summary)?,
    )?;
    Ok(written)
}

fn read(root: &Path, path: &str) -> Result<String, String> {
    fs::read_to_string(root.join(path)).map_err(|e| format!("{path}: {e}"))
}

/// Kebab case, starting with a letter: `tenant-image-registry`.
fn check_id(id: &str) -> Result<(), String> {
    let words_ok = id.split('-').all(|w| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if id.starts_with(|c: char| c.is_ascii_lowercase()) && words_ok {
        Ok(())
    } else {
        Err(format!(
            "`{id}` is not a rule id: lower-case words joined by `-`"
        ))
    }
}

fn severity_variant(severity: &str) -> Result<&'static str, String> {
    match severity {
        "error" => Ok("Error"),
        "warning" => Ok("Warning"),
        "info" => Ok("Info"),
        other => Err(format!(
            "--severity must be error, warning or info, not `{other}`"
        )),
    }
}

fn variant(id: &str) -> String {
    id.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn declaration(rule: &NewRule, severity: &str, module: &str, summary: &str) -> String {
    let tags: Vec<&str> = [(rule.security, "Security"), (rule.tenant, "Tenant")]
        .into_iter()
        .filter_map(|(on, tag)| on.then_some(tag))
        .collect();
    format!(
        "            {variant} = \"{id}\" {{\n                severity: {severity},\n                tags: [{tags}],\n                by: [Check(super::{module}::check)],\n                summary: \"{summary}\",\n            }}",
        variant = variant(&rule.id),
        id = rule.id,
        tags = tags.join(", "),
        summary = summary.replace('"', "\\\""),
    )
}

/// `rules/mod.rs` with `mod <module>;` among the other rule modules, in order.
fn with_mod_line(text: &str, module: &str) -> String {
    let line = format!("mod {module};");
    let mut lines: Vec<&str> = text.lines().collect();
    let first = lines
        .iter()
        .position(|l| l.starts_with("mod ") || l.starts_with("pub mod "));
    let at = first.map_or(0, |first| {
        let mods = lines[first..]
            .iter()
            .take_while(|l| l.starts_with("mod ") || l.starts_with("pub mod "))
            .count();
        let before = lines[first..first + mods]
            .iter()
            .take_while(|l| l.trim_start_matches("pub ") < line.as_str())
            .count();
        first + before
    });
    lines.insert(at, &line);
    lines.join("\n") + "\n"
}

fn check_file(rule: &NewRule, severity: &str, summary: &str) -> String {
    format!(
        r#"//! `{id}`: {summary}.

use super::{{RuleContext, landing}};
use crate::diag::{{Finding, Severity}};
use crate::fleet::Placed;
use crate::rules::RuleId;

const ID: RuleId = RuleId::{variant};

/// One finding per object that breaks the rule, as built on each cluster,
/// with the place it lands as a related location.
pub(crate) fn check(ctx: &RuleContext) -> Vec<Finding> {{
    let mut findings = Vec::new();
    for cluster in &ctx.fleet.clusters {{
        for placed in cluster.objects.iter().filter(|p| breaks_the_rule(p)) {{
            let message = format!("{{}} breaks the rule", placed.resource.describe());
            let finding = Finding::new(
                ID,
                Severity::{severity},
                placed.resource.node.headline(),
                message,
            )
            .with_help("say how to fix it");
            let (span, landed) = landing(cluster, placed);
            findings.push(finding.with_related(span, landed));
        }}
    }}
    findings
}}

/// Whether `placed`, as built on its cluster, breaks the rule.
fn breaks_the_rule(placed: &Placed) -> bool {{
    placed.resource.kind() == "KindThatBreaksTheRule"
}}
"#,
        id = rule.id,
        variant = variant(&rule.id),
    )
}

fn doc(rule: &NewRule, summary: &str) -> String {
    let why = if rule.tenant {
        "Why it matters for multi-tenancy"
    } else {
        "Why it matters"
    };
    format!(
        "# {id}\n\n**Default severity:** {severity}\n\n## What it checks\n\n{summary}.\n\n## {why}\n\nWhat goes wrong on the cluster when this is missed.\n\n## Example\n\n```yaml\n# a manifest that breaks the rule\n```\n\nFixed:\n\n```yaml\n# the same manifest, fixed\n```\n\n## Suppressing\n\n`# fleet-lint: ignore[{id}] reason` on the line, or `{id}: off` under `severity:` in\n`.fleet-lint.yaml`.\n",
        id = rule.id,
        severity = rule.severity,
    )
}

/// A one-cluster fleet: Flux's sync of `clusters/dev`, which applies `apps/`.
fn fixture_files(id: &str, case: &str, readme: &str) -> Vec<(&'static str, String)> {
    let sync = |name: &str, path: &str| {
        format!(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: {path}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
        )
    };
    vec![
        (
            "README.md",
            format!(
                "# {id}: {case}ing fixture\n\nCluster `dev` applies `clusters/dev` and, through Kustomization `apps`, `apps/`:\n{readme}.\n"
            ),
        ),
        // The bootstrap (`clusters/dev/flux-system`) comes from the shared base.
        (
            crate::fixtures::BASE_MARKER,
            "bases/bootstrap\n".to_string(),
        ),
        ("clusters/dev/apps.yaml", sync("apps", "./apps")),
        (
            "apps/namespace.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: podinfo\n".to_string(),
        ),
    ]
}

/// The README with the rule's row after the last row of the rule table.
fn with_readme_row(readme: &str, rule: &NewRule, summary: &str) -> Result<String, String> {
    let row = format!(
        "| [`{id}`](rules/{id}.md) | {severity} | {summary} |",
        id = rule.id,
        severity = rule.severity
    );
    let mut lines: Vec<&str> = readme.lines().collect();
    let last = lines
        .iter()
        .rposition(|l| l.starts_with("| [`") && l.contains("](rules/"))
        .ok_or("README.md has no rule table")?;
    lines.insert(last + 1, &row);
    Ok(lines.join("\n") + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let put = |path: &str, text: &str| {
            let full = dir.path().join(path);
            fs::create_dir_all(full.parent().expect("parent")).expect("dirs");
            fs::write(full, text).expect("write");
        };
        put(
            REGISTRY,
            "macro_rules! builtin_rules {\n    ($expand:ident) => {\n        $expand! {\n            Old = \"old\" {\n            }\n        }\n    };\n}\n\npub(crate) use builtin_rules;\n",
        );
        put(
            RULES_MOD,
            "//! Rules.\n\nmod alpha;\nmod registry;\npub mod schema;\nmod zulu;\n\nuse x;\n",
        );
        put(
            "README.md",
            "| rule |\n| --- |\n| [`old`](rules/old.md) | error | Old |\n\n## Development\n",
        );
        dir
    }

    fn rule(id: &str) -> NewRule {
        NewRule {
            id: id.into(),
            severity: "warning".into(),
            summary: "A tenant image from a registry the platform does not allow".into(),
            tenant: true,
            security: true,
        }
    }

    #[test]
    fn a_rule_is_declared_registered_documented_and_given_fixtures() {
        let dir = workspace();
        let written = scaffold(dir.path(), &rule("tenant-image-registry")).expect("scaffolds");
        assert_eq!(written.len(), 13, "{written:?}");
        let read = |path: &str| fs::read_to_string(dir.path().join(path)).expect(path);
        assert!(read(REGISTRY).contains(
            "            }\n            TenantImageRegistry = \"tenant-image-registry\" {\n                severity: Warning,\n                tags: [Security, Tenant],\n                by: [Check(super::tenant_image_registry::check)],\n                summary: \"A tenant image from a registry the platform does not allow\",\n            }\n        }\n    };\n}\n"
        ));
        assert!(
            read(RULES_MOD).contains(
                "mod registry;\npub mod schema;\nmod tenant_image_registry;\nmod zulu;\n"
            )
        );
        assert!(read("rules/tenant-image-registry.md").starts_with(
            "# tenant-image-registry\n\n**Default severity:** warning\n\n## What it checks\n"
        ));
        assert!(read("README.md").contains(
            "| [`old`](rules/old.md) | error | Old |\n| [`tenant-image-registry`](rules/tenant-image-registry.md) | warning | A tenant image"
        ));
        assert!(
            read("fixtures/rules/tenant-image-registry/fail/clusters/dev/apps.yaml")
                .contains("path: ./apps")
        );
        assert_eq!(
            read("fixtures/rules/tenant-image-registry/pass/.fixture-base"),
            "bases/bootstrap\n"
        );
    }

    #[test]
    fn a_taken_or_malformed_id_writes_nothing() {
        let dir = workspace();
        assert!(scaffold(dir.path(), &rule("old")).is_err());
        assert!(scaffold(dir.path(), &rule("Tenant_Image")).is_err());
        assert!(!dir.path().join("rules").exists());
    }
}
