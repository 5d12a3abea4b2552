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

/// What substituting into one object did.
#[derive(Debug, Default)]
pub struct Substituted {
    /// The references that stayed unresolved.
    pub unresolved: Vec<Unresolved>,
    /// The first scalar left as written because substituting it would have
    /// grown the text past the budget.
    pub over_budget: Option<Span>,
}

/// Substitutes `vars` into every scalar and key of `node`, growing the text
/// by at most `budget` bytes (what is left of it is written back): a scalar
/// whose substitution would exceed it is left as written.
pub fn substitute(
    node: &mut Node,
    vars: &BTreeMap<String, String>,
    budget: &mut usize,
) -> Substituted {
    let mut done = Substituted::default();
    walk(node, vars, budget, &mut done);
    done
}

/// True when a scalar or key of `node` holds `${`: only then can
/// [`substitute`] change it (so a shared object is copied only then).
pub fn mentions_variables(node: &Node) -> bool {
    match &node.value {
        Value::Scalar(text, _) => text.contains("${"),
        Value::Seq(items) => items.iter().any(mentions_variables),
        Value::Map(entries) => entries
            .iter()
            .any(|e| mentions_variables(&e.key) || mentions_variables(&e.value)),
    }
}

fn walk(
    node: &mut Node,
    vars: &BTreeMap<String, String>,
    budget: &mut usize,
    done: &mut Substituted,
) {
    // A node that mentions none is left shared, uncopied.
    if !mentions_variables(node) {
        return;
    }
    let span = node.span;
    match &mut node.value {
        Value::Scalar(text, _) => {
            if text.contains("${") {
                let (out, missing) = expand(text, vars);
                let growth = out.len().saturating_sub(text.len());
                if growth > *budget {
                    done.over_budget.get_or_insert(span);
                    return;
                }
                *budget -= growth;
                let found = missing.into_iter().map(|name| Unresolved { name, span });
                done.unresolved.extend(found);
                *text = out.into();
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(|i| walk(i, vars, budget, done)),
        Value::Map(entries) => {
            for entry in entries {
                walk(&mut entry.key, vars, budget, done);
                walk(&mut entry.value, vars, budget, done);
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
    fn a_substitution_past_the_budget_is_left_as_written() {
        // `${cluster}` (10 bytes) becomes 18 bytes: 8 of the budget each time.
        let long = BTreeMap::from([("cluster".to_string(), "production-eu-west".to_string())]);
        let mut node = crate::testing::parse_first("a: ${cluster}\nb: ${cluster}\n");
        let mut budget = 10;
        let done = substitute(&mut node, &long, &mut budget);
        let value = |key: &str| node.get(key).and_then(Node::as_str).map(str::to_string);
        assert_eq!(value("a").as_deref(), Some("production-eu-west"));
        assert_eq!(value("b").as_deref(), Some("${cluster}"));
        assert_eq!(done.over_budget, node.get("b").map(|n| n.span));
        assert_eq!(budget, 2);
    }

    #[test]
    fn unset_variables_without_default_stay_and_are_reported() {
        let (out, missing) = expand("${region}/${cluster}/${#cluster}", &vars());
        assert_eq!(out, "${region}/prod/${#cluster}");
        assert_eq!(missing, ["region"]);
    }
}
