//! The GitHub Action: its lint step, `scripts/github-action.sh`, run as
//! `action.yml` runs it with a fake workspace, `GITHUB_STEP_SUMMARY` and
//! `GITHUB_OUTPUT`; and its install step, `scripts/action-install.sh`, against
//! a fake release (and a fake GitHub API) served on the loopback.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};

use common::{copy_tree, fixture, git_in, project_root};

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

    /// The `Lint` step's command with these inputs, in a runner's
    /// environment (not a pull request; no SARIF upload).
    fn step(&self, path: &str, args: &str) -> std::process::Command {
        let mut command = std::process::Command::new("bash");
        command
            .arg(project_root().join("scripts/github-action.sh"))
            .current_dir(self.workspace.path())
            .env("FLEET_LINT", assert_cmd::cargo::cargo_bin("fleet-lint"))
            .env("NO_COLOR", "1")
            .env("INPUT_PATH", path)
            .env("INPUT_ARGS", args)
            .env("INPUT_SARIF_FILE", "fleet-lint.sarif")
            .env("INPUT_UPLOAD_SARIF", "false")
            .env("GITHUB_WORKSPACE", self.workspace.path())
            .env("GITHUB_STEP_SUMMARY", self.file("summary.md"))
            .env("GITHUB_OUTPUT", self.file("output.txt"))
            .env_remove("INPUT_FAIL_ON")
            .env_remove("INPUT_CONFIG")
            .env_remove("GITHUB_BASE_REF")
            .env_remove("GITHUB_TOKEN")
            .env_remove("GITHUB_REPOSITORY");
        command
    }

    /// Runs the `Lint` step with these inputs.
    fn lint(&self, path: &str, args: &str) -> Output {
        self.step(path, args).output().expect("bash runs")
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
        "exit-code=1\nsarif-file=fleet-lint.sarif\nupload-sarif=false\n"
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
    assert!(summary.contains("6 errors, 0 warnings, 2 infos in 39 files, 2 clusters, 2 tenants."));
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
        Some(8),
        "6 errors and the 2 cluster-lockdown infos"
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
    assert_eq!(
        runner.read("output.txt"),
        "exit-code=2\nsarif-file=\nupload-sarif=false\n"
    );
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
fn fail_on_and_args_reach_fleet_lint_and_args_win() {
    let runner = Runner::new("example-fleet");
    let output = runner
        .step("fleet", "")
        .env("INPUT_FAIL_ON", "never")
        .output()
        .expect("bash runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(runner.read("output.txt").starts_with("exit-code=0\n"));
    let output = runner
        .step("fleet", "--fail-on error")
        .env("INPUT_FAIL_ON", "never")
        .output()
        .expect("bash runs");
    assert!(
        runner
            .read("output.txt")
            .ends_with("exit-code=1\nsarif-file=fleet-lint.sarif\nupload-sarif=false\n"),
        "{output:?}"
    );
}

/// A workspace whose fleet is a git checkout of a pull request: the base
/// commit, then one commit that touches `changed` (a path in the workspace).
fn pull_request(runner: &Runner, changed: &str) {
    let root = runner.workspace.path();
    let git = |args: &[&str]| {
        let status = git_in(root).args(args).output().expect("git runs").status;
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "fleet"]);
    git(&["commit", "-q", "-m", "base"]);
    let path = runner.file(changed);
    let text = std::fs::read_to_string(&path).expect("readable");
    std::fs::write(&path, text + "# touched\n").expect("writable");
    git(&["commit", "-q", "-am", "the pull request"]);
}

fn annotated_files(annotations: &str) -> Vec<&str> {
    annotations
        .lines()
        .filter_map(|line| line.split_once(" file=")?.1.split(',').next())
        .collect()
}

#[test]
fn a_pull_requests_files_are_annotated_first_ten_per_level() {
    let runner = Runner::new("rules");
    let everything = runner.lint("fleet", "");
    let annotations = stdout(&everything);
    assert_eq!(
        annotations.matches("::error ").count(),
        10,
        "GitHub shows 10"
    );
    let all = runner.sarif()["runs"][0]["results"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    assert!(all > 20, "the fixture has more than 10 errors: {all}");
    let summary = runner.read("summary.md");
    let shown = annotations.lines().filter(|l| l.starts_with("::")).count();
    assert!(
        summary.contains(&format!(
            "{} findings are not annotated: GitHub shows 10 annotations of each severity per step (in report order)",
            all - shown
        )),
        "{summary}"
    );

    // The last error in report order, in a file the pull request touches.
    let sarif = runner.sarif();
    let last_error = sarif["runs"][0]["results"]
        .as_array()
        .and_then(|results| results.iter().rev().find(|r| r["level"] == "error"))
        .expect("an error")["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .expect("a path")
        .to_string();
    assert!(!annotated_files(&annotations).contains(&last_error.as_str()));
    pull_request(&runner, &last_error);
    std::fs::remove_file(runner.file("summary.md")).expect("a summary");
    let output = runner
        .step("fleet", "")
        .env("GITHUB_BASE_REF", "main")
        .output()
        .expect("bash runs");
    let annotations = stdout(&output);
    assert_eq!(
        annotated_files(&annotations)[0],
        last_error,
        "{annotations}"
    );
    assert_eq!(annotations.matches("::error ").count(), 10);
    assert!(
        runner
            .read("summary.md")
            .contains("(the files this pull request changes first)")
    );
}

/// A loopback HTTP server that answers GET requests from a table (404
/// otherwise) and records the paths asked for.
struct Server {
    url: String,
    asked: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(files: HashMap<String, Vec<u8>>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&asked);
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let Ok(reading) = stream.try_clone() else {
                    continue;
                };
                let mut reader = BufReader::new(reading);
                let mut request = String::new();
                if reader.read_line(&mut request).is_err() {
                    continue;
                }
                let mut header = String::new();
                while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                    header.clear();
                }
                let path = request.split_whitespace().nth(1).unwrap_or("").to_string();
                let (status, body) = match files.get(&path) {
                    Some(body) => ("200 OK", body.clone()),
                    None => ("404 Not Found", b"not found".to_vec()),
                };
                log.lock().expect("the log").push(path);
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        Server { url, asked }
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().expect("the log").clone()
    }
}

/// `command` talking to the loopback directly, whatever proxy the machine sets.
fn without_proxy(command: &mut std::process::Command) -> &mut std::process::Command {
    for name in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        command.env_remove(name);
    }
    command
        .env("NO_PROXY", "127.0.0.1")
        .env("no_proxy", "127.0.0.1")
}

