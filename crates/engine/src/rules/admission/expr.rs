//! CEL for admission policies: compiling a policy's expressions once, the
//! values an expression reads (an object as the API server decodes it), and
//! what an evaluation's error means offline.
//!
//! The evaluator is the `cel` crate with `kube-cel`'s Kubernetes library
//! (strings, lists, sets, regex, `url`, `quantity`, `format`) registered on
//! a root context that each evaluation opens a scope of.

use std::collections::HashMap;
use std::sync::Arc;

use std::cell::RefCell;

use cel::extractors::This;
use cel::objects::{Key, Map};
use cel::{Context, ExecutionError, FunctionContext, Program, Value};
use kube_cel::KubeCelExt;
use regex::Regex;

use crate::source::Span;
use crate::yaml::{self, Node, ScalarStyle};

/// One compiled expression and where it is written.
pub(super) struct Expr {
    pub(super) program: Program,
    /// The expression's text.
    pub(super) source: String,
    /// Its value node in the policy.
    pub(super) at: Span,
}

impl Expr {
    /// Compiles the string at `node`; the error says why the engine cannot.
    pub(super) fn compile(node: &Node) -> Result<Expr, (Span, String)> {
        let source = node.as_str().unwrap_or_default().trim().to_string();
        if source.is_empty() {
            return Err((node.span, "the expression is empty".into()));
        }
        match Program::compile(&source) {
            Ok(program) => Ok(Expr {
                program,
                source,
                at: node.span,
            }),
            Err(error) => Err((node.span, first_line(&error.to_string()))),
        }
    }

    /// The names this expression reads under `variables.`.
    pub(super) fn variables_read(&self) -> Vec<&str> {
        dotted_paths(&self.source, "variables")
            .into_iter()
            .filter_map(|path| path.first().copied())
            .collect()
    }
}

/// How an evaluation ended.
pub(super) enum Outcome {
    Value(Value),
    /// An error the API server would also meet (a missing field, a type
    /// mismatch): the policy's `failurePolicy` decides.
    Failed(String),
    /// Something this engine lacks (a function, `authorizer`, a syntax):
    /// the API server's answer is unknown here.
    Unsupported(String),
}

/// Evaluates `expr` in `scope`.
pub(super) fn evaluate(expr: &Expr, scope: &Context) -> Outcome {
    match expr.program.execute(scope) {
        Ok(value) => Outcome::Value(value),
        Err(ExecutionError::UndeclaredReference(_))
            if expr.program.references().has_variable("authorizer") =>
        {
            Outcome::Unsupported(
                "it asks `authorizer`, the API server's authorization check, which fleet-lint does not have offline".into(),
            )
        }
        Err(ExecutionError::UndeclaredReference(name)) => Outcome::Unsupported(format!(
            "fleet-lint's CEL engine has no `{name}`"
        )),
        Err(ExecutionError::UnsupportedFunctionCallIdentifierType(_))
        | Err(ExecutionError::UnsupportedFieldsConstruction(_)) => {
            Outcome::Unsupported("fleet-lint's CEL engine cannot evaluate this call".into())
        }
        Err(error) => Outcome::Failed(error.to_string()),
    }
}

/// The context every evaluation opens a scope of: CEL's standard library and
/// the Kubernetes one, with `matches` compiling each pattern once per thread
/// (the `cel` crate compiles it at every call: a third of a 1 000-tenant
/// run with one `matches` policy bound).
pub(super) fn root_context() -> Context<'static> {
    let mut context = Context::default();
    context.register_all();
    context.add_function("matches", matches);
    context
}

/// How many compiled patterns a thread keeps before it starts over.
const PATTERNS_KEPT: usize = 256;

thread_local! {
    static PATTERNS: RefCell<HashMap<Arc<String>, Option<Regex>>> = RefCell::new(HashMap::new());
}

fn matches(
    ftx: &FunctionContext,
    This(this): This<Arc<String>>,
    pattern: Arc<String>,
) -> Result<bool, ExecutionError> {
    PATTERNS.with(|patterns| {
        let mut patterns = patterns.borrow_mut();
        if patterns.len() >= PATTERNS_KEPT && !patterns.contains_key(&pattern) {
            patterns.clear();
        }
        let compiled = patterns
            .entry(pattern.clone())
            .or_insert_with(|| Regex::new(&pattern).ok());
        match compiled {
            Some(regex) => Ok(regex.is_match(&this)),
            None => Err(ftx.error(format!("'{pattern}' is not a valid regex"))),
        }
    })
}

