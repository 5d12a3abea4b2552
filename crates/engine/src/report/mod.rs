//! Renderings of a run's findings. Each format is a pure function of the
//! findings (already sorted and masked by the finding type) and the file store:
//! no format decides what is a finding.

pub mod build;
mod concise;
mod github;
pub mod graph;
mod human;
mod json;
mod junit;
mod markdown;
pub mod rules;
mod sarif;
mod statistics;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::time::Duration;

pub use human::HumanOptions;

use crate::LintRun;
use crate::diag::{Finding, Place, SecretSpans, Severity};
use crate::fleet::{Fleet, Placed};
use crate::rules::UserRuleInfo;
use crate::rules::schema::Coverage;
use crate::source::{FileId, SourceStore, Span};

/// What an emitter reads: the findings, in report order, and the little it
/// needs besides (never the whole run).
pub struct Context<'a> {
    /// The findings to report, in report order.
    pub findings: &'a [Finding],
    /// The files the findings point into (paths relative to the linted root).
    pub store: &'a SourceStore,
    /// The tenant that owns each finding's object, if a tenant (aligned with `findings`).
    pub tenants: Vec<Option<&'a str>>,
    /// The user's declarative rules (one per id), which SARIF describes.
    pub(crate) user_rules: &'a [UserRuleInfo],
    /// Findings left out because the baseline holds them.
    pub baselined: usize,
    /// Baseline entries that matched no finding.
    pub baseline_stale: usize,
    /// Findings left out because they are in no selected file.
    pub not_selected: usize,
    /// Objects validated against a schema, and objects of kinds without one.
    pub(crate) schema_coverage: Coverage,
    /// Where credentials stand, by file: masked in every snippet.
    pub(crate) secret_spans: &'a SecretSpans,
    /// How many files were read.
    pub(crate) files: usize,
    /// How many clusters the fleet model found.
    pub(crate) clusters: usize,
    /// How many tenants own an object on some cluster.
    pub(crate) tenant_count: usize,
    /// Which findings are in a file the pull request changes (aligned with
    /// `findings`; empty: none marked): the GitHub annotations show them first.
    pub annotate_first: Vec<bool>,
    /// Whether this run also prints GitHub annotations, which the Markdown
    /// summary then says how many it could not show.
    pub with_annotations: bool,
}

impl<'a> Context<'a> {
    /// The context of a finished run.
    pub fn of(run: &'a LintRun) -> Context<'a> {
        Context {
            findings: &run.findings,
            store: &run.loaded.store,
            tenants: finding_tenants(&run.fleet, &run.loaded.store, &run.findings),
            user_rules: &run.user_rules,
            baselined: run.baseline.held,
            baseline_stale: run.baseline.stale,
            not_selected: run.not_selected,
            schema_coverage: run.schema_coverage,
            secret_spans: &run.secret_spans,
            files: run.loaded.files_read(),
            clusters: run.fleet.clusters.len(),
            tenant_count: run.fleet.tenant_names().len(),
            annotate_first: Vec::new(),
            with_annotations: false,
        }
    }

    /// "39 files, 2 clusters, 2 tenants": what the run looked at.
    pub(crate) fn scope(&self) -> String {
        format!(
            "{}, {}, {}",
            plural(self.files, "file"),
            plural(self.clusters, "cluster"),
            plural(self.tenant_count, "tenant")
        )
    }

    /// How many findings have each severity: (errors, warnings, infos).
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |s| self.findings.iter().filter(|f| f.severity == s).count();
        (
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info),
        )
    }
}

/// The tenant of each finding: the one its rule names; else the owner of the
/// object whose definition holds its primary location; else, for a file
/// under a tenant root, the tenant of the first tenant object built from it
/// (a kustomization that includes it, a patch laid over it), else of its
/// folder.
fn finding_tenants<'a>(
    fleet: &'a Fleet,
    store: &SourceStore,
    findings: &'a [Finding],
) -> Vec<Option<&'a str>> {
    let placed_with_tenant = || {
        fleet
            .clusters
            .iter()
            .flat_map(|c| &c.objects)
            .filter_map(|placed| Some((placed, placed.owner.tenant()?)))
    };
    // Only the files of findings whose rule names no tenant are looked up.
    let unnamed: HashSet<FileId> = findings
        .iter()
        .filter(|f| f.tenant().is_none())
        .map(|f| f.span.file)
        .collect();
    let mut by_object: HashMap<FileId, Vec<(Span, &str)>> = HashMap::new();
    for (placed, tenant) in placed_with_tenant() {
        let origin = placed.resource.origin;
        if unnamed.contains(&origin.file) {
            by_object
                .entry(origin.file)
                .or_default()
                .push((origin, tenant));
        }
    }
    let defining = |span: Span| {
        by_object
            .get(&span.file)?
            .iter()
            .find_map(|(origin, tenant)| {
                (origin.start.offset <= span.start.offset && span.end.offset <= origin.end.offset)
                    .then_some(*tenant)
            })
    };
    let mut tenants: Vec<Option<&str>> = findings
        .iter()
        .map(|finding| finding.tenant().or_else(|| defining(finding.span)))
        .collect();
    let by_file = builders_of(
        placed_with_tenant(),
        findings
            .iter()
            .zip(&tenants)
            .filter(|(_, tenant)| tenant.is_none())
            .map(|(finding, _)| finding.span.file)
            .filter(|file| fleet.tenancy.is_tenant_path(&store.get(*file).path))
            .collect(),
    );
    for (finding, tenant) in findings.iter().zip(&mut tenants) {
        let span = finding.span;
        let folder = || {
            let owner = fleet.tenancy.folder_owner(&store.get(span.file).path)?;
            let (name, _) = fleet.tenancy.tenants.get_key_value(owner.tenant()?)?;
            Some(name.as_str())
        };
        *tenant = tenant
            .or_else(|| by_file.get(&span.file).copied())
            .or_else(folder);
    }
    tenants
}

