//! The command line end to end: formats, exit codes, determinism, discovery.

mod common;

use common::{
    clean_fleet, finding_paths, findings_in, fixture, fleet_lint, lint_json, shared, without_timing,
};
use predicates::prelude::*;
use predicates::str::contains;

#[test]
fn human_output_shows_the_snippet_and_a_summary() {
    let output = fleet_lint()
        .arg(fixture("example-fleet"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("╭─[tenants/team-a/staging/podinfo-values.yaml:9:5]"),
        "{text}"
    );
    assert!(text.contains(" 9 │     replicaCount: 2"), "{text}");
    assert!(text.contains("first defined here"), "{text}");
    let last = text.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("6 errors, 0 warnings, 2 infos in 39 files, 2 clusters, 2 tenants ("),
        "{last}"
    );
}

#[test]
fn human_output_of_the_broken_fixture_is_stable() {
    let output = fleet_lint()
        .arg(fixture("yaml-broken"))
        .output()
        .expect("runs");
    insta::assert_snapshot!(without_timing(&String::from_utf8_lossy(&output.stdout)));
}

#[test]
fn json_output_has_the_documented_fields() {
    let (code, report) = lint_json(&fixture("example-fleet"), &[]);
    assert_eq!(code, 1);
    assert_eq!(report["version"], 1);
    let found = findings_in(&report, "tenants/team-a/staging/podinfo-values.yaml");
    assert_eq!(found.len(), 1);
    let f = found[0];
    for key in [
        "rule",
        "severity",
        "message",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "related",
        "fingerprint",
    ] {
        assert!(f.get(key).is_some(), "missing {key}: {f:#?}");
    }
    assert_eq!(f["rule"], "yaml-syntax");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(9), Some(5))
    );
    assert_eq!(
        (f["end_line"].as_u64(), f["end_column"].as_u64()),
        (Some(9), Some(17))
    );
    assert_eq!(report["summary"]["errors"], 6);
    assert_eq!(report["summary"]["files"], 39);
}

#[test]
fn json_output_of_the_broken_fixture_is_stable() {
    let (_, report) = lint_json(&fixture("yaml-broken"), &[]);
    insta::assert_json_snapshot!(report);
}

#[test]
fn sarif_output_validates_against_the_official_schema() {
    let Some(schema_path) = shared("schemas/sarif-schema-2.1.0.json") else {
        return;
    };
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(schema_path).expect("schema readable"))
            .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    for fleet in ["example-fleet", "yaml-broken", "policies"] {
        let output = fleet_lint()
            .arg(fixture(fleet))
            .args(["--format", "sarif"])
            .output()
            .expect("runs");
        let sarif: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("SARIF is JSON");
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{fleet}: {errors:#?}");
    }
}

