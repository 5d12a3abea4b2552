//! `fleet-lint rules` (text and JSON) and `explain` for a user's rule: the
//! [`Catalog`] of a repository, rendered.

use std::io::{self, Write};

use serde::Serialize;

use crate::catalog::{Catalog, CatalogRule};
use crate::rules::rule_info;

/// One line per rule: id, severity in this repository (`off` when turned
/// off), summary; a user's rule ends with where it is written.
pub fn render_text(catalog: &Catalog, out: &mut dyn Write) -> io::Result<()> {
    let width = catalog.rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for rule in &catalog.rules {
        let defined = rule
            .defined_at
            .as_ref()
            .map_or(String::new(), |at| format!(" ({at})"));
        let line = format!(
            "{:width$}  {:7}  {}{defined}",
            super::printable_line(&rule.id),
            level_name(rule),
            super::printable_line(&rule.summary),
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

#[derive(Serialize)]
struct RulesJson<'a> {
    version: u32,
    rules: Vec<RuleJson<'a>>,
}

#[derive(Serialize)]
struct RuleJson<'a> {
    id: &'a str,
    /// In this repository: `error`, `warning`, `info` or `off`.
    severity: &'static str,
    default_severity: &'static str,
    tags: &'a [&'static str],
    summary: &'a str,
    help: Option<&'a str>,
    /// `built-in`, or `path:line` of a user's rule.
    origin: &'a str,
    doc_uri: Option<String>,
}

/// `{"version": 1, "rules": [...]}`, every field of every rule
/// (`schemas/fleet-lint-rules.schema.json`).
pub fn render_json(catalog: &Catalog, out: &mut dyn Write) -> io::Result<()> {
    let rules = catalog
        .rules
        .iter()
        .map(|rule| RuleJson {
            id: &rule.id,
            severity: level_name(rule),
            default_severity: rule.default_severity.as_str(),
            tags: &rule.tags,
            summary: &rule.summary,
            help: rule.help.as_deref(),
            origin: rule.defined_at.as_deref().unwrap_or("built-in"),
            doc_uri: rule_info(&rule.id).map(|info| info.doc_uri()),
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &RulesJson { version: 1, rules })?;
    writeln!(out)
}

/// A user's rule as `explain` prints it, in the shape of a built-in rule's doc.
pub fn explain_user_rule(rule: &CatalogRule) -> String {
    let mut text = format!(
        "# {}\n\n**Severity:** {}",
        rule.id,
        rule.default_severity.as_str()
    );
    if level_name(rule) != rule.default_severity.as_str() {
        text.push_str(&format!(" (in this repository: {})", level_name(rule)));
    }
    if let Some(at) = &rule.defined_at {
        text.push_str(&format!(
            "\n\nA rule of this repository, written at `{at}`."
        ));
    }
    text.push_str(&format!("\n\n## Message\n\n{}\n", rule.summary.trim_end()));
    if let Some(help) = &rule.help {
        text.push_str(&format!("\n## How to fix\n\n{}\n", help.trim_end()));
    }
    super::printable(&text).into_owned()
}

fn level_name(rule: &CatalogRule) -> &'static str {
    rule.severity.map_or("off", |s| s.as_str())
}
