//! `plaintext-secret` on its failing and passing fixtures: every detection
//! path at its line, the documented exceptions silent, and no secret value in
//! any output format.

mod common;

use common::{fixture, fleet_lint, lint_json, without_timing};
use serde_json::Value;

/// The fake credentials of `fixtures/rules/plaintext-secret/fail` (and their
/// base64 form where the fixture stores that).
const SECRETS: [&str; 11] = [
    "s3cr3t-Pa55w0rd!",
    "czNjcjN0LVBhNTV3MHJkIQ==",
    "9c2f4e6a8b0d1f3e5a7c",
    "plain-text-value-42",
    "Tr0ub4dor-and-3",
    "Q7wE9rT2yU4iO6pA",
    "zX8cV6bN4mK2jH0gF5dS3aL1qW9eR7tY",
    "R0UT1NGK3Y0123456789ABCDEF012345",
    "Gr4fana-Adm1n-Pw",
    "ghp_Zq8Yx7Wv6Ut5Sr4Qp3On2Ml1Kj0Ih9Gf8Ed7",
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
];

#[test]
fn every_detection_path_reports_at_the_value() {
    let (code, report) = lint_json(&fixture("rules/plaintext-secret/fail"), &[]);
    assert_eq!(code, 1);
    let got: Vec<(&str, u64, &str)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "plaintext-secret")
        .map(|f| {
            (
                f["path"].as_str().unwrap_or(""),
                f["line"].as_u64().unwrap_or(0),
                f["severity"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("config.yaml", 8, "error"),
            ("kustomization.yaml", 9, "error"),
            ("kustomization.yaml", 10, "error"),
            ("kustomization.yaml", 13, "error"),
            ("provider.yaml", 8, "error"),
            ("provider.yaml", 18, "warning"),
            ("release.yaml", 13, "error"),
            ("release.yaml", 15, "error"),
            ("secret.yaml", 8, "error"),
            ("secret.yaml", 10, "error"),
            ("secret.yaml", 20, "error"),
        ]
    );
    let message = |path: &str, line: u64| -> String {
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["path"] == path && f["line"] == line)
            .and_then(|f| f["message"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        message("secret.yaml", 8),
        "Secret db-credentials holds `password` only base64-encoded; encrypt it with SOPS or use a SealedSecret or ExternalSecret"
    );
    assert_eq!(
        message("provider.yaml", 8),
        "Provider rocketchat has a Rocket.Chat webhook token in spec.address; keep the address in a Secret named by spec.secretRef"
    );
    assert_eq!(
        message("release.yaml", 15),
        "HelmRelease grafana: `GITHUB_TOKEN` holds a GitHub token in clear text"
    );
    insta::assert_snapshot!(without_timing(&String::from_utf8_lossy(
        &fleet_lint()
            .arg(fixture("rules/plaintext-secret/fail"))
            .output()
            .expect("runs")
            .stdout
    )));
}

#[test]
fn no_secret_value_appears_in_any_format() {
    for format in ["human", "json", "sarif", "github"] {
        let output = fleet_lint()
            .arg(fixture("rules/plaintext-secret/fail"))
            .args(["--format", format])
            .output()
            .expect("runs");
        let text = String::from_utf8_lossy(&output.stdout);
        for secret in SECRETS {
            assert!(!text.contains(secret), "--format {format} shows {secret}");
        }
    }
}

#[test]
fn encrypted_referenced_and_placeholder_values_pass() {
    let (code, report) = lint_json(&fixture("rules/plaintext-secret/pass"), &[]);
    assert_eq!(code, 0);
    assert_eq!(report["findings"], Value::Array(Vec::new()));
}

/// A credential committed where no cluster looks (a hidden folder, a file no
/// kustomization lists) is reported all the same, and the message says that
/// no cluster applies the file; one that a cluster applies carries no such note.
#[test]
fn credentials_no_cluster_applies_are_reported_and_say_so() {
    let fleet = common::scratch_copy("example-fleet");
    let secret = |name: &str| {
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: team-a\nstringData:\n  password: Wq9-rT3zL-{name}\n"
        )
    };
    let archived = fleet.path().join(".archive/old-app");
    std::fs::create_dir_all(&archived).expect("mkdir");
    std::fs::write(archived.join("secret.yaml"), secret("archived")).expect("write");
    std::fs::write(
        fleet.path().join("tenants/stray-secret.yaml"),
        secret("stray"),
    )
    .expect("write");
    let (_, report) = lint_json(fleet.path(), &[]);
    let message = |path: &str| -> String {
        common::findings_in(&report, path)
            .iter()
            .find(|f| f["rule"] == "plaintext-secret")
            .and_then(|f| f["message"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let note = " (no cluster applies this file, but it is committed)";
    for path in [".archive/old-app/secret.yaml", "tenants/stray-secret.yaml"] {
        assert!(message(path).ends_with(note), "{path}: {}", message(path));
    }
    let applied: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["rule"] == "plaintext-secret"
                && f["path"] == "infrastructure/notifications/providers.yaml"
        })
        .filter_map(|f| f["message"].as_str().map(str::to_string))
        .collect();
    assert!(
        !applied.is_empty() && applied.iter().all(|m| !m.contains(note)),
        "{applied:?}"
    );
}
