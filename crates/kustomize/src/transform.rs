//! The built-in transformers of one kustomization, in kustomize's order:
//! patchesStrategicMerge, patches, namespace, namePrefix/nameSuffix,
//! labels/commonLabels, commonAnnotations, patchesJson6902, replicas, images.
//! Values a transformer writes are spanned at the kustomization field that
//! set them, so a finding about an overlay's namespace points at the overlay.

use std::collections::HashSet;

use super::patch::{self, MergeOutcome};
use super::select::{NameIndex, Selector};
use crate::context::{Context, Target};
use crate::problem::{Problem, ProblemKind};
use crate::resolver::Objects;
use crate::source::{FileId, Span};
use crate::yaml::{Node, Value};
use crate::{Resource, inline, kustomize_treats_as_cluster_scoped, list};

pub(super) fn run(r: &mut Context, dir: &str, file: FileId, k: &Node, objects: &mut Objects) {
    let complete = objects.complete;
    let acc = &mut objects.resources;
    let mut patching = Patching::new(acc, complete);
    for entry in list(k, "patchesStrategicMerge") {
        if let Some(docs) = strategic_merge_entry(r, dir, file, entry) {
            for doc in docs {
                apply_patch(r, &mut patching, &doc, None, entry);
            }
        }
    }
    for entry in list(k, "patches") {
        apply_patch_entry(r, dir, file, &mut patching, entry, false);
    }
    if let Some(namespace) = k
        .get("namespace")
        .filter(|n| n.as_str().is_some_and(|s| !s.is_empty()))
    {
        set_namespace(acc, namespace);
    }
    rename(acc, k.get("namePrefix"), k.get("nameSuffix"));
    if let Some(labels) = k.get("commonLabels") {
        add_metadata(acc, "labels", labels, true, true);
    }
    for entry in list(k, "labels") {
        if let Some(pairs) = entry.get("pairs") {
            let flag = |key| entry.get(key).and_then(Node::as_str) == Some("true");
            let selectors = flag("includeSelectors");
            add_metadata(
                acc,
                "labels",
                pairs,
                selectors,
                selectors || flag("includeTemplates"),
            );
        }
    }
    if let Some(annotations) = k.get("commonAnnotations") {
        add_metadata(acc, "annotations", annotations, false, true);
    }
    let mut patching = Patching::new(acc, complete);
    for entry in list(k, "patchesJson6902") {
        apply_patch_entry(r, dir, file, &mut patching, entry, true);
    }
    for entry in list(k, "replicas") {
        set_replicas(acc, entry);
    }
    for entry in list(k, "images") {
        for resource in acc.iter_mut() {
            set_images(resource.node_mut(), entry);
        }
    }
    for field in ["replacements", "transformers", "validators", "vars"] {
        if let Some(entry) = k.entry(field) {
            objects.complete &= field == "validators";
            r.report(Problem::new(
                ProblemKind::NotEvaluated,
                entry.key.span,
                format!("`{field}` is not evaluated by fleet-lint; the build is checked as if it were absent"),
            ));
        }
    }
}

/// The patch documents of a `patchesStrategicMerge` entry: a file, else inline YAML.
fn strategic_merge_entry(
    r: &mut Context,
    dir: &str,
    file: FileId,
    entry: &Node,
) -> Option<Vec<Node>> {
    let text = entry.as_str()?;
    if text.contains('\n') || text.contains(": ") {
        return inline_documents(r, file, entry);
    }
    let id = r.referenced_file(dir, entry, true)?;
    Some(
        r.documents(id)
            .iter()
            .map(|d| Node::clone(&d.root))
            .collect(),
    )
}

fn inline_documents(r: &mut Context, file: FileId, scalar: &Node) -> Option<Vec<Node>> {
    let source = r.source(file);
    match inline::parse(scalar, &source, file) {
        Ok(docs) => Some(docs.into_iter().map(|d| Node::clone(&d.root)).collect()),
        Err((message, span)) => {
            r.report(Problem::new(
                ProblemKind::InlinePatchSyntax,
                span,
                format!("inline patch: {message}"),
            ));
            None
        }
    }
}

/// A `patches` (or, with `json_only`, `patchesJson6902`) entry.
fn apply_patch_entry(
    r: &mut Context,
    dir: &str,
    file: FileId,
    patching: &mut Patching,
    entry: &Node,
    json_only: bool,
) {
    let docs = if let Some(path) = entry.get("path") {
        match r.entry_target(dir, path) {
            Some(Target::File(p)) => r.yaml_file(&p).map(|id| {
                r.documents(id)
                    .iter()
                    .map(|d| Node::clone(&d.root))
                    .collect::<Vec<_>>()
            }),
            Some(Target::Dir(_)) | None => None,
        }
    } else if let Some(inline) = entry.get("patch") {
        inline_documents(r, file, inline)
    } else {
        r.invalid(entry.span, "a patch needs `path` or `patch`");
        None
    };
    let target = entry.get("target");
    for doc in docs.unwrap_or_default() {
        if json_only && doc.as_seq().is_none() {
            r.invalid(doc.span, "a JSON 6902 patch must be a list of operations");
            continue;
        }
        apply_patch(r, patching, &doc, target, entry);
    }
}

