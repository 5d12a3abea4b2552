//! The rule registry: [`BUILTIN_RULES`], expanded from the one declaration
//! per built-in rule in [`crate::rule_list`], from which every list is derived
//! (`fleet-lint rules`, `explain`, SARIF rule descriptors, the checks that run,
//! the embedded declarative rules, the README's table, which a test compares).
//!
//! Each entry holds the rule's typed id ([`RuleId`]), its default severity
//! (and, in `also`, the kinds of finding it reports at another severity, as
//! its doc's header says), its tags, what raises it ([`Producer`]: a pipeline
//! stage, a check over the fleet model, a declarative rule in
//! `rules/<id>.yaml`), its one-line summary and its doc, `rules/<id>.md`,
//! embedded in the binary. Adding a rule means adding its declaration, its
//! check (if it has one), its doc and its fixtures: `cargo xtask new-rule <id>`
//! scaffolds them.

use super::RuleContext;
use crate::diag::{Finding, Severity};
pub use crate::rule_id::RuleId;

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

impl Tag {
    /// The tag's name, as `--select` and `fleet-lint rules` write it.
    pub fn name(self) -> &'static str {
        match self {
            Tag::Security => "security",
            Tag::Tenant => "tenant",
        }
    }
}

/// What users see of a rule in `fleet-lint rules`, `explain` and SARIF, and
/// what raises it.
#[derive(Clone, Copy, Debug)]
pub struct RuleInfo {
    /// The id.
    pub id: RuleId,
    /// The default severity.
    pub severity: Severity,
    /// The kinds of finding reported at another severity (the doc's header).
    pub also: Option<&'static str>,
    /// What it is about (security, tenants).
    pub tags: &'static [Tag],
    /// What raises it: a pipeline stage, a check, a declarative rule.
    pub by: &'static [Producer],
    /// One line on what it checks.
    pub summary: &'static str,
    /// The whole Markdown doc.
    pub doc: &'static str,
}

impl RuleInfo {
    /// Where this version's doc of the rule is published: `rules/<id>.md` at
    /// the release's tag.
    pub fn doc_uri(&self) -> String {
        format!(
            "{}/blob/v{}/rules/{}.md",
            env!("CARGO_PKG_REPOSITORY"),
            env!("CARGO_PKG_VERSION"),
            self.id
        )
    }

    /// Whether the rule is tagged [`Tag::Security`].
    pub(crate) fn is_security(&self) -> bool {
        self.tags.contains(&Tag::Security)
    }

    /// The header every rule doc starts with: its id, and its default
    /// severity with the kinds of finding at another one (checked by a test
    /// against every doc).
    #[cfg(test)]
    pub(crate) fn doc_header(&self) -> String {
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
    pub(crate) fn declarative(&self) -> Option<&'static str> {
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

/// Generates [`BUILTIN_RULES`] from the declarations, in their order.
macro_rules! declare_registry {
    ($(
        $variant:ident = $id:literal {
            severity: $severity:ident,
            $(also: $also:literal,)?
            tags: [$($tag:ident),*],
            by: [$($by:ident $(($check:path))?),+],
            summary: $summary:literal,
        }
    )+) => {
        /// Every built-in rule, in the order `fleet-lint rules` lists them.
        pub static BUILTIN_RULES: &[RuleInfo] = &[
            $(
                RuleInfo {
                    id: RuleId::$variant,
                    severity: Severity::$severity,
                    also: declare_registry!(@also $($also)?),
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

crate::rule_list::builtin_rules!(declare_registry);

/// The registry entry of `id`.
pub fn info(id: RuleId) -> &'static RuleInfo {
    &BUILTIN_RULES[id as usize]
}

/// The registry entry for `id`, if it is a built-in rule.
pub fn rule_info(id: &str) -> Option<&'static RuleInfo> {
    RuleId::parse(id).map(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_in_declaration_order() {
        assert_eq!(RuleId::ALL.len(), BUILTIN_RULES.len());
        for (index, rule) in BUILTIN_RULES.iter().enumerate() {
            assert_eq!(rule.id as usize, index);
            assert_eq!(RuleId::ALL[index], rule.id);
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
