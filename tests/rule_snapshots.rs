//! Every registered rule has a doc (the registry embeds it, so a missing one
//! does not compile), a failing fixture that raises it, and a snapshot of
//! exactly that rule's findings there, run in process (each fixture linted
//! once, whichever rules it serves): location, severity,
//! message, help and related locations, one line each, no terminal width
//! involved.
//!
//! A rule's failing fixture is `fixtures/rules/<id>/fail` unless [`SHARED`]
//! names a fixture it shares with other rules; the two rules whose input
//! cannot be committed (an unreadable file, a 100-level include chain) are in
//! [`BUILT_BY_TESTS`], with the test that builds it and asserts the finding.

mod common;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use fleet_lint_engine::diag::{Finding, Place};
use fleet_lint_engine::rules::BUILTIN_RULES;
use fleet_lint_engine::source::SourceStore;
use fleet_lint_engine::{LintOptions, LintRun, lint};

/// Rules whose failing fixture is shared, under `fixtures/`.
const SHARED: &[(&str, &str)] = &[
    ("yaml-syntax", "yaml-broken"),
    ("empty-file", "yaml-broken"),
    ("kustomize-missing-ref", "kustomize-broken"),
    ("kustomize-cycle", "kustomize-broken"),
    ("kustomize-escapes-root", "kustomize-broken"),
    ("kustomize-duplicate-id", "kustomize-broken"),
    ("kustomize-invalid", "kustomize-broken"),
    ("kustomize-remote-ref", "kustomize-broken"),
    ("kustomize-not-evaluated", "kustomize-broken"),
    ("schema", "schema/fail"),
    ("policy-not-evaluated", "policies"),
    ("external-source", "layout-5-reference"),
];

/// Rules whose input a test builds at run time, and the test file that does.
const BUILT_BY_TESTS: &[(&str, &str)] = &[
    ("file-unreadable", "tests/hostile.rs"),
    ("limit-exceeded", "tests/hostile.rs"),
];

/// The rule's failing fixture, as a folder under `fixtures/`.
fn failing_fixture(id: &str) -> String {
    let shared = SHARED.iter().find(|(rule, _)| *rule == id);
    shared.map_or_else(|| format!("rules/{id}/fail"), |(_, dir)| dir.to_string())
}

/// One line per finding, and one per help and related location.
fn render(findings: &[&Finding], store: &SourceStore) -> String {
    let mut out = String::new();
    for finding in findings {
        let at = Place::of(finding.span, store);
        let _ = writeln!(
            out,
            "{}:{}:{}: {}: {}",
            at.path,
            at.line,
            at.column,
            finding.severity,
            finding.message()
        );
        if let Some(help) = finding.help() {
            let _ = writeln!(out, "    help: {help}");
        }
        for (span, message) in finding.related() {
            let at = Place::of(span, store);
            let _ = writeln!(
                out,
                "    at {}:{}:{}: {message}",
                at.path, at.line, at.column
            );
        }
    }
    out
}

#[test]
fn every_registered_rule_has_a_failing_fixture_and_a_snapshot_of_its_findings() {
    // Each fixture is linted once, however many rules it is the failing
    // fixture of; each rule keeps its own findings.
    let mut runs: HashMap<String, LintRun> = HashMap::new();
    for rule in BUILTIN_RULES {
        let id = rule.id.as_str();
        if let Some((_, test)) = BUILT_BY_TESTS.iter().find(|(r, _)| *r == id) {
            let text =
                std::fs::read_to_string(common::project_root().join(test)).expect("test file");
            assert!(
                text.contains(&format!("\"{id}\"")),
                "{test} asserts no {id} finding"
            );
            continue;
        }
        let fixture = failing_fixture(id);
        let root: PathBuf = common::fixture(&fixture);
        assert!(
            root.is_dir(),
            "rule {id} has no failing fixture: add fixtures/rules/{id}/fail (`cargo xtask new-rule` makes one)"
        );
        let run = runs
            .entry(fixture.clone())
            .or_insert_with(|| lint(&LintOptions::new(&root)).expect("the fixture lints"));
        let findings: Vec<&Finding> = run.findings.iter().filter(|f| f.rule == rule.id).collect();
        assert!(
            !findings.is_empty(),
            "fixtures/{fixture} raises no {id} finding"
        );
        let mut settings = insta::Settings::clone_current();
        settings.set_description(format!("{id} on fixtures/{fixture}"));
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(id, render(&findings, &run.loaded.store)));
    }
}

#[test]
fn every_rule_listed_here_is_registered() {
    for (id, _) in SHARED.iter().chain(BUILT_BY_TESTS) {
        assert!(
            fleet_lint_engine::rules::rule_info(id).is_some(),
            "{id} is no rule"
        );
    }
}
