//! The rule registry: every rule's stable id, default severity, one-line
//! summary and documentation (`rules/<id>.md`, embedded in the binary).

use crate::diag::Severity;

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
