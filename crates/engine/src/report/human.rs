//! `--format human`: miette's graphical reports, one per finding, with the
//! source snippet and a label under the exact key, then a one-line summary.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, NamedSource, Severity as MietteSeverity, SourceCode, SourceSpan,
    SpanContents,
};

use super::Context;
use super::plural;
use crate::diag::{Finding, Place, SecretSpans, Severity, mask_source, mask_spans};
use crate::source::{FileId, SourceFile, SourceStore, Span};

/// Terminal choices for the human format.
#[derive(Clone, Copy, Debug)]
pub struct HumanOptions {
    /// Colour the output with ANSI escapes.
    pub color: bool,
    /// Findings only, no summary line.
    pub quiet: bool,
    /// Wrap width of the report.
    pub width: usize,
}

pub(super) fn render(
    cx: &Context,
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
    let store = cx.store;
    // Snippets show neighbouring lines: mask every secret of the run in each.
    let secrets: Vec<&str> = cx.findings.iter().flat_map(Finding::secrets).collect();
    let mut sources = MaskedSources::new(store, &secrets, cx.secret_spans);
    for finding in cx.findings {
        let report = Report::new(finding, store, &mut sources);
        let mut text = String::new();
        handler
            .render_report(&mut text, &report)
            .map_err(|e| io::Error::other(e.to_string()))?;
        out.write_all(text.as_bytes())?;
    }
    if !options.quiet {
        writeln!(out, "{}", summary_line(cx, elapsed))?;
    }
    Ok(())
}

/// `N errors, M warnings in K files (T ms)`, with infos only when there are
/// some, then how many objects had no schema when some had none.
pub(crate) fn summary_line(cx: &Context, elapsed: Duration) -> String {
    let (errors, warnings, infos) = cx.counts();
    let mut counts = format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    );
    if infos > 0 {
        counts.push_str(&format!(", {}", plural(infos, "info")));
    }
    if cx.baselined > 0 {
        counts.push_str(&format!(" ({} in the baseline not shown)", cx.baselined));
    }
    if cx.not_selected > 0 {
        counts.push_str(&format!(
            " ({} in files not selected not shown)",
            cx.not_selected
        ));
    }
    let mut line = format!("{counts} in {} ({} ms)", cx.scope(), elapsed.as_millis());
    if cx.baseline_stale > 0 {
        let entries = match cx.baseline_stale {
            1 => "1 baseline entry matches".to_string(),
            n => format!("{n} baseline entries match"),
        };
        line.push_str(&format!(
            "; {entries} nothing now (`--write-baseline` drops them)"
        ));
    }
    let unchecked = cx.schema_coverage.unchecked;
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
    source: NamedSource<Windowed>,
    labels: Vec<LabeledSpan>,
    elsewhere: Vec<Report>,
}

impl Report {
    fn new(finding: &Finding, store: &SourceStore, sources: &mut MaskedSources) -> Report {
        let file = store.get(finding.span.file);
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            None,
            sources.source_span(finding.span),
        )];
        let mut elsewhere = Vec::new();
        let mut left_out = Vec::new();
        for (index, (span, message)) in finding.related().enumerate() {
            if index >= MAX_RELATED_SHOWN {
                left_out.push(span.file);
            } else if span.file == finding.span.file {
                labels.push(LabeledSpan::new_with_span(
                    Some(super::printable(&message).into_owned()),
                    sources.source_span(span),
                ));
            } else {
                elsewhere.push(Report::related(span, message.into_owned(), sources));
            }
        }
        let mut message = super::printable(&finding.message()).into_owned();
        if !left_out.is_empty() {
            let count = left_out.len();
            left_out.sort();
            left_out.dedup();
            let noun = if count == 1 { "location" } else { "locations" };
            message.push_str(&format!(
                "\n  and {count} more related {noun} in {} (--format json lists every one)",
                plural(left_out.len(), "file")
            ));
        }
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
            help: finding.help().map(|h| super::printable(&h).into_owned()),
            source: sources.get(finding.span.file),
            labels,
            elsewhere,
        }
    }

    fn related(span: Span, message: String, sources: &mut MaskedSources) -> Report {
        let message = super::printable(&message).into_owned();
        let label = sources.source_span(span);
        Report {
            rule: String::new(),
            severity: Severity::Info,
            message: message.clone(),
            help: None,
            source: sources.get(span.file),
            labels: vec![LabeledSpan::new_with_span(Some(message), label)],
            elsewhere: Vec::new(),
        }
    }
}

