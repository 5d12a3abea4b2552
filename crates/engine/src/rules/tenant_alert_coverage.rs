//! `tenant-alert-coverage`: every tenant Flux Kustomization and HelmRelease,
//! on every cluster it lands on, is watched by an Alert on that cluster that
//! is not suspended, forwards errors, and sends to an existing, active
//! Provider in the Alert's namespace; on a cluster locked down with
//! `--no-cross-namespace-refs`, in the object's own namespace.

use crate::rules::RuleId;
use std::collections::HashMap;

use super::{RuleContext, about_tenant_object};
use crate::diag::{Finding, Severity};
use crate::fleet::{Cluster, Placed};
use crate::kustomize::Resource;
use crate::yaml::Node;

pub(super) const ID: RuleId = RuleId::TenantAlertCoverage;

const NOTIFICATION_GROUP: &str = "notification.toolkit.fluxcd.io";

/// How well the Alerts of one cluster cover one object.
enum Coverage {
    Covered,
    /// Covered, but every covering Alert has an `exclusionList` that may drop errors.
    MaybeExcluded(String),
    Uncovered(String),
}

pub(super) fn check(ctx: &RuleContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for cluster in &ctx.fleet.clusters {
        let alerts = EventSources::of(cluster);
        for placed in cluster.objects.iter().filter(|p| p.is_tenant_reconciler()) {
            let tenant = placed.owner.tenant().unwrap_or_default();
            let (severity, reason) = match coverage(cluster, &alerts, placed) {
                Coverage::Covered => continue,
                Coverage::MaybeExcluded(reason) => (Severity::Warning, reason),
                Coverage::Uncovered(reason) => (Severity::Error, reason),
            };
            let r = &placed.resource;
            let message = format!("{} of tenant {tenant} {reason}", r.describe());
            let finding = Finding::new(ID, severity, r.node.headline(), message)
                    .with_help("add an eventSources entry for it to an Alert (eventSeverity error or info) whose Provider pages the tenant's on-call");
            findings.push(about_tenant_object(
                finding,
                ctx,
                cluster,
                placed,
                Some(&reason),
            ));
        }
    }
    findings
}

fn is_notification(resource: &Resource, kind: &str) -> bool {
    resource.kind() == kind && resource.group_version().0 == NOTIFICATION_GROUP
}

fn suspended(resource: &Resource) -> bool {
    resource
        .node
        .get_path(&["spec", "suspend"])
        .and_then(Node::as_str)
        == Some("true")
}

/// The event sources of a cluster's Alerts, indexed by (kind, namespace):
/// each object is checked against the few sources that can match it.
struct EventSources<'c> {
    by_kind_namespace: HashMap<(&'c str, &'c str), Vec<(usize, &'c Node)>>,
    alerts: Vec<&'c Resource>,
}

impl<'c> EventSources<'c> {
    fn of(cluster: &'c Cluster) -> EventSources<'c> {
        let alerts: Vec<&Resource> = cluster
            .objects
            .iter()
            .map(|p| &p.resource)
            .filter(|r| is_notification(r, "Alert"))
            .collect();
        let mut by_kind_namespace: HashMap<(&str, &str), Vec<(usize, &Node)>> = HashMap::new();
        for (index, alert) in alerts.iter().enumerate() {
            let sources = alert
                .node
                .get_path(&["spec", "eventSources"])
                .and_then(Node::as_seq);
            for source in sources.unwrap_or_default() {
                let field = |key| source.get(key).and_then(Node::as_str);
                let namespace = field("namespace")
                    .filter(|n| !n.is_empty())
                    .unwrap_or(alert.namespace());
                let key = (field("kind").unwrap_or(""), namespace);
                by_kind_namespace
                    .entry(key)
                    .or_default()
                    .push((index, source));
            }
        }
        EventSources {
            by_kind_namespace,
            alerts,
        }
    }

    /// The Alerts with an event source that matches `object` (each once, in order).
    fn watching(&self, object: &Resource) -> Vec<&'c Resource> {
        let key = (object.kind(), object.namespace());
        let candidates = self
            .by_kind_namespace
            .get(&key)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut indexes: Vec<usize> = candidates
            .iter()
            .filter(|(_, source)| source_matches(source, object))
            .map(|(i, _)| *i)
            .collect();
        indexes.dedup();
        indexes.into_iter().map(|i| self.alerts[i]).collect()
    }
}

