//! The pre-commit hooks, run by the real pre-commit from a git commit hook in
//! a copy of the example fleet, as a user's `.pre-commit-config.yaml` runs them:
//!
//! - `fleet-lint-system` (this repository's hooks file, the binary on PATH),
//!   with `args: [--fail-on, warning]`: the args come before the staged files;
//! - `fleet-lint` from `pre-commit-mirror/` (the python hook), installed from
//!   the wheel built here, with no index;
//! - `fleet-lint-rust` (`pre-commit try-repo` on this repository), which
//!   builds fleet-lint with cargo (about two minutes the first time; the
//!   dependencies are kept under the target directory).
//!
//! `.ci/run` installs pre-commit and maturin, names them in
//! `FLEET_LINT_PRE_COMMIT` and `FLEET_LINT_MATURIN`, and downloads the python
//! hook's build backend into `FLEET_LINT_WHEELHOUSE`; without them the tests
//! that need them skip and say so.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{build_wheel, edit, git_in, maturin, project_root, say, scratch_copy};

/// pre-commit: `FLEET_LINT_PRE_COMMIT` or `pre-commit` on PATH; `None`, said,
/// when neither runs.
fn pre_commit() -> Option<PathBuf> {
    let candidate = std::env::var_os("FLEET_LINT_PRE_COMMIT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("pre-commit"));
    let works = Command::new(&candidate)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !works {
        say(
            "skipped: pre-commit is not installed (.ci/run installs it; or set FLEET_LINT_PRE_COMMIT)",
        );
    }
    works.then_some(candidate)
}

/// A fleet repository with pre-commit's git hook installed, and the
/// environment its commits run in.
struct Fleet {
    dir: tempfile::TempDir,
    /// pre-commit's cache, private to the test.
    home: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Fleet {
    /// A git checkout of the example fleet, committed, whose
    /// `.pre-commit-config.yaml` is `config`, with the hook installed by `pre_commit`.
    fn new(pre_commit: &Path, config: &str, env: Vec<(String, String)>) -> Fleet {
        let fleet = Fleet {
            dir: scratch_copy("example-fleet"),
            home: tempfile::tempdir().expect("tempdir"),
            env,
        };
        assert!(fleet.git(&["init", "-q", "-b", "main"]).status.success());
        std::fs::write(fleet.root().join(".pre-commit-config.yaml"), config).expect("config");
        let (committed, output) = fleet.commit_all("the fleet");
        assert!(committed, "{output}");
        let install = fleet
            .command(pre_commit)
            .arg("install")
            .output()
            .expect("pre-commit runs");
        assert!(install.status.success(), "{install:?}");
        fleet
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(self.root())
            .env("PRE_COMMIT_HOME", self.home.path())
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    fn git(&self, args: &[&str]) -> Output {
        let mut command = git_in(self.root());
        command
            .env("PRE_COMMIT_HOME", self.home.path())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .args(args)
            .output()
            .expect("git runs")
    }

    /// Stages everything and commits: whether the commit went through, and
    /// what git and the hook printed.
    fn commit_all(&self, message: &str) -> (bool, String) {
        self.git(&["add", "."]);
        let commit = self.git(&["commit", "-q", "-m", message]);
        let output = String::from_utf8_lossy(&commit.stdout).into_owned()
            + &String::from_utf8_lossy(&commit.stderr);
        (commit.status.success(), output)
    }

    fn commits(&self) -> usize {
        String::from_utf8_lossy(&self.git(&["rev-list", "--count", "HEAD"]).stdout)
            .trim()
            .parse()
            .unwrap_or(0)
    }

    /// A clean commit goes through; one that stages a dangling sourceRef (a
    /// warning) is stopped with that finding, and only that file's findings.
    fn stops_a_warning(&self) {
        edit(
            &self.root().join("tenants/team-a/base/podinfo.yaml"),
            "interval: 10m",
            "interval: 15m",
        );
        let (committed, output) = self.commit_all("team-a: slower");
        assert!(committed, "{output}");
        assert_eq!(self.commits(), 2);

        edit(
            &self.root().join("tenants/team-a/base/podinfo.yaml"),
            "        name: podinfo\n",
            "        name: podinfo-charts\n",
        );
        let (committed, output) = self.commit_all("team-a: another chart repository");
        assert!(!committed, "{output}");
        assert_eq!(self.commits(), 2, "the commit was stopped");
        assert!(
            output.contains("tenants/team-a/base/podinfo.yaml:24:15"),
            "{output}"
        );
        assert!(output.contains("dangling-reference"), "{output}");
        assert!(!output.contains("plaintext-secret"), "{output}");
    }
}

/// A git repository holding `files` (path, text), committed; and its commit.
fn hook_repository(files: &[(&str, String)]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in files {
        common::write_file(dir.path(), path, text);
    }
    let git = |args: &[&str]| git_in(dir.path()).args(args).output().expect("git runs");
    assert!(git(&["init", "-q", "-b", "main"]).status.success());
    assert!(git(&["add", "."]).status.success());
    assert!(git(&["commit", "-q", "-m", "hooks"]).status.success());
    let rev = String::from_utf8_lossy(&git(&["rev-parse", "HEAD"]).stdout)
        .trim()
        .to_string();
    (dir, rev)
}

fn config(repository: &Path, rev: &str, hook: &str, args: &str) -> String {
    format!(
        "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: {hook}\n        args: {args}\n",
        repository.display()
    )
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(project_root().join(rel)).expect("readable")
}

#[test]
fn the_system_hook_takes_args_before_the_staged_files() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let (hooks, rev) =
        hook_repository(&[(".pre-commit-hooks.yaml", read(".pre-commit-hooks.yaml"))]);
    let binary = assert_cmd::cargo::cargo_bin("fleet-lint");
    let path = format!(
        "{}:{}",
        binary.parent().expect("a folder").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let fleet = Fleet::new(
        &pre_commit,
        &config(
            hooks.path(),
            &rev,
            "fleet-lint-system",
            "[--fail-on, warning]",
        ),
        vec![("PATH".to_string(), path)],
    );
    fleet.stops_a_warning();
    say(
        "pre-commit (system hook, --fail-on warning): a clean commit passed, a warning stopped one",
    );
}

#[test]
fn the_python_hook_installs_the_wheel_and_takes_args() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let Some(maturin) = maturin() else {
        say("skipped: maturin is not installed (.ci/run installs it; or set FLEET_LINT_MATURIN)");
        return;
    };
    let Some(wheelhouse) = std::env::var_os("FLEET_LINT_WHEELHOUSE").map(PathBuf::from) else {
        say(
            "skipped: no wheelhouse with the hook's build backend (.ci/run downloads it into FLEET_LINT_WHEELHOUSE)",
        );
        return;
    };
    let wheel = build_wheel(&maturin);
    let mirror = [
        "pre-commit-mirror/.pre-commit-hooks.yaml",
        "pre-commit-mirror/pyproject.toml",
    ];
    let files: Vec<(&str, String)> = mirror
        .iter()
        .map(|rel| (rel.trim_start_matches("pre-commit-mirror/"), read(rel)))
        .collect();
    let (hooks, rev) = hook_repository(&files);
    let links = format!(
        "{} {}",
        wheel.parent().expect("a folder").display(),
        wheelhouse.display()
    );
    let fleet = Fleet::new(
        &pre_commit,
        &config(hooks.path(), &rev, "fleet-lint", "[--fail-on, warning]"),
        vec![
            ("PIP_NO_INDEX".to_string(), "1".to_string()),
            ("PIP_FIND_LINKS".to_string(), links),
        ],
    );
    fleet.stops_a_warning();
    say(
        "pre-commit (python hook from the local wheel, --fail-on warning): a clean commit passed, a warning stopped one",
    );
}

#[test]
fn the_rust_hook_builds_from_source_and_stops_an_error() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let dir = scratch_copy("example-fleet");
    let root = dir.path();
    let git = |args: &[&str]| {
        git_in(root)
            .args(args)
            // try-repo builds in a fresh store each time; a shared cargo target
            // directory lets the second build reuse the dependencies.
            .env(
                "CARGO_TARGET_DIR",
                Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-target"),
            )
            .output()
            .expect("git runs")
    };
    let commit_all = |message: &str| {
        git(&["add", "."]);
        let commit = git(&["commit", "-q", "-m", message]);
        let output = String::from_utf8_lossy(&commit.stdout).into_owned()
            + &String::from_utf8_lossy(&commit.stderr);
        (commit.status.success(), output)
    };
    assert!(git(&["init", "-q", "-b", "main"]).status.success());
    let (committed, output) = commit_all("the fleet");
    assert!(committed, "{output}");
    // A git commit hook that runs the hook from this repository's working
    // tree (uncommitted changes included), on the staged files.
    let hook = root.join(".git/hooks/pre-commit");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nexec '{}' try-repo '{}' fleet-lint-rust --color never\n",
            pre_commit.display(),
            project_root().display()
        ),
    )
    .expect("hook written");
    make_executable(&hook);

    edit(
        &root.join("tenants/team-a/base/podinfo.yaml"),
        "interval: 10m",
        "interval: 15m",
    );
    let (committed, output) = commit_all("team-a: slower");
    assert!(committed, "{output}");

    // Failing: team-b's redis still runs without a ServiceAccount.
    edit(
        &root.join("tenants/team-b/base/redis.yaml"),
        "interval: 10m",
        "interval: 5m",
    );
    let (committed, output) = commit_all("team-b: faster");
    assert!(!committed, "{output}");
    assert!(
        output.contains("tenants/team-b/base/redis.yaml:7:1"),
        "{output}"
    );
    assert!(
        output.contains("sets no spec.serviceAccountName"),
        "{output}"
    );
    assert!(!output.contains("plaintext-secret"), "{output}");
    say("pre-commit (rust hook): a clean commit passed, a commit staging a finding was stopped");
}

#[test]
fn every_hook_runs_check_with_the_files_last_and_the_mirror_pins_this_version() {
    for (file, ids) in [
        (
            ".pre-commit-hooks.yaml",
            &["fleet-lint-system", "fleet-lint-rust"][..],
        ),
        (
            "pre-commit-mirror/.pre-commit-hooks.yaml",
            &["fleet-lint"][..],
        ),
    ] {
        let hooks = common::yaml_documents(&read(file));
        let hooks = hooks[0].as_array().expect("a list of hooks");
        let found: Vec<&str> = hooks.iter().filter_map(|h| h["id"].as_str()).collect();
        assert_eq!(found, ids, "{file}");
        for hook in hooks {
            assert_eq!(hook["entry"], "fleet-lint check", "{file}");
            assert_eq!(hook["require_serial"], true, "{file}");
        }
    }
    let mirror = read("pre-commit-mirror/pyproject.toml");
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        mirror.contains(&format!("version = \"{version}\"")),
        "{mirror}"
    );
    assert!(
        mirror.contains(&format!("dependencies = [\"fleet-lint=={version}\"]")),
        "{mirror}"
    );
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}
