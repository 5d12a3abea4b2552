//! The fleet model: for each cluster, everything that lands on it, who owns
//! it, and the chain of Flux Kustomizations that brought it there.
//!
//! From each cluster entry point, the Flux Kustomizations found in a build are
//! followed recursively: `sourceRef` (read from this checkout when it is this
//! repository), `spec.path` built by the resolver with the Kustomization's
//! overlay fields, then `postBuild` substitution with its own variables (a
//! child inherits none). Every placed object gets its cluster, its owner (a
//! tenant, or the platform) and its sync chain. A Kustomization with
//! `spec.kubeConfig` stays on its cluster (the hub) and its build lands on a
//! remote cluster of its own (`docs/fleet-model.md`). Words as in the rule
//! contract (`mission-rules.md`).

mod entry;
pub mod lockdown;
pub mod refs;
pub mod resource_set;
mod source;
pub mod substitute;
pub mod tenant;

use crate::rule_id::RuleId;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::path::Path;
use std::sync::Arc;

use crate::config::Config;
use crate::diag::{Finding, Severity};
use crate::kustomize::paths::Kind;
use crate::kustomize::{Resolver, Resource};
use crate::source::{FileId, Span};
use crate::yaml::Node;
pub use lockdown::Lockdown;
pub use resource_set::Expansion;
pub use source::SourceLocality;
pub use substitute::Unresolved;
pub use tenant::{Owner, Tenancy};

/// API group of Flux Kustomizations.
pub(crate) const KUSTOMIZE_GROUP: &str = "kustomize.toolkit.fluxcd.io";
/// API group of HelmReleases.
pub(crate) const HELM_GROUP: &str = "helm.toolkit.fluxcd.io";

/// One cluster and what lands on it.
#[derive(Debug)]
pub struct Cluster {
    /// Its name, as findings name it.
    pub name: String,
    /// The directory the cluster is bootstrapped on.
    pub entry: String,
    /// Flux Kustomizations followed on this cluster; `syncs[0]` is the root
    /// (a remote cluster has one root per hub Kustomization that names it,
    /// each without a parent).
    pub syncs: Vec<FollowedKustomization>,
    /// Every object applied to it, in the order its syncs place them.
    pub objects: Vec<Placed>,
    /// The folder the cluster's source is this repository from: `""` for the
    /// root, a subfolder for a fleet below the linted root. Its syncs' paths
    /// are relative to it.
    pub(crate) source_root: String,
    /// For a cluster reached from another through `spec.kubeConfig`: which,
    /// and how.
    pub remote: Option<Remote>,
    /// For a cluster a Flux Operator instance starts: its sync and settings.
    pub operator: Option<Operator>,
    /// The multi-tenancy lockdown its Flux runs with, as far as the
    /// repository says it (a remote cluster's is [`Lockdown::Unknown`]).
    pub lockdown: Lockdown,
    /// (kind, namespace, name) -> first index in `objects`.
    index: HashMap<(String, String, String), usize>,
}

/// A cluster that another one's controllers apply to through `spec.kubeConfig`
/// (a hub's spoke). Its root syncs are the hub's Kustomizations that name it.
#[derive(Debug, Clone)]
pub struct Remote {
    /// The cluster whose Kustomizations apply to this one, and on which they
    /// live (and emit their events).
    pub hub: String,
    /// `Secret namespace/name` or `ConfigMap namespace/name`: the kubeconfig
    /// reference, Flux's only name for the cluster.
    pub kube_config: String,
}

/// What a Flux Operator instance (`FluxInstance`, or the flux-instance
/// chart's values) sets up on its cluster.
#[derive(Debug, Clone)]
pub struct Operator {
    /// The source it makes for `spec.sync`: (kind, namespace, name); its
    /// Kustomization has the same namespace and name.
    pub source: (String, String, String),
    /// `spec.sync.url`: this repository.
    pub url: Option<String>,
    /// `spec.cluster.multitenant` (default false): the multi-tenancy lockdown.
    pub multitenant: bool,
    /// `spec.cluster.tenantDefaultServiceAccount` (default `default`): the
    /// identity tenant objects without `serviceAccountName` get when
    /// `multitenant` is on.
    pub tenant_default_service_account: String,
    /// `spec.cluster.networkPolicy` (default true): the controllers' network
    /// policies.
    pub network_policy: bool,
    /// Where the lockdown is set or missing: `spec.cluster.multitenant`, else
    /// `spec.cluster`, else `spec`.
    pub at: Span,
}

impl Operator {
    /// The settings of an instance `spec` running in `namespace`.
    pub(crate) fn of(spec: &Node, namespace: &str) -> Operator {
        let text = |path: &[&str]| spec.get_path(path).and_then(Node::as_str);
        let flag = |key: &str, default: bool| match text(&["cluster", key]) {
            Some("true") => true,
            Some("false") => false,
            _ => default,
        };
        let name = text(&["sync", "name"]).unwrap_or(namespace);
        Operator {
            source: (
                text(&["sync", "kind"])
                    .unwrap_or("GitRepository")
                    .to_string(),
                namespace.to_string(),
                name.to_string(),
            ),
            url: text(&["sync", "url"]).map(str::to_string),
            multitenant: flag("multitenant", false),
            tenant_default_service_account: text(&["cluster", "tenantDefaultServiceAccount"])
                .unwrap_or("default")
                .to_string(),
            network_policy: flag("networkPolicy", true),
            at: spec
                .get_path(&["cluster", "multitenant"])
                .or_else(|| spec.get("cluster"))
                .map_or(spec.span, |n| n.span),
        }
    }

