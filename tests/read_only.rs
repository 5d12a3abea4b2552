//! The read-only and offline promises, checked on the running binary with
//! strace: no socket, no program run but itself, and nothing opened for
//! writing, created, renamed, removed or made inside the linted tree, in every
//! command and report format; except where a command exists for it (`init`,
//! `--write-baseline`, `--fix`), whose writes the trace must then show, which
//! proves the trace sees them.
//!
//! Skipped, with the reason printed, where strace is missing or may not trace
//! (no ptrace in the container).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{say, scratch_copy};

/// The system calls that could write, reach the network or run a program.
const TRACED: &str = "trace=%network,execve,execveat,open,openat,openat2,creat,\
                      rename,renameat,renameat2,unlink,unlinkat,rmdir,mkdir,mkdirat,\
                      truncate,link,linkat,symlink,symlinkat,chmod,fchmodat";

fn strace_works() -> bool {
    let works = Command::new("strace")
        .args(["-f", "-qq", "-o", "/dev/null", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !works {
        say("skipped: strace is not installed or may not trace here");
    }
    works
}

/// What one traced run of fleet-lint did.
struct Trace {
    lines: Vec<String>,
}

impl Trace {
    /// Runs fleet-lint with `args` in `cwd` under strace (threads followed,
    /// strings in full).
    fn of(cwd: &Path, args: &[&str]) -> Trace {
        let out = tempfile::tempdir().expect("tempdir");
        let file = out.path().join("trace");
        let status = Command::new("strace")
            .args(["-f", "-qq", "-s", "4096", "-e", TRACED, "-o"])
            .arg(&file)
            .arg(assert_cmd::cargo::cargo_bin("fleet-lint"))
            .args(args)
            .current_dir(cwd)
            .env("NO_COLOR", "1")
            .output()
            .expect("strace runs")
            .status;
        assert!(status.code().is_some_and(|c| c <= 1), "{args:?}: {status}");
        let text = std::fs::read_to_string(&file).expect("the trace");
        Trace {
            lines: text.lines().map(str::to_string).collect(),
        }
    }

    /// The lines of the calls `wanted` picks, by name.
    fn calls(&self, wanted: impl Fn(&str) -> bool) -> Vec<&str> {
        self.lines
            .iter()
            .filter(|line| call_name(line).is_some_and(&wanted))
            .map(String::as_str)
            .collect()
    }

    /// The paths inside `tree` that a call could have changed: opened for
    /// writing or created, renamed, removed, made, linked or chmod-ed.
    fn changed_inside(&self, tree: &Path, cwd: &Path) -> Vec<PathBuf> {
        let opens = ["open", "openat", "openat2", "creat"];
        let mut changed = Vec::new();
        for line in &self.lines {
            let Some(call) = call_name(line) else {
                continue;
            };
            let writes = if opens.contains(&call) {
                call == "creat"
                    || ["O_WRONLY", "O_RDWR", "O_CREAT"]
                        .iter()
                        .any(|f| line.contains(f))
            } else {
                !["execve", "execveat"].contains(&call) && !is_network(call)
            };
            if !writes {
                continue;
            }
            for path in quoted(line) {
                let path = cwd.join(path);
                if path.starts_with(tree) {
                    changed.push(path);
                }
            }
        }
        changed
    }
}

/// The system call a strace line records: `1234 openat(...)` -> `openat`.
fn call_name(line: &str) -> Option<&str> {
    line.split_whitespace()
        .nth(1)
        .and_then(|rest| rest.split('(').next())
}

fn is_network(call: &str) -> bool {
    [
        "socket",
        "connect",
        "bind",
        "listen",
        "accept",
        "accept4",
        "sendto",
        "recvfrom",
        "sendmsg",
        "recvmsg",
        "socketpair",
        "getsockopt",
        "setsockopt",
        "getsockname",
        "getpeername",
        "shutdown",
        "sendmmsg",
        "recvmmsg",
    ]
    .contains(&call)
}

/// The double-quoted strings of a strace line (paths, here).
fn quoted(line: &str) -> Vec<&str> {
    line.split('"').skip(1).step_by(2).collect()
}

/// Asserts the run reached no network, ran nothing and changed nothing in `tree`.
fn assert_read_only(trace: &Trace, tree: &Path, cwd: &Path, what: &str) {
    let network = trace.calls(is_network);
    assert_eq!(network, Vec::<&str>::new(), "{what}: no socket");
    assert_eq!(
        trace
            .calls(|call| ["execve", "execveat"].contains(&call))
            .len(),
        1,
        "{what}: no program but itself"
    );
    assert_eq!(
        trace.changed_inside(tree, cwd),
        Vec::<PathBuf>::new(),
        "{what}: nothing written inside the tree"
    );
}

/// A scratch copy of the example fleet, canonical (strace prints real paths),
/// and a folder outside it for the reports.
fn fleet() -> (tempfile::TempDir, PathBuf, tempfile::TempDir) {
    let dir = scratch_copy("example-fleet");
    let tree = std::fs::canonicalize(dir.path()).expect("canonical");
    (dir, tree, tempfile::tempdir().expect("tempdir"))
}

#[test]
fn every_command_and_format_reads_only_and_stays_offline() {
    if !strace_works() {
        return;
    }
    let (_dir, tree, out) = fleet();
    let root = tree.to_str().expect("UTF-8");
    let report = |name: &str| format!("{}={}", name, out.path().join(name).display());
    let formats: Vec<String> = [
        "human", "concise", "json", "sarif", "github", "junit", "markdown",
    ]
    .iter()
    .flat_map(|f| ["--format".to_string(), report(f)])
    .collect();
    let mut lint = vec![root];
    lint.extend(formats.iter().map(String::as_str));
    let runs: Vec<(&str, Vec<&str>)> = vec![
        ("the lint, every format", lint),
        ("the lint, statistics", vec![root, "--statistics"]),
        (
            "check",
            vec!["check", "--root", root, "tenants/team-b/base/redis.yaml"],
        ),
        ("--diff", vec![root, "--diff"]),
        ("graph", vec!["graph", root, "--format", "json"]),
        (
            "build",
            vec!["build", "tenants/team-a/production", "--root", root],
        ),
        ("init --stdout", vec!["init", root, "--stdout"]),
        ("rules", vec!["rules", root]),
        (
            "explain",
            vec!["explain", "tenant-service-account", "--path", root],
        ),
    ];
    for (what, args) in runs {
        let trace = Trace::of(&tree, &args);
        assert_read_only(&trace, &tree, &tree, what);
    }
    // The reports went where they were asked to, outside the tree.
    assert!(out.path().join("sarif").is_file());
    say("read-only: 9 commands traced, no socket, no exec, no write inside the tree");
}

#[test]
fn a_git_checkout_is_read_not_written_in_pull_request_mode() {
    if !strace_works() {
        return;
    }
    let (_dir, tree, _out) = fleet();
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "."],
        &["commit", "-q", "-m", "fleet"],
    ] {
        assert!(
            common::git_in(&tree)
                .args(args)
                .status()
                .expect("git")
                .success()
        );
    }
    let root = tree.to_str().expect("UTF-8");
    let trace = Trace::of(
        &tree,
        &[root, "--changed-since", "HEAD", "--format", "json"],
    );
    assert_read_only(&trace, &tree, &tree, "--changed-since");
}

#[test]
fn the_commands_that_write_are_seen_writing_only_their_file() {
    if !strace_works() {
        return;
    }
    let (_dir, tree, _out) = fleet();
    let root = tree.to_str().expect("UTF-8");
    let trace = Trace::of(&tree, &["init", root]);
    assert_eq!(
        trace.changed_inside(&tree, &tree),
        [tree.join(".fleet-lint.yaml")]
    );
    let trace = Trace::of(&tree, &[root, "--write-baseline", "baseline.json"]);
    assert_eq!(
        trace.changed_inside(&tree, &tree),
        [tree.join("baseline.json")]
    );
}

#[test]
fn a_real_fleet_is_linted_read_only_and_offline() {
    if !strace_works() {
        return;
    }
    let Some(corpus) = common::shared("corpora/toboshii__home-ops") else {
        return;
    };
    let tree = std::fs::canonicalize(&corpus).expect("canonical");
    let root = tree.to_str().expect("UTF-8");
    let out = tempfile::tempdir().expect("tempdir");
    let sarif = format!("sarif={}", out.path().join("report.sarif").display());
    let trace = Trace::of(out.path(), &[root, "--format", &sarif]);
    assert_read_only(&trace, &tree, out.path(), "a corpus");
}
