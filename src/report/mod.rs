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

use std::io::{self, Write};
use std::time::Duration;

pub use human::HumanOptions;

use crate::LintRun;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
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
