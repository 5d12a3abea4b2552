//! fleet-lint over the real fleets in `../shared/corpora` (skipped when absent).
//!
//! Each corpus's findings, counted per rule and severity, must equal the
//! reviewed expectation below: a finding added or lost fails the test.
//! Reviewed by hand (see the issue notes): every `kustomize-missing-ref` names
//! a file that the corpus export left out (scripts) or that is absent upstream
//! too, as the corpora's INDEX.md lists; `kustomize-remote-ref` and
//! `kustomize-not-evaluated` are remote bases and `helmCharts`, which
//! fleet-lint does not fetch or render; `external-source` names sources in
//! other repositories (tenant repositories, upstream CRD repositories) and one
//! known gap: flux2-kustomize-helm-example and xunholy (67 of them) use
//! ArtifactGenerator ExternalArtifacts, which the model does not follow, hence
//! their `unreachable` files. d2-fleet syncs itself as an OCI artifact: the
//! source its FluxInstance makes is this repository, so its `tenants` sync is
//! followed, and its ResourceSets expanded: they onboard six tenants
//! (frontend, backend, cert-manager and monitoring; apps and infra on the
//! `update` cluster), whose OCIRepositories are other repositories
//! (`external-source`, 6). `tenant-alert-coverage`: d1-fleet, d2-fleet and
//! flux2-multi-tenancy define no Alert at all (nor do the repositories their
//! tenants sync from), so their tenant Kustomizations page nobody: true by
//! the rule contract (d2-fleet's eight: per tenant, `apps` and the two infra
//! syncs, each reported once per tenant at its ResourceSet template, with
//! every cluster it lands on; and the `update` cluster's two).
//! `plaintext-secret`, each judged by hand: on xunholy a rendered Cilium
//! manifest (`talos/integrations/cilium/cilium.yaml`) commits the CA's and two
//! TLS private keys (`ca.key`, `tls.key`) base64-encoded (errors; the
//! certificates beside them are public material, not reported), and an
//! archived HelmRelease (`.archive/kubernetes/vmangos/app/helmrelease.yaml`,
//! in a hidden folder no cluster applies) sets `MARIADB_PASSWORD: mangos`, a
//! default password deployed as written (warning); on d2-infra the
//! kube-prometheus-stack HelmRelease sets Grafana's `adminPassword: flux`
//! (warning). The 26 SOPS-encrypted documents of xunholy and 32 of toboshii
//! are not reported.
//! `deprecated-api`: every hit is a Flux API version removed by Flux 2.7-2.9
//! (HelmRelease v2beta1, Kustomization v1beta2, sources v1beta1/v1beta2, ...) in
//! the older repositories. `dangling-reference` (warning): toboshii's
//! node-problem-detector HelmRelease names a HelmRepository
//! (`deliveryhero-charts`) that the repository no longer defines, and its
//! vector-aggregator `dependsOn` loki, whose release is commented out of its
//! kustomization: both real. d1-fleet's tenant syncs substitute from a
//! `flux-runtime-info` ConfigMap in the tenant namespaces, which the fleet
//! defines only in `flux-system` (something outside the repository copies it):
//! the out-of-band case the rule is a warning for. No corpus has a
//! `tenant-cross-namespace-ref` or `tenant-target-namespace` finding: their
//! tenants' content comes from other repositories (flux2-multi-tenancy,
//! d1-fleet) or they have no tenants. `no-entry-point` (warning), each
//! explained: d2-apps and d2-infra are repositories that d2-fleet syncs, with
//! no cluster of their own; k8s-at-home's only sync is in `tmpl/`, rendered by
//! a script into a cluster folder the template does not commit. xunholy's
//! FluxInstance is the flux-instance chart's values file, which a ResourceSet's
//! HelmRelease reads; it syncs `./clusters/cluster-00` of an OCI artifact built
//! from `kubernetes/` (a fleet below the root): one cluster, `cluster-00`. Apart from those, d1-fleet's ConfigMap and
//! d2-infra's Grafana password, the Flux team's and ControlPlane's reference
//! fleets have no warning or error.

