//! Builds the spanned tree from saphyr-parser's pull events.
//!
//! Untrusted input is the norm here, so the builder never recurses and never
//! calls saphyr's recursive `load`: it keeps its own stack, stops at a depth cap,
//! and expands aliases only within a node budget (a "billion laughs" file is a
//! finding, not an out-of-memory abort). Duplicate keys are reported at the
//! second key, with the first as a related location.

use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle as SaphyrStyle};

use super::{Document, Entry, Node, ScalarStyle, Value, key_text};
use crate::source::{FileId, SourceFile, Span};

/// Budgets that keep hostile input from exhausting the stack or memory.
#[derive(Clone, Copy, Debug)]
pub struct LoadLimits {
    /// Deepest nesting of collections accepted.
    pub max_depth: usize,
    /// Most nodes that alias expansion may copy in one file.
    pub max_alias_nodes: usize,
    /// Most bytes of scalar text that alias expansion may copy in one file (a
    /// large scalar aliased many times is few nodes and much memory).
    pub max_alias_bytes: usize,
}

impl Default for LoadLimits {
    fn default() -> Self {
        LoadLimits {
            max_depth: 256,
            max_alias_nodes: 100_000,
            max_alias_bytes: 32 * 1024 * 1024,
        }
    }
}

/// A problem that makes a file not valid YAML (or not safely loadable).
#[derive(Clone, Debug, PartialEq)]
pub struct YamlError {
    /// Where the error is.
    pub span: Span,
    /// What is wrong, in words.
    pub message: String,
    /// A second place worth showing, e.g. the first definition of a duplicate key.
    pub related: Option<(Span, String)>,
}

/// What a file yields: its documents, and the errors that stopped or marred it.
///
/// After a syntax error the documents completed before it are kept; the
/// document that contained it is dropped.
#[derive(Debug, Default)]
pub struct LoadedFile {
    /// The documents read, up to the first error.
    pub documents: Vec<Document>,
    /// What made the file invalid, or stopped its read.
    pub errors: Vec<YamlError>,
}

enum Frame {
    Seq {
        start: Marker,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: Marker,
        anchor: usize,
        entries: Vec<Entry>,
        pending_key: Option<Node>,
        /// Where each scalar key is in `entries`, once the mapping is large
        /// enough for a scan per key to cost (see [`ScalarKeys`]).
        keys: ScalarKeys,
    },
}

/// Finds an earlier scalar key of a mapping: a scan while the mapping is
/// small, a hash index past [`ScalarKeys::SCAN_UP_TO`] keys, so a mapping of
/// 100 000 keys is checked for duplicates in linear time.
#[derive(Default)]
struct ScalarKeys {
    index: Option<HashMap<Box<str>, usize>>,
}

impl ScalarKeys {
    const SCAN_UP_TO: usize = 32;

    /// The entry of `entries` whose key is `text`, if any.
    fn find<'e>(&self, entries: &'e [Entry], text: &str) -> Option<&'e Entry> {
        match &self.index {
            Some(index) => index.get(text).map(|&i| &entries[i]),
            None => entries.iter().find(|e| key_text(&e.key) == text),
        }
    }

    /// Records that `entries[at]` has just been added.
    fn added(&mut self, entries: &[Entry], at: usize) {
        if let Some(index) = &mut self.index {
            index.entry(key_text(&entries[at].key).into()).or_insert(at);
        } else if entries.len() > Self::SCAN_UP_TO {
            let mut index = HashMap::with_capacity(entries.len() * 2);
            for (i, entry) in entries.iter().enumerate() {
                index.entry(key_text(&entry.key).into()).or_insert(i);
            }
            self.index = Some(index);
        }
    }
}

struct Builder<'a> {
    file: FileId,
    source: &'a SourceFile,
    limits: LoadLimits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    alias_nodes_used: usize,
    alias_bytes_used: usize,
    out: LoadedFile,
    document_root: Option<Node>,
}

