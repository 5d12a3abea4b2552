//! Reading declarative rules: the embedded ones, users' rule files (fleet-lint
//! form) and Kyverno policies. Everything a file asks for that fleet-lint does
//! not evaluate becomes a `policy-not-evaluated` finding at its place.

use std::sync::LazyLock;

use super::deny::{Condition, Conditions, Operator, supported_key};
use super::{Check, Input, Policy, Scope, Selector};
use crate::config::PathGlobs;
use crate::diag::{Finding, Rule, Severity};
use crate::load::Loaded;
use crate::rules::{BUILTIN_RULES, RuleId};
use crate::source::{FileId, SourceFile, Span};
use crate::yaml::{LoadLimits, Node, load_yaml};

const NOT_EVALUATED: RuleId = RuleId::PolicyNotEvaluated;

static BUILTIN: LazyLock<Vec<Policy>> = LazyLock::new(|| parse_embedded().0);

/// The embedded rules, and the problems reading them (none: a test checks).
fn parse_embedded() -> (Vec<Policy>, Vec<Finding>) {
    let mut problems = Vec::new();
    let embedded = BUILTIN_RULES
        .iter()
        .filter_map(|rule| Some((format!("rules/{}.yaml", rule.id), rule.declarative()?)));
    let policies = embedded
        .flat_map(|(path, text)| {
            let source = SourceFile::new(path, text);
            let loaded = load_yaml(FileId(u32::MAX), &source, LoadLimits::default());
            loaded
                .documents
                .iter()
                .filter_map(|d| native(&d.root, &mut problems))
                .collect::<Vec<_>>()
        })
        .collect();
    (policies, problems)
}

/// The embedded declarative rules.
pub(crate) fn builtin_policies() -> &'static [Policy] {
    &BUILTIN
}

/// The rules in `rule_files` (the files discovery found under the config's
/// `rules.paths`; read now, as manifests are not), with a finding for each
/// part fleet-lint does not evaluate.
pub(crate) fn load_user_policies(
    rule_files: &[crate::discover::Discovered],
    loaded: &mut Loaded,
    options: &crate::load::LoadOptions,
) -> (Vec<Policy>, Vec<Finding>) {
    let files: Vec<FileId> = rule_files
        .iter()
        .map(|file| match loaded.find(&file.rel_path) {
            Some(id) => id,
            None => loaded.load_extra(file, true, options),
        })
        .collect();
    let mut policies = Vec::new();
    let mut problems = Vec::new();
    for id in files {
        let documents = loaded
            .files
            .get(id.0 as usize)
            .map_or(&[][..], |f| &f.documents[..]);
        for doc in documents {
            policies.extend(document_policies(&doc.root, &mut problems));
        }
    }
    (policies, problems)
}

/// The policies one rule-file document defines: a Kyverno ClusterPolicy or
/// Policy, or a fleet-lint rule; what cannot be read goes to `problems`.
pub(crate) fn document_policies(root: &Node, problems: &mut Vec<Finding>) -> Vec<Policy> {
    let api_version = text(root, "apiVersion").unwrap_or("");
    let kind = text(root, "kind").unwrap_or("");
    if api_version.starts_with("kyverno.io/") && matches!(kind, "ClusterPolicy" | "Policy") {
        kyverno(root, problems)
    } else if root.get("validate").is_some() || root.get("id").is_some() {
        native(root, problems).into_iter().collect()
    } else {
        problems.push(problem(
            root.headline(),
            "this document is neither a fleet-lint rule (`id`, `match`, `validate`) nor a Kyverno ClusterPolicy or Policy".into(),
        ));
        Vec::new()
    }
}

fn problem(span: Span, message: String) -> Finding {
    Finding::new(NOT_EVALUATED, Severity::Warning, span, message)
        .with_help("fleet-lint evaluates match/exclude on kinds, names, namespaces, paths, scope and clusters, and validate with pattern, anyPattern or deny")
}

fn text<'a>(node: &'a Node, key: &str) -> Option<&'a str> {
    node.get(key).and_then(Node::as_str)
}

