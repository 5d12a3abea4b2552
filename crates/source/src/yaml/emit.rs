//! Writes spanned trees back as block-style YAML (for `fleet-lint build`).
//! Strings are written plain when that reads back as the same string, else
//! double-quoted with JSON escapes (which YAML accepts).

use super::{Node, ScalarStyle, Value, plain_scalar_to_json};

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
            out.push_str(&inline(value));
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
                out.push_str(&inline(item));
                out.push('\n');
            }
        }
    }
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
/// (both would be written `null` as values).
fn key_text(node: &Node) -> String {
    match &node.value {
        Value::Scalar(text, ScalarStyle::Plain) if is_plain_safe(text) => text.to_string(),
        _ => scalar_text(node),
    }
}

fn scalar_text(node: &Node) -> String {
    match &node.value {
        Value::Scalar(_, ScalarStyle::Plain) if node.is_null() => "null".into(),
        Value::Scalar(text, ScalarStyle::Plain) if is_plain_safe(text) => text.to_string(),
        Value::Scalar(text, _) if is_plain_safe(text) && plain_scalar_to_json(text).is_string() => {
            text.to_string()
        }
        Value::Scalar(text, _) => quote(text),
        _ => quote(&node.to_json().to_string()),
    }
}

fn quote(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

/// True when `text` can be written as a plain scalar and read back unchanged.
/// A leading `-` followed by anything but a space or another `-` starts a
/// plain scalar (`-1` stays a number); `---` and `...` would end a document.
fn is_plain_safe(text: &str) -> bool {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let dash_starts_plain = first == '-' && chars.next().is_some_and(|c| c != ' ' && c != '-');
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

    #[test]
    fn null_keys_keep_their_spelling() {
        let source = SourceFile::new("t.yaml", "~: a\nnull: b\nk: ~\n");
        let node = load_yaml(FileId(0), &source, LoadLimits::default())
            .documents
            .remove(0)
            .root;
        assert_eq!(to_yaml(&node), "~: a\nnull: b\nk: null\n");
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
