//! The multi-tenancy lockdown each cluster's Flux runs with: the controller
//! flags (`--no-cross-namespace-refs`, `--default-service-account`,
//! `--no-remote-bases`), read from where the repository says them
//! (`docs/fleet-model.md`, "Lockdown"):
//!
//! - a Flux Operator instance: `spec.cluster.multitenant` (and
//!   `tenantDefaultServiceAccount`) set every flag;
//! - the controller Deployments the cluster's build holds (`gotk-components.yaml`
//!   as `flux bootstrap` writes it, with the `flux-system` kustomization's
//!   patches applied by the build);
//! - else the patches of the `flux-system` kustomization, laid by the resolver
//!   on stand-ins of the controller Deployments, as kustomize would lay them on
//!   the components `flux bootstrap` fills the placeholder with;
//! - else nothing: Flux is installed by other means, and the lockdown is not
//!   known.

use std::collections::BTreeMap;

use crate::kustomize::{Resolver, Resource};
use crate::source::{SourceFile, Span};
use crate::yaml::{LoadLimits, Node, load_yaml};

use super::Cluster;

/// The controllers the lockdown flags apply to, in the order findings name them.
pub const CONTROLLERS: [&str; 5] = [
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
    "image-reflector-controller",
    "image-automation-controller",
];

/// Controllers the lockdown needs whether or not the repository names them
/// (the image controllers only matter where they are installed).
const ALWAYS_INSTALLED: [&str; 3] = [
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
];

/// The lockdown flags one controller runs with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    /// `--no-cross-namespace-refs=true`.
    pub no_cross_namespace_refs: bool,
    /// `--default-service-account=<sa>`.
    pub default_service_account: Option<String>,
    /// `--no-remote-bases=true`.
    pub no_remote_bases: bool,
}

/// Where a cluster's Flux installation is said, and what it enforces.
#[derive(Clone, Debug)]
pub enum Lockdown {
    /// A Flux Operator instance.
    Operator {
        /// `spec.cluster.multitenant`.
        multitenant: bool,
        /// `spec.cluster.tenantDefaultServiceAccount`.
        default_service_account: String,
        /// Where findings point.
        at: Span,
    },
    /// Controller Deployments: built, or patched placeholders.
    Controllers {
        /// The flags of each controller found (or patched).
        flags: BTreeMap<&'static str, Flags>,
        /// The `flux-system` Kustomization's own `serviceAccountName` (the
        /// platform keeps its privileges under `--default-service-account`).
        platform_account: Option<String>,
        /// Where findings point: the kustomization that installs or patches them.
        at: Span,
    },
    /// The repository neither holds nor patches the controllers.
    Unknown,
}

impl Lockdown {
    /// True when `controller` refuses references to other namespaces.
    pub fn blocks_cross_namespace_refs(&self, controller: &str) -> bool {
        match self {
            Lockdown::Operator { multitenant, .. } => *multitenant,
            Lockdown::Controllers { flags, .. } => flags
                .get(controller)
                .is_some_and(|f| f.no_cross_namespace_refs),
            Lockdown::Unknown => false,
        }
    }

    /// The ServiceAccount `controller` impersonates for an object without
    /// `serviceAccountName`, when it has one.
    pub fn default_service_account(&self, controller: &str) -> Option<&str> {
        match self {
            Lockdown::Operator {
                multitenant: true,
                default_service_account,
                ..
            } => Some(default_service_account),
            Lockdown::Controllers { flags, .. } => flags
                .get(controller)
                .and_then(|f| f.default_service_account.as_deref()),
            _ => None,
        }
    }