    /// `namespace/name` of the Kustomization it makes.
    fn sync_id(&self) -> String {
        format!("{}/{}", self.source.1, self.source.2)
    }
}

/// A Flux Kustomization as followed on one cluster.
#[derive(Debug)]
pub struct FollowedKustomization {
    /// `namespace/name`.
    pub id: String,
    /// The directory it builds.
    pub path: String,
    /// The sync whose build holds this Kustomization (`None` for the root).
    pub parent: Option<usize>,
    /// Index in [`Cluster::objects`] of the Kustomization object (`None` for a root
    /// that no file defines).
    pub object: Option<usize>,
    /// `namespace/name` of the Kustomizations it depends on.
    pub depends_on: Vec<String>,
    /// Who owns it.
    pub owner: Owner,
    /// False when the build holds something fleet-lint cannot see.
    pub complete: bool,
    /// `${VAR}`s without default that its variables do not define.
    pub unresolved: Vec<Unresolved>,
    /// `Secret namespace/name` or `ConfigMap namespace/name`, from
    /// `spec.kubeConfig`: the build is applied to that remote cluster (a
    /// [`Cluster`] of its own, see [`Cluster::remote`]), not to this one.
    pub kube_config: Option<String>,
    /// On a remote cluster, for a root sync: the Kustomization object, which
    /// lives on the hub (`object` is `None`: no object of this cluster).
    pub(crate) on_hub: Option<Resource>,
    /// Non-optional `substituteFrom` objects the fleet does not define (made out
    /// of band?): `Kind name`.
    pub(crate) missing_substitute_from: Vec<String>,
}

/// An object on a cluster.
#[derive(Debug)]
pub struct Placed {
    /// The object, as built and substituted for this cluster.
    pub resource: Resource,
    /// The sync whose build applies it.
    pub sync: usize,
    /// Who owns it.
    pub owner: Owner,
    /// For an object a ResourceSet made: which, and for which input set.
    pub expansion: Option<Arc<Expansion>>,
}

impl FollowedKustomization {
    /// The Kustomization object that defines this sync: on `cluster`, or on
    /// the hub for a remote cluster's root sync.
    pub(crate) fn definition<'c>(&'c self, cluster: &'c Cluster) -> Option<&'c Resource> {
        self.object
            .map(|o| &cluster.objects[o].resource)
            .or(self.on_hub.as_ref())
    }

    /// The name of the cluster its Kustomization object lives on (and emits
    /// its events on): the hub for a remote cluster's root sync.
    pub(crate) fn lives_on<'c>(&self, cluster: &'c Cluster) -> &'c str {
        match (&self.on_hub, &cluster.remote) {
            (Some(_), Some(remote)) => &remote.hub,
            _ => &cluster.name,
        }
    }
}

impl Placed {
    /// True for a Flux `Kustomization` (not a kustomize one).
    pub fn is_flux_kustomization(&self) -> bool {
        self.resource.kind() == "Kustomization"
            && self.resource.group_version().0 == KUSTOMIZE_GROUP
    }

    /// A tenant's (not privileged) Flux Kustomization or HelmRelease: the objects
    /// the controllers reconcile with an identity, held to the tenant rules.
    pub(crate) fn is_tenant_reconciler(&self) -> bool {
        (self.is_flux_kustomization() || self.is_helm_release())
            && self.owner.is_restricted_tenant()
    }

    /// True for a Flux `HelmRelease`.
    pub fn is_helm_release(&self) -> bool {
        self.resource.kind() == "HelmRelease" && self.resource.group_version().0 == HELM_GROUP
    }
}

/// The whole fleet.
#[derive(Debug, Default)]
pub struct Fleet {
    /// Every cluster found.
    pub clusters: Vec<Cluster>,
    /// Manifest files with objects that no cluster's build uses.
    pub unreachable: Vec<FileId>,
    /// Sources not read from this checkout: (kind/namespace/name, where defined or referenced).
    pub external_sources: Vec<(String, Span)>,
    /// What names the tenants, and every tenant found.
    pub tenancy: Tenancy,
}

impl Fleet {
    /// The tenants that own an object on some cluster, by name.
    pub fn tenant_names(&self) -> BTreeSet<&str> {
        self.tenancy.tenants.keys().map(String::as_str).collect()
    }
}

impl Cluster {
    /// The first object of `kind` named `namespace/name` on this cluster.
    pub fn find(&self, kind: &str, namespace: &str, name: &str) -> Option<&Placed> {
        self.find_index(kind, namespace, name)
            .map(|i| &self.objects[i])
    }

    /// Where in `objects` the first object of `kind` named `namespace/name` is.
    pub(crate) fn find_index(&self, kind: &str, namespace: &str, name: &str) -> Option<usize> {
        let key = (kind.to_string(), namespace.to_string(), name.to_string());
        self.index.get(&key).copied()
    }

    fn push(&mut self, placed: Placed) -> usize {
        let r = &placed.resource;
        let key = (
            r.kind().to_string(),
            r.namespace().to_string(),
            r.name().to_string(),
        );
        let index = self.objects.len();
        self.index.entry(key).or_insert(index);
        self.objects.push(placed);
        index
    }

