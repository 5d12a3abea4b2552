//! Cluster entry points: where Flux starts on each cluster, found from Flux's
//! own objects (`docs/fleet-model.md`). Configured clusters replace discovery;
//! otherwise every kind of root below is found, and their union kept:
//!
//! - a bootstrap sync: the Flux Kustomization `flux-system/flux-system`;
//! - a self-managing sync of any name: a Flux Kustomization whose `spec.path`
//!   holds its own file and whose source is defined in its own folder;
//! - a Flux Operator instance with `spec.sync.path`: a `FluxInstance`, or
//!   the `instance` values of the flux-instance chart (inline in a
//!   HelmRelease, one a ResourceSet makes, or a values file);
//! - a folder right under `clusters/` that no root above is in or holds, that
//!   no kustomization includes and no Flux Kustomization syncs (a shared base,
//!   a hub's spoke: content, not a cluster of its own) and that is not a
//!   template (`_TEMPLATE`, `.template`, `cluster-template`).
//!
//! A root inside a base (a folder other kustomizations include) or a
//! template is not a cluster's. A self-managing sync whose source is defined
//! elsewhere is a root only when nothing else is found. A bootstrap sync whose
//! path leads back to its own file only from a folder below the linted root
//! (a fleet below the root) makes that folder the cluster's source root.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use super::{KUSTOMIZE_GROUP, secure_join};
use crate::config::Config;
use crate::kustomize::paths::{self, Kind};
use crate::kustomize::{KUSTOMIZATION_FILES, ObjectMeta, Resolver, Resource};
use crate::yaml::Node;

/// Where one cluster starts.
pub(super) struct EntryPoint {
    /// The cluster's name, as findings name it.
    pub(super) name: String,
    /// The directory its root sync builds.
    pub(super) entry: String,
    /// The root sync object, when a file defines it.
    pub(super) sync: Option<Resource>,
    /// For a Flux Operator instance: the sync it makes, and its cluster
    /// settings.
    pub(super) operator: Option<super::Operator>,
    /// The folder the root sync's source is (`""`: the linted root).
    pub(super) source_root: String,
}

const SOURCE_GROUP: &str = "source.toolkit.fluxcd.io";
const OPERATOR_GROUP: &str = "fluxcd.controlplane.io";

/// Every cluster entry point: the configured ones in the config's order, else
/// the ones found, sorted by entry directory.
pub(super) fn entry_points(resolver: &mut Resolver<'_>, config: &Config) -> Vec<EntryPoint> {
    if !config.clusters.is_empty() {
        return config
            .clusters
            .iter()
            .map(|c| EntryPoint {
                name: c.name.clone(),
                entry: secure_join(&c.path),
                sync: None,
                operator: None,
                source_root: String::new(),
            })
            .collect();
    }
    let documents = flux_documents(resolver);
    let bases = included_dirs(resolver);
    // A root in a base that other kustomizations include, or in a template,
    // is content: the folders that include it are the clusters.
    let is_cluster_root =
        |entry: &str| !bases.contains(entry) && !entry.split('/').any(is_template);
    let roots = SyncRoots::of(&documents);
    let mut found: BTreeMap<String, EntryPoint> = BTreeMap::new();
    let candidates = roots
        .bootstrap
        .into_iter()
        .chain(roots.self_managing_beside_source)
        .chain(flux_instances(resolver, &documents));
    for (entry, point) in candidates.filter(|(entry, _)| is_cluster_root(entry)) {
        found.entry(entry).or_insert(point);
    }
    let mut synced: HashSet<String> = bases.clone();
    synced.extend(synced_dirs(&documents));
    for (entry, point) in cluster_folders(resolver, &synced, &found) {
        found.entry(entry).or_insert(point);
    }
    if found.is_empty() {
        found = roots
            .self_managing_elsewhere
            .into_iter()
            .filter(|(entry, _)| is_cluster_root(entry))
            .collect();
    }
    found.into_values().collect()
}

/// Every document of every YAML file read, with its file's path.
fn yaml_documents<'r>(
    resolver: &'r Resolver<'_>,
) -> impl Iterator<Item = (&'r str, &'r Arc<Node>)> + 'r {
    let files = resolver.files();
    files
        .store()
        .iter()
        .filter(|(_, f)| {
            let name = paths::file_name(&f.path);
            name.ends_with(".yaml") || name.ends_with(".yml")
        })
        .flat_map(move |(id, f)| {
            files
                .documents(id)
                .iter()
                .map(move |doc| (&*f.path, &doc.root))
        })
}

