//! Writes spanned trees back as block-style YAML (for `fleet-lint build`), as
//! `kubectl kustomize` prints it: mappings and sequences in go-yaml v2's
//! block layout, each scalar as [`emit_scalar`](super::emit_scalar) says
//! go-yaml writes it (plain where it reads back as the same string, in YAML
//! 1.1 too, else quoted; literal blocks for several lines; long lines
//! folded at column 80).

use super::emit_scalar::{self, Place, canonical_plain, plain_allowed, resolves_as_string};
use super::{Entry, Node, ScalarStyle, Value};

/// `node` as `kubectl kustomize` prints it: [`to_yaml`] of the value as
/// kustomize reads it (plain numbers, booleans and nulls in their canonical
/// spelling, plain strings typed as strings) with every mapping's keys in
/// byte order (kubectl marshals objects as maps, whose keys Go sorts).
pub fn to_kubectl_yaml(node: &Node) -> String {
    to_yaml(&as_kustomize_reads(node))
}

fn as_kustomize_reads(node: &Node) -> Node {
    let value = match &node.value {
        Value::Map(entries) => {
            let entries: Vec<Entry> = entries
                .iter()
                .map(|e| Entry {
                    key: as_string(&e.key),
                    value: as_kustomize_reads(&e.value),
                })
                .collect();
            Value::Map(sorted_as_go_yaml_v2(entries).into())
        }
        Value::Seq(items) => Value::Seq(items.iter().map(as_kustomize_reads).collect()),
        Value::Scalar(text, ScalarStyle::Plain) => match canonical_plain(text) {
            Some(canonical) => Value::Scalar(canonical.into(), ScalarStyle::Plain),
            None => Value::Scalar(text.clone(), ScalarStyle::Quoted),
        },
        Value::Scalar(..) => node.value.clone(),
    };
    Node {
        span: node.span,
        value,
    }
}

/// `entries` in go-yaml v2's key order, which kubectl's output follows:
/// runs of digits compare as numbers (`item9` before `item10`) and a
/// character that is not a letter sorts before one that is (`a_b` before
/// `ab`). That order is not always transitive, so a merge sort (which never
/// fails on such an order) arranges them rather than `sort_by`.
fn sorted_as_go_yaml_v2(mut entries: Vec<Entry>) -> Vec<Entry> {
    if entries.len() < 2 {
        return entries;
    }
    let second = entries.split_off(entries.len() / 2);
    let (mut left, mut right) = (
        sorted_as_go_yaml_v2(entries).into_iter().peekable(),
        sorted_as_go_yaml_v2(second).into_iter().peekable(),
    );
    let mut merged = Vec::with_capacity(left.len() + right.len());
    while let (Some(a), Some(b)) = (left.peek(), right.peek()) {
        let take_right = go_yaml_v2_less(scalar_text(&b.key), scalar_text(&a.key));
        merged.extend(if take_right {
            right.next()
        } else {
            left.next()
        });
    }
    merged.extend(left);
    merged.extend(right);
    merged
}

/// go-yaml v2's `keyList.Less` for two string keys.
fn go_yaml_v2_less(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let number = |chars: &[char], from: usize, mut value: i64| {
        let mut end = from;
        while let Some(digit) = chars.get(end).and_then(|c| c.to_digit(10)) {
            value = value.wrapping_mul(10).wrapping_add(i64::from(digit));
            end += 1;
        }
        (value, end)
    };
    for i in 0..a.len().min(b.len()) {
        if a[i] == b[i] {
            continue;
        }
        let (a_letter, b_letter) = (a[i].is_alphabetic(), b[i].is_alphabetic());
        if a_letter && b_letter {
            return a[i] < b[i];
        }
        if a_letter || b_letter {
            return b_letter;
        }
        let mut start = 0;
        if a[i] == '0' || b[i] == '0' {
            let earlier = a[..i].iter().rev().take_while(|c| c.is_ascii_digit());
            if earlier.into_iter().any(|c| *c != '0') {
                start = 1;
            }
        }
        let ((a_number, a_end), (b_number, b_end)) = (number(&a, i, start), number(&b, i, start));
        if a_number != b_number {
            return a_number < b_number;
        }
        if a_end != b_end {
            return a_end < b_end;
        }
        return a[i] < b[i];
    }
    a.len() < b.len()
}

