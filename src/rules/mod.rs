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
];

/// The registry entry for `id`, if it is a built-in rule.
pub fn rule_info(id: &str) -> Option<&'static RuleInfo> {
    BUILTIN_RULES.iter().find(|r| r.id == id)
}
