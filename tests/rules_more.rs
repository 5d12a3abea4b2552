//! `tenant-kubeconfig`, `unresolved-substitution`, `deprecated-api`,
//! `tenant-remote-base`, `tenant-cross-namespace-ref`, `tenant-target-namespace`
//! and `dangling-reference` on their failing and passing fixtures: rule, path, line, severity and message, and a
//! snapshot of each failing fixture's report.

mod common;

use common::{findings_of, fixture, fleet_lint, lint_json, places, without_timing};
use serde_json::Value;

/// (path, line, severity, message) of the findings of `rule`.
fn findings(name: &str, rule: &str) -> Vec<(String, u64, String, String)> {
    let (_, report) = lint_json(&fixture(name), &[]);
    common::rule_rows(&report, rule)
}

fn assert_clean(name: &str) {
    let (code, report) = lint_json(&fixture(name), &[]);
    assert_eq!(code, 0, "{name}");
    assert_eq!(
        common::findings_but_lockdown_info(&report),
        Vec::<&Value>::new(),
        "{name}"
    );
}

fn snapshot(name: &str) -> String {
    without_timing(&String::from_utf8_lossy(
        &fleet_lint()
            .arg(fixture(name))
            .output()
            .expect("runs")
            .stdout,
    ))
}

#[test]
fn tenant_kubeconfig() {
    let found = findings("rules/tenant-kubeconfig/fail", "tenant-kubeconfig");
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].0.as_str(), found[0].1, found[0].2.as_str()),
        ("tenants/dev/team-a.yaml", 11, "error")
    );
    assert_eq!(
        found[0].3,
        "Kustomization team-a/team-a of tenant team-a applies to another cluster through spec.kubeConfig: a tenant must stay on the clusters the platform gives it"
    );
    assert_clean("rules/tenant-kubeconfig/pass");
    insta::assert_snapshot!(snapshot("rules/tenant-kubeconfig/fail"));
}

#[test]
fn unresolved_substitution() {
    let found = findings(
        "rules/unresolved-substitution/fail",
        "unresolved-substitution",
    );
    let places: Vec<(&str, u64, &str)> = found
        .iter()
        .map(|f| (f.0.as_str(), f.1, f.2.as_str()))
        .collect();
    assert_eq!(
        places,
        [
            ("apps/config.yaml", 8, "warning"),
            ("tenants/team-a/vars.yaml", 7, "error")
        ]
    );
    assert_eq!(
        found[0].3,
        "`${cluster_domain}` has no default and Kustomization flux-system/apps defines no `cluster_domain`, unless ConfigMap cluster-vars (not in this repository, made out of band?) does"
    );
    assert_eq!(
        found[1].3,
        "`${region}` has no default, and Kustomization team-a/team-a defines no `region` (postBuild.substitute or substituteFrom): Flux fails the reconciliation (strict substitution)"
    );
    assert_clean("rules/unresolved-substitution/pass");
    insta::assert_snapshot!(snapshot("rules/unresolved-substitution/fail"));
}

#[test]
fn deprecated_api() {
    let found = findings("rules/deprecated-api/fail", "deprecated-api");
    let lines: Vec<u64> = found.iter().map(|f| f.1).collect();
    assert_eq!(lines, [1, 14, 26, 37]);
    assert_eq!(
        found[0].3,
        "HelmRelease `helm.toolkit.fluxcd.io/v2beta1` was removed from Flux (v2beta1 in 2.7, v2beta2 in 2.8): Flux no longer applies it; use `helm.toolkit.fluxcd.io/v2`"
    );
    assert_eq!(
        found[2].3,
        "Alert `notification.toolkit.fluxcd.io/v1beta2` was removed from Flux (v1beta1 in 2.7, v1beta2 in 2.9): Flux no longer applies it; use `notification.toolkit.fluxcd.io/v1beta3`"
    );
    assert_clean("rules/deprecated-api/pass");
    insta::assert_snapshot!(snapshot("rules/deprecated-api/fail"));
}

