//! Fixes: safe, mechanical rewrites of manifests as written, made of text
//! edits that touch only the bytes they change, so comments, key order and
//! the formatting of every other line stay as they are. `--fix` writes them,
//! `--diff` prints them; nothing else in fleet-lint writes a manifest.
//!
//! A declarative rule over files as written (`input: files`) says its fix in
//! YAML, each part a dotted field path in the document:
//!
//! ```yaml
//! fix:
//!   set: {apiVersion: helm.toolkit.fluxcd.io/v2}      # a scalar's new value (quotes kept)
//!   remove: [spec.validation]                          # an entry, on lines of its own
//!   list: {spec.chart.spec.valuesFile: valuesFiles}    # one value -> a one-item list, renamed
//!   manual:                                            # present: no automatic fix
//!     - spec.postRenderers.[].kustomize.patchesJson6902    # (`[]`: any list item)
//! ```
//!
//! A fix that cannot be made exactly (a field in `manual` is present, an entry
//! shares its line with another, a `list` target exists already) is not made,
//! and the finding's help says why.

use std::collections::BTreeMap;

use crate::diag::Finding;
use crate::source::FileId;
use crate::yaml::{Entry, Node, ScalarStyle, Value};

/// One text edit: the bytes `start..end` of a file become `text`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edit {
    /// Byte offset of the first byte replaced.
    pub start: usize,
    /// Byte offset just past the last byte replaced.
    pub end: usize,
    /// What replaces them.
    pub text: String,
}

/// A finding's fix: edits of one file, made together or not at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// The file the edits are in.
    pub file: FileId,
    /// The edits, in file order, none overlapping.
    pub edits: Vec<Edit>,
}

/// A rule's `fix:` as written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FixSpec {
    set: Vec<(Vec<String>, String)>,
    remove: Vec<Vec<String>>,
    list: Vec<(Vec<String>, String)>,
    manual: Vec<Vec<String>>,
}

fn dotted(path: &str) -> Vec<String> {
    path.split('.').map(str::to_string).collect()
}

impl FixSpec {
    /// Reads a `fix:` mapping; an error names what is wrong.
    pub(crate) fn parse(node: &Node) -> Result<FixSpec, String> {
        let Some(entries) = node.as_map() else {
            return Err("`fix` is a mapping of set, remove, list and manual".into());
        };
        let mut spec = FixSpec::default();
        for entry in entries {
            let pairs = || -> Result<Vec<(Vec<String>, String)>, String> {
                let map = entry.value.as_map().ok_or("a mapping of field paths")?;
                map.iter()
                    .map(|e| match (e.key.as_str(), e.value.as_str()) {
                        (Some(k), Some(v)) => Ok((dotted(k), v.to_string())),
                        _ => Err("field paths to text".to_string()),
                    })
                    .collect()
            };
            let paths = || -> Result<Vec<Vec<String>>, String> {
                let items = entry.value.as_seq().ok_or("a list of field paths")?;
                items
                    .iter()
                    .map(|n| n.as_str().map(dotted).ok_or("field paths".to_string()))
                    .collect()
            };
            let key = entry.key.as_str().unwrap_or("");
            let parsed = match key {
                "set" => pairs().map(|p| spec.set = p),
                "list" => pairs().map(|p| spec.list = p),
                "remove" => paths().map(|p| spec.remove = p),
                "manual" => paths().map(|p| spec.manual = p),
                other => Err(format!(
                    "unknown key `{other}` (set, remove, list or manual)"
                )),
            };
            parsed.map_err(|e| format!("fix.{key}: {e}"))?;
        }
        Ok(spec)
    }

    /// The edits that make `document` (as written in `text`, file `file`)
    /// right, or why they cannot be made exactly.
    pub(crate) fn fix(&self, document: &Node, text: &str, file: FileId) -> Result<Fix, String> {
        if let Some(path) = self.manual.iter().find(|path| present(document, path)) {
            return Err(format!("`{}` has no mechanical rewrite", path.join(".")));
        }
        let shares_line =
            |path: &[String]| format!("`{}` shares its line with other fields", path.join("."));
        let mut edits = Vec::new();
        for (path, value) in &self.set {
            let entry = entry_at(document, path)
                .ok_or_else(|| format!("`{}` is missing", path.join(".")))?;
            if entry.value.as_str() != Some(value.as_str()) {
                edits.push(
                    set_scalar(&entry.value, value, text)
                        .ok_or_else(|| format!("`{}` is not a one-line value", path.join(".")))?,
                );
            }
        }
        for path in &self.remove {
            if let Some(entry) = entry_at(document, path) {
                edits.push(remove_entry(entry, text).ok_or_else(|| shares_line(path))?);
            }
        }
        for (path, key) in &self.list {
            if let Some(entry) = entry_at(document, path) {
                let (parent, _) = path.split_at(path.len() - 1);
                let mut sibling = parent.to_vec();
                sibling.push(key.clone());
                if entry_at(document, &sibling).is_some() {
                    return Err(format!(
                        "both `{}` and `{}` are set",
                        path.join("."),
                        sibling.join(".")
                    ));
                }
                edits.extend(
                    into_list(entry, key, text)
                        .ok_or_else(|| format!("`{}` is not a one-line value", path.join(".")))?,
                );
            }
        }
        edits.sort();
        if edits.windows(2).any(|w| w[0].end > w[1].start) {
            return Err("its rewrites overlap".into());
        }
        if edits.is_empty() {
            return Err("nothing to rewrite".into());
        }
        Ok(Fix { file, edits })
    }
}

