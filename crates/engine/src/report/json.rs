//! `--format json`: one object, `{"version": 1, "findings": [...], "summary": {...}}`.
//! The fields are documented in `docs/json-output.md`, and the JSON Schema
//! is `schemas/fleet-lint-report.schema.json`.

use std::io::{self, Write};

use serde::Serialize;

use super::Context;
use crate::diag::Place;

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'static str,
    message: String,
    #[serde(flatten)]
    place: Place<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<String>,
    /// The tenant that owns the object the finding is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    tenant: Option<&'a str>,
    related: Vec<JsonRelated<'a>>,
    fingerprint: String,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    path: &'a str,
    line: u32,
    column: u32,
    message: String,
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    infos: usize,
    files: usize,
    /// Clusters the fleet model found, and tenants owning an object on one.
    clusters: usize,
    tenants: usize,
    /// Findings the `--baseline` held, left out.
    baselined: usize,
    /// Baseline entries that matched no finding.
    baseline_stale: usize,
    /// Findings in no file `--files` or `--changed-since` selected, left out.
    not_selected: usize,
    /// Objects checked against a schema, and objects of kinds without one.
    schema: SchemaSummary,
}

#[derive(Serialize)]
struct SchemaSummary {
    validated: usize,
    unchecked: usize,
}

pub(super) fn render(cx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let store = cx.store;
    let tenants = cx.tenants.clone();
    let findings = cx
        .findings
        .iter()
        .zip(tenants)
        .map(|(f, tenant)| JsonFinding {
            tenant,
            rule: f.rule.as_str(),
            severity: f.severity.as_str(),
            message: f.message().into_owned(),
            place: Place::of(f.span, store),
            help: f.help().map(|h| h.into_owned()),
            related: f
                .related()
                .map(|(span, message)| {
                    let place = Place::of(span, store);
                    JsonRelated {
                        path: place.path,
                        line: place.line,
                        column: place.column,
                        message: message.into_owned(),
                    }
                })
                .collect(),
            fingerprint: super::fingerprint_text(f),
        })
        .collect();
    let (errors, warnings, infos) = cx.counts();
    let output = Output {
        version: 1,
        findings,
        summary: Summary {
            errors,
            warnings,
            infos,
            files: cx.files,
            clusters: cx.clusters,
            tenants: cx.tenant_count,
            baselined: cx.baselined,
            baseline_stale: cx.baseline_stale,
            not_selected: cx.not_selected,
            schema: SchemaSummary {
                validated: cx.schema_coverage.validated,
                unchecked: cx.schema_coverage.unchecked,
            },
        },
    };
    serde_json::to_writer_pretty(&mut *out, &output)?;
    writeln!(out)
}
