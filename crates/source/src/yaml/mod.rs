//! The spanned YAML tree: every mapping key, value and sequence item carries the
//! [`Span`] it was read from, so every later stage can point at the exact key.
//!
//! Nodes are cheap to clone for Kustomize patches: a scalar of up to 24
//! bytes, most keys and values, is held inline, and a copy shares the
//! children of a mapping or sequence until it changes them ([`Children`]); a node
//! copied from another file keeps its original span, so a built object knows, per
//! field, whether the value came from the base, a patch or a generator.

mod children;
mod emit;
mod emit_scalar;
mod load;

pub use children::Children;
pub use emit::{to_kubectl_yaml, to_yaml};
pub use load::{LoadLimits, LoadedFile, YamlError, load_yaml, quoted_len};

use std::collections::HashMap;

use compact_str::CompactString;

use crate::source::Span;

/// How a scalar was written, which decides its type under the YAML 1.2 core schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    /// Written without quotes.
    Plain,
    /// Single- or double-quoted.
    Quoted,
    /// A literal (`|`) or folded (`>`) block.
    Block,
}

/// What a node holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A scalar, as it reads (escapes and folding applied), and how it was written.
    Scalar(CompactString, ScalarStyle),
    /// A sequence.
    Seq(Children<Node>),
    /// A mapping, its entries in file order.
    Map(Children<Entry>),
}

/// A mapping entry: key and value, each with its own span.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The key, with its own span.
    pub key: Node,
    /// The value, with its own span.
    pub value: Node,
}

/// A YAML node and where it is written.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Where the node is written.
    pub span: Span,
    /// What it holds.
    pub value: Value,
}

impl Node {
    /// The scalar's text, whatever its type (`"3"` for `3`, `""` for `~`).
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s, _) if !self.is_null() => Some(s),
            _ => None,
        }
    }

    /// True for a scalar that reads `text` (`as_str() == Some(text)`, testing
    /// for null only when the text matches: mapping keys are compared often).
    pub fn reads(&self, text: &str) -> bool {
        matches!(&self.value, Value::Scalar(s, _) if **s == *text) && !self.is_null()
    }

    /// True for `~`, `null`, `Null`, `NULL` and an empty plain scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s, ScalarStyle::Plain)
            if matches!(&**s, "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The items, if a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The entries, if a mapping.
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The entry under scalar key `key` of a mapping.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key.reads(key))
    }

    /// The value under scalar key `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The value at a path of mapping keys, e.g. `["spec", "serviceAccountName"]`.
    pub fn get_path(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    /// A string scalar at `span`.
    pub fn string(text: &str, span: Span) -> Node {
        Node {
            span,
            value: Value::Scalar(text.into(), ScalarStyle::Quoted),
        }
    }

    /// An empty mapping at `span`.
    pub fn empty_map(span: Span) -> Node {
        Node {
            span,
            value: Value::Map(Children::new()),
        }
    }

    /// A mapping at `span` of `pairs`, as [`Node::set`] one after the other
    /// would make it (see [`Node::set_all`]).
    pub fn map_of(span: Span, pairs: impl IntoIterator<Item = (String, Node)>) -> Node {
        let mut map = Node::empty_map(span);
        map.set_all(pairs);
        map
    }

    /// [`Node::set`] for each of `pairs` in turn (a key set twice keeps its
    /// first place and its last value), copying the entries once: a
    /// generator's data can have thousands. No-op on non-mappings.
    pub fn set_all(&mut self, pairs: impl IntoIterator<Item = (String, Node)>) {
        let Value::Map(entries) = &mut self.value else {
            return;
        };
        entries.edit(|entries| {
            let mut index: HashMap<String, usize> = HashMap::new();
            for (at, entry) in entries.iter().enumerate() {
                if let Some(key) = entry.key.as_str() {
                    index.entry(key.to_string()).or_insert(at);
                }
            }
            for (key, value) in pairs {
                match index.get(&key) {
                    Some(&at) => entries[at].value = value,
                    None => {
                        let entry = Entry {
                            key: Node::string(&key, value.span),
                            value,
                        };
                        index.insert(key, entries.len());
                        entries.push(entry);
                    }
                }
            }
        });
    }

    /// The entry under scalar key `key` of a mapping, mutable.
    fn entry_mut(&mut self, key: &str) -> Option<&mut Entry> {
        // Found first, so that a shared mapping is copied only to change it.
        let index = self.as_map()?.iter().position(|e| e.key.reads(key))?;
        match &mut self.value {
            Value::Map(entries) => entries.get_mut(index),
            _ => None,
        }
    }

    /// The value under `key`, mutable, if a mapping holds it.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.entry_mut(key).map(|e| &mut e.value)
    }

    /// Sets `key` of a mapping to `value` (replacing an existing entry, else
    /// appending one whose key shares the value's span). No-op on non-mappings.
    pub fn set(&mut self, key: &str, value: Node) {
        if let Some(entry) = self.entry_mut(key) {
            entry.value = value;
        } else if let Value::Map(entries) = &mut self.value {
            entries.push(Entry {
                key: Node::string(key, value.span),
                value,
            });
        }
    }

    /// The mapping under `key`, created (at `span`) when missing or not a mapping.
    pub fn map_entry(&mut self, key: &str, span: Span) -> Option<&mut Node> {
        if self.get(key).and_then(Node::as_map).is_none() {
            self.set(key, Node::empty_map(span));
        }
        self.get_mut(key)
    }

    /// Removes `key` from a mapping; returns the removed value.
    pub fn remove(&mut self, key: &str) -> Option<Node> {
        let Value::Map(entries) = &mut self.value else {
            return None;
        };
        let index = entries.iter().position(|e| e.key.reads(key))?;
        Some(entries.remove(index).value)
    }

    /// Where a finding about this whole object points: its `kind:` key, else
    /// its first key, else the node itself.
    pub fn headline(&self) -> Span {
        let first = self.as_map().and_then(<[Entry]>::first).map(|e| e.key.span);
        self.entry("kind")
            .map(|e| e.key.span)
            .or(first)
            .unwrap_or(self.span)
    }

    /// The node as JSON, with plain scalars typed by the YAML 1.2 core schema.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Scalar(s, ScalarStyle::Plain) => plain_scalar_to_json(s),
            Value::Scalar(s, _) => J::String(s.to_string()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (key_text(&e.key).into_owned(), e.value.to_json()))
                    .collect(),
            ),
        }
    }
}

