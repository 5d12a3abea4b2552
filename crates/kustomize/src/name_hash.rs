//! The end of a top-level build (never of a base), as kustomize ends it: each
//! generated ConfigMap and Secret whose generator does not set
//! `disableNameSuffixHash` gets `-<hash>` appended to its name, the hash
//! being kustomize's of its kind and data. The references kustomize knows
//! then follow every renamed ConfigMap and Secret (by the hash, `namePrefix`
//! or `nameSuffix`): the pod template fields that name a
//! ConfigMap or Secret (volumes, projected sources, `env`, `envFrom`,
//! `imagePullSecrets`), a ServiceAccount's secrets, an Ingress's TLS secret,
//! and the `nameReference` entries of the build's `configurations` files
//! (how fleets make a HelmRelease's `valuesFrom` follow it).

use sha2::{Digest, Sha256};

use crate::Resource;
use crate::context::Context;
use crate::context::Target;
use crate::list;
use crate::yaml::{Node, Value};

/// A field that names an object of kind `target`: `path` (its segments;
/// lists on the way are walked item by item) in objects of `referrer` kind,
/// any kind when `None`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct NameReference {
    target: String,
    referrer: Option<String>,
    path: Vec<String>,
}

/// Where a pod spec sits in each workload kind.
const POD_SPECS: [(&str, &str); 8] = [
    ("Pod", "spec"),
    ("Deployment", "spec/template/spec"),
    ("ReplicaSet", "spec/template/spec"),
    ("DaemonSet", "spec/template/spec"),
    ("StatefulSet", "spec/template/spec"),
    ("Job", "spec/template/spec"),
    ("ReplicationController", "spec/template/spec"),
    ("CronJob", "spec/jobTemplate/spec/template/spec"),
];

/// The fields of a pod spec that name a ConfigMap or a Secret.
const POD_SPEC_REFERENCES: [(&str, &str); 13] = [
    ("ConfigMap", "volumes/configMap/name"),
    ("ConfigMap", "volumes/projected/sources/configMap/name"),
    ("ConfigMap", "containers/env/valueFrom/configMapKeyRef/name"),
    (
        "ConfigMap",
        "initContainers/env/valueFrom/configMapKeyRef/name",
    ),
    ("ConfigMap", "containers/envFrom/configMapRef/name"),
    ("ConfigMap", "initContainers/envFrom/configMapRef/name"),
    ("Secret", "volumes/secret/secretName"),
    ("Secret", "volumes/projected/sources/secret/name"),
    ("Secret", "containers/env/valueFrom/secretKeyRef/name"),
    ("Secret", "initContainers/env/valueFrom/secretKeyRef/name"),
    ("Secret", "containers/envFrom/secretRef/name"),
    ("Secret", "initContainers/envFrom/secretRef/name"),
    ("Secret", "imagePullSecrets/name"),
];

/// References outside pod specs.
const OTHER_REFERENCES: [(&str, &str, &str); 3] = [
    ("Secret", "ServiceAccount", "secrets/name"),
    ("Secret", "ServiceAccount", "imagePullSecrets/name"),
    ("Secret", "Ingress", "spec/tls/secretName"),
];

