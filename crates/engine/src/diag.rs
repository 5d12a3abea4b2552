//! The one finding type every stage produces and every report consumes.
//!
//! Secret masking lives here, not in rules or reports: a rule that puts a
//! credential's location in a finding registers the value with
//! `Finding::with_secret`, and every text a report can read from the finding
//! (message, help, related messages, the source snippet) comes out masked.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

use crate::rule_id::RuleId;
use crate::source::{SourceStore, Span};

/// The rule a finding belongs to: a built-in one, or one of the user's
/// declarative rules (or Kyverno policies), named by its id.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Rule {
    /// A built-in rule.
    Builtin(RuleId),
    /// A declarative rule or Kyverno policy of the user's, by its id.
    User(std::sync::Arc<str>),
}

impl Rule {
    /// The rule with this id: the built-in one if there is one.
    pub fn named(id: &str) -> Rule {
        RuleId::parse(id).map_or_else(|| Rule::User(id.into()), Rule::Builtin)
    }

    /// The id as users write it.
    pub fn as_str(&self) -> &str {
        match self {
            Rule::Builtin(id) => id.as_str(),
            Rule::User(id) => id,
        }
    }
}

impl From<RuleId> for Rule {
    fn from(id: RuleId) -> Rule {
        Rule::Builtin(id)
    }
}

impl PartialEq<RuleId> for Rule {
    fn eq(&self, other: &RuleId) -> bool {
        *self == Rule::Builtin(*other)
    }
}

impl PartialEq<str> for Rule {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a run by default.
    Info,
    /// Probably wrong.
    Warning,
    /// Wrong: Flux, kustomize or the cluster would refuse or misapply it.
    Error,
}

impl Severity {
    /// `error`, `warning` or `info`, as users write it.
    pub fn parse(text: &str) -> Option<Severity> {
        [Severity::Error, Severity::Warning, Severity::Info]
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    /// `info`, `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A secondary place that explains a finding (an include chain step, a first definition).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Related {
    pub span: Span,
    message: String,
}

/// What replaces a secret in messages.
const MASK: &str = "********";

/// One finding: a rule, a severity and a place, with a message that never shows a secret.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The rule that reports it.
    pub rule: Rule,
    /// How serious it is (after the user's decisions, in a finished run).
    pub severity: Severity,
    /// Where it is.
    pub span: Span,
    message: String,
    related: Vec<Related>,
    help: Option<String>,
    secrets: Vec<Box<str>>,
    /// The tenant whose object it is about, when the rule knows it.
    tenant: Option<Box<str>>,
    /// Where credentials stand in the source: masked in snippets as written,
    /// whatever their spelling (escapes, folded or multi-line scalars).
    secret_spans: Vec<Span>,
    /// What identifies it across edits; given once the run's findings are in
    /// report order.
    fingerprint: Option<crate::fingerprint::Fingerprint>,
    /// The edits that fix it, when they are safe and mechanical (`--fix`).
    fix: Option<crate::fix::Fix>,
}

