//! The four core rules on generated fleets of 120 tenants with seeded
//! violations (`xtask::generate`), in both layouts: every seeded violation
//! is reported and nothing else (precision and recall 100 %), and each
//! finding names the tenant it was seeded into.

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
fn core_rules_find_every_seeded_violation_and_nothing_else_tenant_first() {
    check_seeded(&FleetSpec::seeded(120), "tenant-first");
}

#[test]
fn core_rules_find_every_seeded_violation_and_nothing_else_environment_first() {
    check_seeded(
        &FleetSpec::environment_first(120).with_seeds(),
        "environment-first",
    );
}

fn check_seeded(spec: &FleetSpec, layout: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let expected: BTreeSet<(String, String, u32)> = write_fleet(dir.path(), spec)
        .expect("fleet written")
        .into_iter()
        .map(|(rule, path, line)| (rule.to_string(), path, line))
        .collect();
    let run = lint(&LintOptions::new(dir.path())).expect("lint runs");
    let core: Vec<_> = run
        .findings
        .iter()
        .filter(|f| CORE_RULES.contains(&f.rule.as_str()))
        .collect();
    let found: BTreeSet<(String, String, u32)> = core
        .iter()
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
        "seeded {layout} fleet: {} seeded, {} reported, {true_positives} true positives (precision {:.1} %, recall {:.1} %)",
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
    // Tenant names: every seeded path names its team; so must the finding.
    assert_eq!(run.fleet.tenant_names().len(), 120, "one tenant per team");
    for finding in core
        .iter()
        .filter(|f| f.rule.as_str() != "plaintext-secret")
    {
        let path = run.loaded.store.get(finding.span.file).path.to_string();
        let team = path
            .split(['/', '.'])
            .find(|part| part.starts_with("team-"))
            .unwrap_or("");
        assert!(
            finding.message().contains(&format!("tenant {team}")),
            "{path}: {}",
            finding.message()
        );
    }
}

/// The unseeded fleets have one finding per cluster: the generator writes
/// no Flux components, so `cluster-lockdown` says the lockdown is not
/// evaluated (an info).
#[test]
fn the_unseeded_fleets_have_no_finding_but_the_lockdown_info() {
    for spec in [FleetSpec::new(30), FleetSpec::environment_first(30)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let expected = write_fleet(dir.path(), &spec).expect("fleet written");
        assert!(expected.is_empty());
        let run = lint(&LintOptions::new(dir.path())).expect("lint runs");
        let messages: Vec<String> = run
            .findings
            .iter()
            .filter(|f| {
                f.rule.as_str() != "cluster-lockdown"
                    || f.severity != fleet_lint_engine::diag::Severity::Info
            })
            .map(|f| format!("{}: {}", f.rule, f.message()))
            .collect();
        assert!(messages.is_empty(), "{:?}: {messages:#?}", spec.layout);
        assert_eq!(
            run.findings.len(),
            run.fleet.clusters.len(),
            "{:?}: one lockdown info per cluster",
            spec.layout
        );
        assert_eq!(run.fleet.tenant_names().len(), 30, "{:?}", spec.layout);
    }
}
