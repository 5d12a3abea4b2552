//! The crate graph keeps its shape (docs/architecture.md): the pipeline
//! crates depend on no command-line, git, allocator or terminal crate, and
//! each crate only on the layers below it. Read from `cargo metadata`.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

use serde_json::Value;

/// Crates that belong to the command line only: arguments, git, the
/// allocator, and anything that asks the terminal what it is.
const CLI_ONLY: &[&str] = &[
    "clap",
    "clap_builder",
    "clap_complete",
    "clap_mangen",
    "gix",
    "mimalloc",
    "libmimalloc-sys",
    "terminal_size",
    "supports-color",
    "supports-hyperlinks",
    "supports-unicode",
    "crossterm",
    "termcolor",
    "console",
    "indicatif",
    "atty",
];

/// Every crate `package` depends on to build (not its dev-dependencies), by name.
fn build_closure(metadata: &Value, package: &str) -> BTreeSet<String> {
    let nodes = metadata["resolve"]["nodes"].as_array().expect("resolve");
    let by_id: HashMap<&str, &Value> = nodes
        .iter()
        .map(|n| (n["id"].as_str().expect("id"), n))
        .collect();
    let name_of = |id: &str| -> String {
        metadata["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .find(|p| p["id"] == id)
            .and_then(|p| p["name"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let root = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == package)
        .and_then(|p| p["id"].as_str())
        .expect("workspace package");
    let mut seen = BTreeSet::new();
    let mut stack = vec![root.to_string()];
    while let Some(id) = stack.pop() {
        let Some(node) = by_id.get(id.as_str()) else {
            continue;
        };
        for dep in node["deps"].as_array().into_iter().flatten() {
            let builds = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null() || k["kind"] == "build");
            let dep_id = dep["pkg"].as_str().expect("pkg");
            if builds && seen.insert(name_of(dep_id)) {
                stack.push(dep_id.to_string());
            }
        }
    }
    seen
}

#[test]
fn the_pipeline_crates_depend_on_no_command_line_crate_and_only_on_layers_below() {
    // Only this platform's dependencies: the others' sources are not downloaded.
    let rustc = Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc runs");
    let rustc = String::from_utf8_lossy(&rustc.stdout);
    let host = rustc
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc names its host");
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline", "--locked"])
        .args(["--filter-platform", host])
        .current_dir(common::project_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata is JSON");
    for (package, layers_above) in [
        (
            "fleet-lint-source",
            &[
                "fleet-lint-kustomize",
                "fleet-lint-engine",
                "fleet-lint",
                "xtask",
            ][..],
        ),
        (
            "fleet-lint-kustomize",
            &["fleet-lint-engine", "fleet-lint", "xtask"][..],
        ),
        ("fleet-lint-engine", &["fleet-lint", "xtask"][..]),
    ] {
        let closure = build_closure(&metadata, package);
        let leaks: Vec<&String> = closure
            .iter()
            .filter(|name| CLI_ONLY.contains(&name.as_str()) || name.starts_with("gix-"))
            .collect();
        assert!(leaks.is_empty(), "{package} depends on {leaks:?}");
        let upward: Vec<&&str> = layers_above
            .iter()
            .filter(|above| closure.contains(**above))
            .collect();
        assert!(upward.is_empty(), "{package} depends on {upward:?}");
    }
    let engine = build_closure(&metadata, "fleet-lint-engine");
    assert!(engine.contains("fleet-lint-source") && engine.contains("fleet-lint-kustomize"));
    // The resolver knows Kustomize, not the pipeline around it: it builds on
    // the source crate, regex, sha2 (kustomize's name hash) and rayon (it
    // builds directories ahead on the caller's thread pool), nothing else.
    let allowed: BTreeSet<String> = ["fleet-lint-source", "regex", "sha2", "rayon"]
        .iter()
        .flat_map(|c| {
            build_closure(&metadata, c)
                .into_iter()
                .chain([c.to_string()])
        })
        .collect();
    let kustomize = build_closure(&metadata, "fleet-lint-kustomize");
    let extra: Vec<&String> = kustomize.difference(&allowed).collect();
    assert!(
        extra.is_empty(),
        "fleet-lint-kustomize depends on {extra:?}"
    );
    // The walk does see them where they are.
    let cli = build_closure(&metadata, "fleet-lint");
    assert!(
        ["clap", "gix", "mimalloc", "fleet-lint-engine"]
            .iter()
            .all(|c| cli.contains(*c))
    );
}
