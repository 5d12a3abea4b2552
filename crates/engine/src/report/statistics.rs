//! `--statistics`: how many findings each rule raised, instead of the findings;
//! as a text table or as JSON.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::Context;
use crate::diag::Severity;

#[derive(Serialize)]
struct RuleCount<'a> {
    rule: &'a str,
    severity: &'static str,
    count: usize,
}

/// Counts per rule and severity, most frequent first, then by rule id.
fn counts<'a>(cx: &Context<'a>) -> Vec<RuleCount<'a>> {
    let mut by_rule: BTreeMap<(&str, Severity), usize> = BTreeMap::new();
    for finding in cx.findings {
        *by_rule
            .entry((finding.rule.as_str(), finding.severity))
            .or_default() += 1;
    }
    let mut counts: Vec<RuleCount> = by_rule
        .into_iter()
        .map(|((rule, severity), count)| RuleCount {
            rule,
            severity: severity.as_str(),
            count,
        })
        .collect();
    counts.sort_by(|a, b| b.count.cmp(&a.count).then(a.rule.cmp(b.rule)));
    counts
}

/// A table: count, severity, rule; nothing when there are no findings.
pub(crate) fn render_text(cx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let counts = counts(cx);
    let width = counts
        .iter()
        .map(|c| c.count.to_string().len())
        .max()
        .unwrap_or(1);
    for count in counts {
        writeln!(
            out,
            "{:>width$}  {:7}  {}",
            count.count, count.severity, count.rule
        )?;
    }
    Ok(())
}

/// `[{"rule": ..., "severity": ..., "count": N}, ...]`.
pub(super) fn render_json(cx: &Context, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &counts(cx))?;
    writeln!(out)
}
