//! The rule registry: one declaration per built-in rule, from which every
//! list is derived (`fleet-lint rules`, `explain`, SARIF rule descriptors, the
//! checks that run, the embedded declarative rules, the README's table, which a
//! test compares).
//!
//! A declaration names the rule's typed id ([`RuleId`]) and its id as users
//! write it, its default severity (and, in `also`, the kinds of finding it
//! reports at another severity, as its doc's header says), its tags, who
//! raises it ([`Producer`]: a pipeline stage, a check over the fleet model, a
//! declarative rule in `rules/<id>.yaml`) and its one-line summary. Its doc is
//! `rules/<id>.md`, embedded in the binary. Adding a rule means adding its
//! declaration here, its check (if it has one) and its doc and fixtures:
//! `cargo xtask new-rule <id>` scaffolds them.

use super::RuleContext;
use crate::diag::{Finding, Severity};

/// A check over the fleet model: reads the [`RuleContext`], returns findings.
pub type CheckFn = fn(&RuleContext) -> Vec<Finding>;

/// What raises a rule's findings.
#[derive(Clone, Copy, Debug)]
pub enum Producer {
    /// Reading and parsing files (`load`, `yaml`).
    Load,
    /// Resolving kustomizations (`kustomize`).
    Kustomize,
    /// Building the fleet model: clusters, Flux Kustomizations, sources (`fleet`).
    Model,
    /// Reading declarative rules and Kyverno policies (`policy`).
    Policy,
    /// Validating objects against JSON Schemas (`rules::schema`).
    Schema,
    /// Applying users' decisions: suppressions (`suppress`).
    Decide,
    /// A check over the fleet model, in its file under `rules/`.
    Check(CheckFn),
    /// The declarative rule shipped as `rules/<id>.yaml` (its text).
    Declarative(&'static str),
}

/// What a rule is about, beyond its id. Security rules get a
/// `security-severity` in SARIF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    /// A breach of isolation or a leak if missed.
    Security,
    /// A multi-tenancy rule: it reads who owns each object.
    Tenant,
}

/// What users see of a rule in `fleet-lint rules`, `explain` and SARIF, and
/// what raises it.
#[derive(Clone, Copy, Debug)]
pub struct RuleInfo {
    pub id: RuleId,
    pub severity: Severity,
    /// The kinds of finding reported at another severity (the doc's header).
    pub also: Option<&'static str>,
    pub tags: &'static [Tag],
    pub by: &'static [Producer],
    pub summary: &'static str,
    /// The whole Markdown doc.
    pub doc: &'static str,
}

impl RuleInfo {
    /// Whether the rule is tagged [`Tag::Security`].
    pub fn is_security(&self) -> bool {
        self.tags.contains(&Tag::Security)
    }

    /// The header every rule doc starts with: its id, and its default
    /// severity with the kinds of finding at another one.
    pub fn doc_header(&self) -> String {
        let also = self.also.map(|a| format!(" ({a})")).unwrap_or_default();
        format!(
            "# {}\n\n**Default severity:** {}{also}\n",
            self.id, self.severity
        )
    }

    /// The check over the fleet model, if the rule has one.
    pub fn check(&self) -> Option<CheckFn> {
        self.by.iter().find_map(|p| match p {
            Producer::Check(check) => Some(*check),
            _ => None,
        })
    }

    /// The text of the rule's declarative part (`rules/<id>.yaml`), if it has one.
    pub fn declarative(&self) -> Option<&'static str> {
        self.by.iter().find_map(|p| match p {
            Producer::Declarative(text) => Some(*text),
            _ => None,
        })
    }
}

/// One of a declaration's producers; `Declarative` embeds `rules/<id>.yaml`.
macro_rules! producer {
    ($id:literal, Declarative) => {
        Producer::Declarative(include_str!(concat!("../../../../rules/", $id, ".yaml")))
    };
    ($id:literal, Check($check:path)) => {
        Producer::Check($check)
    };
    ($id:literal, $stage:ident) => {
        Producer::$stage
    };
}