#[test]
fn upload_sarif_auto_uploads_where_code_scanning_is_available() {
    let mut api = HashMap::new();
    api.insert(
        "/repos/acme/public-fleet".to_string(),
        br#"{"private": false, "visibility": "public"}"#.to_vec(),
    );
    api.insert(
        "/repos/acme/private-fleet".to_string(),
        br#"{"private": true, "visibility": "private", "security_and_analysis": {"advanced_security": {"status": "disabled"}}}"#.to_vec(),
    );
    api.insert(
        "/repos/acme/licensed-fleet".to_string(),
        br#"{"private": true, "visibility": "private", "security_and_analysis": {"advanced_security": {"status": "enabled"}}}"#.to_vec(),
    );
    let server = Server::start(api);
    for (repository, upload) in [
        ("public-fleet", true),
        ("private-fleet", false),
        ("licensed-fleet", true),
    ] {
        let runner = Runner::new("example-fleet");
        let mut step = runner.step("fleet", "");
        let output = without_proxy(&mut step)
            .env("INPUT_UPLOAD_SARIF", "auto")
            .env("GITHUB_API_URL", &server.url)
            .env("GITHUB_REPOSITORY", format!("acme/{repository}"))
            .env("GITHUB_TOKEN", "a-token")
            .output()
            .expect("bash runs");
        assert!(
            runner
                .read("output.txt")
                .ends_with(&format!("upload-sarif={upload}\n")),
            "{repository}: {output:?}"
        );
        let note = "SARIF not uploaded: code scanning is not available to this repository";
        assert_eq!(
            runner.read("summary.md").contains(note),
            !upload,
            "{repository}"
        );
    }
    assert_eq!(server.asked().len(), 3);
}

