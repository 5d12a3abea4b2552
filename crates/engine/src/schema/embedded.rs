//! The schemas this project writes (`schemas/flux`, `schemas/core`),
//! embedded in the binary, and `schemas/common.json`, the definitions they
//! share (durations, references), which they `$ref` by its `$id`.

use std::sync::LazyLock;

use jsonschema::{Registry, Validator};

use super::ObjectType;

/// Where `common.json` lives for `$ref` (its `$id`; never fetched).
const COMMON_ID: &str = "https://github.com/fleet-lint/fleet-lint/schemas/common.json";

macro_rules! embed {
    ($dir:literal, $($name:literal),+ $(,)?) => {
        [$(($name, include_str!(concat!("../../../../schemas/", $dir, "/", $name)))),+]
    };
}

/// Every embedded schema: (file name in kubeconform's layout, text).
static EMBEDDED: LazyLock<Vec<(&str, &str)>> = LazyLock::new(|| {
    let flux = embed!(
        "flux",
        "alert-notification-v1beta1.json",
        "alert-notification-v1beta2.json",
        "alert-notification-v1beta3.json",
        "bucket-source-v1.json",
        "gitrepository-source-v1.json",
        "gitrepository-source-v1beta2.json",
        "helmchart-source-v1.json",
        "helmrelease-helm-v2.json",
        "helmrelease-helm-v2beta1.json",
        "helmrelease-helm-v2beta2.json",
        "helmrepository-source-v1.json",
        "helmrepository-source-v1beta2.json",
        "imagepolicy-image-v1.json",
        "imagepolicy-image-v1beta2.json",
        "imagerepository-image-v1.json",
        "imagerepository-image-v1beta2.json",
        "imageupdateautomation-image-v1.json",
        "imageupdateautomation-image-v1beta2.json",
        "kustomization-kustomize-v1.json",
        "kustomization-kustomize-v1beta1.json",
        "kustomization-kustomize-v1beta2.json",
        "ocirepository-source-v1.json",
        "ocirepository-source-v1beta2.json",
        "provider-notification-v1beta1.json",
        "provider-notification-v1beta2.json",
        "provider-notification-v1beta3.json",
        "receiver-notification-v1.json",
    );
    let core = embed!(
        "core",
        "clusterrole-rbac-v1.json",
        "clusterrolebinding-rbac-v1.json",
        "configmap-v1.json",
        "namespace-v1.json",
        "role-rbac-v1.json",
        "rolebinding-rbac-v1.json",
        "secret-v1.json",
        "serviceaccount-v1.json",
    );
    flux.into_iter().chain(core).collect()
});

static COMMON_JSON: LazyLock<Result<serde_json::Value, String>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../../../schemas/common.json"))
        .map_err(|e| format!("schemas/common.json is not JSON: {e}"))
});

static COMMON: LazyLock<Result<Registry<'static>, String>> = LazyLock::new(|| {
    let common = COMMON_JSON.as_ref().map_err(Clone::clone)?.clone();
    Registry::new()
        .add(COMMON_ID, common)
        .and_then(|builder| builder.prepare())
        .map_err(|e| format!("schemas/common.json: {e}"))
});

/// `schemas/common.json`, the definitions the embedded schemas share.
pub(super) fn common() -> Option<&'static serde_json::Value> {
    COMMON_JSON.as_ref().ok()
}

/// The embedded schema for `object_type`: the file of its name whose
/// `apiVersion` is the object's (kubeconform's names keep only the group's
/// first label, so `kustomize.config.k8s.io` and `kustomize.toolkit.fluxcd.io`
/// share names).
pub(super) fn find(object_type: &ObjectType) -> Option<&'static str> {
    let file_name = object_type.file_name();
    let api_version = format!("\"const\": \"{}\"", object_type.api_version);
    EMBEDDED
        .iter()
        .find(|(name, text)| *name == file_name && text.contains(&api_version))
        .map(|(_, text)| *text)
}

/// Compiles an embedded schema, with `common.json` at hand and nothing fetched.
pub(super) fn compile(text: &str) -> Result<(Validator, serde_json::Value), String> {
    let registry = COMMON.as_ref().map_err(Clone::clone)?;
    let schema: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let validator = jsonschema::options()
        .offline()
        .with_registry(registry)
        .build(&schema)
        .map_err(|e| e.to_string())?;
    Ok((validator, schema))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_file_is_embedded_and_compiles() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
        let mut on_disk: Vec<String> = ["flux", "core"]
            .iter()
            .flat_map(|dir| std::fs::read_dir(root.join(dir)).into_iter().flatten())
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = EMBEDDED.iter().map(|(n, _)| n.to_string()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
        for (name, text) in EMBEDDED.iter() {
            if let Err(e) = compile(text) {
                panic!("{name}: {e}");
            }
        }
    }

    #[test]
    fn lookup_checks_the_whole_api_version() {
        let flux = ObjectType {
            api_version: "kustomize.toolkit.fluxcd.io/v1beta1".to_string(),
            kind: "Kustomization".to_string(),
        };
        let kustomize = ObjectType {
            api_version: "kustomize.config.k8s.io/v1beta1".to_string(),
            kind: "Kustomization".to_string(),
        };
        assert_eq!(flux.file_name(), kustomize.file_name());
        assert!(find(&flux).is_some());
        assert!(find(&kustomize).is_none());
    }
}
