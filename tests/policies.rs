//! Declarative rules: users' rule files (each anchor), Kyverno policies (a
//! pattern rule, a deny rule, an unsupported rule), and the flux2-multi-tenancy
//! corpus's own Kyverno policies run against that corpus.

mod common;

use common::{edit, fixture, fleet_lint, lint_json, rows, shared};

#[test]
fn house_rules_and_kyverno_policies_point_at_the_failing_key() {
    let (code, report) = lint_json(&fixture("policies"), &[]);
    assert_eq!(code, 1);
    let found: Vec<(String, String, u64, String)> = rows(&report);
    let places: Vec<(&str, &str, u64)> = found
        .iter()
        .map(|(rule, path, line, _)| (rule.as_str(), path.as_str(), *line))
        .collect();
    assert_eq!(
        places,
        [
            // ^(eventSources): no element is a HelmRelease.
            (
                "house/alerts-watch-releases",
                "infrastructure/alerting.yaml",
                19
            ),
            ("policy-not-evaluated", "policies/kyverno.yaml", 41),
            // <(namespace) holds (team-*), X(suspend) fails at the key.
            ("house/tenants-never-suspend", "tenants/dev/team-a.yaml", 10),
            // =(maxHistory) present, so it must be <= 10.
            ("house/short-history", "tenants/team-a/app.yaml", 16),
            // `?* & !*x*` against `1.x`.
            ("house/no-latest-charts", "tenants/team-a/app.yaml", 21),
            ("flux-sources/https-charts", "tenants/team-a/app.yaml", 33),
            (
                "flux-sources/short-intervals",
                "tenants/team-b/app.yaml",
                15
            ),
        ]
    );
    let message = |rule: &str| {
        found
            .iter()
            .find(|f| f.0 == rule)
            .map(|f| f.3.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        message("house/no-latest-charts"),
        "HelmRelease team-a/web of tenant team-a must pin its chart version"
    );
    assert_eq!(
        message("house/tenants-never-suspend"),
        "Kustomization team-a/team-a in team-a must not be suspended"
    );
    assert_eq!(
        message("flux-sources/short-intervals"),
        "web reconciles too rarely"
    );
    assert!(message("policy-not-evaluated").starts_with(
        "rule flux-sources/signed-images: `verifyImages` is not evaluated by fleet-lint"
    ));
    let severity = |rule: &str| {
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["rule"] == rule)
            .map(|f| f["severity"].as_str().unwrap_or("").to_string())
            .unwrap_or_default()
    };
    // The config lowers one; Kyverno's `high` is an error; the file's own levels stay.
    assert_eq!(severity("house/no-latest-charts"), "warning");
    assert_eq!(severity("flux-sources/https-charts"), "error");
    assert_eq!(severity("house/alerts-watch-releases"), "info");
}

#[test]
fn the_conditional_anchor_passes_a_substituted_pagerduty_key() {
    let dir = common::scratch_copy("policies");
    let (_, report) = lint_json(dir.path(), &[]);
    assert!(
        rows(&report)
            .iter()
            .all(|f| f.0 != "house/pagerduty-key-substituted")
    );
    edit(
        &dir.path().join("infrastructure/alerting.yaml"),
        "channel: ${pagerduty_routing_key}",
        "channel: team-routing",
    );
    let (_, report) = lint_json(dir.path(), &[]);
    let hit: Vec<(String, u64)> = rows(&report)
        .into_iter()
        .filter(|f| f.0 == "house/pagerduty-key-substituted")
        .map(|f| (f.1, f.2))
        .collect();
    assert_eq!(hit, [("infrastructure/alerting.yaml".to_string(), 8)]);
}

#[test]
fn a_rule_file_that_is_not_a_rule_is_reported_and_user_rules_can_be_configured() {
    let dir = common::scratch_copy("policies");
    std::fs::write(
        dir.path().join("policies/notes.yaml"),
        "owner: platform-team\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join(".fleet-lint.yaml"),
        "rules:\n  paths: [policies]\n  severity:\n    house/no-latest-chart: off\n",
    )
    .expect("write");
    let output = common::fleet_lint().arg(dir.path()).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(
            "unknown rule `house/no-latest-chart` (did you mean `house/no-latest-charts`?)"
        )
    );
    std::fs::write(
        dir.path().join(".fleet-lint.yaml"),
        "rules:\n  paths: [policies]\n  severity:\n    house/no-latest-charts: off\n",
    )
    .expect("write");
    let (_, report) = lint_json(dir.path(), &[]);
    let found = rows(&report);
    assert!(found.iter().all(|f| f.0 != "house/no-latest-charts"));
    assert!(found.iter().any(|f| {
        f.0 == "policy-not-evaluated"
            && f.1 == "policies/notes.yaml"
            && f.3
                .starts_with("this document is neither a fleet-lint rule")
    }));
}

