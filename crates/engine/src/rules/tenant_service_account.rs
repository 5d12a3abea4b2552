//! `tenant-service-account`, its graph part: the ServiceAccount a tenant Flux
//! Kustomization or HelmRelease runs as is one the fleet defines in one of the
//! tenant's namespaces. That `spec.serviceAccountName` is set at all is a
//! pattern over one object: `rules/tenant-service-account.yaml`; where the
//! cluster's controller runs with `--default-service-account`, that pattern's
//! error becomes a warning naming the default ([`under_default_service_account`]).

use crate::rules::RuleId;
use std::collections::{HashMap, HashSet};

use super::{RuleContext, about_tenant_object};
use crate::diag::{Finding, Severity};
use crate::fleet::tenant::PLATFORM_NAMESPACES;
use crate::fleet::{Cluster, Owner, Placed};
use crate::yaml::Node;

pub(super) const ID: RuleId = RuleId::TenantServiceAccount;

pub(super) fn check(ctx: &RuleContext) -> Vec<Finding> {
    let service_accounts = service_accounts_by_namespace(ctx);
    let namespaces = tenant_namespaces(ctx);
    let mut findings = Vec::new();
    for cluster in &ctx.fleet.clusters {
        for placed in cluster.objects.iter().filter(|p| p.is_tenant_reconciler()) {
            let Some(tenant) = placed.owner.tenant() else {
                continue;
            };
            let Some((name, span)) = service_account(placed) else {
                continue;
            };
            // Flux impersonates the ServiceAccount in the object's own
            // namespace; the contract also accepts any namespace of the tenant.
            let own = service_accounts.contains(&(placed.resource.namespace(), name));
            let defined = own
                || namespaces.get(tenant).is_some_and(|nss| {
                    nss.iter()
                        .any(|ns| service_accounts.contains(&(ns.as_str(), name)))
                });
            if defined {
                continue;
            }
            let finding = Finding::new(
                ID,
                Severity::Warning,
                span,
                format!(
                    "{} of tenant {tenant} runs as ServiceAccount `{name}`, which the fleet defines in no namespace of {tenant}",
                    placed.resource.describe()
                ),
            )
            .with_help("define the ServiceAccount (with a RoleBinding) in the tenant's namespace, or fix the name");
            findings.push(about_tenant_object(finding, ctx, cluster, placed, None));
        }
    }
    findings
}

/// The declarative part's finding on `placed` as it lands on `cluster`: when
/// the controller that reconciles it runs with `--default-service-account=<sa>`
/// (or the Flux Operator's `tenantDefaultServiceAccount`), an object without
/// `serviceAccountName` impersonates `<sa>` in its namespace rather than the
/// controller's cluster-admin identity, so the error is a warning that names
/// the default. Other findings pass through.
pub(super) fn under_default_service_account(
    finding: Finding,
    cluster: &Cluster,
    placed: &Placed,
) -> Finding {
    if finding.rule != ID || finding.severity != Severity::Error {
        return finding;
    }
    let controller = match placed.resource.kind() {
        "HelmRelease" => "helm-controller",
        _ => "kustomize-controller",
    };
    let Some(default) = cluster.lockdown.default_service_account(controller) else {
        return finding;
    };
    let mut finding = finding.with_message(format!(
        "{} of tenant {} sets no spec.serviceAccountName: on cluster {}, {controller} runs it as the default ServiceAccount `{default}` of its namespace (--default-service-account)",
        placed.resource.describe(),
        placed.owner.tenant().unwrap_or_default(),
        cluster.name
    ));
    finding.severity = Severity::Warning;
    finding.with_help(format!(
        "set spec.serviceAccountName to the tenant's reconciler ServiceAccount, so that its permissions do not hang on `{default}`'s RoleBindings in each namespace"
    ))
}

/// The non-empty `spec.serviceAccountName` and its span.
fn service_account(placed: &Placed) -> Option<(&str, crate::source::Span)> {
    let node = placed
        .resource
        .node
        .get_path(&["spec", "serviceAccountName"])?;
    node.as_str()
        .filter(|s| !s.trim().is_empty())
        .map(|s| (s, node.span))
}

/// (namespace, name) of every ServiceAccount on any cluster.
fn service_accounts_by_namespace<'a>(ctx: &'a RuleContext) -> HashSet<(&'a str, &'a str)> {
    ctx.fleet
        .clusters
        .iter()
        .flat_map(|c| &c.objects)
        .filter(|p| p.resource.kind() == "ServiceAccount" && p.resource.api_version() == "v1")
        .map(|p| (p.resource.namespace(), p.resource.name()))
        .collect()
}

/// For each tenant, the namespaces of its objects (and one named after it),
/// platform namespaces (`flux-system`, where tenant Kustomizations often live) excepted.
fn tenant_namespaces(ctx: &RuleContext) -> HashMap<String, HashSet<String>> {
    let mut out: HashMap<String, HashSet<String>> = HashMap::new();
    for placed in ctx.fleet.clusters.iter().flat_map(|c| &c.objects) {
        if let Owner::Tenant { name, .. } = &placed.owner {
            let set = out.entry(name.clone()).or_default();
            set.insert(name.clone());
            let ns = placed.resource.namespace();
            if !ns.is_empty() && !PLATFORM_NAMESPACES.contains(&ns) {
                set.insert(ns.to_string());
            }
            if let Some(target) = placed
                .resource
                .node
                .get_path(&["spec", "targetNamespace"])
                .and_then(Node::as_str)
            {
                set.insert(target.to_string());
            }
        }
    }
    for named in &ctx.config.tenants {
        let set = out.entry(named.name.clone()).or_default();
        set.extend(
            named
                .namespaces
                .iter()
                .filter(|n| !n.ends_with('*'))
                .cloned(),
        );
    }
    out
}
