//! Who owns each object, in the layouts of `fixtures/tenants/`: the tenants
//! found (each once, with how it was named), and the findings of the tenant
//! rules with the tenant each names (`docs/fleet-model.md`, "Owners").

mod common;

use std::collections::BTreeMap;

use common::{fixture, fleet_lint, lint_json};
use fleet_lint_engine::fleet::tenant::Identity;
use fleet_lint_engine::{LintOptions, lint};
use serde_json::Value;

/// Tenant name -> (how it was named, its namespaces), linted in process.
fn tenants_of(name: &str) -> BTreeMap<String, (Identity, Vec<String>)> {
    let run = lint(&LintOptions::new(fixture(name))).expect("the fixture lints");
    run.fleet
        .tenancy
        .tenants
        .iter()
        .map(|(name, t)| {
            let namespaces = t.namespaces.iter().cloned().collect();
            (name.clone(), (t.identity, namespaces))
        })
        .collect()
}

/// (rule, path, line, tenant, message) of every finding, from the JSON
/// report, but the info that the fixture's Flux is installed elsewhere.
fn findings(name: &str) -> Vec<(String, String, u64, String, String)> {
    let (_, report) = lint_json(&fixture(name), &[]);
    common::findings_but_lockdown_info(&report)
        .into_iter()
        .map(|f| {
            let text = |k: &str| f[k].as_str().unwrap_or("").to_string();
            let line = f["line"].as_u64().unwrap_or(0);
            (
                text("rule"),
                text("path"),
                line,
                text("tenant"),
                text("message"),
            )
        })
        .collect()
}

