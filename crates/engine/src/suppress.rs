//! Suppressions: findings a user has looked at and silenced, precisely.
//!
//! - `# fleet-lint: ignore[rule-a, rule-b] reason` at the end of the offending
//!   line, or alone on the line before it;
//! - `# fleet-lint: ignore-file[rule-a]` anywhere in a file: the whole file;
//! - the annotation `fleet-lint.dev/ignore: "rule-a,rule-b"` on an object: every
//!   finding inside that object's document.
//!
//! A finding is suppressed when its primary location is in the directive's
//! scope. A rule named by a directive that silenced nothing, or that does not
//! exist, is reported as `unused-suppression`, so stale exceptions do not pile up.

use crate::rule_id::RuleId;
use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::diag::{Finding, Severity};
use crate::load::Loaded;
use crate::source::{FileId, SourceFile, Span};
use crate::yaml::Node;

pub(crate) const UNUSED: RuleId = RuleId::UnusedSuppression;
/// The annotation that suppresses findings on one object.
pub(crate) const ANNOTATION: &str = "fleet-lint.dev/ignore";

// The pattern is a constant, compiled in every test run: `expect` cannot fire.
static DIRECTIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"#\s*fleet-lint:\s*(?:(ignore-file|ignore)\[([^\]]*)\])?").expect("valid regex")
});

#[derive(Clone, Copy, Debug, PartialEq)]
enum Scope {
    /// One line (1-based).
    Line(u32),
    File,
    /// Byte offsets of an object's document.
    Object(u32, u32),
}

#[derive(Debug)]
struct Directive {
    file: FileId,
    scope: Scope,
    /// How the user wrote it, for messages.
    form: &'static str,
    /// Each rule named, with its span and whether it silenced a finding.
    rules: Vec<(String, Span, bool)>,
}

impl Directive {
    fn covers(&self, span: &Span) -> bool {
        self.file == span.file
            && match self.scope {
                Scope::Line(line) => span.start.line == line,
                Scope::File => true,
                Scope::Object(start, end) => start <= span.start.offset && span.start.offset < end,
            }
    }
}

/// What a rule name in a directive can be checked against.
pub(crate) struct RuleNames<'a> {
    /// Whether a rule with this id exists.
    pub known: &'a dyn Fn(&str) -> bool,
    /// Whether the config turned it off (its directives cannot be judged).
    pub off: &'a dyn Fn(&str) -> bool,
    /// Every rule id, for "did you mean".
    pub all: &'a [&'a str],
}

/// Drops the suppressed findings and adds an `unused-suppression` finding for
/// every directive rule that silenced nothing. `linted(file)` says which
/// files' directives count (excluded files have none).
pub(crate) fn apply(
    findings: Vec<Finding>,
    loaded: &Loaded,
    linted: impl Fn(FileId) -> bool,
    names: &RuleNames,
) -> Vec<Finding> {
    let mut directives = collect(loaded, &linted);
    if directives.is_empty() {
        return findings;
    }
    let mut by_file: HashMap<FileId, Vec<usize>> = HashMap::new();
    for (i, d) in directives.iter().enumerate() {
        by_file.entry(d.file).or_default().push(i);
    }
    let mut kept = Vec::with_capacity(findings.len());
    for finding in findings {
        let mut suppressed = false;
        for &i in by_file.get(&finding.span.file).into_iter().flatten() {
            let directive = &mut directives[i];
            if !directive.covers(&finding.span) {
                continue;
            }
            for (rule, _, used) in &mut directive.rules {
                if finding.rule == **rule {
                    *used = true;
                    suppressed = true;
                }
            }
        }
        if !suppressed {
            kept.push(finding);
        }
    }
    kept.extend(unused(&directives, names));
    kept
}

