//! `cluster-lockdown` on the fixtures of each way a repository says how Flux
//! runs (placeholder components with patches, built controllers, the Flux
//! Operator, nothing), and what a locked-down cluster changes for the other
//! tenant rules.

mod common;

use common::{fixture, lint_json, rows, scratch_copy};

use common::rule_rows as of_rule;

/// A scratch copy of `fixtures/<name>` whose cluster `dev` is locked down as
/// the cluster-lockdown pass fixture is.
fn locked_down_copy(name: &str) -> tempfile::TempDir {
    let dir = scratch_copy(name);
    let patched = "clusters/dev/flux-system/kustomization.yaml";
    let lockdown = std::fs::read_to_string(fixture("rules/cluster-lockdown/pass").join(patched))
        .expect("readable");
    common::write_file(dir.path(), patched, &lockdown);
    common::write_file(
        dir.path(),
        "clusters/dev/flux-system/gotk-components.yaml",
        "# placeholder\n",
    );
    dir
}

fn lockdown_findings(name: &str) -> Vec<(String, u64, String, String)> {
    let (_, report) = lint_json(&fixture(name), &[]);
    of_rule(&report, "cluster-lockdown")
}

#[test]
fn a_cluster_patched_with_every_flag_is_clean() {
    let (_, report) = lint_json(&fixture("rules/cluster-lockdown/pass"), &[]);
    assert_eq!(
        rows(&report),
        [],
        "locked down, tenants alerted in their own namespaces"
    );
}

#[test]
fn one_finding_names_every_missing_flag_and_its_controllers() {
    assert_eq!(
        lockdown_findings("rules/cluster-lockdown/fail"),
        [(
            "clusters/dev/flux-system/kustomization.yaml".to_string(),
            8,
            "error".to_string(),
            "cluster dev has tenants, but its Flux runs without the multi-tenancy lockdown: missing --default-service-account on kustomize-controller, helm-controller; --no-remote-bases=true on kustomize-controller".to_string()
        )]
    );
}

#[test]
fn the_flags_of_built_controllers_are_read_from_their_args() {
    assert_eq!(
        lockdown_findings("lockdown/components"),
        [(
            "clusters/dev/flux-system/kustomization.yaml".to_string(),
            2,
            "error".to_string(),
            "cluster dev has tenants, but its Flux runs without the multi-tenancy lockdown: missing --no-cross-namespace-refs=true on notification-controller".to_string()
        )]
    );
}

#[test]
fn a_flux_instance_locks_down_with_multitenant() {
    assert_eq!(lockdown_findings("lockdown/operator-multitenant"), []);
    assert_eq!(
        lockdown_findings("lockdown/operator-single-tenant"),
        [(
            "clusters/dev/flux-system/flux-instance.yaml".to_string(),
            11,
            "error".to_string(),
            "cluster dev has tenants, but its FluxInstance does not set spec.cluster.multitenant: true: the controllers reconcile tenant objects without serviceAccountName as cluster admin and follow references into any namespace".to_string()
        )]
    );
}

#[test]
fn flux_installed_by_other_means_is_unknown_and_not_locked_down() {
    let run = fleet_lint_engine::lint(&fleet_lint_engine::LintOptions::new(fixture(
        "rules/tenant-service-account/pass",
    )))
    .expect("lints");
    let cluster = &run.fleet.clusters[0];
    assert!(matches!(
        cluster.lockdown,
        fleet_lint_engine::fleet::Lockdown::Unknown
    ));
    assert!(
        !cluster
            .lockdown
            .blocks_cross_namespace_refs("notification-controller")
    );
    let lockdown: Vec<(String, u32, String, String)> = run
        .findings
        .iter()
        .filter(|f| f.rule.as_str() == "cluster-lockdown")
        .map(|f| {
            let place = fleet_lint_engine::diag::Place::of(f.span, &run.loaded.store);
            (
                place.path.to_string(),
                place.line,
                f.severity.as_str().to_string(),
                f.message().into_owned(),
            )
        })
        .collect();
    assert_eq!(
        lockdown,
        [(
            "clusters/dev/flux-system/gotk-sync.yaml".to_string(),
            13,
            "info".to_string(),
            "cluster dev has tenants, but the repository neither installs nor patches its Flux controllers (no controller Deployments, no patches on them, no FluxInstance): its multi-tenancy lockdown is not evaluated, and the other rules take it as not locked down".to_string()
        )],
        "one info, at the cluster's root Kustomization"
    );
}

#[test]
fn locked_down_an_alert_of_another_namespace_covers_nothing() {
    // The pass fixture with the base's Alerts, in flux-system, back.
    let dir = locked_down_copy("rules/cluster-lockdown/fail");
    let (_, report) = lint_json(dir.path(), &[]);
    let coverage = of_rule(&report, "tenant-alert-coverage");
    assert_eq!(coverage.len(), 4, "{coverage:#?}");
    assert_eq!(
        coverage[0],
        (
            "tenants/dev/team-a.yaml".to_string(),
            2,
            "error".to_string(),
            "Kustomization team-a/team-a of tenant team-a is watched only by Alert flux-system/tenant-syncs, which is in namespace flux-system: Flux will refuse this on cluster dev (notification-controller runs with --no-cross-namespace-refs: an Alert receives the events of its own namespace only)".to_string()
        )
    );
}

#[test]
fn locked_down_a_cross_namespace_reference_is_refused_there() {
    let dir = locked_down_copy("rules/tenant-cross-namespace-ref/fail");
    let (_, report) = lint_json(dir.path(), &[]);
    let related: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "tenant-cross-namespace-ref")
        .flat_map(|f| f["related"].as_array().cloned().unwrap_or_default())
        .filter_map(|r| r["message"].as_str().map(str::to_string))
        .filter(|m| m.contains("is refused"))
        .collect();
    assert!(
        related.iter().any(|m| m.ends_with(
            "there it is refused: kustomize-controller runs with --no-cross-namespace-refs"
        )),
        "{related:#?}"
    );
}

#[test]
fn locked_down_a_missing_service_account_is_the_default_one_a_warning() {
    let (_, open) = lint_json(&fixture("rules/tenant-service-account/fail"), &[]);
    let missing = |report: &serde_json::Value| -> Vec<(u64, String, String)> {
        of_rule(report, "tenant-service-account")
            .into_iter()
            .filter(|(_, _, _, message)| message.contains("sets no spec.serviceAccountName"))
            .map(|(_, line, severity, message)| (line, severity, message))
            .collect()
    };
    assert_eq!(
        missing(&open)
            .iter()
            .map(|m| m.1.as_str())
            .collect::<Vec<_>>(),
        ["error", "error"],
        "without the lockdown, Flux reconciles them as cluster-admin"
    );

    let dir = locked_down_copy("rules/tenant-service-account/fail");
    let (_, report) = lint_json(dir.path(), &[]);
    let say = |name: &str| {
        format!(
            "HelmRelease team-a/{name} of tenant team-a sets no spec.serviceAccountName: on cluster dev, helm-controller runs it as the default ServiceAccount `default` of its namespace (--default-service-account)"
        )
    };
    assert_eq!(
        missing(&report),
        [
            (6, "warning".to_string(), say("api")),
            (35, "warning".to_string(), say("web")),
        ]
    );
    // The ServiceAccount that is named but defined nowhere is unchanged.
    assert!(
        of_rule(&report, "tenant-service-account")
            .iter()
            .any(|(_, line, severity, _)| *line == 22 && severity == "warning")
    );
}
