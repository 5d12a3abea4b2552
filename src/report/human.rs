//! `--format human`: miette's graphical reports, one per finding, with the
//! source snippet and a label under the exact key, then a one-line summary.

use std::fmt;
use std::io::{self, Write};
use std::time::Duration;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource,
    Severity as MietteSeverity, SourceSpan,
};

use super::plural;
use crate::LintRun;
use crate::diag::{Finding, Place, Severity, mask_source};
use crate::source::{SourceFile, SourceStore, Span};

/// Terminal choices for the human format.
#[derive(Clone, Copy, Debug)]
pub struct HumanOptions {
    pub color: bool,
    /// Findings only, no summary line.
    pub quiet: bool,
    /// Wrap width of the report.
    pub width: usize,
}

pub fn render(
    run: &LintRun,
    elapsed: Duration,
    options: &HumanOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_links(false);
    let store = &run.loaded.store;
    // Snippets show neighbouring lines: mask every secret of the run in each.
    let secrets: Vec<&str> = run.findings.iter().flat_map(Finding::secrets).collect();
    for finding in &run.findings {
        let report = Report::new(finding, store, &secrets);
        let mut text = String::new();
        handler
            .render_report(&mut text, &report)
            .map_err(|e| io::Error::other(e.to_string()))?;
        out.write_all(text.as_bytes())?;
    }
    if !options.quiet {
        writeln!(out, "{}", summary_line(run, elapsed))?;
    }
    Ok(())
}

/// `N errors, M warnings in K files (T ms)`, with infos only when there are
/// some, then how many objects had no schema when some had none.
pub fn summary_line(run: &LintRun, elapsed: Duration) -> String {
    let (errors, warnings, infos) = run.counts();
    let mut counts = format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    );
    if infos > 0 {
        counts.push_str(&format!(", {}", plural(infos, "info")));
    }
    if run.baselined > 0 {
        counts.push_str(&format!(" ({} in the baseline not shown)", run.baselined));
    }
    let mut line = format!(
        "{counts} in {} ({} ms)",
        plural(run.loaded.store.len(), "file"),
        elapsed.as_millis()
    );
    let unchecked = run.schema_coverage.unchecked;
    if unchecked > 0 {
        line.push_str(&format!(
            "; {} not schema-checked (no schema for their kind)",
            plural(unchecked, "object")
        ));
    }
    line
}

/// A finding as a miette diagnostic: the primary label and the related spans
/// of the same file on one snippet; related spans of other files as related
/// diagnostics of their own.
struct Report {
    rule: String,
    severity: Severity,
    message: String,
    help: Option<String>,
    source: NamedSource<String>,
    labels: Vec<LabeledSpan>,
    elsewhere: Vec<Report>,
}

impl Report {
    fn new(finding: &Finding, store: &SourceStore, secrets: &[&str]) -> Report {
        let file = store.get(finding.span.file);
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            None,
            source_span(finding.span),
        )];
        let mut elsewhere = Vec::new();
        for (span, message) in finding.related() {
            if span.file == finding.span.file {
                labels.push(LabeledSpan::new_with_span(
                    Some(message.into_owned()),
                    source_span(span),
                ));
            } else {
                elsewhere.push(Report::related(span, message.into_owned(), store, secrets));
            }
        }
        let mut message = finding.message().into_owned();
        if !snippet_fits(file, finding.span) {
            let place = Place::of(finding.span, store);
            message.push_str(&format!(
                "\n  at {}:{}:{} (line too long to show)",
                place.path, place.line, place.column
            ));
            labels.clear();
        }
        Report {
            rule: finding.rule.to_string(),
            severity: finding.severity,
            message,
            help: finding.help().map(|h| h.into_owned()),
            source: masked_source(&file.path, &file.text, secrets),
            labels,
            elsewhere,
        }
    }

    fn related(span: Span, message: String, store: &SourceStore, secrets: &[&str]) -> Report {
        let file = store.get(span.file);
        Report {
            rule: String::new(),
            severity: Severity::Info,
            message: message.clone(),
            help: None,
            source: masked_source(&file.path, &file.text, secrets),
            labels: vec![LabeledSpan::new_with_span(Some(message), source_span(span))],
            elsewhere: Vec::new(),
        }
    }
}

/// Longest source line shown in a snippet; a longer one (minified or generated
/// YAML) would flood the terminal, so the finding is shown without its snippet.
const MAX_SNIPPET_LINE: usize = 400;

fn snippet_fits(file: &SourceFile, span: Span) -> bool {
    file.line_text(span.start.line).len() <= MAX_SNIPPET_LINE
}

fn masked_source(path: &str, text: &str, secrets: &[&str]) -> NamedSource<String> {
    NamedSource::new(
        path,
        mask_source(text, secrets.iter().copied()).into_owned(),
    )
}

fn source_span(span: Span) -> SourceSpan {
    let start = span.start.offset as usize;
    let len = (span.end.offset as usize).saturating_sub(start);
    SourceSpan::new(start.into(), len)
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.rule.is_empty()).then(|| Box::new(&self.rule) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<MietteSeverity> {
        Some(match self.severity {
            Severity::Error => MietteSeverity::Error,
            Severity::Warning => MietteSeverity::Warning,
            Severity::Info => MietteSeverity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.elsewhere.is_empty() {
            return None;
        }
        Some(Box::new(
            self.elsewhere.iter().map(|r| r as &dyn Diagnostic),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Loaded;
    use crate::source::{FileId, SourceFile};

    #[test]
    fn secrets_are_masked_in_snippets() {
        let mut loaded = Loaded::default();
        let id = loaded.store.add(SourceFile::new(
            "p.yaml",
            "spec:\n  address: https://x/hooks/s3cr3tT0ken\n",
        ));
        let file = loaded.store.get(id).clone();
        let span = Span {
            file: FileId(0),
            start: file.pos(2, 11),
            end: file.pos(2, 40),
        };
        let finding = Finding::new(
            "plaintext-secret",
            Severity::Error,
            span,
            "token s3cr3tT0ken in address",
        )
        .with_secret("s3cr3tT0ken");
        let run = LintRun {
            loaded,
            fleet: Default::default(),
            findings: vec![finding],
            user_rules: Vec::new(),
            baselined: 0,
            schema_coverage: Default::default(),
            timings: Default::default(),
        };
        let mut out = Vec::new();
        let options = HumanOptions {
            color: false,
            quiet: true,
            width: 100,
        };
        render(&run, Duration::ZERO, &options, &mut out).expect("renders");
        let text = String::from_utf8_lossy(&out);
        assert!(!text.contains("s3cr3tT0ken"), "{text}");
        assert!(text.contains("https://x/hooks/***********"), "{text}");
    }
}
