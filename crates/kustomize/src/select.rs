//! Patch targets: `group`, `version`, `kind`, `name` and `namespace` are
//! regular expressions anchored at both ends; `labelSelector` and
//! `annotationSelector` use Kubernetes selector syntax (`a=b`, `a!=b`, `a`,
//! `!a`, `a in (x,y)`, `a notin (x,y)`).

use std::collections::HashMap;

use regex::Regex;

use super::Resource;
use crate::yaml::Node;

/// A compiled `target`.
pub struct Selector {
    fields: Vec<(Field, Pattern)>,
    /// `name` when it is a plain name (no regular expression operator), which
    /// only an object of that name (now or before a rename) matches.
    literal_name: Option<String>,
    labels: Vec<Requirement>,
    annotations: Vec<Requirement>,
}

#[derive(Clone, Copy)]
enum Field {
    Group,
    Version,
    Kind,
    Name,
    Namespace,
}

/// One field's pattern: a plain name (letters, digits, `-`, `_`, which
/// anchored match only themselves) compared as text, else the regular
/// expression (compiling one per patch target was a visible cost where a
/// kustomization has a patch per tenant).
enum Pattern {
    Text(String),
    Regex(Regex),
}

impl Pattern {
    fn is_match(&self, value: &str) -> bool {
        match self {
            Pattern::Text(text) => text == value,
            Pattern::Regex(regex) => regex.is_match(value),
        }
    }
}

/// True for a pattern with no regular expression operator in it.
fn is_plain(pattern: &str) -> bool {
    pattern
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

impl Selector {
    /// Compiles a `target` mapping; the error names the field that does not compile.
    pub fn parse(target: &Node) -> Result<Selector, String> {
        let mut fields = Vec::new();
        let mut literal_name = None;
        for (key, field) in [
            ("group", Field::Group),
            ("version", Field::Version),
            ("kind", Field::Kind),
            ("name", Field::Name),
            ("namespace", Field::Namespace),
        ] {
            if let Some(pattern) = target.get(key).and_then(Node::as_str) {
                let plain = is_plain(pattern);
                let compiled = if plain {
                    Pattern::Text(pattern.to_string())
                } else {
                    let regex = Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
                        format!("`target.{key}` is not a valid regular expression: {e}")
                    })?;
                    Pattern::Regex(regex)
                };
                fields.push((field, compiled));
                if key == "name" && !pattern.is_empty() && plain {
                    literal_name = Some(pattern.to_string());
                }
            }
        }
        let requirements = |key: &str| {
            target.get(key).and_then(Node::as_str).map_or_else(
                || Ok(Vec::new()),
                |s| parse_requirements(s).map_err(|e| format!("`target.{key}`: {e}")),
            )
        };
        Ok(Selector {
            fields,
            literal_name,
            labels: requirements("labelSelector")?,
            annotations: requirements("annotationSelector")?,
        })
    }

    /// The one name an object must have (or have had) to match, when the
    /// target's `name` is a plain name rather than a pattern.
    pub fn literal_name(&self) -> Option<&str> {
        self.literal_name.as_deref()
    }

    pub fn matches(&self, resource: &Resource) -> bool {
        let (group, version) = resource.group_version();
        self.fields.iter().all(|(field, pattern)| match field {
            Field::Group => pattern.is_match(group),
            Field::Version => pattern.is_match(version),
            Field::Kind => pattern.is_match(resource.kind()),
            Field::Name => {
                pattern.is_match(resource.name())
                    || resource.earlier_names.iter().any(|n| pattern.is_match(n))
            }
            Field::Namespace => pattern.is_match(resource.namespace()),
        }) && self.labels.iter().all(|r| r.matches(resource, "labels"))
            && self
                .annotations
                .iter()
                .all(|r| r.matches(resource, "annotations"))
    }
}

/// The objects of a build by every name they have or had, so a patch that
/// names its target finds it without testing every object (a kustomization
/// with a patch per tenant is otherwise patches x objects). A superset: the
/// candidates are still tested with [`Selector::matches`]. Rebuilt when
/// objects were deleted (indices moved); [`NameIndex::note`] adds the names
/// a patch gave the objects it changed.
pub(crate) struct NameIndex {
    by_name: HashMap<String, Vec<usize>>,
    indexed: usize,
}

impl NameIndex {
    pub(crate) fn new() -> NameIndex {
        NameIndex {
            by_name: HashMap::new(),
            indexed: usize::MAX,
        }
    }

