//! `deprecated-api`: Flux API versions that Flux no longer serves. A source
//! rule: every manifest file, reached or not. The versions and the releases
//! that removed them are from the reference's version matrix (Flux 2.9).

use super::RuleContext;
use crate::diag::{Finding, Severity};
use crate::yaml::Node;

pub const ID: &str = "deprecated-api";

/// API versions Flux removed for some kinds of a group.
struct Removed {
    group: &'static str,
    kinds: &'static [&'static str],
    /// (version, the Flux release that removed it).
    versions: &'static [(&'static str, &'static str)],
    current: &'static str,
}

const REMOVED: &[Removed] = &[
    Removed {
        group: "kustomize.toolkit.fluxcd.io",
        kinds: &["Kustomization"],
        versions: &[("v1beta1", "2.7"), ("v1beta2", "2.8")],
        current: "v1",
    },
    Removed {
        group: "helm.toolkit.fluxcd.io",
        kinds: &["HelmRelease"],
        versions: &[("v2beta1", "2.7"), ("v2beta2", "2.8")],
        current: "v2",
    },
    Removed {
        group: "source.toolkit.fluxcd.io",
        kinds: &[
            "GitRepository",
            "HelmRepository",
            "HelmChart",
            "Bucket",
            "OCIRepository",
        ],
        versions: &[("v1beta1", "2.7"), ("v1beta2", "2.8")],
        current: "v1",
    },
    Removed {
        group: "notification.toolkit.fluxcd.io",
        kinds: &["Alert", "Provider"],
        versions: &[("v1beta1", "2.7"), ("v1beta2", "2.9")],
        current: "v1beta3",
    },
    Removed {
        group: "notification.toolkit.fluxcd.io",
        kinds: &["Receiver"],
        versions: &[("v1beta1", "2.7"), ("v1beta2", "2.9")],
        current: "v1",
    },
];

pub fn check(ctx: &RuleContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (id, _) in ctx.store().iter() {
        for doc in &ctx.files()[id.0 as usize].documents {
            if let Some(finding) = removed_version(&doc.root) {
                findings.push(finding);
            }
        }
    }
    findings
}

fn removed_version(root: &Node) -> Option<Finding> {
    let api_version = root.get("apiVersion")?;
    let (group, version) = api_version.as_str()?.split_once('/')?;
    let kind = root.get("kind").and_then(Node::as_str)?;
    let removed = REMOVED
        .iter()
        .find(|r| r.group == group && r.kinds.contains(&kind))?;
    let (_, release) = removed.versions.iter().find(|(v, _)| *v == version)?;
    let current = removed.current;
    Some(
        Finding::new(
            ID,
            Severity::Error,
            api_version.span,
            format!("{kind} `{group}/{version}` was removed in Flux {release}: Flux no longer applies it; use `{group}/{current}`"),
        )
        .with_help("`flux migrate` rewrites the manifests; check the fields the new version renamed"),
    )
}