/// Whether an event source (already matched on kind and namespace) matches
/// `object` by name (or `*`) and by `matchLabels`.
fn source_matches(source: &Node, object: &Resource) -> bool {
    let name = source.get("name").and_then(Node::as_str);
    let labels = source
        .get("matchLabels")
        .and_then(Node::as_map)
        .unwrap_or_default();
    matches!(name, Some(n) if n == "*" || n == object.name())
        && labels.iter().all(|pair| {
            pair.key
                .as_str()
                .is_some_and(|k| object.metadata_value("labels", k) == pair.value.as_str())
        })
}

/// Whether some Alert of `cluster` covers `placed`, and if not, why.
fn coverage(cluster: &Cluster, alerts: &EventSources, placed: &Placed) -> Coverage {
    let watching = alerts.watching(&placed.resource);
    let Some(first) = watching.first() else {
        return Coverage::Uncovered("is watched by no Alert".into());
    };
    let problems: Vec<Option<String>> = watching
        .iter()
        .map(|alert| alert_problem(cluster, alert, &placed.resource))
        .collect();
    let working: Vec<&&Resource> = watching
        .iter()
        .zip(&problems)
        .filter(|(_, p)| p.is_none())
        .map(|(a, _)| a)
        .collect();
    if working.is_empty() {
        let reason = problems.into_iter().flatten().next().unwrap_or_default();
        return Coverage::Uncovered(format!(
            "is watched only by Alert {}/{}, which {reason}",
            first.namespace(),
            first.name()
        ));
    }
    match working
        .iter()
        .map(|a| drops_errors(a))
        .collect::<Option<Vec<String>>>()
    {
        Some(patterns) => Coverage::MaybeExcluded(format!(
            "is watched only by Alerts whose exclusionList may drop error events (`{}`)",
            patterns.join("`, `")
        )),
        None => Coverage::Covered,
    }
}

/// Why an Alert that watches `object` would not deliver its error events.
fn alert_problem(cluster: &Cluster, alert: &Resource, object: &Resource) -> Option<String> {
    if alert.namespace() != object.namespace()
        && cluster
            .lockdown
            .blocks_cross_namespace_refs("notification-controller")
    {
        return Some(format!(
            "is in namespace {}: Flux will refuse this on cluster {} (notification-controller runs with --no-cross-namespace-refs: an Alert receives the events of its own namespace only)",
            alert.namespace(),
            cluster.name
        ));
    }
    if suspended(alert) {
        return Some("is suspended".into());
    }
    let severity = alert
        .node
        .get_path(&["spec", "eventSeverity"])
        .and_then(Node::as_str)
        .unwrap_or("info");
    if severity != "info" && severity != "error" {
        return Some(format!(
            "has eventSeverity `{severity}` (only `error` and `info` forward error events)"
        ));
    }
    let provider = alert
        .node
        .get_path(&["spec", "providerRef", "name"])
        .and_then(Node::as_str)
        .unwrap_or("");
    match cluster
        .find("Provider", alert.namespace(), provider)
        .map(|p| &p.resource)
    {
        Some(p) if is_notification(p, "Provider") && suspended(p) => {
            Some(format!("sends to Provider {provider}, which is suspended"))
        }
        Some(p) if is_notification(p, "Provider") => None,
        _ => Some(format!(
            "sends to Provider `{provider}`, which does not exist in namespace {} on this cluster",
            alert.namespace()
        )),
    }
}

/// The `exclusionList` entries that obviously drop error events, if any.
fn drops_errors(alert: &Resource) -> Option<String> {
    let entries = alert
        .node
        .get_path(&["spec", "exclusionList"])
        .and_then(Node::as_seq)
        .unwrap_or_default();
    let risky: Vec<&str> = entries
        .iter()
        .filter_map(Node::as_str)
        .filter(|e| {
            let lower = e.to_ascii_lowercase();
            matches!(lower.as_str(), ".*" | ".+" | "^.*$")
                || lower.contains("error")
                || lower.contains("fail")
        })
        .collect();
    (!risky.is_empty()).then(|| risky.join("`, `"))
}
