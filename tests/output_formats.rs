//! The report formats beyond human and SARIF: JSON against its own schema,
//! JUnit, the Markdown job summary, `--statistics`, the tenant of findings,
//! colour, shell completions and the man page.

mod common;

use common::{clean_fleet, findings_in, fixture, fleet_lint, lint_json, project_root};
use predicates::str::contains;

fn stdout_of(fleet: &str, args: &[&str]) -> String {
    let output = fleet_lint()
        .arg(fixture(fleet))
        .args(args)
        .output()
        .expect("runs");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

#[test]
fn json_output_validates_against_its_own_schema() {
    let schema_path = project_root().join("schemas/fleet-lint-report.schema.json");
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(schema_path).expect("schema readable"))
            .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    for fleet in [
        "example-fleet",
        "yaml-broken",
        "policies",
        "fleet-broken",
        "kustomize-broken",
    ] {
        let (_, report) = lint_json(&fixture(fleet), &[]);
        assert!(
            !report["findings"].as_array().expect("findings").is_empty(),
            "{fleet} has findings to validate"
        );
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{fleet}: {errors:#?}");
    }
    let mut wrong = lint_json(&fixture("example-fleet"), &[]).1;
    wrong["findings"][0]["line"] = serde_json::json!(0);
    assert!(!validator.is_valid(&wrong), "the schema checks positions");
}

#[test]
fn findings_name_the_tenant_whose_object_they_are_in() {
    let (_, report) = lint_json(&fixture("example-fleet"), &[]);
    let redis = findings_in(&report, "tenants/team-b/base/redis.yaml");
    assert_eq!(redis.len(), 2);
    assert!(redis.iter().all(|f| f["tenant"] == "team-b"), "{redis:#?}");
    let platform = findings_in(&report, "infrastructure/notifications/providers.yaml");
    assert_eq!(platform[0]["rule"], "plaintext-secret");
    assert!(platform[0].get("tenant").is_none(), "{platform:#?}");

    let sarif: serde_json::Value =
        serde_json::from_str(&stdout_of("example-fleet", &["--format", "sarif"]))
            .expect("SARIF is JSON");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let service_account = results
        .iter()
        .find(|r| r["ruleId"] == "tenant-service-account")
        .expect("the service account result");
    assert_eq!(service_account["properties"]["tenant"], "team-b");
    let secret = results
        .iter()
        .find(|r| r["ruleId"] == "plaintext-secret")
        .expect("the secret result");
    assert!(secret.get("properties").is_none());
}

#[test]
fn concise_prints_a_line_per_finding_with_its_tenant() {
    let text = common::without_timing(&stdout_of("example-fleet", &["--format", "concise"]));
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        [
            "clusters/production/flux-system/gotk-sync.yaml:16:1: info[cluster-lockdown] cluster production has tenants, but the repository neither installs nor patches its Flux controllers (no controller Deployments, no patches on them, no FluxInstance): its multi-tenancy lockdown is not evaluated, and the other rules take it as not locked down",
            "clusters/staging/flux-system/gotk-sync.yaml:16:1: info[cluster-lockdown] cluster staging has tenants, but the repository neither installs nor patches its Flux controllers (no controller Deployments, no patches on them, no FluxInstance): its multi-tenancy lockdown is not evaluated, and the other rules take it as not locked down",
            "infrastructure/notifications/providers.yaml:28:12: error[plaintext-secret] Provider rocketchat-legacy has a Rocket.Chat webhook token in spec.address; keep the address in a Secret named by spec.secretRef",
            "infrastructure/rbac/platform-admins.yaml:2:1: error[tenant-cluster-rbac] ClusterRoleBinding platform-admins belongs to tenant team-b: it grants cluster-wide permissions, which a tenant must never hold [team-b]",
            "tenants/team-a/staging/podinfo-values.yaml:9:5: error[yaml-syntax] duplicate mapping key `replicaCount` [team-a]",
            "tenants/team-b/base/podinfo.yaml:11:1: error[tenant-alert-coverage] HelmRelease team-b/podinfo of tenant team-b is watched by no Alert [team-b]",
            "tenants/team-b/base/redis.yaml:3:1: error[tenant-alert-coverage] HelmRelease team-b/redis of tenant team-b is watched by no Alert [team-b]",
            "tenants/team-b/base/redis.yaml:7:1: error[tenant-service-account] HelmRelease team-b/redis of tenant team-b sets no spec.serviceAccountName: Flux reconciles it as its own cluster-admin identity [team-b]",
            "6 errors, 0 warnings, 2 infos in 39 files, 2 clusters, 2 tenants",
        ]
    );
    let quiet = stdout_of("example-fleet", &["--format", "concise", "--quiet"]);
    assert_eq!(quiet.lines().count(), 8, "--quiet drops the summary line");
}