/// Parses every document of `source` into spanned trees.
pub fn load_yaml(file: FileId, source: &SourceFile, limits: LoadLimits) -> LoadedFile {
    let mut builder = Builder {
        file,
        source,
        limits,
        stack: Vec::new(),
        anchors: HashMap::new(),
        alias_nodes_used: 0,
        alias_bytes_used: 0,
        out: LoadedFile::default(),
        document_root: None,
    };
    for event in Parser::new_from_str(&source.text) {
        let step = match event {
            Ok((event, span)) => builder.on_event(event, span.start, span.end),
            Err(err) => Err(builder.scan_error(*err.marker(), err.info())),
        };
        if let Err(err) = step {
            builder.out.errors.push(err);
            break;
        }
    }
    builder.out
}

impl Builder<'_> {
    fn span(&self, start: Marker, end: Marker) -> Span {
        Span {
            file: self.file,
            start: self.source.pos(start.line() as u32, start.col() as u32),
            end: self.source.pos(end.line() as u32, end.col() as u32),
        }
    }

    fn error_at(&self, at: Marker, message: String) -> YamlError {
        YamlError {
            span: self.span(at, at),
            message,
            related: None,
        }
    }

    /// A parser error, reworded where saphyr's text would puzzle a user and
    /// moved back onto the tab character for tab errors (saphyr marks the
    /// character after it).
    fn scan_error(&self, at: Marker, info: &str) -> YamlError {
        let message = if info == "recursion limit exceeded" {
            "flow collections (`[`, `{`) nested too deeply; fleet-lint stops reading this file"
                .to_string()
        } else {
            info.to_string()
        };
        let mut error = self.error_at(at, message);
        let line = self.source.line_text(error.span.start.line);
        let col = error.span.start.col as usize;
        if info.contains("tab") && col > 0 && line.chars().nth(col - 1) == Some('\t') {
            let tab = self.source.pos(error.span.start.line, col as u32 - 1);
            error.span = Span {
                file: self.file,
                start: tab,
                end: error.span.start,
            };
        }
        error
    }

    fn on_event(&mut self, event: Event<'_>, start: Marker, end: Marker) -> Result<(), YamlError> {
        match event {
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.document_root = None;
            }
            Event::DocumentEnd => {
                if let Some(root) = self.document_root.take()
                    && !root.is_null()
                {
                    let index = self.out.documents.len();
                    self.out.documents.push(Document {
                        index,
                        root: std::sync::Arc::new(root),
                    });
                }
            }
            Event::Scalar(text, style, anchor, _tag) => {
                let style_is_folded = style == SaphyrStyle::Folded;
                let style = match style {
                    SaphyrStyle::Plain => ScalarStyle::Plain,
                    SaphyrStyle::Literal | SaphyrStyle::Folded => ScalarStyle::Block,
                    _ => ScalarStyle::Quoted,
                };
                let mut span = self.span(start, end);
                if style == ScalarStyle::Quoted {
                    // saphyr's end marker can run on past the closing quote
                    // (to a comment after it): end the span at the quote.
                    let from = span.start.offset as usize;
                    if let Some(len) = self.source.text.get(from..).and_then(quoted_len) {
                        span.end = self.source.pos_of_offset(from + len);
                    }
                }
                let text = if style_is_folded {
                    folded_as_go_yaml_reads(&text)
                } else {
                    text.into_owned()
                };
                let node = Node {
                    span,
                    value: Value::Scalar(text.into(), style),
                };
                self.complete(node, anchor)?;
            }
            Event::Alias(anchor) => {
                let node = self.expand_alias(anchor, start, end)?;
                self.complete(node, 0)?;
            }
            Event::SequenceStart(anchor, _) => self.open(
                Frame::Seq {
                    start,
                    anchor,
                    items: Vec::new(),
                },
                start,
            )?,
            Event::MappingStart(anchor, _) => self.open(
                Frame::Map {
                    start,
                    anchor,
                    entries: Vec::new(),
                    pending_key: None,
                    keys: ScalarKeys::default(),
                },
                start,
            )?,
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq {
                        start: s,
                        anchor,
                        items,
                    }) => (
                        Node {
                            span: self.span(s, end),
                            value: Value::Seq(items.into()),
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        start: s,
                        anchor,
                        entries,
                        ..
                    }) => (
                        Node {
                            span: self.span(s, end),
                            value: Value::Map(apply_merge_keys(entries).into()),
                        },
                        anchor,
                    ),
                    None => return Ok(()),
                };
                self.complete(node, anchor)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame, at: Marker) -> Result<(), YamlError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.error_at(
                at,
                format!(
                    "nesting deeper than {} levels; fleet-lint stops reading this file",
                    self.limits.max_depth
                ),
            ));
        }
        self.stack.push(frame);
        Ok(())
    }

    fn expand_alias(
        &mut self,
        anchor: usize,
        start: Marker,
        end: Marker,
    ) -> Result<Node, YamlError> {
        let Some(target) = self.anchors.get(&anchor) else {
            return Err(self.error_at(start, "alias refers to an unknown anchor".into()));
        };
        let budget_left = self.limits.max_alias_nodes - self.alias_nodes_used;
        let bytes_left = self.limits.max_alias_bytes - self.alias_bytes_used;
        let (size, bytes) = alias_cost(target, budget_left + 1);
        if bytes > bytes_left {
            return Err(self.error_at(
                start,
                format!(
                    "aliases copy more than {} MiB of text; fleet-lint stops reading this file",
                    self.limits.max_alias_bytes / (1024 * 1024)
                ),
            ));
        }
        if size > budget_left {
            return Err(self.error_at(
                start,
                format!(
                    "aliases expand to more than {} nodes (a \"billion laughs\" document?); \
                     fleet-lint stops reading this file",
                    self.limits.max_alias_nodes
                ),
            ));
        }
        // An alias copies its anchor's whole subtree: the copy must fit under the
        // depth cap too, or chains of aliases would nest without bound.
        if self.stack.len() + depth_of(target) > self.limits.max_depth {
            return Err(self.error_at(
                start,
                format!(
                    "aliases nest deeper than {} levels; fleet-lint stops reading this file",
                    self.limits.max_depth
                ),
            ));
        }
        self.alias_nodes_used += size;
        self.alias_bytes_used += bytes;
        let mut node = target.clone();
        node.span = self.span(start, end);
        Ok(node)
    }

    /// Places a finished node in its parent (or as the document root).
    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.document_root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                keys,
                ..
            }) => match pending_key.take() {
                None => *pending_key = Some(node),
                Some(key) => {
                    let duplicate = duplicate_of(keys, entries, &key);
                    entries.push(Entry { key, value: node });
                    keys.added(entries, entries.len() - 1);
                    if let Some(first) = duplicate {
                        self.out.errors.push(first);
                    }
                }
            },
        }
        Ok(())
    }
}

