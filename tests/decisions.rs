//! What users decide about findings: inline suppressions (each form, and the
//! `unused-suppression` check), the config's severities, excludes and secret
//! allow-list, config errors, and baselines across line shifts.

mod common;

use common::{edit, fleet_lint, lint_json, rows, scratch_copy};

/// The example fleet's deliberate findings: (rule, path, line).
const EXAMPLE: [(&str, &str, u64); 6] = [
    (
        "plaintext-secret",
        "infrastructure/notifications/providers.yaml",
        28,
    ),
    (
        "tenant-cluster-rbac",
        "infrastructure/rbac/platform-admins.yaml",
        2,
    ),
    (
        "yaml-syntax",
        "tenants/team-a/staging/podinfo-values.yaml",
        9,
    ),
    (
        "tenant-alert-coverage",
        "tenants/team-b/base/podinfo.yaml",
        11,
    ),
    ("tenant-alert-coverage", "tenants/team-b/base/redis.yaml", 3),
    (
        "tenant-service-account",
        "tenants/team-b/base/redis.yaml",
        7,
    ),
];

fn places(report: &serde_json::Value) -> Vec<(String, String, u64)> {
    rows(report)
        .into_iter()
        .map(|(r, p, l, _)| (r, p, l))
        .collect()
}

fn severities(report: &serde_json::Value) -> Vec<&str> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["severity"].as_str().unwrap_or(""))
        .collect()
}

fn example_without(skip: &[usize]) -> Vec<(String, String, u64)> {
    EXAMPLE
        .iter()
        .enumerate()
        .filter(|(i, _)| !skip.contains(i))
        .map(|(_, (r, p, l))| (r.to_string(), p.to_string(), *l))
        .collect()
}

#[test]
fn the_example_fleet_reports_its_deliberate_findings() {
    let (code, report) = lint_json(&common::fixture("example-fleet"), &[]);
    assert_eq!(code, 1);
    assert_eq!(places(&report), example_without(&[]));
}

#[test]
fn each_suppression_form_silences_exactly_its_findings() {
    let dir = scratch_copy("example-fleet");
    let root = dir.path();
    // At the end of the offending line.
    edit(
        &root.join("infrastructure/rbac/platform-admins.yaml"),
        "kind: ClusterRoleBinding\n",
        "kind: ClusterRoleBinding # fleet-lint: ignore[tenant-cluster-rbac] break-glass binding\n",
    );
    // Alone on the line before.
    edit(
        &root.join("infrastructure/notifications/providers.yaml"),
        "  address: https://chat.example.com/hooks/",
        "  # fleet-lint: ignore[plaintext-secret] demo token, rotated\n  address: https://chat.example.com/hooks/",
    );
    // The whole file.
    edit(
        &root.join("tenants/team-a/staging/podinfo-values.yaml"),
        "apiVersion",
        "# fleet-lint: ignore-file[yaml-syntax]\napiVersion",
    );
    // The object's annotation: two rules at once, wherever on the object they point.
    edit(
        &root.join("tenants/team-b/base/redis.yaml"),
        "metadata:\n",
        "metadata:\n  annotations:\n    fleet-lint.dev/ignore: \"tenant-service-account, tenant-alert-coverage\"\n",
    );
    let (code, report) = lint_json(root, &[]);
    assert_eq!(places(&report), example_without(&[0, 1, 2, 4, 5]));
    assert_eq!(code, 1, "team-b's podinfo is still unwatched");
}