    /// The syncs from the root down to `sync`.
    pub(crate) fn sync_chain(&self, sync: usize) -> Vec<usize> {
        let mut chain = vec![sync];
        while let Some(parent) = chain.last().and_then(|&s| self.syncs[s].parent) {
            chain.push(parent);
        }
        chain.reverse();
        chain
    }
}

/// Builds the fleet model; returns it with the findings it made.
pub(crate) fn build_fleet(
    root: &Path,
    resolver: &mut Resolver<'_>,
    config: &Config,
) -> (Fleet, Vec<Finding>) {
    let mut builder = Builder {
        resolver,
        locality: source::Locality::new(root, config),
        findings: Vec::new(),
        external: BTreeMap::new(),
        inputs: HashSet::new(),
        remote_syncs: Vec::new(),
        substitution_budget: MAX_SUBSTITUTION_GROWTH,
        said_over_budget: false,
    };
    let mut points = entry::entry_points(builder.resolver, config);
    let names = unique_names(points.iter().map(|p| (p.name.clone(), p.entry.clone())));
    for (point, name) in points.iter_mut().zip(names) {
        point.name = name;
    }
    let mut clusters: Vec<Cluster> = points
        .into_iter()
        .map(|point| builder.cluster(point))
        .collect();
    builder.remote_clusters(&mut clusters);
    for cluster in clusters.iter_mut().filter(|c| c.remote.is_none()) {
        cluster.lockdown = lockdown::lockdown_of(cluster, builder.resolver);
    }
    let tenancy = tenant::assign_owners(&mut clusters, builder.resolver.files().store(), config);
    let names = unique_names(clusters.iter().map(|c| {
        let qualified = c.remote.as_ref().map(|r| format!("{}/{}", r.hub, c.name));
        (c.name.clone(), qualified.unwrap_or_else(|| c.name.clone()))
    }));
    for (cluster, name) in clusters.iter_mut().zip(names) {
        cluster.name = name;
    }
    let unreachable = if clusters.is_empty() {
        Vec::new()
    } else {
        unreachable_files(builder.resolver, &clusters, &builder.inputs)
    };
    let mut findings = builder.findings;
    if clusters.is_empty()
        && let Some(span) = entry::no_entry_point_anchor(builder.resolver)
    {
        findings.push(no_entry_point(span));
    }
    if let Some(finding) = unreachable_finding(builder.resolver, &unreachable) {
        findings.push(finding);
    }
    let external_sources: Vec<(String, Span)> = builder.external.into_iter().collect();
    for (source, span) in &external_sources {
        let finding = Finding::new(
            RuleId::ExternalSource,
            Severity::Info,
            *span,
            format!("{source} is not this repository; what it holds is not linted"),
        );
        findings.push(finding.with_tenant(source_owner(&clusters, source)));
    }
    (
        Fleet {
            clusters,
            unreachable,
            external_sources,
            tenancy,
        },
        findings,
    )
}

struct Builder<'a, 'r> {
    resolver: &'a mut Resolver<'r>,
    locality: source::Locality,
    findings: Vec<Finding>,
    external: BTreeMap<String, Span>,
    /// The inputs the clusters' builds read (`Build::inputs`).
    inputs: HashSet<FileId>,
    /// Kustomizations with `spec.kubeConfig` met on the clusters built so
    /// far, whose builds land on remote clusters still to build.
    remote_syncs: Vec<RemoteSync>,
    /// How many more bytes `postBuild` substitution may add to the fleet.
    substitution_budget: usize,
    /// Whether the run has said that the budget ran out (once is enough).
    said_over_budget: bool,
}

/// How many bytes `postBuild` substitution may add to the whole fleet
/// (`rules/limit-exceeded.md`): real substitutions add a few bytes each; the
/// bound stops a large variable used thousands of times from filling memory.
pub(crate) const MAX_SUBSTITUTION_GROWTH: usize = 64 << 20;

/// A Flux Kustomization waiting to be followed.
struct Pending {
    parent: usize,
    object: usize,
}

/// A hub's Kustomization whose build is applied to a remote cluster, read
/// on the hub: its fields, and the variables the hub gives it.
struct RemoteSync {
    hub: String,
    kube_config: String,
    source_root: String,
    ks: Resource,
    id: String,
    dir: String,
    depends_on: Vec<String>,
    variables: Option<BTreeMap<String, String>>,
    missing_substitute_from: Vec<String>,
}

/// Where the `postBuild` variables of a build come from.
enum Variables<'a> {
    /// None: the root of a configured or folder-found cluster.
    None,
    /// Those of this Flux Kustomization, read on the cluster the build lands
    /// on (or in the build itself).
    Of(&'a Resource),
    /// Read already, on the hub, for a remote cluster's build.
    Read {
        vars: Option<BTreeMap<String, String>>,
        missing: Vec<String>,
    },
}

