//! fleet-lint over the real fleets in `../shared/corpora` (skipped when absent).
//!
//! Each corpus's findings, counted per rule and severity, must equal the
//! reviewed expectation below: a finding added or lost fails the test.
//! Reviewed by hand (see the issue notes): every `kustomize-missing-ref` names
//! a file that the corpus export left out (scripts) or that is absent upstream
//! too, as the corpora's INDEX.md lists; the infos are remote bases and
//! `helmCharts`, which fleet-lint does not fetch or render. The Flux team's and
//! ControlPlane's reference fleets have no finding at all.

mod common;

use std::collections::BTreeMap;

use common::{lint_json, shared};

/// (corpus, [(rule:severity, count)]).
const EXPECTED: &[(&str, &[(&str, u64)])] = &[
    ("controlplaneio-fluxcd__d1-fleet", &[]),
    ("controlplaneio-fluxcd__d2-apps", &[]),
    ("controlplaneio-fluxcd__d2-fleet", &[]),
    ("controlplaneio-fluxcd__d2-infra", &[]),
    ("fluxcd__flux2-kustomize-helm-example", &[]),
    ("fluxcd__flux2-multi-tenancy", &[]),
    (
        "k8s-at-home__flux-cluster-template",
        &[
            ("kustomize-missing-ref:error", 8),
            ("kustomize-remote-ref:info", 4),
        ],
    ),
    (
        "toboshii__home-ops",
        &[
            ("kustomize-missing-ref:error", 5),
            ("kustomize-not-evaluated:info", 1),
            ("kustomize-remote-ref:info", 22),
        ],
    ),
    ("vterdunov__frs-k8s-fleet", &[]),
    (
        "xunholy__k8s-gitops",
        &[
            ("empty-file:info", 1),
            ("kustomize-missing-ref:error", 9),
            ("kustomize-not-evaluated:info", 4),
        ],
    ),
];

#[test]
fn every_corpus_gives_exactly_the_reviewed_findings() {
    let Some(corpora) = shared("corpora") else {
        return;
    };
    let mut failures = Vec::new();
    for (corpus, expected) in EXPECTED {
        let dir = corpora.join(corpus);
        if !dir.is_dir() {
            common::say(&format!("skipped: {} is absent", dir.display()));
            continue;
        }
        let (_, report) = lint_json(&dir, &[]);
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for finding in report["findings"].as_array().expect("findings") {
            let key = format!(
                "{}:{}",
                finding["rule"].as_str().unwrap_or(""),
                finding["severity"].as_str().unwrap_or("")
            );
            *counts.entry(key).or_default() += 1;
        }
        let expected: BTreeMap<String, u64> =
            expected.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        common::say(&format!(
            "{corpus}: {} files, {counts:?}",
            report["summary"]["files"]
        ));
        if counts != expected {
            failures.push(format!("{corpus}: expected {expected:?}, found {counts:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