#[test]
fn sarif_results_carry_what_github_code_scanning_reads() {
    let output = fleet_lint()
        .arg(fixture("example-fleet"))
        .args(["--format", "sarif"])
        .output()
        .expect("runs");
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).expect("SARIF is JSON");
    let run = &sarif["runs"][0];
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(run["tool"]["driver"]["name"], "fleet-lint");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    for described in rules {
        let short = described["shortDescription"]["text"].as_str().unwrap_or("");
        assert!(short.ends_with('.'), "a sentence: {short}");
        let uri = described["helpUri"].as_str().unwrap_or("");
        assert!(
            uri.contains(&format!("/blob/v{}/rules/", env!("CARGO_PKG_VERSION"))),
            "the released version's doc: {uri}"
        );
    }
    let rule = &rules[0];
    assert_eq!(rule["id"], "yaml-syntax");
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
    assert!(
        rule["fullDescription"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    let result = run["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "yaml-syntax")
        .expect("the yaml-syntax result");
    assert_eq!(result["level"], "error");
    // The message links its related location, so code scanning shows it.
    assert_eq!(
        result["message"]["text"],
        "duplicate mapping key `replicaCount`\n\nSee: [first defined here](0)."
    );
    assert_eq!(result["relatedLocations"][0]["id"], 0);
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "tenants/team-a/staging/podinfo-values.yaml"
    );
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(location["region"]["startLine"], 9);
    assert_eq!(location["region"]["startColumn"], 5);
    assert_eq!(
        result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
        8
    );
    // fleet-lint's own key: the upload action computes `primaryLocationLineHash`
    // itself and warns when a tool's differs.
    let fingerprints = result["partialFingerprints"]
        .as_object()
        .expect("fingerprints");
    assert_eq!(fingerprints.keys().collect::<Vec<_>>(), ["fleet-lint/v1"]);
    assert!(
        fingerprints["fleet-lint/v1"]
            .as_str()
            .is_some_and(|f| f.len() == 18 && f.ends_with(":0")),
        "{fingerprints:?}"
    );
}

#[test]
fn github_format_writes_workflow_commands() {
    let expected = include_str!("expected/example-fleet.github.txt");
    fleet_lint()
        .arg(fixture("example-fleet"))
        .args(["--format", "github"])
        .assert()
        .code(1)
        .stdout(expected);
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    for fleet in ["example-fleet", "yaml-broken"] {
        for format in [
            "human", "concise", "json", "sarif", "github", "junit", "markdown",
        ] {
            let run = |jobs: &str| {
                let output = fleet_lint()
                    .arg(fixture(fleet))
                    .args(["--format", format, "--jobs", jobs])
                    .output()
                    .expect("runs");
                without_timing(&String::from_utf8_lossy(&output.stdout))
            };
            assert_eq!(run("1"), run("8"), "{fleet} --format {format}");
        }
    }
}

#[test]
fn exit_codes_follow_the_fail_level() {
    let clean = clean_fleet();
    fleet_lint()
        .arg(clean.path())
        .assert()
        .code(0)
        .stdout(contains(
            "0 errors, 0 warnings in 1 file, 1 cluster, 0 tenants (",
        ));
    let broken = fixture("yaml-broken");
    fleet_lint().arg(&broken).assert().code(1);
    fleet_lint()
        .arg(&broken)
        .args(["--fail-on", "never"])
        .assert()
        .code(0);
    // One empty file (an info) on the one cluster, `clusters/dev`.
    let empty_only = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(empty_only.path().join("clusters/dev")).expect("mkdir");
    std::fs::write(empty_only.path().join("clusters/dev/empty.yaml"), "").expect("write");
    fleet_lint().arg(empty_only.path()).assert().code(0);
    fleet_lint()
        .arg(empty_only.path())
        .args(["--fail-on", "info"])
        .assert()
        .code(1);
    fleet_lint()
        .arg(empty_only.path())
        .args(["--fail-on", "warning"])
        .assert()
        .code(0);
}

#[test]
fn usage_and_io_errors_exit_with_2() {
    fleet_lint()
        .arg("/nonexistent/fleet")
        .assert()
        .code(2)
        .stderr(contains(
            "fleet-lint: error: cannot read /nonexistent/fleet",
        ));
    fleet_lint().args(["--format", "xml"]).assert().code(2);
    fleet_lint()
        .arg(fixture("example-fleet/README.md"))
        .assert()
        .code(2)
        .stderr(contains("is not a directory"));
    fleet_lint()
        .args(["explain", "yaml-sintax"])
        .assert()
        .code(2)
        .stderr(contains("did you mean `yaml-syntax`?"));
}

#[test]
fn output_file_receives_the_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report.sarif");
    fleet_lint()
        .arg(fixture("example-fleet"))
        .args(["--format", "sarif", "--output"])
        .arg(&out)
        .assert()
        .code(1)
        .stdout("");
    let text = std::fs::read_to_string(&out).expect("report written");
    assert!(text.contains("\"ruleId\": \"yaml-syntax\""));
}

#[test]
fn quiet_drops_the_summary() {
    let output = fleet_lint()
        .arg(fixture("example-fleet"))
        .arg("--quiet")
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("duplicate mapping key"));
    assert!(!text.contains("files ("), "{text}");
}

#[test]
fn files_over_the_size_limit_are_skipped_with_a_warning() {
    let (code, report) = lint_json(&fixture("yaml-broken"), &["--max-file-size", "100"]);
    assert_eq!(code, 1);
    let f = findings_in(&report, "deep-nesting.yaml");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["rule"], "file-too-large");
    assert_eq!(f[0]["severity"], "warning");
}