impl Builder<'_, '_> {
    fn cluster(&mut self, point: entry::EntryPoint) -> Cluster {
        let entry::EntryPoint {
            name,
            entry,
            sync: sync_object,
            operator,
            source_root,
        } = point;
        if let Some(url) = operator.as_ref().and_then(|o| o.url.as_deref()) {
            self.locality.learn_url(url);
        }
        let mut cluster = Cluster {
            name,
            entry: entry.clone(),
            syncs: Vec::new(),
            objects: Vec::new(),
            source_root,
            remote: None,
            index: HashMap::new(),
            operator,
            lockdown: Lockdown::Unknown,
        };
        let root_id = match (&sync_object, &cluster.operator) {
            (Some(r), _) => format!("{}/{}", r.namespace(), r.name()),
            (None, Some(operator)) => operator.sync_id(),
            (None, None) => "flux-system/flux-system".to_string(),
        };
        cluster.syncs.push(FollowedKustomization {
            id: root_id,
            path: entry.clone(),
            parent: None,
            object: None,
            depends_on: Vec::new(),
            owner: Owner::Platform,
            complete: true,
            unresolved: Vec::new(),
            kube_config: None,
            on_hub: None,
            missing_substitute_from: Vec::new(),
        });
        if let Some(root) = &sync_object
            && self.resolver.path_kind(&entry) != Kind::Dir
        {
            let finding = missing_path(root, &cluster.syncs[0].id);
            self.findings.push(finding);
        }
        let variables = sync_object.as_ref().map_or(Variables::None, Variables::Of);
        let queue = self.place_build(&mut cluster, 0, &entry, None, variables);
        self.learn_bootstrap_source(&cluster, sync_object.as_ref());
        self.follow_all(&mut cluster, queue);
        cluster
    }

    /// Follows the Kustomizations of `queue` on `cluster`, and those their
    /// builds hold, breadth first.
    fn follow_all(&mut self, cluster: &mut Cluster, queue: Vec<Pending>) {
        let mut queue = VecDeque::from(queue);
        let mut seen: HashSet<String> = cluster
            .syncs
            .iter()
            .filter(|s| s.parent.is_none())
            .map(|s| s.id.clone())
            .collect();
        while let Some(pending) = queue.pop_front() {
            let placed = &cluster.objects[pending.object];
            let id = format!("{}/{}", placed.resource.namespace(), placed.resource.name());
            if !seen.insert(id.clone()) {
                self.report_repeat(cluster, &pending, &id);
                continue;
            }
            if let Some(next) = self.follow(cluster, pending, id) {
                queue.extend(next);
            }
        }
    }

