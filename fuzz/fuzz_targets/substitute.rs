//! Flux's post-build `${}` substitution on any input: a manifest, then after
//! a NUL byte its variables as `NAME=value` lines. Substituting into the text
//! and into every document's tree ends, within the growth budget, never with
//! a panic, a hang or unbounded memory.
#![no_main]

use std::collections::BTreeMap;

use fleet_lint_engine::fleet::substitute::{expand, substitute};
use fleet_lint_source::source::{FileId, SourceFile};
use fleet_lint_source::yaml::{LoadLimits, load_yaml};
use libfuzzer_sys::fuzz_target;

/// The growth budget of one run, as the model gives it (64 MiB).
const BUDGET: usize = 64 << 20;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (manifest, variables) = text.split_once('\0').unwrap_or((&text, ""));
    let vars: BTreeMap<String, String> = variables
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    let _ = expand(manifest, &vars);
    let loaded = load_yaml(
        FileId(0),
        &SourceFile::new("fuzz.yaml", manifest),
        LoadLimits::default(),
    );
    let mut budget = BUDGET;
    for document in loaded.documents {
        let mut node = (*document.root).clone();
        let _ = substitute(&mut node, &vars, &mut budget);
    }
});