/// Whether a field is at `path`, where a `[]` key stands for any list item
/// (`spec.postRenderers.[].kustomize.patchesJson6902`).
fn present(node: &Node, path: &[String]) -> bool {
    match path.split_first() {
        None => true,
        Some((key, rest)) if key == "[]" => node
            .as_seq()
            .is_some_and(|items| items.iter().any(|item| present(item, rest))),
        Some((key, rest)) => node.get(key).is_some_and(|child| present(child, rest)),
    }
}

/// The mapping entry at `path` (keys from the document's root).
fn entry_at<'n>(node: &'n Node, path: &[String]) -> Option<&'n Entry> {
    let (last, parents) = path.split_last()?;
    let parent = parents.iter().try_fold(node, |n, key| n.get(key))?;
    parent.entry(last)
}

fn offsets(node: &Node) -> (usize, usize) {
    (
        node.span.start.offset as usize,
        node.span.end.offset as usize,
    )
}

/// A plain scalar, or one quoted as it was.
fn set_scalar(node: &Node, value: &str, text: &str) -> Option<Edit> {
    let Value::Scalar(_, style) = &node.value else {
        return None;
    };
    let (start, end) = offsets(node);
    let written = text.get(start..end)?;
    let quote = match style {
        ScalarStyle::Plain => "",
        ScalarStyle::Quoted if written.starts_with('"') => "\"",
        ScalarStyle::Quoted if written.starts_with('\'') => "'",
        _ => return None,
    };
    Some(Edit {
        start,
        end,
        text: format!("{quote}{value}{quote}"),
    })
}

/// The entry's whole lines, when it has them to itself: from its line's start
/// to the end of its value's last line (a comment there goes with it).
fn remove_entry(entry: &Entry, text: &str) -> Option<Edit> {
    let (key_start, _) = offsets(&entry.key);
    let line_start = text[..key_start].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_start..key_start].trim().is_empty() {
        return None;
    }
    let (_, value_end) = offsets(&entry.value);
    let value_end = value_end.max(offsets(&entry.key).1);
    let before_end = text[..value_end].trim_end_matches([' ', '\t']);
    let end = if before_end.ends_with('\n') {
        before_end.len()
    } else {
        let rest = &text[value_end..];
        let line_end = rest.find('\n').map_or(text.len(), |i| value_end + i + 1);
        let tail = text[value_end..line_end].trim();
        if !(tail.is_empty() || tail.starts_with('#')) {
            return None;
        }
        line_end
    };
    Some(Edit {
        start: line_start,
        end,
        text: String::new(),
    })
}

/// `key: value` as `new_key: [value]`: the key renamed, the value in a flow list.
fn into_list(entry: &Entry, new_key: &str, text: &str) -> Option<[Edit; 2]> {
    let Value::Scalar(value, style) = &entry.value.value else {
        return None;
    };
    let (key_start, key_end) = offsets(&entry.key);
    let (start, end) = offsets(&entry.value);
    let written = text.get(start..end)?;
    let flow_safe = !written.contains([',', '[', ']', '{', '}', '#', '\n']);
    let item = match style {
        ScalarStyle::Plain if flow_safe => written.to_string(),
        ScalarStyle::Plain => serde_json::to_string(&**value).ok()?,
        ScalarStyle::Quoted if !written.contains('\n') => written.to_string(),
        _ => return None,
    };
    Some([
        Edit {
            start: key_start,
            end: key_end,
            text: new_key.to_string(),
        },
        Edit {
            start,
            end,
            text: format!("[{item}]"),
        },
    ])
}

