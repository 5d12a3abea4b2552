//! Every way a manifest can fail to be YAML gives one finding at the right
//! place, and nothing panics. Fixture: `fixtures/yaml-broken`.

mod common;

use common::{findings_in, fixture, lint_json};
use serde_json::Value;

/// The single finding for `file` in the yaml-broken fixture (beside
/// `no-entry-point`: the fixture's files land on no cluster).
fn only_finding(file: &str) -> Value {
    let (code, report) = lint_json(&fixture("yaml-broken"), &[]);
    assert_eq!(code, 1, "errors in the fixture fail the run");
    let mut found = findings_in(&report, file);
    found.retain(|f| f["rule"] != "no-entry-point");
    assert_eq!(found.len(), 1, "{file}: {found:#?}");
    found[0].clone()
}

fn assert_at(finding: &Value, rule: &str, line: u64, column: u64, message_part: &str) {
    assert_eq!(finding["rule"], rule, "{finding:#?}");
    assert_eq!(finding["line"], line, "{finding:#?}");
    assert_eq!(finding["column"], column, "{finding:#?}");
    let message = finding["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(message_part),
        "message {message:?} lacks {message_part:?}"
    );
}

#[test]
fn syntax_error_points_at_the_broken_scalar() {
    let f = only_finding("syntax-error.yaml");
    assert_at(&f, "yaml-syntax", 4, 9, "quoted scalar");
    assert_eq!(f["severity"], "error");
}

#[test]
fn duplicate_key_points_at_the_second_key_with_the_first_related() {
    let f = only_finding("duplicate-key.yaml");
    assert_at(&f, "yaml-syntax", 6, 3, "duplicate mapping key `name`");
    assert_eq!(f["end_column"], 7);
    assert_eq!(f["related"][0]["line"], 4);
    assert_eq!(f["related"][0]["message"], "first defined here");
}

#[test]
fn tab_indentation_is_reported_on_its_line() {
    let f = only_finding("tab-indentation.yaml");
    assert_at(&f, "yaml-syntax", 4, 1, "tabs");
}

#[test]
fn billion_laughs_stops_at_the_alias_budget() {
    let f = only_finding("billion-laughs.yaml");
    assert_at(
        &f,
        "yaml-syntax",
        6,
        8,
        "aliases expand to more than 100000 nodes",
    );
}

#[test]
fn non_utf8_points_at_the_invalid_byte() {
    let f = only_finding("non-utf8.yaml");
    assert_at(&f, "yaml-syntax", 4, 13, "not valid UTF-8");
}

#[test]
fn binary_file_is_a_finding() {
    let f = only_finding("binary.yaml");
    assert_at(&f, "yaml-syntax", 1, 1, "binary");
}

#[test]
fn empty_file_is_an_info() {
    let f = only_finding("empty.yaml");
    assert_at(&f, "empty-file", 1, 1, "no YAML document");
    assert_eq!(f["severity"], "info");
}

#[test]
fn ten_thousand_levels_of_nesting_are_refused_not_a_crash() {
    let f = only_finding("deep-nesting.yaml");
    assert_at(&f, "yaml-syntax", 1, 262, "nested too deeply");
}

#[test]
fn a_valid_file_has_no_finding() {
    let (_, report) = lint_json(&fixture("yaml-broken"), &[]);
    assert!(findings_in(&report, "valid.yaml").is_empty());
    assert_eq!(report["summary"]["files"], 9);
    assert_eq!(report["summary"]["errors"], 7);
    assert_eq!(report["summary"]["infos"], 1);
}

#[test]
fn deep_block_nesting_on_a_worker_thread_is_refused_not_a_crash() {
    // 3 000 nested block mappings overflow a 2 MB stack in recursive parsers.
    let dir = tempfile::tempdir().expect("tempdir");
    let text: String = (0..3_000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    std::fs::write(dir.path().join("deep.yaml"), text).expect("write");
    let (code, report) = lint_json(dir.path(), &["--max-file-size", "100000000"]);
    assert_eq!(code, 1);
    let found = findings_in(&report, "deep.yaml");
    assert_eq!(found[0]["rule"], "yaml-syntax", "{found:#?}");
}
