//! `configMapGenerator` and `secretGenerator`: the generated objects exist in
//! the build with their data, each value spanned at its literal, file or
//! dotenv line, so secret rules see (and point at) generated Secrets.
//! Each is marked for the name hash (`name_hash`), which the top-level
//! build appends.

use crate::base64;
use crate::context::Context;
use crate::problem::{Problem, ProblemKind};
use crate::resolver::Objects;
use crate::source::{FileId, Span};
use crate::yaml::{Entry, Node};
use crate::{Resource, list};

/// Runs both generators of kustomization `k`: returns the created objects and
/// applies `behavior: merge|replace` entries to `acc` in place. Also reports
/// the generator fields that fleet-lint does not evaluate.
pub(super) fn run(r: &mut Context, dir: &str, k: &Node, acc: &mut Objects) -> Objects {
    let options = k.get("generatorOptions");
    let mut created = Objects::new();
    for (field, kind) in [
        ("configMapGenerator", "ConfigMap"),
        ("secretGenerator", "Secret"),
    ] {
        for entry in list(k, field) {
            if let Some(resource) = generate(r, dir, entry, kind, options) {
                match entry
                    .get("behavior")
                    .and_then(Node::as_str)
                    .unwrap_or("create")
                {
                    "merge" | "replace" => merge_into(r, &mut acc.resources, resource, entry),
                    _ => created.resources.push(resource),
                }
            }
        }
    }
    for field in ["helmCharts", "helmChartInflationGenerator", "generators"] {
        if let Some(entry) = k.entry(field) {
            created.complete = false;
            r.report(Problem::new(
                ProblemKind::NotEvaluated,
                entry.key.span,
                format!("`{field}` is not rendered by fleet-lint; the objects it would generate are not checked"),
            ));
        }
    }
    created
}

/// One generated object.
fn generate(
    r: &mut Context,
    dir: &str,
    entry: &Node,
    kind: &str,
    options: Option<&Node>,
) -> Option<Resource> {
    let Some(name) = entry.get("name").and_then(Node::as_str) else {
        r.invalid(entry.span, format!("a {kind} generator needs a `name`"));
        return None;
    };
    let span = entry.get("name").map_or(entry.span, |n| n.span);
    let values = values(r, dir, entry).into_iter().map(|(key, value)| {
        let value = if kind == "Secret" {
            Node::string(
                &base64_in_lines(value.as_str().unwrap_or("").as_bytes()),
                value.span,
            )
        } else {
            value
        };
        (key, value)
    });
    let data = Node::map_of(span, values);
    let mut metadata = Node::empty_map(span);
    metadata.set("name", Node::string(name, span));
    if let Some(namespace) = entry.get("namespace") {
        metadata.set("namespace", namespace.clone());
    }
    for field in ["labels", "annotations"] {
        let merged = merged_option(options, entry, field);
        if !merged.as_map().is_some_and(<[_]>::is_empty) {
            metadata.set(field, merged);
        }
    }
    let mut object = Node::empty_map(span);
    object.set("apiVersion", Node::string("v1", span));
    object.set("kind", Node::string(kind, span));
    object.set("metadata", metadata);
    if kind == "Secret" {
        let secret_type = entry
            .get("type")
            .cloned()
            .unwrap_or_else(|| Node::string("Opaque", span));
        object.set("type", secret_type);
    }
    object.set("data", data);
    let mut resource = Resource::new(object, span);
    resource.generated = true;
    resource.name_hash = !disables_name_hash(options, entry);
    Some(resource)
}

/// `disableNameSuffixHash`, the entry's own option over `generatorOptions`.
fn disables_name_hash(options: Option<&Node>, entry: &Node) -> bool {
    let option = |source: Option<&Node>| {
        source
            .and_then(|o| o.get("disableNameSuffixHash"))
            .map(|v| v.to_json() == serde_json::Value::Bool(true))
    };
    option(entry.get("options"))
        .or_else(|| option(options))
        .unwrap_or(false)
}

/// Base64 as kustomize writes a generated Secret's value: in lines of 70
/// characters, each ending with a line break, once it is 70 or longer.
fn base64_in_lines(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let encoded = base64::encode(bytes);
    if encoded.len() < LINE {
        return encoded;
    }
    let mut out = String::with_capacity(encoded.len() + encoded.len() / LINE + 1);
    for start in (0..encoded.len()).step_by(LINE) {
        out.push_str(&encoded[start..encoded.len().min(start + LINE)]);
        out.push('\n');
    }
    out
}