/// Related locations a finding shows; the rest are counted ("and 52 more"):
/// an unreachable info naming 58 files took 533 lines of a terminal.
const MAX_RELATED_SHOWN: usize = 8;

/// Longest source line shown in a snippet; a longer one (minified or generated
/// YAML) would flood the terminal, so the finding is shown without its snippet.
const MAX_SNIPPET_LINE: usize = 400;

fn snippet_fits(file: &SourceFile, span: Span) -> bool {
    file.line_text(span.start.line).len() <= MAX_SNIPPET_LINE
}

/// One masked copy of each file a snippet shows, made once and shared by
/// every finding in it, read through the file's line index (see
/// [`Windowed`]): a copy, a secret scan and a walk from the file's start per
/// finding made 16 000 findings in one file take minutes.
struct MaskedSources<'a> {
    store: &'a SourceStore,
    secrets: &'a [&'a str],
    /// Where credentials stand, by file.
    spans: &'a SecretSpans,
    masked: HashMap<FileId, (Windowed, Arc<Masks>)>,
}

/// A file's masked text, each secret one fixed-length mask whatever its
/// length (line breaks kept, so line numbers hold), that miette reads only
/// around a span: miette's own reader walks a text from its start, so each
/// snippet of a large file cost the whole file. miette reads a window that
/// starts exactly the context lines above the span and ends past those below
/// it, so it finds the same lines; its line numbers and offsets are then
/// shifted back to the whole masked text's. `file` indexes the masked text's
/// lines; [`MaskedSources::source_span`] moves a span of the file onto it.
#[derive(Clone)]
struct Windowed {
    text: Arc<str>,
    file: Arc<SourceFile>,
    /// The file itself, and where the masks stand: the column a snippet's
    /// header shows is the file's, not the masked text's.
    original: Arc<SourceFile>,
    masks: Arc<Masks>,
}

/// Where the masks of a file's masked text stand: `(start, end)` of each
/// masked run in the file, and where its mask starts in the masked text.
#[derive(Default)]
struct Masks(Vec<(usize, usize, usize)>);

impl Masks {
    /// `masked` (the file's text with each secret byte overwritten, as long
    /// as `text`) with each run of overwritten bytes made one [`SNIPPET_MASK`]
    /// (line breaks kept).
    fn fixed_length(text: &str, masked: &str) -> (String, Masks) {
        let (original, overwritten) = (text.as_bytes(), masked.as_bytes());
        // Line breaks stay, even inside a masked value: line numbers hold.
        let changed =
            |at: usize| original.get(at) != overwritten.get(at) && original.get(at) != Some(&b'\n');
        let mut out = String::with_capacity(masked.len());
        let mut masks = Vec::new();
        let mut at = 0;
        while at < overwritten.len() {
            let run_start = at;
            while at < overwritten.len() && changed(at) {
                at += 1;
            }
            if at > run_start {
                masks.push((run_start, at, out.len()));
                out.push_str(SNIPPET_MASK);
                continue;
            }
            while at < overwritten.len() && !changed(at) {
                at += 1;
            }
            out.push_str(text.get(run_start..at).unwrap_or_default());
        }
        (out, Masks(masks))
    }

