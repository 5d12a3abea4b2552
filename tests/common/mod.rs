//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use assert_cmd::Command;
use serde_json::Value;

/// The project's root (where `fixtures/` lives).
pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `fixtures/<name>`, as the fleet it stands for: a fixture that shares
/// content (a `.fixture-base` in it or below it) is materialised once per test
/// process under cargo's temporary folder for tests; others are used in place.
/// Each materialisation has a folder of its own, never rewritten while the
/// process runs (tests run in parallel).
pub fn fixture(name: &str) -> PathBuf {
    let fixtures = project_root().join("fixtures");
    if !xtask::fixtures::uses_bases(&fixtures.join(name)) {
        return fixtures.join(name);
    }
    static DONE: Mutex<Vec<(String, PathBuf)>> = Mutex::new(Vec::new());
    let mut done = DONE.lock().unwrap_or_else(|e| e.into_inner());
    let covering = done.iter().find_map(|(n, path)| {
        let rest = Path::new(name).strip_prefix(n).ok()?;
        Some(path.join(rest))
    });
    if let Some(path) = covering {
        return path;
    }
    let root = materialized_root();
    if done.is_empty() {
        let _ = std::fs::remove_dir_all(&root);
    }
    let into = root.join(done.len().to_string()).join(name);
    xtask::fixtures::materialize(&fixtures, name, &into)
        .unwrap_or_else(|e| panic!("fixtures/{name} does not materialise: {e}"));
    done.push((name.to_string(), into.clone()));
    into
}

/// Where this test binary materialises fixtures: one folder per binary, so
/// that test binaries never share one.
fn materialized_root() -> PathBuf {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "tests".into());
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("fixtures")
        .join(binary)
}

/// `../shared/<rel>` when it exists; otherwise prints why the caller skips.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let path = project_root().join("..").join("shared").join(rel);
    if path.exists() {
        Some(path)
    } else {
        say(&format!(
            "skipped: {} is absent (no ../shared beside this checkout)",
            path.display()
        ));
        None
    }
}

/// Writes a line to the real stderr, past the test harness's capture, so that
/// skip reasons and oracle figures show in a normal `cargo test` run.
pub fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The `fleet-lint` binary with colour off, 100 columns wide.
pub fn fleet_lint() -> Command {
    let mut cmd = Command::cargo_bin("fleet-lint").expect("binary is built");
    // Snapshots are the same whatever terminal runs the tests: no colour, 100 columns.
    cmd.env_remove("CLICOLOR_FORCE")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100");
    cmd
}

/// Runs `fleet-lint PATH --format json` and returns (exit code, parsed output).
/// A run that has not ended after five minutes fails the test (a hang guard
/// for hostile inputs, not a timing).
pub fn lint_json(path: &Path, extra: &[&str]) -> (i32, Value) {
    let output = fleet_lint()
        .arg(path)
        .args(["--format", "json"])
        .args(extra)
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .expect("fleet-lint runs");
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "invalid JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), json)
}

/// The findings of a JSON report whose `path` is `path`.
pub fn findings_in<'a>(report: &'a Value, path: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter(|f| f["path"] == path)
        .collect()
}

/// Human output with the run time of the summary line removed.
pub fn without_timing(text: &str) -> String {
    text.lines()
        .map(|line| {
            let timing = line.find(" ms)").and_then(|end| {
                let start = line[..end].rfind(" (")?;
                line[start + 2..end]
                    .chars()
                    .all(|c| c.is_ascii_digit())
                    .then_some((start, end + 4))
            });
            match timing {
                Some((start, end)) => format!("{}{}", &line[..start], &line[end..]),
                None => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `path` of every finding of a JSON report, in report order.
pub fn finding_paths(report: &Value) -> Vec<&str> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect()
}

/// (name, path) of every subdirectory of `dir`, sorted by name.
pub fn subdirs(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut dirs: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{} unreadable: {e}", dir.display()))
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    dirs.sort();
    dirs
}

/// Every directory below `root` holding a kustomization that is not a Component.
pub fn kustomization_dirs(root: &Path) -> Vec<String> {
    let mut dirs = Vec::new();
    let mut todo = vec![PathBuf::new()];
    while let Some(rel) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&rel)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = rel.join(entry.file_name());
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                todo.push(path);
            } else if fleet_lint_engine::kustomize::KUSTOMIZATION_FILES
                .contains(&entry.file_name().to_string_lossy().as_ref())
            {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                if !text.contains("kind: Component") {
                    dirs.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
    }
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Every document of the YAML `text`, as JSON; the text must parse.
pub fn yaml_documents(text: &str) -> Vec<Value> {
    let source = fleet_lint_engine::source::SourceFile::new("document.yaml", text);
    let loaded = fleet_lint_engine::yaml::load_yaml(
        fleet_lint_engine::source::FileId(0),
        &source,
        fleet_lint_engine::yaml::LoadLimits::default(),
    );
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    loaded.documents.iter().map(|d| d.root.to_json()).collect()
}

/// `fleet-lint build DIR --root ROOT`'s standard output; the build must succeed.
pub fn build_output(dir: &Path, root: &Path) -> String {
    let output = fleet_lint()
        .arg("build")
        .arg(dir)
        .arg("--root")
        .arg(root)
        .output()
        .expect("runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Whether kubectl (the Kustomize oracle) runs; says so when it does not.
pub fn kubectl_available() -> bool {
    let ok = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        say("skipped: kubectl is not installed");
    }
    ok
}

/// Copies the directory tree `from` to `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("readable").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// `git` in `dir`, with a committer identity and no signing, as a throwaway
/// repository needs.
pub fn git_in(dir: &Path) -> std::process::Command {
    let mut command = std::process::Command::new("git");
    command
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
        ])
        .current_dir(dir);
    command
}

/// A fleet of one cluster (`clusters/dev`) with one ConfigMap: nothing to report.
pub fn clean_fleet() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("clusters/dev")).expect("mkdir");
    std::fs::write(
        dir.path().join("clusters/dev/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n",
    )
    .expect("write");
    dir
}

/// A scratch copy of `fixtures/<name>`, to edit in a test.
pub fn scratch_copy(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture(name), dir.path());
    dir
}