/// For each of the `wanted` files, the tenant of the first of `placed` built
/// from it (its definition, a kustomization that includes it, a patch laid
/// over it); the objects are walked only until every wanted file is found.
fn builders_of<'a>(
    placed: impl Iterator<Item = (&'a Placed, &'a str)>,
    mut wanted: HashSet<FileId>,
) -> HashMap<FileId, &'a str> {
    let mut found = HashMap::new();
    for (placed, tenant) in placed {
        if wanted.is_empty() {
            break;
        }
        let mut files = HashSet::new();
        crate::fleet::collect_files(&placed.resource.node, &mut files);
        files.extend(placed.resource.included_by.iter().map(|s| s.file));
        for file in files {
            if wanted.remove(&file) {
                found.insert(file, tenant);
            }
        }
    }
    found
}

/// A report format; `ALL` lists them with the name and description the
/// command line offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Source snippets with a label under the offending key, and a summary.
    Human,
    /// One line per finding: `path:line:col: severity[rule] message [tenant]`.
    Concise,
    /// One JSON object: `{"version": 1, "findings": [...], "summary": {...}}`.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...`), shown as
    /// annotations: the 10 of each level GitHub shows per step.
    Github,
    /// JUnit XML: a test suite per rule, a failed test case per finding.
    Junit,
    /// A Markdown job summary: counts, a table per rule and tenant, the findings.
    Markdown,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 7] = [
        Format::Human,
        Format::Concise,
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
            Format::Concise => "concise",
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
            Format::Concise => {
                "One line per finding: `path:line:col: severity[rule] message [tenant]`"
            }
            Format::Json => {
                "One JSON object: `{\"version\": 1, \"findings\": [...], \"summary\": {...}}`"
            }
            Format::Sarif => "SARIF 2.1.0, for GitHub code scanning",
            Format::Github => {
                "GitHub Actions workflow commands (`::error file=...`), shown as annotations: the 10 of each level GitHub shows per step"
            }
            Format::Junit => "JUnit XML: a test suite per rule, a failed test case per finding",
            Format::Markdown => {
                "A Markdown job summary: counts, a table per rule and tenant, the findings"
            }
        }
    }
}

/// Writes the report of `cx` in `format` to `out`.
pub fn render(
    format: Format,
    cx: &Context,
    elapsed: Duration,
    human: &HumanOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(cx, elapsed, human, out),
        Format::Concise => concise::render(cx, elapsed, human, out),
        Format::Json => json::render(cx, out),
        Format::Sarif => sarif::render(cx, out),
        Format::Github => github::render(cx, out),
        Format::Junit => junit::render(cx, out),
        Format::Markdown => markdown::render(cx, out),
    }
}

/// Writes how many findings each rule raised (`--statistics`): JSON for
/// `Format::Json`, otherwise a table and (unless quiet) the summary line.
pub fn render_statistics(
    format: Format,
    cx: &Context,
    elapsed: Duration,
    human: &HumanOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    if format == Format::Json {
        return statistics::render_json(cx, out);
    }
    statistics::render_text(cx, out)?;
    if !human.quiet {
        writeln!(out, "{}", human::summary_line(cx, elapsed))?;
    }
    Ok(())
}

/// "1 error", "2 warnings": a count with its noun, plural when needed.
pub fn plural(count: usize, noun: &str) -> String {
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

/// A finding's fingerprint as reports write it (empty for a finding that is
/// not from a finished run).
pub(crate) fn fingerprint_text(finding: &Finding) -> String {
    finding
        .fingerprint()
        .map_or_else(String::new, ToString::to_string)
}

/// `path:line:col: severity[rule]`, the head of a finding on one line (the
/// concise format, `build`'s problems on stderr, problems in rule files).
pub fn finding_head(finding: &Finding, store: &SourceStore) -> String {
    let place = Place::of(finding.span, store);
    format!(
        "{}:{}:{}: {}[{}]",
        printable_line(place.path),
        place.line,
        place.column,
        finding.severity,
        finding.rule.as_str()
    )
}

/// A finding on one line: [`finding_head`], then its message.
pub fn finding_line(finding: &Finding, store: &SourceStore) -> String {
    let message = printable(&finding.message()).replace('\n', " ");
    format!("{}: {message}", finding_head(finding, store))
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