mod common;

use std::collections::BTreeMap;

use common::{lint_json, shared};

/// (corpus, [(rule:severity, count)]).
const EXPECTED: &[(&str, &[(&str, u64)])] = &[
    (
        "controlplaneio-fluxcd__d1-fleet",
        &[
            ("external-source:info", 4),
            ("tenant-alert-coverage:error", 3),
            ("dangling-reference:warning", 2),
        ],
    ),
    (
        "controlplaneio-fluxcd__d2-apps",
        &[("no-entry-point:warning", 1)],
    ),
    (
        "controlplaneio-fluxcd__d2-fleet",
        &[
            ("external-source:info", 6),
            ("tenant-alert-coverage:error", 8),
        ],
    ),
    (
        "controlplaneio-fluxcd__d2-infra",
        &[
            ("no-entry-point:warning", 1),
            ("plaintext-secret:warning", 1),
        ],
    ),
    (
        "fluxcd__flux2-kustomize-helm-example",
        &[("external-source:info", 2), ("unreachable:info", 1)],
    ),
    (
        "fluxcd__flux2-multi-tenancy",
        &[
            ("external-source:info", 2),
            ("tenant-alert-coverage:error", 1),
            ("deprecated-api:error", 1),
        ],
    ),
    (
        "k8s-at-home__flux-cluster-template",
        &[
            ("kustomize-missing-ref:error", 8),
            ("kustomize-remote-ref:info", 4),
            ("deprecated-api:error", 33),
            ("no-entry-point:warning", 1),
        ],
    ),
    (
        "toboshii__home-ops",
        &[
            ("external-source:info", 5),
            ("kustomize-missing-ref:error", 5),
            ("kustomize-not-evaluated:info", 1),
            ("kustomize-remote-ref:info", 22),
            ("unreachable:info", 1),
            ("deprecated-api:error", 110),
            ("dangling-reference:warning", 2),
        ],
    ),
    ("vterdunov__frs-k8s-fleet", &[("deprecated-api:error", 9)]),
    (
        "xunholy__k8s-gitops",
        &[
            ("empty-file:info", 1),
            ("external-source:info", 67),
            ("kustomize-missing-ref:error", 9),
            ("kustomize-not-evaluated:info", 4),
            ("plaintext-secret:error", 3),
            ("plaintext-secret:warning", 1),
            ("unreachable:info", 1),
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
        // A corpus may have a config of ours (the corpora are read-only).
        let config = common::project_root()
            .join("tests/corpora-config")
            .join(format!("{corpus}.yaml"));
        let config_arg = config.to_string_lossy().into_owned();
        let args: Vec<&str> = if config.exists() {
            vec!["--config", &config_arg]
        } else {
            Vec::new()
        };
        let (_, report) = lint_json(&dir, &args);
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

/// The tenants each reference fleet has, named as its authors name them.
const TENANTS: &[(&str, &[&str])] = &[
    ("fluxcd__flux2-multi-tenancy", &["dev-team"]),
    ("controlplaneio-fluxcd__d1-fleet", &["apps", "infra"]),
    (
        "controlplaneio-fluxcd__d2-fleet",
        &[
            "apps",
            "backend",
            "cert-manager",
            "frontend",
            "infra",
            "monitoring",
        ],
    ),
];

#[test]
fn the_reference_fleets_tenants_are_found_by_their_own_names() {
    let Some(corpora) = shared("corpora") else {
        return;
    };
    for (corpus, expected) in TENANTS {
        let dir = corpora.join(corpus);
        if !dir.is_dir() {
            common::say(&format!("skipped: {} is absent", dir.display()));
            continue;
        }
        let run = fleet_lint_engine::lint(&fleet_lint_engine::LintOptions::new(&dir))
            .expect("the corpus lints");
        let names: Vec<&str> = run.fleet.tenant_names().into_iter().collect();
        assert_eq!(names, *expected, "{corpus}");
    }
}
