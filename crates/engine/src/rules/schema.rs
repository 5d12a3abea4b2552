//! `schema`: objects validated against their kind's JSON Schema, each error
//! reported at the key or value that fails (which may be in a patch).
//!
//! What is validated, each object once:
//! 1. every object a cluster applies, as built (overlays, patches and
//!    substitutions applied), with where it lands as related locations;
//! 2. objects that only kustomization directories no cluster reaches build;
//! 3. documents of files that nothing builds, as written (a file some build
//!    reads, such as a patch, is not an object of its own).
//!
//! Objects of kinds without a schema are counted, not reported. Outside a
//! cluster's build, a missing field is not reported for kinds that some Flux
//! Kustomization patches (`spec.patches`): the patch may add it, as fleets do
//! to give every child Kustomization its `interval`.

use crate::rules::RuleId;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::LazyLock;

use rayon::prelude::*;
use regex::Regex;

use super::{RuleContext, landing};
use crate::diag::{Finding, Severity};
use crate::schema::{BadSchema, ObjectType, SchemaSet, Violation};
use crate::source::{FileId, Span};
use crate::yaml::Node;

pub(crate) const ID: RuleId = RuleId::Schema;

/// How many objects (distinct definitions) were validated, and how many had
/// no schema for their kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Coverage {
    pub validated: usize,
    pub unchecked: usize,
}

/// An object to validate, and where it lands (for objects on a cluster).
struct Subject<'a> {
    node: &'a Node,
    origin: Span,
    object_type: ObjectType,
    landing: Option<(Span, String)>,
}

pub(crate) fn check(ctx: &RuleContext) -> (Vec<Finding>, Coverage) {
    let subjects = subjects(ctx);
    let types: BTreeSet<&ObjectType> = subjects.iter().map(|s| &s.object_type).collect();
    let (schemas, bad) = SchemaSet::for_types(types, &ctx.config.schema_dirs);
    let patched = kinds_flux_patches(ctx);
    let mut findings: Vec<Finding> = bad
        .into_iter()
        .filter_map(|problem| unusable_schema(problem, &subjects))
        .collect();
    let (distinct, verdict_of) = distinct_nodes(&subjects);
    let verdicts: Vec<Vec<Violation>> = distinct
        .par_iter()
        .map(|subject| {
            schemas
                .validate(&subject.object_type, subject.node)
                .unwrap_or_default()
        })
        .collect();
    for (subject, verdict) in subjects.iter().zip(verdict_of) {
        let patch_may_add = subject.landing.is_none()
            && (patched.contains(&subject.object_type.kind) || patched.contains("*"));
        let violations = verdicts[verdict]
            .iter()
            .filter(|v| !(v.missing.is_some() && patch_may_add));
        findings.extend(violations.map(|violation| {
            let finding = Finding::new(
                ID,
                Severity::Error,
                violation.span,
                violation.message.clone(),
            );
            match &subject.landing {
                Some((span, message)) => finding.with_related(*span, message.clone()),
                None => finding,
            }
        }));
    }
    (findings, coverage(&subjects, &schemas))
}

/// The subjects whose nodes are distinct (a node shared by several
/// clusters' builds is validated once: its violations depend on the node
/// alone), and for each subject the index of its node among them.
fn distinct_nodes<'s, 'a>(subjects: &'s [Subject<'a>]) -> (Vec<&'s Subject<'a>>, Vec<usize>) {
    let mut distinct = Vec::new();
    let mut index_of: HashMap<*const Node, usize> = HashMap::new();
    let verdict_of = subjects
        .iter()
        .map(|subject| {
            *index_of
                .entry(std::ptr::from_ref(subject.node))
                .or_insert_with(|| {
                    distinct.push(subject);
                    distinct.len() - 1
                })
        })
        .collect();
    (distinct, verdict_of)
}