#[test]
fn tenant_remote_base() {
    let found = findings("rules/tenant-remote-base/fail", "tenant-remote-base");
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].0.as_str(), found[0].1, found[0].2.as_str()),
        ("tenants/team-a/kustomization.yaml", 3, "error")
    );
    assert!(found[0].3.starts_with("tenant team-a pulls the remote base `github.com/example-org/charts//podinfo/kustomize?ref=main`"));
    // The platform's remote file is only the resolver's info.
    let (code, _) = lint_json(&fixture("rules/tenant-remote-base/pass"), &[]);
    assert_eq!(code, 0);
    assert!(findings("rules/tenant-remote-base/pass", "tenant-remote-base").is_empty());
    assert_eq!(
        findings("rules/tenant-remote-base/pass", "kustomize-remote-ref").len(),
        1
    );
    insta::assert_snapshot!(snapshot("rules/tenant-remote-base/fail"));
}

#[test]
fn tenant_cross_namespace_ref() {
    let found = findings_of(
        "rules/tenant-cross-namespace-ref/fail",
        "tenant-cross-namespace-ref",
    );
    assert_eq!(
        places(&found),
        [
            ("tenants/dev/team-a.yaml", 14, "error"),
            ("tenants/team-a/app.yaml", 23, "error"),
            ("tenants/team-b/alerts.yaml", 24, "error")
        ]
    );
    assert_eq!(
        found[0]["message"],
        "Kustomization team-a/team-a of tenant team-a refers to GitRepository flux-system/flux-system through spec.sourceRef, outside its namespace team-a: Flux's multi-tenancy lockdown (--no-cross-namespace-refs) refuses it, and without the lockdown the tenant reaches into namespace flux-system"
    );
    assert!(found[1]["message"].as_str().unwrap_or("").starts_with(
        "HelmRelease team-a/web of tenant team-a refers to HelmRepository team-b/charts through spec.chart.spec.sourceRef"
    ));
    assert!(found[2]["message"].as_str().unwrap_or("").starts_with(
        "Alert team-b/team-b of tenant team-b refers to Kustomization team-a/* through spec.eventSources"
    ));
    // team-b's dependsOn on flux-system/infrastructure and the platform's Alerts pass.
    assert_clean("rules/tenant-cross-namespace-ref/pass");
    insta::assert_snapshot!(snapshot("rules/tenant-cross-namespace-ref/fail"));
}

#[test]
fn tenant_target_namespace() {
    let found = findings_of(
        "rules/tenant-target-namespace/fail",
        "tenant-target-namespace",
    );
    assert_eq!(
        places(&found),
        [
            ("tenants/dev/team-a.yaml", 36, "error"),
            ("tenants/team-b/app.yaml", 17, "error")
        ]
    );
    assert_eq!(
        found[0]["message"],
        "Kustomization team-a/reports of tenant team-a sets targetNamespace `team-b`, the namespace of tenant team-b: everything it applies lands outside the tenant"
    );
    assert_eq!(
        found[1]["message"],
        "HelmRelease team-b/web of tenant team-b sets targetNamespace `kube-system`, a namespace of the platform: everything it applies lands outside the tenant"
    );
    // A Namespace the tenant defines, and one the config gives it, pass.
    assert_clean("rules/tenant-target-namespace/pass");
    insta::assert_snapshot!(snapshot("rules/tenant-target-namespace/fail"));
}

#[test]
fn dangling_reference() {
    let (_, report) = lint_json(&fixture("rules/dangling-reference/fail"), &[]);
    let found = findings_of("rules/dangling-reference/fail", "dangling-reference");
    assert_eq!(
        places(&found),
        [
            ("clusters/dev/tenants.yaml", 11, "warning"),
            ("tenants/team-a/app.yaml", 25, "warning"),
            ("tenants/team-b/app.yaml", 22, "warning")
        ]
    );
    assert_eq!(
        found[0]["message"],
        "Kustomization flux-system/tenants refers to Kustomization flux-system/infrastucture through spec.dependsOn, which no manifest landing on its cluster defines: Flux cannot reconcile it until that object exists"
    );
    assert!(found[1]["message"].as_str().unwrap_or("").starts_with(
        "HelmRelease team-a/web of tenant team-a refers to ConfigMap team-a/web-values through spec.valuesFrom"
    ));
    let helps: Vec<&str> = common::findings_but_lockdown_info(&report)
        .into_iter()
        .map(|f| f["help"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        (helps[0], helps[2]),
        (
            "did you mean Kustomization `infrastructure`?",
            "did you mean HelmRepository `charts`?"
        )
    );
    // Optional values, Secrets made by a SealedSecret or an ExternalSecret, and
    // the bootstrap source pass.
    assert_clean("rules/dangling-reference/pass");
    insta::assert_snapshot!(snapshot("rules/dangling-reference/fail"));
}
