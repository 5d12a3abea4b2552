//! Which requests an admission policy and its binding apply to, as the API
//! server decides for a CREATE: `resourceRules` and `excludeResourceRules`
//! (group, version, resource, operation, names, scope), `namespaceSelector`
//! over the labels of the object's Namespace, `objectSelector` over its own.

use std::collections::BTreeMap;

use crate::source::Span;
use crate::yaml::Node;

/// A `matchConstraints` or `matchResources` block.
pub(super) struct Match {
    rules: Vec<ResourceRule>,
    excluded: Vec<ResourceRule>,
    namespaces: Option<LabelSelector>,
    objects: Option<LabelSelector>,
}

/// What a request to create an object is matched on.
pub(super) struct Request<'a> {
    pub(super) group: &'a str,
    pub(super) version: &'a str,
    /// The resource, as the API names it (`gitrepositories`).
    pub(super) resource: String,
    pub(super) name: &'a str,
    pub(super) namespaced: bool,
    pub(super) labels: BTreeMap<&'a str, &'a str>,
    /// The labels of its Namespace (a Namespace's own labels), `None` for
    /// another cluster-scoped object.
    pub(super) namespace_labels: Option<BTreeMap<&'a str, &'a str>>,
}

struct ResourceRule {
    groups: Vec<String>,
    versions: Vec<String>,
    resources: Vec<String>,
    operations: Vec<String>,
    names: Vec<String>,
    scope: String,
}

/// A Kubernetes label selector: `matchLabels` and `matchExpressions`.
pub(super) struct LabelSelector {
    requirements: Vec<Requirement>,
}

struct Requirement {
    key: String,
    operator: Operator,
    values: Vec<String>,
}

#[derive(Clone, Copy)]
enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl Match {
    /// Reads a `matchConstraints` / `matchResources` block; the error names
    /// what fleet-lint cannot read and where.
    pub(super) fn parse(node: Option<&Node>) -> Result<Match, (Span, String)> {
        let rules = |key: &str| -> Vec<ResourceRule> {
            let items = node.and_then(|n| n.get(key)).and_then(Node::as_seq);
            items
                .unwrap_or_default()
                .iter()
                .map(ResourceRule::parse)
                .collect()
        };
        let selector = |key: &str| -> Result<Option<LabelSelector>, (Span, String)> {
            node.and_then(|n| n.get(key))
                .map(LabelSelector::parse)
                .transpose()
        };
        Ok(Match {
            rules: rules("resourceRules"),
            excluded: rules("excludeResourceRules"),
            namespaces: selector("namespaceSelector")?,
            objects: selector("objectSelector")?,
        })
    }

    /// Whether a policy's `matchConstraints` takes `request`: one of its
    /// resource rules must match (none matches nothing).
    pub(super) fn constrains(&self, request: &Request) -> bool {
        self.rules.iter().any(|r| r.matches(request)) && self.selects(request)
    }

    /// Whether a binding's `matchResources` takes `request` (no resource
    /// rules: every request its policy takes).
    pub(super) fn binds(&self, request: &Request) -> bool {
        (self.rules.is_empty() || self.rules.iter().any(|r| r.matches(request)))
            && self.selects(request)
    }

    fn selects(&self, request: &Request) -> bool {
        let namespace_ok = match (&self.namespaces, &request.namespace_labels) {
            (Some(selector), Some(labels)) => selector.matches(labels),
            _ => true,
        };
        let object_ok = self
            .objects
            .as_ref()
            .is_none_or(|s| s.matches(&request.labels));
        namespace_ok && object_ok && !self.excluded.iter().any(|r| r.matches(request))
    }
}

impl ResourceRule {
    fn parse(node: &Node) -> ResourceRule {
        let strings = |key: &str| -> Vec<String> {
            node.get(key)
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_string)
                .collect()
        };
        ResourceRule {
            groups: strings("apiGroups"),
            versions: strings("apiVersions"),
            resources: strings("resources"),
            operations: strings("operations"),
            names: strings("resourceNames"),
            scope: node
                .get("scope")
                .and_then(Node::as_str)
                .unwrap_or("*")
                .to_string(),
        }
    }

    fn matches(&self, request: &Request) -> bool {
        let any = |list: &[String], value: &str| list.iter().any(|v| v == "*" || v == value);
        let resource = self.resources.iter().any(|r| {
            // `*` is every resource, `*/*` every resource and subresource;
            // a create is of the resource itself, never `pods/status`.
            r == "*" || r == "*/*" || *r == request.resource
        });
        let scope = match self.scope.as_str() {
            "Namespaced" => request.namespaced,
            "Cluster" => !request.namespaced,
            _ => true,
        };
        any(&self.groups, request.group)
            && any(&self.versions, request.version)
            && resource
            && any(&self.operations, "CREATE")
            && (self.names.is_empty() || self.names.iter().any(|n| n == request.name))
            && scope
    }
}