fn unused(directives: &[Directive], names: &RuleNames) -> Vec<Finding> {
    let mut out = Vec::new();
    for directive in directives {
        for (rule, span, used) in &directive.rules {
            let message = if rule.is_empty() {
                "this `# fleet-lint:` comment is not a suppression: write `ignore[rule, ...]` or `ignore-file[rule, ...]`".to_string()
            } else if !(names.known)(rule) {
                let hint = crate::suggest::did_you_mean(rule, names.all.iter().copied(), 3);
                format!(
                    "{} names `{rule}`, which is not a rule{hint}",
                    directive.form
                )
            } else if *used || (names.off)(rule) {
                continue;
            } else {
                format!(
                    "{} suppresses nothing: no `{rule}` finding {}",
                    directive.form,
                    match directive.scope {
                        Scope::Line(line) => format!("on line {line}"),
                        Scope::File => "in this file".into(),
                        Scope::Object(..) => "on this object".into(),
                    }
                )
            };
            out.push(
                Finding::new(UNUSED, Severity::Warning, *span, message)
                    .with_help("remove the stale suppression (or the rule from it)"),
            );
        }
    }
    out
}

/// Every directive of the linted files: comments, then annotations.
fn collect(loaded: &Loaded, linted: &impl Fn(FileId) -> bool) -> Vec<Directive> {
    let mut out = Vec::new();
    for (id, file) in loaded.store.iter().filter(|(id, _)| linted(*id)) {
        if file.text.contains("fleet-lint:") {
            comments(id, file, &mut out);
        }
        if file.text.contains(ANNOTATION) {
            let documents = loaded
                .files
                .get(id.0 as usize)
                .map_or(&[][..], |f| &f.documents[..]);
            for doc in documents {
                if let Some(directive) = annotation(id, &doc.root) {
                    out.push(directive);
                }
            }
        }
    }
    out
}

fn comments(id: FileId, file: &SourceFile, out: &mut Vec<Directive>) {
    for line in 1..=file.line_count() as u32 {
        let text = file.line_text(line);
        let Some(found) = DIRECTIVE.captures(text) else {
            continue;
        };
        let whole = found.get(0).map_or(0..0, |m| m.range());
        let Some(form) = found.get(1) else {
            let span = line_span(id, file, line, whole.start, whole.end);
            out.push(malformed(id, span));
            continue;
        };
        let alone = text[..whole.start].trim().is_empty();
        let (scope, form) = match form.as_str() {
            "ignore-file" => (Scope::File, "`# fleet-lint: ignore-file[...]`"),
            _ if alone => (Scope::Line(line + 1), "`# fleet-lint: ignore[...]`"),
            _ => (Scope::Line(line), "`# fleet-lint: ignore[...]`"),
        };
        let list = found.get(2).map_or(0..0, |m| m.range());
        let rules = names_in(&text[list.clone()], list.start)
            .map(|(name, start, end)| {
                (
                    name.to_string(),
                    line_span(id, file, line, start, end),
                    false,
                )
            })
            .collect();
        out.push(Directive {
            file: id,
            scope,
            form,
            rules,
        });
    }
}

/// A `# fleet-lint:` comment that is no directive: one nameless, never used
/// entry, reported as such.
fn malformed(id: FileId, span: Span) -> Directive {
    Directive {
        file: id,
        scope: Scope::Line(0),
        form: "",
        rules: vec![(String::new(), span, false)],
    }
}

fn annotation(id: FileId, root: &Node) -> Option<Directive> {
    let value = root
        .get_path(&["metadata", "annotations"])?
        .get(ANNOTATION)?;
    let text = value.as_str()?;
    Some(Directive {
        file: id,
        scope: Scope::Object(root.span.start.offset, root.span.end.offset),
        form: "the annotation `fleet-lint.dev/ignore`",
        rules: names_in(text, 0)
            .map(|(name, _, _)| (name.to_string(), value.span, false))
            .collect(),
    })
}

/// The comma-separated names of `list` with their byte ranges (shifted by `base`).
fn names_in(list: &str, base: usize) -> impl Iterator<Item = (&str, usize, usize)> {
    list.split(',')
        .scan(base, |start, part| {
            let here = *start;
            *start += part.len() + 1;
            let name = part.trim();
            let lead = part.len() - part.trim_start().len();
            Some((name, here + lead, here + lead + name.len()))
        })
        .filter(|(name, _, _)| !name.is_empty())
}

fn line_span(id: FileId, file: &SourceFile, line: u32, start: usize, end: usize) -> Span {
    let text = file.line_text(line);
    let col = |byte: usize| text.get(..byte).map_or(0, |s| s.chars().count()) as u32;
    Span {
        file: id,
        start: file.pos(line, col(start)),
        end: file.pos(line, col(end)),
    }
}
