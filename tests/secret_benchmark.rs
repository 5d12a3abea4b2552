//! The labelled `plaintext-secret` benchmark (`fixtures/secret-benchmark`):
//! true credentials in many placements and decoys of many kinds, each case a
//! file (or a folder, when it needs several files or a hidden name) whose
//! `# expect:` header says what the rule must report there:
//! `# expect: error at line 9 (placement)` or `# expect: nothing (decoy kind)`.
//!
//! fleet-lint is scored strictly: a credential counts as found only with a
//! finding at the expected file, line and severity; any other finding is a
//! false positive. The same cases go through `detect-secrets` when it is
//! installed (`FLEET_LINT_DETECT_SECRETS`, as `.ci/run` sets it), scored per
//! case (anything reported inside a credential case finds it, anything inside
//! a decoy is a false positive), and its figures are printed beside ours.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{fixture, lint_json, say};

/// One expectation: where a finding must be, or that a case holds none.
#[derive(Debug)]
struct Expectation {
    /// `credentials/<case>` or `decoys/<case>`.
    case: String,
    /// The placement or decoy kind, from the header's parenthesis.
    label: String,
    /// (path relative to the benchmark, line, severity) for a credential.
    finding: Option<(String, u64, String)>,
}

fn benchmark() -> PathBuf {
    fixture("secret-benchmark")
}

/// Every file of the benchmark, hidden ones included, relative and `/`-separated.
fn files(dir: &Path, root: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, root, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// The case a path belongs to: `credentials/<case>` of
/// `credentials/<case>/...` or of `credentials/<case>.yaml`.
fn case_of(path: &str) -> String {
    let mut parts = path.splitn(3, '/');
    let group = parts.next().unwrap_or("");
    let name = parts.next().unwrap_or("");
    format!("{group}/{}", name.split('.').next().unwrap_or(name))
}

fn expectations() -> Vec<Expectation> {
    let root = benchmark();
    let mut all = Vec::new();
    files(&root, &root, &mut all);
    all.sort();
    let mut out = Vec::new();
    for path in all {
        let text = std::fs::read_to_string(root.join(&path)).unwrap_or_default();
        let Some(header) = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
        else {
            continue;
        };
        let (verdict, label) = header.split_once(" (").unwrap_or((header, ""));
        let label = label.trim_end_matches(')').to_string();
        let finding = verdict.split_once(" at line ").map(|(severity, line)| {
            (
                path.clone(),
                line.parse().unwrap_or(0),
                severity.to_string(),
            )
        });
        out.push(Expectation {
            case: case_of(&path),
            label,
            finding,
        });
    }
    out
}

/// Precision and recall, in percent.
fn score(true_positives: usize, false_positives: usize, credentials: usize) -> (f64, f64) {
    let found = (true_positives + false_positives).max(1) as f64;
    (
        100.0 * true_positives as f64 / found,
        100.0 * true_positives as f64 / credentials.max(1) as f64,
    )
}

#[test]
fn the_benchmark_is_large_and_varied_enough() {
    let expectations = expectations();
    let credentials: Vec<_> = expectations
        .iter()
        .filter(|e| e.finding.is_some())
        .collect();
    let decoys: Vec<_> = expectations
        .iter()
        .filter(|e| e.finding.is_none())
        .collect();
    let kinds = |list: &[&Expectation]| {
        let mut labels: Vec<&str> = list.iter().map(|e| e.label.as_str()).collect();
        labels.sort();
        labels.dedup();
        labels.len()
    };
    say(&format!(
        "secret benchmark: {} credentials in {} placements, {} decoys of {} kinds",
        credentials.len(),
        kinds(&credentials),
        decoys.len(),
        kinds(&decoys)
    ));
    assert!(credentials.len() >= 80 && kinds(&credentials) >= 20);
    assert!(decoys.len() >= 80 && kinds(&decoys) >= 20);
    for expectation in &expectations {
        assert!(
            expectation.case.starts_with("credentials/") == expectation.finding.is_some(),
            "{expectation:?}: credentials expect a finding, decoys expect nothing"
        );
    }
}

#[test]
fn plaintext_secret_finds_every_credential_and_no_decoy() {
    let expectations = expectations();
    let (_, report) = lint_json(&benchmark(), &[]);
    let findings: Vec<(String, u64, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "plaintext-secret")
        .map(|f| {
            (
                f["path"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["severity"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let expected: Vec<&(String, u64, String)> = expectations
        .iter()
        .filter_map(|e| e.finding.as_ref())
        .collect();
    let missed: Vec<_> = expected.iter().filter(|e| !findings.contains(e)).collect();
    let unexpected: Vec<_> = findings.iter().filter(|f| !expected.contains(f)).collect();
    let true_positives = expected.len() - missed.len();
    let (precision, recall) = score(true_positives, unexpected.len(), expected.len());
    say(&format!(
        "fleet-lint plaintext-secret: precision {precision:.1} %, recall {recall:.1} % \
         ({true_positives} of {} credentials, {} false positives)",
        expected.len(),
        unexpected.len()
    ));
    assert!(
        missed.is_empty() && unexpected.is_empty(),
        "missed: {missed:#?}\nunexpected: {unexpected:#?}"
    );
}

/// The same cases through `detect-secrets scan --all-files`, for comparison
/// (its figures are printed, not asserted).
#[test]
fn detect_secrets_on_the_same_benchmark() {
    let Some(binary) = std::env::var_os("FLEET_LINT_DETECT_SECRETS") else {
        say("skipped: detect-secrets comparison (set FLEET_LINT_DETECT_SECRETS, as .ci/run does)");
        return;
    };
    let output = std::process::Command::new(binary)
        .args(["scan", "--all-files"])
        .current_dir(benchmark())
        .output()
        .expect("detect-secrets runs");
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("detect-secrets prints JSON");
    let mut hits: BTreeMap<String, usize> = BTreeMap::new();
    for (path, results) in report["results"].as_object().expect("results") {
        let path = path.trim_start_matches("./");
        *hits.entry(case_of(path)).or_default() += results.as_array().map_or(0, Vec::len);
    }
    let expectations = expectations();
    let mut cases: BTreeMap<&str, bool> = BTreeMap::new();
    for e in &expectations {
        cases.insert(e.case.as_str(), e.finding.is_some());
    }
    let credentials = cases.values().filter(|c| **c).count();
    let found = cases
        .iter()
        .filter(|(case, credential)| **credential && hits.contains_key(**case))
        .count();
    let false_positives = cases
        .iter()
        .filter(|(case, credential)| !**credential && hits.contains_key(**case))
        .count();
    let (precision, recall) = score(found, false_positives, credentials);
    say(&format!(
        "detect-secrets: precision {precision:.1} %, recall {recall:.1} % \
         ({found} of {credentials} credential cases, {false_positives} decoy cases flagged)"
    ));
}

/// Every credential value of the benchmark (written by the generator that
/// made it), checked against every output format: none may show one.
#[test]
fn no_credential_value_appears_in_any_format() {
    let values =
        std::fs::read_to_string(common::project_root().join("tests/secret-benchmark-values.txt"))
            .expect("the benchmark's values");
    let values: Vec<&str> = values
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    assert!(values.len() > 100, "{} values", values.len());
    for format in ["human", "json", "sarif", "github", "junit", "markdown"] {
        let output = common::fleet_lint()
            .arg(benchmark().join("credentials"))
            .args(["--format", format])
            .output()
            .expect("runs");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            text.contains("plaintext-secret"),
            "--format {format} reports"
        );
        for value in &values {
            assert!(!text.contains(value), "--format {format} shows {value}");
        }
    }
}
