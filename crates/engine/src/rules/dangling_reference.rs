//! `dangling-reference`: a Flux object names a source, provider, dependency
//! or values object that nothing on its cluster defines. A warning: Secrets
//! and ConfigMaps are sometimes made out of band, and content fleet-lint does
//! not see (other repositories, remote bases) may define the target.

use super::{RuleContext, landing};
use crate::diag::{Finding, Severity};
use crate::fleet::refs::{Reference, references};
use crate::fleet::{Cluster, Placed};
use crate::kustomize::Resource;
use crate::rules::RuleId;
use crate::suggest;
use crate::yaml::Node;

pub(super) const ID: RuleId = RuleId::DanglingReference;

/// Source kinds Flux bootstrap creates as `flux-system/flux-system`, whether
/// or not the repository holds their manifest.
const BOOTSTRAP_SOURCE_KINDS: [&str; 3] = ["GitRepository", "OCIRepository", "Bucket"];

pub(super) fn check(ctx: &RuleContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for cluster in &ctx.fleet.clusters {
        for placed in &cluster.objects {
            for reference in references(&placed.resource) {
                if !reference.required
                    || reference.name.contains("${")
                    || made_by_bootstrap(&reference)
                    || defined(cluster, &reference)
                {
                    continue;
                }
                findings.push(finding(cluster, placed, &reference));
            }
        }
    }
    findings
}

fn finding(cluster: &Cluster, placed: &Placed, reference: &Reference) -> Finding {
    let whose = placed
        .owner
        .tenant()
        .map_or(String::new(), |t| format!(" of tenant {t}"));
    let message = format!(
        "{}{whose} refers to {reference} through {}, which no manifest landing on its cluster defines: Flux cannot reconcile it until that object exists",
        placed.resource.describe(),
        reference.field
    );
    let same_kind = cluster
        .objects
        .iter()
        .map(|p| &p.resource)
        .filter(|r| r.kind() == reference.kind && r.namespace() == reference.namespace);
    let help = match suggest::closest(&reference.name, same_kind.map(Resource::name), 3) {
        Some(name) => format!("did you mean {} `{name}`?", reference.kind),
        None => format!(
            "define {reference} in the fleet, or fix the reference; an object made out of band can be suppressed"
        ),
    };
    let (span, landed) = landing(cluster, placed);
    Finding::new(ID, Severity::Warning, reference.name_span, message)
        .with_help(help)
        .with_related(span, landed)
        .with_tenant(placed.owner.tenant())
}

fn made_by_bootstrap(reference: &Reference) -> bool {
    reference.namespace == "flux-system"
        && reference.name == "flux-system"
        && BOOTSTRAP_SOURCE_KINDS.contains(&reference.kind.as_str())
}

/// Whether an object on `cluster` answers `reference`: one of that kind and
/// name (or one renamed by a name prefix or suffix), or one that makes it.
fn defined(cluster: &Cluster, reference: &Reference) -> bool {
    let Reference {
        kind,
        namespace,
        name,
        ..
    } = reference;
    cluster.find(kind, namespace, name).is_some()
        || cluster.objects.iter().any(|p| {
            let r = &p.resource;
            r.namespace() == namespace
                && ((r.kind() == kind && r.has_had_name(name))
                    || makes(r, kind).iter().any(|made| made == name))
        })
}

/// The names of the objects of `kind` that `resource` makes: the Secret of a
/// SealedSecret or ExternalSecret, the ExternalArtifacts of an ArtifactGenerator.
fn makes<'a>(resource: &'a Resource, kind: &str) -> Vec<&'a str> {
    let spec = |path: &[&str]| resource.node.get("spec").and_then(|s| s.get_path(path));
    match (kind, resource.kind()) {
        ("Secret", "SealedSecret") => vec![resource.name()],
        ("Secret", "ExternalSecret") => vec![
            spec(&["target", "name"])
                .and_then(Node::as_str)
                .unwrap_or(resource.name()),
        ],
        ("ExternalArtifact", "ArtifactGenerator") => spec(&["artifacts"])
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|a| a.get("name").and_then(Node::as_str))
            .collect(),
        _ => Vec::new(),
    }
}
