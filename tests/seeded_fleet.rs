//! The four core rules on a generated fleet of 120 tenants with seeded
//! violations (`xtask::generate`): every seeded violation is reported
//! and nothing else (precision and recall 100 %).

mod common;

use std::collections::BTreeSet;

use common::say;
use fleet_lint_engine::{LintOptions, lint};
use xtask::generate::{FleetSpec, write_fleet};

const CORE_RULES: [&str; 4] = [
    "tenant-service-account",
    "tenant-cluster-rbac",
    "tenant-alert-coverage",
    "plaintext-secret",
];

#[test]
fn core_rules_find_every_seeded_violation_and_nothing_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let expected: BTreeSet<(String, String, u32)> =
        write_fleet(dir.path(), &FleetSpec::seeded(120))
            .expect("fleet written")
            .into_iter()
            .map(|(rule, path, line)| (rule.to_string(), path, line))
            .collect();
    let run = lint(&LintOptions::new(dir.path())).expect("lint runs");
    let found: BTreeSet<(String, String, u32)> = run
        .findings
        .iter()
        .filter(|f| CORE_RULES.contains(&f.rule.as_str()))
        .map(|f| {
            (
                f.rule.to_string(),
                run.loaded.store.get(f.span.file).path.to_string(),
                f.span.start.line,
            )
        })
        .collect();
    let true_positives = found.intersection(&expected).count();
    let missed: Vec<_> = expected.difference(&found).collect();
    let unexpected: Vec<_> = found.difference(&expected).collect();
    say(&format!(
        "seeded fleet: {} seeded, {} reported, {true_positives} true positives (precision {:.1} %, recall {:.1} %)",
        expected.len(),
        found.len(),
        100.0 * true_positives as f64 / found.len().max(1) as f64,
        100.0 * true_positives as f64 / expected.len().max(1) as f64
    ));
    assert!(
        expected.len() >= 4 * 12,
        "every core rule is seeded: {}",
        expected.len()
    );
    for rule in CORE_RULES {
        assert!(
            expected.iter().any(|(r, _, _)| r == rule),
            "{rule} is seeded"
        );
    }
    assert!(
        missed.is_empty() && unexpected.is_empty(),
        "missed {missed:#?}\nunexpected {unexpected:#?}"
    );
}

#[test]
fn the_unseeded_fleet_has_no_finding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let expected = write_fleet(dir.path(), &FleetSpec::new(30)).expect("fleet written");
    assert!(expected.is_empty());
    let run = lint(&LintOptions::new(dir.path())).expect("lint runs");
    let messages: Vec<String> = run
        .findings
        .iter()
        .map(|f| format!("{}: {}", f.rule, f.message()))
        .collect();
    assert!(messages.is_empty(), "{messages:#?}");
}
