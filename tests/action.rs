//! The GitHub Action's logic, `scripts/github-action.sh`, run as `action.yml`
//! runs it, with a fake workspace, `GITHUB_STEP_SUMMARY` and `GITHUB_OUTPUT`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{copy_tree, fixture, project_root};

/// A fake runner: a workspace holding the example fleet in `fleet/`, and the
/// files the runner gives a step.
struct Runner {
    workspace: tempfile::TempDir,
}

impl Runner {
    fn new(fleet: &str) -> Runner {
        let workspace = tempfile::tempdir().expect("tempdir");
        copy_tree(&fixture(fleet), &workspace.path().join("fleet"));
        Runner { workspace }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.workspace.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.file(name)).unwrap_or_default()
    }

    /// Runs the script with these inputs, as the action's `Lint` step does.
    fn lint(&self, path: &str, args: &str) -> Output {
        std::process::Command::new("bash")
            .arg(project_root().join("scripts/github-action.sh"))
            .current_dir(self.workspace.path())
            .env("FLEET_LINT", assert_cmd::cargo::cargo_bin("fleet-lint"))
            .env("NO_COLOR", "1")
            .env("INPUT_PATH", path)
            .env("INPUT_ARGS", args)
            .env("INPUT_SARIF_FILE", "fleet-lint.sarif")
            .env("GITHUB_WORKSPACE", self.workspace.path())
            .env("GITHUB_STEP_SUMMARY", self.file("summary.md"))
            .env("GITHUB_OUTPUT", self.file("output.txt"))
            .output()
            .expect("bash runs")
    }

    fn sarif(&self) -> serde_json::Value {
        serde_json::from_str(&self.read("fleet-lint.sarif")).expect("SARIF is JSON")
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn findings_become_sarif_annotations_a_summary_and_an_exit_code() {
    let runner = Runner::new("example-fleet");
    let output = runner.lint("fleet", "");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        runner.read("output.txt"),
        "exit-code=1\nsarif-file=fleet-lint.sarif\n"
    );
    // Paths are the repository's (with the fleet's folder), as GitHub reads them.
    let annotations = stdout(&output);
    assert!(
        annotations.contains(
            "::error file=fleet/tenants/team-b/base/redis.yaml,line=7,col=1,endLine=7,endColumn=5,title=tenant-service-account::"
        ),
        "{annotations}"
    );
    assert_eq!(annotations.matches("::error ").count(), 6);
    let sarif = runner.sarif();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "tenant-service-account")
        .expect("the service account result")
        .clone();
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "fleet/tenants/team-b/base/redis.yaml"
    );
    assert_eq!(location["region"]["startLine"], 7);
    assert_eq!(result["properties"]["tenant"], "team-b");
    let summary = runner.read("summary.md");
    assert!(summary.contains("6 errors, 0 warnings, 0 infos in 39 files, 2 clusters, 2 tenants."));
    assert!(summary.contains("| `tenant-alert-coverage` | team-b | 2 | 0 | 0 |"));
    assert!(summary.contains("`fleet/tenants/team-b/base/redis.yaml:7`"));
}

#[test]
fn a_fleet_at_the_workspace_root_keeps_its_paths() {
    let runner = Runner::new("example-fleet");
    let root = runner.file("fleet");
    let output = std::process::Command::new("bash")
        .arg(project_root().join("scripts/github-action.sh"))
        .current_dir(&root)
        .env("FLEET_LINT", assert_cmd::cargo::cargo_bin("fleet-lint"))
        .env("GITHUB_WORKSPACE", &root)
        .env("GITHUB_OUTPUT", runner.file("output.txt"))
        .env_remove("INPUT_PATH")
        .env_remove("INPUT_ARGS")
        .env_remove("INPUT_SARIF_FILE")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("bash runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(stdout(&output).contains("::error file=tenants/team-b/base/redis.yaml,line=7,"));
    assert!(root.join("fleet-lint.sarif").is_file(), "the default file");
}

#[test]
fn args_reach_fleet_lint_and_decide_the_exit_code() {
    let runner = Runner::new("example-fleet");
    let output = runner.lint("fleet", "--fail-on never --jobs 1");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(runner.read("output.txt").starts_with("exit-code=0\n"));
    // Still reported, only not failing.
    assert_eq!(
        runner.sarif()["runs"][0]["results"]
            .as_array()
            .map(Vec::len),
        Some(6)
    );
}

#[test]
fn a_clean_fleet_passes_with_an_empty_report() {
    let runner = Runner::new("example-fleet");
    std::fs::create_dir_all(runner.file("clean/clusters/dev")).expect("mkdir");
    std::fs::write(
        runner.file("clean/clusters/dev/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n",
    )
    .expect("write");
    let output = runner.lint("clean", "");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(runner.read("output.txt").starts_with("exit-code=0\n"));
    assert!(!stdout(&output).contains("::error"));
    assert!(
        runner
            .read("summary.md")
            .contains("0 errors, 0 warnings, 0 infos in 1 file, 1 cluster, 0 tenants.")
    );
    assert_eq!(runner.sarif()["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn errors_are_exit_code_2_without_a_report() {
    let runner = Runner::new("example-fleet");
    let output = runner.lint("no-such-folder", "");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(runner.read("output.txt"), "exit-code=2\nsarif-file=\n");
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read"));
    assert_eq!(
        runner.read("summary.md"),
        "",
        "no summary of a run that failed"
    );

    let output = runner.lint("fleet", "--format json");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stdout(&output).contains("the action sets --format itself"),
        "{output:?}"
    );
}

#[test]
fn action_yml_runs_the_script_with_every_input_it_reads() {
    let action = std::fs::read_to_string(project_root().join("action.yml")).expect("action.yml");
    let script = std::fs::read_to_string(project_root().join("scripts/github-action.sh"))
        .expect("the script");
    assert!(action.contains(r#"bash "$GITHUB_ACTION_PATH/scripts/github-action.sh""#));
    for input in ["INPUT_PATH", "INPUT_ARGS", "INPUT_SARIF_FILE"] {
        assert!(script.contains(input), "the script reads {input}");
        assert!(
            action.contains(&format!("{input}: ")),
            "action.yml sets {input}"
        );
    }
    assert!(action.contains("github/codeql-action/upload-sarif@"));
    assert!(action.contains("cargo install --locked --path \"$GITHUB_ACTION_PATH\""));
    assert!(Path::new(&project_root().join("scripts/github-action.sh")).is_file());
}