    /// Each flag the lockdown lacks, with the controllers that lack it.
    pub fn missing(&self) -> Vec<(&'static str, Vec<&'static str>)> {
        let Lockdown::Controllers { flags, .. } = self else {
            return Vec::new();
        };
        let lacking = |needs: &[&'static str], has: &dyn Fn(&Flags) -> bool| -> Vec<&'static str> {
            needs
                .iter()
                .copied()
                .filter(|c| ALWAYS_INSTALLED.contains(c) || flags.contains_key(c))
                .filter(|c| !flags.get(c).is_some_and(has))
                .collect()
        };
        [
            (
                "--no-cross-namespace-refs=true",
                lacking(&CONTROLLERS, &|f| f.no_cross_namespace_refs),
            ),
            (
                "--default-service-account",
                lacking(&CONTROLLERS[..2], &|f| f.default_service_account.is_some()),
            ),
            (
                "--no-remote-bases=true",
                lacking(&CONTROLLERS[..1], &|f| f.no_remote_bases),
            ),
        ]
        .into_iter()
        .filter(|(_, controllers)| !controllers.is_empty())
        .collect()
    }
}

/// The lockdown of `cluster`, its root sync built already.
pub(super) fn lockdown_of(cluster: &Cluster, resolver: &mut Resolver<'_>) -> Lockdown {
    if let Some(operator) = &cluster.operator {
        return Lockdown::Operator {
            multitenant: operator.multitenant,
            default_service_account: operator.tenant_default_service_account.clone(),
            at: operator.at,
        };
    }
    let built: Vec<&Resource> = cluster
        .objects
        .iter()
        .map(|p| &p.resource)
        .filter(|r| r.kind() == "Deployment" && controller_name(r.name()).is_some())
        .collect();
    if let Some(first) = built.first() {
        return Lockdown::Controllers {
            flags: controller_flags(built.iter().copied()).collect(),
            platform_account: root_sync(cluster).and_then(|ks| service_account(&ks.node)),
            at: first.included_by.last().copied().unwrap_or(first.origin),
        };
    }
    from_patches(cluster, resolver).unwrap_or(Lockdown::Unknown)
}

/// The lockdown the `flux-system` kustomization's patches give the
/// controllers `flux bootstrap` writes into its placeholder: the first of the
/// root sync's own kustomization, `<entry>/flux-system` and `<entry>` whose
/// patches set a flag.
fn from_patches(cluster: &Cluster, resolver: &mut Resolver<'_>) -> Option<Lockdown> {
    let own = root_sync(cluster)
        .and_then(|ks| ks.included_by.last())
        .map(|span| {
            let path = &resolver.files().store().get(span.file).path;
            crate::kustomize::paths::parent(path).to_string()
        });
    let entry = &cluster.entry;
    let nested = crate::kustomize::paths::join(entry, "flux-system").ok();
    for dir in [own, nested, Some(entry.clone())].into_iter().flatten() {
        let mut stubs: Vec<Resource> = CONTROLLERS.iter().filter_map(|c| stand_in(c)).collect();
        stubs.extend(root_stand_in());
        let Some(patched) = resolver.patched_stubs(&dir, stubs) else {
            continue;
        };
        let flags: BTreeMap<&'static str, Flags> = controller_flags(patched.iter())
            .filter(|(_, f)| *f != Flags::default())
            .collect();
        let Some(at) = patched.iter().find_map(|r| first_arg_span(&r.node)) else {
            continue;
        };
        let platform_account = root_sync(cluster).map_or_else(
            || {
                patched
                    .iter()
                    .find(|r| r.kind() == "Kustomization")
                    .and_then(|ks| service_account(&ks.node))
            },
            |ks| service_account(&ks.node),
        );
        return Some(Lockdown::Controllers {
            flags,
            platform_account,
            at,
        });
    }
    None
}

fn service_account(ks: &Node) -> Option<String> {
    ks.get_path(&["spec", "serviceAccountName"])
        .and_then(Node::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Where the first container arg of a patched stand-in was written (a patch).
fn first_arg_span(deployment: &Node) -> Option<Span> {
    deployment
        .get_path(&["spec", "template", "spec", "containers"])?
        .as_seq()?
        .iter()
        .filter_map(|c| c.get("args")?.as_seq()?.first())
        .map(|arg| arg.span)
        .next()
}

/// The cluster's root Flux Kustomization object, as built.
fn root_sync(cluster: &Cluster) -> Option<&Resource> {
    let object = cluster.syncs.first()?.object?;
    Some(&cluster.objects[object].resource)
}

/// The flags of each controller Deployment among `resources`.
fn controller_flags<'r>(
    resources: impl Iterator<Item = &'r Resource>,
) -> impl Iterator<Item = (&'static str, Flags)> {
    resources
        .filter(|r| r.kind() == "Deployment")
        .filter_map(|r| Some((controller_name(r.name())?, flags_of(&r.node))))
}

fn controller_name(name: &str) -> Option<&'static str> {
    CONTROLLERS.iter().copied().find(|c| *c == name)
}

/// A controller Deployment as `flux install` writes it, without flags: what
/// the lockdown patches target (by kind, name, namespace and labels).
fn stand_in(controller: &str) -> Option<Resource> {
    parsed(&format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {controller}
  namespace: flux-system
  labels:
    app.kubernetes.io/component: {controller}
    app.kubernetes.io/instance: flux-system
    app.kubernetes.io/part-of: flux
    control-plane: controller
spec:
  template:
    spec:
      containers:
        - name: manager
          args: []
"
    ))
}

/// The `flux-system` Kustomization `flux bootstrap` writes into `gotk-sync.yaml`.
fn root_stand_in() -> Option<Resource> {
    parsed(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  path: ./
",
    )
}

fn parsed(text: &str) -> Option<Resource> {
    let file = SourceFile::new("<flux bootstrap>", text);
    let loaded = load_yaml(
        crate::source::FileId(u32::MAX),
        &file,
        LoadLimits::default(),
    );
    let root = loaded.documents.into_iter().next()?.root;
    let span = root.span;
    Some(Resource::shared(root, span))
}

/// The lockdown flags in the args of a Deployment's containers.
fn flags_of(deployment: &Node) -> Flags {
    let mut flags = Flags::default();
    let containers = deployment
        .get_path(&["spec", "template", "spec", "containers"])
        .and_then(Node::as_seq)
        .unwrap_or_default();
    let args = containers
        .iter()
        .filter_map(|c| c.get("args").and_then(Node::as_seq))
        .flatten()
        .filter_map(Node::as_str);
    for arg in args {
        let (name, value) = arg.split_once('=').unwrap_or((arg, "true"));
        match name {
            "--no-cross-namespace-refs" => flags.no_cross_namespace_refs = value == "true",
            "--no-remote-bases" => flags.no_remote_bases = value == "true",
            "--default-service-account" if !value.is_empty() => {
                flags.default_service_account = Some(value.to_string());
            }
            _ => {}
        }
    }
    flags
}
