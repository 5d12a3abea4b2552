//! Messages for schema errors, written for the person who wrote the
//! manifest: the field's dotted path, what it must be, and (for short,
//! non-secret values) what it is. Values are echoed only for type, enum and
//! duration errors on scalars: a URL or key failing a pattern may hold a
//! credential.

use jsonschema::ValidationError;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value as Json;

use super::Target;
use crate::yaml::{Node, Value};

/// The pattern `common.json` gives durations (Go's `time.ParseDuration`, as
/// the Flux CRDs restrict it).
pub(super) const DURATION_PATTERN: &str = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";

/// The most accepted values a message lists (the 32 provider types are not).
const ENUM_LISTED: usize = 8;

/// The longest value a message repeats.
const ECHO_LIMIT: usize = 40;

/// `spec.sourceRef.kindd` is not a field: names the closest known field.
pub(super) fn unknown_field(
    target: &Target,
    name: &str,
    schema: &Json,
    error: &ValidationError,
) -> String {
    let known: Vec<String> = schema_at(schema, error)
        .and_then(|parent| parent.get("properties"))
        .and_then(Json::as_object)
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default();
    let hint = crate::suggest::did_you_mean(name, known.iter().map(String::as_str), 3);
    let place = if target.path.is_empty() {
        "at the top level".to_string()
    } else {
        format!("in `{}`", target.path)
    };
    format!("unknown field `{name}` {place}{hint}")
}

/// Every other error: what the field at `target` must be. `echo_values`
/// is false for Secrets: their values are never repeated.
pub(super) fn describe(
    target: &Target,
    schema: &Json,
    error: &ValidationError,
    echo_values: bool,
) -> String {
    let field = if target.path.is_empty() {
        "the object".to_string()
    } else {
        format!("`{}`", target.path)
    };
    let got = || {
        echo(target.node)
            .filter(|_| echo_values)
            .map_or_else(String::new, |v| format!(", got `{v}`"))
    };
    match error.kind() {
        _ if is_duration(schema, error) => {
            format!("{field} must be a duration like `5m` or `1h30m`{}", got())
        }
        ValidationErrorKind::Type { kind } => {
            format!("{field} must be {}{}", type_name(kind), got())
        }
        ValidationErrorKind::Enum { options } => {
            let values: Vec<String> = match options.as_array() {
                Some(values) => values.iter().map(plain).collect(),
                None => vec![plain(options)],
            };
            // Enum values are short and alike (`github`, `gitlab`): only hint
            // at a near miss, one edit per five characters.
            let hint = echo(target.node).map_or_else(String::new, |value| {
                let edits = (value.chars().count() / 5).max(1);
                crate::suggest::did_you_mean(value, values.iter().map(String::as_str), edits)
            });
            let accepted = if values.len() <= ENUM_LISTED {
                let quoted: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
                format!("one of {}", quoted.join(", "))
            } else {
                format!("one of its {} accepted values", values.len())
            };
            format!("{field} must be {accepted}{}{hint}", got())
        }
        ValidationErrorKind::Constant { expected_value } => {
            format!("{field} must be `{}`", plain(expected_value))
        }
        ValidationErrorKind::Pattern { .. } => match description(schema, error) {
            Some(what) => format!("{field} must be {what}"),
            None => format!("{field} has a value this field does not accept"),
        },
        ValidationErrorKind::MinLength { limit } => {
            format!("{field} must have at least {limit} characters")
        }
        ValidationErrorKind::MaxLength { limit } => {
            format!("{field} must have at most {limit} characters")
        }
        ValidationErrorKind::MinItems { limit } => {
            format!("{field} must have at least {limit} items")
        }
        ValidationErrorKind::Minimum { limit } => format!("{field} must be at least {limit}"),
        ValidationErrorKind::Maximum { limit } => format!("{field} must be at most {limit}"),
        ValidationErrorKind::OneOfNotValid { .. }
        | ValidationErrorKind::OneOfMultipleValid { .. } => match exclusive_fields(schema, error) {
            Some(names) => format!("{field} must set exactly one of {names}"),
            None => format!("{field} matches none or several of the accepted shapes"),
        },
        // The library's own text repeats the value, which may be a credential.
        _ => match description(schema, error) {
            Some(what) => format!("{field} must be {what}"),
            None => {
                let path = error.schema_path().as_str();
                let keyword = path.rsplit('/').next().unwrap_or(path);
                format!("{field} does not satisfy `{keyword}` in its schema")
            }
        },
    }
}

/// The schema object whose keyword failed (the error's schema path minus
/// the keyword). The path is within the document holding the keyword: the
/// object's schema, or `common.json` for its shared definitions.
fn schema_at<'s>(schema: &'s Json, error: &ValidationError) -> Option<&'s Json> {
    let path = error.schema_path().as_str();
    let parent = path.rsplit_once('/').map_or("", |(parent, _)| parent);
    schema
        .pointer(parent)
        .or_else(|| super::embedded::common()?.pointer(parent))
}

/// Whether the failing subschema is a duration (by type or by pattern).
fn is_duration(schema: &Json, error: &ValidationError) -> bool {
    schema_at(schema, error)
        .and_then(|parent| parent.get("pattern"))
        .is_some_and(|pattern| pattern == DURATION_PATTERN)
}

/// A failing subschema's `description`, used as "must be <description>".
fn description(schema: &Json, error: &ValidationError) -> Option<String> {
    schema_at(schema, error)?
        .get("description")?
        .as_str()
        .map(str::to_string)
}

/// `oneOf: [{required: [a]}, {required: [b]}]` as "`a` and `b`".
fn exclusive_fields(schema: &Json, error: &ValidationError) -> Option<String> {
    let alternatives = schema.pointer(error.schema_path().as_str())?.as_array()?;
    let names: Option<Vec<String>> = alternatives
        .iter()
        .map(|alternative| {
            let required = alternative.get("required")?.as_array()?;
            match required.as_slice() {
                [only] => only.as_str().map(|name| format!("`{name}`")),
                _ => None,
            }
        })
        .collect();
    Some(names?.join(" and "))
}

fn type_name(kind: &TypeKind) -> String {
    let article = |name: String| match name.as_str() {
        "array" | "object" | "integer" => format!("an {name}"),
        "null" => name,
        _ => format!("a {name}"),
    };
    match kind {
        TypeKind::Single(single) => article(single.to_string()),
        TypeKind::Multiple(set) => {
            let names: Vec<String> = set.iter().map(|t| article(t.to_string())).collect();
            names.join(" or ")
        }
    }
}

fn plain(value: &Json) -> String {
    match value {
        Json::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A short scalar's text, to repeat in a message.
fn echo(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Scalar(text, _) if text.chars().count() <= ECHO_LIMIT && !text.contains('\n') => {
            Some(text)
        }
        _ => None,
    }
}