/// True for the objects of Flux and the Flux Operator.
fn is_flux(meta: ObjectMeta<'_>) -> bool {
    let group = meta.group_version().0;
    group.ends_with(".toolkit.fluxcd.io") || group == OPERATOR_GROUP
}

/// The Flux objects of every YAML file read, with their file's path (the
/// documents shared, not borrowed, since the model goes on reading files
/// while it uses them).
fn flux_documents(resolver: &Resolver<'_>) -> Vec<(String, Resource)> {
    yaml_documents(resolver)
        .filter(|(_, root)| is_flux(ObjectMeta(root)))
        .map(|(path, root)| {
            (
                path.to_string(),
                Resource::shared(Arc::clone(root), root.span),
            )
        })
        .collect()
}

/// The Flux Kustomizations that start a cluster, by entry directory.
#[derive(Default)]
struct SyncRoots {
    /// `flux-system/flux-system`.
    bootstrap: BTreeMap<String, EntryPoint>,
    /// Self-managing, reading a source defined in its own folder.
    self_managing_beside_source: BTreeMap<String, EntryPoint>,
    /// Self-managing, reading a source defined elsewhere (or nowhere).
    self_managing_elsewhere: BTreeMap<String, EntryPoint>,
}

impl SyncRoots {
    fn of(documents: &[(String, Resource)]) -> SyncRoots {
        let sources: HashSet<(&str, &str, &str, &str)> = documents
            .iter()
            .filter(|(_, r)| r.group_version().0 == SOURCE_GROUP)
            .map(|(path, r)| (paths::parent(path), r.kind(), r.namespace(), r.name()))
            .collect();
        let mut roots = SyncRoots::default();
        for (path, resource) in documents {
            if resource.kind() != "Kustomization" || resource.group_version().0 != KUSTOMIZE_GROUP {
                continue;
            }
            let target = resource
                .node
                .get_path(&["spec", "path"])
                .and_then(Node::as_str)
                .map(secure_join);
            let is_bootstrap =
                resource.name() == "flux-system" && resource.namespace() == "flux-system";
            // Only a bootstrap sync is looked for below the root: another
            // sync's path leading back to its own file from some folder is
            // more often a coincidence (a tenant's `./update`) than a fleet.
            let managing = target
                .as_deref()
                .and_then(|t| managed_from(path, t, is_bootstrap));
            let point = |name: &str, entry: &str, source_root: &str| EntryPoint {
                name: name.to_string(),
                entry: entry.to_string(),
                sync: Some(resource.clone()),
                operator: None,
                source_root: source_root.to_string(),
            };
            if is_bootstrap {
                let (entry, source_root) = match (&managing, &target) {
                    (Some((entry, root)), _) => (entry.clone(), root.clone()),
                    (None, Some(target)) => (target.clone(), String::new()),
                    (None, None) => (
                        paths::parent(paths::parent(path)).to_string(),
                        String::new(),
                    ),
                };
                let name = paths::file_name(&entry).to_string();
                roots
                    .bootstrap
                    .entry(entry.clone())
                    .or_insert_with(|| point(&name, &entry, &source_root));
            } else if let Some((entry, source_root)) =
                managing.filter(|(entry, _)| !entry.is_empty())
            {
                let beside = sources.contains(&source_beside(path, resource));
                let roots = if beside {
                    &mut roots.self_managing_beside_source
                } else {
                    &mut roots.self_managing_elsewhere
                };
                roots
                    .entry(entry.clone())
                    .or_insert_with(|| point(resource.name(), &entry, &source_root));
            }
        }
        roots
    }
}

/// Where a sync defined in the file at `path` that builds `target` (its
/// `spec.path`) starts, when its build holds its own file: (entry, source
/// root). The source is this repository from its root; else, when `below`,
/// for a fleet below the linted root, from the nearest folder above the file
/// from which `target` leads back to it.
fn managed_from(path: &str, target: &str, below: bool) -> Option<(String, String)> {
    if paths::contains(target, path) {
        return Some((target.to_string(), String::new()));
    }
    if !below {
        return None;
    }
    let mut root = paths::parent(path);
    while !root.is_empty() {
        let entry = if target.is_empty() {
            root.to_string()
        } else {
            format!("{root}/{target}")
        };
        if paths::contains(&entry, path) {
            return Some((entry, root.to_string()));
        }
        root = paths::parent(root);
    }
    None
}

