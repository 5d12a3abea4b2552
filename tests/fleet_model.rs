//! The fleet model on the five layouts of the rule contract (and the
//! example fleet): which clusters, Flux Kustomizations, tenants and objects it
//! finds; and `fleet-lint graph`.

mod common;

use std::collections::BTreeMap;

use common::{fixture, fleet_lint, say, shared, subdirs};
use fleet_lint_engine::diag::Severity;
use fleet_lint_engine::fleet::{Fleet, Owner};
use fleet_lint_engine::{LintOptions, Model, lint, model};

/// The fleet model of a fixture: the model stage alone, without the rules.
fn run(name: &str) -> Model {
    model(&LintOptions::new(fixture(name))).expect("the model builds")
}

/// For each (cluster, owner), the `Kind namespace/name` of its HelmReleases
/// and Flux Kustomizations, sorted.
fn placements(fleet: &Fleet) -> BTreeMap<(String, String), Vec<String>> {
    let mut out: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for cluster in &fleet.clusters {
        for placed in cluster
            .objects
            .iter()
            .filter(|p| p.is_helm_release() || p.is_flux_kustomization())
        {
            let owner = match &placed.owner {
                Owner::Platform => "platform".to_string(),
                Owner::Tenant { name, privileged } => {
                    format!("{name}{}", if *privileged { " (privileged)" } else { "" })
                }
            };
            let r = &placed.resource;
            out.entry((cluster.name.clone(), owner))
                .or_default()
                .push(format!("{} {}/{}", r.kind(), r.namespace(), r.name()));
        }
    }
    out.values_mut().for_each(|v| v.sort());
    out
}

fn at<'a>(
    map: &'a BTreeMap<(String, String), Vec<String>>,
    cluster: &str,
    owner: &str,
) -> Vec<&'a str> {
    map.get(&(cluster.to_string(), owner.to_string()))
        .map(|v| v.iter().map(String::as_str).collect())
        .unwrap_or_default()
}

/// The paths of the model's unreachable files.
fn unreachable_paths(model: &Model) -> Vec<&str> {
    model
        .fleet
        .unreachable
        .iter()
        .map(|file| &*model.loaded.store.get(*file).path)
        .collect()
}

fn cluster_names(fleet: &Fleet) -> Vec<&str> {
    fleet.clusters.iter().map(|c| c.name.as_str()).collect()
}

/// No finding above info, rules included: the layout is clean.
fn assert_clean(name: &str) {
    let run = lint(&LintOptions::new(fixture(name))).expect("lint runs");
    let noisy: Vec<_> = run
        .findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
        .map(|f| f.message().into_owned())
        .collect();
    assert!(noisy.is_empty(), "{noisy:#?}");
}

#[test]
fn layout_1_example_fleet() {
    let run = run("example-fleet");
    assert_eq!(cluster_names(&run.fleet), ["production", "staging"]);
    let map = placements(&run.fleet);
    for cluster in ["production", "staging"] {
        assert_eq!(
            at(&map, cluster, "team-a"),
            [
                "HelmRelease team-a/podinfo",
                "Kustomization flux-system/team-a"
            ]
        );
        assert_eq!(
            at(&map, cluster, "team-b"),
            [
                "HelmRelease team-b/podinfo",
                "HelmRelease team-b/redis",
                "Kustomization flux-system/team-b"
            ]
        );
        let syncs: Vec<(&str, &str)> = run
            .fleet
            .clusters
            .iter()
            .find(|c| c.name == cluster)
            .expect("cluster")
            .syncs
            .iter()
            .map(|s| (s.id.as_str(), s.path.as_str()))
            .collect();
        assert!(
            syncs.contains(&("flux-system/team-a", &*format!("tenants/team-a/{cluster}"))),
            "{syncs:?}"
        );
    }
    // The ClusterRoleBinding pulled into team-b's build belongs to team-b.
    let production = &run.fleet.clusters[0];
    let crb = production
        .objects
        .iter()
        .find(|p| p.resource.kind() == "ClusterRoleBinding" && p.owner != Owner::Platform)
        .expect("tenant CRB");
    assert_eq!(crb.owner.tenant(), Some("team-b"));
    assert!(run.fleet.unreachable.is_empty());
}