#[test]
fn stale_unknown_and_malformed_suppressions_are_reported() {
    let dir = scratch_copy("example-fleet");
    let root = dir.path();
    let podinfo = root.join("tenants/team-a/base/podinfo.yaml");
    edit(
        &podinfo,
        "kind: HelmRelease\n",
        "kind: HelmRelease # fleet-lint: ignore[tenant-service-account, tenant-alert-coverag]\n",
    );
    edit(
        &podinfo,
        "apiVersion",
        "# fleet-lint: ignore-file[plaintext-secret]\n# fleet-lint: skip this\napiVersion",
    );
    edit(
        &root.join("tenants/team-a/base/namespace.yaml"),
        "metadata:\n",
        "metadata:\n  annotations:\n    fleet-lint.dev/ignore: tenant-cluster-rbac\n",
    );
    let (code, report) = lint_json(root, &[]);
    assert_eq!(code, 1);
    let unused: Vec<(String, u64, String)> = rows(&report)
        .into_iter()
        .filter(|(rule, ..)| rule == "unused-suppression")
        .map(|(_, path, line, message)| (path, line, message))
        .collect();
    assert_eq!(
        unused,
        [
            (
                "tenants/team-a/base/namespace.yaml".into(),
                5,
                "the annotation `fleet-lint.dev/ignore` suppresses nothing: no `tenant-cluster-rbac` finding on this object".into()
            ),
            (
                "tenants/team-a/base/podinfo.yaml".into(),
                1,
                "`# fleet-lint: ignore-file[...]` suppresses nothing: no `plaintext-secret` finding in this file".into()
            ),
            (
                "tenants/team-a/base/podinfo.yaml".into(),
                2,
                "this `# fleet-lint:` comment is not a suppression: write `ignore[rule, ...]` or `ignore-file[rule, ...]`".into()
            ),
            (
                "tenants/team-a/base/podinfo.yaml".into(),
                13,
                "`# fleet-lint: ignore[...]` suppresses nothing: no `tenant-service-account` finding on line 13".into()
            ),
            (
                "tenants/team-a/base/podinfo.yaml".into(),
                13,
                "`# fleet-lint: ignore[...]` names `tenant-alert-coverag`, which is not a rule (did you mean `tenant-alert-coverage`?)".into()
            ),
        ]
    );
    let severities: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "unused-suppression")
        .map(|f| f["severity"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(severities, ["warning"; 5]);
}

#[test]
fn the_config_sets_severities_excludes_and_allows_secrets() {
    let dir = scratch_copy("example-fleet");
    let root = dir.path();
    std::fs::write(
        root.join(".fleet-lint.yaml"),
        "rules:\n  severity:\n    tenant-alert-coverage: warning\n    tenant-cluster-rbac: off\nexclude: [tenants/team-a/staging]\nsecrets:\n  allow:\n    - path: infrastructure/notifications/*.yaml\n      key: address\n      reason: demo webhook, rotated daily\n",
    )
    .expect("config");
    let (code, report) = lint_json(root, &[]);
    assert_eq!(places(&report), example_without(&[0, 1, 2]));
    let severities = severities(&report);
    // The two infos: cluster-lockdown on each cluster (Flux installed elsewhere).
    assert_eq!(severities, ["info", "info", "warning", "warning", "error"]);
    assert_eq!(code, 1);
    // An allow entry for another key does not hide the address.
    std::fs::write(
        root.join(".fleet-lint.yaml"),
        "secrets:\n  allow:\n    - path: infrastructure/notifications/*.yaml\n      key: token\n      reason: other key\n",
    )
    .expect("config");
    let (_, report) = lint_json(root, &[]);
    assert_eq!(places(&report), example_without(&[]));
}

#[test]
fn the_config_file_size_limit_applies_unless_the_flag_says_otherwise() {
    let dir = scratch_copy("example-fleet");
    let root = dir.path();
    std::fs::write(
        root.join(".fleet-lint.yaml"),
        "limits:\n  max-file-size: 300\n",
    )
    .expect("config");
    let (_, report) = lint_json(root, &[]);
    let too_large = rows(&report)
        .iter()
        .filter(|(rule, ..)| rule == "file-too-large")
        .count();
    assert!(too_large > 0, "some example files are over 300 bytes");
    let (_, report) = lint_json(root, &["--max-file-size", "100000"]);
    assert!(
        rows(&report)
            .iter()
            .all(|(rule, ..)| rule != "file-too-large")
    );
}

#[test]
fn select_and_ignore_choose_rules_by_id_group_and_tag_over_the_config() {
    let fleet = common::fixture("example-fleet");
    let (code, report) = lint_json(&fleet, &["--select", "security"]);
    assert_eq!(code, 1);
    assert_eq!(places(&report), example_without(&[2, 3, 4]));
    let (_, report) = lint_json(
        &fleet,
        &["--select", "tenant", "--ignore", "tenant-alert-coverage"],
    );
    assert_eq!(places(&report), example_without(&[0, 2, 3, 4]));
    let (_, report) = lint_json(&fleet, &["--ignore", "tenant,plaintext"]);
    assert_eq!(places(&report), example_without(&[0, 1, 3, 4, 5]));
    let (code, report) = lint_json(&fleet, &["--select", "yaml"]);
    assert_eq!(places(&report), example_without(&[0, 1, 3, 4, 5]));
    assert_eq!(code, 1);
    // A rule the config turns off is back when the command line selects it.
    let dir = scratch_copy("example-fleet");
    std::fs::write(
        dir.path().join(".fleet-lint.yaml"),
        "rules:\n  severity:\n    tenant-cluster-rbac: off\n    yaml-syntax: warning\n",
    )
    .expect("config");
    let (_, report) = lint_json(dir.path(), &["--select", "tenant-cluster-rbac,yaml-syntax"]);
    assert_eq!(places(&report), example_without(&[0, 3, 4, 5]));
    let severities = severities(&report);
    assert_eq!(
        severities,
        ["error", "warning"],
        "the config's severity is kept"
    );
}

#[test]
fn a_selector_that_names_no_rule_is_a_usage_error_with_a_hint() {
    let output = fleet_lint()
        .arg(common::fixture("example-fleet"))
        .args(["--select", "tenant-alert-coverag"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim(),
        "fleet-lint: error: --select/--ignore: `tenant-alert-coverag` names no rule, group or tag (did you mean `tenant-alert-coverage`?); `fleet-lint rules` lists them"
    );
}

/// Runs fleet-lint on a fleet whose config is `config`; returns (code, stderr).
fn with_config(config: &str) -> (i32, String) {
    let dir = scratch_copy("layout-5-reference");
    std::fs::write(dir.path().join(".fleet-lint.yaml"), config).expect("config");
    let output = fleet_lint().arg(dir.path()).output().expect("runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).trim().to_string(),
    )
}

#[test]
fn config_errors_exit_2_with_the_place_and_a_hint() {
    assert_eq!(
        with_config("rules:\n  severity:\n    tenant-alert-coverag: off\n"),
        (
            2,
            "fleet-lint: error: .fleet-lint.yaml:3:5: unknown rule `tenant-alert-coverag` (did you mean `tenant-alert-coverage`?); `fleet-lint rules` lists them".into()
        )
    );
    assert_eq!(
        with_config("rules:\n  severity:\n    yaml-syntax: loud\n"),
        (
            2,
            "fleet-lint: error: .fleet-lint.yaml:3:18: a severity is `error`, `warning`, `info` or `off`".into()
        )
    );
    assert_eq!(
        with_config("exclud: [x]\n"),
        (
            2,
            "fleet-lint: error: .fleet-lint.yaml:1:1: unknown key `exclud` (did you mean `exclude`?)".into()
        )
    );
    assert_eq!(
        with_config("exclude: [a\n"),
        (
            2,
            "fleet-lint: error: .fleet-lint.yaml:2:1: while parsing a flow sequence, expected ',' or ']'".into()
        )
    );
    assert_eq!(
        with_config("secrets:\n  allow:\n    - path: demo/*.yaml\n"),
        (
            2,
            "fleet-lint: error: .fleet-lint.yaml:3:7: a secret allow entry needs a `path` and a `reason`".into()
        )
    );
}

#[test]
fn a_baseline_hides_known_findings_across_line_shifts_and_shows_new_ones() {
    let dir = scratch_copy("example-fleet");
    let root = dir.path();
    let baseline = tempfile::NamedTempFile::new().expect("temp file");
    let baseline_path = baseline.path().to_str().expect("utf-8 path");
    let output = fleet_lint()
        .arg(root)
        .args(["--write-baseline", baseline_path])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let written = std::fs::read_to_string(baseline.path()).expect("baseline");
    assert!(
        !written.contains("6Jm3kQ9Zy"),
        "the webhook token is masked"
    );

    let (code, report) = lint_json(root, &["--baseline", baseline_path]);
    assert_eq!((code, rows(&report).len()), (0, 0));
    // The example fleet's 6 errors and its 2 cluster-lockdown infos.
    assert_eq!(report["summary"]["baselined"], 8);

    // Unrelated edits shift every line of two files: still nothing new.
    for file in [
        "tenants/team-b/base/redis.yaml",
        "infrastructure/notifications/providers.yaml",
    ] {
        edit(
            &root.join(file),
            "apiVersion",
            "# moved down\n\n\napiVersion",
        );
    }
    let (code, report) = lint_json(root, &["--baseline", baseline_path]);
    assert_eq!((code, rows(&report).len()), (0, 0));

    // A new violation is reported, with its own line.
    let redis = root.join("tenants/team-b/base/redis.yaml");
    let text = std::fs::read_to_string(&redis).expect("redis");
    std::fs::write(
        &redis,
        format!("{text}---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: cache\n  namespace: team-b\nspec:\n  interval: 5m\n  serviceAccountName: team-b\n  chart:\n    spec:\n      chart: redis\n      sourceRef: {{kind: HelmRepository, name: podinfo}}\n"),
    )
    .expect("append");
    let (code, report) = lint_json(root, &["--baseline", baseline_path]);
    assert_eq!(code, 1);
    let found = rows(&report);
    assert_eq!(found.len(), 1);
    assert_eq!(
        (
            found[0].0.as_str(),
            found[0].1.as_str(),
            found[0].3.as_str()
        ),
        (
            "tenant-alert-coverage",
            "tenants/team-b/base/redis.yaml",
            "HelmRelease team-b/cache of tenant team-b is watched by no Alert"
        )
    );
}

/// A HelmRelease of team-b without an account, named `name`.
fn helm_release(name: &str) -> String {
    format!(
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: {name}\n  namespace: team-b\nspec:\n  interval: 5m\n  chart:\n    spec:\n      chart: {name}\n      sourceRef: {{kind: HelmRepository, name: podinfo}}\n"
    )
}

#[test]
fn a_baseline_tracks_objects_not_lines_and_counts_what_no_longer_matches() {
    let dir = scratch_copy("example-fleet");
    let root = dir.path();
    let redis = root.join("tenants/team-b/base/redis.yaml");
    let baseline = root.join("baseline.json");
    let write = |extra: &[&str]| {
        fleet_lint()
            .arg(root)
            .arg("--write-baseline")
            .arg(&baseline)
            .args(extra)
            .output()
            .expect("runs")
    };
    assert_eq!(write(&[]).status.code(), Some(0));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).expect("baseline")).expect("JSON");
    assert_eq!(written["version"], 2);
    let entry = written["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|e| e["rule"] == "tenant-service-account")
        .expect("redis's finding");
    assert_eq!(entry["object"], "HelmRelease team-b/redis");
    assert_eq!(entry["field"], "spec");

    // The reproduction: a HelmRelease inserted above a baselined one,
    // its findings on the same kinds of lines. Only the new one is reported.
    let text = std::fs::read_to_string(&redis).expect("redis");
    std::fs::write(&redis, format!("{}---\n{text}", helm_release("cache"))).expect("insert");
    let baseline_arg = baseline.to_str().expect("UTF-8 path");
    let (code, report) = lint_json(root, &["--baseline", baseline_arg]);
    assert_eq!(code, 1);
    let found: Vec<(String, String, u64)> = places(&report);
    assert_eq!(
        found,
        [
            (
                "tenant-alert-coverage".to_string(),
                "tenants/team-b/base/redis.yaml".to_string(),
                2
            ),
            (
                "tenant-service-account".to_string(),
                "tenants/team-b/base/redis.yaml".to_string(),
                6
            ),
        ]
    );
    assert!(
        rows(&report)
            .iter()
            .all(|(.., message)| message.contains("team-b/cache")),
        "{report:#}"
    );
    // The example fleet's 6 errors and its 2 cluster-lockdown infos.
    assert_eq!(report["summary"]["baselined"], 8);
    assert_eq!(report["summary"]["baseline_stale"], 0);

    // A fixed finding's entry matches nothing: said, and dropped on rewrite.
    std::fs::write(&redis, text).expect("restore");
    edit(&redis, "spec:\n", "spec:\n  serviceAccountName: team-b\n");
    let (_, report) = lint_json(root, &["--baseline", baseline_arg]);
    assert_eq!(report["summary"]["baseline_stale"], 1);
    let output = fleet_lint()
        .arg(root)
        .args(["--baseline", baseline_arg, "--format", "concise"])
        .output()
        .expect("runs");
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("; 1 baseline entry matches nothing now (`--write-baseline` drops them)"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let rewrite = write(&[]);
    assert_eq!(
        String::from_utf8_lossy(&rewrite.stderr).trim(),
        format!(
            "fleet-lint: wrote 7 findings to the baseline {} (1 entries of the old baseline match nothing now and are dropped)",
            baseline.display()
        )
    );
}

#[test]
fn a_version_1_baseline_is_still_read_by_its_line_keys() {
    let dir = scratch_copy("example-fleet");
    let root = dir.path();
    let (_, report) = lint_json(root, &[]);
    // Version 1 keys: rule, path and the finding line's trimmed text, FNV-1a.
    let fnv = |parts: &[&str]| {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for part in parts {
            for &b in part.as_bytes().iter().chain(&[0]) {
                hash ^= u64::from(b);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        hash
    };
    let redis =
        std::fs::read_to_string(root.join("tenants/team-b/base/redis.yaml")).expect("redis");
    let line = |n: usize| redis.lines().nth(n - 1).expect("line").trim().to_string();
    let entries: Vec<serde_json::Value> = [("tenant-alert-coverage", 3), ("tenant-service-account", 7)]
        .iter()
        .map(|(rule, n)| {
            let key = fnv(&[rule, "tenants/team-b/base/redis.yaml", &line(*n)]);
            serde_json::json!({"rule": rule, "path": "tenants/team-b/base/redis.yaml", "fingerprint": format!("{key:016x}:0"), "message": ""})
        })
        .collect();
    let baseline = root.join("v1.json");
    std::fs::write(
        &baseline,
        serde_json::json!({"version": 1, "findings": entries}).to_string(),
    )
    .expect("v1 baseline");
    let output = fleet_lint()
        .arg(root)
        .args(["--format", "json", "--baseline"])
        .arg(&baseline)
        .output()
        .expect("runs");
    let after: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(after["summary"]["baselined"], 2);
    assert_eq!(rows(&after).len(), rows(&report).len() - 2);
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("the baseline is version 1 (keyed by line text)"),
    );
}

#[test]
fn a_broken_baseline_is_a_usage_error() {
    let bad = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(bad.path(), "{\"version\": 1}").expect("write");
    let output = fleet_lint()
        .arg(common::fixture("layout-5-reference"))
        .args(["--baseline", bad.path().to_str().expect("utf-8")])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not a fleet-lint baseline"));
}