/// A fake fleet-lint release `version` for Linux x86_64: the archive (whose
/// binary prints `fleet-lint <version>`) and `sha256sums.txt`, keyed by URL path.
fn fake_release(version: &str, tamper: bool) -> HashMap<String, Vec<u8>> {
    let target = "x86_64-unknown-linux-musl";
    let work = tempfile::tempdir().expect("tempdir");
    let folder = work.path().join(format!("fleet-lint-{target}"));
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::write(
        folder.join("fleet-lint"),
        format!("#!/bin/sh\necho 'fleet-lint {version}'\n"),
    )
    .expect("write");
    let archive = format!("fleet-lint-{target}.tar.gz");
    let tar = std::process::Command::new("tar")
        .args(["-czf", &archive, &format!("fleet-lint-{target}")])
        .current_dir(work.path())
        .status()
        .expect("tar runs");
    assert!(tar.success());
    let bytes = std::fs::read(work.path().join(&archive)).expect("the archive");
    let sum = sha256(&work.path().join(&archive));
    // A tampered release: the sum's first digit changed.
    let sum = match (tamper, sum.starts_with('0')) {
        (false, _) => sum,
        (true, true) => format!("1{}", &sum[1..]),
        (true, false) => format!("0{}", &sum[1..]),
    };
    let sums = format!(
        "{sum}  {archive}\n{}  fleet-lint-x86_64-apple-darwin.tar.gz\n",
        "0".repeat(64)
    );
    HashMap::from([
        (format!("/{version}/{archive}"), bytes),
        (format!("/{version}/sha256sums.txt"), sums.into_bytes()),
    ])
}

fn sha256(path: &Path) -> String {
    let output = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .or_else(|_| {
            std::process::Command::new("shasum")
                .args(["-a", "256"])
                .arg(path)
                .output()
        })
        .expect("sha256sum or shasum");
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .next()
        .expect("a sum")
        .to_string()
}

/// Runs the install step for `version` against `server`, into a fresh folder.
fn install(server: &Server, version: &str) -> (Output, tempfile::TempDir) {
    let dest = tempfile::tempdir().expect("tempdir");
    let mut command = std::process::Command::new("bash");
    let output = without_proxy(command.arg(project_root().join("scripts/action-install.sh")))
        .env("VERSION", version)
        .env("DEST", dest.path())
        .env("FLEET_LINT_RELEASES", &server.url)
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .output()
        .expect("bash runs");
    (output, dest)
}

#[test]
fn the_install_step_fetches_the_pinned_release_and_checks_its_sum() {
    let server = Server::start(fake_release("v9.9.9", false));
    let (output, dest) = install(&server, "v9.9.9");
    assert!(output.status.success(), "{output:?}");
    let binary = dest.path().join("fleet-lint");
    assert_eq!(stdout(&output).trim(), binary.display().to_string());
    let version = std::process::Command::new(&binary)
        .output()
        .expect("the binary runs");
    assert_eq!(stdout(&version), "fleet-lint v9.9.9\n");
    assert_eq!(
        server.asked(),
        [
            "/v9.9.9/sha256sums.txt",
            "/v9.9.9/fleet-lint-x86_64-unknown-linux-musl.tar.gz"
        ]
    );

    // A version the server does not have.
    let (output, dest) = install(&server, "v1.0.0");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("cannot download"),
        "{output:?}"
    );
    assert!(!dest.path().join("fleet-lint").exists());
}