/// The error for `key` when `entries` already hold the same scalar key.
/// The length in bytes of the quoted scalar `text` starts with, its quotes
/// included; `None` when `text` does not start with a quote or never closes it.
pub fn quoted_len(text: &str) -> Option<usize> {
    let quote = text.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' if quote == '"' => {
                chars.next();
            }
            '\'' if quote == '\'' && chars.peek().is_some_and(|&(_, n)| n == '\'') => {
                chars.next();
            }
            c if c == quote => return Some(at + 1),
            _ => {}
        }
    }
    None
}

fn duplicate_of(keys: &ScalarKeys, entries: &[Entry], key: &Node) -> Option<YamlError> {
    let text = key_text(key);
    let first = keys.find(entries, &text)?;
    if text == "<<" {
        return None;
    }
    Some(YamlError {
        span: key.span,
        message: format!("duplicate mapping key `{text}`"),
        related: Some((first.key.span, "first defined here".into())),
    })
}

/// Applies YAML merge keys (`<<: *base`), which Kubernetes' YAML libraries honour:
/// keys of the merged mappings are added unless the mapping already has them.
fn apply_merge_keys(entries: Vec<Entry>) -> Vec<Entry> {
    let is_merge =
        |e: &Entry| matches!(&e.key.value, Value::Scalar(s, ScalarStyle::Plain) if &**s == "<<");
    if !entries.iter().any(is_merge) {
        return entries;
    }
    let (merges, mut own): (Vec<Entry>, Vec<Entry>) = entries.into_iter().partition(is_merge);
    for merge in merges {
        let sources: Vec<Node> = match merge.value.value {
            Value::Seq(items) => items.into_vec(),
            other => vec![Node {
                span: merge.value.span,
                value: other,
            }],
        };
        for source in sources {
            let Value::Map(inherited) = source.value else {
                continue;
            };
            for entry in inherited {
                let present = own
                    .iter()
                    .any(|e| e.key.as_str().is_some() && e.key.as_str() == entry.key.as_str());
                if !present {
                    own.push(entry);
                }
            }
        }
    }
    own
}

