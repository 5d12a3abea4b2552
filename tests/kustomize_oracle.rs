//! The resolver against `kubectl kustomize --load-restrictor LoadRestrictionsNone`
//! (the load rules Flux uses) on every kustomization directory of `fixtures/`
//! and of `../shared/corpora` (skipped when absent).
//!
//! For each directory kubectl builds: the same objects (apiVersion, kind,
//! namespace, name, generated names with kustomize's hash suffix), and
//! the same `metadata.namespace`, `spec.serviceAccountName`,
//! `spec.targetNamespace`, `spec.sourceRef`, `roleRef`, `subjects` and
//! ConfigMap/Secret data keys. Where kubectl fails, fleet-lint must report a
//! finding for that directory.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{shared, subdirs};
use fleet_lint_engine::resolve;
use serde_json::{Value, json};

/// An object reduced to what the oracle compares.
type Key = (String, String, String, String);

/// kubectl's build of `dir`, parsed.
fn kubectl_build(dir: &Path) -> Result<Vec<Value>, String> {
    let output = Command::new("kubectl")
        .args(["kustomize", "--load-restrictor", "LoadRestrictionsNone"])
        .arg(dir)
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        return Err(err
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .chars()
            .take(200)
            .collect());
    }
    Ok(common::yaml_documents(&String::from_utf8_lossy(
        &output.stdout,
    )))
}

fn text(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn key(object: &Value, name: String) -> Key {
    (
        text(object, "/apiVersion"),
        text(object, "/kind"),
        text(object, "/metadata/namespace"),
        name,
    )
}

/// The fields the oracle compares.
fn compared_fields(object: &Value) -> Value {
    let data_keys = |field: &str| -> Vec<String> {
        let mut keys: Vec<String> = object
            .get(field)
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        keys.sort();
        keys
    };
    json!({
        "namespace": object.pointer("/metadata/namespace"),
        "serviceAccountName": object.pointer("/spec/serviceAccountName"),
        "targetNamespace": object.pointer("/spec/targetNamespace"),
        "sourceRef": object.pointer("/spec/sourceRef"),
        "roleRef": object.get("roleRef"),
        "subjects": object.get("subjects"),
        "data": data_keys("data"),
        "stringData": data_keys("stringData"),
    })
}

/// How one directory compared.
enum Outcome {
    Equal,
    Differs(String),
    KubectlFailsAndWeReport,
    KubectlFailsSilently(String),
}

fn compare(root: &Path, dir: &str) -> Outcome {
    let (build, _, findings) = resolve::build_alone(root, dir);
    let expected = match kubectl_build(&root.join(dir)) {
        Ok(objects) => objects,
        Err(err) => {
            let reported = !findings.is_empty();
            return if reported {
                Outcome::KubectlFailsAndWeReport
            } else {
                Outcome::KubectlFailsSilently(err)
            };
        }
    };
    let ours: BTreeMap<Key, Value> = build
        .resources
        .iter()
        .map(|r| {
            let object = r.node.to_json();
            (key(&object, r.name().to_string()), compared_fields(&object))
        })
        .collect();
    let theirs: BTreeMap<Key, Value> = expected
        .iter()
        .map(|o| (key(o, text(o, "/metadata/name")), compared_fields(o)))
        .collect();
    let missing: Vec<_> = theirs.keys().filter(|k| !ours.contains_key(*k)).collect();
    let extra: Vec<_> = ours.keys().filter(|k| !theirs.contains_key(*k)).collect();
    if !missing.is_empty() || !extra.is_empty() {
        return Outcome::Differs(format!("objects: missing {missing:?}, extra {extra:?}"));
    }
    for (k, fields) in &theirs {
        if ours[k] != *fields {
            return Outcome::Differs(format!("{k:?}: ours {} vs kubectl {}", ours[k], fields));
        }
    }
    Outcome::Equal
}

/// Compares every directory of each `(name, root)` and asserts full agreement.
fn check(trees: &[(String, PathBuf)]) {
    let mut failures = Vec::new();
    for (name, root) in trees {
        let dirs = common::kustomization_dirs(root);
        let (mut equal, mut reported) = (0, 0);
        for dir in &dirs {
            match compare(root, dir) {
                Outcome::Equal => equal += 1,
                Outcome::KubectlFailsAndWeReport => reported += 1,
                Outcome::Differs(why) => failures.push(format!("{name}/{dir}: {why}")),
                Outcome::KubectlFailsSilently(err) => failures.push(format!(
                    "{name}/{dir}: kubectl fails ({err}) but fleet-lint reports nothing"
                )),
            }
        }
        common::say(&format!(
            "{name}: {} directories, {equal} equal, {reported} fail in kubectl and are reported, {} differ",
            dirs.len(),
            dirs.len() - equal - reported
        ));
    }
    assert!(
        failures.is_empty(),
        "{} directories disagree with kubectl:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn fixtures_agree_with_kubectl() {
    if !common::kubectl_available() {
        return;
    }
    check(&subdirs(&common::fixture("")));
}

#[test]
fn corpora_agree_with_kubectl() {
    if !common::kubectl_available() {
        return;
    }
    let Some(corpora) = shared("corpora") else {
        return;
    };
    check(&subdirs(&corpora));
}