impl Finding {
    /// A finding of `rule` at `span`.
    pub fn new(
        rule: impl Into<Rule>,
        severity: Severity,
        span: Span,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            rule: rule.into(),
            severity,
            span,
            message: message.into(),
            related: Vec::new(),
            help: None,
            secrets: Vec::new(),
            tenant: None,
            secret_spans: Vec::new(),
            fingerprint: None,
            fix: None,
        }
    }

    /// This finding, about an object of `tenant` (reports name it).
    pub(crate) fn with_tenant(mut self, tenant: Option<&str>) -> Finding {
        self.tenant = tenant.map(Into::into);
        self
    }

    /// The tenant whose object it is about, when the rule that made it knows.
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// What identifies it across edits (set in a finished run's findings).
    pub fn fingerprint(&self) -> Option<&crate::fingerprint::Fingerprint> {
        self.fingerprint.as_ref()
    }

    /// The edits that fix it, if fleet-lint can make them.
    pub fn fix(&self) -> Option<&crate::fix::Fix> {
        self.fix.as_ref()
    }

    /// This finding, with the edits that fix it.
    pub fn with_fix(mut self, fix: crate::fix::Fix) -> Finding {
        self.fix = Some(fix);
        self
    }

    pub(crate) fn set_fingerprint(&mut self, fingerprint: crate::fingerprint::Fingerprint) {
        self.fingerprint = Some(fingerprint);
    }

    /// This finding, with another place that explains it.
    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Finding {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }

    /// The same finding, saying `message` instead (a rule that learns more
    /// about the object than the pattern that raised it).
    pub(crate) fn with_message(mut self, message: impl Into<String>) -> Finding {
        self.message = message.into();
        self
    }

    /// This finding, with help on what to do.
    pub fn with_help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }

    /// Registers a credential that must never be printed: every text this
    /// finding hands out has it masked.
    pub(crate) fn with_secret(mut self, value: &str) -> Finding {
        if !value.is_empty() {
            self.secrets.push(value.into());
        }
        // A block scalar's value is de-indented, so in the source its lines stand
        // apart: mask each of them too.
        if value.contains('\n') {
            let lines = value.lines().map(str::trim).filter(|l| l.len() >= 4);
            self.secrets.extend(lines.map(Into::into));
        }
        self
    }

    /// Registers where a credential stands in the source: the span is masked,
    /// as written, in every snippet (its text is registered by [`Finding::with_secret`]).
    pub(crate) fn with_secret_span(mut self, span: Span) -> Finding {
        if !self.secret_spans.contains(&span) {
            self.secret_spans.push(span);
        }
        self
    }

    /// Adds the related locations of `other` (a finding at the same place)
    /// that this one does not have yet.
    pub(crate) fn absorb_related(&mut self, other: Finding) {
        for related in other.related {
            if !self.related.contains(&related) {
                self.related.push(related);
            }
        }
        for secret in other.secrets {
            if !self.secrets.contains(&secret) {
                self.secrets.push(secret);
            }
        }
        for span in other.secret_spans {
            if !self.secret_spans.contains(&span) {
                self.secret_spans.push(span);
            }
        }
    }

    /// The message, its secrets masked.
    pub fn message(&self) -> Cow<'_, str> {
        self.mask(&self.message)
    }

    /// The help, its secrets masked.
    pub fn help(&self) -> Option<Cow<'_, str>> {
        self.help.as_deref().map(|h| self.mask(h))
    }

    /// Related locations with their (masked) messages.
    pub fn related(&self) -> impl Iterator<Item = (Span, Cow<'_, str>)> {
        self.related.iter().map(|r| (r.span, self.mask(&r.message)))
    }

    fn mask<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.secrets {
            if let Some(masked) = replaced(&out, secret, |_| MASK.into()) {
                out = Cow::Owned(masked);
            }
        }
        out
    }

    /// The secrets this finding registered.
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.secrets.iter().map(|s| &**s)
    }

    /// `text` with this finding's secrets overwritten (see [`mask_source`]).
    pub(crate) fn mask_source<'t>(&self, text: &'t str) -> Cow<'t, str> {
        mask_source(text, self.secrets())
    }

    /// The order of every report: path, line, column, rule, message.
    pub fn sort_key<'a>(&'a self, store: &'a SourceStore) -> impl Ord + 'a {
        (
            &*store.get(self.span.file).path,
            self.span.start.line,
            self.span.start.col,
            self.rule.as_str(),
            &self.message,
        )
    }
}

/// Makes every finding mask the secrets that any finding about the same
/// files registered, wherever its own texts quote them: a policy whose
/// message interpolates `{{request.object.spec.url}}`, or a pattern's help
/// that shows the value it found, then masks the credential
/// `plaintext-secret` found there. Run on every finding of a run before
/// users' decisions drop any, so turning a rule off or suppressing a finding
/// does not unmask what it found. Shared by file, so a short password
/// (`flux`) is not masked in every other message of the run.
pub(crate) fn share_secrets(findings: &mut [Finding]) {
    let mut by_file: std::collections::HashMap<crate::source::FileId, Vec<Box<str>>> =
        std::collections::HashMap::new();
    for finding in findings.iter() {
        if !finding.secrets.is_empty() {
            let secrets = by_file.entry(finding.span.file).or_default();
            secrets.extend(finding.secrets.iter().cloned());
        }
    }
    if by_file.is_empty() {
        return;
    }
    for secrets in by_file.values_mut() {
        secrets.sort();
        secrets.dedup();
    }
    for finding in findings.iter_mut() {
        let files: Vec<_> = std::iter::once(finding.span.file)
            .chain(finding.related.iter().map(|r| r.span.file))
            .collect();
        for secret in files.iter().filter_map(|f| by_file.get(f)).flatten() {
            if !finding.secrets.contains(secret) && finding.quotes(secret) {
                finding.secrets.push(secret.clone());
            }
        }
    }
}

/// Where the credentials of every finding stand, by file, each span once:
/// what source snippets mask. Taken from every finding of a run before users'
/// decisions drop any, so a suppressed or disabled finding still masks its
/// credential in the other snippets of its file.
pub(crate) fn secret_spans_by_file(findings: &[Finding]) -> SecretSpans {
    let mut by_file = SecretSpans::new();
    for span in findings.iter().flat_map(|f| &f.secret_spans) {
        by_file.entry(span.file).or_default().push(*span);
    }
    for spans in by_file.values_mut() {
        spans.sort_by_key(|s| (s.start.offset, s.end.offset));
        spans.dedup();
    }
    by_file
}

/// Where credentials stand in the source, by file.
pub(crate) type SecretSpans = std::collections::HashMap<crate::source::FileId, Vec<Span>>;

impl Finding {
    /// Whether the message, the help or a related message holds `text`.
    fn quotes(&self, text: &str) -> bool {
        self.message.contains(text)
            || self.help.as_deref().is_some_and(|h| h.contains(text))
            || self.related.iter().any(|r| r.message.contains(text))
    }
}

