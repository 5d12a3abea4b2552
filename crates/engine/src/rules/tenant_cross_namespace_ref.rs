//! `tenant-cross-namespace-ref`: a tenant's Flux objects refer only to
//! objects in their own namespace, wherever Flux's multi-tenancy lockdown
//! (`--no-cross-namespace-refs`) checks it: Kustomization and
//! ImageUpdateAutomation sources, HelmRelease chart sources, ImagePolicy
//! repositories, Alert event sources and Receiver resources.

use super::{RuleContext, about_tenant_object};
use crate::diag::{Finding, Severity};
use crate::fleet::refs::references;
use crate::rules::RuleId;

pub(super) const ID: RuleId = RuleId::TenantCrossNamespaceRef;

pub(super) fn check(ctx: &RuleContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for cluster in &ctx.fleet.clusters {
        for placed in cluster.objects.iter() {
            let Some(tenant) = placed
                .owner
                .is_restricted_tenant()
                .then(|| placed.owner.tenant())
                .flatten()
            else {
                continue;
            };
            let own = placed.resource.namespace();
            if own.is_empty() {
                continue;
            }
            for reference in references(&placed.resource)
                .into_iter()
                .filter(|r| r.lockdown && r.namespace != own)
            {
                let message = format!(
                    "{} of tenant {tenant} refers to {reference} through {}, outside its namespace {own}: Flux's multi-tenancy lockdown (--no-cross-namespace-refs) refuses it, and without the lockdown the tenant reaches into namespace {}",
                    placed.resource.describe(),
                    reference.field,
                    reference.namespace
                );
                let finding = Finding::new(
                        ID,
                        Severity::Error,
                        reference.namespace_span.unwrap_or(reference.name_span),
                        message,
                    )
                    .with_help(if reference.required {
                        format!(
                            "define the {} in namespace {own} (the tenant's own), and drop the namespace",
                            reference.kind
                        )
                    } else {
                        format!("list only objects of namespace {own}; other namespaces' events are the platform's to route")
                    });
                let refused = controller_of(placed.resource.kind())
                    .filter(|c| cluster.lockdown.blocks_cross_namespace_refs(c))
                    .map(|c| format!("is refused: {c} runs with --no-cross-namespace-refs"));
                findings.push(about_tenant_object(
                    finding,
                    ctx,
                    cluster,
                    placed,
                    refused.as_deref(),
                ));
            }
        }
    }
    findings
}

/// The controller that reconciles objects of `kind` (and checks their references).
fn controller_of(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Kustomization" => "kustomize-controller",
        "HelmRelease" => "helm-controller",
        "Alert" | "Receiver" => "notification-controller",
        "ImagePolicy" | "ImageRepository" => "image-reflector-controller",
        "ImageUpdateAutomation" => "image-automation-controller",
        _ => return None,
    })
}