    /// Builds the remote clusters the hubs' Kustomizations apply to, each
    /// once (per hub and kubeconfig reference), in the order they were met;
    /// then those the remote clusters reach in turn.
    fn remote_clusters(&mut self, clusters: &mut Vec<Cluster>) {
        let mut built: HashSet<(String, String)> = HashSet::new();
        while !self.remote_syncs.is_empty() {
            let mut groups: Vec<((String, String), Vec<RemoteSync>)> = Vec::new();
            for sync in std::mem::take(&mut self.remote_syncs) {
                let key = (sync.hub.clone(), sync.kube_config.clone());
                match groups.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, group)) => group.push(sync),
                    None => groups.push((key, vec![sync])),
                }
            }
            for (key, group) in groups {
                if built.insert(key) {
                    let cluster = self.remote_cluster(group);
                    clusters.push(cluster);
                }
            }
        }
    }

    /// One remote cluster: the builds of the hub's Kustomizations that name
    /// it (`group`, not empty), with the hub's overlays and variables, then
    /// the Kustomizations those builds put on it.
    fn remote_cluster(&mut self, group: Vec<RemoteSync>) -> Cluster {
        let first = &group[0];
        let mut cluster = Cluster {
            name: first
                .kube_config
                .split_once(' ')
                .map_or("", |(_, n)| n)
                .to_string(),
            entry: first.dir.clone(),
            syncs: Vec::new(),
            objects: Vec::new(),
            source_root: first.source_root.clone(),
            remote: Some(Remote {
                hub: first.hub.clone(),
                kube_config: first.kube_config.clone(),
            }),
            operator: None,
            index: HashMap::new(),
            lockdown: Lockdown::Unknown,
        };
        let mut queue = Vec::new();
        for remote in group {
            let sync = cluster.syncs.len();
            cluster.syncs.push(FollowedKustomization {
                id: remote.id,
                path: remote.dir.clone(),
                parent: None,
                object: None,
                depends_on: remote.depends_on,
                owner: Owner::Platform,
                complete: true,
                unresolved: Vec::new(),
                kube_config: None,
                on_hub: None,
                missing_substitute_from: Vec::new(),
            });
            let variables = Variables::Read {
                vars: remote.variables,
                missing: remote.missing_substitute_from,
            };
            let found =
                self.place_build(&mut cluster, sync, &remote.dir, Some(&remote.ks), variables);
            cluster.syncs[sync].on_hub = Some(remote.ks);
            queue.extend(found);
        }
        self.follow_all(&mut cluster, queue);
        cluster
    }

    /// The GitRepository the root sync reads (default `flux-system/flux-system`)
    /// is this repository: remember its URL.
    fn learn_bootstrap_source(&mut self, cluster: &Cluster, sync_object: Option<&Resource>) {
        let field = |key| {
            sync_object
                .and_then(|r| r.node.get_path(&["spec", "sourceRef", key]))
                .and_then(Node::as_str)
                .map(str::to_string)
        };
        let name = field("name").unwrap_or_else(|| "flux-system".into());
        let namespace = field("namespace")
            .or_else(|| sync_object.map(|r| r.namespace().to_string()))
            .unwrap_or_else(|| "flux-system".into());
        if let Some(source) = cluster.find("GitRepository", &namespace, &name) {
            self.locality.learn_bootstrap(&source.resource);
        }
    }

    /// A Kustomization met again: a cycle when a strict ancestor of the sync
    /// that met it (a Kustomization in its own build, as `flux-system` is,
    /// merely manages itself).
    fn report_repeat(&mut self, cluster: &mut Cluster, pending: &Pending, id: &str) {
        if cluster.syncs[pending.parent].id == id {
            cluster.syncs[pending.parent]
                .object
                .get_or_insert(pending.object);
            return;
        }
        let chain = cluster.sync_chain(pending.parent);
        if chain.iter().any(|&s| cluster.syncs[s].id == id) {
            let node = &cluster.objects[pending.object].resource.node;
            let span = node
                .get_path(&["spec", "path"])
                .map_or_else(|| node.headline(), |n| n.span);
            let names: Vec<&str> = chain
                .iter()
                .map(|&s| cluster.syncs[s].id.as_str())
                .chain([id])
                .collect();
            self.findings.push(Finding::new(
                RuleId::KustomizeCycle,
                Severity::Error,
                span,
                format!(
                    "Flux Kustomizations include each other on cluster {}: {}",
                    cluster.name,
                    names.join(" -> ")
                ),
            ));
        }
    }

    /// Follows one Flux Kustomization: its source, path, overlay and variables.
    fn follow(
        &mut self,
        cluster: &mut Cluster,
        pending: Pending,
        id: String,
    ) -> Option<Vec<Pending>> {
        let resource = cluster.objects[pending.object].resource.clone();
        let spec = resource.node.get("spec");
        let depends_on = spec
            .and_then(|s| s.get("dependsOn"))
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|d| {
                let name = d.get("name").and_then(Node::as_str)?;
                let ns = d
                    .get("namespace")
                    .and_then(Node::as_str)
                    .unwrap_or(resource.namespace());
                Some(format!("{ns}/{name}"))
            })
            .collect();
        let sync = cluster.syncs.len();
        cluster.syncs.push(FollowedKustomization {
            id,
            path: String::new(),
            parent: Some(pending.parent),
            object: Some(pending.object),
            depends_on,
            owner: Owner::Platform,
            complete: true,
            unresolved: Vec::new(),
            kube_config: kube_config_of(&resource),
            on_hub: None,
            missing_substitute_from: Vec::new(),
        });
        if !self.source_is_local(cluster, &resource) {
            cluster.syncs[sync].complete = false;
            return None;
        }
        let path_node = spec.and_then(|s| s.get("path"));
        let path = path_node.and_then(Node::as_str).unwrap_or("");
        let dir = under(&cluster.source_root, &secure_join(path));
        cluster.syncs[sync].path = dir.clone();
        if self.resolver.path_kind(&dir) != Kind::Dir {
            let finding = missing_path(&resource, &cluster.syncs[sync].id);
            self.findings.push(finding);
            return None;
        }
        if let Some(kube_config) = cluster.syncs[sync].kube_config.clone() {
            self.remote_syncs.push(RemoteSync {
                hub: cluster.name.clone(),
                kube_config,
                source_root: cluster.source_root.clone(),
                variables: self.variables(cluster, &resource, &[]),
                missing_substitute_from: missing_substitute_from(cluster, &resource, &[]),
                id: cluster.syncs[sync].id.clone(),
                dir,
                depends_on: cluster.syncs[sync].depends_on.clone(),
                ks: resource,
            });
            return None;
        }
        let variables = Variables::Of(&resource);
        Some(self.place_build(cluster, sync, &dir, Some(&resource), variables))
    }

    /// Builds `dir` for `sync` (the overlay of `overlay_of`, then `variables`)
    /// and places its objects; returns the Flux Kustomizations found, to
    /// follow next.
    fn place_build(
        &mut self,
        cluster: &mut Cluster,
        sync: usize,
        dir: &str,
        overlay_of: Option<&Resource>,
        variables: Variables<'_>,
    ) -> Vec<Pending> {
        let overlay = overlay_of.map(|ks| (flux_overlay(ks), ks.origin.file));
        let build = self
            .resolver
            .build_with_overlay(dir, overlay.as_ref().map(|(n, f)| (n, *f)));
        cluster.syncs[sync].complete &= build.complete;
        self.inputs.extend(build.inputs.iter().copied());
        let vars = match variables {
            Variables::None => None,
            Variables::Of(ks) => {
                cluster.syncs[sync].missing_substitute_from =
                    missing_substitute_from(cluster, ks, &build.resources);
                self.variables(cluster, ks, &build.resources)
            }
            Variables::Read { vars, missing } => {
                cluster.syncs[sync].missing_substitute_from = missing;
                vars
            }
        };
        let mut pending = Vec::new();
        let mut resource_sets = Vec::new();
        for mut resource in build.resources {
            if let Some(vars) = &vars
                && !substitution_disabled(&resource)
                && substitute::mentions_variables(&resource.node)
            {
                let budget = &mut self.substitution_budget;
                let done = substitute::substitute(resource.node_mut(), vars, budget);
                cluster.syncs[sync].unresolved.extend(done.unresolved);
                if let Some(span) = done.over_budget
                    && !self.said_over_budget
                {
                    self.said_over_budget = true;
                    self.findings.push(substitution_over_budget(span));
                }
            }
            let is_resource_set = resource_set::is_resource_set(&resource);
            let object = place(cluster, sync, resource, None, &mut pending);
            if is_resource_set {
                resource_sets.push(object);
            }
        }
        for set in resource_sets {
            self.expand_resource_set(cluster, sync, set, &mut pending);
        }
        pending
    }

    /// Places on `cluster`, for `sync`, the objects the ResourceSet at
    /// `cluster.objects[set]` makes (its input providers looked up on the
    /// same cluster).
    fn expand_resource_set(
        &mut self,
        cluster: &mut Cluster,
        sync: usize,
        set: usize,
        pending: &mut Vec<Pending>,
    ) {
        let resource = &cluster.objects[set].resource;
        let file = self.resolver.files().store().get(resource.origin.file);
        let provider = |namespace: &str, name: &str| {
            cluster
                .find("ResourceSetInputProvider", namespace, name)
                .map(|p| p.resource.clone())
        };
        let expanded = resource_set::expand(resource, &provider, file);
        self.findings.extend(expanded.findings);
        for (object, expansion) in expanded.objects {
            place(cluster, sync, object, Some(expansion), pending);
        }
    }

    /// The variables of `ks`'s build: `substituteFrom` ConfigMaps and Secrets
    /// found on the cluster, then `substitute`; `None` when substitution does
    /// not run (no `postBuild`, or no variable with the default strategy).
    fn variables(
        &self,
        cluster: &Cluster,
        ks: &Resource,
        own: &[Resource],
    ) -> Option<BTreeMap<String, String>> {
        let post_build = ks.node.get_path(&["spec", "postBuild"])?;
        let mut vars = BTreeMap::new();
        for from in post_build
            .get("substituteFrom")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let kind = from.get("kind").and_then(Node::as_str).unwrap_or("");
            let name = from.get("name").and_then(Node::as_str).unwrap_or("");
            if let Some(found) = substitute_source(cluster, own, kind, ks.namespace(), name) {
                vars.extend(data_of(found));
            }
        }
        for entry in post_build
            .get("substitute")
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            if let (Some(key), Some(value)) = (entry.key.as_str(), entry.value.as_str()) {
                vars.insert(key.to_string(), value.replace('\n', ""));
            }
        }
        let always = post_build.get("substituteStrategy").and_then(Node::as_str) == Some("Always");
        (always || !vars.is_empty()).then_some(vars)
    }

    /// Whether `ks`'s source is this checkout; reports an external one once.
    fn source_is_local(&mut self, cluster: &Cluster, ks: &Resource) -> bool {
        let source_ref = ks.node.get_path(&["spec", "sourceRef"]);
        let field = |key| {
            source_ref
                .and_then(|s| s.get(key))
                .and_then(Node::as_str)
                .unwrap_or("")
        };
        let (kind, name) = (field("kind"), field("name"));
        let namespace = Some(field("namespace"))
            .filter(|n| !n.is_empty())
            .unwrap_or(ks.namespace());
        let source = cluster.find(kind, namespace, name).map(|o| &o.resource);
        let made_by_operator = cluster.operator.as_ref().is_some_and(|o| {
            o.source == (kind.to_string(), namespace.to_string(), name.to_string())
        });
        if source.is_none() && made_by_operator {
            return true;
        }
        let path = secure_join(
            ks.node
                .get_path(&["spec", "path"])
                .and_then(Node::as_str)
                .unwrap_or(""),
        );
        let path_exists = !path.is_empty() && self.resolver.path_kind(&path) == Kind::Dir;
        match self.locality.of(kind, source, path_exists) {
            SourceLocality::Local => true,
            SourceLocality::External => {
                let span = source.map_or_else(
                    || source_ref.map_or(ks.node.headline(), |s| s.span),
                    |s| s.node.headline(),
                );
                self.external
                    .entry(format!("{kind} {namespace}/{name}"))
                    .or_insert(span);
                false
            }
        }
    }
}

