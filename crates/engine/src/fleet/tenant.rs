//! Who owns an object: a tenant or the platform.
//!
//! Tenant content is whatever comes from a file under a tenant root (default
//! `tenants/`) or from a build whose Flux Kustomization is itself tenant
//! content. It belongs to the tenant named in the config for its path or
//! namespace; else to the tenant that owns its namespace (its own namespace,
//! then a Flux object's `targetNamespace`, platform namespaces excepted); else
//! to the tenant of the build that brought it (a cluster-scoped object); else
//! to the folder right under the tenant root.

use crate::config::Config;
use crate::kustomize::Resource;
use crate::yaml::Node;

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

/// The owner of `resource`, defined in the file at `path`, built by a sync owned by `sync_owner`.
pub(super) fn owner(resource: &Resource, path: &str, sync_owner: &Owner, config: &Config) -> Owner {
    if let Some(named) = config.tenants.iter().find(|t| t.owns_path(path)) {
        return Owner::Tenant {
            name: named.name.clone(),
            privileged: named.privileged,
        };
    }
    let folder = config.tenant_folder(path);
    if folder.is_none() && *sync_owner == Owner::Platform {
        return Owner::Platform;
    }
    let target = resource
        .node
        .get_path(&["spec", "targetNamespace"])
        .and_then(Node::as_str);
    let namespace = [Some(resource.namespace()), target]
        .into_iter()
        .flatten()
        .find(|ns| !ns.is_empty() && !PLATFORM_NAMESPACES.contains(ns));
    if let Some(namespace) = namespace {
        return namespace_owner(namespace, config);
    }
    if let Owner::Tenant { .. } = sync_owner {
        return sync_owner.clone();
    }
    namespace_owner(folder.unwrap_or(""), config)
}

/// The tenant that owns `namespace`: the configured one, else the tenant named after it.
pub(crate) fn namespace_owner(namespace: &str, config: &Config) -> Owner {
    match config.tenants.iter().find(|t| t.owns_namespace(namespace)) {
        Some(named) => Owner::Tenant {
            name: named.name.clone(),
            privileged: named.privileged,
        },
        None => Owner::Tenant {
            name: namespace.to_string(),
            privileged: false,
        },
    }
}