#[test]
fn layout_2_cluster_dirs_with_a_remote_cluster() {
    let run = run("layout-2-cluster-dirs");
    assert_clean("layout-2-cluster-dirs");
    assert_eq!(
        cluster_names(&run.fleet),
        ["mgmt", "flux-system/edge-kubeconfig"]
    );
    let map = placements(&run.fleet);
    assert_eq!(
        at(&map, "mgmt", "prod-alpha"),
        [
            "HelmRelease prod-alpha/alpha-api",
            "Kustomization flux-system/alpha"
        ]
    );
    assert_eq!(
        at(&map, "mgmt", "prod-beta"),
        [
            "HelmRelease prod-beta/beta-api",
            "Kustomization flux-system/beta"
        ]
    );
    // The edge tenant lands on the remote cluster, not on the hub.
    assert_eq!(at(&map, "mgmt", "edge-gamma"), Vec::<&str>::new());
    assert_eq!(
        at(&map, "flux-system/edge-kubeconfig", "edge-gamma"),
        [
            "HelmRelease edge-gamma/gamma-api",
            "Kustomization flux-system/gamma"
        ]
    );
    let edge = run.fleet.clusters[0]
        .syncs
        .iter()
        .find(|s| s.id == "flux-system/edge-tenants")
        .expect("edge sync");
    assert_eq!(
        edge.kube_config.as_deref(),
        Some("Secret flux-system/edge-kubeconfig")
    );
    let tenants = run.fleet.clusters[0]
        .syncs
        .iter()
        .find(|s| s.id == "flux-system/tenants")
        .expect("tenants sync");
    assert_eq!(tenants.depends_on, ["flux-system/infra"]);
}

