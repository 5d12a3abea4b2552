//! Each Kustomize finding at its rule, path and line, on `fixtures/kustomize-broken`,
//! and the `fleet-lint build` command.

mod common;

use common::{fixture, fleet_lint, lint_json};
use predicates::prelude::*;
use serde_json::Value;

fn report() -> Value {
    let (code, report) = lint_json(&fixture("kustomize-broken"), &[]);
    assert_eq!(code, 1);
    report
}

/// The one finding of `rule` in `path`, asserting its line and a part of its message.
fn assert_finding(report: &Value, rule: &str, path: &str, line: u64, message_part: &str) -> Value {
    let found: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule && f["path"] == path && f["line"] == line)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{rule} at {path}:{line} in {:#}",
        report["findings"]
    );
    let message = found[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(message_part),
        "{message:?} lacks {message_part:?}"
    );
    found[0].clone()
}

#[test]
fn missing_files_and_directories_point_at_the_list_item() {
    let r = report();
    assert_finding(
        &r,
        "kustomize-missing-ref",
        "missing-ref/kustomization.yaml",
        5,
        "`deployment.yaml` does not exist",
    );
    assert_finding(
        &r,
        "kustomize-missing-ref",
        "missing-ref/kustomization.yaml",
        6,
        "directory `missing-ref/plain-dir` has no kustomization file",
    );
    let f = assert_finding(
        &r,
        "kustomize-missing-ref",
        "missing-ref/kustomization.yaml",
        8,
        "`missing-patch.yaml` does not exist",
    );
    assert_eq!(f["column"], 11);
}

#[test]
fn a_finding_in_a_base_lists_the_overlays_that_include_it() {
    let r = report();
    let f = assert_finding(
        &r,
        "kustomize-missing-ref",
        "chain/base/kustomization.yaml",
        3,
        "`service.yaml` does not exist",
    );
    assert_eq!(f["related"][0]["path"], "chain/overlay/kustomization.yaml");
    assert_eq!(f["related"][0]["line"], 3);
    assert_eq!(f["related"][0]["message"], "included by this entry");
}

#[test]
fn cycles_name_the_whole_loop() {
    let r = report();
    let f = assert_finding(
        &r,
        "kustomize-cycle",
        "cycle/b/kustomization.yaml",
        2,
        "cycle/a -> cycle/b -> cycle/a",
    );
    assert_eq!(f["related"][0]["path"], "cycle/a/kustomization.yaml");
}

#[test]
fn leaving_the_root_is_an_error() {
    assert_finding(
        &report(),
        "kustomize-escapes-root",
        "escapes-root/kustomization.yaml",
        3,
        "leaves the repository root",
    );
}

#[test]
fn duplicate_objects_point_at_the_second_definition() {
    let f = assert_finding(
        &report(),
        "kustomize-duplicate-id",
        "duplicate-id/copy.yaml",
        3,
        "ConfigMap/settings is already in this build",
    );
    assert_eq!(f["related"][0]["path"], "configmap.yaml");
    assert_eq!(f["related"][0]["line"], 2);
}

#[test]
fn invalid_kustomizations_are_reported_where_they_go_wrong() {
    let r = report();
    assert_finding(
        &r,
        "kustomize-invalid",
        "unknown-field/kustomization.yaml",
        3,
        "unknown kustomization field `resource` (did you mean `resources`?)",
    );
    assert_finding(
        &r,
        "kustomize-invalid",
        "not-an-object/values.yaml",
        2,
        "`apiVersion` is missing",
    );
    assert_finding(
        &r,
        "kustomize-invalid",
        "smp-no-match/patch.yaml",
        2,
        "no object in the build has its kind, name and namespace",
    );
    assert_finding(
        &r,
        "kustomize-invalid",
        "json-patch-fails/kustomization.yaml",
        5,
        "path `/data/missing` does not exist",
    );
    let f = assert_finding(
        &r,
        "kustomize-invalid",
        "patch-no-match/kustomization.yaml",
        12,
        "its target matches no object",
    );
    assert_eq!(f["severity"], "warning");
}

#[test]
fn what_fleet_lint_cannot_see_is_info() {
    let r = report();
    let f = assert_finding(
        &r,
        "kustomize-remote-ref",
        "remote-ref/kustomization.yaml",
        3,
        "is not resolved",
    );
    assert_eq!(f["severity"], "info");
    let f = assert_finding(
        &r,
        "kustomize-not-evaluated",
        "not-evaluated/kustomization.yaml",
        3,
        "`helmCharts` is not rendered",
    );
    assert_eq!(f["severity"], "info");
}

#[test]
fn the_example_fleet_has_no_kustomize_finding() {
    let (_, r) = lint_json(&fixture("example-fleet"), &[]);
    let kustomize: Vec<_> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["rule"]
                .as_str()
                .is_some_and(|s| s.starts_with("kustomize-"))
        })
        .collect();
    assert!(kustomize.is_empty(), "{kustomize:#?}");
}

#[test]
fn build_prints_the_overlay_as_yaml() {
    let text = common::build_output(
        &fixture("example-fleet/tenants/team-b/production"),
        &fixture("example-fleet"),
    );
    insta::assert_snapshot!(text);
}

#[test]
fn a_component_directory_builds_on_its_own_as_kubectl_builds_it() {
    let dir = fixture("kustomize-components/component");
    let ours = common::yaml_documents(&common::build_output(
        &dir,
        &fixture("kustomize-components"),
    ));
    assert_eq!(
        ours,
        [serde_json::json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "settings", "labels": {"team": "a"}},
            "data": {"level": "info"}
        })]
    );
    match std::process::Command::new("kubectl")
        .arg("kustomize")
        .arg(&dir)
        .output()
    {
        Ok(kubectl) if kubectl.status.success() => {
            assert_eq!(
                ours,
                common::yaml_documents(&String::from_utf8_lossy(&kubectl.stdout)),
                "as kubectl builds it"
            );
        }
        _ => common::say("skipped the kubectl comparison: kubectl is not installed"),
    }
}

#[test]
fn build_json_carries_sources_and_include_chains() {
    let output = fleet_lint()
        .arg("build")
        .arg(fixture("example-fleet/tenants/team-a/production"))
        .args(["--format", "json", "--root"])
        .arg(fixture("example-fleet"))
        .output()
        .expect("runs");
    let objects: Value = serde_json::from_slice(&output.stdout).expect("JSON array");
    let release = objects
        .as_array()
        .expect("array")
        .iter()
        .find(|o| o["object"]["kind"] == "HelmRelease")
        .expect("a HelmRelease");
    assert_eq!(release["object"]["metadata"]["namespace"], "team-a");
    assert_eq!(release["object"]["spec"]["values"]["replicaCount"], 3);
    assert_eq!(
        release["source"]["path"],
        "tenants/team-a/base/podinfo.yaml"
    );
    assert_eq!(release["source"]["line"], 10);
    let chain: Vec<(&str, u64)> = release["included_by"]
        .as_array()
        .expect("chain")
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap_or_default(),
                p["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        chain,
        [
            ("tenants/team-a/production/kustomization.yaml", 5),
            ("tenants/team-a/base/kustomization.yaml", 6)
        ]
    );
}

#[test]
fn build_reports_problems_on_stderr_and_fails() {
    fleet_lint()
        .arg("build")
        .arg(fixture("kustomize-broken/missing-ref"))
        .arg("--root")
        .arg(fixture("kustomize-broken"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("name: settings"))
        .stderr(predicate::str::contains("missing-ref/kustomization.yaml:5:5: error[kustomize-missing-ref]: `deployment.yaml` does not exist"));
}