    /// Where offset `at` of the masked text is in the file: a mask stands
    /// for the start of its run.
    fn original(&self, at: usize) -> usize {
        let before = self.0.partition_point(|(_, _, masked)| *masked <= at);
        match before.checked_sub(1).map(|i| self.0[i]) {
            None => at,
            Some((start, _, masked)) if at < masked + SNIPPET_MASK.len() => start,
            Some((_, end, masked)) => end + (at - masked - SNIPPET_MASK.len()),
        }
    }

    /// Where offset `at` of the file is in the masked text: a mask stands for
    /// its whole run (an offset inside one maps to the mask's end).
    fn offset(&self, at: usize) -> usize {
        let before = self.0.partition_point(|(start, _, _)| *start < at);
        match before.checked_sub(1).map(|i| self.0[i]) {
            None => at,
            Some((_, end, masked)) if at < end => masked + SNIPPET_MASK.len(),
            Some((_, end, masked)) => masked + SNIPPET_MASK.len() + (at - end),
        }
    }
}

/// What a secret reads as in a snippet, whatever its length.
const SNIPPET_MASK: &str = "********";

impl SourceCode for Windowed {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let start = span.offset();
        let end = start + span.len();
        if end > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first_line = self.file.pos_of_offset(start).line as usize;
        let last_line = self.file.pos_of_offset(end).line as usize;
        let from_line = first_line.saturating_sub(context_lines_before).max(1);
        let to_line = last_line + context_lines_after + 2;
        let from = self.file.pos(from_line as u32, 0).offset as usize;
        let to = self.file.pos(to_line as u32, 0).offset as usize;
        let window = &self.text.as_bytes()[from..to.max(from)];
        let inner = window.read_span(
            &SourceSpan::new((start - from).into(), span.len()),
            context_lines_before,
            context_lines_after,
        )?;
        Ok(Box::new(MietteSpanContents::new(
            inner.data(),
            SourceSpan::new((inner.span().offset() + from).into(), inner.span().len()),
            inner.line() + from_line - 1,
            self.original_column(start, first_line),
            inner.line_count() + from_line - 1,
        )))
    }
}

impl Windowed {
    /// The column a snippet's header shows for masked offset `start` on
    /// `line`: the file's, in characters as every other format counts them
    /// (miette would count bytes of the masked text, where a mask before it
    /// on its line is not as long as what it masks).
    fn original_column(&self, start: usize, line: usize) -> usize {
        let at = self.masks.original(start);
        let line_start = self.original.pos(line as u32, 0).offset as usize;
        self.original
            .text
            .get(line_start..at.max(line_start))
            .map_or(0, |prefix| prefix.chars().count())
    }
}