/// A key as JSON holds it: a string, whatever its YAML type.
fn as_string(key: &Node) -> Node {
    match &key.value {
        Value::Scalar(text, _) => Node {
            span: key.span,
            value: Value::Scalar(text.clone(), ScalarStyle::Quoted),
        },
        _ => Node::string(&super::key_text(key), key.span),
    }
}

fn scalar_text(node: &Node) -> &str {
    match &node.value {
        Value::Scalar(text, _) => text,
        _ => "",
    }
}

/// `node` as a YAML document (no leading `---`), ending with a newline.
pub fn to_yaml(node: &Node) -> String {
    let mut out = String::new();
    match &node.value {
        Value::Map(entries) if !entries.is_empty() => write_map(node, 0, &mut out),
        Value::Seq(items) if !items.is_empty() => write_seq(node, 0, &mut out),
        _ => {
            let root = Place {
                column: 0,
                indent: 0,
                key: false,
            };
            out.push_str(&scalar(node, root));
            out.push('\n');
        }
    }
    out
}

/// The longest key go-yaml writes in the `key: value` form, in bytes; longer
/// keys are written in the explicit form, `? key` then `: value`.
const MAX_IMPLICIT_KEY: usize = 128;

/// The longest implicit key YAML reads, in characters as written: a
/// collection key (written as its JSON text) may be longer than its value.
const YAML_MAX_IMPLICIT_KEY: usize = 1024;

fn write_map(node: &Node, indent: usize, out: &mut String) {
    for entry in node.as_map().unwrap_or_default() {
        let key = key_text(&entry.key, indent);
        out.push_str(&" ".repeat(indent));
        let explicit = scalar_text(&entry.key).len() > MAX_IMPLICIT_KEY
            || key.chars().count() > YAML_MAX_IMPLICIT_KEY;
        let column = if explicit {
            out.push_str("? ");
            out.push_str(&key);
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            indent + 2
        } else {
            out.push_str(&key);
            indent + key.chars().count() + 2
        };
        out.push(':');
        write_value(&entry.value, indent, column, out);
    }
}

/// The value after `key:` (whose text ends before `column`): inline for
/// scalars and empty collections, else on the next lines (a list at the
/// key's indentation, a mapping two deeper).
fn write_value(value: &Node, indent: usize, column: usize, out: &mut String) {
    match &value.value {
        Value::Map(entries) if !entries.is_empty() => {
            out.push('\n');
            write_map(value, indent + 2, out);
        }
        Value::Seq(items) if !items.is_empty() => {
            out.push('\n');
            write_seq(value, indent, out);
        }
        _ => {
            out.push(' ');
            let place = Place {
                column,
                indent: indent + 2,
                key: false,
            };
            out.push_str(&scalar(value, place));
            out.push('\n');
        }
    }
}

fn write_seq(node: &Node, indent: usize, out: &mut String) {
    for item in node.as_seq().unwrap_or_default() {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match &item.value {
            Value::Map(entries) if !entries.is_empty() => {
                // The first entry shares the dash's line.
                let mut nested = String::new();
                write_map(item, indent + 2, &mut nested);
                out.push(' ');
                out.push_str(&nested[indent + 2..]);
            }
            Value::Seq(items) if !items.is_empty() => {
                out.push('\n');
                write_seq(item, indent + 2, out);
            }
            _ => {
                out.push(' ');
                let place = Place {
                    column: indent + 2,
                    indent: indent + 2,
                    key: false,
                };
                out.push_str(&scalar(item, place));
                out.push('\n');
            }
        }
    }
}

/// A scalar or an empty collection at `place`: a plain scalar as the file
/// spells it where go-yaml would write it so, every other string as
/// [`emit_scalar::string`] writes it.
fn scalar(node: &Node, place: Place) -> String {
    match &node.value {
        Value::Map(_) => "{}".into(),
        Value::Seq(_) => "[]".into(),
        Value::Scalar(_, ScalarStyle::Plain) if node.is_null() => "null".into(),
        Value::Scalar(text, ScalarStyle::Plain) if plain_allowed(text) => text.to_string(),
        Value::Scalar(text, _) => emit_scalar::string(text, resolves_as_string(text), place),
    }
}

