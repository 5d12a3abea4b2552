//! The rule registry: every rule's stable id, default severity, one-line
//! summary and documentation (`rules/<id>.md`, embedded in the binary); and
//! the rules, one file each.
//!
//! A rule reads the fleet model (or the source files) and returns findings;
//! the same source location found on several clusters or builds becomes one
//! finding, with the places it lands as related locations.

mod dangling_reference;
mod plaintext_secret;
pub mod schema;
mod tenant_alert_coverage;
mod tenant_cluster_rbac;
mod tenant_cross_namespace_ref;
mod tenant_remote_base;
mod tenant_service_account;
mod tenant_target_namespace;
mod unresolved_substitution;

use std::collections::HashMap;

use crate::config::Config;
use crate::diag::{Finding, Severity};
use crate::fleet::{Cluster, Fleet, Placed};
use crate::load::Loaded;
use crate::source::{SourceStore, Span};
use crate::yaml::LoadedFile;

/// What a rule can read.
pub struct RuleContext<'a> {
    pub fleet: &'a Fleet,
    /// Every file read: texts, parsed documents, lookups by path.
    pub loaded: &'a Loaded,
    pub config: &'a Config,
    /// What every kustomization directory builds, reached by a cluster or not.
    pub builds: &'a [crate::kustomize::Build],
}

impl RuleContext<'_> {
    pub fn store(&self) -> &SourceStore {
        &self.loaded.store
    }

    /// Parsed documents of every file, by file id.
    pub fn files(&self) -> &[LoadedFile] {
        &self.loaded.files
    }
}

/// Every rule's check (those that read the fleet model, and those that read source files).
const CHECKS: [fn(&RuleContext) -> Vec<Finding>; 10] = [
    tenant_service_account::check,
    tenant_cluster_rbac::check,
    tenant_alert_coverage::check,
    plaintext_secret::check,
    tenant_cross_namespace_ref::check,
    tenant_target_namespace::check,
    crate::policy::check_builtin,
    unresolved_substitution::check,
    tenant_remote_base::check,
    dangling_reference::check,
];

/// Runs every built-in rule and the user's declarative `policies`; one
/// finding per rule and source location.
pub fn run_rules(ctx: &RuleContext, policies: &[crate::policy::Policy]) -> RulesOutcome {
    let mut findings: Vec<Finding> = CHECKS.iter().flat_map(|check| check(ctx)).collect();
    findings.extend(crate::policy::run(policies, ctx));
    let started = std::time::Instant::now();
    let (schema_findings, schema_coverage) = schema::check(ctx);
    let schema_time = started.elapsed();
    findings.extend(schema_findings);
    RulesOutcome {
        findings: collapse(findings),
        schema_coverage,
        schema_time,
    }
}

/// What the rules found, and what the schema rule checked and took.
pub struct RulesOutcome {
    pub findings: Vec<Finding>,
    pub schema_coverage: schema::Coverage,
    pub schema_time: std::time::Duration,
}

/// Merges findings of the same rule at the same place (the same object seen on
/// several clusters or through several overlays), keeping all related locations.
fn collapse(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let mut index: HashMap<(String, Span), usize> = HashMap::new();
    for finding in findings {
        match index.get(&(finding.rule.to_string(), finding.span)) {
            Some(&i) => out[i].absorb_related(finding),
            None => {
                index.insert((finding.rule.to_string(), finding.span), out.len());
                out.push(finding);
            }
        }
    }
    out
}

/// Where `placed` lands: the `spec.path` of the nearest Flux Kustomization
/// that applies it, and a message naming the cluster and that Kustomization.
pub(crate) fn landing(cluster: &Cluster, placed: &Placed) -> (Span, String) {
    for sync in cluster.sync_chain(placed.sync).into_iter().rev() {
        let sync = &cluster.syncs[sync];
        if let Some(object) = sync.object {
            let node = &cluster.objects[object].resource.node;
            let span = node
                .get_path(&["spec", "path"])
                .map_or_else(|| node.headline(), |n| n.span);
            return (
                span,
                format!(
                    "lands on cluster {} through Kustomization {}",
                    cluster.name, sync.id
                ),
            );
        }
    }
    (
        placed.resource.node.headline(),
        format!("lands on cluster {}", cluster.name),
    )
}