/// The parts of `object` the expressions in `sources` read, when every one
/// of their uses of `object` is a field path (`object.spec.url`,
/// `has(object.spec.kubeConfig)`): `None` when one uses it whole
/// (`object == oldObject`, `size(object)`), and the whole object is needed.
pub(super) fn object_paths<'s>(
    sources: impl IntoIterator<Item = &'s str>,
) -> Option<Vec<Vec<String>>> {
    let mut paths = Vec::new();
    for source in sources {
        let found = dotted_paths(source, "object");
        if found.len() != uses_of(source, "object").len() {
            return None;
        }
        paths.extend(
            found
                .into_iter()
                .map(|p| p.into_iter().map(str::to_string).collect::<Vec<_>>()),
        );
    }
    paths.sort();
    paths.dedup();
    Some(paths)
}

/// `node` as [`value_of`] makes it, holding only the subtrees at `paths`
/// (and the mappings on the way to them): what an expression that reads only
/// those paths sees the same as the whole object, missing keys included.
pub(super) fn pruned_value_of(node: &Node, paths: &[Vec<String>]) -> Value {
    if paths.iter().any(Vec::is_empty) {
        return value_of(node);
    }
    let Some(entries) = node.as_map() else {
        return value_of(node);
    };
    let map: HashMap<Key, Value> = entries
        .iter()
        .filter_map(|e| {
            let key = e.key.as_str()?;
            let below: Vec<Vec<String>> = paths
                .iter()
                .filter(|p| p[0] == key)
                .map(|p| p[1..].to_vec())
                .collect();
            (!below.is_empty()).then(|| {
                (
                    Key::String(Arc::new(key.to_string())),
                    pruned_value_of(&e.value, &below),
                )
            })
        })
        .collect();
    Value::Map(Map { map: Arc::new(map) })
}

/// `node` as the API server decodes it: plain scalars typed by YAML's core
/// schema, quoted and block scalars as strings.
pub(super) fn value_of(node: &Node) -> Value {
    match &node.value {
        yaml::Value::Scalar(text, ScalarStyle::Plain) => {
            json_scalar(&yaml::plain_scalar_to_json(text))
        }
        yaml::Value::Scalar(text, _) => Value::String(Arc::new(text.to_string())),
        yaml::Value::Seq(items) => Value::List(Arc::new(items.iter().map(value_of).collect())),
        yaml::Value::Map(entries) => {
            let map: HashMap<Key, Value> = entries
                .iter()
                .map(|e| {
                    let key = e.key.as_str().unwrap_or_default().to_string();
                    (Key::String(Arc::new(key)), value_of(&e.value))
                })
                .collect();
            Value::Map(Map { map: Arc::new(map) })
        }
    }
}

fn json_scalar(json: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match json {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .or_else(|| n.as_f64().map(Value::Float))
            .unwrap_or(Value::Null),
        J::String(s) => Value::String(Arc::new(s.clone())),
        J::Array(_) | J::Object(_) => Value::Null,
    }
}

/// A map value of string keys.
pub(super) fn map_of<'a>(entries: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    let map: HashMap<Key, Value> = entries
        .into_iter()
        .map(|(k, v)| (Key::String(Arc::new(k.to_string())), v))
        .collect();
    Value::Map(Map { map: Arc::new(map) })
}

/// A string value.
pub(super) fn string(text: &str) -> Value {
    Value::String(Arc::new(text.to_string()))
}