fn split(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The references kustomize follows by default.
fn built_in() -> Vec<NameReference> {
    let pod_specs = POD_SPECS.iter().flat_map(|(kind, spec)| {
        POD_SPEC_REFERENCES
            .iter()
            .map(move |(target, field)| NameReference {
                target: target.to_string(),
                referrer: Some(kind.to_string()),
                path: split(&format!("{spec}/{field}")),
            })
    });
    let others = OTHER_REFERENCES
        .iter()
        .map(|(target, referrer, path)| NameReference {
            target: target.to_string(),
            referrer: Some(referrer.to_string()),
            path: split(path),
        });
    pod_specs.chain(others).collect()
}

/// The `nameReference` entries of kustomization `k`'s `configurations` files.
pub(crate) fn configured(r: &mut Context, dir: &str, k: &Node) -> Vec<NameReference> {
    let mut references = Vec::new();
    for item in list(k, "configurations") {
        let Some(Target::File(path)) = r.entry_target(dir, item) else {
            continue;
        };
        let Some(file) = r.yaml_file(&path) else {
            continue;
        };
        for document in r.documents(file) {
            for entry in list(&document.root, "nameReference") {
                let Some(target) = entry.get("kind").and_then(Node::as_str) else {
                    continue;
                };
                for spec in list(entry, "fieldSpecs") {
                    let Some(path) = spec.get("path").and_then(Node::as_str) else {
                        continue;
                    };
                    references.push(NameReference {
                        target: target.to_string(),
                        referrer: spec.get("kind").and_then(Node::as_str).map(str::to_string),
                        path: split(path),
                    });
                }
            }
        }
    }
    references
}

/// Ends a top-level build as kustomize does: appends the name hash to every
/// object in `resources` that needs one, then points every reference that
/// still names a renamed ConfigMap or Secret (or a kind of the configured
/// `nameReference` entries) by an earlier name (before `namePrefix`,
/// `nameSuffix` or the hash) at its name now. `configured` are the build's
/// `nameReference` entries besides kustomize's own.
pub(crate) fn apply(resources: &mut [Resource], configured: &[NameReference]) {
    for resource in resources.iter_mut().filter(|r| r.name_hash) {
        let Some(hash) = content_hash(&resource.node) else {
            continue;
        };
        let old = resource.name().to_string();
        if let Some(metadata) = resource.node_mut().get_mut("metadata") {
            let span = metadata.get("name").map_or(metadata.span, |n| n.span);
            metadata.set("name", Node::string(&format!("{old}-{hash}"), span));
        }
        resource.earlier_names.push(old);
    }
    // Most builds rename nothing a reference names: done before any copy.
    let is_target = |kind: &str| {
        matches!(kind, "ConfigMap" | "Secret") || configured.iter().any(|c| c.target == kind)
    };
    let renamed: Vec<Renamed> = resources
        .iter()
        .filter(|r| !r.earlier_names.is_empty() && is_target(r.kind()))
        .map(|r| Renamed {
            kind: r.kind().to_string(),
            namespace: r.namespace().to_string(),
            earlier: r.earlier_names.clone(),
            now: r.name().to_string(),
        })
        .collect();
    if renamed.is_empty() {
        return;
    }
    let references: Vec<NameReference> = built_in()
        .into_iter()
        .chain(configured.iter().cloned())
        .collect();
    for resource in resources.iter_mut() {
        let (kind, namespace) = (
            resource.kind().to_string(),
            resource.namespace().to_string(),
        );
        for reference in references
            .iter()
            .filter(|r| r.referrer.as_deref().is_none_or(|k| k == kind))
        {
            let targets: Vec<&Renamed> = renamed
                .iter()
                .filter(|t| t.kind == reference.target && t.namespace == namespace)
                .collect();
            if !targets.is_empty() && refers(&resource.node, &reference.path, &targets) {
                follow(resource.node_mut(), &reference.path, &targets);
            }
        }
    }
}

/// An object of the build that has had other names.
struct Renamed {
    kind: String,
    namespace: String,
    earlier: Vec<String>,
    now: String,
}

impl Renamed {
    fn was(&self, name: &str) -> bool {
        name != self.now && self.earlier.iter().any(|e| e == name)
    }
}

/// Whether a string at `path` below `node` names one of `targets` by an
/// earlier name (checked before [`follow`] copies a shared object to change it).
fn refers(node: &Node, path: &[String], targets: &[&Renamed]) -> bool {
    match (&node.value, path.split_first()) {
        (Value::Seq(items), _) => items.iter().any(|item| refers(item, path, targets)),
        (_, None) => node
            .as_str()
            .is_some_and(|name| targets.iter().any(|t| t.was(name))),
        (_, Some((key, rest))) => node
            .get(key)
            .is_some_and(|child| refers(child, rest, targets)),
    }
}

/// Rewrites the strings at `path` below `node` that name a target by an
/// earlier name.
fn follow(node: &mut Node, path: &[String], targets: &[&Renamed]) {
    match (&mut node.value, path.split_first()) {
        (Value::Seq(items), _) => {
            for item in items {
                follow(item, path, targets);
            }
        }
        (_, None) => {
            let new = node
                .as_str()
                .and_then(|name| targets.iter().find(|t| t.was(name)))
                .map(|t| t.now.clone());
            if let Some(new) = new {
                *node = Node::string(&new, node.span);
            }
        }
        (_, Some((key, rest))) => {
            if let Some(child) = node.get_mut(key) {
                follow(child, rest, targets);
            }
        }
    }
}

/// Kustomize's hash of a ConfigMap (kind, data, binaryData) or Secret (kind,
/// type, data, stringData), with an empty name: the SHA-256 of their JSON (as Go
/// marshals it), its first ten hex digits with `0 1 3 a e` spelled `g h k m t`.
fn content_hash(node: &Node) -> Option<String> {
    let kind = node.get("kind").and_then(Node::as_str)?;
    let field = |key: &str| {
        node.get(key)
            .map_or(serde_json::Value::from(""), Node::to_json)
    };
    let mut fields = serde_json::Map::new();
    fields.insert("kind".into(), kind.into());
    // kustomize looks the name up as one key, `metadata/name`, which no
    // object has: the hash never depends on the name.
    fields.insert("name".into(), "".into());
    fields.insert("data".into(), field("data"));
    let optional = match kind {
        "ConfigMap" => "binaryData",
        "Secret" => {
            fields.insert("type".into(), field("type"));
            "stringData"
        }
        _ => return None,
    };
    if node.get(optional).is_some_and(|n| n.as_map().is_some()) {
        fields.insert(optional.into(), field(optional));
    }
    let mut json = String::new();
    go_json(&serde_json::Value::Object(fields), &mut json);
    let digest = Sha256::digest(json.as_bytes());
    let hex: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    Some(
        hex.chars()
            .map(|c| match c {
                '0' => 'g',
                '1' => 'h',
                '3' => 'k',
                'a' => 'm',
                'e' => 't',
                other => other,
            })
            .collect(),
    )
}

/// `value` as Go's `json.Marshal` writes it: object keys sorted, and `<`,
/// `>`, `&`, U+2028 and U+2029 escaped.
fn go_json(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value as J;
    match value {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Number(n) => out.push_str(&n.to_string()),
        J::String(s) => go_string(s, out),
        J::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(item, out);
            }
            out.push(']');
        }
        J::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_string(key, out);
                out.push(':');
                go_json(&map[key], out);
            }
            out.push('}');
        }
    }
}