#[test]
fn layout_3_depends_on_chain() {
    let run = run("layout-3-depends-on");
    assert_clean("layout-3-depends-on");
    let cluster = &run.fleet.clusters[0];
    let depends: BTreeMap<&str, Vec<&str>> = cluster
        .syncs
        .iter()
        .map(|s| {
            (
                s.id.as_str(),
                s.depends_on.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(depends["flux-system/infra-crds"], Vec::<&str>::new());
    assert_eq!(
        depends["flux-system/infra-controllers"],
        ["flux-system/infra-crds"]
    );
    assert_eq!(
        depends["flux-system/infra-configs"],
        ["flux-system/infra-controllers"]
    );
    assert_eq!(depends["flux-system/team-a"], ["flux-system/infra-configs"]);
    let map = placements(&run.fleet);
    assert_eq!(
        at(&map, "production", "team-a"),
        ["HelmRelease team-a/web", "HelmRelease team-a/worker"]
    );
    assert_eq!(at(&map, "production", "platform").len(), 6, "{map:#?}");
    assert!(run.fleet.unreachable.is_empty());
}

#[test]
fn layout_4_service_dirs_named_in_config() {
    let run = run("layout-4-service-dirs");
    assert_clean("layout-4-service-dirs");
    let map = placements(&run.fleet);
    assert_eq!(
        at(&map, "staging", "checkout"),
        ["HelmRelease checkout/checkout"]
    );
    assert_eq!(
        at(&map, "staging", "payments"),
        ["HelmRelease payments/payments"]
    );
    let remote: Vec<_> = run
        .findings
        .iter()
        .filter(|f| f.rule == fleet_lint_engine::rules::RuleId::KustomizeRemoteRef)
        .collect();
    assert_eq!(remote.len(), 1);
    assert!(
        !run.fleet.clusters[0].syncs[0].complete,
        "a remote base makes the build incomplete"
    );
}

#[test]
fn layout_5_reference_architecture() {
    let run = run("layout-5-reference");
    assert_clean("layout-5-reference");
    let map = placements(&run.fleet);
    // The path `./infrastructure/${ENVIRONMENT}` was substituted from the runtime-info ConfigMap.
    let cluster = &run.fleet.clusters[0];
    let infra = cluster
        .syncs
        .iter()
        .find(|s| s.id == "flux-system/infra-controllers")
        .expect("infra sync");
    assert_eq!(infra.path, "infrastructure/production");
    assert_eq!(
        infra.owner,
        Owner::Tenant {
            name: "infra".into(),
            privileged: true
        }
    );
    // Its build was substituted with its own variables: `monitoring-${cluster}`.
    let crb = cluster
        .objects
        .iter()
        .find(|p| p.resource.kind() == "ClusterRoleBinding")
        .expect("CRB");
    assert_eq!(crb.resource.name(), "monitoring-prod");
    assert_eq!(
        crb.owner,
        Owner::Tenant {
            name: "infra".into(),
            privileged: true
        }
    );
    assert_eq!(
        at(&map, "prod", "frontend"),
        ["Kustomization frontend/flux-frontend"]
    );
    let external: Vec<&str> = run
        .fleet
        .external_sources
        .iter()
        .map(|(s, _)| s.as_str())
        .collect();
    assert_eq!(
        external,
        [
            "GitRepository backend/flux-apps",
            "GitRepository frontend/flux-apps"
        ]
    );
}

#[test]
fn graph_as_mermaid_is_stable() {
    let output = fleet_lint()
        .args(["graph", "--format", "mermaid"])
        .arg(fixture("example-fleet"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("flowchart LR\n"));
    for line in text.lines().skip(1) {
        let ok = line.starts_with("  ")
            && (line.contains(" --> ") || (line.contains("[\"") && line.ends_with("\"]")));
        assert!(ok, "not a flowchart node or edge: {line}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn graph_text_and_json_agree() {
    let text = fleet_lint()
        .arg("graph")
        .arg(fixture("example-fleet"))
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("      Kustomization flux-system/team-b -> tenants/team-b/production [tenant team-b]\n        HelmRelease team-b/podinfo (chart from HelmRepository team-b/podinfo) [tenant team-b]"), "{text}");
    let json = fleet_lint()
        .args(["graph", "--format", "json"])
        .arg(fixture("example-fleet"))
        .output()
        .expect("runs");
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(json["clusters"][0]["name"], "production");
    let ks = json["clusters"][0]["kustomizations"]
        .as_array()
        .expect("list");
    assert!(ks.iter().any(|k| k["id"] == "flux-system/team-b"
        && k["owner"] == "tenant team-b"
        && k["parent"] == "flux-system/tenants"));
    let dot = fleet_lint()
        .args(["graph", "--format", "dot"])
        .arg(fixture("example-fleet"))
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&dot.stdout).starts_with("digraph fleet {"));
}

/// The clusters the model finds on each corpus, with no configuration: the
/// model table of the fleet issue (each row explained in `tests/corpora.rs`
/// and the issue notes); the other figures are printed.
const CORPUS_CLUSTERS: &[(&str, &[&str])] = &[
    (
        "controlplaneio-fluxcd__d1-fleet",
        &["prod-eu", "prod-us", "staging"],
    ),
    ("controlplaneio-fluxcd__d2-apps", &[]),
    (
        "controlplaneio-fluxcd__d2-fleet",
        &["prod-eu", "prod-us", "staging", "update"],
    ),
    ("controlplaneio-fluxcd__d2-infra", &[]),
    (
        "fluxcd__flux2-kustomize-helm-example",
        &["production", "staging"],
    ),
    ("fluxcd__flux2-multi-tenancy", &["production", "staging"]),
    ("k8s-at-home__flux-cluster-template", &[]),
    ("toboshii__home-ops", &["flux-cluster"]),
    ("vterdunov__frs-k8s-fleet", &["non-prod", "prod"]),
    ("xunholy__k8s-gitops", &["cluster-00"]),
];

#[test]
fn corpora_model_figures() {
    let Some(corpora) = shared("corpora") else {
        return;
    };
    for (name, dir) in subdirs(&corpora) {
        let model = model(&LintOptions::new(&dir)).expect("the model builds");
        let fleet = &model.fleet;
        let syncs: usize = fleet
            .clusters
            .iter()
            .flat_map(|c| &c.syncs)
            .filter(|s| s.parent.is_some())
            .count();
        let objects: usize = fleet.clusters.iter().map(|c| c.objects.len()).sum();
        say(&format!(
            "{name}: {} clusters ({}), {syncs} Flux Kustomizations followed, {objects} objects reached, {} unreachable files, {} external sources",
            fleet.clusters.len(),
            cluster_names(fleet).join(", "),
            fleet.unreachable.len(),
            fleet.external_sources.len()
        ));
        if let Some((_, expected)) = CORPUS_CLUSTERS.iter().find(|(c, _)| *c == name) {
            assert_eq!(cluster_names(fleet), *expected, "{name}");
        }
    }
}

#[test]
fn missing_flux_paths_and_flux_cycles_are_findings() {
    let (code, report) = common::lint_json(&fixture("fleet-broken"), &[]);
    assert_eq!(code, 1);
    let found: Vec<(String, String, u64)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["path"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(
        found.contains(&(
            "kustomize-missing-ref".into(),
            "clusters/dev/apps.yaml".into(),
            8
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&("kustomize-cycle".into(), "loops/b/loop-a.yaml".into(), 8)),
        "{found:?}"
    );
    let cycle = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "kustomize-cycle")
        .expect("cycle");
    assert_eq!(
        cycle["message"],
        "Flux Kustomizations include each other on cluster dev: flux-system/flux-system -> flux-system/loop-a -> flux-system/loop-b -> flux-system/loop-a"
    );
}

/// A component's kustomization file is read by the build that uses it, so it
/// is reached, like a base's, even when nothing it holds lands in an object
/// (a component with only a patch file). Which files are reached comes from
/// what the clusters' builds read, not from what was built first.
#[test]
fn a_component_that_a_cluster_uses_is_reachable() {
    let fleet = tempfile::tempdir().expect("tempdir");
    let write = |rel: &str, text: &str| common::write_file(fleet.path(), rel, text);
    write(
        "clusters/dev/flux-system/gotk-sync.yaml",
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: flux-system, namespace: flux-system}\nspec: {url: https://github.com/example/fleet, ref: {branch: main}}\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: flux-system, namespace: flux-system}\nspec:\n  path: ./clusters/dev\n  sourceRef: {kind: GitRepository, name: flux-system}\n",
    );
    write(
        "clusters/dev/kustomization.yaml",
        "resources: [flux-system/gotk-sync.yaml, ../../apps/web]\ncomponents: [../../components/two-replicas]\n",
    );
    write(
        "apps/web/kustomization.yaml",
        "resources: [deployment.yaml]\n",
    );
    write(
        "apps/web/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: 1\n",
    );
    write(
        "components/two-replicas/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - path: replicas.yaml\n",
    );
    write(
        "components/two-replicas/replicas.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: 2\n",
    );
    let model = model(&LintOptions::new(fleet.path())).expect("the model builds");
    assert_eq!(unreachable_paths(&model), Vec::<&str>::new());
    assert_eq!(cluster_names(&model.fleet), ["dev"]);
}

/// A cluster as these tests compare it: (name, entry, [(sync id, path it builds)]).
type ClusterShape<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);

/// Every cluster's shape.
fn clusters_and_syncs(fleet: &Fleet) -> Vec<ClusterShape<'_>> {
    fleet
        .clusters
        .iter()
        .map(|c| {
            let syncs = c
                .syncs
                .iter()
                .map(|s| (s.id.as_str(), s.path.as_str()))
                .collect();
            (c.name.as_str(), c.entry.as_str(), syncs)
        })
        .collect()
}

/// (rule, path, line) of every finding of a lint of `fixtures/<name>`.
fn finding_places(name: &str) -> Vec<(String, String, u32)> {
    places_in(&fixture(name))
}

/// (rule, path, line) of every finding of a lint of `root`.
fn places_in(root: &std::path::Path) -> Vec<(String, String, u32)> {
    let run = lint(&LintOptions::new(root)).expect("lint runs");
    run.findings
        .iter()
        .map(|f| {
            let place = fleet_lint_engine::diag::Place::of(f.span, &run.loaded.store);
            (f.rule.to_string(), place.path.to_string(), place.line)
        })
        .collect()
}

/// Shape 1: the root sync is named `default`, not `flux-system`; its own
/// `substituteFrom` fills its children's paths.
#[test]
fn a_bootstrap_root_of_another_name_starts_the_cluster_and_substitutes() {
    let model = run("entry-points/named-root");
    assert_eq!(
        clusters_and_syncs(&model.fleet),
        [(
            "default",
            "clusters/dev/default",
            vec![
                ("flux-system/default", "clusters/dev/default"),
                (
                    "flux-system/prerequisites",
                    "domain/apps/shop/prerequisites"
                ),
            ]
        )]
    );
    assert!(model.fleet.unreachable.is_empty());
    assert_eq!(finding_places("entry-points/named-root"), []);
}

/// Shape 2: `clusters/base` is a base the clusters include, not a cluster.
#[test]
fn a_shared_base_beside_the_clusters_is_content() {
    let model = run("entry-points/shared-base");
    let expected = |name| {
        (
            name,
            vec![
                ("flux-system/flux-system", format!("clusters/{name}")),
                ("flux-system/infrastructure", "infrastructure".to_string()),
            ],
        )
    };
    let found: Vec<(&str, Vec<(&str, String)>)> = model
        .fleet
        .clusters
        .iter()
        .map(|c| {
            let syncs = c
                .syncs
                .iter()
                .map(|s| (s.id.as_str(), s.path.clone()))
                .collect();
            (c.name.as_str(), syncs)
        })
        .collect();
    assert_eq!(found, [expected("prod"), expected("staging")]);
    assert!(model.fleet.unreachable.is_empty());
    assert_eq!(finding_places("entry-points/shared-base"), []);
}

/// Shape 3: `clusters/_TEMPLATE` is copied by scripts, never run.
#[test]
fn a_template_folder_is_not_a_cluster() {
    let model = run("entry-points/template-folder");
    assert_eq!(cluster_names(&model.fleet), ["dev"]);
    assert_eq!(
        finding_places("entry-points/template-folder"),
        [(
            "unreachable".to_string(),
            "clusters/_TEMPLATE/cluster-settings.yaml".to_string(),
            1
        )]
    );
}

/// The clusters of both Flux Operator fixtures: `prod` and `staging`, each
/// from its instance's sync (`flux-system/flux-system`), each following `apps`.
fn operator_fleet_shape() -> Vec<ClusterShape<'static>> {
    let sync = |path: &'static str| {
        vec![
            ("flux-system/flux-system", path),
            ("flux-system/apps", "apps"),
        ]
    };
    vec![
        ("prod", "fleet/prod", sync("fleet/prod")),
        ("staging", "fleet/staging", sync("fleet/staging")),
    ]
}

