//! Flux post-build variable substitution (fluxcd/pkg envsubst), on spanned trees.
//!
//! Supported forms: `${VAR}`, `${VAR:=default}`, `${VAR=default}`,
//! `${VAR:-default}`, `${VAR-default}`; `$${VAR}` is the literal `${VAR}`.
//! Other operators (`${#var}`, `${var^}`, ...) are left as written and
//! counted as unresolved only when the variable is unset. A substituted
//! scalar keeps its span (where `${VAR}` was written) and, when it was plain,
//! its plain style, so `replicas: ${REPLICAS}` types as a number afterwards.

use std::collections::BTreeMap;

use crate::source::Span;
use crate::yaml::{Node, Value};

/// A `${VAR}` without a default that no variable defines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    /// The variable's name.
    pub name: String,
    /// Where it is used.
    pub span: Span,
}

/// Substitutes `vars` into every scalar and key of `node`; returns the
/// references that stayed unresolved.
pub fn substitute(node: &mut Node, vars: &BTreeMap<String, String>) -> Vec<Unresolved> {
    let mut unresolved = Vec::new();
    walk(node, vars, &mut unresolved);
    unresolved
}

fn walk(node: &mut Node, vars: &BTreeMap<String, String>, unresolved: &mut Vec<Unresolved>) {
    let span = node.span;
    match &mut node.value {
        Value::Scalar(text, _) => {
            if text.contains("${") {
                let (out, missing) = expand(text, vars);
                unresolved.extend(missing.into_iter().map(|name| Unresolved { name, span }));
                *text = out.into_boxed_str();
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(|i| walk(i, vars, unresolved)),
        Value::Map(entries) => {
            for entry in entries {
                walk(&mut entry.key, vars, unresolved);
                walk(&mut entry.value, vars, unresolved);
            }
        }
    }
}

/// Expands the references in `text`; returns the result and the names of
/// variables referenced without a default and not defined.
pub fn expand(text: &str, vars: &BTreeMap<String, String>) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut missing = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(escaped) = tail.strip_prefix("$${") {
            out.push_str("${");
            rest = escaped;
            continue;
        }
        let Some(body_end) = tail.strip_prefix("${").and_then(|b| b.find('}')) else {
            out.push('$');
            rest = &tail[1..];
            continue;
        };
        let body = &tail[2..2 + body_end];
        rest = &tail[2 + body_end + 1..];
        match reference(body) {
            Some((name, default)) => match (vars.get(name), default) {
                (Some(value), _) => out.push_str(value),
                (None, Some(default)) => out.push_str(default),
                (None, None) => {
                    missing.push(name.to_string());
                    out.push_str(&tail[..2 + body_end + 1]);
                }
            },
            // An operator fleet-lint does not evaluate: leave it as written.
            None => out.push_str(&tail[..2 + body_end + 1]),
        }
    }
    out.push_str(rest);
    (out, missing)
}

/// (name, default) of `VAR`, `VAR:=d`, `VAR=d`, `VAR:-d`, `VAR-d`.
fn reference(body: &str) -> Option<(&str, Option<&str>)> {
    let name_end = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(body.len());
    let name = &body[..name_end];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let op = &body[name_end..];
    if op.is_empty() {
        return Some((name, None));
    }
    [":=", "=", ":-", "-"]
        .iter()
        .find_map(|prefix| op.strip_prefix(prefix).map(|default| (name, Some(default))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<String, String> {
        BTreeMap::from([("cluster".into(), "prod".into()), ("n".into(), "3".into())])
    }

    #[test]
    fn expands_every_supported_form() {
        let (out, missing) = expand(
            "${cluster}-${n} ${x:=a} ${x=b} ${x:-c} ${x-d} $${cluster} $HOME",
            &vars(),
        );
        assert_eq!(out, "prod-3 a b c d ${cluster} $HOME");
        assert!(missing.is_empty());
    }

    #[test]
    fn unset_variables_without_default_stay_and_are_reported() {
        let (out, missing) = expand("${region}/${cluster}/${#cluster}", &vars());
        assert_eq!(out, "${region}/prod/${#cluster}");
        assert_eq!(missing, ["region"]);
    }
}