/// What `--fix` makes: the edits by file, and how many findings they fix.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// The edits of each file, sorted, none overlapping.
    pub edits: BTreeMap<FileId, Vec<Edit>>,
    /// Findings whose fix is in the plan.
    pub fixed: usize,
    /// Findings whose fix overlaps one already taken: the next run makes it.
    pub deferred: usize,
}

/// The edits to make for `findings`: every finding's fix whose edits overlap
/// none already taken.
pub fn plan(findings: &[Finding]) -> Plan {
    let mut plan = Plan::default();
    let overlap =
        |a: &Edit, b: &Edit| a.start < b.end.max(b.start + 1) && b.start < a.end.max(a.start + 1);
    for fix in findings.iter().filter_map(Finding::fix) {
        let taken = plan.edits.entry(fix.file).or_default();
        let same = fix.edits.iter().all(|edit| taken.contains(edit));
        if same && !taken.is_empty() {
            // Two findings with one fix (a rule reported on two clusters).
            plan.fixed += 1;
        } else if fix
            .edits
            .iter()
            .any(|edit| taken.iter().any(|t| overlap(edit, t)))
        {
            plan.deferred += 1;
        } else {
            taken.extend(fix.edits.iter().cloned());
            plan.fixed += 1;
        }
    }
    plan.edits.retain(|_, edits| !edits.is_empty());
    for edits in plan.edits.values_mut() {
        edits.sort();
    }
    plan
}

/// The unified diff of every file `plan` changes, with the run's secrets
/// masked in the lines it shows (masking keeps every byte offset, so the
/// edits apply to the masked text as to the file's).
pub fn diff(run: &crate::LintRun, plan: &Plan) -> String {
    let secrets: Vec<&str> = run.findings.iter().flat_map(Finding::secrets).collect();
    plan.edits
        .iter()
        .map(|(&file, edits)| {
            let source = run.loaded.store.get(file);
            let spans = run.secret_spans.get(&file).map_or(&[][..], Vec::as_slice);
            let masked = crate::diag::mask_source(
                &crate::diag::mask_spans(&source.text, spans),
                secrets.iter().copied(),
            )
            .into_owned();
            let path = crate::report::printable_line(&source.path);
            without_lengths(&unified_diff(&path, &masked, &apply(&masked, edits)))
        })
        .collect()
}

/// `text` with each run of three or more `*` (a masked secret, as long as the
/// secret) made one fixed-length mask, so a diff does not show a secret's length.
fn without_lengths(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut stars = 0;
    let flush = |out: &mut String, stars: usize| match stars {
        0 => {}
        1 | 2 => out.push_str(&"*".repeat(stars)),
        _ => out.push_str("********"),
    };
    for c in text.chars() {
        if c == '*' {
            stars += 1;
        } else {
            flush(&mut out, stars);
            stars = 0;
            out.push(c);
        }
    }
    flush(&mut out, stars);
    out
}

