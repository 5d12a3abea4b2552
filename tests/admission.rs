//! The fleet's own ValidatingAdmissionPolicies, evaluated offline on what
//! lands on each cluster: `fixtures/admission-policies` (policies written
//! after Flux's multi-tenancy ones), one test per case, and the real
//! ResourceSet-made policy of the d2-fleet corpus.

mod common;

use common::{fixture, lint_json, rule_rows, scratch_copy};
use serde_json::Value;

fn report() -> Value {
    lint_json(&fixture("admission-policies"), &[]).1
}

fn row(path: &str, line: u64, severity: &str, message: &str) -> (String, u64, String, String) {
    (path.into(), line, severity.into(), message.into())
}

#[test]
fn a_tenant_source_outside_the_allow_list_is_denied_and_one_inside_passes() {
    // team-a's and team-b's own GitRepositories and HelmRepositories start
    // with a prefix of the ConfigMap the binding's paramRef names.
    assert_eq!(
        rule_rows(&report(), "source.policy.fleet.example"),
        [row(
            "tenants/team-b/sources.yaml",
            9,
            "error",
            "ValidatingAdmissionPolicy source.policy.fleet.example (binding tenant-sources) denies GitRepository team-b/upstream: source https://github.com/elsewhere/team-b is not allowed, must start with one of https://github.com/example/, https://charts.example.com, oci://ghcr.io/example/",
        )]
    );
}

#[test]
fn the_finding_points_at_the_field_and_relates_the_validation_the_binding_and_the_landing() {
    let denials = common::findings_of("admission-policies", "source.policy.fleet.example");
    let finding = denials.first().expect("a denial");
    assert_eq!(finding["column"], 8, "at the value of spec.url");
    assert_eq!(finding["tenant"], "team-b");
    let related: Vec<(&str, u64, &str)> = finding["related"]
        .as_array()
        .expect("related")
        .iter()
        .map(|r| {
            let text = |k: &str| r[k].as_str().unwrap_or_default();
            (
                text("path"),
                r["line"].as_u64().unwrap_or(0),
                text("message"),
            )
        })
        .collect();
    assert_eq!(
        related,
        [
            (
                "infrastructure/policies.yaml",
                41,
                "the binding that applies the policy"
            ),
            (
                "infrastructure/policies.yaml",
                37,
                "the validation of ValidatingAdmissionPolicy source.policy.fleet.example"
            ),
            (
                "infrastructure/policies.yaml",
                3,
                "the parameter binding tenant-sources reads"
            ),
            (
                "tenants/dev/team-b.yaml",
                8,
                "lands on cluster dev through Kustomization team-b/team-b"
            ),
        ]
    );
}

#[test]
fn a_tenant_bucket_is_denied() {
    assert_eq!(
        rule_rows(&report(), "bucket.policy.fleet.example"),
        [row(
            "tenants/team-a/bucket.yaml",
            2,
            "error",
            "ValidatingAdmissionPolicy bucket.policy.fleet.example (binding tenant-buckets) denies Bucket team-a/artifacts: tenants may not use Buckets",
        )]
    );
}

#[test]
fn a_tenant_kube_config_is_denied_at_the_field_the_expression_reads() {
    assert_eq!(
        rule_rows(&report(), "kubeconfig.policy.fleet.example"),
        [row(
            "tenants/team-b/sources.yaml",
            28,
            "error",
            "ValidatingAdmissionPolicy kubeconfig.policy.fleet.example (binding tenant-kubeconfig) denies Kustomization team-b/edge: tenants may not set spec.kubeConfig",
        )]
    );
}

#[test]
fn a_binding_whose_namespace_selector_matches_no_tenant_finds_nothing() {
    assert_eq!(
        rule_rows(&report(), "configmap.policy.fleet.example"),
        [],
        "the policy denies every ConfigMap, but no Namespace is labelled tier=none"
    );
}

#[test]
fn a_missing_parameter_denies_under_deny_and_passes_under_allow() {
    // registries-allow binds team-a, registries-deny team-b; neither finds
    // the ConfigMap `registry-allowlist`.
    assert_eq!(
        rule_rows(&report(), "registry.policy.fleet.example"),
        [row(
            "tenants/team-b/app.yaml",
            25,
            "error",
            "ValidatingAdmissionPolicy registry.policy.fleet.example (binding registries-deny) denies HelmRepository team-b/charts: the policy cannot be evaluated on it, and its failurePolicy is Fail: no parameter of binding registries-deny is on cluster dev (parameterNotFoundAction: Deny)",
        )]
    );
}

#[test]
fn an_expression_the_engine_cannot_evaluate_is_info_at_its_line() {
    assert_eq!(
        rule_rows(&report(), "policy-not-evaluated"),
        [row(
            "infrastructure/policies.yaml",
            205,
            "info",
            "ValidatingAdmissionPolicy pods.policy.fleet.example: it asks `authorizer`, the API server's authorization check, which fleet-lint does not have offline; the expression is not evaluated",
        )]
    );
    assert_eq!(rule_rows(&report(), "pods.policy.fleet.example"), []);
}

