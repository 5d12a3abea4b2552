//! Who owns an object: a tenant or the platform (`docs/fleet-model.md`,
//! "Owners").
//!
//! Owners are given once every cluster is built, in two passes. The first
//! learns, from every placed object, what names tenants ([`Tenancy`]): the
//! `toolkit.fluxcd.io/tenant` label, the namespaces the tenants' Flux objects
//! reconcile in, and the folders under the tenant roots (where folders named
//! like layers, `base`, `staging`, a cluster's name, are skipped). The second
//! gives each object its owner, sync by sync from the root down (a build is
//! its Kustomization's owner's when nothing closer names one).
//!
//! Tenant content is what comes from a tenant's folder (directly, or pulled
//! in by a kustomization in it), or from a file elsewhere under a tenant
//! root for an object in a tenant namespace, carries the tenant label, sits in a
//! namespace labelled as a tenant's or onboarded by a ResourceSet input, or
//! is built by a tenant's Kustomization. One tenant has one name everywhere:
//! config `tenants.named`, else the label, else the namespace its Flux
//! objects reconcile in, else its folder.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;

use crate::config::Config;
use crate::kustomize::Resource;
use crate::source::SourceStore;
use crate::yaml::Node;

use super::{Cluster, Placed};

/// Who owns an object: the platform team, or a tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    /// The platform team (anything no tenant owns).
    Platform,
    /// A tenant.
    Tenant {
        /// The tenant's name.
        name: String,
        /// Held to the platform's rules, not the tenant rules.
        privileged: bool,
    },
}

impl Owner {
    /// The tenant's name, if a tenant owns it.
    pub fn tenant(&self) -> Option<&str> {
        match self {
            Owner::Tenant { name, .. } => Some(name),
            Owner::Platform => None,
        }
    }

    /// Tenant content that tenant rules apply to (not a privileged tenant's).
    pub(crate) fn is_restricted_tenant(&self) -> bool {
        matches!(
            self,
            Owner::Tenant {
                privileged: false,
                ..
            }
        )
    }
}

/// Namespaces that are the platform's, never a tenant's.
pub(crate) const PLATFORM_NAMESPACES: [&str; 2] = ["flux-system", "kube-system"];

/// The label `flux create tenant` puts on a tenant's Namespace, ServiceAccount
/// and RoleBinding.
pub(crate) const TENANT_LABEL: &str = "toolkit.fluxcd.io/tenant";

/// Folder names under a tenant root that are layers (environments, overlays,
/// app trees), not tenants: the tenant is the next folder down.
pub const DEFAULT_LAYERS: [&str; 13] = [
    "base",
    "bases",
    "overlays",
    "components",
    "apps",
    "staging",
    "stage",
    "production",
    "prod",
    "dev",
    "development",
    "test",
    "qa",
];

/// How a tenant's name was found, strongest first (the order in which a
/// name wins when two disagree).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Identity {
    /// `tenants.named` in `.fleet-lint.yaml`.
    Config,
    /// The `toolkit.fluxcd.io/tenant` label.
    Label,
    /// The namespace its Flux Kustomizations and HelmReleases reconcile in.
    Reconciler,
    /// The namespace of its objects.
    Namespace,
    /// Its folder under a tenant root.
    Folder,
}

impl Identity {
    /// How `init` and the docs say it.
    pub fn describe(self) -> &'static str {
        match self {
            Identity::Config => "named in .fleet-lint.yaml",
            Identity::Label => "the toolkit.fluxcd.io/tenant label",
            Identity::Reconciler => "the namespace its Flux objects reconcile in",
            Identity::Namespace => "the namespace of its objects",
            Identity::Folder => "its folder under a tenant root",
        }
    }
}

/// A tenant, as the fleet shows it.
#[derive(Clone, Debug)]
pub struct TenantInfo {
    /// How its name was found.
    pub identity: Identity,
    /// The namespaces of its objects (platform namespaces left out).
    pub namespaces: BTreeSet<String>,
    /// Held to the platform's rules.
    pub privileged: bool,
}