/// Writes every file `plan` changes, under `root`; returns how many. A file
/// whose bytes are no longer the text the run read stops the writing.
pub fn write(run: &crate::LintRun, plan: &Plan, root: &std::path::Path) -> Result<usize, String> {
    for (&file, edits) in &plan.edits {
        let source = run.loaded.store.get(file);
        let path = root.join(&*source.path);
        // The edits are offsets into the text as read: a file that changed
        // since (or that reading decoded) is not touched.
        let on_disk =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if on_disk != source.text.as_bytes() {
            return Err(format!(
                "{} changed since it was read (or is not plain UTF-8); not fixed",
                path.display()
            ));
        }
        std::fs::write(&path, apply(&source.text, edits))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(plan.edits.len())
}

/// A unified diff of `path` from `old` to `new` (`--diff`).
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// `text` with `edits` (sorted, not overlapping) made.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for edit in edits {
        if edit.start < at || edit.end > text.len() {
            continue;
        }
        out.push_str(&text[at..edit.start]);
        out.push_str(&edit.text);
        at = edit.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::parse_first;

    fn fixed(spec: &str, document: &str) -> Option<String> {
        let spec = FixSpec::parse(&parse_first(spec)).expect("spec");
        let fix = spec.fix(&parse_first(document), document, FileId(0)).ok()?;
        Some(apply(document, &fix.edits))
    }

    #[test]
    fn set_keeps_quotes_and_every_other_byte() {
        let spec = "set: {apiVersion: kustomize.toolkit.fluxcd.io/v1}";
        assert_eq!(
            fixed(spec, "# head\napiVersion: \"kustomize.toolkit.fluxcd.io/v1beta2\" # old\nkind: Kustomization\n").as_deref(),
            Some("# head\napiVersion: \"kustomize.toolkit.fluxcd.io/v1\" # old\nkind: Kustomization\n")
        );
        assert_eq!(
            fixed(spec, "apiVersion: kustomize.toolkit.fluxcd.io/v1beta1\n").as_deref(),
            Some("apiVersion: kustomize.toolkit.fluxcd.io/v1\n")
        );
        assert_eq!(
            fixed(spec, "apiVersion: kustomize.toolkit.fluxcd.io/v1\n"),
            None
        );
        assert_eq!(
            fixed(spec, "apiVersion: 'kustomize.toolkit.fluxcd.io/v1beta2'\n").as_deref(),
            Some("apiVersion: 'kustomize.toolkit.fluxcd.io/v1'\n")
        );
    }

    #[test]
    fn remove_takes_whole_lines_only() {
        let spec = "remove: [spec.validation]\nset: {apiVersion: v1}";
        assert_eq!(
            fixed(
                spec,
                "apiVersion: v0\nspec:\n  interval: 5m\n  validation: client # old\n  prune: true\n"
            )
            .as_deref(),
            Some("apiVersion: v1\nspec:\n  interval: 5m\n  prune: true\n")
        );
        assert_eq!(
            fixed(
                spec,
                "apiVersion: v0\nspec:\n  prune: true\n  validation: client"
            )
            .as_deref(),
            Some("apiVersion: v1\nspec:\n  prune: true\n")
        );
        assert_eq!(
            fixed(
                spec,
                "apiVersion: v0\nspec: {prune: true, validation: client}\n"
            ),
            None,
            "a flow mapping's entry shares its line"
        );
    }

    #[test]
    fn list_wraps_one_value_and_renames_its_key() {
        let spec = "list: {spec.chart.spec.valuesFile: valuesFiles}";
        let release =
            "spec:\n  chart:\n    spec:\n      chart: redis\n      valuesFile: values-prod.yaml\n";
        assert_eq!(
            fixed(spec, release).as_deref(),
            Some(
                "spec:\n  chart:\n    spec:\n      chart: redis\n      valuesFiles: [values-prod.yaml]\n"
            )
        );
        assert_eq!(
            fixed(
                spec,
                "spec:\n  chart:\n    spec:\n      valuesFile: \"a,b.yaml\" # one\n"
            )
            .as_deref(),
            Some("spec:\n  chart:\n    spec:\n      valuesFiles: [\"a,b.yaml\"] # one\n")
        );
        let both = format!("{release}      valuesFiles: [a.yaml]\n");
        assert_eq!(
            fixed(spec, &both),
            None,
            "which comes first is not mechanical"
        );
    }

    #[test]
    fn a_manual_field_means_no_fix() {
        let spec = "set: {apiVersion: v1}\nmanual:\n  - spec.patchesStrategicMerge\n  - spec.postRenderers.[].kustomize.patchesJson6902\n";
        assert_eq!(
            fixed(spec, "apiVersion: v0\nspec:\n  patchesStrategicMerge: []\n"),
            None
        );
        assert_eq!(
            fixed(
                spec,
                "apiVersion: v0\nspec:\n  postRenderers:\n    - kustomize: {patches: []}\n    - kustomize: {patchesJson6902: []}\n"
            ),
            None
        );
        assert_eq!(
            fixed(
                spec,
                "apiVersion: v0\nspec:\n  postRenderers:\n    - kustomize: {patches: []}\n"
            )
            .as_deref(),
            Some("apiVersion: v1\nspec:\n  postRenderers:\n    - kustomize: {patches: []}\n")
        );
        assert!(FixSpec::parse(&parse_first("rename: {a: b}")).is_err());
    }

    #[test]
    fn overlapping_fixes_wait_for_the_next_run() {
        let edit = |start, end| Edit {
            start,
            end,
            text: "x".into(),
        };
        let finding = |edits| {
            Finding::new(
                crate::rule_id::RuleId::DeprecatedApi,
                crate::diag::Severity::Error,
                crate::source::Span::file_start(FileId(0)),
                "m",
            )
            .with_fix(Fix {
                file: FileId(0),
                edits,
            })
        };
        let plan = plan(&[
            finding(vec![edit(0, 4)]),
            finding(vec![edit(2, 6)]),
            finding(vec![edit(8, 9)]),
            finding(vec![edit(8, 9)]),
        ]);
        assert_eq!(plan.edits[&FileId(0)], [edit(0, 4), edit(8, 9)]);
        assert_eq!((plan.fixed, plan.deferred), (3, 1));
        assert_eq!(apply("0123456789", &plan.edits[&FileId(0)]), "x4567x9");
    }
}
