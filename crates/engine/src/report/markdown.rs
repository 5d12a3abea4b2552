//! `--format markdown`: a GitHub job summary (`$GITHUB_STEP_SUMMARY`): the
//! counts, a table of findings per rule and tenant, and every finding in a
//! collapsed list.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::Context;
use super::plural;
use crate::diag::{Place, Severity};

/// Findings shown one by one at most (GitHub caps a summary at 1 MiB).
const LISTED: usize = 500;

pub(super) fn render(cx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let (errors, warnings, infos) = cx.counts();
    writeln!(out, "### fleet-lint\n")?;
    writeln!(
        out,
        "{}, {}, {} in {}.\n",
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(infos, "info"),
        cx.scope()
    )?;
    if cx.findings.is_empty() {
        return Ok(());
    }
    let hidden = cx.findings.len() - super::github::annotated(cx).len();
    if cx.with_annotations && hidden > 0 {
        let order = if cx.annotate_first.is_empty() {
            "in report order"
        } else {
            "the files this pull request changes first"
        };
        writeln!(
            out,
            "{} not annotated: GitHub shows {} annotations of each severity per step ({order}). Every finding is listed below.\n",
            if hidden == 1 {
                "1 finding is".to_string()
            } else {
                format!("{hidden} findings are")
            },
            super::github::SHOWN_PER_LEVEL
        )?;
    }
    let tenants = cx.tenants.clone();
    let mut table: BTreeMap<(&str, &str), [usize; 3]> = BTreeMap::new();
    for (finding, tenant) in cx.findings.iter().zip(&tenants) {
        let counts = table
            .entry((finding.rule.as_str(), tenant.unwrap_or("(platform)")))
            .or_default();
        counts[column(finding.severity)] += 1;
    }
    writeln!(out, "| rule | tenant | errors | warnings | infos |")?;
    writeln!(out, "| --- | --- | ---: | ---: | ---: |")?;
    for ((rule, tenant), [e, w, n]) in &table {
        writeln!(out, "| `{rule}` | {} | {e} | {w} | {n} |", cell(tenant))?;
    }
    writeln!(out, "\n<details><summary>Findings</summary>\n")?;
    writeln!(out, "| severity | rule | where | message |")?;
    writeln!(out, "| --- | --- | --- | --- |")?;
    for finding in cx.findings.iter().take(LISTED) {
        let place = Place::of(finding.span, cx.store);
        writeln!(
            out,
            "| {} | `{}` | `{}:{}` | {} |",
            finding.severity.as_str(),
            cell(finding.rule.as_str()),
            cell(place.path),
            place.line,
            cell(&finding.message())
        )?;
    }
    if cx.findings.len() > LISTED {
        writeln!(out, "\n{} more not listed.", cx.findings.len() - LISTED)?;
    }
    writeln!(out, "\n</details>")
}

fn column(severity: Severity) -> usize {
    match severity {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    }
}

/// Text safe in a Markdown table cell (no column breaks, no HTML).
fn cell(text: &str) -> String {
    super::printable(text)
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace(['\n', '\r'], " ")
}