/// (folder, kind, namespace, name) of the source `sync` names, were it
/// defined in the folder of `path`.
fn source_beside<'a>(path: &'a str, sync: &'a Resource) -> (&'a str, &'a str, &'a str, &'a str) {
    let field = |key| {
        sync.node
            .get_path(&["spec", "sourceRef", key])
            .and_then(Node::as_str)
    };
    (
        paths::parent(path),
        field("kind").unwrap_or(""),
        field("namespace").unwrap_or(sync.namespace()),
        field("name").unwrap_or(""),
    )
}

/// The roots the Flux Operator makes: an instance syncs `spec.sync.path` of
/// `spec.sync.url` (a source and a Kustomization named `spec.sync.name`, by
/// default the instance's namespace). The path is read from the root, or,
/// when it leads back to the instance's own file only from a folder below,
/// from that folder (an artifact built from a subfolder); one whose path is
/// a folder neither way syncs another repository.
fn flux_instances(
    resolver: &mut Resolver<'_>,
    documents: &[(String, Resource)],
) -> Vec<(String, EntryPoint)> {
    let mut specs = instance_specs(documents);
    specs.extend(instance_values_files(resolver));
    specs
        .into_iter()
        .filter_map(|found| {
            let sync = found.spec.get("sync")?;
            let target = secure_join(sync.get("path").and_then(Node::as_str)?);
            let (entry, source_root) =
                managed_from(&found.path, &target, true).unwrap_or((target.clone(), String::new()));
            if resolver.path_kind(&entry) != Kind::Dir {
                return None;
            }
            let name = match paths::file_name(&entry) {
                "" => found.name.clone(),
                folder => folder.to_string(),
            };
            let operator = super::Operator::of(&found.spec, &found.namespace);
            let point = EntryPoint {
                name,
                entry: entry.clone(),
                sync: None,
                operator: Some(operator),
                source_root,
            };
            Some((entry, point))
        })
        .collect()
}

/// A Flux Operator instance's spec (`FluxInstance.spec`, or the flux-instance
/// chart's `instance` values), with the file it is written in.
struct InstanceSpec {
    path: String,
    /// The instance's name (its HelmRelease's, for chart values).
    name: String,
    /// The namespace the instance runs in.
    namespace: String,
    spec: Node,
}