/// The objects a kustomization's patches apply to, with the index that finds
/// a patch's targets by name.
struct Patching<'a> {
    objects: &'a mut Vec<Resource>,
    names: NameIndex,
    /// False when the build may lack objects (a patch that matches nothing is
    /// then not reported).
    complete: bool,
}

impl<'a> Patching<'a> {
    fn new(objects: &'a mut Vec<Resource>, complete: bool) -> Patching<'a> {
        Patching {
            objects,
            names: NameIndex::new(),
            complete,
        }
    }
}

/// Applies one patch document (strategic merge or JSON 6902) to the objects it
/// targets. A patch that matches nothing is reported only when the build is
/// `complete` (otherwise its target may be among the objects fleet-lint cannot see).
fn apply_patch(
    r: &mut Context,
    patching: &mut Patching,
    doc: &Node,
    target: Option<&Node>,
    entry: &Node,
) {
    let Patching {
        objects: acc,
        names,
        complete,
    } = patching;
    let complete = *complete;
    let is_json = doc.as_seq().is_some();
    let matched: Vec<usize> = match target {
        Some(target) => match Selector::parse(target) {
            Ok(selector) => {
                let candidates = match selector.literal_name() {
                    Some(name) => names.candidates(acc, name),
                    None => (0..acc.len()).collect(),
                };
                candidates
                    .into_iter()
                    .filter(|&i| selector.matches(&acc[i]))
                    .collect()
            }
            Err(message) => {
                r.invalid(target.span, message);
                return;
            }
        },
        None if is_json => {
            r.invalid(entry.span, "a JSON 6902 patch needs a `target`");
            return;
        }
        None => {
            let name = doc.get_path(&["metadata", "name"]).and_then(Node::as_str);
            names
                .candidates(acc, name.unwrap_or(""))
                .into_iter()
                .filter(|&i| patch_names(doc, &acc[i]))
                .collect()
        }
    };
    if matched.is_empty() && !complete {
        return;
    }
    if matched.is_empty() {
        let (kind, what) = match target {
            Some(_) => (
                ProblemKind::PatchTargetUnmatched,
                "its target matches no object in the build",
            ),
            None => (
                ProblemKind::Invalid,
                "no object in the build has its kind, name and namespace",
            ),
        };
        let span = target.map_or_else(|| doc.headline(), |t| t.span);
        r.report(Problem::new(
            kind,
            span,
            format!("this patch changes nothing: {what}"),
        ));
        return;
    }
    let mut deleted = HashSet::new();
    for &index in &matched {
        let resource = &mut acc[index];
        let name_before = resource.name().to_string();
        if patch_one(r, resource, doc, target) {
            deleted.insert(index);
        }
        // Kustomize keeps the name a patch replaced: later targets match it too.
        if resource.name() != name_before {
            resource.earlier_names.push(name_before);
        }
    }
    names.note(acc, matched);
    let mut index = 0;
    acc.retain(|_| {
        index += 1;
        !deleted.contains(&(index - 1))
    });
}

/// Applies patch `doc` to `resource`; true when a strategic-merge patch
/// deletes it.
fn patch_one(r: &mut Context, resource: &mut Resource, doc: &Node, target: Option<&Node>) -> bool {
    if doc.as_seq().is_some() {
        if let Err(message) = patch::json6902(resource.node_mut(), doc) {
            let message = format!("JSON 6902 patch fails on {}: {message}", resource.id());
            r.invalid(doc.span, message);
        }
        return false;
    }
    let builtin = is_builtin_group(resource.group_version().0);
    let mut patch_doc = doc.clone();
    if target.is_some() {
        // With a target, the patch's own identity fields are ignored.
        if let Some(metadata) = patch_doc.get_mut("metadata") {
            metadata.remove("name");
            metadata.remove("namespace");
        }
    }
    patch::strategic_merge(resource.node_mut(), &patch_doc, builtin) == MergeOutcome::Delete
}

/// True when a target-less strategic-merge patch names `resource`.
fn patch_names(doc: &Node, resource: &Resource) -> bool {
    let field = |path: &[&str]| doc.get_path(path).and_then(Node::as_str).unwrap_or("");
    let namespace = field(&["metadata", "namespace"]);
    field(&["kind"]) == resource.kind()
        && resource.has_had_name(field(&["metadata", "name"]))
        && (namespace.is_empty() || namespace == resource.namespace())
}

/// API groups whose kinds kustomize merges with their schema's list merge keys.
fn is_builtin_group(group: &str) -> bool {
    matches!(
        group,
        "" | "apps"
            | "batch"
            | "networking.k8s.io"
            | "policy"
            | "autoscaling"
            | "rbac.authorization.k8s.io"
    )
}

/// The `namespace:` transformer: namespaced objects move to `namespace`,
/// `Namespace` objects are renamed to it, and binding subjects follow (those
/// named `default`, and ServiceAccounts defined in the same build).
fn set_namespace(acc: &mut [Resource], namespace: &Node) {
    let Some(ns) = namespace.as_str() else { return };
    let service_accounts: HashSet<(String, String)> = acc
        .iter()
        .filter(|r| r.kind() == "ServiceAccount")
        .map(|r| (r.name().to_string(), r.namespace().to_string()))
        .collect();
    for resource in acc.iter_mut() {
        let kind = resource.kind().to_string();
        let Some(metadata) = resource.node_mut().get_mut("metadata") else {
            continue;
        };
        if kind == "Namespace" {
            metadata.set("name", namespace.clone());
        } else if !kustomize_treats_as_cluster_scoped(&kind) {
            metadata.set("namespace", namespace.clone());
        }
        if kind == "RoleBinding" || kind == "ClusterRoleBinding" {
            for subject in subjects_mut(resource.node_mut()) {
                let name = subject
                    .get("name")
                    .and_then(Node::as_str)
                    .unwrap_or("")
                    .to_string();
                let subject_ns = subject
                    .get("namespace")
                    .and_then(Node::as_str)
                    .unwrap_or("")
                    .to_string();
                let is_sa = subject.get("kind").and_then(Node::as_str) == Some("ServiceAccount");
                if name == "default" || (is_sa && service_accounts.contains(&(name, subject_ns))) {
                    subject.set("namespace", Node::string(ns, namespace.span));
                }
            }
        }
    }
}

fn subjects_mut(node: &mut Node) -> impl Iterator<Item = &mut Node> {
    let items = match node.get_mut("subjects").map(|s| &mut s.value) {
        Some(Value::Seq(items)) => &mut items[..],
        _ => &mut [],
    };
    items.iter_mut()
}

/// `namePrefix` / `nameSuffix`: every object but Namespace, CRD and APIService
/// is renamed; binding `roleRef`s and ServiceAccount subjects that name a
/// renamed object of the build follow it. Flux fields are not rewritten.
fn rename(acc: &mut [Resource], prefix: Option<&Node>, suffix: Option<&Node>) {
    let text = |n: Option<&Node>| n.and_then(Node::as_str).unwrap_or("").to_string();
    let (pre, suf) = (text(prefix), text(suffix));
    if pre.is_empty() && suf.is_empty() {
        return;
    }
    let span = prefix.or(suffix).map(|n| n.span);
    let mut renamed: Vec<(String, String, String)> = Vec::new();
    for resource in acc.iter_mut() {
        let kind = resource.kind().to_string();
        if matches!(
            kind.as_str(),
            "Namespace" | "CustomResourceDefinition" | "APIService"
        ) {
            continue;
        }
        let old = resource.name().to_string();
        let new = format!("{pre}{old}{suf}");
        if let (Some(metadata), Some(span)) = (resource.node_mut().get_mut("metadata"), span) {
            metadata.set("name", Node::string(&new, span));
        }
        resource.earlier_names.push(old.clone());
        renamed.push((kind, old, new));
    }
    let new_name = |kind: &str, old: &str| {
        renamed
            .iter()
            .find(|(k, o, _)| k == kind && o == old)
            .map(|(_, _, n)| n.clone())
    };
    let Some(span) = span else { return };
    let refers =
        |r: &Resource| r.node.entry("roleRef").is_some() || r.node.entry("subjects").is_some();
    for resource in acc.iter_mut().filter(|r| refers(r)) {
        let node = resource.node_mut();
        if let Some(role_ref) = node.get_mut("roleRef") {
            follow_rename(role_ref, &new_name, span);
        }
        for subject in subjects_mut(node) {
            follow_rename(subject, &new_name, span);
        }
    }
}

/// Points a `{kind, name}` reference (roleRef, subject) at its target's new name.
fn follow_rename(
    reference: &mut Node,
    new_name: &impl Fn(&str, &str) -> Option<String>,
    span: Span,
) {
    let field = |key| reference.get(key).and_then(Node::as_str).unwrap_or("");
    if let Some(new) = new_name(field("kind"), field("name")) {
        reference.set("name", Node::string(&new, span));
    }
}

/// Workload kinds whose templates carry common labels: the pod template, and
/// a CronJob's job template too (kustomize's field specs).
fn template_paths(kind: &str) -> &'static [&'static [&'static str]] {
    match kind {
        "Deployment"
        | "ReplicaSet"
        | "DaemonSet"
        | "StatefulSet"
        | "Job"
        | "ReplicationController" => &[&["spec", "template", "metadata"]],
        "CronJob" => &[
            &["spec", "jobTemplate", "metadata"],
            &["spec", "jobTemplate", "spec", "template", "metadata"],
        ],
        _ => &[],
    }
}

fn selector_path(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet" => {
            Some(&["spec", "selector", "matchLabels"])
        }
        "Service" | "ReplicationController" => Some(&["spec", "selector"]),
        _ => None,
    }
}

