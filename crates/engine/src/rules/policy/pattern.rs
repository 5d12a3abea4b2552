//! Kyverno's validation pattern language over fleet-lint's spanned tree.
//!
//! A pattern mirrors the object: every plain key must be present and its
//! value must match. Scalars match with `*` and `?` wildcards (`?*`: present
//! and non-empty), `|` alternatives, `&` conjunctions, `!` negation and the
//! numeric comparisons `>`, `>=`, `<`, `<=`. Anchors, as Kyverno defines them:
//!
//! | anchor | meaning |
//! | --- | --- |
//! | `(key)` | conditional: if absent or not matching, the rest of this mapping is skipped |
//! | `=(key)` | equality: if present, it must match |
//! | `X(key)` | negation: must be absent |
//! | `^(key)` | existence: a list of which at least one element matches |
//! | `<(key)` | global: if absent or not matching, the whole rule is skipped |
//!
//! A list pattern applies its element to every element of the object's list.
//! A failure names the exact key or value that failed, with its span.

use crate::source::Span;
use crate::yaml::{Node, Value};

/// Why an object does not match, and where.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Mismatch {
    /// The object's node that failed (its value, or the mapping missing a key).
    pub span: Span,
    /// The path from the object's root: `spec.kubeConfig`.
    pub path: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Outcome {
    Pass,
    /// A global anchor did not hold: the rule does not apply to this object.
    NotApplicable,
    Fail(Mismatch),
}

enum Anchor {
    Plain,
    Conditional,
    Equality,
    Negation,
    Existence,
    Global,
}

fn anchor(key: &str) -> (Anchor, &str) {
    let inner = |prefix: &str| key.strip_prefix(prefix).and_then(|k| k.strip_suffix(')'));
    if let Some(k) = inner("=(") {
        (Anchor::Equality, k)
    } else if let Some(k) = inner("X(") {
        (Anchor::Negation, k)
    } else if let Some(k) = inner("^(") {
        (Anchor::Existence, k)
    } else if let Some(k) = inner("<(") {
        (Anchor::Global, k)
    } else if let Some(k) = inner("(") {
        (Anchor::Conditional, k)
    } else {
        (Anchor::Plain, key)
    }
}

/// Matches `object` against `pattern`.
pub(crate) fn check(pattern: &Node, object: &Node) -> Outcome {
    match walk(pattern, object, "", object.headline()) {
        Step::Pass | Step::Skip => Outcome::Pass,
        Step::SkipRule => Outcome::NotApplicable,
        Step::Fail(m) => Outcome::Fail(m),
    }
}

enum Step {
    Pass,
    /// A conditional anchor did not hold: the enclosing mapping passes.
    Skip,
    SkipRule,
    Fail(Mismatch),
}

fn fail(node: &Node, path: &str, reason: String) -> Step {
    Step::Fail(Mismatch {
        span: node.span,
        path: path.trim_start_matches('.').to_string(),
        reason,
    })
}

/// A key the pattern asks for is missing: point at the mapping that should hold it.
fn missing(at: Span, here: &str) -> Step {
    let path = here.trim_start_matches('.').to_string();
    Step::Fail(Mismatch {
        span: at,
        reason: format!("`{path}` is missing"),
        path,
    })
}

/// Matches `object` against `pattern`; `at` is where to point when a key
/// `object` should have is missing (the key that holds it, or the object's `kind:`).
fn walk(pattern: &Node, object: &Node, path: &str, at: Span) -> Step {
    match (&pattern.value, &object.value) {
        (Value::Map(_), Value::Map(_)) => map(pattern, object, path, at),
        (Value::Map(_), _) => fail(object, path, "expected a mapping".into()),
        (Value::Seq(items), Value::Seq(elements)) => {
            for element in elements {
                for item in items {
                    match walk(item, element, path, element.span) {
                        Step::Pass | Step::Skip => {}
                        other => return other,
                    }
                }
            }
            Step::Pass
        }
        (Value::Seq(_), _) => fail(object, path, "expected a list".into()),
        (Value::Scalar(..), _) => {
            let expected = pattern.as_str().unwrap_or("");
            if scalar_matches(expected, object) {
                Step::Pass
            } else {
                let found = object
                    .as_str()
                    .map_or("a mapping or list".to_string(), |v| format!("`{v}`"));
                fail(
                    object,
                    path,
                    format!("expected `{expected}`, found {found}"),
                )
            }
        }
    }
}

