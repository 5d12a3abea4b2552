//! Pull-request mode (`--changed-since REF`) and pre-commit mode (`--files`,
//! and `check [OPTIONS] [FILES]...`, the hooks' form):
//! the whole fleet is resolved, and only findings with a location in a
//! selected file are reported.

mod common;

use std::path::Path;

use common::{edit, git_in, lint_json, rows, scratch_copy};

fn git(dir: &Path, args: &[&str]) {
    let output = git_in(dir).args(args).output().expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs `--changed-since REVISION` on `dir`, expects a usage error (exit 2)
/// and returns its message.
fn usage_error(dir: &Path, revision: &str) -> String {
    let output = common::fleet_lint()
        .arg(dir)
        .args(["--changed-since", revision])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn places(report: &serde_json::Value) -> Vec<(String, String, u64)> {
    rows(report)
        .into_iter()
        .map(|(rule, path, line, _)| (rule, path, line))
        .collect()
}

#[test]
fn changed_since_reports_only_findings_touching_changed_files() {
    let dir = scratch_copy("example-fleet");
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "fleet"]);

    let (code, report) = lint_json(root, &["--changed-since", "HEAD"]);
    assert_eq!(
        (code, places(&report)),
        (0, vec![]),
        "nothing changed, nothing reported"
    );
    assert_eq!(
        report["summary"]["not_selected"], 8,
        "the findings in unchanged files are counted (6 errors, 2 cluster-lockdown infos)"
    );
    let human = common::fleet_lint()
        .arg(root)
        .args(["--changed-since", "HEAD", "--format", "concise"])
        .output()
        .expect("runs");
    assert!(
        String::from_utf8_lossy(&human.stdout)
            .starts_with("0 errors, 0 warnings (8 in files not selected not shown) in 39 files"),
        "no silent pass: {}",
        String::from_utf8_lossy(&human.stdout)
    );

    // A change to team-b's base: its two findings there, and nothing else.
    edit(
        &root.join("tenants/team-b/base/redis.yaml"),
        "interval: 10m",
        "interval: 5m",
    );
    let (code, report) = lint_json(root, &["--changed-since", "HEAD"]);
    assert_eq!(code, 1);
    assert_eq!(
        places(&report),
        [
            (
                "tenant-alert-coverage".into(),
                "tenants/team-b/base/redis.yaml".into(),
                3
            ),
            (
                "tenant-service-account".into(),
                "tenants/team-b/base/redis.yaml".into(),
                7
            ),
        ]
    );
    // A new file counts as changed; the linted root may be below the checkout's top.
    std::fs::write(root.join("tenants/team-a/extra.yaml"), "a: [\n").expect("write");
    let (_, report) = lint_json(&root.join("tenants"), &["--changed-since", "HEAD"]);
    assert_eq!(places(&report)[0].1, "team-a/extra.yaml");
}

#[test]
fn changed_since_outside_a_git_checkout_is_a_usage_error() {
    let dir = scratch_copy("example-fleet");
    let stderr = usage_error(dir.path(), "main");
    assert!(
        stderr.contains("`--changed-since` needs a git checkout"),
        "{stderr}"
    );

    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "fleet"]);
    let stderr = usage_error(dir.path(), "no-such-branch");
    assert!(
        stderr.contains("`--changed-since no-such-branch`"),
        "{stderr}"
    );
}

#[test]
fn files_reports_findings_in_the_listed_files_and_those_they_break() {
    let dir = scratch_copy("example-fleet");
    let root = dir.path();
    let file = root.join("infrastructure/notifications/providers.yaml");
    let (code, report) = lint_json(root, &["--files", &file.to_string_lossy()]);
    assert_eq!(code, 1);
    assert_eq!(
        places(&report),
        [(
            "plaintext-secret".into(),
            "infrastructure/notifications/providers.yaml".into(),
            28
        )]
    );
    // The Flux Kustomization that brings team-b to production is a related
    // location of each team-b finding: a change there reports them all.
    let sync = root.join("tenants/production/team-b.yaml");
    let (_, report) = lint_json(root, &["--files", &sync.to_string_lossy()]);
    let paths: Vec<String> = places(&report).into_iter().map(|p| p.1).collect();
    assert_eq!(
        paths,
        [
            "infrastructure/rbac/platform-admins.yaml",
            "tenants/team-b/base/podinfo.yaml",
            "tenants/team-b/base/redis.yaml",
            "tenants/team-b/base/redis.yaml"
        ]
    );
    let (code, report) = lint_json(root, &["--files"]);
    assert_eq!((code, places(&report)), (0, vec![]));
}

#[test]
fn a_files_name_that_selects_nothing_is_said() {
    let root = common::fixture("example-fleet");
    let outside = std::env::temp_dir();
    let output = common::fleet_lint()
        .arg(&root)
        .args(["--format", "json", "--files", "nope.yaml"])
        .arg(&outside)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "fleet-lint: nope.yaml does not exist (names are read from the current directory"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "fleet-lint: {} is outside the linted root",
            outside.display()
        )),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["summary"]["not_selected"], 8);
    assert_eq!(
        output.status.code(),
        Some(0),
        "nothing selected, nothing to fail on"
    );
}

/// A repository with the example fleet in `fleet/` and a file beside it.
fn fleet_in_a_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_tree(&common::fixture("example-fleet"), &dir.path().join("fleet"));
    common::write_file(
        dir.path(),
        "docs/example.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: example\n",
    );
    dir
}

#[test]
fn check_takes_options_first_then_the_files_under_its_root() {
    let dir = fleet_in_a_folder();
    let output = common::fleet_lint()
        .current_dir(dir.path())
        .args([
            "check",
            "--root",
            "fleet",
            "--format",
            "json",
            "--fail-on",
            "warning",
        ])
        .args([
            "fleet/infrastructure/notifications/providers.yaml",
            "docs/example.yaml",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        places(&report),
        [(
            "plaintext-secret".into(),
            "infrastructure/notifications/providers.yaml".into(),
            28
        )]
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("fleet-lint: docs/example.yaml is outside the linted root (names are read from the current directory; the linted root is fleet)"),
        "{stderr}"
    );

    // No file named: every finding.
    let output = common::fleet_lint()
        .current_dir(dir.path())
        .args(["check", "--root", "fleet", "--format", "json"])
        .output()
        .expect("runs");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(places(&report).len(), 6);
}

#[test]
fn check_where_no_cluster_is_found_says_so() {
    let dir = fleet_in_a_folder();
    let output = common::fleet_lint()
        .current_dir(dir.path())
        .args(["check", "--root", "docs", "docs/example.yaml"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("fleet-lint: no cluster found under docs, so the files named were checked only by the rules that need no cluster (YAML, Kustomize, secrets); when the fleet is in a folder, name it with `--root FOLDER`"),
        "{stderr}"
    );

    // From the repository's root, the fleet in its folder is found.
    let output = common::fleet_lint()
        .current_dir(dir.path())
        .args([
            "check",
            "--format",
            "json",
            "fleet/tenants/team-b/base/redis.yaml",
        ])
        .output()
        .expect("runs");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let rules: Vec<String> = places(&report).into_iter().map(|p| p.0).collect();
    assert_eq!(rules, ["tenant-alert-coverage", "tenant-service-account"]);
    assert!(!String::from_utf8_lossy(&output.stderr).contains("no cluster found"));
}
