//! `tenant-remote-base`: a tenant's kustomization pulls a remote base
//! (`github.com/org/repo//path?ref=...`, an `https://` file): content that no
//! review of this repository covers lands in the tenant's namespaces.
//!
//! Tenant kustomizations are those under a tenant root (or a named tenant's
//! paths), those a tenant's Flux Kustomization builds, and those whose entries
//! pulled objects into a tenant's build.

use crate::rules::RuleId;
use std::collections::BTreeSet;

use super::RuleContext;
use crate::diag::{Finding, Severity};
use crate::fleet::Owner;
use crate::kustomize::{KUSTOMIZATION_FILES, paths};
use crate::source::FileId;
use crate::yaml::Node;

pub(super) const ID: RuleId = RuleId::TenantRemoteBase;

pub(super) fn check(ctx: &RuleContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (file, tenant) in tenant_kustomizations(ctx) {
        for doc in &ctx.files()[file.0 as usize].documents {
            for field in ["resources", "bases", "components"] {
                for item in doc
                    .root
                    .get(field)
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                {
                    let Some(entry) = item.as_str().filter(|e| paths::is_remote(e)) else {
                        continue;
                    };
                    findings.push(
                        Finding::new(
                            ID,
                            Severity::Error,
                            item.span,
                            format!("tenant {tenant} pulls the remote base `{entry}`: what it holds is reviewed nowhere in this repository and can change without a commit"),
                        )
                        .with_help("vendor the manifests into the tenant's folder, or let the platform provide them"),
                    );
                }
            }
        }
    }
    findings
}

/// (kustomization file, tenant) for every kustomization that is tenant content.
fn tenant_kustomizations(ctx: &RuleContext) -> BTreeSet<(FileId, String)> {
    let mut out = BTreeSet::new();
    for (id, file) in ctx.store().iter() {
        if ctx.loaded.is_secret_scan_only(id)
            || !KUSTOMIZATION_FILES.contains(&paths::file_name(&file.path))
        {
            continue;
        }
        if let Some(Owner::Tenant {
            name,
            privileged: false,
        }) = ctx.fleet.tenancy.folder_owner(&file.path)
        {
            out.insert((id, name));
        }
    }
    for cluster in &ctx.fleet.clusters {
        for sync in cluster
            .syncs
            .iter()
            .filter(|s| s.owner.is_restricted_tenant())
        {
            let kustomization = KUSTOMIZATION_FILES.iter().find_map(|name| {
                paths::join(&sync.path, name)
                    .ok()
                    .and_then(|p| ctx.loaded.find(&p))
            });
            if let (Some(file), Some(tenant)) = (kustomization, sync.owner.tenant()) {
                out.insert((file, tenant.to_string()));
            }
        }
        for placed in &cluster.objects {
            if let Owner::Tenant {
                name,
                privileged: false,
            } = &placed.owner
            {
                out.extend(
                    placed
                        .resource
                        .included_by
                        .iter()
                        .map(|span| (span.file, name.clone())),
                );
            }
        }
    }
    // A file reached by several tenants is reported once, for the first.
    let mut seen = BTreeSet::new();
    out.into_iter()
        .filter(|(file, _)| seen.insert(*file))
        .collect()
}