fn map(pattern: &Node, object: &Node, path: &str, at: Span) -> Step {
    let entries = pattern.as_map().unwrap_or_default();
    // Anchors that decide whether the rest applies go first, as in Kyverno
    // (a stable sort keeps the written order otherwise).
    let mut ordered: Vec<(Anchor, &str, &Node)> = entries
        .iter()
        .map(|e| {
            let (kind, key) = anchor(e.key.as_str().unwrap_or(""));
            (kind, key, &e.value)
        })
        .collect();
    ordered.sort_by_key(|(kind, ..)| !matches!(kind, Anchor::Global | Anchor::Conditional));
    for (kind, key, expected) in ordered {
        let here = format!("{path}.{key}");
        let found = object.get(key).filter(|v| !v.is_null());
        let key_at = object.entry(key).map_or(at, |e| e.key.span);
        let step = match (kind, found) {
            (Anchor::Plain, None) => missing(at, &here),
            (Anchor::Plain | Anchor::Equality, Some(value)) => walk(expected, value, &here, key_at),
            (Anchor::Equality, None) => Step::Pass,
            (Anchor::Negation, None) => Step::Pass,
            (Anchor::Negation, Some(_)) => {
                let path = here.trim_start_matches('.').to_string();
                Step::Fail(Mismatch {
                    span: key_at,
                    reason: format!("`{path}` must not be set"),
                    path,
                })
            }
            (Anchor::Conditional, None) => Step::Skip,
            (Anchor::Conditional, Some(value)) => match walk(expected, value, &here, key_at) {
                Step::Fail(_) | Step::Skip => Step::Skip,
                other => other,
            },
            (Anchor::Global, None) => Step::SkipRule,
            (Anchor::Global, Some(value)) => match walk(expected, value, &here, key_at) {
                Step::Fail(_) => Step::SkipRule,
                other => other,
            },
            (Anchor::Existence, None) => missing(at, &here),
            (Anchor::Existence, Some(value)) => exists(expected, value, &here),
        };
        match step {
            Step::Pass => {}
            other => return other,
        }
    }
    Step::Pass
}

/// `^(key)`: at least one element of the object's list matches the pattern's element.
fn exists(pattern: &Node, list: &Node, path: &str) -> Step {
    let (Some(items), Some(elements)) = (pattern.as_seq(), list.as_seq()) else {
        return fail(list, path, "expected a list".into());
    };
    let any = elements.iter().any(|element| {
        items.iter().all(|item| {
            matches!(
                walk(item, element, path, element.span),
                Step::Pass | Step::Skip
            )
        })
    });
    if any {
        Step::Pass
    } else {
        fail(list, path, "no element matches".into())
    }
}

/// A scalar pattern against a node: alternatives (`|`) of conjunctions (`&`)
/// of terms. `*` alone matches any present value, a mapping or list included.
fn scalar_matches(pattern: &str, node: &Node) -> bool {
    let value = node.as_str();
    pattern.split('|').any(|alternative| {
        alternative.split('&').all(|term| {
            let term = term.trim();
            match value {
                Some(v) => term_matches(term, v),
                None => term == "*",
            }
        })
    })
}

fn term_matches(term: &str, value: &str) -> bool {
    for (op, holds) in [
        (">=", (|a: f64, b: f64| a >= b) as fn(f64, f64) -> bool),
        ("<=", |a, b| a <= b),
        (">", |a, b| a > b),
        ("<", |a, b| a < b),
    ] {
        if let Some(bound) = term.strip_prefix(op) {
            return match (number(value), number(bound.trim())) {
                (Some(a), Some(b)) => holds(a, b),
                _ => false,
            };
        }
    }
    if let Some(negated) = term.strip_prefix('!') {
        return !term_matches(negated, value);
    }
    if let (Some(a), Some(b)) = (number(value), number(term)) {
        return a == b;
    }
    wildcard(term, value)
}

fn number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok()
}

/// `*` (any run) and `?` (one character) wildcards.
pub(crate) fn wildcard(pattern: &str, text: &str) -> bool {
    if !pattern.contains(['*', '?']) {
        pattern == text
    } else if pattern.is_ascii() && text.is_ascii() {
        wildcard_in(pattern.as_bytes(), text.as_bytes(), b'*', b'?')
    } else {
        let chars = |s: &str| s.chars().collect::<Vec<char>>();
        wildcard_in(&chars(pattern), &chars(text), '*', '?')
    }
}