fn texts(node: Option<&Node>) -> Vec<String> {
    match node {
        Some(n) => match n.as_seq() {
            Some(items) => items
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_string)
                .collect(),
            None => n.as_str().map(|s| vec![s.to_string()]).unwrap_or_default(),
        },
        None => Vec::new(),
    }
}

/// A rule in fleet-lint's form.
fn native(root: &Node, problems: &mut Vec<Finding>) -> Option<Policy> {
    let Some(id) = text(root, "id") else {
        problems.push(problem(
            root.headline(),
            "a fleet-lint rule needs an `id`".into(),
        ));
        return None;
    };
    let written = text(root, "severity").unwrap_or("error");
    let Some(severity) = Severity::parse(written) else {
        problems.push(problem(
            root.get("severity").map_or(root.span, |n| n.span),
            format!("rule {id}: severity `{written}` is not error, warning or info"),
        ));
        return None;
    };
    let Some(validate) = root.get("validate") else {
        problems.push(problem(
            root.headline(),
            format!("rule {id} has no `validate`; the rule is skipped"),
        ));
        return None;
    };
    let select = match root.get("match") {
        Some(m) => vec![selector(m, problems)?],
        None => vec![Selector::default()],
    };
    let exclude = match root.get("exclude") {
        Some(m) => vec![selector(m, problems)?],
        None => Vec::new(),
    };
    let check = check(id, validate, problems)?;
    let message = text(validate, "message").unwrap_or(id).to_string();
    let input = input(id, root, &select, &message, problems)?;
    let fix = match root.get("fix") {
        None => None,
        Some(_) if input != Input::Files => {
            problems.push(problem(
                root.get("fix").map_or(root.span, |n| n.span),
                format!("rule {id}: a fix rewrites files as written, so it needs `input: files`; the fix is skipped"),
            ));
            None
        }
        Some(node) => match crate::fix::FixSpec::parse(node) {
            Ok(spec) => Some(spec),
            Err(e) => {
                problems.push(problem(
                    node.span,
                    format!("rule {id}: {e}; the fix is skipped"),
                ));
                None
            }
        },
    };
    Some(Policy {
        rule: Rule::named(id),
        severity,
        message,
        help: text(root, "help").map(str::to_string),
        input,
        select,
        exclude,
        check,
        at: root.get("id").map_or(root.span, |n| n.span),
        fix,
    })
}

/// `input`: `clusters` (the default) or `files`, which has no cluster, owner or tenant to select on.
fn input(
    id: &str,
    root: &Node,
    select: &[Selector],
    message: &str,
    problems: &mut Vec<Finding>,
) -> Option<Input> {
    let at = root.get("input").map_or(root.span, |n| n.span);
    let input = match text(root, "input") {
        None | Some("clusters") => return Some(Input::Clusters),
        Some("files") => Input::Files,
        Some(other) => {
            problems.push(problem(
                at,
                format!(
                    "rule {id}: `input: {other}` is not `clusters` or `files`; the rule is skipped"
                ),
            ));
            return None;
        }
    };
    let by_cluster = select
        .iter()
        .any(|s| s.scope != Scope::Any || !s.clusters.is_empty());
    if by_cluster || message.contains("{{tenant}}") {
        problems.push(problem(at, format!("rule {id}: with `input: files` a rule reads documents as written, which belong to no cluster or tenant: `scope`, `clusters` and `{{{{tenant}}}}` do not apply; the rule is skipped")));
        return None;
    }
    Some(input)
}

/// A selector; `None` (with a problem) when its path globs do not parse.
fn selector(node: &Node, problems: &mut Vec<Finding>) -> Option<Selector> {
    let paths = match PathGlobs::new(texts(node.get("paths"))) {
        Ok(globs) => globs,
        Err(e) => {
            let at = node.get("paths").map_or(node.span, |n| n.span);
            problems.push(problem(at, format!("{e}; the rule is skipped")));
            return None;
        }
    };
    Some(Selector {
        kinds: texts(node.get("kinds")),
        names: texts(node.get("names"))
            .into_iter()
            .chain(texts(node.get("name")))
            .collect(),
        namespaces: texts(node.get("namespaces")),
        paths,
        scope: match text(node, "scope") {
            Some("tenant") => Scope::Tenant,
            Some("platform") => Scope::Platform,
            _ => Scope::Any,
        },
        clusters: texts(node.get("clusters")),
    })
}