/// The non-optional `substituteFrom` objects of `ks` that neither the cluster
/// nor the sync's own build (`own`) holds.
/// The tenant owning the source `Kind namespace/name` where the fleet defines it.
fn source_owner<'c>(clusters: &'c [Cluster], source: &str) -> Option<&'c str> {
    let (kind, id) = source.split_once(' ')?;
    let (namespace, name) = id.split_once('/')?;
    clusters
        .iter()
        .find_map(|c| c.find(kind, namespace, name))
        .and_then(|placed| placed.owner.tenant())
}

/// Places `resource` on `cluster` for `sync` (its owner is given once the
/// fleet is built); a Flux Kustomization is queued to be followed.
fn place(
    cluster: &mut Cluster,
    sync: usize,
    resource: Resource,
    expansion: Option<Arc<Expansion>>,
    pending: &mut Vec<Pending>,
) -> usize {
    let placed = Placed {
        resource,
        sync,
        owner: Owner::Platform,
        expansion,
    };
    let is_ks = placed.is_flux_kustomization();
    let object = cluster.push(placed);
    if is_ks {
        pending.push(Pending {
            parent: sync,
            object,
        });
    }
    object
}

fn missing_substitute_from(cluster: &Cluster, ks: &Resource, own: &[Resource]) -> Vec<String> {
    let entries = ks
        .node
        .get_path(&["spec", "postBuild", "substituteFrom"])
        .and_then(Node::as_seq);
    entries
        .unwrap_or_default()
        .iter()
        .filter(|from| from.get("optional").and_then(Node::as_str) != Some("true"))
        .filter_map(|from| {
            let kind = from.get("kind").and_then(Node::as_str)?;
            let name = from.get("name").and_then(Node::as_str)?;
            substitute_source(cluster, own, kind, ks.namespace(), name)
                .is_none()
                .then(|| format!("{kind} {name}"))
        })
        .collect()
}

