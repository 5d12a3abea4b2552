//! `tenant-cluster-rbac`: no ClusterRoleBinding (error) or ClusterRole
//! (warning) belongs to a tenant, whether defined under a tenant root or
//! pulled into a tenant's build by a Kustomize reference (which is then a
//! related location). RoleBindings to a ClusterRole are fine.

use super::{RuleContext, about_tenant_object};
use crate::diag::{Finding, Severity};
use crate::fleet::Owner;
use crate::rules::RuleId;
use crate::yaml::Node;

pub(super) const ID: RuleId = RuleId::TenantClusterRbac;

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

pub(super) fn check(ctx: &RuleContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for cluster in &ctx.fleet.clusters {
        for placed in cluster
            .objects
            .iter()
            .filter(|p| p.owner.is_restricted_tenant())
        {
            let Some(tenant) = placed.owner.tenant() else {
                continue;
            };
            let Some(finding) = finding_for(
                placed.resource.kind(),
                placed.resource.group_version().0,
                &placed.resource.node,
                tenant,
            ) else {
                continue;
            };
            findings.push(about_tenant_object(finding, ctx, cluster, placed, None));
        }
    }
    findings.extend(unplaced_under_tenant_roots(ctx));
    findings
}

fn finding_for(kind: &str, group: &str, node: &Node, tenant: &str) -> Option<Finding> {
    if group != RBAC_GROUP {
        return None;
    }
    let name = node
        .get_path(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("");
    let (severity, why) = match kind {
        "ClusterRoleBinding" => (
            Severity::Error,
            "grants cluster-wide permissions, which a tenant must never hold",
        ),
        "ClusterRole" => (
            Severity::Warning,
            "is cluster-scoped; tenants should bind the platform's roles, not define their own",
        ),
        _ => return None,
    };
    Some(
        Finding::new(ID, severity, node.headline(), format!("{kind} {name} belongs to tenant {tenant}: it {why}"))
            .with_help("move it to platform content (outside the tenant roots), or bind a ClusterRole with a namespaced RoleBinding"),
    )
}

/// Cluster RBAC in files under a tenant root that no cluster reaches: still tenant content.
fn unplaced_under_tenant_roots(ctx: &RuleContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for file in &ctx.fleet.unreachable {
        let path = &ctx.store().get(*file).path;
        let Some(Owner::Tenant {
            name: tenant,
            privileged: false,
        }) = ctx.fleet.tenancy.folder_owner(path)
        else {
            continue;
        };
        for doc in &ctx.files()[file.0 as usize].documents {
            let node = &doc.root;
            let kind = node.get("kind").and_then(Node::as_str).unwrap_or("");
            let group = node
                .get("apiVersion")
                .and_then(Node::as_str)
                .and_then(|v| v.split_once('/'))
                .map_or("", |(g, _)| g);
            findings.extend(finding_for(kind, group, node, &tenant));
        }
    }
    findings
}