#[test]
fn junit_has_a_suite_per_rule_and_a_failed_case_per_finding() {
    let xml = stdout_of("example-fleet", &["--format", "junit"]);
    assert!(xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?>"#));
    assert!(xml.contains(r#"<testsuites name="fleet-lint" tests="8" failures="8">"#));
    assert!(xml.contains(r#"<testsuite name="tenant-alert-coverage" tests="2" failures="2">"#));
    assert!(xml.contains(
        r#"<testcase classname="tenant-service-account" name="tenants/team-b/base/redis.yaml:7:1" file="tenants/team-b/base/redis.yaml" line="7">"#
    ));
    assert_eq!(xml.matches("<failure ").count(), 8);
    assert_eq!(xml.matches("<testsuite ").count(), 6);
    // Help text with an apostrophe is escaped, not cut short.
    assert!(xml.contains("the tenant&apos;s on-call"));
    insta::assert_snapshot!(xml);
}

#[test]
fn junit_of_a_clean_fleet_is_one_passing_case() {
    let clean = clean_fleet();
    fleet_lint()
        .arg(clean.path())
        .args(["--format", "junit"])
        .assert()
        .code(0)
        .stdout(contains(
            r#"<testsuites name="fleet-lint" tests="1" failures="0">"#,
        ))
        .stdout(contains(
            r#"<testcase classname="fleet-lint" name="no findings"/>"#,
        ));
}

#[test]
fn markdown_summary_tables_findings_per_rule_and_tenant() {
    let markdown = stdout_of("example-fleet", &["--format", "markdown"]);
    assert!(markdown.contains("6 errors, 0 warnings, 2 infos in 39 files, 2 clusters, 2 tenants."));
    assert!(markdown.contains("| `cluster-lockdown` | (platform) | 0 | 0 | 2 |"));
    assert!(markdown.contains("| `tenant-alert-coverage` | team-b | 2 | 0 | 0 |"));
    assert!(markdown.contains("| `plaintext-secret` | (platform) | 1 | 0 | 0 |"));
    assert!(
        markdown
            .contains("| error | `tenant-service-account` | `tenants/team-b/base/redis.yaml:7` |")
    );
    insta::assert_snapshot!(markdown);
}

#[test]
fn statistics_count_findings_per_rule() {
    let text = stdout_of("example-fleet", &["--statistics"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "2  info     cluster-lockdown");
    assert_eq!(lines[1], "2  error    tenant-alert-coverage");
    assert_eq!(lines[5], "1  error    yaml-syntax");
    assert!(
        lines[6].starts_with("6 errors, 0 warnings, 2 infos in 39 files, 2 clusters, 2 tenants (")
    );
    assert_eq!(lines.len(), 7, "no findings listed: {text}");

    let json: serde_json::Value =
        serde_json::from_str(&stdout_of("example-fleet", &["--statistics", "-f", "json"]))
            .expect("JSON");
    assert_eq!(
        json[0],
        serde_json::json!({"rule": "cluster-lockdown", "severity": "info", "count": 2})
    );
    assert_eq!(
        json[1],
        serde_json::json!({"rule": "tenant-alert-coverage", "severity": "error", "count": 2})
    );
    assert_eq!(json.as_array().map(Vec::len), Some(6));

    fleet_lint()
        .arg(fixture("example-fleet"))
        .args(["--statistics", "--format", "sarif"])
        .assert()
        .code(2)
        .stderr(contains(
            "`--statistics` prints a table or JSON, not `--format sarif`",
        ));
}

#[test]
fn colour_is_forced_by_clicolor_force_and_refused_by_no_color() {
    let run = |vars: &[(&str, &str)]| {
        let mut cmd = fleet_lint();
        cmd.env_remove("NO_COLOR").env_remove("CLICOLOR");
        for (name, value) in vars {
            cmd.env(name, value);
        }
        let output = cmd.arg(fixture("yaml-broken")).output().expect("runs");
        String::from_utf8_lossy(&output.stdout).contains('\x1b')
    };
    assert!(!run(&[]), "no colour into a pipe");
    assert!(run(&[("CLICOLOR_FORCE", "1")]));
    assert!(!run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]));
}

#[test]
fn completions_and_man_page_come_from_the_command_line_definition() {
    for shell in ["bash", "zsh", "fish"] {
        fleet_lint()
            .args(["completions", shell])
            .assert()
            .code(0)
            .stdout(contains("changed-since"))
            .stdout(contains("statistics"));
    }
    fleet_lint()
        .arg("man")
        .assert()
        .code(0)
        .stdout(contains(".TH fleet-lint 1"))
        .stdout(contains(r"\-\-changed\-since"))
        .stdout(contains("Exit codes:"));
    let dir = tempfile::tempdir().expect("tempdir");
    fleet_lint()
        .args(["man", "--dir"])
        .arg(dir.path())
        .assert()
        .code(0);
    for page in ["fleet-lint.1", "fleet-lint-build.1", "fleet-lint-explain.1"] {
        assert!(dir.path().join(page).is_file(), "{page}");
    }
}