/// What names the tenants: learned from the whole fleet, then asked for each
/// object, file and namespace.
#[derive(Debug, Default)]
pub struct Tenancy {
    layout: Layout,
    names: Names,
    /// Every tenant that owns an object, by name.
    pub tenants: BTreeMap<String, TenantInfo>,
}

/// Where tenants are, as configured: the roots, the layer folder names, the
/// named tenants.
#[derive(Debug, Default)]
struct Layout {
    roots: Vec<String>,
    layers: Vec<String>,
    named: Vec<crate::config::TenantConfig>,
}

/// What the fleet says of the tenants' names, the strongest evidence kept.
#[derive(Debug, Default)]
struct Names {
    /// Namespace -> (how, tenant name).
    namespaces: HashMap<String, (Identity, String)>,
    /// Namespaces that are a tenant's whoever writes their objects: a
    /// Namespace labelled with the tenant label, or one a ResourceSet input
    /// onboards.
    tenant_namespaces: HashMap<String, String>,
    /// Tenant folder -> (how, the namespace its objects are in, or the
    /// label's tenant name).
    folders: HashMap<String, (Identity, String)>,
    /// Every tenant folder met.
    seen_folders: BTreeSet<String>,
}

impl Layout {
    /// See [`Tenancy::folder`].
    fn folder<'p>(&self, path: &'p str) -> Option<&'p str> {
        let root = self
            .roots
            .iter()
            .find(|r| crate::kustomize::paths::contains(r, path))?;
        let rest = path.get(root.len()..).unwrap_or("").trim_start_matches('/');
        let mut parts: Vec<&str> = rest.split('/').collect();
        parts.pop(); // the file name
        parts
            .into_iter()
            .find(|part| !self.layers.iter().any(|l| l == part))
    }

    fn is_under_root(&self, path: &str) -> bool {
        self.roots
            .iter()
            .any(|r| crate::kustomize::paths::contains(r, path))
    }

    fn named_owning(&self, path: &str) -> Option<&str> {
        self.named
            .iter()
            .find(|t| t.owns_path(path))
            .map(|t| t.name.as_str())
    }
}

impl Names {
    fn learn_namespace(&mut self, namespace: &str, how: Identity, name: &str) {
        if !PLATFORM_NAMESPACES.contains(&namespace) {
            keep_strongest(&mut self.namespaces, namespace, how, name);
        }
    }

    fn learn_folder(&mut self, folder: &str, how: Identity, name: &str) {
        keep_strongest(&mut self.folders, folder, how, name);
    }

    fn learn_tenant_namespace(&mut self, namespace: &str, name: &str) {
        self.tenant_namespaces
            .entry(namespace.to_string())
            .or_insert_with(|| name.to_string());
    }
}

impl Tenancy {
    fn new(config: &Config, clusters: &[Cluster]) -> Tenancy {
        let mut layers: Vec<String> = DEFAULT_LAYERS.iter().map(|s| s.to_string()).collect();
        layers.extend(config.tenant_layers.iter().cloned());
        layers.extend(clusters.iter().map(|c| c.name.clone()));
        Tenancy {
            layout: Layout {
                roots: config.roots().map(str::to_string).collect(),
                layers,
                named: config.tenants.clone(),
            },
            ..Tenancy::default()
        }
    }

