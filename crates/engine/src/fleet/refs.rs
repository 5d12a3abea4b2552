//! What Flux objects name: the sources, providers, dependencies and values
//! objects each Flux kind refers to, where the reference is written, and
//! whether Flux's `--no-cross-namespace-refs` lockdown checks its namespace
//! (flux-kustomize-reference.md, "Multi-tenancy lockdown").

use super::{HELM_GROUP, KUSTOMIZE_GROUP};
use crate::kustomize::Resource;
use crate::source::Span;
use crate::yaml::Node;

const NOTIFICATION_GROUP: &str = "notification.toolkit.fluxcd.io";
const IMAGE_GROUP: &str = "image.toolkit.fluxcd.io";

/// One reference from a Flux object to another object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// The field, as users write it: `spec.sourceRef`, `spec.dependsOn`.
    pub field: &'static str,
    /// The target's kind.
    pub kind: String,
    /// The target's namespace: the one written, else the referring object's.
    pub namespace: String,
    /// The target's name.
    pub name: String,
    /// The `name:` value.
    pub(crate) name_span: Span,
    /// The `namespace:` value, when the reference writes one.
    pub(crate) namespace_span: Option<Span>,
    /// Checked by `--no-cross-namespace-refs`: the target must be in the
    /// referring object's namespace.
    pub lockdown: bool,
    /// The target must exist for the object to reconcile (not a selector,
    /// not `optional: true`).
    pub required: bool,
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
    }
}

/// How one field of a Flux kind refers to other objects.
struct Field {
    name: &'static str,
    path: &'static [&'static str],
    /// A list of references, or one.
    list: bool,
    /// The target kind when the reference does not say (or cannot).
    kind: Option<&'static str>,
    /// The API has a `namespace` field for this reference.
    namespaced: bool,
    lockdown: bool,
    /// Each reference must resolve (else it selects, as event sources do).
    must_exist: bool,
}

const fn field(name: &'static str, path: &'static [&'static str]) -> Field {
    Field {
        name,
        path,
        list: false,
        kind: None,
        namespaced: false,
        lockdown: false,
        must_exist: true,
    }
}

impl Field {
    const fn list(mut self) -> Field {
        self.list = true;
        self
    }
    const fn of_kind(mut self, kind: &'static str) -> Field {
        self.kind = Some(kind);
        self
    }
    const fn namespaced(mut self) -> Field {
        self.namespaced = true;
        self
    }
    const fn lockdown(mut self) -> Field {
        self.namespaced = true;
        self.lockdown = true;
        self
    }
    const fn selector(mut self) -> Field {
        self.must_exist = false;
        self
    }
}

const KUSTOMIZATION: &[Field] = &[
    field("spec.sourceRef", &["spec", "sourceRef"]).lockdown(),
    field("spec.dependsOn", &["spec", "dependsOn"])
        .list()
        .of_kind("Kustomization")
        .namespaced(),
    field(
        "spec.postBuild.substituteFrom",
        &["spec", "postBuild", "substituteFrom"],
    )
    .list(),
];

const HELM_RELEASE: &[Field] = &[
    field(
        "spec.chart.spec.sourceRef",
        &["spec", "chart", "spec", "sourceRef"],
    )
    .lockdown(),
    field("spec.chartRef", &["spec", "chartRef"]).lockdown(),
    field("spec.dependsOn", &["spec", "dependsOn"])
        .list()
        .of_kind("HelmRelease")
        .namespaced(),
    field("spec.valuesFrom", &["spec", "valuesFrom"]).list(),
];

const ALERT: &[Field] = &[
    field("spec.providerRef", &["spec", "providerRef"]).of_kind("Provider"),
    field("spec.eventSources", &["spec", "eventSources"])
        .list()
        .lockdown()
        .selector(),
];

const RECEIVER: &[Field] = &[field("spec.resources", &["spec", "resources"])
    .list()
    .lockdown()
    .selector()];

const IMAGE_UPDATE_AUTOMATION: &[Field] = &[field("spec.sourceRef", &["spec", "sourceRef"])
    .of_kind("GitRepository")
    .lockdown()];

const IMAGE_POLICY: &[Field] = &[
    field("spec.imageRepositoryRef", &["spec", "imageRepositoryRef"])
        .of_kind("ImageRepository")
        .lockdown(),
];

/// The reference fields of `resource`'s kind (none for kinds that are not Flux's).
fn fields_of(resource: &Resource) -> &'static [Field] {
    match (resource.group_version().0, resource.kind()) {
        (KUSTOMIZE_GROUP, "Kustomization") => KUSTOMIZATION,
        (HELM_GROUP, "HelmRelease") => HELM_RELEASE,
        (NOTIFICATION_GROUP, "Alert") => ALERT,
        (NOTIFICATION_GROUP, "Receiver") => RECEIVER,
        (IMAGE_GROUP, "ImageUpdateAutomation") => IMAGE_UPDATE_AUTOMATION,
        (IMAGE_GROUP, "ImagePolicy") => IMAGE_POLICY,
        _ => &[],
    }
}

