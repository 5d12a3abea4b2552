//! The policy engines on any input: the first NUL-separated part is a rule
//! file's document (a Kyverno ClusterPolicy or a fleet-lint rule: its match,
//! pattern, anyPattern and deny parts), the rest are objects it judges as
//! written, with each violation's message rendered. Reading the policy and
//! judging ends with findings or none, never a panic, a hang or unbounded
//! memory.
#![no_main]

use fleet_lint_engine::fuzzing::policies_on;
use fleet_lint_source::source::{FileId, SourceFile};
use fleet_lint_source::yaml::{Document, LoadLimits, load_yaml};
use libfuzzer_sys::fuzz_target;

fn documents(text: &str) -> Vec<Document> {
    load_yaml(FileId(0), &SourceFile::new("fuzz.yaml", text), LoadLimits::default()).documents
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\0');
    let policies = documents(parts.next().unwrap_or(""));
    let objects: Vec<Document> = parts.flat_map(documents).collect();
    let objects: Vec<_> = objects.iter().map(|d| &*d.root).collect();
    for policy in &policies {
        let _ = policies_on(&policy.root, &objects);
    }
});
