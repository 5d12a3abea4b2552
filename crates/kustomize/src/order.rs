//! The order `kustomize build` prints a build in: the top-level
//! kustomization's `sortOptions`, `fifo` (the build's own order) or `legacy`,
//! the default, with its kinds first and last replaceable
//! (`legacySortOptions`). By default: kinds with no dependencies first (Namespace, ResourceQuota,
//! StorageClass, CRDs, accounts and RBAC, ConfigMaps and Secrets, Services,
//! ...), webhook configurations last, every other kind between them; within
//! one rank by `group_version_kind`, then by namespace and name. Objects that
//! compare equal keep their build order.

use std::cmp::Ordering;

use crate::resource::{ResId, Resource};
use crate::yaml::Node;

/// Kinds printed first, in this order.
const FIRST: [&str; 22] = [
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

/// Kinds printed last, in this order.
const LAST: [&str; 2] = [
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// How a build is printed (`sortOptions`).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum OutputOrder {
    /// kustomize's default: `legacy` with its own kinds first and last.
    #[default]
    Default,
    /// The order the build made them in (`order: fifo`).
    Fifo,
    /// `order: legacy`: kinds in `first`, then the others (by group, version
    /// and kind), then those in `last`; within a kind, by namespace and name.
    Legacy {
        /// The kinds printed first, in this order (`orderFirst`).
        first: Vec<String>,
        /// The kinds printed last, in this order (`orderLast`).
        last: Vec<String>,
    },
}

impl OutputOrder {
    /// The order kustomization `k`'s `sortOptions` asks for.
    pub(crate) fn of(k: &Node) -> OutputOrder {
        let Some(options) = k.get("sortOptions") else {
            return OutputOrder::default();
        };
        if options.get("order").and_then(Node::as_str) == Some("fifo") {
            return OutputOrder::Fifo;
        }
        let Some(legacy) = options.get("legacySortOptions") else {
            return OutputOrder::default();
        };
        let kinds = |field: &str| -> Vec<String> {
            crate::list(legacy, field)
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_string)
                .collect()
        };
        OutputOrder::Legacy {
            first: kinds("orderFirst"),
            last: kinds("orderLast"),
        }
    }
}

/// `resources` in the output order `order`.
pub fn in_output_order<'r>(resources: &'r [Resource], order: &OutputOrder) -> Vec<&'r Resource> {
    let (first, last) = match order {
        OutputOrder::Fifo => return resources.iter().collect(),
        OutputOrder::Default => (FIRST.to_vec(), LAST.to_vec()),
        OutputOrder::Legacy { first, last } => (texts(first), texts(last)),
    };
    let mut keyed: Vec<(ResId, &Resource)> = resources.iter().map(|r| (r.id(), r)).collect();
    keyed.sort_by(|(a, _), (b, _)| compare(a, b, &first, &last));
    keyed.into_iter().map(|(_, r)| r).collect()
}

fn texts(kinds: &[String]) -> Vec<&str> {
    kinds.iter().map(String::as_str).collect()
}

fn rank(kind: &str, first: &[&str], last: &[&str]) -> i32 {
    if let Some(i) = first.iter().position(|k| *k == kind) {
        return i as i32 - first.len() as i32;
    }
    last.iter()
        .position(|k| *k == kind)
        .map_or(0, |i| i as i32 + 1)
}

/// `group_version_kind`, with `~G`, `~V`, `~K` for what is empty.
fn gvk_text(id: &ResId) -> String {
    let or = |text: &str, none: &str| {
        if text.is_empty() {
            none.to_string()
        } else {
            text.to_string()
        }
    };
    format!(
        "{}_{}_{}",
        or(&id.group, "~G"),
        or(&id.version, "~V"),
        or(&id.kind, "~K")
    )
}

fn compare(a: &ResId, b: &ResId, first: &[&str], last: &[&str]) -> Ordering {
    let same_gvk = a.group == b.group && a.version == b.version && a.kind == b.kind;
    if !same_gvk {
        let by_rank = rank(&a.kind, first, last).cmp(&rank(&b.kind, first, last));
        if by_rank != Ordering::Equal {
            return by_rank;
        }
        let by_gvk = gvk_text(a).cmp(&gvk_text(b));
        // Core Namespaces before other groups' Namespace kinds.
        let core_namespace = a.kind == "Namespace"
            && b.kind == "Namespace"
            && (a.group.is_empty() || b.group.is_empty());
        return if core_namespace {
            by_gvk.reverse()
        } else {
            by_gvk
        };
    }
    let place = |id: &ResId| {
        let or =
            |text: &str, none: &'static str| if text.is_empty() { none } else { text }.to_string();
        (or(&id.namespace, "~X"), or(&id.name, "~N"))
    };
    place(a).cmp(&place(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(api_version: &str, kind: &str, namespace: &str, name: &str) -> ResId {
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        ResId {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    #[test]
    fn kinds_without_dependencies_first_webhooks_last_the_rest_by_gvk_then_place() {
        let mut ids = [
            id(
                "admissionregistration.k8s.io/v1",
                "ValidatingWebhookConfiguration",
                "",
                "v",
            ),
            id("helm.toolkit.fluxcd.io/v2", "HelmRelease", "b", "x"),
            id("apps/v1", "Deployment", "a", "web"),
            id("source.toolkit.fluxcd.io/v1", "GitRepository", "a", "repo"),
            id("v1", "ConfigMap", "", "settings"),
            id("v1", "ConfigMap", "a", "settings"),
            id("helm.toolkit.fluxcd.io/v2", "HelmRelease", "a", "y"),
            id("v1", "Namespace", "", "a"),
        ];
        ids.sort_by(|a, b| compare(a, b, &FIRST, &LAST));
        let order: Vec<String> = ids
            .iter()
            .map(|i| format!("{} {}/{}", i.kind, i.namespace, i.name))
            .collect();
        assert_eq!(
            order,
            [
                "Namespace /a",
                "ConfigMap a/settings",
                "ConfigMap /settings",
                "Deployment a/web",
                "HelmRelease a/y",
                "HelmRelease b/x",
                "GitRepository a/repo",
                "ValidatingWebhookConfiguration /v",
            ]
        );
    }
}