/// The ConfigMap or Secret a `substituteFrom` entry names: on the cluster
/// already, else among `own`, the objects of the sync's own build (Flux reads
/// it from the cluster, where the sync's own apply put it).
fn substitute_source<'a>(
    cluster: &'a Cluster,
    own: &'a [Resource],
    kind: &str,
    namespace: &str,
    name: &str,
) -> Option<&'a Resource> {
    cluster
        .find(kind, namespace, name)
        .map(|placed| &placed.resource)
        .or_else(|| {
            own.iter()
                .find(|r| r.kind() == kind && r.namespace() == namespace && r.name() == name)
        })
}

/// `Secret namespace/name` or `ConfigMap namespace/name`: the kubeconfig
/// reference of Flux Kustomization `ks` (in its namespace), if it has one.
fn kube_config_of(ks: &Resource) -> Option<String> {
    [("secretRef", "Secret"), ("configMapRef", "ConfigMap")]
        .iter()
        .find_map(|(field, kind)| {
            let name = ks
                .node
                .get_path(&["spec", "kubeConfig", field, "name"])
                .and_then(Node::as_str)?;
            Some(format!("{kind} {}/{name}", ks.namespace()))
        })
}

/// Each (name, fallback) pair's name, or its fallback (an entry folder, a
/// hub-qualified name) when another pair has the same name: clusters are
/// told apart by name in every finding.
fn unique_names(pairs: impl Iterator<Item = (String, String)>) -> Vec<String> {
    let pairs: Vec<(String, String)> = pairs.collect();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for (name, _) in &pairs {
        *count.entry(name).or_default() += 1;
    }
    pairs
        .iter()
        .map(|(name, fallback)| match count[name.as_str()] {
            1 => name.clone(),
            _ if fallback.is_empty() => name.clone(),
            _ => fallback.clone(),
        })
        .collect()
}

/// `limit-exceeded` at the first scalar substitution left as written because
/// the fleet's substitution budget ran out.
fn substitution_over_budget(span: Span) -> Finding {
    Finding::new(
        RuleId::LimitExceeded,
        Severity::Warning,
        span,
        format!(
            "postBuild substitution would add more than {} MiB to the fleet here; this value, and any later one past the budget, is left as written",
            MAX_SUBSTITUTION_GROWTH >> 20
        ),
    )
}

/// `kustomize-missing-ref` for Flux Kustomization `ks` (`id`), whose
/// `spec.path` is not a folder here.
fn missing_path(ks: &Resource, id: &str) -> Finding {
    let path_node = ks.node.get_path(&["spec", "path"]);
    let path = path_node.and_then(Node::as_str).unwrap_or("");
    let span = path_node.map_or_else(|| ks.node.headline(), |n| n.span);
    let message = if climbs_above_root(path) {
        format!(
            "Flux Kustomization {id} builds `{path}`, which climbs above its source's root: Flux stops `..` there and reads `{}`, which does not exist (kustomization path not found)",
            secure_join(path)
        )
    } else {
        format!(
            "Flux Kustomization {id} builds `{path}`, which does not exist (kustomization path not found)"
        )
    };
    Finding::new(RuleId::KustomizeMissingRef, Severity::Error, span, message)
}

/// Whether a `..` of `path` would leave the folder it starts from.
fn climbs_above_root(path: &str) -> bool {
    let mut depth = 0usize;
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if depth == 0 => return true,
            ".." => depth -= 1,
            _ => depth += 1,
        }
    }
    false
}

/// `path` (root-relative to a source) as a path of this repository, whose
/// folder `source_root` the source is.
fn under(source_root: &str, path: &str) -> String {
    match (source_root, path) {
        ("", path) => path.to_string(),
        (root, "") => root.to_string(),
        (root, path) => format!("{root}/{path}"),
    }
}