/// The related locations of the first finding of `rule`: (path, line, message).
fn related_of(name: &str, rule: &str) -> Vec<(String, u64, String)> {
    let (_, report) = lint_json(&fixture(name), &[]);
    let finding = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == rule)
        .cloned()
        .unwrap_or(Value::Null);
    finding["related"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|r| {
                    (
                        r["path"].as_str().unwrap_or("").to_string(),
                        r["line"].as_u64().unwrap_or(0),
                        r["message"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn row(
    rule: &str,
    path: &str,
    line: u64,
    tenant: &str,
    message: &str,
) -> (String, String, u64, String, String) {
    (
        rule.into(),
        path.into(),
        line,
        tenant.into(),
        message.into(),
    )
}

#[test]
fn environment_first_layers_are_not_tenants_and_a_pulled_in_binding_is_the_tenants() {
    let name = "tenants/environment-first";
    let tenants = tenants_of(name);
    assert_eq!(
        tenants.keys().collect::<Vec<_>>(),
        ["team-a", "team-b"],
        "base, staging, production and apps are layers"
    );
    assert_eq!(
        tenants["team-a"],
        (Identity::Reconciler, vec!["team-a".to_string()])
    );
    assert_eq!(
        findings(name),
        [
            row(
                "tenant-cluster-rbac",
                "infrastructure/base/rbac/crb.yaml",
                2,
                "team-a",
                "ClusterRoleBinding team-a-admin belongs to tenant team-a: it grants cluster-wide permissions, which a tenant must never hold"
            ),
            row(
                "tenant-cluster-rbac",
                "tenants/base/team-b/cluster-role.yaml",
                2,
                "team-b",
                "ClusterRole team-b-reader belongs to tenant team-b: it is cluster-scoped; tenants should bind the platform's roles, not define their own"
            ),
        ]
    );
    let related = related_of(name, "tenant-cluster-rbac");
    let pulled_in = "pulled into the tenant's build here".to_string();
    assert!(
        related.contains(&(
            "tenants/base/team-a/kustomization.yaml".into(),
            6,
            pulled_in
        )),
        "the tenant's reference is a related location: {related:#?}"
    );
    for cluster in ["staging", "production"] {
        assert!(
            related.iter().any(|(path, _, message)| path
                == &format!("clusters/{cluster}/tenants.yaml")
                && message
                    == &format!(
                        "lands on cluster {cluster} through Kustomization flux-system/tenants"
                    )),
            "lands on {cluster}: {related:#?}"
        );
    }
}

#[test]
fn tenant_first_a_binding_pulled_in_and_applied_by_the_platform_is_the_tenants() {
    let name = "tenants/tenant-first-pulled-in";
    assert_eq!(tenants_of(name).keys().collect::<Vec<_>>(), ["team2"]);
    assert_eq!(
        findings(name),
        [row(
            "tenant-cluster-rbac",
            "infrastructure/shared/crb.yaml",
            2,
            "team2",
            "ClusterRoleBinding team2-admin belongs to tenant team2: it grants cluster-wide permissions, which a tenant must never hold"
        )]
    );
    let related = related_of(name, "tenant-cluster-rbac");
    assert!(
        related.contains(&(
            "tenants/team2/base/kustomization.yaml".into(),
            3,
            "pulled into the tenant's build here".into()
        )),
        "{related:#?}"
    );
}

#[test]
fn a_folder_with_a_space_is_one_tenant_with_one_name() {
    let name = "tenants/folder-with-space";
    let tenants = tenants_of(name);
    assert_eq!(
        tenants.keys().collect::<Vec<_>>(),
        ["team1"],
        "not `team 1` as well"
    );
    assert_eq!(
        findings(name),
        [row(
            "tenant-cluster-rbac",
            "tenants/team 1/cluster-role.yaml",
            2,
            "team1",
            "ClusterRole team1-reader belongs to tenant team1: it is cluster-scoped; tenants should bind the platform's roles, not define their own"
        )]
    );
    let output = fleet_lint()
        .args(["init", "--stdout"])
        .arg(fixture(name))
        .output()
        .expect("init runs");
    let text = String::from_utf8_lossy(&output.stdout);
    let named: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("  #   - name: "))
        .collect();
    assert_eq!(
        named,
        ["  #   - name: team1   # found by the namespace its Flux objects reconcile in"],
        "init lists each tenant once, with how it was found"
    );
}

#[test]
fn a_labelled_tenant_spans_its_namespaces_without_a_tenant_folder() {
    let name = "tenants/labelled-namespaces";
    let tenants = tenants_of(name);
    assert_eq!(
        tenants,
        BTreeMap::from([(
            "team-a".to_string(),
            (
                Identity::Label,
                vec!["blog".to_string(), "shop".to_string()]
            )
        )])
    );
    assert_eq!(
        findings(name),
        [row(
            "tenant-service-account",
            "teams/shop.yaml",
            33,
            "team-a",
            "HelmRelease shop/web of tenant team-a sets no spec.serviceAccountName: Flux reconciles it as its own cluster-admin identity"
        )]
    );
}

#[test]
fn a_resource_set_makes_one_tenant_per_input_reported_at_the_template() {
    let name = "tenants/resource-set";
    let tenants = tenants_of(name);
    assert_eq!(tenants.keys().collect::<Vec<_>>(), ["backend", "frontend"]);
    assert_eq!(tenants["backend"].0, Identity::Reconciler);
    assert_eq!(
        findings(name),
        [row(
            "tenant-service-account",
            "tenants/teams.yaml",
            52,
            "backend",
            "Kustomization backend/apps of tenant backend sets no spec.serviceAccountName: Flux reconciles it as its own cluster-admin identity"
        )]
    );
    assert_eq!(
        related_of(name, "tenant-service-account"),
        [(
            "clusters/dev/tenants.yaml".to_string(),
            8,
            "lands on cluster dev through Kustomization flux-system/tenants, made by ResourceSet flux-system/teams for input 2 (tenant: backend)".to_string()
        )],
        "the finding names the input"
    );
    // The expanded Kustomizations are followed: each tenant's ConfigMap lands.
    let run = lint(&LintOptions::new(fixture(name))).expect("lints");
    let cluster = &run.fleet.clusters[0];
    for team in ["frontend", "backend"] {
        let placed = cluster
            .find("ConfigMap", team, "settings")
            .expect("followed");
        assert_eq!(placed.owner.tenant(), Some(team));
    }
}

#[test]
fn what_a_resource_set_cannot_know_offline_is_said() {
    let found = findings("rules/resourceset-not-evaluated/fail");
    let places: Vec<(&str, u64)> = found
        .iter()
        .filter(|f| f.0 == "resourceset-not-evaluated")
        .map(|f| (f.1.as_str(), f.2))
        .collect();
    assert_eq!(
        places,
        [
            ("clusters/dev/previews.yaml", 18),
            ("clusters/dev/previews.yaml", 41)
        ]
    );
    let run = lint(&LintOptions::new(fixture(
        "rules/resourceset-not-evaluated/fail",
    )))
    .expect("lints");
    let cluster = &run.fleet.clusters[0];
    assert!(
        cluster
            .find("ConfigMap", "flux-system", "settings-a")
            .is_some(),
        "the static template is expanded"
    );
    assert!(
        !cluster.objects.iter().any(|p| {
            let name = p.resource.name();
            name.starts_with("digest-")
                || (p.resource.kind() == "Namespace" && name.starts_with("preview-"))
        }),
        "nothing is guessed"
    );
}

#[test]
fn findings_in_a_tenants_kustomization_name_the_tenant_in_json_and_sarif() {
    let name = "rules/tenant-remote-base/fail";
    let tenants: Vec<(String, String)> = findings(name)
        .into_iter()
        .map(|(rule, _, _, tenant, _)| (rule, tenant))
        .collect();
    assert_eq!(
        tenants,
        [
            ("kustomize-remote-ref".to_string(), "team-a".to_string()),
            ("tenant-remote-base".to_string(), "team-a".to_string())
        ],
        "both are at tenants/team-a/kustomization.yaml"
    );
    let output = fleet_lint()
        .arg(fixture(name))
        .args(["--format", "sarif"])
        .output()
        .expect("runs");
    let sarif: Value = serde_json::from_slice(&output.stdout).expect("SARIF is JSON");
    let tenants: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["properties"]["tenant"].as_str())
        .collect();
    assert_eq!(tenants, ["team-a", "team-a"]);
}