/// Declares every built-in rule: the [`RuleId`] enum, its string forms, and
/// [`BUILTIN_RULES`] in declaration order (the order `fleet-lint rules` lists).
macro_rules! declare_rules {
    ($(
        $variant:ident = $id:literal {
            severity: $severity:ident,
            $(also: $also:literal,)?
            tags: [$($tag:ident),*],
            by: [$($by:ident $(($check:path))?),+],
            summary: $summary:literal,
        }
    )+) => {
        /// A built-in rule's id: a misspelt one does not compile.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RuleId {
            $(
                #[doc = concat!("`", $id, "`: ", $summary)]
                $variant,
            )+
        }

        impl RuleId {
            /// The id as users write it (`tenant-service-account`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(RuleId::$variant => $id,)+
                }
            }

            /// The built-in rule named `id`, if there is one.
            pub fn parse(id: &str) -> Option<RuleId> {
                match id {
                    $($id => Some(RuleId::$variant),)+
                    _ => None,
                }
            }

            /// The rule's registry entry.
            pub fn info(self) -> &'static RuleInfo {
                &BUILTIN_RULES[self as usize]
            }
        }

        /// Every built-in rule, in the order `fleet-lint rules` lists them.
        pub static BUILTIN_RULES: &[RuleInfo] = &[
            $(
                RuleInfo {
                    id: RuleId::$variant,
                    severity: Severity::$severity,
                    also: declare_rules!(@also $($also)?),
                    tags: &[$(Tag::$tag),*],
                    by: &[$(producer!($id, $by $(($check))?)),+],
                    summary: $summary,
                    doc: include_str!(concat!("../../../../rules/", $id, ".md")),
                },
            )+
        ];
    };
    (@also $also:literal) => { Some($also) };
    (@also) => { None };
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

declare_rules! {
    YamlSyntax = "yaml-syntax" {
        severity: Error,
        tags: [],
        by: [Load, Kustomize],
        summary: "A manifest is not valid YAML (syntax, duplicate keys, encoding, hostile nesting or aliases)",
    }
    EmptyFile = "empty-file" {
        severity: Info,
        tags: [],
        by: [Load],
        summary: "A manifest file holds no document",
    }
    FileTooLarge = "file-too-large" {
        severity: Warning,
        tags: [],
        by: [Load],
        summary: "A manifest file is larger than the size limit and was not read",
    }
    LimitExceeded = "limit-exceeded" {
        severity: Warning,
        tags: [],
        by: [Kustomize],
        summary: "The repository exceeds one of the budgets that bound fleet-lint's work; the part beyond it was not linted",
    }
    FileUnreadable = "file-unreadable" {
        severity: Error,
        tags: [],
        by: [Load],
        summary: "A manifest file could not be read from disk",
    }
    KustomizeMissingRef = "kustomize-missing-ref" {
        severity: Error,
        tags: [],
        by: [Kustomize, Model],
        summary: "A kustomization names a file or directory that does not exist (or has no kustomization)",
    }
    KustomizeCycle = "kustomize-cycle" {
        severity: Error,
        tags: [],
        by: [Kustomize, Model],
        summary: "Kustomizations include each other in a cycle",
    }
    KustomizeEscapesRoot = "kustomize-escapes-root" {
        severity: Error,
        tags: [Security],
        by: [Kustomize],
        summary: "A kustomization references a path outside the repository",
    }
    KustomizeDuplicateId = "kustomize-duplicate-id" {
        severity: Error,
        tags: [],
        by: [Kustomize],
        summary: "Two objects with the same kind, namespace and name in one build",
    }
    KustomizeInvalid = "kustomize-invalid" {
        severity: Error,
        also: "warning for a patch whose `target` matches nothing",
        tags: [],
        by: [Kustomize],
        summary: "A kustomization that kustomize rejects or that silently does less than it says",
    }
    KustomizeRemoteRef = "kustomize-remote-ref" {
        severity: Info,
        tags: [],
        by: [Kustomize],
        summary: "A remote kustomization reference that fleet-lint does not fetch",
    }
    KustomizeNotEvaluated = "kustomize-not-evaluated" {
        severity: Info,
        tags: [],
        by: [Kustomize],
        summary: "A kustomize feature that fleet-lint does not evaluate (helmCharts, replacements, plugins)",
    }
    TenantServiceAccount = "tenant-service-account" {
        severity: Error,
        also: "warning when the named ServiceAccount is defined nowhere",
        tags: [Security, Tenant],
        by: [Declarative, Check(super::tenant_service_account::check)],
        summary: "A tenant Flux Kustomization or HelmRelease without its own serviceAccountName",
    }
    TenantClusterRbac = "tenant-cluster-rbac" {
        severity: Error,
        also: "warning for a ClusterRole",
        tags: [Security, Tenant],
        by: [Check(super::tenant_cluster_rbac::check)],
        summary: "A ClusterRoleBinding (or ClusterRole) in a tenant's content",
    }
    TenantAlertCoverage = "tenant-alert-coverage" {
        severity: Error,
        also: "warning when the only covering Alerts may exclude errors",
        tags: [Tenant],
        by: [Check(super::tenant_alert_coverage::check)],
        summary: "A tenant Flux Kustomization or HelmRelease whose failures page nobody",
    }
    PlaintextSecret = "plaintext-secret" {
        severity: Error,
        also: "warning where the rule is less sure: a short or simple value under a password key, a literal PagerDuty routing key in `spec.channel`",
        tags: [Security],
        by: [Check(super::plaintext_secret::check)],
        summary: "A credential committed in clear text (Secret, generators, env files, webhook URLs, token formats, credential-named keys, embedded config), hidden folders included",
    }
    TenantCrossNamespaceRef = "tenant-cross-namespace-ref" {
        severity: Error,
        tags: [Security, Tenant],
        by: [Check(super::tenant_cross_namespace_ref::check)],
        summary: "A tenant Flux object that refers to a source or event source in another namespace",
    }
    TenantTargetNamespace = "tenant-target-namespace" {
        severity: Error,
        tags: [Security, Tenant],
        by: [Check(super::tenant_target_namespace::check)],
        summary: "A tenant Flux object whose targetNamespace belongs to the platform or another tenant",
    }
    TenantKubeconfig = "tenant-kubeconfig" {
        severity: Error,
        tags: [Security, Tenant],
        by: [Declarative],
        summary: "A tenant Flux object that reaches another cluster through spec.kubeConfig",
    }
    TenantRemoteBase = "tenant-remote-base" {
        severity: Error,
        tags: [Security, Tenant],
        by: [Check(super::tenant_remote_base::check)],
        summary: "A tenant kustomization that pulls a remote base",
    }
    DanglingReference = "dangling-reference" {
        severity: Warning,
        tags: [],
        by: [Check(super::dangling_reference::check)],
        summary: "A sourceRef, providerRef, dependsOn, valuesFrom or substituteFrom that nothing on the cluster defines",
    }
    UnresolvedSubstitution = "unresolved-substitution" {
        severity: Error,
        also: "warning when a `substituteFrom` object is not in the repository",
        tags: [],
        by: [Check(super::unresolved_substitution::check)],
        summary: "A ${VAR} without default that no postBuild variable of its Kustomization defines",
    }
    Schema = "schema" {
        severity: Error,
        also: "warning for a schema file that cannot be used",
        tags: [],
        by: [Schema],
        summary: "An object that its kind's JSON Schema rejects (unknown field, wrong type, missing field, bad value)",
    }
    DeprecatedApi = "deprecated-api" {
        severity: Error,
        tags: [],
        by: [Declarative],
        summary: "A Flux API version that Flux no longer serves",
    }
    UnusedSuppression = "unused-suppression" {
        severity: Warning,
        tags: [],
        by: [Decide],
        summary: "A suppression comment or annotation that silences nothing, or names no rule",
    }
    PolicyNotEvaluated = "policy-not-evaluated" {
        severity: Warning,
        tags: [],
        by: [Policy],
        summary: "A part of a declarative rule or Kyverno policy that fleet-lint does not evaluate",
    }
    ExternalSource = "external-source" {
        severity: Info,
        tags: [],
        by: [Model],
        summary: "A Flux source that is not this repository, whose content is not linted",
    }
    Unreachable = "unreachable" {
        severity: Info,
        tags: [],
        by: [Model],
        summary: "Manifest files that no cluster's Flux Kustomizations reach",
    }
}

