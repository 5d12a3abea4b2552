//! `validate.deny` conditions, a documented subset of Kyverno's.
//!
//! A key is `{{ request.object.<path> }}` (or a literal): dotted fields,
//! `"quoted.keys"`, and `[]` to take every element of a list. Operators:
//! `Equals`, `NotEquals`, `In`/`AnyIn`, `AllIn`, `NotIn`/`AllNotIn`,
//! `AnyNotIn`, `GreaterThan`, `GreaterThanOrEquals`, `LessThan`,
//! `LessThanOrEquals`; values may use `*` and `?` wildcards. The object is
//! denied when every `all` condition holds and, if there are `any`
//! conditions, at least one of them does. JMESPath functions, `||` defaults
//! and other variables are not evaluated: the loader reports them.

use crate::source::Span;
use crate::yaml::Node;

#[derive(Debug, Default)]
pub(crate) struct Conditions {
    pub any: Vec<Condition>,
    pub all: Vec<Condition>,
}

#[derive(Debug)]
pub(crate) struct Condition {
    pub key: String,
    pub(crate) operator: Operator,
    /// The values to compare with (one, or a list).
    pub values: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Operator {
    Equals,
    NotEquals,
    AnyIn,
    AllIn,
    AllNotIn,
    AnyNotIn,
    GreaterThan,
    GreaterThanOrEquals,
    LessThan,
    LessThanOrEquals,
}

impl Operator {
    pub(crate) fn parse(name: &str) -> Option<Operator> {
        Some(match name {
            "Equals" | "Equal" => Operator::Equals,
            "NotEquals" | "NotEqual" => Operator::NotEquals,
            "In" | "AnyIn" => Operator::AnyIn,
            "AllIn" => Operator::AllIn,
            "NotIn" | "AllNotIn" => Operator::AllNotIn,
            "AnyNotIn" => Operator::AnyNotIn,
            "GreaterThan" => Operator::GreaterThan,
            "GreaterThanOrEquals" => Operator::GreaterThanOrEquals,
            "LessThan" => Operator::LessThan,
            "LessThanOrEquals" => Operator::LessThanOrEquals,
            _ => return None,
        })
    }
}

/// Whether `expr` is a key this subset evaluates.
pub(crate) fn supported_key(expr: &str) -> bool {
    match variable(expr) {
        Some(inner) => {
            inner.starts_with("request.object") && !inner.contains(['|', '(', '@', '&', '?'])
        }
        None => !expr.contains("{{"),
    }
}

/// The inside of `{{ ... }}`, if `expr` is one variable.
fn variable(expr: &str) -> Option<&str> {
    let inner = expr.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    Some(inner.trim())
}

/// The nodes `expr` (`request.object.a.b[].c`, with or without braces) selects in `object`.
pub(crate) fn values<'a>(expr: &str, object: &'a Node) -> Vec<&'a Node> {
    let inner = variable(expr).unwrap_or(expr.trim());
    let Some(path) = inner.strip_prefix("request.object") else {
        return Vec::new();
    };
    let mut current = vec![object];
    for segment in split_path(path.trim_start_matches('.')) {
        let (field, flatten) = match segment.strip_suffix("[]") {
            Some(f) => (f, true),
            None => (segment.as_str(), false),
        };
        let field = field.trim_matches('"');
        current = current
            .into_iter()
            .filter_map(|n| {
                if field.is_empty() {
                    Some(n)
                } else {
                    n.get(field)
                }
            })
            .collect();
        if flatten {
            current = current
                .into_iter()
                .flat_map(|n| n.as_seq().unwrap_or_default())
                .collect();
        }
    }
    current
}

