//! The environment-first layout of Flux's multi-tenancy example, on four
//! clusters (`staging` and three production ones):
//!
//! - `tenants/base/<team>/`: the tenant's onboarding (Namespace, its
//!   reconciler ServiceAccount and RoleBinding) and its sync (a GitRepository
//!   and a Flux Kustomization in its namespace, reconciling as that account);
//! - `tenants/<cluster>/kustomization.yaml`: every tenant's base, with the
//!   sync's path patched to the cluster's environment;
//! - `tenants/apps/<team>/{base,staging,production}`: the tenant's apps,
//!   each a folder with a Deployment, a Service, a HelmRelease, a SOPS Secret
//!   and its kustomization.
//!
//! Seeds (see [`super::seed_of`]): a HelmRelease without
//! `serviceAccountName`; a ClusterRoleBinding in `infrastructure/base/rbac/`
//! that the tenant's base pulls in; HelmReleases no Alert watches; a Secret
//! in clear.

use std::io;
use std::path::Path;

use super::{
    Expected, FleetSpec, Seed, clear_secret, cluster_role_binding, helm_release, helm_repository,
    kustomization, namespace, reconciler_rbac, seed, tenant_name, write,
};

/// The clusters, each with its environment.
const CLUSTERS: [(&str, &str); 4] = [
    ("staging", "staging"),
    ("prod-eu", "production"),
    ("prod-us", "production"),
    ("prod-ap", "production"),
];

const ENVIRONMENTS: [&str; 2] = ["staging", "production"];

pub(super) fn write_fleet(root: &Path, spec: &FleetSpec) -> io::Result<Vec<Expected>> {
    for (cluster, _) in CLUSTERS {
        super::write_cluster(root, cluster)?;
    }
    super::write_infrastructure(root, spec)?;
    let teams: Vec<String> = (0..spec.tenants).map(tenant_name).collect();
    for (cluster, environment) in CLUSTERS {
        write(
            root,
            &format!("tenants/{cluster}/kustomization.yaml"),
            &cluster_tenants(&teams, environment),
        )?;
    }
    let mut expected = Vec::new();
    for (index, team) in teams.iter().enumerate() {
        let seed = seed(spec, index);
        write_onboarding(root, team, seed, &mut expected)?;
        write_apps(root, team, spec, seed, &mut expected)?;
    }
    expected.sort();
    Ok(expected)
}

/// `tenants/<cluster>/kustomization.yaml`: every tenant's base, each sync's
/// path set to the environment's overlay.
fn cluster_tenants(teams: &[String], environment: &str) -> String {
    let mut text = String::from("resources:\n");
    for team in teams {
        text.push_str(&format!("  - ../base/{team}\n"));
    }
    text.push_str("patches:\n");
    for team in teams {
        text.push_str(&format!(
            "  - target:
      kind: Kustomization
      name: {team}
    patch: |-
      - op: add
        path: /spec/path
        value: ./tenants/apps/{team}/{environment}
"
        ));
    }
    text
}

fn write_onboarding(
    root: &Path,
    team: &str,
    seed: Option<Seed>,
    expected: &mut Vec<Expected>,
) -> io::Result<()> {
    let base = format!("tenants/base/{team}");
    let mut resources = vec!["rbac.yaml".to_string(), "sync.yaml".to_string()];
    if seed == Some(Seed::ClusterRoleBinding) {
        let file = format!("infrastructure/base/rbac/{team}.yaml");
        write(root, &file, &cluster_role_binding(team))?;
        expected.push(("tenant-cluster-rbac", file, 2));
        resources.push(format!("../../../infrastructure/base/rbac/{team}.yaml"));
    }
    write(
        root,
        &format!("{base}/kustomization.yaml"),
        &kustomization(Some(team), &resources),
    )?;
    let onboarding = format!("{}---\n{}", namespace(team), reconciler_rbac(team));
    write(root, &format!("{base}/rbac.yaml"), &onboarding)?;
    write(
        root,
        &format!("{base}/sync.yaml"),
        &format!(
            "apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: {team}
  namespace: {team}
spec:
  interval: 5m
  url: https://github.com/example/fleet
  ref:
    branch: main
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {team}
  namespace: {team}
spec:
  interval: 5m
  prune: true
  serviceAccountName: {team}
  sourceRef:
    kind: GitRepository
    name: {team}
"
        ),
    )
}

/// `tenants/apps/<team>/`: a base of apps and an overlay per environment.
fn write_apps(
    root: &Path,
    team: &str,
    spec: &FleetSpec,
    seed: Option<Seed>,
    expected: &mut Vec<Expected>,
) -> io::Result<()> {
    let base = format!("tenants/apps/{team}/base");
    let mut resources = vec!["sources.yaml".to_string()];
    write(
        root,
        &format!("{base}/sources.yaml"),
        &helm_repository(team),
    )?;
    for app in 0..spec.apps_per_tenant {
        let dir = format!("{base}/app-{app}");
        let without_sa = app == 0 && seed == Some(Seed::MissingServiceAccount);
        write(
            root,
            &format!("{dir}/release.yaml"),
            &helm_release(team, app, !without_sa),
        )?;
        if without_sa {
            expected.push(("tenant-service-account", format!("{dir}/release.yaml"), 8));
        }
        if seed == Some(Seed::Unalerted) {
            expected.push(("tenant-alert-coverage", format!("{dir}/release.yaml"), 2));
        }
        write(root, &format!("{dir}/workload.yaml"), &workload(team, app))?;
        let clear = app == 0 && seed == Some(Seed::PlaintextSecret);
        write(
            root,
            &format!("{dir}/secret.yaml"),
            &secret(team, app, clear),
        )?;
        if clear {
            expected.push(("plaintext-secret", format!("{dir}/secret.yaml"), 7));
        }
        let files = ["release.yaml", "workload.yaml", "secret.yaml"].map(String::from);
        write(
            root,
            &format!("{dir}/kustomization.yaml"),
            &kustomization(None, &files),
        )?;
        resources.push(format!("app-{app}"));
    }
    write(
        root,
        &format!("{base}/kustomization.yaml"),
        &kustomization(None, &resources),
    )?;
    for environment in ENVIRONMENTS {
        write(
            root,
            &format!("tenants/apps/{team}/{environment}/kustomization.yaml"),
            &kustomization(Some(team), &["../base".to_string()]),
        )?;
    }
    Ok(())
}

fn workload(team: &str, app: usize) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker-{app}
  namespace: {team}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: worker-{app}
  template:
    metadata:
      labels:
        app: worker-{app}
    spec:
      serviceAccountName: {team}
      containers:
        - name: worker
          image: ghcr.io/example/worker:1.{app}.0
          ports:
            - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: worker-{app}
  namespace: {team}
spec:
  selector:
    app: worker-{app}
  ports:
    - port: 80
      targetPort: 8080
"
    )
}

/// A SOPS-encrypted Secret, or (`clear`) one with its value in clear at line 7.
fn secret(team: &str, app: usize, clear: bool) -> String {
    if clear {
        return clear_secret(team, &format!("worker-{app}"));
    }
    format!(
        "apiVersion: v1
kind: Secret
metadata:
  name: worker-{app}
  namespace: {team}
stringData:
  password: ENC[AES256_GCM,data:ZmFrZQ==,iv:aXY=,tag:dGFn,type:str]
sops:
  mac: ENC[AES256_GCM,data:bWFj,iv:aXY=,tag:dGFn,type:str]
  version: 3.8.1
"
    )
}
