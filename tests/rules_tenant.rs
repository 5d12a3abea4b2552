//! The tenant rules on their failing and passing fixtures (`fixtures/rules/<rule>/`):
//! rule, path, line, message and related locations; a snapshot of each failing
//! fixture's report.

mod common;

use common::{findings_of, fixture, fleet_lint, lint_json, places, without_timing};
use serde_json::Value;

fn snapshot_of(fixture_name: &str) -> String {
    let output = fleet_lint()
        .arg(fixture(fixture_name))
        .output()
        .expect("runs");
    without_timing(&String::from_utf8_lossy(&output.stdout))
}

#[test]
fn tenant_service_account_fails_where_the_built_object_has_none() {
    let found = findings_of(
        "rules/tenant-service-account/fail",
        "tenant-service-account",
    );
    assert_eq!(
        places(&found),
        [
            ("tenants/team-a/releases.yaml", 6, "error"),
            ("tenants/team-a/releases.yaml", 22, "warning"),
            ("tenants/team-a/releases.yaml", 35, "error")
        ]
    );
    assert_eq!(
        found[0]["message"],
        "HelmRelease team-a/api of tenant team-a sets no spec.serviceAccountName: Flux reconciles it as its own cluster-admin identity"
    );
    assert_eq!(
        found[2]["message"],
        "HelmRelease team-a/web of tenant team-a sets no spec.serviceAccountName: Flux reconciles it as its own cluster-admin identity"
    );
    assert_eq!(
        (
            found[2]["related"][0]["line"].as_u64(),
            found[2]["related"][0]["message"].as_str()
        ),
        (
            Some(37),
            Some("as written here the object passes; an overlay or patch changes it")
        )
    );
    assert_eq!(
        found[1]["message"],
        "HelmRelease team-a/worker of tenant team-a runs as ServiceAccount `worker`, which the fleet defines in no namespace of team-a"
    );
    // Where it lands: the tenant's Flux Kustomization on cluster dev.
    assert_eq!(found[0]["related"][0]["path"], "tenants/dev/team-a.yaml");
    assert_eq!(
        found[0]["related"][0]["message"],
        "lands on cluster dev through Kustomization team-a/team-a"
    );
    insta::assert_snapshot!(snapshot_of("rules/tenant-service-account/fail"));
}

#[test]
fn tenant_service_account_passes_patched_privileged_and_platform_objects() {
    let (code, report) = lint_json(&fixture("rules/tenant-service-account/pass"), &[]);
    assert_eq!(code, 0);
    assert_eq!(
        common::findings_but_lockdown_info(&report),
        Vec::<&Value>::new()
    );
}

#[test]
fn tenant_cluster_rbac_fails_on_defined_and_pulled_in_cluster_rbac() {
    let found = findings_of("rules/tenant-cluster-rbac/fail", "tenant-cluster-rbac");
    assert_eq!(
        places(&found),
        [
            ("infrastructure/rbac/crb.yaml", 2, "error"),
            ("tenants/team-a/cluster-rbac.yaml", 2, "warning"),
            ("tenants/team-a/cluster-rbac.yaml", 11, "error"),
            ("tenants/team-c/leftover-crb.yaml", 3, "error"),
        ]
    );
    let pulled = &found[0];
    assert_eq!(
        pulled["message"],
        "ClusterRoleBinding shared-viewers belongs to tenant team-b: it grants cluster-wide permissions, which a tenant must never hold"
    );
    assert_eq!(
        pulled["related"][0]["path"],
        "tenants/team-b/kustomization.yaml"
    );
    assert_eq!(pulled["related"][0]["line"], 3);
    assert_eq!(
        pulled["related"][0]["message"],
        "pulled into the tenant's build here"
    );
    insta::assert_snapshot!(snapshot_of("rules/tenant-cluster-rbac/fail"));
}

#[test]
fn tenant_cluster_rbac_passes_rolebindings_platform_and_privileged_rbac() {
    let (code, report) = lint_json(&fixture("rules/tenant-cluster-rbac/pass"), &[]);
    assert_eq!(code, 0);
    assert_eq!(
        common::findings_but_lockdown_info(&report),
        Vec::<&Value>::new()
    );
}

#[test]
fn the_example_fleet_reports_its_deliberate_tenant_violations_once() {
    let (_, report) = lint_json(&fixture("example-fleet"), &[]);
    let tenant: Vec<(&str, &str, u64)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"].as_str().is_some_and(|r| r.starts_with("tenant-")))
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or(""),
                f["path"].as_str().unwrap_or(""),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        tenant,
        [
            (
                "tenant-cluster-rbac",
                "infrastructure/rbac/platform-admins.yaml",
                2
            ),
            (
                "tenant-alert-coverage",
                "tenants/team-b/base/podinfo.yaml",
                11
            ),
            ("tenant-alert-coverage", "tenants/team-b/base/redis.yaml", 3),
            (
                "tenant-service-account",
                "tenants/team-b/base/redis.yaml",
                7
            ),
        ]
    );
    // One finding for both clusters: each is a related location.
    let redis = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "tenant-service-account")
        .expect("finding");
    let landings: Vec<&str> = redis["related"]
        .as_array()
        .expect("related")
        .iter()
        .filter_map(|r| r["message"].as_str())
        .collect();
    assert_eq!(
        landings,
        [
            "lands on cluster production through Kustomization flux-system/team-b",
            "lands on cluster staging through Kustomization flux-system/team-b"
        ]
    );
}

#[test]
fn tenant_alert_coverage_says_which_check_failed() {
    let found = findings_of("rules/tenant-alert-coverage/fail", "tenant-alert-coverage");
    let got: Vec<(&str, u64, &str, &str)> = found
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or(""),
                f["line"].as_u64().unwrap_or(0),
                f["severity"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "tenants/team-a/app.yaml",
                8,
                "error",
                "HelmRelease team-a/web of tenant team-a is watched by no Alert"
            ),
            (
                "tenants/team-b/app.yaml",
                8,
                "error",
                "HelmRelease team-b/web of tenant team-b is watched only by Alert flux-system/team-b, which is suspended"
            ),
            (
                "tenants/team-c/app.yaml",
                8,
                "error",
                "HelmRelease team-c/web of tenant team-c is watched only by Alert flux-system/team-c, which sends to Provider `opsgenie`, which does not exist in namespace flux-system on this cluster"
            ),
            (
                "tenants/team-d/app.yaml",
                8,
                "error",
                "HelmRelease team-d/web of tenant team-d is watched only by Alert flux-system/team-d, which has eventSeverity `warning` (only `error` and `info` forward error events)"
            ),
            (
                "tenants/team-e/app.yaml",
                8,
                "warning",
                "HelmRelease team-e/web of tenant team-e is watched only by Alerts whose exclusionList may drop error events (`.*error.*`)"
            ),
        ]
    );
    assert_eq!(
        found[0]["related"][0]["message"],
        "lands on cluster dev through Kustomization team-a/team-a; there it is watched by no Alert"
    );
    insta::assert_snapshot!(snapshot_of("rules/tenant-alert-coverage/fail"));
}

#[test]
fn tenant_alert_coverage_passes_names_labels_and_default_severity() {
    let (code, report) = lint_json(&fixture("rules/tenant-alert-coverage/pass"), &[]);
    assert_eq!(code, 0);
    assert_eq!(
        common::findings_but_lockdown_info(&report),
        Vec::<&Value>::new()
    );
}
