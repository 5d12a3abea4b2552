//! Writes spanned trees back as block-style YAML (for `fleet-lint build`), as
//! `kubectl kustomize` prints it: strings plain when every YAML reader reads
//! them back as the same string (YAML 1.1's too, which Kubernetes' readers
//! follow: `yes`, `on`, `y`, `.inf` and `1_000` are not strings there), else
//! double-quoted with JSON escapes (which YAML accepts); multi-line strings
//! as literal blocks (`|`, `|-`, `|+`) when they can be.

use super::{Entry, Node, ScalarStyle, Value, plain_scalar_to_json};

/// `node` as `kubectl kustomize` prints it: [`to_yaml`] with every mapping's
/// keys in byte order (kubectl marshals objects as maps, whose keys Go sorts).
pub fn to_kubectl_yaml(node: &Node) -> String {
    to_yaml(&with_sorted_keys(node))
}

fn with_sorted_keys(node: &Node) -> Node {
    let value = match &node.value {
        Value::Map(entries) => {
            let mut entries: Vec<Entry> = entries
                .iter()
                .map(|e| Entry {
                    key: e.key.clone(),
                    value: with_sorted_keys(&e.value),
                })
                .collect();
            entries.sort_by_key(|e| key_text(&e.key));
            Value::Map(entries)
        }
        Value::Seq(items) => Value::Seq(items.iter().map(with_sorted_keys).collect()),
        Value::Scalar(..) => node.value.clone(),
    };
    Node {
        span: node.span,
        value,
    }
}

/// `node` as a YAML document (no leading `---`), ending with a newline.
pub fn to_yaml(node: &Node) -> String {
    let mut out = String::new();
    match &node.value {
        Value::Map(entries) if !entries.is_empty() => write_map(node, 0, &mut out),
        Value::Seq(items) if !items.is_empty() => write_seq(node, 0, &mut out),
        _ => {
            out.push_str(&inline(node));
            out.push('\n');
        }
    }
    out
}

/// The longest key YAML reads in the `key: value` form; longer keys are
/// written in the explicit form, `? key` then `: value`.
const MAX_IMPLICIT_KEY: usize = 1024;

fn write_map(node: &Node, indent: usize, out: &mut String) {
    for entry in node.as_map().unwrap_or_default() {
        let key = key_text(&entry.key);
        out.push_str(&" ".repeat(indent));
        if key.chars().count() > MAX_IMPLICIT_KEY {
            out.push_str("? ");
            out.push_str(&key);
            out.push('\n');
            out.push_str(&" ".repeat(indent));
        } else {
            out.push_str(&key);
        }
        out.push(':');
        write_value(&entry.value, indent, out);
    }
}

/// The value after `key:`: inline for scalars and empty collections, else on
/// the next lines (a list at the key's indentation, a mapping two deeper).
fn write_value(value: &Node, indent: usize, out: &mut String) {
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
            out.push_str(&inline_or_block(value, indent + 2));
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
                out.push_str(&inline_or_block(item, indent + 2));
                out.push('\n');
            }
        }
    }
}

/// A value after `key:` or `-`: a string of several lines as a literal block
/// indented to `indent`, else [`inline`].
fn inline_or_block(node: &Node, indent: usize) -> String {
    match &node.value {
        Value::Scalar(text, style) if *style != ScalarStyle::Plain || !node.is_null() => {
            literal_block(text, indent).unwrap_or_else(|| inline(node))
        }
        _ => inline(node),
    }
}

/// `text` as a literal block (`|` keeps one final line break, `|-` none,
/// `|+` all), when that reads back exactly: lines without trailing blanks or
/// control characters, the first that is not empty not starting with a blank
/// (a block's indentation is read from it).
fn literal_block(text: &str, indent: usize) -> Option<String> {
    let body = text.trim_end_matches('\n');
    let breaks = text.len() - body.len();
    let first_line = body.lines().find(|l| !l.is_empty()).unwrap_or("");
    if !body.contains('\n')
        || first_line.starts_with([' ', '\t'])
        || body.chars().any(|c| c.is_control() && c != '\n')
        || body.lines().any(|l| l.ends_with([' ', '\t']))
    {
        return None;
    }
    let chomp = match breaks {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let pad = " ".repeat(indent);
    let mut out = format!("|{chomp}");
    for line in text[..body.len() + breaks.saturating_sub(1)].split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    Some(out)
}

/// Scalars and empty collections on one line.
fn inline(node: &Node) -> String {
    match &node.value {
        Value::Map(_) => "{}".into(),
        Value::Seq(_) => "[]".into(),
        Value::Scalar(..) => scalar_text(node),
    }
}

/// A key as written when it is a plain scalar that reads back as itself:
/// the loader tells keys apart by their text, so `~` and `null` stay two keys
/// (both would be written `null` as values), and an empty key (`: a`) is
/// written `""`, the same text, not `null`.
fn key_text(node: &Node) -> String {
    match &node.value {
        Value::Scalar(text, ScalarStyle::Plain) if text.is_empty() => "\"\"".into(),
        Value::Scalar(text, ScalarStyle::Plain) if is_plain_safe(text) => text.to_string(),
        _ => scalar_text(node),
    }
}

fn scalar_text(node: &Node) -> String {
    match &node.value {
        Value::Scalar(_, ScalarStyle::Plain) if node.is_null() => "null".into(),
        Value::Scalar(text, ScalarStyle::Plain) if is_plain_safe(text) => text.to_string(),
        Value::Scalar(text, _) if !reads_as_string(text) => quote(text),
        Value::Scalar(text, _) if is_plain_safe(text) => text.to_string(),
        Value::Scalar(text, _) if !text.chars().any(char::is_control) => {
            format!("'{}'", text.replace('\'', "''"))
        }
        Value::Scalar(text, _) => quote(text),
        _ => quote(&node.to_json().to_string()),
    }
}

/// Whether `text`, written plain, reads back as a string in YAML 1.2 and in
/// YAML 1.1. One that does not is double-quoted (as kubectl writes it); one
/// that does but cannot be plain is single-quoted.
fn reads_as_string(text: &str) -> bool {
    plain_scalar_to_json(text).is_string() && !typed_by_yaml_1_1(text)
}

/// Whether YAML 1.1 (go-yaml v2, which Kubernetes' readers and kubectl use)
/// reads the plain scalar `text` as something other than a string: booleans
/// (`y`, `yes`, `on`, ...), infinities and not-a-number, and numbers with `_`
/// separators or in base 2, 8 (`0o`), 16 or 60 (`1:30`), and timestamps.
fn typed_by_yaml_1_1(text: &str) -> bool {
    const WORDS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
        "OFF", "true", "True", "TRUE", "false", "False", "FALSE", "~", "null", "Null", "NULL",
    ];
    if WORDS.contains(&text) {
        return true;
    }
    let unsigned = text.trim_start_matches(['+', '-']);
    let special = [".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"];
    let digits =
        |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c == '_' || c.is_digit(radix));
    special.contains(&unsigned)
        || is_timestamp(text)
        || unsigned.strip_prefix("0b").is_some_and(|d| digits(d, 2))
        || unsigned.strip_prefix("0x").is_some_and(|d| digits(d, 16))
        || unsigned.strip_prefix("0o").is_some_and(|d| digits(d, 8))
        || (unsigned.starts_with(|c: char| c.is_ascii_digit())
            && unsigned.contains(['_', ':'])
            && unsigned
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '_' | ':' | '.')))
}

