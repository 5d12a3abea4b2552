//! From a JSON Schema error to a place in the manifest: the error's instance
//! path walked through the spanned tree. Errors about keys (unknown or
//! missing) point at a key, as users read them: the unknown key itself, or
//! the key that should hold the missing one.

use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;

use super::message;
use super::{Target, Violation};
use crate::source::Span;
use crate::yaml::{Node, Value};

/// The violations one schema error stands for (one per unknown key).
pub(super) fn violations(
    object: &Node,
    schema: &serde_json::Value,
    error: &ValidationError,
) -> Vec<Violation> {
    let Some(target) = walk(object, error) else {
        return Vec::new();
    };
    let echo_values = object.get("kind").and_then(Node::as_str) != Some("Secret");
    if mentions_a_variable(target.node) {
        // `${VAR}` left for Flux to substitute: `unresolved-substitution` speaks of it.
        return Vec::new();
    }
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|name| Violation {
                span: key_span(target.node, name).unwrap_or(target.node.span),
                message: message::unknown_field(&target, name, schema, error),
                missing: None,
            })
            .collect(),
        ValidationErrorKind::Required { property } => {
            let field = target.child_path(property.as_str().unwrap_or_default());
            vec![Violation {
                span: holder_span(object, &target),
                message: super::required_message(std::slice::from_ref(&field)),
                missing: Some(field),
            }]
        }
        _ => vec![Violation {
            span: target.node.span,
            message: message::describe(&target, schema, error, echo_values),
            missing: None,
        }],
    }
}

/// The node at the error's instance path, with its key and dotted path.
fn walk<'a>(object: &'a Node, error: &ValidationError) -> Option<Target<'a>> {
    let mut target = Target {
        node: object,
        holder: None,
        path: String::new(),
    };
    for segment in error.instance_path().segments() {
        let (holder, node, step) = match (&target.node.value, segment) {
            (Value::Map(_), segment) => {
                let name = match segment {
                    LocationSegment::Property(name) => name.into_owned(),
                    LocationSegment::Index(index) => index.to_string(),
                };
                let entry = target.node.entry(&name)?;
                let step = target.child_path(&name);
                (Some(entry.key.span), &entry.value, step)
            }
            (Value::Seq(items), LocationSegment::Index(index)) => {
                let step = format!("{}[{index}]", target.path);
                let item = items.get(index)?;
                // A mapping item is named by its first key (its span runs to the next item).
                let first_key = item.as_map().and_then(<[_]>::first).map(|e| e.key.span);
                (Some(first_key.unwrap_or(item.span)), item, step)
            }
            _ => return None,
        };
        target = Target {
            node,
            holder,
            path: step,
        };
    }
    Some(target)
}

fn mentions_a_variable(node: &Node) -> bool {
    matches!(&node.value, Value::Scalar(text, _) if text.contains("${"))
}

/// The span of the key `name` in the mapping `node`.
fn key_span(node: &Node, name: &str) -> Option<Span> {
    node.entry(name).map(|entry| entry.key.span)
}

/// Where to report a missing key: the key holding the mapping that lacks
/// it (or its list item), or the object's `kind:` line at the root.
fn holder_span(object: &Node, target: &Target) -> Span {
    target.holder.unwrap_or_else(|| object.headline())
}