/// Every `root.a.b` path the text reads, as its keys (`object.spec.url` ->
/// `["spec", "url"]` for root `object`); `has(object.x)` reads `x` too.
/// Text inside string literals is skipped.
pub(super) fn dotted_paths<'s>(source: &'s str, root: &str) -> Vec<Vec<&'s str>> {
    let bytes = source.as_bytes();
    let mut paths = Vec::new();
    for at in uses_of(source, root) {
        let mut keys = Vec::new();
        let mut j = at + root.len();
        while bytes.get(j) == Some(&b'.') {
            let start = j + 1;
            let end = start + bytes[start..].iter().take_while(|&&b| is_ident(b)).count();
            if end == start {
                break;
            }
            keys.push(&source[start..end]);
            j = end;
        }
        // A method call ends the path: `object.spec.url.startsWith(...)`.
        if bytes.get(j) == Some(&b'(') {
            keys.pop();
        }
        if !keys.is_empty() {
            paths.push(keys);
        }
    }
    paths
}

/// Where `root` stands as an identifier of its own in `source` (outside
/// string literals, not as a field `x.object` or part of a name): the byte
/// offsets of its uses.
fn uses_of(source: &str, root: &str) -> Vec<usize> {
    let bytes = source.as_bytes();
    let mut uses = Vec::new();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None => {
                let starts_word = i == 0 || !(is_ident(bytes[i - 1]) || bytes[i - 1] == b'.');
                let ends_word = bytes.get(i + root.len()).is_none_or(|&n| !is_ident(n));
                if starts_word && bytes[i..].starts_with(root.as_bytes()) && ends_word {
                    uses.push(i);
                    i += root.len();
                    continue;
                }
            }
        }
        i += 1;
    }
    uses
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_paths_stop_at_methods_and_skip_strings() {
        let paths = dotted_paths(
            "object.spec.url.startsWith('object.x') && has(object.spec.kubeConfig)",
            "object",
        );
        assert_eq!(paths, vec![vec!["spec", "url"], vec!["spec", "kubeConfig"]]);
        assert!(dotted_paths("oldobject.spec", "object").is_empty());
        assert!(dotted_paths("request.object.spec", "object").is_empty());
        // Bytes of a character outside ASCII are never a place to cut the text at.
        assert_eq!(
            dotted_paths("ü == object.spec.é", "object"),
            vec![vec!["spec"]]
        );
    }

    #[test]
    fn objects_are_pruned_to_the_paths_read_unless_used_whole() {
        assert_eq!(
            object_paths([
                "object.spec.url.startsWith('x')",
                "has(object.spec.kubeConfig)"
            ]),
            Some(vec![
                vec!["spec".to_string(), "kubeConfig".to_string()],
                vec!["spec".to_string(), "url".to_string()],
            ])
        );
        assert_eq!(object_paths(["size(object) > 0"]), None);
        assert_eq!(object_paths(["'object' == request.name"]), Some(vec![]));
        let node = crate::testing::parse_first("kind: X\nspec:\n  url: u\n  other: {a: 1}\n");
        let paths = object_paths(["object.spec.url"]).unwrap_or_default();
        let root = root_context();
        let mut scope = root.new_inner_scope();
        scope.add_variable_from_value("object", pruned_value_of(&node, &paths));
        let run = |text: &str| {
            let node = Node::string(text, Span::file_start(crate::source::FileId(0)));
            evaluate(&Expr::compile(&node).map_err(|e| e.1).unwrap(), &scope)
        };
        assert!(matches!(
            run("object.spec.url == 'u'"),
            Outcome::Value(Value::Bool(true))
        ));
        assert!(matches!(
            run("has(object.spec.other)"),
            Outcome::Value(Value::Bool(false))
        ));
    }

    #[test]
    fn kubernetes_library_and_unknown_functions() {
        let root = root_context();
        let scope = root.new_inner_scope();
        let run = |text: &str| {
            let node = Node::string(text, Span::file_start(crate::source::FileId(0)));
            evaluate(&Expr::compile(&node).map_err(|e| e.1).unwrap(), &scope)
        };
        assert!(matches!(
            run("url('https://a.io/x').getHost() == 'a.io'"),
            Outcome::Value(Value::Bool(true))
        ));
        assert!(matches!(run("frobnicate(1)"), Outcome::Unsupported(_)));
        assert!(matches!(
            run("'ab'.matches('^a') && !'ab'.matches('^b')"),
            Outcome::Value(Value::Bool(true))
        ));
        assert!(matches!(run("'ab'.matches('(')"), Outcome::Failed(_)));
        assert!(matches!(run("{'a': 1}.b"), Outcome::Failed(_)));
    }
}