/// Generator option `field` (labels, annotations): `generatorOptions` then the entry's own.
fn merged_option(options: Option<&Node>, entry: &Node, field: &str) -> Node {
    let items = [options, entry.get("options")]
        .into_iter()
        .flatten()
        .flat_map(|source| source.get(field).and_then(Node::as_map).unwrap_or_default());
    Node::map_of(entry.span, keyed(items))
}

/// The entries of `items` whose key is a scalar, as (key, value) pairs.
fn keyed<'a>(items: impl IntoIterator<Item = &'a Entry>) -> impl Iterator<Item = (String, Node)> {
    items
        .into_iter()
        .filter_map(|item| Some((item.key.as_str()?.to_string(), item.value.clone())))
}

/// The (key, value) pairs of a generator entry, in kustomize's order:
/// literals, files, then env files.
fn values(r: &mut Context, dir: &str, entry: &Node) -> Vec<(String, Node)> {
    let mut out = Vec::new();
    for literal in list(entry, "literals") {
        let Some(text) = literal.as_str() else {
            continue;
        };
        match text.split_once('=') {
            Some((key, value)) => {
                out.push((key.to_string(), Node::string(unquote(value), literal.span)))
            }
            None => r.invalid(literal.span, "a literal must have the form `KEY=VALUE`"),
        }
    }
    for item in list(entry, "files") {
        let Some(text) = item.as_str() else { continue };
        let (key, path) = match text.split_once('=') {
            Some((key, path)) => (key.to_string(), path),
            None => (super::paths::file_name(text).to_string(), text),
        };
        let path_node = Node::string(path, item.span);
        if let Some(file) = r.referenced_file(dir, &path_node, false) {
            let source = r.source(file);
            out.push((key, Node::string(&source.text, first_line(r, file))));
        }
    }
    let env_files = list(entry, "envs").iter().chain(entry.get("env"));
    for item in env_files {
        if let Some(file) = r.referenced_file(dir, item, false) {
            out.extend(dotenv(r, file));
        }
    }
    out
}

/// The pairs of a dotenv file, each spanned at its line.
fn dotenv(r: &Context, file: FileId) -> Vec<(String, Node)> {
    let source = r.source(file);
    (1..=source.line_count() as u32)
        .filter_map(|line| {
            let text = source.line_text(line);
            let trimmed = text.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                return None;
            }
            let (key, value) = trimmed.split_once('=').unwrap_or((trimmed, ""));
            let span = Span {
                file,
                start: source.pos(line, 0),
                end: source.pos(line, text.chars().count() as u32),
            };
            Some((key.trim().to_string(), Node::string(unquote(value), span)))
        })
        .collect()
}

fn first_line(r: &Context, file: FileId) -> Span {
    let source = r.source(file);
    Span {
        file,
        start: source.pos(1, 0),
        end: source.pos(1, source.line_text(1).chars().count() as u32),
    }
}

/// Kustomize strips one pair of matching quotes around a literal value.
fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

/// `behavior: merge` or `replace`: updates the object of the same kind and name.
fn merge_into(r: &mut Context, acc: &mut [Resource], generated: Resource, entry: &Node) {
    let behavior = entry
        .get("behavior")
        .and_then(Node::as_str)
        .unwrap_or("merge");
    let Some(existing) = acc.iter_mut().find(|e| {
        e.kind() == generated.kind()
            && e.name() == generated.name()
            && e.namespace() == generated.namespace()
    }) else {
        r.invalid(
            generated.origin,
            format!(
                "`behavior: {behavior}` needs a {} named `{}` from a base; there is none",
                generated.kind(),
                generated.name()
            ),
        );
        return;
    };
    let new_data = generated.node.get("data").cloned();
    match (behavior, new_data) {
        ("replace", Some(data)) => existing.node_mut().set("data", data),
        (_, Some(data)) => {
            let span = data.span;
            if let Some(target) = existing.node_mut().map_entry("data", span) {
                target.set_all(keyed(data.as_map().unwrap_or_default()));
            }
        }
        (_, None) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::base64_in_lines;

    #[test]
    fn long_secret_values_are_in_lines_of_70_as_kustomize_writes_them() {
        assert_eq!(base64_in_lines(b"short"), "c2hvcnQ=");
        let lines = base64_in_lines(&[b'x'; 60]);
        let lengths: Vec<usize> = lines.split_terminator('\n').map(str::len).collect();
        assert_eq!(lengths, [70, 10]);
        assert!(lines.ends_with('\n'));
    }
}