/// A YAML 1.1 timestamp: `2006-1-2`, optionally followed by `T`, `t` or a
/// space and a time.
fn is_timestamp(text: &str) -> bool {
    let (date, time) = match text.find(['T', 't', ' ']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let digits = |s: &str, lengths: std::ops::RangeInclusive<usize>| {
        lengths.contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit())
    };
    matches!(parts.as_slice(), [y, m, d] if digits(y, 4..=4) && digits(m, 1..=2) && digits(d, 1..=2))
        && time.is_none_or(|t| t.trim_start().starts_with(|c: char| c.is_ascii_digit()))
}

fn quote(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

/// True when `text` can be written as a plain scalar and read back unchanged.
/// A leading `-` followed by anything but a space starts a plain scalar (`-1`
/// stays a number, `--flag` a string); `---` and `...` would end a document.
fn is_plain_safe(text: &str) -> bool {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let dash_starts_plain =
        first == '-' && chars.next().is_some_and(|c| c != ' ') && !text.starts_with("---");
    (dash_starts_plain || !"-?:,[]{}#&*!|>'\"%@` ".contains(first))
        && !text.starts_with("...")
        && !text.ends_with([' ', ':'])
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.chars().any(|c| c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, SourceFile};
    use crate::yaml::{LoadLimits, load_yaml};

    #[test]
    fn round_trips_through_the_loader() {
        let text = "a: 1\nb: \"1\"\nc: [x, {d: e, f: [g]}]\nh: {}\ni: \"x: y\"\nj: ~\nk: |\n  two\n  lines\nl: 'true'\nretries: -1\nneg: -0.5\ndash: -x\nflag: --x\ndots: \"...\"\nmarker: \"---\"\nitem: \"- x\"\n";
        let source = SourceFile::new("t.yaml", text);
        let node = load_yaml(FileId(0), &source, LoadLimits::default())
            .documents
            .remove(0)
            .root;
        let emitted = to_yaml(&node);
        let again = load_yaml(
            FileId(0),
            &SourceFile::new("u.yaml", emitted.as_str()),
            LoadLimits::default(),
        );
        assert!(again.errors.is_empty(), "{emitted}");
        assert_eq!(
            again.documents[0].root.to_json(),
            node.to_json(),
            "{emitted}"
        );
        assert!(emitted.contains("retries: -1\n"), "{emitted}");
    }

    fn emitted(text: &str) -> String {
        let source = SourceFile::new("t.yaml", text);
        let node = load_yaml(FileId(0), &source, LoadLimits::default())
            .documents
            .remove(0)
            .root;
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
        assert_eq!(emitted("k: \" a\\nb\""), "k: \" a\\nb\"\n");
        assert_eq!(emitted("k: \"\\n  a\\nb\""), "k: \"\\n  a\\nb\"\n");
    }

    #[test]
    fn kubectl_order_sorts_every_mappings_keys() {
        let source = SourceFile::new(
            "t.yaml",
            "kind: A\nmetadata: {name: x, labels: {b: 1, a: 2}}\napiVersion: v1\nitems: [{z: 1, y: 2}]\n",
        );
        let node = load_yaml(FileId(0), &source, LoadLimits::default())
            .documents
            .remove(0)
            .root;
        assert_eq!(
            to_kubectl_yaml(&node),
            "apiVersion: v1\nitems:\n- y: 2\n  z: 1\nkind: A\nmetadata:\n  labels:\n    a: 2\n    b: 1\n  name: x\n"
        );
    }

    #[test]
    fn null_keys_keep_their_spelling() {
        let source = SourceFile::new("t.yaml", "~: a\nnull: b\nk: ~\n");
        let node = load_yaml(FileId(0), &source, LoadLimits::default())
            .documents
            .remove(0)
            .root;
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
        let source = SourceFile::new("t.yaml", text.as_str());
        let node = load_yaml(FileId(0), &source, LoadLimits::default())
            .documents
            .remove(0)
            .root;
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