/// Adds the pairs of `values` to `metadata.<field>` of every object, and to
/// selectors and pod templates when asked.
fn add_metadata(
    acc: &mut [Resource],
    field: &str,
    values: &Node,
    selectors: bool,
    templates: bool,
) {
    let pairs = values.as_map().unwrap_or_default();
    if pairs.is_empty() {
        return;
    }
    for resource in acc.iter_mut() {
        let kind = resource.kind().to_string();
        let mut targets: Vec<Vec<&str>> = vec![vec!["metadata", field]];
        if templates {
            targets.extend(
                template_paths(&kind)
                    .iter()
                    .map(|p| [*p, &[field]].concat()),
            );
        }
        if selectors && let Some(path) = selector_path(&kind) {
            targets.push(path.to_vec());
        }
        for path in targets {
            if let Some(map) = map_at(resource.node_mut(), &path, values) {
                for pair in pairs {
                    if let Some(key) = pair.key.as_str() {
                        map.set(key, pair.value.clone());
                    }
                }
            }
        }
    }
}

/// The mapping at `path`, created (spanned at `origin`) where missing.
fn map_at<'n>(node: &'n mut Node, path: &[&str], origin: &Node) -> Option<&'n mut Node> {
    path.iter()
        .try_fold(node, |current, key| current.map_entry(key, origin.span))
}