#[test]
fn the_install_step_refuses_an_archive_whose_sum_does_not_match() {
    let server = Server::start(fake_release("v9.9.9", true));
    let (output, dest) = install(&server, "v9.9.9");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("::error title=fleet-lint::checksum mismatch for fleet-lint-x86_64-unknown-linux-musl.tar.gz"),
        "{stderr}"
    );
    assert!(stderr.contains("not installed"));
    assert!(
        !dest.path().join("fleet-lint").exists(),
        "nothing installed"
    );
}

#[test]
fn action_yml_wires_the_install_and_every_input() {
    let text = std::fs::read_to_string(project_root().join("action.yml")).expect("action.yml");
    let action = &common::yaml_documents(&text)[0];
    let inputs: Vec<&str> = action["inputs"]
        .as_object()
        .expect("inputs")
        .keys()
        .map(String::as_str)
        .collect();
    for input in [
        "version",
        "install",
        "path",
        "config",
        "fail-on",
        "args",
        "upload-sarif",
        "sarif-file",
    ] {
        assert!(inputs.contains(&input), "input {input}");
    }
    assert_eq!(action["inputs"]["upload-sarif"]["default"], "auto");
    assert_eq!(action["inputs"]["install"]["default"], "release");
    let steps = action["runs"]["steps"].as_array().expect("steps");
    let run = |id: &str| {
        steps
            .iter()
            .find(|step| step["id"] == id)
            .and_then(|step| step["run"].as_str())
            .unwrap_or_else(|| panic!("a step {id}"))
            .to_string()
    };
    assert!(run("release").contains(r#"bash "$GITHUB_ACTION_PATH/scripts/action-install.sh""#));
    assert!(run("cargo").contains("cargo install --locked"));
    assert!(run("lint").contains(r#"bash "$GITHUB_ACTION_PATH/scripts/github-action.sh""#));
    let script = std::fs::read_to_string(project_root().join("scripts/github-action.sh"))
        .expect("the script");
    let lint = steps
        .iter()
        .find(|step| step["id"] == "lint")
        .expect("the lint step");
    for (variable, _) in lint["env"].as_object().expect("env") {
        assert!(
            script.contains(variable.as_str()),
            "the script reads {variable}"
        );
    }
    let upload = steps
        .iter()
        .find(|step| {
            step["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
        })
        .expect("the upload step");
    assert_eq!(
        upload["continue-on-error"], true,
        "a refused upload never fails the job"
    );
    assert!(!script.contains("realpath"), "GNU-only realpath options");
}

#[test]
fn the_release_workflow_builds_every_target_the_install_step_downloads() {
    let text = std::fs::read_to_string(project_root().join(".github/workflows/release.yml"))
        .expect("the release workflow");
    let workflow = &common::yaml_documents(&text)[0];
    let jobs = workflow["jobs"].as_object().expect("jobs");
    for job in [
        "binaries",
        "wheels",
        "sdist",
        "publish-release",
        "publish-pypi",
    ] {
        assert!(jobs.contains_key(job), "job {job}");
    }
    let targets: Vec<&str> = workflow["jobs"]["binaries"]["strategy"]["matrix"]["include"]
        .as_array()
        .expect("a matrix")
        .iter()
        .filter_map(|entry| entry["target"].as_str())
        .collect();
    assert_eq!(
        targets,
        [
            "x86_64-unknown-linux-musl",
            "aarch64-unknown-linux-musl",
            "x86_64-apple-darwin",
            "aarch64-apple-darwin",
            "x86_64-pc-windows-msvc"
        ]
    );
    let install = std::fs::read_to_string(project_root().join("scripts/action-install.sh"))
        .expect("the install script");
    for target in [
        "unknown-linux-musl",
        "apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(install.contains(target), "the install step knows {target}");
    }
    assert!(text.contains("--profile dist"));
    assert!(text.contains("sha256sum fleet-lint-* > sha256sums.txt"));
    assert!(install.contains("sha256sums.txt"));
}