#[test]
fn discovery_honours_gitignore_hidden_dirs_and_manifest_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let write = |rel: &str, text: &str| common::write_file(root, rel, text);
    write(".gitignore", "build/\n");
    write("build/out.yaml", "a: [\n");
    write(".github/workflows/ci.yaml", "a: [\n");
    write("notes.txt", "a: [\n");
    write("apps/Kustomization", "a: [\n");
    write("apps/app.yml", "a: 1\n");
    let (_, report) = lint_json(root, &[]);
    let paths = finding_paths(&report);
    // The hidden workflow is read by the secret scan alone: its broken YAML is
    // not the fleet's concern, so only the manifest's syntax error is reported,
    // beside `no-entry-point` at the root (`.`, not a file read).
    assert_eq!(paths, [".", "apps/Kustomization"]);
    assert_eq!(report["summary"]["files"], 3);
}

#[cfg(unix)]
#[test]
fn symlinks_stay_inside_the_root_and_loops_do_not_hang() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(outside.path().join("secret.yaml"), "a: [\n").expect("write");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("apps")).expect("mkdir");
    std::fs::write(root.join("apps/app.yaml"), "a: [\n").expect("write");
    symlink(outside.path(), root.join("escape")).expect("symlink");
    symlink(root, root.join("apps/loop")).expect("symlink");
    symlink(root.join("apps/app.yaml"), root.join("linked.yaml")).expect("symlink");
    let (_, report) = lint_json(root, &[]);
    let paths = finding_paths(&report);
    // `.`: no cluster entry point (no object anywhere).
    assert_eq!(paths, [".", "apps/app.yaml", "linked.yaml"]);
}

#[test]
fn rules_and_explain_document_every_rule() {
    let output = fleet_lint().arg("rules").output().expect("runs");
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("yaml-syntax "))
        .expect("yaml-syntax listed");
    let columns: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(columns[..3], ["yaml-syntax", "error", "A"], "{line}");
    // The severities form one column, whatever the id's length.
    let severity_at = |l: &str| {
        l.find(" error ")
            .or_else(|| l.find(" warning "))
            .or_else(|| l.find(" info "))
    };
    let starts: std::collections::BTreeSet<Option<usize>> = text.lines().map(severity_at).collect();
    assert_eq!(starts.len(), 1, "{text}");
    let readme = std::fs::read_to_string(common::project_root().join("README.md")).expect("README");
    for rule in fleet_lint_engine::rules::BUILTIN_RULES {
        assert!(
            text.lines().any(|l| l.starts_with(rule.id.as_str())),
            "{} not listed",
            rule.id
        );
        let row = format!(
            "| [`{}`](rules/{}.md) | {} |",
            rule.id,
            rule.id,
            rule.severity.as_str()
        );
        assert!(readme.contains(&row), "README's rule table lacks {row}");
        fleet_lint()
            .args(["explain", rule.id.as_str()])
            .assert()
            .code(0)
            .stdout(contains(format!("# {}", rule.id)));
    }
    fleet_lint()
        .args(["explain", "yaml-syntax"])
        .assert()
        .code(0)
        .stdout(contains("# yaml-syntax").and(contains("## What it checks")));
}