#[test]
fn warn_bindings_give_warnings_and_failure_policy_ignore_lets_errors_through() {
    let dir = scratch_copy("admission-policies");
    let policies = dir.path().join("infrastructure/policies.yaml");
    common::edit(
        &policies,
        "  name: tenant-buckets\nspec:\n  policyName: bucket.policy.fleet.example\n  validationActions: [\"Deny\"]",
        "  name: tenant-buckets\nspec:\n  policyName: bucket.policy.fleet.example\n  validationActions: [\"Warn\", \"Audit\"]",
    );
    common::edit(
        &policies,
        "  name: registry.policy.fleet.example\nspec:\n",
        "  name: registry.policy.fleet.example\nspec:\n  failurePolicy: Ignore\n",
    );
    let (_, report) = lint_json(dir.path(), &[]);
    let buckets = rule_rows(&report, "bucket.policy.fleet.example");
    assert_eq!(buckets.len(), 1);
    assert_eq!(buckets[0].2, "warning");
    assert!(
        buckets[0]
            .3
            .contains(" warns about Bucket team-a/artifacts")
    );
    assert_eq!(rule_rows(&report, "registry.policy.fleet.example"), []);
}

#[test]
fn policies_are_rules_the_config_and_select_know() {
    let (_, report) = lint_json(
        &fixture("admission-policies"),
        &["--select", "bucket.policy.fleet.example"],
    );
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert_eq!(rules, ["bucket.policy.fleet.example"]);
}

#[test]
fn the_d2_fleet_source_policy_from_its_resource_set_judges_every_tenant_source() {
    let Some(corpus) = common::shared("corpora/controlplaneio-fluxcd__d2-fleet") else {
        return;
    };
    let dir = tempfile::tempdir().expect("scratch");
    common::copy_tree(&corpus, dir.path());
    let (_, clean) = lint_json(dir.path(), &[]);
    assert_eq!(
        rule_rows(&clean, "source.policy.fluxcd.controlplane.io"),
        [],
        "the tenants' sources are in the allow-list"
    );
    common::edit(
        &dir.path().join("tenants/policies.yaml"),
        "oci://ghcr.io/controlplaneio-fluxcd/\n",
        "oci://ghcr.io/someone-else/\n",
    );
    let (_, report) = lint_json(dir.path(), &[]);
    let denied: Vec<(String, u64)> = rule_rows(&report, "source.policy.fluxcd.controlplane.io")
        .into_iter()
        .map(|(path, line, _, _)| (path, line))
        .collect();
    assert_eq!(
        denied,
        [
            ("tenants/apps.yaml".to_string(), 79),
            ("tenants/apps.yaml".to_string(), 79),
        ],
        "the OCIRepository of each app tenant (backend, frontend), one finding per tenant the \
         ResourceSet makes it for; the infra tenants' Namespaces are not labelled \
         toolkit.fluxcd.io/role=tenant, so the binding does not select them"
    );
}

#[test]
fn no_text_an_expression_makes_from_a_secret_is_shown() {
    let dir = scratch_copy("admission-policies");
    common::write_file(
        dir.path(),
        "tenants/team-a/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\n  namespace: team-a\nstringData:\n  token: hunter2-very-secret\n",
    );
    common::edit(
        &dir.path().join("tenants/team-a/kustomization.yaml"),
        "  - bucket.yaml\n",
        "  - bucket.yaml\n  - secret.yaml\n",
    );
    common::write_file(
        dir.path(),
        "infrastructure/secrets-policy.yaml",
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: secrets.policy.fleet.example\nspec:\n  matchConstraints:\n    resourceRules:\n      - apiGroups: [\"\"]\n        apiVersions: [\"v1\"]\n        operations: [\"CREATE\"]\n        resources: [\"secrets\"]\n  validations:\n    - expression: object.stringData.token.size() < 8\n      messageExpression: '\"token \" + object.stringData.token + \" is too long\"'\n    - expression: object.stringData.token + 1 == 2\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata:\n  name: tenant-secrets\nspec:\n  policyName: secrets.policy.fleet.example\n  validationActions: [\"Deny\"]\n",
    );
    common::edit(
        &dir.path().join("infrastructure/kustomization.yaml"),
        "  - policies.yaml\n",
        "  - policies.yaml\n  - secrets-policy.yaml\n",
    );
    let (_, report) = lint_json(dir.path(), &[]);
    let denials = rule_rows(&report, "secrets.policy.fleet.example");
    assert_eq!(
        denials,
        [row(
            "tenants/team-a/secret.yaml",
            7,
            "error",
            "ValidatingAdmissionPolicy secrets.policy.fleet.example (binding tenant-secrets) denies Secret team-a/token: failed expression: object.stringData.token.size() < 8",
        )],
        "the messageExpression would print the token: the default message is used"
    );
    common::edit(
        &dir.path().join("infrastructure/secrets-policy.yaml"),
        "size() < 8",
        "size() < 80",
    );
    let (_, report) = lint_json(dir.path(), &[]);
    let failed = rule_rows(&report, "secrets.policy.fleet.example");
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0].3.ends_with("failurePolicy is Fail: an expression fails on it (the error is not shown: it may quote a Secret's values)"),
        "{}",
        failed[0].3
    );
    let text = report.to_string();
    assert!(
        !text.contains("hunter2"),
        "the Secret's value is in the report"
    );
}

#[test]
fn sarif_describes_each_policy_as_a_rule() {
    let output = common::fleet_lint()
        .arg(fixture("admission-policies"))
        .args(["--format", "sarif"])
        .output()
        .expect("runs");
    let sarif: Value = serde_json::from_slice(&output.stdout).expect("SARIF is JSON");
    let rules: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .filter(|id| id.ends_with(".policy.fleet.example"))
        .collect();
    assert_eq!(
        rules,
        [
            "bucket.policy.fleet.example",
            "configmap.policy.fleet.example",
            "kubeconfig.policy.fleet.example",
            "pods.policy.fleet.example",
            "registry.policy.fleet.example",
            "source.policy.fleet.example",
        ]
    );
}
