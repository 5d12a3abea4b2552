//! `tenant-kubeconfig`: a tenant's Flux Kustomization or HelmRelease must not
//! reach another cluster through `spec.kubeConfig`.

use super::{RuleContext, landing};
use crate::diag::{Finding, Severity};
use crate::yaml::Node;

pub const ID: &str = "tenant-kubeconfig";

pub fn check(ctx: &RuleContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for cluster in &ctx.fleet.clusters {
        let tenant_reconcilers = cluster.objects.iter().filter(|p| {
            (p.is_flux_kustomization() || p.is_helm_release()) && p.owner.is_restricted_tenant()
        });
        for placed in tenant_reconcilers {
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
            let r = &placed.resource;
            let message = format!(
                "{} {}/{} of tenant {} applies to another cluster through spec.kubeConfig ({target}): a tenant must stay on the clusters the platform gives it",
                r.kind(),
                r.namespace(),
                r.name(),
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