/// Splits `a."b.c"[].d` into `a`, `"b.c"[]`, `d`.
fn split_path(path: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in path.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            '.' if !quoted => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

impl Condition {
    /// Whether the condition holds for `object`, and the span it read.
    fn holds(&self, object: &Node) -> (bool, Option<Span>) {
        let nodes = if variable(&self.key).is_some() {
            values(&self.key, object)
        } else {
            Vec::new()
        };
        let span = nodes.first().map(|n| n.span);
        let found: Vec<&str> = if variable(&self.key).is_some() {
            nodes.iter().filter_map(|n| n.as_str()).collect()
        } else {
            vec![self.key.as_str()]
        };
        let listed = |v: &str| self.values.iter().any(|p| super::pattern::wildcard(p, v));
        let number = |v: &str| v.trim().parse::<f64>().ok();
        let compare = |holds: fn(f64, f64) -> bool| match (
            found.first().and_then(|v| number(v)),
            self.values.first().and_then(|v| number(v)),
        ) {
            (Some(a), Some(b)) => holds(a, b),
            _ => false,
        };
        let first = found.first().copied().unwrap_or("");
        let result = match self.operator {
            Operator::Equals => listed(first) && found.len() <= 1,
            Operator::NotEquals => !(listed(first) && found.len() <= 1),
            Operator::AnyIn => found.iter().any(|v| listed(v)),
            Operator::AllIn => !found.is_empty() && found.iter().all(|v| listed(v)),
            Operator::AllNotIn => found.iter().all(|v| !listed(v)),
            Operator::AnyNotIn => found.iter().any(|v| !listed(v)),
            Operator::GreaterThan => compare(|a, b| a > b),
            Operator::GreaterThanOrEquals => compare(|a, b| a >= b),
            Operator::LessThan => compare(|a, b| a < b),
            Operator::LessThanOrEquals => compare(|a, b| a <= b),
        };
        (result, span)
    }
}

impl Conditions {
    /// Where to report when `object` is denied: the first key's value, else its `kind:` line.
    pub(crate) fn denies(&self, object: &Node) -> Option<Span> {
        let mut span = None;
        for condition in &self.all {
            let (holds, at) = condition.holds(object);
            if !holds {
                return None;
            }
            span = span.or(at);
        }
        if !self.any.is_empty() {
            let hit = self.any.iter().map(|c| c.holds(object)).find(|(h, _)| *h)?;
            span = span.or(hit.1);
        }
        (!self.all.is_empty() || !self.any.is_empty())
            .then(|| span.unwrap_or_else(|| object.headline()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::parse_first;

    fn condition(key: &str, operator: &str, values: &[&str]) -> Condition {
        Condition {
            key: key.into(),
            operator: Operator::parse(operator).expect("operator"),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn denied(all: Vec<Condition>, any: Vec<Condition>, object: &str) -> Option<u32> {
        Conditions { any, all }
            .denies(&parse_first(object))
            .map(|s| s.start.line)
    }

    const RELEASE: &str = "kind: HelmRelease\nmetadata:\n  namespace: team-a\nspec:\n  interval: 10m\n  maxHistory: 20\n  valuesFrom:\n    - kind: Secret\n    - kind: ConfigMap\n";

    #[test]
    fn each_operator() {
        let key = "{{ request.object.metadata.namespace }}";
        let kinds = "{{ request.object.spec.valuesFrom[].kind }}";
        let history = "{{request.object.spec.maxHistory}}";
        let cases = [
            (condition(key, "Equals", &["team-*"]), Some(3)),
            (condition(key, "NotEquals", &["team-a"]), None),
            (condition(kinds, "AnyIn", &["Secret"]), Some(8)),
            (condition(kinds, "AllIn", &["Secret", "ConfigMap"]), Some(8)),
            (condition(kinds, "AllIn", &["Secret"]), None),
            (condition(kinds, "AllNotIn", &["Vault"]), Some(8)),
            (condition(kinds, "AnyNotIn", &["Secret"]), Some(8)),
            (condition(kinds, "NotIn", &["Secret"]), None),
            (condition(history, "GreaterThan", &["10"]), Some(6)),
            (condition(history, "LessThanOrEquals", &["10"]), None),
            (condition(history, "GreaterThanOrEquals", &["20"]), Some(6)),
            (condition(history, "LessThan", &["5"]), None),
        ];
        for (c, expected) in cases {
            let text = format!("{} {:?} {:?}", c.key, c.operator, c.values);
            assert_eq!(denied(vec![c], vec![], RELEASE), expected, "{text}");
        }
    }

    #[test]
    fn all_and_any_combine() {
        let ns = || {
            condition(
                "{{ request.object.metadata.namespace }}",
                "Equals",
                &["team-a"],
            )
        };
        let none = || condition("{{ request.object.spec.interval }}", "Equals", &["1h"]);
        assert_eq!(denied(vec![ns()], vec![none()], RELEASE), None);
        assert_eq!(denied(vec![ns()], vec![none(), ns()], RELEASE), Some(3));
        assert!(supported_key("{{ request.object.spec.x[].y }}"));
        assert!(!supported_key("{{ request.object.spec.x || `false` }}"));
        assert!(!supported_key("{{ serviceAccountName }}"));
    }
}
