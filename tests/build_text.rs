//! `fleet-lint build` prints what `kubectl kustomize` prints, byte for byte
//! (object order, go-yaml's key order, quoting, literal blocks, folding at
//! 80 columns, numbers as kustomize reads them, generated names with their
//! hash, folded blocks as go-yaml reads them), on the fixtures and on
//! `../shared/corpora` (skipped when absent). What still differs is known:
//! a patch with a duplicate key (kubectl keeps the first value, fleet-lint
//! the last; `yaml-syntax` reports it). The counts are floors: they only go
//! up.

mod common;

use std::path::Path;
use std::process::Command;

use common::{fixture, fleet_lint, shared, subdirs};

/// `(directories kubectl builds, of those byte-identical, names of the rest)`.
fn byte_identical(name: &str, root: &Path) -> (usize, usize, Vec<String>) {
    let (mut built, mut same, mut differ) = (0, 0, Vec::new());
    for dir in common::kustomization_dirs(root) {
        let path = root.join(&dir);
        let Ok(kubectl) = Command::new("kubectl")
            .args(["kustomize", "--load-restrictor", "LoadRestrictionsNone"])
            .arg(&path)
            .output()
        else {
            continue;
        };
        if !kubectl.status.success() {
            continue;
        }
        built += 1;
        let ours = fleet_lint()
            .arg("build")
            .arg(&path)
            .arg("--root")
            .arg(root)
            .output()
            .expect("runs");
        if ours.stdout == kubectl.stdout {
            same += 1;
        } else {
            differ.push(format!("{name}/{dir}"));
        }
    }
    (built, same, differ)
}

#[test]
fn build_prints_the_fixtures_as_kubectl_does() {
    if !common::kubectl_available() {
        return;
    }
    let (mut built, mut same, mut differ) = (0, 0, Vec::new());
    for (name, root) in subdirs(&fixture("")) {
        let (b, s, d) = byte_identical(&name, &root);
        (built, same) = (built + b, same + s);
        differ.extend(d);
    }
    common::say(&format!(
        "fixtures: {built} directories kubectl builds, {same} printed byte for byte as kubectl prints them"
    ));
    for expected in [
        "example-fleet/tenants/team-b/production",
        "kustomize-components/app",
        "kustomize-name-hash/base",
        "kustomize-name-hash/overlay",
        "kustomize-labels/common-labels",
        "kustomize-labels/labels",
        "kustomize-sort-options/fifo",
        "kustomize-sort-options/custom",
        "layout-5-reference/tenants/apps",
    ] {
        assert!(
            !differ.iter().any(|d| d == expected),
            "{expected} differs from kubectl"
        );
    }
    assert!(same >= 225, "{same} of {built}; differ: {differ:#?}");
}

#[test]
fn build_prints_the_corpora_as_kubectl_does() {
    if !common::kubectl_available() {
        return;
    }
    let Some(corpora) = shared("corpora") else {
        return;
    };
    let (mut built, mut same) = (0, 0);
    for (name, root) in subdirs(&corpora) {
        let (b, s, _) = byte_identical(&name, &root);
        (built, same) = (built + b, same + s);
    }
    common::say(&format!(
        "corpora: {built} directories kubectl builds, {same} printed byte for byte as kubectl prints them"
    ));
    assert!(same >= 327, "{same} of {built}");
}