#[test]
fn rules_and_explain_know_the_users_rules_and_the_configs_severities() {
    let fleet = fixture("policies");
    let output = fleet_lint()
        .arg("rules")
        .arg(&fleet)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    let house = text
        .lines()
        .find(|l| l.starts_with("house/no-latest-charts "))
        .expect("the user's rule is listed");
    let columns: Vec<&str> = house.split_whitespace().collect();
    assert_eq!(columns[1], "warning", "the config's severity: {house}");
    assert!(house.ends_with("(policies/house-rules.yaml:2)"), "{house}");
    assert!(
        text.contains("\nflux-sources/https-charts "),
        "Kyverno rules: {text}"
    );
    // The Kyverno rule fleet-lint skips is said on stderr.
    assert!(String::from_utf8_lossy(&output.stderr).contains(
        "policies/kyverno.yaml:41:9: warning[policy-not-evaluated]: rule flux-sources/signed-images"
    ),);

    let json = fleet_lint()
        .arg("rules")
        .arg(&fleet)
        .args(["--format", "json", "--select", "house,tenant-cluster-rbac"])
        .output()
        .expect("runs");
    let listed: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(common::project_root().join("schemas/fleet-lint-rules.schema.json"))
            .expect("schema"),
    )
    .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&listed)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let rules = listed["rules"].as_array().expect("rules");
    let on: Vec<&str> = rules
        .iter()
        .filter(|r| r["severity"] != "off")
        .map(|r| r["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        on,
        [
            "tenant-cluster-rbac",
            "house/no-latest-charts",
            "house/pagerduty-key-substituted",
            "house/short-history",
            "house/alerts-watch-releases",
            "house/tenants-never-suspend"
        ]
    );
    let rbac = rules
        .iter()
        .find(|r| r["id"] == "tenant-cluster-rbac")
        .expect("listed");
    assert_eq!(rbac["tags"], serde_json::json!(["security", "tenant"]));
    assert_eq!(rbac["origin"], "built-in");
    assert_eq!(
        rbac["doc_uri"],
        format!(
            "https://github.com/fleet-lint/fleet-lint/blob/v{}/rules/tenant-cluster-rbac.md",
            env!("CARGO_PKG_VERSION")
        )
    );

    fleet_lint()
        .args(["explain", "house/no-latest-charts", "--path"])
        .arg(&fleet)
        .assert()
        .code(0)
        .stdout(
            contains(
                "# house/no-latest-charts\n\n**Severity:** error (in this repository: warning)",
            )
            .and(contains("written at `policies/house-rules.yaml:2`"))
            .and(contains("must pin its chart version")),
        );
    fleet_lint()
        .args(["explain", "house/no-latest-chart", "--path"])
        .arg(&fleet)
        .assert()
        .code(2)
        .stderr(contains("did you mean `house/no-latest-charts`?"));
}

#[test]
fn help_has_examples_and_version_is_the_crate_version() {
    fleet_lint()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(contains("Examples:"));
    fleet_lint()
        .arg("--version")
        .assert()
        .code(0)
        .stdout(format!("fleet-lint {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn config_errors_exit_with_2_and_a_location() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join(".fleet-lint.yaml"),
        "tenants:\n  rots: [teams]\n",
    )
    .expect("write");
    fleet_lint().arg(dir.path()).assert().code(2).stderr(
        "fleet-lint: error: .fleet-lint.yaml:2:3: unknown key `rots` (did you mean `roots`?)\n",
    );
    std::fs::write(dir.path().join(".fleet-lint.yaml"), "tenants: [\n").expect("write");
    fleet_lint()
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains("fleet-lint: error: .fleet-lint.yaml:"));
}

/// A folder holding `Chart.yaml` is a Helm chart: its templates are Go
/// templates (never parsed as YAML, so no `yaml-syntax`), its files are not
/// manifests (so not `unreachable`), and the secret scan still reads them.
#[test]
fn helm_chart_folders_are_not_manifests_but_are_scanned_for_secrets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let write = |rel: &str, text: &str| common::write_file(root, rel, text);
    write(
        "clusters/dev/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n",
    );
    write(
        "charts/web/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    );
    write(
        "charts/web/values.yaml",
        "image: web:1.0\ndb:\n  password: Sup3rS3cretPw!\n",
    );
    write(
        "charts/web/templates/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n{{- with .Values.labels }}\n  labels: {{ toYaml . | nindent 4 }}\n{{- end }}\n",
    );
    let (_, report) = lint_json(root, &[]);
    let found: Vec<(String, String, u64)> = common::rows(&report)
        .into_iter()
        .map(|(rule, path, line, message)| {
            assert!(
                message.starts_with("this document: `password`"),
                "{message}"
            );
            (rule, path, line)
        })
        .collect();
    assert_eq!(
        found,
        [(
            "plaintext-secret".to_string(),
            "charts/web/values.yaml".to_string(),
            3
        )]
    );
}