/// Every reference `resource` makes, in field order.
pub fn references(resource: &Resource) -> Vec<Reference> {
    let mut out = Vec::new();
    for field in fields_of(resource) {
        let Some(node) = resource.node.get_path(field.path) else {
            continue;
        };
        let items = if field.list {
            node.as_seq().unwrap_or_default()
        } else {
            std::slice::from_ref(node)
        };
        out.extend(
            items
                .iter()
                .filter_map(|item| reference(resource, field, item)),
        );
    }
    out
}

fn reference(resource: &Resource, field: &Field, node: &Node) -> Option<Reference> {
    let text = |key| node.get(key).and_then(Node::as_str);
    let name = node.get("name")?;
    let namespace_node = node.get("namespace").filter(|_| field.namespaced);
    let namespace = namespace_node
        .and_then(Node::as_str)
        .filter(|ns| !ns.is_empty())
        .unwrap_or(resource.namespace());
    let optional = node.get("optional").and_then(Node::as_str) == Some("true");
    Some(Reference {
        field: field.name,
        kind: text("kind").or(field.kind)?.to_string(),
        namespace: namespace.to_string(),
        name: name.as_str()?.to_string(),
        name_span: name.span,
        namespace_span: namespace_node.map(|n| n.span),
        lockdown: field.lockdown,
        required: field.must_exist && !optional,
    })
}

/// Where a HelmRelease takes its chart from.
pub(crate) fn chart_source(resource: &Resource) -> Option<Reference> {
    references(resource)
        .into_iter()
        .find(|r| r.field == "spec.chart.spec.sourceRef" || r.field == "spec.chartRef")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs_of(yaml: &str) -> Vec<Reference> {
        let node = crate::testing::parse_first(yaml);
        let span = node.span;
        references(&Resource::new(node, span))
    }

    fn summary(refs: &[Reference]) -> Vec<String> {
        refs.iter()
            .map(|r| {
                format!(
                    "{} {r} lockdown={} required={}",
                    r.field, r.lockdown, r.required
                )
            })
            .collect()
    }

    #[test]
    fn reads_a_helm_release() {
        let refs = refs_of(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: web, namespace: team-a}\nspec:\n  chart:\n    spec:\n      sourceRef: {kind: HelmRepository, name: charts, namespace: flux-system}\n  valuesFrom:\n    - {kind: ConfigMap, name: web-values, namespace: ignored}\n    - {kind: Secret, name: extra, optional: true}\n  dependsOn:\n    - name: db\n",
        );
        assert_eq!(
            summary(&refs),
            [
                "spec.chart.spec.sourceRef HelmRepository flux-system/charts lockdown=true required=true",
                "spec.dependsOn HelmRelease team-a/db lockdown=false required=true",
                "spec.valuesFrom ConfigMap team-a/web-values lockdown=false required=true",
                "spec.valuesFrom Secret team-a/extra lockdown=false required=false",
            ]
        );
        assert!(refs[0].namespace_span.is_some() && refs[2].namespace_span.is_none());
    }

    #[test]
    fn reads_kustomizations_and_alerts() {
        let refs = refs_of(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: team-a}\nspec:\n  sourceRef: {kind: GitRepository, name: apps}\n  dependsOn: [{name: infra, namespace: flux-system}]\n  postBuild:\n    substituteFrom: [{kind: ConfigMap, name: vars}]\n",
        );
        assert_eq!(
            summary(&refs),
            [
                "spec.sourceRef GitRepository team-a/apps lockdown=true required=true",
                "spec.dependsOn Kustomization flux-system/infra lockdown=false required=true",
                "spec.postBuild.substituteFrom ConfigMap team-a/vars lockdown=false required=true",
            ]
        );
        let refs = refs_of(
            "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Alert\nmetadata: {name: on-call, namespace: team-a}\nspec:\n  providerRef: {name: pagerduty}\n  eventSources: [{kind: HelmRelease, name: '*', namespace: team-b}]\n",
        );
        assert_eq!(
            summary(&refs),
            [
                "spec.providerRef Provider team-a/pagerduty lockdown=false required=true",
                "spec.eventSources HelmRelease team-b/* lockdown=true required=false",
            ]
        );
    }

    #[test]
    fn other_kinds_refer_to_nothing() {
        assert!(refs_of("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n").is_empty());
    }
}