/// The nesting depth of a tree (a scalar is 0), without recursion.
fn depth_of(node: &Node) -> usize {
    let mut deepest = 0;
    let mut todo = vec![(node, 0)];
    while let Some((n, depth)) = todo.pop() {
        deepest = deepest.max(depth);
        match &n.value {
            Value::Scalar(..) => {}
            Value::Seq(items) => todo.extend(items.iter().map(|i| (i, depth + 1))),
            Value::Map(entries) => todo.extend(entries.iter().map(|e| (&e.value, depth + 1))),
        }
    }
    deepest
}

/// Counts the nodes of a tree, stopping early once `limit` is passed.
/// What copying `node` costs: its nodes (counted up to just past `limit`) and
/// the bytes of its scalars (keys included).
fn alias_cost(node: &Node, limit: usize) -> (usize, usize) {
    let (mut count, mut bytes) = (0, 0);
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        count += 1;
        if count > limit {
            break;
        }
        match &n.value {
            Value::Scalar(text, _) => bytes += text.len(),
            Value::Seq(items) => todo.extend(items),
            Value::Map(entries) => todo.extend(entries.iter().flat_map(|e| [&e.key, &e.value])),
        }
    }
    (count, bytes)
}

/// A folded block (`>`) as go-yaml reads it, which is what Flux applies
/// (kustomize-controller reads every manifest with it): the line break
/// before a more-indented line that follows a line that is not is two line
/// breaks there, where YAML 1.2 (and `text`, as the parser read it) has one.
fn folded_as_go_yaml_reads(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous_more_indented = None;
    for (index, line) in text.split('\n').enumerate() {
        if index > 0 {
            out.push('\n');
        }
        if line.is_empty() {
            continue;
        }
        let more_indented = line.starts_with([' ', '\t']);
        if more_indented && previous_more_indented == Some(false) {
            out.push('\n');
        }
        previous_more_indented = Some(more_indented);
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> LoadedFile {
        let source = SourceFile::new("t.yaml", text);
        load_yaml(FileId(0), &source, LoadLimits::default())
    }

    #[test]
    fn a_key_is_found_by_its_text_and_a_null_key_by_none() {
        let out = load("name: a\nnull: c\n'null': b\n'': d\n");
        let root = &out.documents[0].root;
        assert_eq!(root.get("name").and_then(Node::as_str), Some("a"));
        // The plain `null` key is null itself, passed over; the quoted one is the string.
        assert_eq!(root.get("null").and_then(Node::as_str), Some("b"));
        assert_eq!(root.get("").and_then(Node::as_str), Some("d"));
        assert!(root.get("nam").is_none());
    }

    /// Found by the `template` fuzz target (in its inputs' YAML): mappings
    /// nested as keys (`{{{x}}}`) made key texts that doubled per level,
    /// escaped again at each; 30 levels took a minute, 200 now take no time.
    #[test]
    fn mappings_nested_as_keys_have_key_texts_of_linear_size() {
        let depth = 200;
        let text = format!("a: {}x{}\n", "{".repeat(depth), "}".repeat(depth));
        let out = load(&text);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let json = out.documents[0].root.to_json().to_string();
        assert!(json.len() < 20 * depth, "{} bytes", json.len());
    }

    /// What `kubectl kustomize` (go-yaml) reads from these folded blocks.
    #[test]
    fn folded_blocks_read_as_go_yaml_reads_them() {
        let out = load(
            "a: >-\n  one\n  two\n    more1\n    more2\n  back\n\n    afterblank\n  end\nb: |-\n  x\n    y\n",
        );
        let root = &out.documents[0].root;
        assert_eq!(
            root.get("a").and_then(Node::as_str),
            Some("one two\n\n  more1\n  more2\nback\n\n\n  afterblank\nend")
        );
        assert_eq!(
            root.get("b").and_then(Node::as_str),
            Some("x\n  y"),
            "literal blocks as YAML reads them"
        );
    }

    #[test]
    fn keys_and_values_carry_spans() {
        let out = load("kind: A\nspec:\n  name: é x\n  list: [a, b]\n");
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let root = &out.documents[0].root;
        let name = root.get_path(&["spec", "name"]).unwrap();
        assert_eq!((name.span.start.line, name.span.start.col), (3, 8));
        assert_eq!(name.as_str(), Some("é x"));
        let entry = root.get("spec").unwrap().entry("list").unwrap();
        assert_eq!(
            (entry.key.span.start.line, entry.key.span.start.col),
            (4, 2)
        );
        let b = &entry.value.as_seq().unwrap()[1];
        assert_eq!((b.span.start.col, b.span.end.col), (12, 13));
    }

    #[test]
    fn multi_document_files_keep_every_document() {
        let out = load("a: 1\n---\n---\nb: 2\n");
        assert_eq!(out.documents.len(), 2);
        assert_eq!(out.documents[1].root.get("b").unwrap().span.start.line, 4);
    }

    #[test]
    fn duplicate_keys_point_at_the_second_key() {
        let out = load("a: 1\nb: 2\na: 3\n");
        assert_eq!(out.errors.len(), 1);
        let err = &out.errors[0];
        assert_eq!(err.span.start.line, 3);
        assert_eq!(err.related.as_ref().unwrap().0.start.line, 1);
    }

    /// Found by the `yaml_roundtrip` fuzz target: `:` twice, two empty keys,
    /// passed as one mapping of two entries.
    #[test]
    fn null_keys_are_keys_too() {
        let out = load(":\n:\n");
        assert_eq!(out.errors.len(), 1);
        assert_eq!(out.errors[0].message, "duplicate mapping key ``");
        assert_eq!(out.errors[0].span.start.line, 2);
        // Two spellings of null are two keys, as the JSON form has them.
        assert!(load("~: a\nnull: b\n").errors.is_empty());
        // Equal collection keys are one key.
        let out = load("? [a]\n: 1\n? [a]\n: 2\n");
        assert_eq!(out.errors.len(), 1);
        assert_eq!(out.errors[0].message, "duplicate mapping key `[\"a\"]`");
    }

    #[test]
    fn merge_keys_are_applied() {
        let out = load("base: &b {x: 1, y: 2}\nobj:\n  <<: *b\n  y: 3\n");
        let obj = out.documents[0].root.get("obj").unwrap();
        assert_eq!(obj.get("x").unwrap().as_str(), Some("1"));
        assert_eq!(obj.get("y").unwrap().as_str(), Some("3"));
        assert!(obj.get("<<").is_none());
    }

    #[test]
    fn alias_chains_cannot_nest_past_the_cap() {
        // Each line nests the previous anchor 100 levels deeper.
        let mut text = format!("a0: &a0 {}x{}\n", "[".repeat(100), "]".repeat(100));
        for i in 1..10 {
            text.push_str(&format!(
                "a{i}: &a{i} {}*a{}{}\n",
                "[".repeat(100),
                i - 1,
                "]".repeat(100)
            ));
        }
        let out = load(&text);
        assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
        assert!(
            out.errors[0]
                .message
                .contains("aliases nest deeper than 256")
        );
        assert_eq!(out.errors[0].span.start.line, 3);
    }

    #[test]
    fn aliases_copy_a_bounded_amount_of_text() {
        // A 1 MiB scalar, aliased 40 times: 40 nodes, 40 MiB of copies.
        let mut text = format!("big: &big {}\nrefs:\n", "x".repeat(1024 * 1024));
        for _ in 0..40 {
            text.push_str("  - *big\n");
        }
        let out = load(&text);
        assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
        assert_eq!(
            out.errors[0].message,
            "aliases copy more than 32 MiB of text; fleet-lint stops reading this file"
        );
        // The 33rd alias (line 2 + 33) is the one past the budget.
        assert_eq!(out.errors[0].span.start.line, 35);
        assert!(out.documents.is_empty());
    }

    #[test]
    fn deep_nesting_stops_at_the_cap() {
        let text: String = (0..5000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect();
        let out = load(&text);
        assert_eq!(out.errors.len(), 1);
        assert!(out.errors[0].message.contains("nesting deeper than 256"));
    }
}