/// Shape 6: FluxInstances start the clusters; no `clusters/` folder, no
/// `flux-system` Kustomization in any file.
#[test]
fn flux_instances_are_entry_points() {
    let model = run("entry-points/flux-operator");
    assert_eq!(clusters_and_syncs(&model.fleet), operator_fleet_shape());
    assert_eq!(finding_places("entry-points/flux-operator"), []);
}

/// No silent skip: a folder of plain manifests and an empty folder each get
/// one `no-entry-point` warning (at the first object; at the root, `.`, when
/// there is none), and `graph` says no cluster was found.
#[test]
fn no_cluster_found_is_a_warning_not_a_clean_run() {
    let plain = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        plain.path().join("deploy.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
    )
    .expect("write");
    let empty = tempfile::tempdir().expect("tempdir");
    for (dir, at) in [(plain.path(), ("deploy.yaml", 2)), (empty.path(), (".", 1))] {
        let run = lint(&LintOptions::new(dir)).expect("lint runs");
        let found: Vec<(String, &str, u32, Severity)> = run
            .findings
            .iter()
            .map(|f| {
                let place = fleet_lint_engine::diag::Place::of(f.span, &run.loaded.store);
                (f.rule.to_string(), place.path, place.line, f.severity)
            })
            .collect();
        assert_eq!(
            found,
            [("no-entry-point".to_string(), at.0, at.1, Severity::Warning)]
        );
        let graph = fleet_lint()
            .args(["graph"])
            .arg(dir)
            .output()
            .expect("runs");
        assert_eq!(
            String::from_utf8_lossy(&graph.stdout),
            "no cluster found (fleet-lint explain no-entry-point)\n"
        );
    }
}