    /// The tenant folder holding `path`: the first folder under a tenant root
    /// that is not a layer (`team-a` for `tenants/staging/team-a/app.yaml`
    /// and for `tenants/team-a/base/app.yaml`). A file with no such folder
    /// above it (`tenants/apps.yaml`, `tenants/base/kustomization.yaml`,
    /// often the platform's objects that make the tenants) is in none.
    pub fn folder<'p>(&self, path: &'p str) -> Option<&'p str> {
        self.layout.folder(path)
    }

    /// Whether `path` is in a tenant tree: under a tenant root, or in a
    /// named tenant's `paths`.
    pub fn is_tenant_path(&self, path: &str) -> bool {
        self.layout.is_under_root(path) || self.layout.named_owning(path).is_some()
    }

    /// The tenant whose folder (or configured paths) hold `path`, if one does.
    pub fn folder_owner(&self, path: &str) -> Option<Owner> {
        if let Some(named) = self.layout.named_owning(path) {
            return Some(self.tenant(named));
        }
        let folder = self.folder(path)?;
        Some(self.tenant(&self.folder_name(folder)))
    }

    /// The owner of `namespace` for tenant content: the configured tenant, else
    /// the tenant the fleet names it after, else the tenant named like it.
    pub fn namespace_owner(&self, namespace: &str) -> Owner {
        self.tenant(&self.namespace_name(namespace))
    }

    fn namespace_name(&self, namespace: &str) -> String {
        let named = self
            .layout
            .named
            .iter()
            .find(|t| t.owns_namespace(namespace));
        if let Some(named) = named {
            return named.name.clone();
        }
        match self.names.namespaces.get(namespace) {
            Some((_, name)) => name.clone(),
            None => namespace.to_string(),
        }
    }

    fn folder_name(&self, folder: &str) -> String {
        if let Some(named) = self.layout.named.iter().find(|t| t.name == folder) {
            return named.name.clone();
        }
        match self.names.folders.get(folder) {
            Some((Identity::Label, name)) => name.clone(),
            Some((_, namespace)) => self.namespace_name(namespace),
            None => folder.to_string(),
        }
    }

    fn tenant(&self, name: &str) -> Owner {
        let privileged = self
            .layout
            .named
            .iter()
            .any(|t| t.name == name && t.privileged);
        Owner::Tenant {
            name: name.to_string(),
            privileged,
        }
    }

    /// The strongest evidence for each tenant name the namespaces and
    /// folders give, gathered in one pass over both.
    fn evidence(&self) -> HashMap<String, Identity> {
        let by_namespace = self
            .names
            .namespaces
            .values()
            .map(|(how, n)| (n.clone(), *how));
        let by_folder =
            (self.names.folders.iter()).map(|(folder, (how, _))| (self.folder_name(folder), *how));
        let mut strongest: HashMap<String, Identity> = HashMap::new();
        for (name, how) in by_namespace.chain(by_folder) {
            strongest
                .entry(name)
                .and_modify(|known| *known = (*known).min(how))
                .or_insert(how);
        }
        strongest
    }

    /// How the name of tenant `name` was found: the strongest evidence that
    /// gives it (`evidence`: [`Tenancy::evidence`]).
    fn identity_of(&self, name: &str, evidence: &HashMap<String, Identity>) -> Identity {
        if self.layout.named.iter().any(|t| t.name == name) {
            return Identity::Config;
        }
        let fallback = if self.names.seen_folders.contains(name) {
            Identity::Folder
        } else {
            Identity::Namespace
        };
        evidence.get(name).copied().unwrap_or(fallback)
    }
}

/// Keeps the strongest evidence for `key` (the first met among equals).
fn keep_strongest(
    map: &mut HashMap<String, (Identity, String)>,
    key: &str,
    how: Identity,
    name: &str,
) {
    match map.get(key) {
        Some((known, _)) if *known <= how => {}
        _ => {
            map.insert(key.to_string(), (how, name.to_string()));
        }
    }
}

/// What one object says of tenancy, read once for both passes.
struct Clues<'a> {
    /// The tenant folder of its file, else of the innermost kustomization
    /// that pulled it in from elsewhere.
    folder: Option<&'a str>,
    /// A named tenant whose paths hold its file or an including kustomization.
    named: Option<&'a str>,
    /// Its file, or an including kustomization, is under a tenant root.
    under_root: bool,
    label: Option<&'a str>,
    /// Its own namespace, else (for a Flux object in a platform namespace)
    /// its `targetNamespace`; never a platform namespace.
    namespace: Option<&'a str>,
}

