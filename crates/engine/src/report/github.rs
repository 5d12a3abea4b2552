//! `--format github`: GitHub Actions workflow commands, which the runner turns
//! into annotations on the pull request's diff. GitHub shows 10 annotations of
//! each level per step and drops the rest, so this prints those 10: the
//! findings in the files the pull request changes first (when the caller
//! marked them), then the others, each group in report order.

use std::io::{self, Write};

use super::Context;
use crate::diag::{Finding, Place, Severity};

/// Annotations of one level GitHub shows per step.
pub(super) const SHOWN_PER_LEVEL: usize = 10;

/// The findings annotated, in the order printed.
pub(super) fn annotated<'a>(cx: &Context<'a>) -> Vec<&'a Finding> {
    let changed = |index: usize| cx.annotate_first.get(index).copied().unwrap_or(false);
    let (first, rest): (Vec<usize>, Vec<usize>) = (0..cx.findings.len()).partition(|&i| changed(i));
    let mut shown = [0usize; 3];
    first
        .into_iter()
        .chain(rest)
        .map(|index| &cx.findings[index])
        .filter(|finding| {
            let count = &mut shown[finding.severity as usize];
            *count += 1;
            *count <= SHOWN_PER_LEVEL
        })
        .collect()
}

pub(super) fn render(cx: &Context, out: &mut dyn Write) -> io::Result<()> {
    for finding in annotated(cx) {
        let command = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let place = Place::of(finding.span, cx.store);
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(place.path),
            place.line,
            place.column,
            place.end_line,
            place.end_column,
            escape_property(finding.rule.as_str()),
            escape_data(&finding.message()),
        )?;
    }
    Ok(())
}

/// Escapes a command's message as the runner expects.
fn escape_data(text: &str) -> String {
    super::printable(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property (which also may not contain `:` or `,`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_separators() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
