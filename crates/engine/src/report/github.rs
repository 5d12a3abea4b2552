//! `--format github`: GitHub Actions workflow commands, which the runner turns
//! into annotations on the pull request's diff.

use std::io::{self, Write};

use super::Context;
use crate::diag::{Place, Severity};

pub(super) fn render(cx: &Context, out: &mut dyn Write) -> io::Result<()> {
    for finding in cx.findings {
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
