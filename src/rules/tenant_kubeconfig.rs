//! `tenant-kubeconfig`: a tenant's Flux Kustomization or HelmRelease must not
//! reach another cluster through `spec.kubeConfig`.

use super::{RuleContext, landing};
use crate::diag::{Finding, Severity};
use crate::yaml::Node;

pub const ID: &str = "tenant-kubeconfig";

pub fn check(ctx: &RuleContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for cluster in &ctx.fleet.clusters {
        for placed in cluster.objects.iter().filter(|p| p.is_tenant_reconciler()) {
            let Some(entry) = placed
                .resource
                .node
                .get("spec")
                .and_then(|s| s.entry("kubeConfig"))
            else {
                continue;
            };
            let target = ["secretRef", "configMapRef"]
                .iter()
                .find_map(|r| {
                    entry
                        .value
                        .get_path(&[r, "name"])
                        .and_then(Node::as_str)
                        .map(|n| format!("{r} {n}"))
                })
                .unwrap_or_else(|| "a kubeconfig".into());
            let message = format!(
                "{} of tenant {} applies to another cluster through spec.kubeConfig ({target}): a tenant must stay on the clusters the platform gives it",
                placed.resource.describe(),
                placed.owner.tenant().unwrap_or_default()
            );
            let (span, landed) = landing(cluster, placed);
            findings.push(
                Finding::new(ID, Severity::Error, entry.key.span, message)
                    .with_help("let the platform apply tenant content on remote clusters, or mark the tenant privileged")
                    .with_related(span, landed),
            );
        }
    }
    findings
}
