//! `cargo xtask`: fleet-lint's development tasks.
//!
//! - `cargo xtask gen-fleet DIR TENANTS [--environment-first] [--seeded]`:
//!   writes a generated fleet (the benchmarks' input; see BENCHMARKS.md),
//!   tenant-first unless asked, with the core rules' violations seeded if asked;
//! - `cargo xtask fixture NAME DIR`: writes `fixtures/NAME` (`.` for all of
//!   them) into DIR with the bases it names laid in (see
//!   [`xtask::fixtures`]), the fleet a test lints;
//! - `cargo xtask new-rule ID --severity error|warning|info [--summary TEXT]
//!   [--tenant] [--security]`: scaffolds a rule (see [`xtask::new_rule`]).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use xtask::generate::{FleetSpec, write_fleet};
use xtask::new_rule::{NewRule, scaffold};

const USAGE: &str = "usage:
  cargo xtask gen-fleet DIR TENANTS [--environment-first] [--seeded]
  cargo xtask fixture NAME DIR
  cargo xtask new-rule ID --severity error|warning|info [--summary TEXT] [--tenant] [--security]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("gen-fleet") => gen_fleet(&args[1..]),
        Some("fixture") => fixture(&args[1..]),
        Some("new-rule") => new_rule(&args[1..]),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::from(2)
        }
    }
}

fn gen_fleet(args: &[String]) -> Result<(), String> {
    let (flags, positional): (Vec<&String>, Vec<&String>) =
        args.iter().partition(|a| a.starts_with("--"));
    let [dir, tenants] = positional.as_slice() else {
        return Err(USAGE.to_string());
    };
    let tenants = tenants
        .parse()
        .map_err(|_| format!("TENANTS must be a number, not `{tenants}`"))?;
    let mut spec = FleetSpec::new(tenants);
    for flag in flags {
        spec = match flag.as_str() {
            "--environment-first" => FleetSpec {
                seeded: spec.seeded,
                ..FleetSpec::environment_first(tenants)
            },
            "--seeded" => spec.with_seeds(),
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        };
    }
    write_fleet(&PathBuf::from(dir), &spec)
        .map(|_| ())
        .map_err(|e| format!("cannot write {dir}: {e}"))
}

fn fixture(args: &[String]) -> Result<(), String> {
    let [name, dir] = args else {
        return Err(USAGE.to_string());
    };
    let fixtures = workspace_root().join("fixtures");
    let name = if name == "." { "" } else { name.as_str() };
    xtask::fixtures::materialize(&fixtures, name, Path::new(dir))
        .map_err(|e| format!("cannot write {dir}: {e}"))
}

fn new_rule(args: &[String]) -> Result<(), String> {
    let mut rule = NewRule::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--severity" => rule.severity = args.next().ok_or(USAGE)?.clone(),
            "--summary" => rule.summary = args.next().ok_or(USAGE)?.clone(),
            "--tenant" => rule.tenant = true,
            "--security" => rule.security = true,
            id if !id.starts_with('-') && rule.id.is_empty() => rule.id = id.to_string(),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let written = scaffold(&workspace_root(), &rule)?;
    println!("scaffolded rule {}:", rule.id);
    for path in written {
        println!("  {path}");
    }
    println!(
        "next: write the check, make fixtures/rules/{id}/fail raise it (and pass stay clean), fill in rules/{id}.md, then\n  INSTA_UPDATE=always cargo test --test rule_snapshots   # then review the new snapshot",
        id = rule.id
    );
    Ok(())
}

/// The workspace this xtask belongs to (the folder above its own).
fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}