/// A key as written: a plain scalar that reads back as itself stays as the
/// file spells it (the loader tells keys apart by their text, so `~` and
/// `null` stay two keys), an empty one is `""` (not `null`), a collection
/// key its JSON text.
fn key_text(node: &Node, indent: usize) -> String {
    let place = Place {
        column: indent,
        indent: indent + 2,
        key: true,
    };
    match &node.value {
        Value::Scalar(text, ScalarStyle::Plain) if text.is_empty() => "\"\"".into(),
        Value::Scalar(text, ScalarStyle::Plain) if plain_allowed(text) => text.to_string(),
        Value::Scalar(text, _) => emit_scalar::string(text, resolves_as_string(text), place),
        _ => emit_scalar::string(&super::key_text(node), false, place),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, SourceFile};
    use crate::yaml::{LoadLimits, load_yaml};

    #[test]
    fn round_trips_through_the_loader() {
        let text = "a: 1\nb: \"1\"\nc: [x, {d: e, f: [g]}]\nh: {}\ni: \"x: y\"\nj: ~\nk: |\n  two\n  lines\nl: 'true'\nretries: -1\nneg: -0.5\ndash: -x\nflag: --x\ndots: \"...\"\nmarker: \"---\"\nitem: \"- x\"\n";
        let emitted = emitted(text);
        assert!(emitted.contains("retries: -1\n"), "{emitted}");
    }

    /// The root of `text`'s first document.
    fn first_document(text: &str) -> std::sync::Arc<Node> {
        let source = SourceFile::new("t.yaml", text);
        load_yaml(FileId(0), &source, LoadLimits::default())
            .documents
            .remove(0)
            .root
    }

    fn emitted(text: &str) -> String {
        let node = first_document(text);
        let out = to_yaml(&node);
        let again = load_yaml(
            FileId(0),
            &SourceFile::new("u.yaml", out.as_str()),
            LoadLimits::default(),
        );
        assert!(again.errors.is_empty(), "{out}");
        assert_eq!(again.documents[0].root.to_json(), node.to_json(), "{out}");
        out
    }

    #[test]
    fn strings_yaml_1_1_reads_as_other_types_stay_quoted() {
        let out = emitted(
            "a: \"yes\"\nb: 'on'\nc: \"y\"\nd: \".inf\"\ne: \"1_000\"\nf: \"0o17\"\ng: \"1:30\"\nh: \"yesterday\"\ni: \"1.2.3\"\nj: \"off\"\nk: \"2022-07-02T13:11:04Z\"\nl: \"2024-1-2\"\nm: \"2024-01-02-x\"\n",
        );
        assert_eq!(
            out,
            "a: \"yes\"\nb: \"on\"\nc: \"y\"\nd: \".inf\"\ne: \"1_000\"\nf: \"0o17\"\ng: \"1:30\"\nh: yesterday\ni: 1.2.3\nj: \"off\"\nk: \"2022-07-02T13:11:04Z\"\nl: \"2024-1-2\"\nm: 2024-01-02-x\n"
        );
        assert_eq!(
            emitted("on: yes\n"),
            "on: yes\n",
            "plain stays plain: its type is the file's"
        );
    }

    #[test]
    fn multi_line_strings_are_literal_blocks() {
        assert_eq!(
            emitted("data:\n  script: |\n    #!/bin/sh\n    echo hi\n\n    exit 0\n"),
            "data:\n  script: |\n    #!/bin/sh\n    echo hi\n\n    exit 0\n"
        );
        assert_eq!(emitted("k: \"a\\nb\""), "k: |-\n  a\n  b\n");
        assert_eq!(emitted("k: \"a\\nb\\n\\n\""), "k: |+\n  a\n  b\n\n");
        assert_eq!(emitted("- \"a\\nb\\n\""), "- |\n  a\n  b\n");
        assert_eq!(
            emitted("k: \"a \\nb\""),
            "k: \"a \\nb\"\n",
            "a trailing blank would be lost in a block"
        );
        assert_eq!(
            emitted("k: \" a\\nb\""),
            "k: |2-\n   a\n  b\n",
            "a leading blank takes an indentation hint"
        );
        assert_eq!(emitted("k: \"\\n  a\\nb\""), "k: |2-\n\n    a\n  b\n");
        assert_eq!(
            emitted("k: \"x\\n\""),
            "k: |\n  x\n",
            "one line and its break"
        );
    }

    #[test]
    fn keys_sort_as_go_yaml_v2_sorts_them() {
        let node = first_document("ab: 1\na_b: 2\nitem10: 3\nitem9: 4\nB: 5\n");
        assert_eq!(
            to_kubectl_yaml(&node),
            "B: 5\na_b: 2\nab: 1\nitem9: 4\nitem10: 3\n"
        );
    }

    /// Every folded style reads back as the string it folds, including
    /// continuation lines that start like a list item or a key.
    #[test]
    fn long_lines_fold_and_read_back() {
        let long = "a".repeat(78);
        for text in [
            format!("k: \"{long} - x ? y b\"\n"),
            format!("k: '{long} ''q'' x'\n"),
            format!("k: \"{long}  two  spaces\\tand a tab\"\n"),
            format!("- \"{long} -x\"\n- ':9001'\n- \"\\tlead\\nnext\"\n"),
        ] {
            let out = emitted(&text);
            assert!(out.lines().count() > text.lines().count(), "{out}");
        }
        assert_eq!(emitted("- ':9001'\n"), "- :9001\n");
        assert_eq!(
            emitted("- '0.0.0.0:80'\n"),
            "- 0.0.0.0:80\n",
            "not a base-60 number"
        );
    }

    /// Found by the `yaml_roundtrip` fuzz target once keys and blocks took
    /// go-yaml's forms: a root string with leading line breaks (a block at the
    /// root has nowhere to indent to) and a collection key longer than YAML's
    /// implicit keys may be once written as JSON.
    #[test]
    fn root_blocks_and_long_collection_keys_read_back() {
        assert_eq!(emitted("\"\\n\\nx\"\n"), "\"\\n\\nx\"\n");
        let long = "v".repeat(1100);
        let out = emitted(&format!("? {{k: {long}}}\n: 1\n"));
        assert!(out.starts_with("? "), "{out}");
    }

    #[test]
    fn kubectl_order_sorts_every_mappings_keys() {
        let node = first_document(
            "kind: A\nmetadata: {name: x, labels: {b: 1, a: 2}}\napiVersion: v1\nitems: [{z: 1, y: 2}]\n",
        );
        assert_eq!(
            to_kubectl_yaml(&node),
            "apiVersion: v1\nitems:\n- \"y\": 2\n  z: 1\nkind: A\nmetadata:\n  labels:\n    a: 2\n    b: 1\n  name: x\n"
        );
    }

    #[test]
    fn null_keys_keep_their_spelling() {
        let node = first_document("~: a\nnull: b\nk: ~\n");
        assert_eq!(to_yaml(&node), "~: a\nnull: b\nk: null\n");
    }

    /// Found by the `yaml_roundtrip` fuzz target: `:` alone, an empty key,
    /// was written `null:`, which reads back as the key `null`.
    #[test]
    fn an_empty_key_reads_back_as_itself() {
        assert_eq!(emitted(":\n"), "\"\": null\n");
    }

    #[test]
    fn a_key_longer_than_yaml_allows_inline_is_written_explicitly() {
        let long = "k".repeat(1500);
        let text = format!("? {long}\n: 1\nshort:\n  ? {long}\n  :\n    - a\n  next: {{x: y}}\n");
        let node = first_document(text.as_str());
        let emitted = to_yaml(&node);
        assert!(
            emitted.starts_with(&format!("? {long}\n: 1\n")),
            "{emitted}"
        );
        let again = load_yaml(
            FileId(0),
            &SourceFile::new("u.yaml", emitted.as_str()),
            LoadLimits::default(),
        );
        assert!(again.errors.is_empty(), "{:?}\n{emitted}", again.errors);
        assert_eq!(again.documents[0].root.to_json(), node.to_json());
    }
}