/// `replicas: [{name, count}]`.
fn set_replicas(acc: &mut [Resource], entry: &Node) {
    let (Some(name), Some(count)) = (entry.get("name").and_then(Node::as_str), entry.get("count"))
    else {
        return;
    };
    for resource in acc.iter_mut().filter(|r| r.has_had_name(name)) {
        if matches!(
            resource.kind(),
            "Deployment" | "ReplicaSet" | "StatefulSet" | "ReplicationController"
        ) && let Some(spec) = resource.node_mut().map_entry("spec", count.span)
        {
            spec.set("replicas", count.clone());
        }
    }
}

/// `images: [{name, newName, newTag, digest}]` on every `containers` and
/// `initContainers` list of an object.
fn set_images(node: &mut Node, entry: &Node) {
    let Some(wanted) = entry.get("name").and_then(Node::as_str) else {
        return;
    };
    match &mut node.value {
        Value::Map(entries) => {
            for e in entries.iter_mut() {
                let is_containers = matches!(e.key.as_str(), Some("containers" | "initContainers"));
                if let (true, Value::Seq(items)) = (is_containers, &mut e.value.value) {
                    for container in items.iter_mut() {
                        retag(container, wanted, entry);
                    }
                } else {
                    set_images(&mut e.value, entry);
                }
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(|i| set_images(i, entry)),
        Value::Scalar(..) => {}
    }
}

fn retag(container: &mut Node, wanted: &str, entry: &Node) {
    let Some(image) = container.get("image").and_then(Node::as_str) else {
        return;
    };
    let (name, tag) = split_image(image);
    if name != wanted {
        return;
    }
    let field = |key| entry.get(key).and_then(Node::as_str);
    let new_name = field("newName").unwrap_or(name);
    let new_image = match (field("digest"), field("newTag")) {
        (Some(digest), _) => format!("{new_name}@{digest}"),
        (None, Some(tag)) => format!("{new_name}:{tag}"),
        (None, None) => format!("{new_name}{tag}"),
    };
    container.set("image", Node::string(&new_image, entry.span));
}

/// Splits `registry/name:tag@digest` into the name and the rest (`:tag`, `@digest`).
fn split_image(image: &str) -> (&str, &str) {
    let after_slash = image.rfind('/').map_or(0, |i| i + 1);
    let end = image
        .find('@')
        .or_else(|| image[after_slash..].find(':').map(|i| i + after_slash))
        .unwrap_or(image.len());
    image.split_at(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_keep_their_registry_port() {
        assert_eq!(
            split_image("localhost:5000/app:1.2"),
            ("localhost:5000/app", ":1.2")
        );
        assert_eq!(split_image("nginx@sha256:abc"), ("nginx", "@sha256:abc"));
        assert_eq!(split_image("nginx"), ("nginx", ""));
    }
}