/// Only Kubernetes objects can be unreachable: a task runner's YAML is not a
/// manifest, and a CRD file a kustomization lists under `crds:` is used by
/// the build (read, not evaluated).
#[test]
fn non_manifest_yaml_and_kustomize_inputs_are_not_unreachable() {
    let fleet = tempfile::tempdir().expect("tempdir");
    let write = |rel: &str, text: &str| common::write_file(fleet.path(), rel, text);
    write(
        "Taskfile.yml",
        "version: \"3\"\ntasks:\n  lint: {cmds: [fleet-lint .]}\n",
    );
    write(
        "clusters/dev/kustomization.yaml",
        "resources: [app.yaml]\ncrds: [../../crds/widget.yaml]\n",
    );
    write(
        "clusters/dev/app.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: shop}\n",
    );
    write(
        "crds/widget.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\n",
    );
    write(
        "archive/old.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: old, namespace: shop}\n",
    );
    let model = model(&LintOptions::new(fleet.path())).expect("the model builds");
    assert_eq!(unreachable_paths(&model), ["archive/old.yaml"]);
}

/// `graph` and `init` take `--config` and `--jobs` as the lint does.
#[test]
fn graph_and_init_read_the_config_they_are_given() {
    let config_dir = tempfile::tempdir().expect("tempdir");
    let config = config_dir.path().join("fleet-lint.yaml");
    std::fs::write(
        &config,
        "clusters:\n  - name: only-prod\n    path: fleet/prod\n",
    )
    .expect("write");
    let fleet = fixture("entry-points/flux-operator");
    let graph = fleet_lint()
        .args(["graph", "--jobs", "1", "--config"])
        .arg(&config)
        .arg(&fleet)
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&graph.stdout);
    assert!(
        text.starts_with("cluster only-prod (fleet/prod)\n"),
        "{text}"
    );
    assert!(!text.contains("cluster staging"), "{text}");
    let init = fleet_lint()
        .args(["init", "--stdout", "-j", "1", "--config"])
        .arg(&config)
        .arg(&fleet)
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&init.stdout);
    // The configured clusters are kept, not commented out.
    assert!(
        text.contains("\nclusters:\n  - name: only-prod\n    path: fleet/prod\n"),
        "{text}"
    );
}

