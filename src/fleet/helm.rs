//! A typed view of a HelmRelease (any `helm.toolkit.fluxcd.io` version) over
//! its spanned tree: what the rules and the graph read. Charts are not rendered.

use crate::kustomize::Resource;
use crate::source::Span;
use crate::yaml::Node;

/// A reference to another object, with the span of the reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub span: Span,
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
    }
}

pub struct HelmRelease<'a> {
    resource: &'a Resource,
}

impl<'a> HelmRelease<'a> {
    /// The view, when `resource` is a HelmRelease.
    pub fn of(resource: &'a Resource) -> Option<HelmRelease<'a>> {
        (resource.kind() == "HelmRelease" && resource.group_version().0 == super::HELM_GROUP)
            .then_some(HelmRelease { resource })
    }

    fn spec(&self, path: &[&str]) -> Option<&'a Node> {
        self.resource.node.get("spec")?.get_path(path)
    }

    /// `spec.chart.spec.sourceRef` (namespace defaults to the release's), else `spec.chartRef`.
    pub fn chart_source(&self) -> Option<ObjectRef> {
        self.spec(&["chart", "spec", "sourceRef"])
            .or_else(|| self.spec(&["chartRef"]))
            .and_then(|r| self.reference(r, None))
    }

    /// `spec.valuesFrom[]`: ConfigMaps and Secrets in the release's namespace.
    pub fn values_from(&self) -> Vec<ObjectRef> {
        self.spec(&["valuesFrom"])
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|r| self.reference(r, None))
            .collect()
    }

    /// `spec.dependsOn[]`: other HelmReleases.
    pub fn depends_on(&self) -> Vec<ObjectRef> {
        self.spec(&["dependsOn"])
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|r| self.reference(r, Some("HelmRelease")))
            .collect()
    }

    pub fn service_account_name(&self) -> Option<&'a Node> {
        self.spec(&["serviceAccountName"])
    }

    pub fn target_namespace(&self) -> Option<&'a Node> {
        self.spec(&["targetNamespace"])
    }

    /// `spec.kubeConfig`: the release is installed on a remote cluster.
    pub fn kube_config(&self) -> Option<&'a Node> {
        self.spec(&["kubeConfig"])
    }

    fn reference(&self, node: &Node, kind: Option<&str>) -> Option<ObjectRef> {
        let field = |key| node.get(key).and_then(Node::as_str);
        Some(ObjectRef {
            kind: kind.or_else(|| field("kind"))?.to_string(),
            namespace: field("namespace")
                .unwrap_or(self.resource.namespace())
                .to_string(),
            name: field("name")?.to_string(),
            span: node.span,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_release_fields() {
        let node = crate::yaml::parse_first(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: web, namespace: team-a}\nspec:\n  serviceAccountName: team-a\n  chart:\n    spec:\n      sourceRef: {kind: HelmRepository, name: charts, namespace: flux-system}\n  valuesFrom:\n    - {kind: ConfigMap, name: web-values}\n  dependsOn:\n    - name: db\n",
        );
        let span = node.span;
        let resource = Resource::new(node, span);
        let release = HelmRelease::of(&resource).expect("a HelmRelease");
        assert_eq!(
            release.chart_source().map(|r| r.to_string()).as_deref(),
            Some("HelmRepository flux-system/charts")
        );
        assert_eq!(
            release.values_from()[0].to_string(),
            "ConfigMap team-a/web-values"
        );
        assert_eq!(release.depends_on()[0].to_string(), "HelmRelease team-a/db");
        assert_eq!(
            release.service_account_name().and_then(Node::as_str),
            Some("team-a")
        );
        assert!(release.kube_config().is_none() && release.target_namespace().is_none());
    }
}
