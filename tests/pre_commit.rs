//! The pre-commit hook (`.pre-commit-hooks.yaml`), run by the real pre-commit
//! (`pre-commit try-repo` on this repository) from a git commit hook in a
//! fixture fleet: a commit that stages a file with a finding is stopped with
//! that finding; one that stages a clean file goes through.
//!
//! pre-commit builds fleet-lint with cargo (about two minutes the first
//! time; the dependencies are kept under the target directory). `.ci/run`
//! installs pre-commit and names it in `FLEET_LINT_PRE_COMMIT`; without it, or
//! `pre-commit` on PATH, the test skips and says so.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{edit, git_in, project_root, say, scratch_copy};

fn pre_commit() -> Option<PathBuf> {
    let candidate = std::env::var_os("FLEET_LINT_PRE_COMMIT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("pre-commit"));
    let works = Command::new(&candidate)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    works.then_some(candidate)
}

fn git(dir: &Path, args: &[&str]) -> Output {
    git_in(dir)
        .args(args)
        // try-repo builds in a fresh store each time; a shared cargo target
        // directory lets the second build reuse the dependencies.
        .env(
            "CARGO_TARGET_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-target"),
        )
        .output()
        .expect("git runs")
}

/// Stages everything and commits: whether the commit went through, and what
/// git and the hook printed.
fn commit_all(dir: &Path, message: &str) -> (bool, String) {
    git(dir, &["add", "."]);
    let commit = git(dir, &["commit", "-q", "-m", message]);
    let output = String::from_utf8_lossy(&commit.stdout).into_owned()
        + &String::from_utf8_lossy(&commit.stderr);
    (commit.status.success(), output)
}

fn commits(dir: &Path) -> usize {
    String::from_utf8_lossy(&git(dir, &["rev-list", "--count", "HEAD"]).stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

#[test]
fn the_hook_stops_a_commit_with_a_finding_and_lets_a_clean_one_through() {
    let Some(pre_commit) = pre_commit() else {
        say(
            "skipped: pre-commit is not installed (.ci/run installs it; or set FLEET_LINT_PRE_COMMIT)",
        );
        return;
    };
    let dir = scratch_copy("example-fleet");
    let root = dir.path();
    assert!(git(root, &["init", "-q", "-b", "main"]).status.success());
    let (committed, output) = commit_all(root, "the fleet");
    assert!(committed, "{output}");
    // A git commit hook that runs the hook from this repository, as a user's
    // `.pre-commit-config.yaml` would, on the staged files.
    let hook = root.join(".git/hooks/pre-commit");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nexec '{}' try-repo '{}' fleet-lint --color never\n",
            pre_commit.display(),
            project_root().display()
        ),
    )
    .expect("hook written");
    make_executable(&hook);

    // Clean: team-a's release has no finding.
    edit(
        &root.join("tenants/team-a/base/podinfo.yaml"),
        "interval: 10m",
        "interval: 15m",
    );
    let (committed, output) = commit_all(root, "team-a: slower");
    assert!(committed, "{output}");
    assert_eq!(commits(root), 2);

    // Failing: team-b's redis still runs without a ServiceAccount.
    edit(
        &root.join("tenants/team-b/base/redis.yaml"),
        "interval: 10m",
        "interval: 5m",
    );
    let (committed, output) = commit_all(root, "team-b: faster");
    assert!(!committed, "{output}");
    assert_eq!(commits(root), 2, "the commit was stopped");
    assert!(
        output.contains("tenants/team-b/base/redis.yaml:7:1"),
        "{output}"
    );
    assert!(
        output.contains("sets no spec.serviceAccountName"),
        "{output}"
    );
    // Only the staged file's findings: not the Rocket.Chat token elsewhere.
    assert!(!output.contains("plaintext-secret"), "{output}");
    say("pre-commit: a clean commit passed, a commit staging a finding was stopped");
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}