/// `validate`: one of pattern, anyPattern, deny.
fn check(id: &str, validate: &Node, problems: &mut Vec<Finding>) -> Option<Check> {
    for unsupported in ["foreach", "cel", "podSecurity", "manifests", "assert"] {
        if let Some(n) = validate.get(unsupported) {
            problems.push(problem(n.span, format!("rule {id}: `validate.{unsupported}` is not evaluated by fleet-lint; the rule is skipped")));
            return None;
        }
    }
    if let Some(p) = validate.get("pattern") {
        return Some(Check::Pattern(p.clone()));
    }
    if let Some(list) = validate.get("anyPattern").and_then(Node::as_seq) {
        return Some(Check::AnyPattern(list.to_vec()));
    }
    if let Some(deny) = validate.get("deny") {
        return conditions(id, deny.get("conditions")?, problems).map(Check::Deny);
    }
    problems.push(problem(
        validate.span,
        format!("rule {id}: `validate` has no pattern, anyPattern or deny"),
    ));
    None
}

fn conditions(id: &str, node: &Node, problems: &mut Vec<Finding>) -> Option<Conditions> {
    let mut out = Conditions::default();
    let groups: Vec<(&str, &[Node])> = match node.as_seq() {
        Some(list) => vec![("all", list)],
        None => ["any", "all"]
            .iter()
            .filter_map(|k| node.get(k).and_then(Node::as_seq).map(|l| (*k, l)))
            .collect(),
    };
    for (group, items) in groups {
        for item in items {
            let key = text(item, "key").unwrap_or("");
            let operator = text(item, "operator").unwrap_or("");
            let (Some(op), true) = (Operator::parse(operator), supported_key(key)) else {
                problems.push(problem(item.span, format!("rule {id}: the condition `{key}` {operator} uses what fleet-lint does not evaluate (JMESPath functions, `||`, variables other than request.object); the rule is skipped")));
                return None;
            };
            let condition = Condition {
                key: key.to_string(),
                operator: op,
                values: texts(item.get("value")),
            };
            if group == "any" {
                out.any.push(condition);
            } else {
                out.all.push(condition);
            }
        }
    }
    Some(out)
}