fn clues<'a>(placed: &'a Placed, store: &'a SourceStore, layout: &'a Layout) -> Clues<'a> {
    let resource = &placed.resource;
    let files = std::iter::once(resource.origin.file)
        .chain(resource.included_by.iter().rev().map(|s| s.file))
        .map(|f| &*store.get(f).path);
    let mut folder = None;
    let mut named = None;
    let mut under_root = false;
    for path in files {
        named = named.or_else(|| layout.named_owning(path));
        folder = folder.or_else(|| layout.folder(path));
        under_root |= layout.is_under_root(path);
    }
    let label = resource
        .metadata_value("labels", TENANT_LABEL)
        .filter(|l| !l.is_empty());
    Clues {
        folder,
        named,
        under_root,
        label,
        namespace: own_namespace(resource),
    }
}

fn own_namespace(resource: &Resource) -> Option<&str> {
    let target = resource
        .node
        .get_path(&["spec", "targetNamespace"])
        .and_then(Node::as_str);
    [Some(resource.namespace()), target]
        .into_iter()
        .flatten()
        .find(|ns| !ns.is_empty() && !PLATFORM_NAMESPACES.contains(ns))
}

/// Gives every object and sync of `clusters` its owner; returns what named
/// the tenants.
pub(super) fn assign_owners(
    clusters: &mut [Cluster],
    store: &SourceStore,
    config: &Config,
) -> Tenancy {
    let mut tenancy = Tenancy::new(config, clusters);
    let layout = &tenancy.layout;
    let clues: Vec<Vec<Clues>> = clusters
        .par_iter()
        .map(|c| {
            c.objects
                .par_iter()
                .map(|p| clues(p, store, layout))
                .collect()
        })
        .collect();
    learn_from(&mut tenancy.names, clusters, &clues);
    let mut owners: Vec<ClusterOwners> = Vec::with_capacity(clusters.len());
    for (index, cluster) in clusters.iter().enumerate() {
        let hub_owner = |id: &str| -> Option<Owner> {
            let remote = cluster.remote.as_ref()?;
            let hub = clusters.iter().position(|c| c.name == remote.hub)?;
            let (ns, name) = id.split_once('/')?;
            let object = clusters[hub].find_index("Kustomization", ns, name)?;
            // A hub built after its remote cluster has no owners yet.
            let owner = owners.get(hub).map(|o| o.objects[object].clone());
            Some(owner.unwrap_or(Owner::Platform))
        };
        let root_owners: Vec<Option<Owner>> = cluster
            .syncs
            .iter()
            .map(|s| s.on_hub.as_ref().and_then(|_| hub_owner(&s.id)))
            .collect();
        let of_cluster = cluster_owners(cluster, &clues[index], root_owners, &tenancy);
        owners.push(of_cluster);
    }
    drop(clues);
    for (cluster, owners) in clusters.iter_mut().zip(owners) {
        for (sync, owner) in cluster.syncs.iter_mut().zip(owners.syncs) {
            sync.owner = owner;
        }
        for (placed, owner) in cluster.objects.iter_mut().zip(owners.objects) {
            placed.owner = owner;
        }
    }
    tenancy.tenants = tenants_of(clusters, &tenancy);
    tenancy
}

/// The first pass: what every object says of the tenants' names (`clues`
/// holds, per cluster, each object's clues).
fn learn_from(names: &mut Names, clusters: &[Cluster], clues: &[Vec<Clues>]) {
    let objects = clusters
        .iter()
        .zip(clues)
        .flat_map(|(c, clues)| c.objects.iter().zip(clues));
    for (placed, clue) in objects {
        let resource = &placed.resource;
        let is_namespace = resource.kind() == "Namespace";
        let namespace = if is_namespace {
            Some(resource.name()).filter(|n| !n.is_empty() && !PLATFORM_NAMESPACES.contains(n))
        } else {
            clue.namespace
        };
        if let Some(label) = clue.label {
            if let Some(ns) = namespace {
                names.learn_namespace(ns, Identity::Label, label);
                if is_namespace {
                    names.learn_tenant_namespace(ns, label);
                }
            }
            if let Some(folder) = clue.folder {
                names.learn_folder(folder, Identity::Label, label);
            }
        }
        if let Some(ns) = placed
            .expansion
            .as_ref()
            .and_then(|e| e.tenant_namespace.as_deref())
            && namespace == Some(ns)
        {
            names.learn_namespace(ns, Identity::Reconciler, ns);
            names.learn_tenant_namespace(ns, ns);
        }
        if let Some(folder) = clue.folder
            && !names.seen_folders.contains(folder)
        {
            names.seen_folders.insert(folder.to_string());
        }
        if let (Some(folder), Some(ns)) = (clue.folder, namespace) {
            let how = if placed.is_flux_kustomization() || placed.is_helm_release() {
                Identity::Reconciler
            } else {
                Identity::Namespace
            };
            names.learn_folder(folder, how, ns);
        }
    }
}

