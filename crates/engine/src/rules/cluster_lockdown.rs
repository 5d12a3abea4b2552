//! `cluster-lockdown`: every cluster that has tenants runs Flux with the
//! multi-tenancy lockdown (`fleet::lockdown`): `--no-cross-namespace-refs` on
//! the five controllers, `--default-service-account` on kustomize- and
//! helm-controller, `--no-remote-bases` on kustomize-controller, the
//! platform's `flux-system` Kustomization keeping its own identity; or a Flux
//! Operator instance with `spec.cluster.multitenant: true`. A cluster whose
//! Flux the repository neither installs nor patches is an info: not evaluated.

use super::RuleContext;
use crate::diag::{Finding, Severity};
use crate::fleet::{Cluster, Lockdown};
use crate::rules::RuleId;

pub(super) const ID: RuleId = RuleId::ClusterLockdown;

/// The `flux-system` kustomization's patches that lock a cluster down.
const LOCKDOWN_PATCH: &str = "patches:
  - patch: |
      - op: add
        path: /spec/template/spec/containers/0/args/-
        value: --no-cross-namespace-refs=true
    target:
      kind: Deployment
      name: \"(kustomize-controller|helm-controller|notification-controller|image-reflector-controller|image-automation-controller)\"
  - patch: |
      - op: add
        path: /spec/template/spec/containers/0/args/-
        value: --no-remote-bases=true
    target:
      kind: Deployment
      name: kustomize-controller
  - patch: |
      - op: add
        path: /spec/template/spec/containers/0/args/-
        value: --default-service-account=flux
    target:
      kind: Deployment
      name: \"(kustomize-controller|helm-controller)\"
  - patch: |
      - op: add
        path: /spec/serviceAccountName
        value: kustomize-controller
    target:
      kind: Kustomization
      name: flux-system";

pub(super) fn check(ctx: &RuleContext) -> Vec<Finding> {
    ctx.fleet
        .clusters
        .iter()
        .filter(|c| c.remote.is_none() && has_tenants(c))
        .filter_map(finding_for)
        .collect()
}

fn has_tenants(cluster: &Cluster) -> bool {
    cluster
        .objects
        .iter()
        .any(|p| p.owner.is_restricted_tenant())
}

fn finding_for(cluster: &Cluster) -> Option<Finding> {
    let name = &cluster.name;
    match &cluster.lockdown {
        Lockdown::Operator {
            multitenant: false,
            at,
            ..
        } => Some(
            Finding::new(
                ID,
                Severity::Error,
                *at,
                format!(
                    "cluster {name} has tenants, but its FluxInstance does not set spec.cluster.multitenant: true: the controllers reconcile tenant objects without serviceAccountName as cluster admin and follow references into any namespace"
                ),
            )
            .with_help("set spec.cluster.multitenant: true and spec.cluster.tenantDefaultServiceAccount (for example `flux`)"),
        ),
        Lockdown::Operator { .. } => None,
        Lockdown::Controllers {
            at,
            platform_account,
            ..
        } => {
            let mut missing: Vec<String> = cluster
                .lockdown
                .missing()
                .into_iter()
                .map(|(flag, controllers)| format!("{flag} on {}", controllers.join(", ")))
                .collect();
            let locks_default = cluster.lockdown.default_service_account("kustomize-controller").is_some();
            if locks_default && platform_account.is_none() {
                missing.push("spec.serviceAccountName on the flux-system Kustomization (with --default-service-account it loses its privileges: set it to kustomize-controller)".to_string());
            }
            (!missing.is_empty()).then(|| {
                Finding::new(
                    ID,
                    Severity::Error,
                    *at,
                    format!(
                        "cluster {name} has tenants, but its Flux runs without the multi-tenancy lockdown: missing {}",
                        missing.join("; ")
                    ),
                )
                .with_help(format!("add the lockdown to this kustomization:\n{LOCKDOWN_PATCH}"))
            })
        }
        Lockdown::Unknown => not_evaluated(cluster),
    }
}

/// A cluster whose Flux is installed by other means: its lockdown is not in
/// the repository, so the rule says it is not evaluated, at the cluster's
/// root Kustomization (the entry point's `gotk-sync.yaml` or equivalent).
fn not_evaluated(cluster: &Cluster) -> Option<Finding> {
    let root = cluster.syncs.first()?.definition(cluster)?;
    Some(
        Finding::new(
            ID,
            Severity::Info,
            root.node.headline(),
            format!(
                "cluster {} has tenants, but the repository neither installs nor patches its Flux controllers (no controller Deployments, no patches on them, no FluxInstance): its multi-tenancy lockdown is not evaluated, and the other rules take it as not locked down",
                cluster.name
            ),
        )
        .with_help(
            "if this repository bootstraps the cluster, commit the controllers (`flux bootstrap` writes gotk-components.yaml) and patch them; `fleet-lint explain cluster-lockdown` shows the patches",
        ),
    )
}