/// Writes `text` at `rel` under `root`, making its folders.
pub fn write_file(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// Replaces the first `old` in the file at `path` by `new`.
pub fn edit(path: &Path, old: &str, new: &str) {
    let text = std::fs::read_to_string(path).expect("readable");
    assert!(text.contains(old), "{} lacks {old:?}", path.display());
    std::fs::write(path, text.replacen(old, new, 1)).expect("writable");
}

/// (path, line, severity, message) of the findings of `rule` in a JSON report.
pub fn rule_rows(report: &Value, rule: &str) -> Vec<(String, u64, String, String)> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| {
            let text = |k: &str| f[k].as_str().unwrap_or("").to_string();
            let line = f["line"].as_u64().unwrap_or(0);
            (text("path"), line, text("severity"), text("message"))
        })
        .collect()
}

/// Whether `finding` (JSON) is `cluster-lockdown`'s info that a cluster's
/// Flux is installed by other means: what every fixture cluster with tenants
/// built on `bases/bootstrap` (a `gotk-sync.yaml` without components) says.
/// `tests/lockdown.rs` checks it; tests of other rules leave it out.
pub fn is_lockdown_not_evaluated(finding: &Value) -> bool {
    finding["rule"] == "cluster-lockdown"
        && finding["severity"] == "info"
        && finding["message"]
            .as_str()
            .is_some_and(|m| m.contains("its multi-tenancy lockdown is not evaluated"))
}

/// The findings of a JSON report but [`is_lockdown_not_evaluated`]'s.
pub fn findings_but_lockdown_info(report: &Value) -> Vec<&Value> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter(|f| !is_lockdown_not_evaluated(f))
        .collect()
}

/// (rule, path, line, message) of every finding of a JSON report but
/// [`is_lockdown_not_evaluated`]'s.
pub fn rows(report: &Value) -> Vec<(String, String, u64, String)> {
    findings_but_lockdown_info(report)
        .into_iter()
        .map(|f| {
            let text = |k: &str| f[k].as_str().unwrap_or("").to_string();
            (
                text("rule"),
                text("path"),
                f["line"].as_u64().unwrap_or(0),
                text("message"),
            )
        })
        .collect()
}

/// The findings of `rule` when linting `fixtures/<fixture_name>`.
pub fn findings_of(fixture_name: &str, rule: &str) -> Vec<Value> {
    let (_, report) = lint_json(&fixture(fixture_name), &[]);
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule)
        .cloned()
        .collect()
}

/// (path, line, severity) of each finding.
pub fn places(findings: &[Value]) -> Vec<(&str, u64, &str)> {
    findings
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or(""),
                f["line"].as_u64().unwrap_or(0),
                f["severity"].as_str().unwrap_or(""),
            )
        })
        .collect()
}

/// maturin, to build the wheel: `FLEET_LINT_MATURIN` (`.ci/run` installs it)
/// or `maturin` on PATH; `None` when neither runs.
pub fn maturin() -> Option<PathBuf> {
    let candidate = std::env::var_os("FLEET_LINT_MATURIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("maturin"));
    let works = std::process::Command::new(&candidate)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    works.then_some(candidate)
}

/// Builds the PyPI wheel (`pyproject.toml`) with the dev profile (fast to
/// build; the release workflow builds with `dist`), in a cargo target folder
/// of its own: a plain `cargo build` resolves other features than `cargo
/// test` and would relink the binary the other tests are running. Returns
/// the wheel's path.
pub fn build_wheel(maturin: &Path) -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let out = tmp.join("wheel");
    let _ = std::fs::remove_dir_all(&out);
    let output = std::process::Command::new(maturin)
        .args([
            "build",
            "--locked",
            "--profile",
            "dev",
            "--compatibility",
            "linux",
            "--out",
        ])
        .arg(&out)
        .env("CARGO_TARGET_DIR", tmp.join("wheel-target"))
        .current_dir(project_root())
        .output()
        .expect("maturin runs");
    assert!(
        output.status.success(),
        "maturin build: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_dir(&out)
        .expect("the wheel folder")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|e| e == "whl"))
        .expect("a wheel")
}
