//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it.
//!
//! Our own serde structs, typed to what GitHub uses: rules with descriptions,
//! help and default level; results with a root-relative location (`%SRCROOT%`),
//! a full region (1-based, columns in Unicode code points, `endColumn` just after
//! the region), related locations and fleet-lint's own fingerprint
//! (`fleet-lint/v1`, see [`crate::fingerprint`]), which survives line shifts
//! and objects inserted above. Not `primaryLocationLineHash`: the upload
//! action computes that one itself and warns when a tool's differs.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::Context;
use crate::diag::{Finding, Place, Severity};
use crate::rules::{BUILTIN_RULES, RuleInfo, UserRuleInfo};
use crate::source::{SourceStore, Span};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";
/// The `partialFingerprints` key of fleet-lint's fingerprint, versioned.
const FINGERPRINT_KEY: &str = "fleet-lint/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties<'a>>,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    /// The tenant that owns the object the finding is in.
    tenant: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

pub(super) fn render(cx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let store = cx.store;
    let rules: Vec<Rule> = BUILTIN_RULES
        .iter()
        .map(rule)
        .chain(cx.user_rules.iter().map(user_rule))
        .collect();
    let tenants = cx.tenants.clone();
    let results = cx
        .findings
        .iter()
        .zip(tenants)
        .map(|(finding, tenant)| SarifResult {
            properties: tenant.map(|tenant| ResultProperties { tenant }),
            rule_id: finding.rule.as_str(),
            rule_index: rules.iter().position(|r| finding.rule == *r.id),
            level: level(finding.severity),
            message: Text {
                text: linked_message(finding),
            },
            locations: [location(finding.span, store, None, None)],
            related_locations: finding
                .related()
                .enumerate()
                .map(|(i, (span, message))| {
                    location(span, store, Some(i), Some(message.into_owned()))
                })
                .collect(),
            partial_fingerprints: BTreeMap::from([(
                FINGERPRINT_KEY,
                super::fingerprint_text(finding),
            )]),
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "fleet-lint",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_HOMEPAGE"),
                    rules,
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// A user's declarative rule: its message and help are all there is to show.
/// Related locations a result's message links to; every one is still in
/// `relatedLocations`.
const MAX_LINKED: usize = 10;

/// The finding's message, then a link to each related location (SARIF's
/// `[text](id)`), so that code scanning shows the include chain and where an
/// object lands inside the alert's text.
fn linked_message(finding: &Finding) -> String {
    let mut text = finding.message().into_owned();
    let links: Vec<String> = finding
        .related()
        .take(MAX_LINKED)
        .enumerate()
        .map(|(id, (_, message))| format!("[{}]({id})", link_text(&message)))
        .collect();
    if !links.is_empty() {
        let more = finding.related().count().saturating_sub(MAX_LINKED);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        text.push_str(&format!("\n\nSee: {}{more}.", links.join("; ")));
    }
    text
}

/// Link text with what SARIF's message syntax reads escaped: brackets and
/// backslashes; line breaks made spaces.
fn link_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A rule's one line, as a sentence: SARIF's short description is one.
fn sentence(summary: &str) -> String {
    let summary = summary.trim_end();
    if summary.ends_with(['.', '!', '?']) {
        summary.to_string()
    } else {
        format!("{summary}.")
    }
}

fn user_rule(info: &UserRuleInfo) -> Rule {
    let summary: String = info.summary.chars().take(1024).collect();
    let help = info.help.clone().unwrap_or_else(|| summary.clone());
    Rule {
        id: info.id.clone(),
        name: info.id.clone(),
        short_description: Text {
            text: sentence(&summary),
        },
        full_description: Text { text: summary },
        help: Help {
            text: help.clone(),
            markdown: help,
        },
        help_uri: None,
        default_configuration: Configuration {
            level: level(info.severity),
        },
        properties: RuleProperties {
            tags: vec!["flux", "user-rule"],
            security_severity: None,
        },
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule(info: &RuleInfo) -> Rule {
    Rule {
        id: info.id.to_string(),
        name: info.id.to_string(),
        short_description: Text {
            text: sentence(info.summary),
        },
        full_description: Text {
            text: first_paragraph(info.doc, "## What it checks")
                .unwrap_or(info.summary)
                .chars()
                .take(1024)
                .collect(),
        },
        help: Help {
            text: info.doc.to_string(),
            markdown: info.doc.to_string(),
        },
        help_uri: Some(info.doc_uri()),
        default_configuration: Configuration {
            level: level(info.severity),
        },
        properties: RuleProperties {
            tags: if info.is_security() {
                vec!["security", "flux"]
            } else {
                vec!["flux"]
            },
            security_severity: info.is_security().then_some(match info.severity {
                Severity::Error => "8.0",
                Severity::Warning => "5.0",
                Severity::Info => "2.0",
            }),
        },
    }
}

/// The first paragraph after `heading` in a rule doc.
fn first_paragraph<'d>(doc: &'d str, heading: &str) -> Option<&'d str> {
    let after = &doc[doc.find(heading)? + heading.len()..];
    let body = after.trim_start();
    let end = body.find("\n\n").unwrap_or(body.len());
    Some(body[..end].trim())
}

fn location(
    span: Span,
    store: &SourceStore,
    id: Option<usize>,
    message: Option<String>,
) -> Location {
    let place = Place::of(span, store);
    Location {
        id,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: uri_path(place.path),
                uri_base_id: SRCROOT,
            },
            region: Region {
                start_line: place.line,
                start_column: place.column,
                end_line: place.end_line,
                end_column: place.end_column,
            },
        },
        message: message.map(|text| Text { text }),
    }
}

/// A relative path as a URI reference: everything but unreserved characters
/// and `/` percent-encoded.
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri_path("tenants/a b/é.yaml"), "tenants/a%20b/%C3%A9.yaml");
    }
}