/// `text` with the bytes of each span overwritten by `*` (line breaks and
/// indentation kept),
/// so that offsets into it stay valid and a credential is masked as written,
/// whatever its spelling. `spans` are those of this text's file.
pub(crate) fn mask_spans<'t>(text: &'t str, spans: &[Span]) -> Cow<'t, str> {
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    for span in spans {
        let (mut start, mut end) = (span.start.offset as usize, span.end.offset as usize);
        end = end.min(text.len());
        // Whole characters only, so that the text stays UTF-8.
        while start > 0 && !text.is_char_boundary(start) {
            start -= 1;
        }
        while end < text.len() && !text.is_char_boundary(end) {
            end += 1;
        }
        // Line breaks, and the indentation after them, stay as they are.
        let mut indentation = false;
        for byte in bytes.get_mut(start..end).into_iter().flatten() {
            match *byte {
                b'\n' | b'\r' => indentation = true,
                b' ' | b'\t' if indentation => {}
                _ => {
                    indentation = false;
                    *byte = b'*';
                }
            }
        }
    }
    // Every overwritten character was whole, so this cannot fail; if it did,
    // masking all of the text is the safe answer.
    Cow::Owned(String::from_utf8(bytes).unwrap_or_else(|_| "*".repeat(text.len())))
}

/// `text` with every secret overwritten by `*`, byte for byte, so that offsets
/// into it stay valid (for source snippets, which show neighbouring lines: pass
/// every secret of the run, not only the finding's own).
pub(crate) fn mask_source<'t, 's>(
    text: &'t str,
    secrets: impl IntoIterator<Item = &'s str>,
) -> Cow<'t, str> {
    let mut out = Cow::Borrowed(text);
    for secret in secrets {
        if let Some(masked) = replaced(&out, secret, |len| "*".repeat(len)) {
            out = Cow::Owned(masked);
        }
    }
    out
}

/// Secrets shorter than this are masked only where they stand alone, not
/// inside a longer word: a password `admin` masks `admin` but leaves
/// `adminPassword` as it is; longer ones are masked wherever they appear.
const SHORT_SECRET: usize = 8;

/// `text` with each occurrence of `secret` that [`SHORT_SECRET`] lets count
/// replaced by `mask(its length)`; `None` when there is none.
fn replaced(text: &str, secret: &str, mask: impl Fn(usize) -> String) -> Option<String> {
    if secret.is_empty() {
        return None;
    }
    let alone = |at: usize| {
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        !word(text[..at].chars().next_back()) && !word(text[at + secret.len()..].chars().next())
    };
    let mut out = String::new();
    let mut copied = 0;
    for (at, _) in text.match_indices(secret) {
        if secret.len() >= SHORT_SECRET || alone(at) {
            out.push_str(&text[copied..at]);
            out.push_str(&mask(secret.len()));
            copied = at + secret.len();
        }
    }
    (copied > 0).then(|| out + &text[copied..])
}

/// A finding's place as reports print it: root-relative path, 1-based line and
/// column (in characters), and the column just after the end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Place<'a> {
    /// The file, relative to the root, `/`-separated.
    pub path: &'a str,
    /// The line (1-based).
    pub line: u32,
    /// The column (1-based, in characters).
    pub column: u32,
    /// The line of the end.
    pub end_line: u32,
    /// The column just after the end.
    pub end_column: u32,
}

impl<'a> Place<'a> {
    /// Where `span` is, in the files of `store`.
    pub fn of(span: Span, store: &'a SourceStore) -> Place<'a> {
        let file = store.get(span.file);
        let end = if span.end > span.start {
            span.end
        } else {
            span.start
        };
        Place {
            path: &file.path,
            line: span.start.line,
            column: span.start.col + 1,
            end_line: end.line,
            end_column: end.col + 1 + u32::from(span.end <= span.start),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    #[test]
    fn a_short_secret_is_masked_where_it_stands_alone_only() {
        let stars = |len| "*".repeat(len);
        assert_eq!(
            replaced("adminPassword: admin, `admin`", "admin", stars).as_deref(),
            Some("adminPassword: *****, `*****`")
        );
        assert_eq!(replaced("HelmRelease vmangos", "mangos", stars), None);
        assert_eq!(
            replaced(
                "url https://u:Sup3rS3cret@h and xSup3rS3cretx",
                "Sup3rS3cret",
                stars
            )
            .as_deref(),
            Some("url https://u:***********@h and x***********x"),
            "a long secret is masked wherever it appears"
        );
    }

    #[test]
    fn secrets_are_masked_everywhere() {
        let span = Span::file_start(FileId(0));
        let f = Finding::new(
            RuleId::PlaintextSecret,
            Severity::Error,
            span,
            "token hunter2 found",
        )
        .with_related(span, "see hunter2")
        .with_help("rotate hunter2")
        .with_secret("hunter2");
        assert_eq!(f.message(), "token ******** found");
        assert_eq!(f.help().unwrap(), "rotate ********");
        assert_eq!(f.related().next().unwrap().1, "see ********");
        assert_eq!(f.mask_source("a: hunter2\n"), "a: *******\n");
        let block = Finding::new(RuleId::PlaintextSecret, Severity::Error, span, "m")
            .with_secret("line-one\nline-two\n");
        assert_eq!(
            block.mask_source("k: |\n    line-one\n    line-two\n"),
            "k: |\n    ********\n    ********\n"
        );
    }
}
