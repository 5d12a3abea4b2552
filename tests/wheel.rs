//! The PyPI wheel (`pyproject.toml`, maturin's `bin` bindings): built here,
//! installed in a fresh virtual environment with no index, run on the example
//! fleet from the environment's own `bin/`, then uninstalled.
//!
//! `.ci/run` installs maturin and names it in `FLEET_LINT_MATURIN`; without
//! it, or `maturin` on PATH, the test skips and says so.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{build_wheel, fixture, maturin, say};

fn run(command: &mut Command) -> Output {
    command.output().expect("the command runs")
}

#[test]
fn the_wheel_puts_fleet_lint_on_the_path_without_rust() {
    let Some(maturin) = maturin() else {
        say("skipped: maturin is not installed (.ci/run installs it; or set FLEET_LINT_MATURIN)");
        return;
    };
    let wheel = build_wheel(&maturin);
    let name = wheel
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    assert!(
        name.starts_with(&format!(
            "fleet_lint-{}-py3-none-",
            env!("CARGO_PKG_VERSION")
        )),
        "{name}: a wheel for any Python 3, of this version"
    );

    let env = tempfile::tempdir().expect("tempdir");
    assert!(
        run(Command::new("python3").args(["-m", "venv"]).arg(env.path()))
            .status
            .success()
    );
    let bin = env.path().join("bin");
    let pip = |args: &[&str]| {
        run(Command::new(bin.join("pip"))
            .args(["--disable-pip-version-check", "--no-input"])
            .args(args)
            .env("PIP_NO_INDEX", "1"))
    };
    let installed = pip(&["install", "--quiet", &wheel.to_string_lossy()]);
    assert!(installed.status.success(), "{installed:?}");
    let binary = bin.join("fleet-lint");
    assert!(binary.is_file(), "the wheel installs bin/fleet-lint");

    let version = run(Command::new(&binary).arg("--version"));
    assert_eq!(
        String::from_utf8_lossy(&version.stdout),
        format!("fleet-lint {}\n", env!("CARGO_PKG_VERSION"))
    );
    let lint = run(Command::new(&binary)
        .arg(fixture("example-fleet"))
        .args(["--format", "concise", "--color", "never"]));
    assert_eq!(lint.status.code(), Some(1), "{lint:?}");
    let report = String::from_utf8_lossy(&lint.stdout);
    assert!(
        report.contains(
            "tenants/team-b/base/redis.yaml:7:1: error[tenant-service-account] HelmRelease team-b/redis of tenant team-b sets no spec.serviceAccountName"
        ),
        "{report}"
    );

    let removed = pip(&["uninstall", "--yes", "--quiet", "fleet-lint"]);
    assert!(removed.status.success(), "{removed:?}");
    assert!(!Path::new(&binary).exists(), "uninstalled");
    say(&format!(
        "wheel: {name} installed, linted the example fleet, uninstalled"
    ));
}