impl LabelSelector {
    /// Reads a selector; the error names an operator fleet-lint does not know.
    pub(super) fn parse(node: &Node) -> Result<LabelSelector, (Span, String)> {
        let mut requirements = Vec::new();
        for entry in node
            .get("matchLabels")
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            requirements.push(Requirement {
                key: entry.key.as_str().unwrap_or_default().to_string(),
                operator: Operator::In,
                values: vec![entry.value.as_str().unwrap_or_default().to_string()],
            });
        }
        let expressions = node.get("matchExpressions").and_then(Node::as_seq);
        for expression in expressions.unwrap_or_default() {
            let operator_node = expression.get("operator");
            let operator = match operator_node.and_then(Node::as_str) {
                Some("In") => Operator::In,
                Some("NotIn") => Operator::NotIn,
                Some("Exists") => Operator::Exists,
                Some("DoesNotExist") => Operator::DoesNotExist,
                other => {
                    let at = operator_node.map_or(expression.span, |n| n.span);
                    return Err((
                        at,
                        format!("a label selector operator `{}`", other.unwrap_or("")),
                    ));
                }
            };
            let values = expression.get("values").and_then(Node::as_seq);
            requirements.push(Requirement {
                key: expression
                    .get("key")
                    .and_then(Node::as_str)
                    .unwrap_or_default()
                    .to_string(),
                operator,
                values: values
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Node::as_str)
                    .map(str::to_string)
                    .collect(),
            });
        }
        Ok(LabelSelector { requirements })
    }

    /// Whether `labels` satisfy every requirement.
    pub(super) fn matches(&self, labels: &BTreeMap<&str, &str>) -> bool {
        self.requirements.iter().all(|r| {
            let value = labels.get(r.key.as_str());
            match r.operator {
                Operator::In => value.is_some_and(|v| r.values.iter().any(|x| x == v)),
                Operator::NotIn => value.is_none_or(|v| !r.values.iter().any(|x| x == v)),
                Operator::Exists => value.is_some(),
                Operator::DoesNotExist => value.is_none(),
            }
        })
    }
}

/// The resource the API serves `kind` as: its lower-case plural.
pub(super) fn resource_of(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if lower == "endpoints" {
        return lower;
    }
    let consonant_y = lower.ends_with('y')
        && !matches!(
            lower.as_bytes().iter().rev().nth(1),
            Some(b'a' | b'e' | b'o' | b'u')
        );
    if consonant_y {
        format!("{}ies", &lower[..lower.len() - 1])
    } else if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        format!("{lower}es")
    } else {
        format!("{lower}s")
    }
}

/// The `metadata.labels` of `object`.
pub(super) fn labels_of(object: &Node) -> BTreeMap<&str, &str> {
    object
        .get_path(&["metadata", "labels"])
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| Some((e.key.as_str()?, e.value.as_str()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::parse_first;

    #[test]
    fn resources_are_lower_case_plurals() {
        for (kind, resource) in [
            ("GitRepository", "gitrepositories"),
            ("Bucket", "buckets"),
            ("Ingress", "ingresses"),
            ("NetworkPolicy", "networkpolicies"),
            ("Gateway", "gateways"),
            ("Endpoints", "endpoints"),
            ("Kustomization", "kustomizations"),
        ] {
            assert_eq!(resource_of(kind), resource);
        }
    }

    #[test]
    fn namespace_selectors_see_the_namespace_labels() {
        let block = parse_first(
            "resourceRules:\n- apiGroups: ['*']\n  apiVersions: ['*']\n  operations: [CREATE]\n  resources: ['*']\nnamespaceSelector:\n  matchExpressions:\n  - {key: toolkit.fluxcd.io/tenant, operator: Exists}\n",
        );
        let constraints = Match::parse(Some(&block)).map_err(|e| e.1).unwrap();
        let request = |namespace_labels| Request {
            group: "",
            version: "v1",
            resource: "configmaps".into(),
            name: "x",
            namespaced: true,
            labels: BTreeMap::new(),
            namespace_labels,
        };
        let tenant = BTreeMap::from([("toolkit.fluxcd.io/tenant", "a")]);
        assert!(constraints.constrains(&request(Some(tenant))));
        assert!(!constraints.constrains(&request(Some(BTreeMap::new()))));
        assert!(constraints.constrains(&request(None)));
    }
}