/// The owners of one cluster's syncs and objects, by index.
struct ClusterOwners {
    syncs: Vec<Owner>,
    objects: Vec<Owner>,
}

/// The second pass, on one cluster: syncs in order (a parent before its
/// children), each sync's objects after its owner is known.
fn cluster_owners(
    cluster: &Cluster,
    clues: &[Clues],
    root_owners: Vec<Option<Owner>>,
    tenancy: &Tenancy,
) -> ClusterOwners {
    let mut by_sync: Vec<Vec<usize>> = vec![Vec::new(); cluster.syncs.len()];
    for (index, placed) in cluster.objects.iter().enumerate() {
        by_sync[placed.sync].push(index);
    }
    let mut objects = vec![Owner::Platform; cluster.objects.len()];
    let mut syncs = Vec::with_capacity(cluster.syncs.len());
    for (sync, root_owner) in root_owners.into_iter().enumerate() {
        let owner = match (cluster.syncs[sync].object, root_owner) {
            (Some(object), _) => objects[object].clone(),
            (None, Some(owner)) => owner,
            (None, None) => Owner::Platform,
        };
        for &object in &by_sync[sync] {
            objects[object] = object_owner(&clues[object], &owner, tenancy);
        }
        syncs.push(owner);
    }
    ClusterOwners { syncs, objects }
}

/// The owner of one object built by a sync owned by `sync_owner`.
fn object_owner(clue: &Clues, sync_owner: &Owner, tenancy: &Tenancy) -> Owner {
    if let Some(named) = clue.named {
        return tenancy.tenant(named);
    }
    let in_tenant_namespace = clue
        .namespace
        .and_then(|ns| tenancy.names.tenant_namespaces.get(ns));
    let is_tenant_content = clue.folder.is_some()
        || (clue.under_root && clue.namespace.is_some())
        || clue.label.is_some()
        || in_tenant_namespace.is_some()
        || *sync_owner != Owner::Platform;
    if !is_tenant_content {
        return Owner::Platform;
    }
    if let Some(label) = clue.label {
        return tenancy.tenant(label);
    }
    if let Some(namespace) = clue.namespace {
        return tenancy.namespace_owner(namespace);
    }
    if let Owner::Tenant { .. } = sync_owner {
        return sync_owner.clone();
    }
    match clue.folder {
        Some(folder) => tenancy.tenant(&tenancy.folder_name(folder)),
        None => Owner::Platform,
    }
}

/// Every tenant that owns an object, with how it was named and its namespaces.
fn tenants_of(clusters: &[Cluster], tenancy: &Tenancy) -> BTreeMap<String, TenantInfo> {
    let mut tenants: BTreeMap<String, TenantInfo> = BTreeMap::new();
    let evidence = tenancy.evidence();
    for placed in clusters.iter().flat_map(|c| &c.objects) {
        let Owner::Tenant { name, privileged } = &placed.owner else {
            continue;
        };
        let tenant = tenants.entry(name.clone()).or_insert_with(|| TenantInfo {
            identity: tenancy.identity_of(name, &evidence),
            namespaces: BTreeSet::new(),
            privileged: *privileged,
        });
        if let Some(ns) = own_namespace(&placed.resource) {
            tenant.namespaces.insert(ns.to_string());
        }
    }
    tenants
}
