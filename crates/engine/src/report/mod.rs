//! Renderings of a run's findings. Each format is a pure function of the
//! findings (already sorted and masked by the finding type) and the file store:
//! no format decides what is a finding.

pub mod build;
mod github;
pub mod graph;
mod human;
mod json;
mod junit;
mod markdown;
mod sarif;
mod statistics;

use std::borrow::Cow;
use std::io::{self, Write};
use std::time::Duration;

pub use human::HumanOptions;

use crate::LintRun;

/// A report format; `ALL` lists them with the name and description the
/// command line offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Source snippets with a label under the offending key, and a summary.
    Human,
    /// One JSON object: `{"version": 1, "findings": [...], "summary": {...}}`.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...`), shown as annotations.
    Github,
    /// JUnit XML: a test suite per rule, a failed test case per finding.
    Junit,
    /// A Markdown job summary: counts, a table per rule and tenant, the findings.
    Markdown,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 6] = [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Junit,
        Format::Markdown,
    ];

    /// The name users write (`--format sarif`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
        }
    }

    /// What the format is, in one line (as its variant's doc says).
    pub fn description(self) -> &'static str {
        match self {
            Format::Human => "Source snippets with a label under the offending key, and a summary",
            Format::Json => {
                "One JSON object: `{\"version\": 1, \"findings\": [...], \"summary\": {...}}`"
            }
            Format::Sarif => "SARIF 2.1.0, for GitHub code scanning",
            Format::Github => {
                "GitHub Actions workflow commands (`::error file=...`), shown as annotations"
            }
            Format::Junit => "JUnit XML: a test suite per rule, a failed test case per finding",
            Format::Markdown => {
                "A Markdown job summary: counts, a table per rule and tenant, the findings"
            }
        }
    }
}

/// Writes `run` in `format` to `out`.
pub fn render(
    format: Format,
    run: &LintRun,
    elapsed: Duration,
    human: &HumanOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(run, elapsed, human, out),
        Format::Json => json::render(run, out),
        Format::Sarif => sarif::render(run, out),
        Format::Github => github::render(run, out),
        Format::Junit => junit::render(run, out),
        Format::Markdown => markdown::render(run, out),
    }
}

/// Writes how many findings each rule raised (`--statistics`): JSON for
/// `Format::Json`, otherwise a table and (unless quiet) the summary line.
pub fn render_statistics(
    format: Format,
    run: &LintRun,
    elapsed: Duration,
    human: &HumanOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    if format == Format::Json {
        return statistics::render_json(run, out);
    }
    statistics::render_text(run, out)?;
    if !human.quiet {
        writeln!(out, "{}", human::summary_line(run, elapsed))?;
    }
    Ok(())
}

/// "1 error", "2 warnings": a count with its noun, plural when needed.
fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// `text` with every control character but line breaks and tabs written as
/// an escape (`\u{1b}`): text from the repository (a key, a name, a value a
/// message quotes) must not move the cursor, ring the bell or recolour the
/// terminal.
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    escape_controls(text, |c| c == '\n' || c == '\t')
}

/// [`printable`] with line breaks escaped too: a file name on one line.
pub(crate) fn printable_line(text: &str) -> Cow<'_, str> {
    escape_controls(text, |_| false)
}

fn escape_controls(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && !keep(c)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() && !keep(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// Source text for a snippet with each control character but line breaks and
/// tabs replaced by `?`, byte for byte (a C1 character is two bytes, two
/// `?`), so that spans into the text stay valid. A carriage return stays only
/// before a line feed.
pub(crate) fn printable_source(text: &str) -> Cow<'_, str> {
    let mut chars = text.chars().peekable();
    let unsafe_char = |c: char, next: Option<&char>| {
        c.is_control() && c != '\n' && c != '\t' && !(c == '\r' && next == Some(&'\n'))
    };
    let mut out: Option<String> = None;
    let mut at = 0;
    while let Some(c) = chars.next() {
        if unsafe_char(c, chars.peek()) {
            let out = out.get_or_insert_with(|| text[..at].to_string());
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else if let Some(out) = &mut out {
            out.push(c);
        }
        at += c.len_utf8();
    }
    out.map_or(Cow::Borrowed(text), Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_a_terminal() {
        assert_eq!(
            printable("a\u{1b}[31mred\u{7}\nnext"),
            "a\\u{1b}[31mred\\u{7}\nnext"
        );
        assert_eq!(printable_line("file\nname.yaml"), "file\\u{a}name.yaml");
        assert_eq!(printable("plain text"), Cow::Borrowed("plain text"));
        let source = "key: \u{1b}]0;title\u{7}\r\nnext: \u{9b}x\rover\n";
        let shown = printable_source(source);
        assert_eq!(shown.len(), source.len());
        assert_eq!(shown, "key: ?]0;title?\r\nnext: ??x?over\n");
    }
}