/// The three inputs, in order; an object defined once is a subject once per
/// cluster (findings at the same place are merged by the registry), and
/// validated once per distinct node ([`distinct_nodes`]).
fn subjects<'a>(ctx: &'a RuleContext) -> Vec<Subject<'a>> {
    let mut subjects = Vec::new();
    // The fleet model knows which files no cluster reaches (every file, when
    // it found no cluster).
    let unreachable: HashSet<FileId> = ctx.fleet.unreachable.iter().copied().collect();
    let reached = |file: &FileId| !ctx.fleet.clusters.is_empty() && !unreachable.contains(file);
    for cluster in &ctx.fleet.clusters {
        for placed in &cluster.objects {
            if let Some(object_type) = object_type(&placed.resource.node) {
                subjects.push(Subject {
                    node: &placed.resource.node,
                    origin: placed.resource.origin,
                    object_type,
                    landing: Some(landing(cluster, placed)),
                });
            }
        }
    }
    for resource in &ctx.builds.unreached {
        if let Some(object_type) = object_type(&resource.node) {
            subjects.push(Subject {
                node: &resource.node,
                origin: resource.origin,
                object_type,
                landing: None,
            });
        }
    }
    for (id, file) in ctx.files().iter().enumerate() {
        let id = FileId(id as u32);
        if reached(&id) || ctx.builds.files.contains(&id) || ctx.loaded.is_secret_scan_only(id) {
            continue;
        }
        for document in &file.documents {
            if let Some(object_type) = object_type(&document.root) {
                subjects.push(Subject {
                    node: &document.root,
                    origin: document.root.span,
                    object_type,
                    landing: None,
                });
            }
        }
    }
    subjects
}

/// The `kind:` line of a patch's text (a patch without a `target`).
// The pattern is a constant, compiled by a unit test below: `expect` cannot fire.
static KIND_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^kind:\s*(\S+)").expect("valid regex"));

/// The kinds that Flux Kustomizations' `spec.patches` target (`*` for a
/// target without a kind), read from every document as written.
fn kinds_flux_patches(ctx: &RuleContext) -> HashSet<String> {
    let mut kinds = HashSet::new();
    let flux_kustomizations = ctx
        .files()
        .iter()
        .enumerate()
        .filter(|(id, _)| !ctx.loaded.is_secret_scan_only(FileId(*id as u32)))
        .flat_map(|(_, file)| &file.documents)
        .map(|document| &document.root)
        .filter(|root| {
            root.get("kind").and_then(Node::as_str) == Some("Kustomization")
                && root
                    .get("apiVersion")
                    .and_then(Node::as_str)
                    .is_some_and(|v| v.starts_with("kustomize.toolkit.fluxcd.io/"))
        });
    for root in flux_kustomizations {
        let patches = root.get_path(&["spec", "patches"]).and_then(Node::as_seq);
        for patch in patches.unwrap_or_default() {
            let target_kind = patch.get_path(&["target", "kind"]).and_then(Node::as_str);
            let body_kind = || {
                let body = patch.get("patch").and_then(Node::as_str)?;
                Some(KIND_LINE.captures(body)?.get(1)?.as_str())
            };
            let kind = match (patch.get("target"), target_kind) {
                (_, Some(kind)) => Some(kind),
                (Some(_), None) => Some("*"),
                (None, None) => body_kind(),
            };
            kinds.insert(kind.unwrap_or("*").to_string());
        }
    }
    kinds
}

/// The type of a Kubernetes object; `None` for a document that is not one,
/// such as a kustomization file (`kustomize.config.k8s.io`), which is never applied.
fn object_type(node: &Node) -> Option<ObjectType> {
    let api_version = node.get("apiVersion")?.as_str()?;
    if api_version.starts_with("kustomize.config.k8s.io/") {
        return None;
    }
    Some(ObjectType {
        api_version: api_version.to_string(),
        kind: node.get("kind")?.as_str()?.to_string(),
    })
}

/// A schema file that cannot be used: a warning at the first object of its type.
fn unusable_schema(problem: BadSchema, subjects: &[Subject]) -> Option<Finding> {
    let first = subjects
        .iter()
        .find(|s| s.object_type == problem.object_type)?;
    Some(Finding::new(
        ID,
        Severity::Warning,
        first.node.headline(),
        format!(
            "{} {} is not schema-checked: the schema {} {}",
            problem.object_type.kind, problem.object_type.api_version, problem.path, problem.reason
        ),
    ))
}

/// Distinct definitions (by origin) with and without a schema.
fn coverage(subjects: &[Subject], schemas: &SchemaSet) -> Coverage {
    let origins = |with_schema: bool| {
        subjects
            .iter()
            .filter(|s| schemas.has(&s.object_type) == with_schema)
            .map(|s| s.origin)
            .collect::<HashSet<Span>>()
            .len()
    };
    Coverage {
        validated: origins(true),
        unchecked: origins(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_line_of_a_patch_is_found() {
        let patch = "apiVersion: v1\nkind: Kustomization\nmetadata:\n  name: _\n";
        let kind = KIND_LINE.captures(patch).and_then(|c| c.get(1));
        assert_eq!(kind.map(|m| m.as_str()), Some("Kustomization"));
    }
}