    /// The indices, ascending, of the objects that have or had `name`.
    pub(crate) fn candidates(&mut self, objects: &[Resource], name: &str) -> Vec<usize> {
        if self.indexed != objects.len() {
            self.by_name.clear();
            self.note(objects, 0..objects.len());
            self.indexed = objects.len();
        }
        let mut found = self.by_name.get(name).cloned().unwrap_or_default();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Indexes `objects[i]` under its current and earlier names, for each `i`.
    pub(crate) fn note(&mut self, objects: &[Resource], indices: impl IntoIterator<Item = usize>) {
        for i in indices {
            let resource = &objects[i];
            for name in std::iter::once(resource.name())
                .chain(resource.earlier_names.iter().map(String::as_str))
            {
                let listed = self.by_name.entry(name.to_string()).or_default();
                if listed.last() != Some(&i) {
                    listed.push(i);
                }
            }
        }
    }
}

impl Requirement {
    fn matches(&self, resource: &Resource, field: &str) -> bool {
        let value = |key: &str| resource.metadata_value(field, key);
        match self {
            Requirement::Equals(k, v) => value(k) == Some(v),
            Requirement::NotEquals(k, v) => value(k) != Some(v),
            Requirement::Exists(k) => value(k).is_some(),
            Requirement::NotExists(k) => value(k).is_none(),
            Requirement::In(k, vs) => value(k).is_some_and(|v| vs.iter().any(|x| x == v)),
            Requirement::NotIn(k, vs) => value(k).is_none_or(|v| vs.iter().all(|x| x != v)),
        }
    }
}

/// Splits at commas outside parentheses.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

fn parse_requirements(text: &str) -> Result<Vec<Requirement>, String> {
    split_top_level(text)
        .into_iter()
        .map(parse_requirement)
        .collect()
}

fn parse_requirement(part: &str) -> Result<Requirement, String> {
    let set = |rest: &str| -> Result<Vec<String>, String> {
        let inner = rest
            .trim()
            .strip_prefix('(')
            .and_then(|r| r.strip_suffix(')'))
            .ok_or_else(|| format!("bad set in `{part}`"))?;
        Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
    };
    if let Some((key, rest)) = part.split_once(" notin ") {
        return Ok(Requirement::NotIn(key.trim().into(), set(rest)?));
    }
    if let Some((key, rest)) = part.split_once(" in ") {
        return Ok(Requirement::In(key.trim().into(), set(rest)?));
    }
    if let Some((key, value)) = part.split_once("!=") {
        return Ok(Requirement::NotEquals(
            key.trim().into(),
            value.trim().into(),
        ));
    }
    if let Some((key, value)) = part.split_once("==").or_else(|| part.split_once('=')) {
        return Ok(Requirement::Equals(key.trim().into(), value.trim().into()));
    }
    match part.strip_prefix('!') {
        Some(key) => Ok(Requirement::NotExists(key.trim().into())),
        None => Ok(Requirement::Exists(part.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use fleet_lint_source::testing::parse_first as node;

    fn resource(text: &str) -> Resource {
        let n = node(text);
        let span = n.span;
        Resource::new(n, span)
    }

    #[test]
    fn anchored_regex_and_label_selectors() {
        let r = resource(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-one\n  labels: {tier: web}\n",
        );
        let sel = |t| Selector::parse(&node(t)).expect("compiles");
        assert!(sel("name: app-.*").matches(&r));
        assert!(!sel("name: app").matches(&r));
        assert!(sel("group: apps\nkind: Deploy.*").matches(&r));
        assert!(sel("labelSelector: tier in (web, api),!legacy").matches(&r));
        assert!(!sel("labelSelector: tier=api").matches(&r));
        assert!(Selector::parse(&node("name: '('")).is_err());
    }

    #[test]
    fn a_plain_pattern_matches_the_whole_value_as_a_regex_would() {
        let r = resource("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-one\n");
        let sel = |t| Selector::parse(&node(t)).expect("compiles");
        assert!(sel("name: app-one\nkind: ConfigMap\nversion: v1").matches(&r));
        assert!(!sel("name: app").matches(&r));
        assert!(!sel("name: app-one-two").matches(&r));
        assert!(!sel("kind: configmap").matches(&r));
        assert!(sel("group: ''").matches(&r));
        assert!(!sel("namespace: default").matches(&r));
    }
}