/// `spec.path` joined to the source root the way Flux does (SecureJoin: `..`
/// cannot climb above the root).
fn secure_join(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// The kustomization fields Flux lays over the top-level kustomization of a build.
fn flux_overlay(ks: &Resource) -> Node {
    let mut overlay = Node::empty_map(ks.origin);
    let Some(spec) = ks.node.get("spec") else {
        return overlay;
    };
    for (field, as_field) in [
        ("targetNamespace", "namespace"),
        ("namePrefix", "namePrefix"),
        ("nameSuffix", "nameSuffix"),
        ("patches", "patches"),
        ("images", "images"),
        ("components", "components"),
        ("patchesStrategicMerge", "patchesStrategicMerge"),
        ("patchesJson6902", "patchesJson6902"),
    ] {
        if let Some(value) = spec.get(field) {
            overlay.set(as_field, value.clone());
        }
    }
    overlay
}

/// `kustomize.toolkit.fluxcd.io/substitute: disabled` as a label or annotation (exact value).
fn substitution_disabled(resource: &Resource) -> bool {
    ["labels", "annotations"].iter().any(|field| {
        resource.metadata_value(field, "kustomize.toolkit.fluxcd.io/substitute") == Some("disabled")
    })
}

/// The key/value data of a ConfigMap (`data`) or Secret (`data` decoded, `stringData`).
fn data_of(resource: &Resource) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let secret = resource.kind() == "Secret";
    for field in ["data", "stringData"] {
        for entry in resource
            .node
            .get(field)
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            let (Some(key), Some(value)) = (entry.key.as_str(), entry.value.as_str()) else {
                continue;
            };
            let value = if secret && field == "data" {
                crate::base64::decode(value)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default()
            } else {
                value.to_string()
            };
            out.push((key.to_string(), value.replace('\n', "")));
        }
    }
    out
}

/// The `no-entry-point` warning, at `span`.
pub(crate) fn no_entry_point(span: Span) -> Finding {
    Finding::new(
        RuleId::NoEntryPoint,
        Severity::Warning,
        span,
        "no cluster entry point found, so no object lands on a cluster: the rules that read clusters (the tenant rules, dangling references, substitutions, declarative rules on clusters) checked nothing",
    )
    .with_help("fleet-lint starts where Flux does: a `flux-system` Kustomization, a self-managing Kustomization beside its source, a FluxInstance's `spec.sync`, or a folder under `clusters/`. Name the clusters in `.fleet-lint.yaml` (`clusters: [{name: prod, path: clusters/prod}]`)")
}

/// Manifest files holding a Kubernetes object that no cluster build uses (by
/// any span of any placed object, or as an input a cluster's build read).
fn unreachable_files(
    resolver: &Resolver<'_>,
    clusters: &[Cluster],
    inputs: &HashSet<FileId>,
) -> Vec<FileId> {
    let mut reached: HashSet<FileId> = inputs.clone();
    let mut walked: HashSet<*const Node> = HashSet::new();
    for cluster in clusters {
        for placed in &cluster.objects {
            reached.insert(placed.resource.origin.file);
            reached.extend(placed.resource.included_by.iter().map(|s| s.file));
            // An object shared by several clusters' builds is walked once.
            if walked.insert(Arc::as_ptr(&placed.resource.node)) {
                collect_files(&placed.resource.node, &mut reached);
            }
        }
    }
    let files = resolver.files();
    let store = files.store();
    let mut unreachable: Vec<FileId> = store
        .iter()
        .filter(|(id, _)| !reached.contains(id) && holds_an_object(files.documents(*id)))
        .map(|(id, _)| id)
        .collect();
    unreachable.sort_by(|a, b| store.get(*a).path.cmp(&store.get(*b).path));
    unreachable
}

/// True when one of `documents` is a Kubernetes object (`apiVersion` and
/// `kind`): YAML that is not (a task runner's, a docs site's, Helm values) is
/// never unreachable, as it is never a manifest.
fn holds_an_object(documents: &[crate::yaml::Document]) -> bool {
    documents.iter().any(|doc| {
        ["apiVersion", "kind"].iter().all(|key| {
            doc.root
                .get(key)
                .and_then(Node::as_str)
                .is_some_and(|v| !v.is_empty())
        })
    })
}

/// Every file a span of `node` (or of its children) is in.
pub(crate) fn collect_files(node: &Node, into: &mut HashSet<FileId>) {
    into.insert(node.span.file);
    collect_files_below(node, into);
}

/// The files of `node`'s children, each looked up in `into` only where it
/// differs from its parent's (most of an object comes from one file).
fn collect_files_below(node: &Node, into: &mut HashSet<FileId>) {
    let mut visit = |child: &Node| {
        if child.span.file != node.span.file {
            into.insert(child.span.file);
        }
        collect_files_below(child, into);
    };
    match &node.value {
        crate::yaml::Value::Map(entries) => entries.iter().for_each(|e| visit(&e.value)),
        crate::yaml::Value::Seq(items) => items.iter().for_each(visit),
        crate::yaml::Value::Scalar(..) => {}
    }
}

/// One info finding listing the unreachable files (at the first, the others related).
fn unreachable_finding(resolver: &Resolver<'_>, files: &[FileId]) -> Option<Finding> {
    let first = *files.first()?;
    let store = resolver.files().store();
    let names: BTreeSet<&str> = files.iter().take(5).map(|f| &*store.get(*f).path).collect();
    let more = files.len().saturating_sub(names.len());
    let listed = names.into_iter().collect::<Vec<_>>().join(", ");
    let count = match files.len() {
        1 => "1 manifest file reaches".to_string(),
        n => format!("{n} manifest files reach"),
    };
    let and_more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    let message = format!(
        "{count} no cluster: {listed}{and_more}; only the rules that need no cluster check them"
    );
    let finding = Finding::new(
        RuleId::Unreachable,
        Severity::Info,
        Span::file_start(first),
        message,
    );
    Some(files[1..].iter().fold(finding, |f, file| {
        f.with_related(Span::file_start(*file), "also reaches no cluster")
    }))
}