/// The rules of a Kyverno policy, named `<policy>/<rule>`.
fn kyverno(root: &Node, problems: &mut Vec<Finding>) -> Vec<Policy> {
    let name = root
        .get_path(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("policy");
    let policy_namespace = (text(root, "kind") == Some("Policy"))
        .then(|| {
            root.get_path(&["metadata", "namespace"])
                .and_then(Node::as_str)
        })
        .flatten();
    let spec = root.get("spec");
    let severity = severity_of(root);
    let mut out = Vec::new();
    for rule in spec
        .and_then(|s| s.get("rules"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        let id = format!("{name}/{}", text(rule, "name").unwrap_or("rule"));
        let unsupported = [
            "mutate",
            "generate",
            "verifyImages",
            "preconditions",
            "context",
            "celPreconditions",
        ]
        .into_iter()
        .find_map(|k| rule.get(k).map(|n| (k, n)));
        if let Some((what, node)) = unsupported {
            problems.push(problem(node.span, format!("rule {id}: `{what}` is not evaluated by fleet-lint (it checks manifests before merge, not admission requests); the rule is skipped")));
            continue;
        }
        let Some(validate) = rule.get("validate") else {
            continue;
        };
        let Some(select) = kyverno_selectors(&id, rule.get("match"), problems) else {
            continue;
        };
        let Some(exclude) = kyverno_selectors(&id, rule.get("exclude"), problems) else {
            continue;
        };
        let select = select
            .into_iter()
            .map(|mut s| {
                if let Some(ns) = policy_namespace {
                    s.namespaces = vec![ns.to_string()];
                }
                s
            })
            .collect();
        let Some(check) = check(&id, validate, problems) else {
            continue;
        };
        out.push(Policy {
            message: text(validate, "message").unwrap_or(&id).to_string(),
            rule: Rule::named(&id),
            severity,
            help: None,
            input: Input::Clusters,
            select,
            exclude,
            check,
            at: rule.get("name").map_or(rule.span, |n| n.span),
            fix: None,
        });
    }
    out
}

/// `policies.kyverno.io/severity` (high, medium, low), else the failure action.
fn severity_of(root: &Node) -> Severity {
    let annotated = root
        .get_path(&["metadata", "annotations"])
        .and_then(|a| a.get("policies.kyverno.io/severity"))
        .and_then(Node::as_str);
    let action = root
        .get_path(&["spec", "validationFailureAction"])
        .and_then(Node::as_str)
        .unwrap_or("Audit");
    match (annotated, action) {
        (Some("high" | "critical"), _) => Severity::Error,
        (Some("medium"), _) => Severity::Warning,
        (Some(_), _) => Severity::Info,
        (None, a) if a.eq_ignore_ascii_case("enforce") => Severity::Error,
        (None, _) => Severity::Warning,
    }
}

/// `match` / `exclude`: `any` (or a single `all`) of `resources` blocks.
fn kyverno_selectors(
    id: &str,
    node: Option<&Node>,
    problems: &mut Vec<Finding>,
) -> Option<Vec<Selector>> {
    let Some(node) = node else {
        return Some(Vec::new());
    };
    let mut blocks: Vec<&Node> = Vec::new();
    if let Some(resources) = node.get("resources") {
        blocks.push(resources);
    }
    let any = node.get("any").and_then(Node::as_seq).unwrap_or_default();
    let all = node.get("all").and_then(Node::as_seq).unwrap_or_default();
    if all.len() > 1 {
        problems.push(problem(node.span, format!("rule {id}: `all` with several resource filters is not evaluated; the rule is skipped")));
        return None;
    }
    for item in any.iter().chain(all) {
        if let Some(other) = ["subjects", "roles", "clusterRoles"]
            .iter()
            .find(|k| item.get(k).is_some())
        {
            problems.push(problem(item.span, format!("rule {id}: `{other}` (admission request users) is not evaluated; the rule is skipped")));
            return None;
        }
        blocks.extend(item.get("resources"));
    }
    let mut out = Vec::new();
    for block in blocks {
        if let Some(other) = ["selector", "namespaceSelector", "annotations"]
            .iter()
            .find(|k| block.get(k).is_some())
        {
            problems.push(problem(
                block.span,
                format!(
                    "rule {id}: the resource filter `{other}` is not evaluated; the rule is skipped"
                ),
            ));
            return None;
        }
        out.push(selector(block, problems)?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_rule_parses_and_is_registered() {
        let (policies, problems) = parse_embedded();
        let messages: Vec<String> = problems.iter().map(|p| p.message().into_owned()).collect();
        assert_eq!(messages, Vec::<String>::new());
        assert_eq!(policies.len(), 7);
        for policy in &policies {
            assert!(matches!(policy.rule, Rule::Builtin(_)), "{}", policy.rule);
        }
    }

    fn problems_of(rule: &str) -> Vec<String> {
        let root = crate::testing::parse_first(rule);
        let mut problems = Vec::new();
        native(&root, &mut problems);
        problems.iter().map(|p| p.message().into_owned()).collect()
    }

    #[test]
    fn input_files_refuses_what_only_clusters_have() {
        let rule =
            "id: r\ninput: files\nmatch: {scope: tenant}\nvalidate: {pattern: {kind: '?*'}}\n";
        let problems = problems_of(rule);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].contains("`scope`, `clusters` and `{{tenant}}` do not apply"),
            "{problems:?}"
        );
        let rule = "id: r\ninput: everywhere\nvalidate: {pattern: {kind: '?*'}}\n";
        assert_eq!(
            problems_of(rule),
            ["rule r: `input: everywhere` is not `clusters` or `files`; the rule is skipped"]
        );
        assert_eq!(
            problems_of("id: r\ninput: files\nvalidate: {pattern: {kind: '?*'}}\n"),
            Vec::<String>::new()
        );
    }
}
