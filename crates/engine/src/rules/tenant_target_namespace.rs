//! `tenant-target-namespace`: a tenant's Flux Kustomization or HelmRelease
//! must not send its content, through `spec.targetNamespace`, into a namespace
//! of the platform or of another tenant.

use super::{RuleContext, about_tenant_object};
use crate::diag::{Finding, Severity};
use crate::fleet::tenant::PLATFORM_NAMESPACES;
use crate::fleet::{Cluster, Owner};
use crate::rules::RuleId;

pub(super) const ID: RuleId = RuleId::TenantTargetNamespace;

pub(super) fn check(ctx: &RuleContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for cluster in &ctx.fleet.clusters {
        for placed in cluster.objects.iter().filter(|p| p.is_tenant_reconciler()) {
            let Some(node) = placed.resource.node.get_path(&["spec", "targetNamespace"]) else {
                continue;
            };
            let (Some(target), Some(tenant)) = (
                node.as_str().filter(|t| !t.is_empty()),
                placed.owner.tenant(),
            ) else {
                continue;
            };
            let Some(whose) = outside_of_tenant(ctx, cluster, tenant, target) else {
                continue;
            };
            let (whose, help) = match whose {
                Owner::Platform => (
                    "a namespace of the platform".to_string(),
                    format!("target a namespace of {tenant}"),
                ),
                Owner::Tenant { name, .. } => (
                    format!("the namespace of tenant {name}"),
                    format!(
                        "target a namespace of {tenant}, or name `{target}` as {tenant}'s in .fleet-lint.yaml (tenants.named[].namespaces)"
                    ),
                ),
            };
            let message = format!(
                "{} of tenant {tenant} sets targetNamespace `{target}`, {whose}: everything it applies lands outside the tenant",
                placed.resource.describe()
            );
            let finding = Finding::new(ID, Severity::Error, node.span, message).with_help(help);
            findings.push(about_tenant_object(finding, ctx, cluster, placed, None));
        }
    }
    findings
}

/// Whose namespace `target` is, when it is not `tenant`'s: neither owned by
/// the tenant (by name or configuration) nor a Namespace the tenant's own
/// content defines on `cluster`.
fn outside_of_tenant(
    ctx: &RuleContext,
    cluster: &Cluster,
    tenant: &str,
    target: &str,
) -> Option<Owner> {
    if PLATFORM_NAMESPACES.contains(&target) {
        return Some(Owner::Platform);
    }
    let created_by_tenant = cluster
        .find("Namespace", "", target)
        .is_some_and(|ns| ns.owner.tenant() == Some(tenant));
    let owner = ctx.fleet.tenancy.namespace_owner(target);
    (owner.tenant() != Some(tenant) && !created_by_tenant).then_some(owner)
}
