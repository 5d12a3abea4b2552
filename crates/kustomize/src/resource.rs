//! A built object: the spanned tree after every transformer, where it was
//! defined, and the kustomization entries that pulled it into the build.

use std::sync::Arc;

use crate::source::Span;
use crate::yaml::Node;

/// An object in a build.
#[derive(Clone, Debug)]
pub struct Resource {
    /// The object, with each field's span pointing where its value came from
    /// (the base, a patch, a generator entry, a transformer field). Shared
    /// between the builds that hold the same object unchanged (the memoised
    /// build of a directory, every Flux Kustomization and cluster that uses
    /// it); a transformation that changes it copies it first
    /// ([`Resource::node_mut`]).
    pub node: Arc<Node>,
    /// Where the object is defined: its document, or the generator entry.
    pub origin: Span,
    /// The kustomization list items that brought the object in, outermost first.
    pub included_by: Vec<Span>,
    /// True for objects made by `configMapGenerator` / `secretGenerator`.
    pub generated: bool,
    /// True for generated objects whose name gets kustomize's content hash
    /// at the end of the top-level build (no `disableNameSuffixHash`).
    pub name_hash: bool,
    /// Names the object had before `namePrefix` / `nameSuffix` (patches may use them).
    pub earlier_names: Vec<String>,
}

/// Kustomize's identity of an object.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResId {
    /// The API group (`""` for the core group).
    pub group: String,
    /// The API version within the group.
    pub version: String,
    /// The kind.
    pub kind: String,
    /// The namespace (`""` when it has none).
    pub namespace: String,
    /// The name.
    pub name: String,
}

impl std::fmt::Display for ResId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let group = if self.group.is_empty() { "" } else { "." };
        write!(f, "{}{group}{}/{}", self.kind, self.group, self.name)?;
        if !self.namespace.is_empty() {
            write!(f, " in namespace {}", self.namespace)?;
        }
        Ok(())
    }
}

/// Kinds the `namespace:` transformer of kustomize v5.5 leaves without a
/// namespace. Checked against `kubectl kustomize` (which disagrees with
/// kyaml's documentation for APIService, FlowSchema,
/// PriorityLevelConfiguration and the admission policies: it namespaces them).
/// Every other kind, custom cluster-scoped ones included, gets the namespace.
const KUSTOMIZE_CLUSTER_SCOPED: [&str; 18] = [
    "Namespace",
    "Node",
    "PersistentVolume",
    "ComponentStatus",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "PriorityClass",
    "RuntimeClass",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "CertificateSigningRequest",
    "PodSecurityPolicy",
];

/// True for kinds Kustomize's `namespace:` transformer treats as cluster-scoped.
pub fn kustomize_treats_as_cluster_scoped(kind: &str) -> bool {
    KUSTOMIZE_CLUSTER_SCOPED.contains(&kind)
}

/// The identifying fields of an object (built or as written), read from its node.
#[derive(Clone, Copy)]
pub struct ObjectMeta<'a>(pub &'a Node);

impl<'a> ObjectMeta<'a> {
    fn text(self, path: &[&str]) -> &'a str {
        self.0.get_path(path).and_then(Node::as_str).unwrap_or("")
    }

    /// `kind`.
    pub fn kind(self) -> &'a str {
        self.text(&["kind"])
    }

    /// `apiVersion`.
    pub fn api_version(self) -> &'a str {
        self.text(&["apiVersion"])
    }

    /// `metadata.name`.
    pub fn name(self) -> &'a str {
        self.text(&["metadata", "name"])
    }

    /// `metadata.namespace` (`""` when absent).
    pub fn namespace(self) -> &'a str {
        self.text(&["metadata", "namespace"])
    }

    /// (group, version) of `apiVersion`; the core group is `""`.
    pub fn group_version(self) -> (&'a str, &'a str) {
        let api_version = self.api_version();
        api_version.split_once('/').unwrap_or(("", api_version))
    }

    /// `Kind namespace/name`, as messages name an object.
    pub fn describe(self) -> String {
        format!("{} {}/{}", self.kind(), self.namespace(), self.name())
    }
}

impl Resource {
    /// An object defined at `origin`, not yet included or generated.
    pub fn new(node: Node, origin: Span) -> Resource {
        Resource::shared(Arc::new(node), origin)
    }

    /// [`Resource::new`] of a node shared with its document.
    pub fn shared(node: Arc<Node>, origin: Span) -> Resource {
        Resource {
            node,
            origin,
            included_by: Vec::new(),
            generated: false,
            name_hash: false,
            earlier_names: Vec::new(),
        }
    }

    /// The object, to change: copied first when another build shares it.
    pub fn node_mut(&mut self) -> &mut Node {
        Arc::make_mut(&mut self.node)
    }

    /// The object's identifying fields.
    pub fn meta(&self) -> ObjectMeta<'_> {
        ObjectMeta(&self.node)
    }

    /// `kind`.
    pub fn kind(&self) -> &str {
        self.meta().kind()
    }

    /// `apiVersion`.
    pub fn api_version(&self) -> &str {
        self.meta().api_version()
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        self.meta().name()
    }

    /// `metadata.namespace` (`""` when absent).
    pub fn namespace(&self) -> &str {
        self.meta().namespace()
    }

    /// (group, version) of `apiVersion`; the core group is `""`.
    pub fn group_version(&self) -> (&str, &str) {
        self.meta().group_version()
    }

    /// Kustomize's identity of the object.
    pub fn id(&self) -> ResId {
        let (group, version) = self.group_version();
        ResId {
            group: group.to_string(),
            version: version.to_string(),
            kind: self.kind().to_string(),
            namespace: self.namespace().to_string(),
            name: self.name().to_string(),
        }
    }

    /// `Kind namespace/name`, as messages name an object.
    pub fn describe(&self) -> String {
        self.meta().describe()
    }

    /// The label (or annotation, with `field = "annotations"`) `key`.
    pub fn metadata_value(&self, field: &str, key: &str) -> Option<&str> {
        self.node
            .get_path(&["metadata", field, key])
            .and_then(Node::as_str)
    }

    /// True when the current or an earlier name is `name`.
    pub fn has_had_name(&self, name: &str) -> bool {
        self.name() == name || self.earlier_names.iter().any(|n| n == name)
    }
}