fn go_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, SourceFile};
    use crate::yaml::{LoadLimits, load_yaml};

    fn node(text: &str) -> Node {
        let source = SourceFile::new("t.yaml", text);
        let root = load_yaml(FileId(0), &source, LoadLimits::default())
            .documents
            .remove(0)
            .root;
        (*root).clone()
    }

    /// The names `kubectl kustomize` (v5.5) gives these generated objects.
    #[test]
    fn hashes_are_kustomizes() {
        let config_map = node(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  a: \"1\"\n  b: <x & y>\n",
        );
        assert_eq!(
            content_hash(&config_map).as_deref(),
            Some(KUBECTL_CONFIG_MAP_HASH)
        );
        let secret = node(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ntype: Opaque\ndata:\n  token: c2VjcmV0\n",
        );
        assert_eq!(content_hash(&secret).as_deref(), Some(KUBECTL_SECRET_HASH));
    }

    const KUBECTL_CONFIG_MAP_HASH: &str = "4mk975g452";
    const KUBECTL_SECRET_HASH: &str = "d66d4f5bf8";

    #[test]
    fn go_escapes_html_characters_and_line_separators() {
        let mut out = String::new();
        go_string("<a&b>\u{2028}\u{1}\n", &mut out);
        assert_eq!(out, "\"\\u003ca\\u0026b\\u003e\\u2028\\u0001\\n\"");
    }
}