/// [`wildcard`] over bytes or characters: backtracks to the last `any_run`.
fn wildcard_in<T: Copy + PartialEq>(p: &[T], t: &[T], any_run: T, any_one: T) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == any_one || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == any_run {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == any_run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::parse_first;

    fn outcome(pattern: &str, object: &str) -> Outcome {
        check(&parse_first(pattern), &parse_first(object))
    }

    fn fails_at(pattern: &str, object: &str) -> (String, u32) {
        match outcome(pattern, object) {
            Outcome::Fail(m) => (m.path, m.span.start.line),
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn wildcards_alternatives_and_comparisons() {
        assert!(wildcard("ghcr.io/*:v?", "ghcr.io/flux:v2"));
        assert!(!wildcard("?*", ""));
        assert!(wildcard("?*", "x"));
        let cases = [
            (
                "https://github.com/fluxcd/?* | ssh://git@github.com:fluxcd/?*",
                "ssh://git@github.com:fluxcd/x",
                true,
            ),
            (
                "https://github.com/fluxcd/?* | ssh://git@github.com:fluxcd/?*",
                "https://gitlab.com/x",
                false,
            ),
            ("!latest", "latest", false),
            ("!latest", "1.2", true),
            (">=2", "3", true),
            (">=2", "1", false),
            ("<10 & >2", "5", true),
            ("<10 & >2", "12", false),
            ("3", "3.0", true),
            ("?*", "", false),
        ];
        for (pattern, value, expected) in cases {
            let node = parse_first(&format!("v: '{value}'"));
            let v = node.get("v").expect("v");
            assert_eq!(scalar_matches(pattern, v), expected, "{pattern} vs {value}");
        }
    }

    #[test]
    fn plain_keys_must_be_present_and_match() {
        assert_eq!(
            outcome("spec: {url: 'https://*'}", "spec: {url: https://x}"),
            Outcome::Pass
        );
        assert_eq!(
            fails_at(
                "spec: {serviceAccountName: '?*'}",
                "kind: HelmRelease\nspec:\n  interval: 1m\n"
            ),
            // The missing key's path, at the mapping that should hold it.
            ("spec.serviceAccountName".into(), 2)
        );
        // A missing top-level key: at the object's `kind:`.
        assert_eq!(
            fails_at("spec: {}", "apiVersion: v1\nkind: ConfigMap\n"),
            ("spec".into(), 2)
        );
        assert_eq!(
            fails_at("spec: {url: 'https://*'}", "spec:\n  url: http://x\n"),
            ("spec.url".into(), 2)
        );
    }

    #[test]
    fn negation_anchor_points_at_the_forbidden_key() {
        let pattern = "spec: {X(kubeConfig): 'null'}";
        assert_eq!(outcome(pattern, "spec: {path: ./x}"), Outcome::Pass);
        assert_eq!(
            fails_at(
                pattern,
                "spec:\n  path: ./x\n  kubeConfig:\n    secretRef: {name: edge}\n"
            ),
            ("spec.kubeConfig".into(), 3)
        );
    }

    #[test]
    fn conditional_anchor_skips_the_mapping() {
        let pattern = "spec: {(type): pagerduty, channel: '${*}'}";
        assert_eq!(
            outcome(pattern, "spec: {type: slack, channel: general}"),
            Outcome::Pass
        );
        assert_eq!(outcome(pattern, "spec: {channel: general}"), Outcome::Pass);
        assert_eq!(
            outcome(pattern, "spec: {type: pagerduty, channel: '${key}'}"),
            Outcome::Pass
        );
        assert_eq!(
            fails_at(pattern, "spec:\n  type: pagerduty\n  channel: abc\n"),
            ("spec.channel".into(), 3)
        );
    }

    #[test]
    fn equality_anchor_checks_only_when_present() {
        let pattern = "spec: {=(suspend): 'false'}";
        assert_eq!(outcome(pattern, "spec: {}"), Outcome::Pass);
        assert_eq!(outcome(pattern, "spec: {suspend: false}"), Outcome::Pass);
        assert_eq!(
            fails_at(pattern, "spec:\n  suspend: true\n"),
            ("spec.suspend".into(), 2)
        );
    }

    #[test]
    fn existence_anchor_needs_one_matching_element() {
        let pattern = "spec: {^(eventSources): [{kind: HelmRelease}]}";
        assert_eq!(
            outcome(
                pattern,
                "spec: {eventSources: [{kind: Kustomization}, {kind: HelmRelease}]}"
            ),
            Outcome::Pass
        );
        assert_eq!(
            fails_at(
                pattern,
                "spec:\n  eventSources:\n    - kind: Kustomization\n"
            ),
            ("spec.eventSources".into(), 3)
        );
    }

    #[test]
    fn global_anchor_makes_the_rule_not_apply() {
        let pattern = "metadata: {<(namespace): 'team-*'}\nspec: {serviceAccountName: '?*'}";
        assert_eq!(
            outcome(pattern, "metadata: {namespace: flux-system}\nspec: {}"),
            Outcome::NotApplicable
        );
        assert_eq!(
            fails_at(
                pattern,
                "metadata: {namespace: team-a}\nspec:\n  interval: 1m\n"
            ),
            ("spec.serviceAccountName".into(), 2)
        );
    }

    #[test]
    fn list_patterns_apply_to_every_element() {
        let pattern = "spec: {valuesFrom: [{kind: 'ConfigMap | Secret'}]}";
        assert_eq!(
            outcome(
                pattern,
                "spec: {valuesFrom: [{kind: Secret}, {kind: ConfigMap}]}"
            ),
            Outcome::Pass
        );
        assert_eq!(
            fails_at(
                pattern,
                "spec:\n  valuesFrom:\n    - kind: Secret\n    - kind: Vault\n"
            ),
            ("spec.valuesFrom.kind".into(), 4)
        );
    }
}