/// The instance specs of FluxInstances, and of HelmReleases (also those a
/// ResourceSet makes) with flux-instance chart values.
fn instance_specs(documents: &[(String, Resource)]) -> Vec<InstanceSpec> {
    let mut out = Vec::new();
    for (path, resource) in documents {
        let found = |spec: &Node, namespace: &str| InstanceSpec {
            path: path.clone(),
            name: resource.name().to_string(),
            namespace: namespace.to_string(),
            spec: spec.clone(),
        };
        let group = resource.group_version().0;
        match resource.kind() {
            "FluxInstance" if group == OPERATOR_GROUP => {
                if let Some(spec) = resource.node.get("spec") {
                    out.push(found(spec, resource.namespace()));
                }
            }
            "HelmRelease" => out.extend(
                chart_instance_values(&resource.node).map(|spec| found(spec, resource.namespace())),
            ),
            "ResourceSet" if group == OPERATOR_GROUP => {
                let made = resource
                    .node
                    .get_path(&["spec", "resources"])
                    .and_then(Node::as_seq)
                    .unwrap_or_default();
                for object in made {
                    if let Some(spec) = chart_instance_values(object) {
                        let meta = ObjectMeta(object);
                        let namespace = Some(meta.namespace())
                            .filter(|n| !n.is_empty())
                            .unwrap_or(resource.namespace());
                        out.push(found(spec, namespace));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// `spec.values.instance` of a HelmRelease `object`, when it is the
/// flux-instance chart's (an `instance.sync` with a path).
fn chart_instance_values(object: &Node) -> Option<&Node> {
    let meta = ObjectMeta(object);
    if meta.kind() != "HelmRelease" || !meta.api_version().starts_with("helm.toolkit.fluxcd.io/") {
        return None;
    }
    let instance = object.get_path(&["spec", "values", "instance"])?;
    instance.get_path(&["sync", "path"]).map(|_| instance)
}

/// The flux-instance chart's values files: YAML documents that are not
/// objects, whose `instance.sync` names a kind, URL and path (the chart's
/// values shape; the HelmRelease reads them through a generated ConfigMap).
fn instance_values_files(resolver: &Resolver<'_>) -> Vec<InstanceSpec> {
    yaml_documents(resolver)
        .map(|(path, root)| (path, ObjectMeta(root)))
        .filter(|(_, meta)| meta.kind().is_empty() && meta.api_version().is_empty())
        .filter_map(|(path, meta)| {
            let instance = meta.0.get("instance")?;
            let sync = instance.get("sync")?;
            ["kind", "url", "path"]
                .iter()
                .all(|key| sync.get(key).and_then(Node::as_str).is_some())
                .then(|| InstanceSpec {
                    path: path.to_string(),
                    name: "flux".to_string(),
                    namespace: "flux-system".to_string(),
                    spec: instance.clone(),
                })
        })
        .collect()
}

/// The folders right under `clusters/` that are clusters of their own: not
/// in or holding a root found already, not included by a kustomization or
/// synced by a Flux Kustomization, not a template.
fn cluster_folders(
    resolver: &mut Resolver<'_>,
    included: &HashSet<String>,
    found: &BTreeMap<String, EntryPoint>,
) -> Vec<(String, EntryPoint)> {
    if resolver.path_kind("clusters") != Kind::Dir {
        return Vec::new();
    }
    let mut names: Vec<String> = resolver.files().list_dir("clusters");
    names.sort();
    names
        .into_iter()
        .filter(|name| !is_template(name))
        .map(|name| (format!("clusters/{name}"), name))
        .filter(|(dir, _)| resolver.path_kind(dir) == Kind::Dir)
        .filter(|(dir, _)| !included.contains(dir))
        .filter(|(dir, _)| {
            !found
                .keys()
                .any(|entry| paths::contains(dir, entry) || paths::contains(entry, dir))
        })
        .map(|(dir, name)| {
            let point = EntryPoint {
                name,
                entry: dir.clone(),
                sync: None,
                operator: None,
                source_root: String::new(),
            };
            (dir, point)
        })
        .collect()
}

/// A folder scripts copy to make a cluster, not a cluster: `_TEMPLATE`,
/// `.template`, `cluster-template`.
fn is_template(name: &str) -> bool {
    name.starts_with('_') || name.starts_with('.') || name.to_ascii_lowercase().contains("template")
}

/// The directories the kustomization files read so far list as `resources`,
/// `bases` or `components` (relative to the root).
fn included_dirs(resolver: &Resolver<'_>) -> HashSet<String> {
    let files = resolver.files();
    files
        .store()
        .iter()
        .filter(|(_, f)| KUSTOMIZATION_FILES.contains(&paths::file_name(&f.path)))
        .flat_map(|(id, f)| {
            let dir = paths::parent(&f.path);
            files
                .documents(id)
                .iter()
                .take(1)
                .flat_map(|doc| {
                    ["resources", "bases", "components"]
                        .into_iter()
                        .filter_map(|field| doc.root.get(field).and_then(Node::as_seq))
                        .flatten()
                        .filter_map(Node::as_str)
                        .filter_map(|entry| paths::join(dir, entry).ok())
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The directories Flux Kustomizations sync (`spec.path`, from the root).
fn synced_dirs(documents: &[(String, Resource)]) -> impl Iterator<Item = String> + '_ {
    documents
        .iter()
        .filter(|(_, r)| r.kind() == "Kustomization" && r.group_version().0 == KUSTOMIZE_GROUP)
        .filter_map(|(_, r)| r.node.get_path(&["spec", "path"]).and_then(Node::as_str))
        .map(secure_join)
}

/// Where to report that no cluster was found: the first file (by path)
/// defining a Flux object, else the first defining any Kubernetes object;
/// `None` when there is none.
pub(super) fn no_entry_point_anchor(resolver: &Resolver<'_>) -> Option<crate::source::Span> {
    let is_object =
        |meta: ObjectMeta<'_>| !meta.kind().is_empty() && !meta.api_version().is_empty();
    let first = |keep: &dyn Fn(ObjectMeta<'_>) -> bool| {
        yaml_documents(resolver)
            .map(|(path, root)| (path, ObjectMeta(root)))
            .filter(|(_, meta)| keep(*meta))
            .min_by(|(a, _), (b, _)| a.cmp(b))
            .map(|(_, meta)| meta.0.headline())
    };
    first(&|meta| is_object(meta) && is_flux(meta)).or_else(|| first(&is_object))
}