/// The registry entry for `id`, if it is a built-in rule.
pub fn rule_info(id: &str) -> Option<&'static RuleInfo> {
    RuleId::parse(id).map(RuleId::info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_in_declaration_order() {
        for (index, rule) in BUILTIN_RULES.iter().enumerate() {
            assert_eq!(rule.id as usize, index);
            assert_eq!(RuleId::parse(rule.id.as_str()), Some(rule.id));
        }
    }

    #[test]
    fn every_doc_starts_with_the_header_its_declaration_generates() {
        for rule in BUILTIN_RULES {
            let header = rule.doc_header();
            assert!(
                rule.doc.starts_with(&header),
                "rules/{}.md must start with:\n{header}",
                rule.id
            );
        }
    }

    #[test]
    fn every_doc_has_the_sections_users_expect() {
        for rule in BUILTIN_RULES {
            let sections: Vec<&str> = rule.doc.lines().filter(|l| l.starts_with("## ")).collect();
            let why = if rule.tags.contains(&Tag::Tenant) || rule.id == RuleId::PlaintextSecret {
                "## Why it matters for multi-tenancy"
            } else {
                "## Why it matters"
            };
            assert_eq!(
                sections,
                ["## What it checks", why, "## Example", "## Suppressing"],
                "rules/{}.md",
                rule.id
            );
        }
    }
}