/// Shape 5: the sync's path leads back to its own file from `platform/gitops`,
/// the folder Flux's source is: the cluster and its syncs resolve there.
#[test]
fn a_fleet_below_the_root_resolves_against_its_source_folder() {
    let model = run("entry-points/fleet-below-root");
    assert_eq!(
        clusters_and_syncs(&model.fleet),
        [(
            "mgmt",
            "platform/gitops/clusters/mgmt",
            vec![
                ("flux-system/flux-system", "platform/gitops/clusters/mgmt"),
                (
                    "flux-system/infrastructure",
                    "platform/gitops/infrastructure"
                ),
            ]
        )]
    );
    assert!(model.fleet.unreachable.is_empty());
    assert_eq!(finding_places("entry-points/fleet-below-root"), []);
}

/// A root sync whose path exists nowhere is a finding at its path.
#[test]
fn a_root_sync_whose_path_exists_nowhere_is_reported() {
    let fleet = common::scratch_copy("entry-points/fleet-below-root");
    common::edit(
        &fleet
            .path()
            .join("platform/gitops/clusters/mgmt/flux-system/gotk-sync.yaml"),
        "path: ./clusters/mgmt",
        "path: ./clusters/${CLUSTER_NAME}",
    );
    let run = lint(&LintOptions::new(fleet.path())).expect("lint runs");
    let found: Vec<(String, String, u32, String)> = run
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| {
            let place = fleet_lint_engine::diag::Place::of(f.span, &run.loaded.store);
            (
                f.rule.to_string(),
                place.path.to_string(),
                place.line,
                f.message().into_owned(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [(
            "kustomize-missing-ref".to_string(),
            "platform/gitops/clusters/mgmt/flux-system/gotk-sync.yaml".to_string(),
            19,
            "Flux Kustomization flux-system/flux-system builds `./clusters/${CLUSTER_NAME}`, which does not exist (kustomization path not found)".to_string()
        )]
    );
}

/// Shape 4: a hub applies the spokes' folders to remote clusters through
/// `spec.kubeConfig`. The hub is a cluster; each kubeconfig reference is a
/// remote cluster, on which the spokes' objects land with the hub's
/// Kustomizations' target namespace and substitutions.
#[test]
fn a_hub_applies_its_spokes_to_remote_clusters() {
    let model = run("entry-points/hub-and-spokes");
    let hub_syncs = ["flux-system", "production-tenants", "production-apps"]
        .iter()
        .chain(&["staging-tenants", "staging-apps"])
        .map(|name| format!("flux-system/{name}"))
        .collect::<Vec<_>>();
    let shapes = clusters_and_syncs(&model.fleet);
    assert_eq!(shapes[0].0, "hub");
    assert_eq!(
        shapes[0].2.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        hub_syncs
    );
    let described: Vec<String> = shapes[1..]
        .iter()
        .map(|(name, entry, syncs)| {
            let syncs: Vec<String> = syncs.iter().map(|(id, p)| format!("{id} -> {p}")).collect();
            format!("{name} ({entry}): {}", syncs.join(", "))
        })
        .collect();
    assert_eq!(
        described,
        [
            "flux-system/production-kubeconfig (clusters/production): flux-system/production-tenants -> clusters/production, flux-system/production-apps -> deploy/podinfo",
            "flux-system/staging-kubeconfig (clusters/staging): flux-system/staging-tenants -> clusters/staging, flux-system/staging-apps -> deploy/podinfo",
        ]
    );
    // The hub holds the Kustomizations, not what they build.
    let hub = &model.fleet.clusters[0];
    assert!(hub.find("HelmRelease", "team-a", "podinfo").is_none());
    for (cluster, env) in model.fleet.clusters[1..]
        .iter()
        .zip(["production", "staging"])
    {
        let remote = cluster.remote.as_ref().expect("a remote cluster");
        assert_eq!(
            (remote.hub.as_str(), remote.kube_config.as_str()),
            (
                "hub",
                format!("Secret flux-system/{env}-kubeconfig").as_str()
            )
        );
        let info = cluster
            .find("ConfigMap", "podinfo", "cluster-info")
            .expect("in the target namespace");
        let value = info.resource.node.get_path(&["data", "cluster"]);
        assert_eq!(value.and_then(|v| v.as_str()), Some(env));
        let release = cluster.find("HelmRelease", "team-a", "podinfo");
        assert_eq!(
            release.map(|p| p.owner.tenant()),
            Some(Some("team-a")),
            "{env}"
        );
    }
    assert!(model.fleet.unreachable.is_empty());
    assert_eq!(finding_places("entry-points/hub-and-spokes"), []);
    // `init` suggests the hub only: a remote cluster is not an entry point.
    let init = fleet_lint()
        .args(["init", "--stdout"])
        .arg(fixture("entry-points/hub-and-spokes"))
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&init.stdout);
    assert!(
        text.contains("# clusters:\n#   - name: hub\n#     path: hub\n\n"),
        "{text}"
    );
}

/// The Alert that sees a remote object's events is one on the cluster where
/// they are emitted: the finding names the remote cluster and the hub.
#[test]
fn an_alert_must_land_where_a_remote_objects_events_are_emitted() {
    let fleet = common::scratch_copy("entry-points/hub-and-spokes");
    common::edit(
        &fleet.path().join("clusters/staging/kustomization.yaml"),
        "  - ../../infrastructure/notifications\n",
        "",
    );
    let run = lint(&LintOptions::new(fleet.path())).expect("lint runs");
    let found: Vec<(String, String, u32, Vec<String>)> = run
        .findings
        .iter()
        .map(|f| {
            let place = fleet_lint_engine::diag::Place::of(f.span, &run.loaded.store);
            let related = f
                .related()
                .map(|(_, message)| message.into_owned())
                .collect();
            (
                f.rule.to_string(),
                place.path.to_string(),
                place.line,
                related,
            )
        })
        .collect();
    assert_eq!(
        found,
        [(
            "tenant-alert-coverage".to_string(),
            "tenants/team-a/podinfo.yaml".to_string(),
            11,
            vec!["lands on remote cluster flux-system/staging-kubeconfig (which cluster hub applies to through Secret flux-system/staging-kubeconfig) through Kustomization flux-system/staging-tenants; there it is watched by no Alert".to_string()]
        )]
    );
}

/// Shape 6, installed with the flux-instance chart: the `instance` values,
/// inline in the HelmRelease or in the values file its ConfigMap is made from,
/// start the clusters; their `cluster` settings are read, and the OCI source
/// the staging instance makes is this repository.
#[test]
fn flux_instance_chart_values_are_entry_points() {
    let model = run("entry-points/flux-instance-chart");
    assert_eq!(clusters_and_syncs(&model.fleet), operator_fleet_shape());
    let settings: Vec<(bool, &str, bool, &str)> = model
        .fleet
        .clusters
        .iter()
        .map(|c| {
            let operator = c.operator.as_ref().expect("started by an instance");
            (
                operator.multitenant,
                operator.tenant_default_service_account.as_str(),
                operator.network_policy,
                operator.source.0.as_str(),
            )
        })
        .collect();
    assert_eq!(
        settings,
        [
            (true, "flux-tenant", false, "GitRepository"),
            (false, "default", true, "OCIRepository"),
        ]
    );
    assert!(model.fleet.external_sources.is_empty());
    assert_eq!(finding_places("entry-points/flux-instance-chart"), []);
}

/// A Flux Operator fleet whose FluxInstance syncs a path that is not here
/// (another repository's) has no cluster here: one `no-entry-point`, at the
/// FluxInstance.
#[test]
fn a_flux_instance_that_syncs_elsewhere_is_no_entry_point() {
    let fleet = tempfile::tempdir().expect("tempdir");
    common::write_file(
        fleet.path(),
        "bootstrap/flux-instance.yaml",
        "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n  namespace: flux-system\nspec:\n  sync:\n    kind: GitRepository\n    url: https://github.com/example/other-fleet\n    ref: refs/heads/main\n    path: clusters/prod\n",
    );
    assert_eq!(
        places_in(fleet.path()),
        [(
            "no-entry-point".to_string(),
            "bootstrap/flux-instance.yaml".to_string(),
            2
        )]
    );
}