/// What users see of a rule in `fleet-lint rules`, `explain` and SARIF.
#[derive(Clone, Copy, Debug)]
pub struct RuleInfo {
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// The whole Markdown doc.
    pub doc: &'static str,
    /// Security rules get a `security-severity` in SARIF.
    pub security: bool,
}

/// A user's declarative rule (from `rules.paths`), as reports describe it.
#[derive(Clone, Debug)]
pub struct UserRuleInfo {
    pub id: String,
    pub severity: Severity,
    /// The rule's message as written (before `{{...}}` is filled in).
    pub summary: String,
    pub help: Option<String>,
}

macro_rules! rule_doc {
    ($id:literal) => {
        include_str!(concat!("../../rules/", $id, ".md"))
    };
}

/// Every built-in rule, in the order `fleet-lint rules` lists them.
pub static BUILTIN_RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "yaml-syntax",
        severity: Severity::Error,
        summary: "A manifest is not valid YAML (syntax, duplicate keys, encoding, hostile nesting or aliases)",
        doc: rule_doc!("yaml-syntax"),
        security: false,
    },
    RuleInfo {
        id: "empty-file",
        severity: Severity::Info,
        summary: "A manifest file holds no document",
        doc: rule_doc!("empty-file"),
        security: false,
    },
    RuleInfo {
        id: "file-too-large",
        severity: Severity::Warning,
        summary: "A manifest file is larger than the size limit and was not read",
        doc: rule_doc!("file-too-large"),
        security: false,
    },
    RuleInfo {
        id: "limit-exceeded",
        severity: Severity::Warning,
        summary: "The repository exceeds one of the budgets that bound fleet-lint's work; the part beyond it was not linted",
        doc: rule_doc!("limit-exceeded"),
        security: false,
    },
    RuleInfo {
        id: "file-unreadable",
        severity: Severity::Error,
        summary: "A manifest file could not be read from disk",
        doc: rule_doc!("file-unreadable"),
        security: false,
    },
    RuleInfo {
        id: "kustomize-missing-ref",
        severity: Severity::Error,
        summary: "A kustomization names a file or directory that does not exist (or has no kustomization)",
        doc: rule_doc!("kustomize-missing-ref"),
        security: false,
    },
    RuleInfo {
        id: "kustomize-cycle",
        severity: Severity::Error,
        summary: "Kustomizations include each other in a cycle",
        doc: rule_doc!("kustomize-cycle"),
        security: false,
    },
    RuleInfo {
        id: "kustomize-escapes-root",
        severity: Severity::Error,
        summary: "A kustomization references a path outside the repository",
        doc: rule_doc!("kustomize-escapes-root"),
        security: true,
    },
    RuleInfo {
        id: "kustomize-duplicate-id",
        severity: Severity::Error,
        summary: "Two objects with the same kind, namespace and name in one build",
        doc: rule_doc!("kustomize-duplicate-id"),
        security: false,
    },
    RuleInfo {
        id: "kustomize-invalid",
        severity: Severity::Error,
        summary: "A kustomization that kustomize rejects or that silently does less than it says",
        doc: rule_doc!("kustomize-invalid"),
        security: false,
    },
    RuleInfo {
        id: "kustomize-remote-ref",
        severity: Severity::Info,
        summary: "A remote kustomization reference that fleet-lint does not fetch",
        doc: rule_doc!("kustomize-remote-ref"),
        security: false,
    },
    RuleInfo {
        id: "kustomize-not-evaluated",
        severity: Severity::Info,
        summary: "A kustomize feature that fleet-lint does not evaluate (helmCharts, replacements, plugins)",
        doc: rule_doc!("kustomize-not-evaluated"),
        security: false,
    },
    RuleInfo {
        id: "tenant-service-account",
        severity: Severity::Error,
        summary: "A tenant Flux Kustomization or HelmRelease without its own serviceAccountName",
        doc: rule_doc!("tenant-service-account"),
        security: true,
    },
    RuleInfo {
        id: "tenant-cluster-rbac",
        severity: Severity::Error,
        summary: "A ClusterRoleBinding (or ClusterRole) in a tenant's content",
        doc: rule_doc!("tenant-cluster-rbac"),
        security: true,
    },
    RuleInfo {
        id: "tenant-alert-coverage",
        severity: Severity::Error,
        summary: "A tenant Flux Kustomization or HelmRelease whose failures page nobody",
        doc: rule_doc!("tenant-alert-coverage"),
        security: false,
    },
    RuleInfo {
        id: "plaintext-secret",
        severity: Severity::Error,
        summary: "A credential committed in clear text (Secret, generators, env files, webhook URLs, token formats, credential-named keys, embedded config), hidden folders included",
        doc: rule_doc!("plaintext-secret"),
        security: true,
    },
    RuleInfo {
        id: "tenant-cross-namespace-ref",
        severity: Severity::Error,
        summary: "A tenant Flux object that refers to a source or event source in another namespace",
        doc: rule_doc!("tenant-cross-namespace-ref"),
        security: true,
    },
    RuleInfo {
        id: "tenant-target-namespace",
        severity: Severity::Error,
        summary: "A tenant Flux object whose targetNamespace belongs to the platform or another tenant",
        doc: rule_doc!("tenant-target-namespace"),
        security: true,
    },
    RuleInfo {
        id: "tenant-kubeconfig",
        severity: Severity::Error,
        summary: "A tenant Flux object that reaches another cluster through spec.kubeConfig",
        doc: rule_doc!("tenant-kubeconfig"),
        security: true,
    },
    RuleInfo {
        id: "tenant-remote-base",
        severity: Severity::Error,
        summary: "A tenant kustomization that pulls a remote base",
        doc: rule_doc!("tenant-remote-base"),
        security: true,
    },
    RuleInfo {
        id: "dangling-reference",
        severity: Severity::Warning,
        summary: "A sourceRef, providerRef, dependsOn, valuesFrom or substituteFrom that nothing on the cluster defines",
        doc: rule_doc!("dangling-reference"),
        security: false,
    },
    RuleInfo {
        id: "unresolved-substitution",
        severity: Severity::Error,
        summary: "A ${VAR} without default that no postBuild variable of its Kustomization defines",
        doc: rule_doc!("unresolved-substitution"),
        security: false,
    },
    RuleInfo {
        id: "schema",
        severity: Severity::Error,
        summary: "An object that its kind's JSON Schema rejects (unknown field, wrong type, missing field, bad value)",
        doc: rule_doc!("schema"),
        security: false,
    },
    RuleInfo {
        id: "deprecated-api",
        severity: Severity::Error,
        summary: "A Flux API version that Flux no longer serves",
        doc: rule_doc!("deprecated-api"),
        security: false,
    },
    RuleInfo {
        id: "unused-suppression",
        severity: Severity::Warning,
        summary: "A suppression comment or annotation that silences nothing, or names no rule",
        doc: rule_doc!("unused-suppression"),
        security: false,
    },
    RuleInfo {
        id: "policy-not-evaluated",
        severity: Severity::Warning,
        summary: "A part of a declarative rule or Kyverno policy that fleet-lint does not evaluate",
        doc: rule_doc!("policy-not-evaluated"),
        security: false,
    },
    RuleInfo {
        id: "external-source",
        severity: Severity::Info,
        summary: "A Flux source that is not this repository, whose content is not linted",
        doc: rule_doc!("external-source"),
        security: false,
    },
    RuleInfo {
        id: "unreachable",
        severity: Severity::Info,
        summary: "Manifest files that no cluster's Flux Kustomizations reach",
        doc: rule_doc!("unreachable"),
        security: false,
    },
];

/// The registry entry for `id`, if it is a built-in rule.
pub fn rule_info(id: &str) -> Option<&'static RuleInfo> {
    BUILTIN_RULES.iter().find(|r| r.id == id)
}