/// What tells a key apart from the others (the loader's duplicate check,
/// the JSON form, the emitter): a scalar's own text, null spellings included
/// (`~` and `null` are two keys, two empty keys are one); a collection's
/// JSON text (two `? [a]` keys are one), in which the keys of nested
/// collections stand as their own such text, not escaped again (escaping at
/// every level doubled the text per level: 24 mappings nested as keys took
/// a second, 30 a minute).
pub(crate) fn key_text(key: &Node) -> std::borrow::Cow<'_, str> {
    match &key.value {
        Value::Scalar(s, _) => std::borrow::Cow::Borrowed(s),
        _ => {
            let mut out = String::new();
            write_collection_key(key, &mut out);
            std::borrow::Cow::Owned(out)
        }
    }
}

fn write_collection_key(node: &Node, out: &mut String) {
    match &node.value {
        Value::Scalar(..) => out.push_str(&node.to_json().to_string()),
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_collection_key(item, out);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (i, entry) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                match &entry.key.value {
                    Value::Scalar(text, _) => {
                        out.push_str(&serde_json::Value::from(&**text).to_string());
                    }
                    _ => write_collection_key(&entry.key, out),
                }
                out.push(':');
                write_collection_key(&entry.value, out);
            }
            out.push('}');
        }
    }
}

/// Types a plain scalar as the YAML 1.2 core schema does (and as Kubernetes'
/// YAML libraries do for the forms that matter in manifests).
pub fn plain_scalar_to_json(s: &str) -> serde_json::Value {
    use serde_json::Value as J;
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return J::Null,
        "true" | "True" | "TRUE" => return J::Bool(true),
        "false" | "False" | "FALSE" => return J::Bool(false),
        _ => {}
    }
    if let Some(n) = parse_int(s) {
        return J::Number(n.into());
    }
    let looks_float = s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && s.bytes().any(|b| b.is_ascii_digit());
    if looks_float && let Some(n) = s.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
        return J::Number(n);
    }
    J::String(s.to_string())
}

fn parse_int(s: &str) -> Option<i64> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let value = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()?
    } else {
        return None;
    };
    Some(if neg { -value } else { value })
}

/// One YAML document of a file.
#[derive(Clone, Debug)]
pub struct Document {
    /// 0-based index of the document in its file.
    pub index: usize,
    /// The document's root node, shared with the objects built from it
    /// (a build copies an object only to change it).
    pub root: std::sync::Arc<Node>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    #[test]
    fn a_mapping_made_at_once_is_the_one_setting_each_key_makes() {
        let span = |line| Span::file_start(FileId(line));
        let pairs = [("b", 1), ("a", 2), ("b", 3), ("c", 4)]
            .map(|(key, line)| (key.to_string(), Node::string(&line.to_string(), span(line))));
        let mut by_setting = Node::empty_map(span(0));
        for (key, value) in pairs.clone() {
            by_setting.set(&key, value);
        }
        let at_once = Node::map_of(span(0), pairs);
        assert_eq!(at_once, by_setting);
        let keys: Vec<&str> = at_once
            .as_map()
            .unwrap_or_default()
            .iter()
            .filter_map(|e| e.key.as_str())
            .collect();
        assert_eq!(keys, ["b", "a", "c"]);
        assert_eq!(at_once.get("b").and_then(Node::as_str), Some("3"));
    }
}