impl<'a> MaskedSources<'a> {
    fn new(
        store: &'a SourceStore,
        secrets: &'a [&'a str],
        spans: &'a SecretSpans,
    ) -> MaskedSources<'a> {
        MaskedSources {
            store,
            secrets,
            spans,
            masked: HashMap::new(),
        }
    }

    fn get(&mut self, id: FileId) -> NamedSource<Windowed> {
        let file = self.store.get(id);
        let (secrets, spans) = (self.secrets, self.spans);
        let (windowed, _) = self.masked.entry(id).or_insert_with(|| {
            let spans = spans.get(&id).map_or(&[][..], Vec::as_slice);
            let by_span = mask_spans(&file.text, spans);
            let overwritten = mask_source(&by_span, secrets.iter().copied());
            let (masked, masks) = Masks::fixed_length(&file.text, &overwritten);
            let text: Arc<str> = super::printable_source(&masked).into();
            let masks = Arc::new(masks);
            let windowed = Windowed {
                file: Arc::new(SourceFile::new(file.path.clone(), text.clone())),
                text,
                original: file.clone(),
                masks: masks.clone(),
            };
            (windowed, masks)
        });
        NamedSource::new(super::printable_line(&file.path), windowed.clone())
    }

    /// `span` (of the file) where it is in the file's masked text.
    fn source_span(&mut self, span: Span) -> SourceSpan {
        self.get(span.file);
        let masks = self.masked.get(&span.file).map(|(_, masks)| masks);
        let offset = |at: u32| masks.map_or(at as usize, |m| m.offset(at as usize));
        let start = offset(span.start.offset);
        let end = offset(span.end.offset).max(start);
        SourceSpan::new(start.into(), end - start)
    }
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
            crate::rules::RuleId::PlaintextSecret,
            Severity::Error,
            span,
            "token s3cr3tT0ken in address",
        )
        .with_secret("s3cr3tT0ken");
        let text = rendered(loaded, vec![finding]);
        assert!(!text.contains("s3cr3tT0ken"), "{text}");
        assert!(
            text.contains("https://x/hooks/********\n"),
            "a fixed-length mask, not one star per character: {text}"
        );
        assert!(
            text.contains(&format!(" {}\n", "─".repeat(24))),
            "the underline covers the mask, not the secret's length: {text}"
        );
    }

    /// A mask before a finding on its line is shorter or longer than what it
    /// masks: the snippet's header still gives the file's column.
    #[test]
    fn a_mask_before_a_finding_leaves_its_column_as_the_files() {
        let mut loaded = Loaded::default();
        let id = loaded.store.add(SourceFile::new(
            "p.yaml",
            "spec:\n  é: averyveryverylongsecretvalue other: x\n",
        ));
        let file = loaded.store.get(id).clone();
        let secret = Span {
            file: FileId(0),
            start: file.pos(2, 5),
            end: file.pos(2, 32),
        };
        let other = Span {
            file: FileId(0),
            start: file.pos(2, 33),
            end: file.pos(2, 38),
        };
        let findings = vec![
            Finding::new(
                crate::rules::RuleId::PlaintextSecret,
                Severity::Error,
                secret,
                "a secret",
            )
            .with_secret("averyveryverylongsecretvalue"),
            Finding::new(
                crate::rules::RuleId::YamlSyntax,
                Severity::Error,
                other,
                "other",
            ),
        ];
        let text = rendered(loaded, findings);
        assert!(text.contains("[p.yaml:2:6]"), "{text}");
        assert!(text.contains("[p.yaml:2:34]"), "{text}");
        assert!(text.contains("é: ******** other: x"), "{text}");
    }

    /// The human report (no colour, no summary) of `findings` in `loaded`.
    fn rendered(loaded: Loaded, findings: Vec<Finding>) -> String {
        let run = crate::LintRun {
            loaded,
            fleet: Default::default(),
            findings,
            user_rules: Vec::new(),
            baseline: crate::baseline::Applied::default(),
            not_selected: 0,
            schema_coverage: Default::default(),
            secret_spans: Default::default(),
            timings: Default::default(),
        };
        let mut out = Vec::new();
        let options = HumanOptions {
            color: false,
            quiet: true,
            width: 100,
        };
        render(&Context::of(&run), Duration::ZERO, &options, &mut out).expect("renders");
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn related_locations_beyond_the_cap_are_counted() {
        let mut loaded = Loaded::default();
        let files: Vec<FileId> = (0..12)
            .map(|i| {
                loaded
                    .store
                    .add(SourceFile::new(format!("f{i:02}.yaml"), "a: 1\n"))
            })
            .collect();
        let finding = files[1..].iter().fold(
            Finding::new(
                crate::rules::RuleId::Unreachable,
                Severity::Info,
                Span::file_start(files[0]),
                "unreachable",
            ),
            |f, &file| f.with_related(Span::file_start(file), "also unreachable"),
        );
        let text = rendered(loaded, vec![finding]);
        assert!(text.contains("f08.yaml"), "{text}");
        assert!(!text.contains("f09.yaml"), "{text}");
        assert!(
            text.contains(
                "and 3 more related locations in 3 files (--format json lists every one)"
            ),
            "{text}"
        );
    }
}