#[test]
fn the_multi_tenancy_corpus_runs_its_own_kyverno_policies() {
    let Some(corpus) = shared("corpora/fluxcd__flux2-multi-tenancy") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_tree(&corpus, dir.path());
    std::fs::write(
        dir.path().join(".fleet-lint.yaml"),
        "rules:\n  paths: [infrastructure/kyverno-policies]\n",
    )
    .expect("config");
    let policy_rows = |report: &serde_json::Value| -> Vec<(String, String, u64)> {
        rows(report)
            .into_iter()
            .filter(|f| f.0.starts_with("verify-") || f.0 == "policy-not-evaluated")
            .map(|f| (f.0, f.1, f.2))
            .collect()
    };
    let (_, report) = lint_json(dir.path(), &[]);
    // verify-git-repositories holds (the tenant repository is on github.com/fluxcd);
    // verify-flux-images checks signatures at admission: reported as not evaluated.
    assert_eq!(
        policy_rows(&report),
        [(
            "policy-not-evaluated".to_string(),
            "infrastructure/kyverno-policies/verify-flux-images.yaml".to_string(),
            18
        )]
    );
    edit(
        &dir.path().join("tenants/base/dev-team/sync.yaml"),
        "url: https://github.com/fluxcd/",
        "url: https://gitlab.com/fluxcd/",
    );
    let (_, report) = lint_json(dir.path(), &[]);
    assert_eq!(
        policy_rows(&report)[1],
        (
            "verify-git-repositories/github-repositories-only".to_string(),
            "tenants/base/dev-team/sync.yaml".to_string(),
            8
        )
    );
    common::say(&format!(
        "flux2-multi-tenancy Kyverno policies: {:?}",
        policy_rows(&report)
    ));
}

#[test]
fn sarif_describes_users_rules_so_code_scanning_can_show_them() {
    let output = fleet_lint()
        .arg(fixture("policies"))
        .args(["--format", "sarif"])
        .output()
        .expect("runs");
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).expect("SARIF is JSON");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let results = run["results"].as_array().expect("results");
    // The fixture's findings and the cluster-lockdown info (its Flux is
    // installed elsewhere).
    assert_eq!(results.len(), 8);
    for result in results {
        let index = result["ruleIndex"]
            .as_u64()
            .expect("every result has a ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
    let house = rules
        .iter()
        .find(|r| r["id"] == "house/short-history")
        .expect("the user's rule is described");
    assert_eq!(house["defaultConfiguration"]["level"], "warning");
    assert_eq!(house["properties"]["tags"][1], "user-rule");
    assert!(house.get("helpUri").is_none());
    assert!(
        house["shortDescription"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("keeps too much history")),
        "{house}"
    );
}

/// Rule files are the files discovery finds under `rules.paths`: what
/// `.gitignore` leaves out is not read as a rule (as it is not in a fresh
/// clone), and a hidden rules folder is read.
#[test]
fn rule_files_come_from_the_one_walk() {
    let dir = common::scratch_copy("policies");
    std::fs::write(dir.path().join(".gitignore"), "policies/local-*.yaml\n").expect("write");
    std::fs::write(
        dir.path().join("policies/local-draft.yaml"),
        "owner: platform-team\n",
    )
    .expect("write");
    std::fs::create_dir(dir.path().join(".rules")).expect("mkdir");
    std::fs::write(
        dir.path().join(".rules/notes.yaml"),
        "owner: platform-team\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join(".fleet-lint.yaml"),
        "rules:\n  paths: [policies, .rules]\n",
    )
    .expect("write");
    let (_, report) = lint_json(dir.path(), &[]);
    let not_rules: Vec<String> = rows(&report)
        .into_iter()
        .filter(|f| f.0 == "policy-not-evaluated" && f.3.starts_with("this document is neither"))
        .map(|f| f.1)
        .collect();
    assert_eq!(not_rules, [".rules/notes.yaml"]);
}
