//! A generator of synthetic fleet repositories, for benchmarks and tests,
//! in two layouts ([`Layout`]).
//!
//! Tenant-first (layout 1 of the rule contract, the default):
//! `clusters/{production,staging}` with a Flux sync and Flux Kustomizations
//! for infrastructure and tenants, `infrastructure/` with PagerDuty and
//! Rocket.Chat providers and alerts, and per tenant
//! `tenants/<team>/{base,production,staging}` with a namespace, RBAC, a
//! HelmRelease-based app and environment overlays. Environment-first (Flux's
//! multi-tenancy example): see [`environment_first`].

mod environment_first;

use std::fs;
use std::io;
use std::path::Path;

/// What to generate.
#[derive(Clone, Debug)]
pub struct FleetSpec {
    pub tenants: usize,
    /// Apps per tenant.
    pub apps_per_tenant: usize,
    /// Seed violations of the core rules into some tenants (see [`seed_of`]).
    pub seeded: bool,
    /// How the repository is laid out.
    pub layout: Layout,
}

/// The shape of a generated fleet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// `tenants/<team>/{base,production,staging}`, two clusters.
    TenantFirst,
    /// `tenants/{base,<cluster>}/<team>` and `tenants/apps/<team>/...`,
    /// four clusters (see [`environment_first`]).
    EnvironmentFirst,
}

impl FleetSpec {
    /// A clean tenant-first fleet of `tenants` tenants.
    pub fn new(tenants: usize) -> FleetSpec {
        FleetSpec {
            tenants,
            apps_per_tenant: 3,
            seeded: false,
            layout: Layout::TenantFirst,
        }
    }

    /// A clean environment-first fleet of `tenants` tenants, five apps each.
    pub fn environment_first(tenants: usize) -> FleetSpec {
        FleetSpec {
            apps_per_tenant: 5,
            layout: Layout::EnvironmentFirst,
            ..FleetSpec::new(tenants)
        }
    }

    /// The same fleet with violations seeded.
    pub fn with_seeds(self) -> FleetSpec {
        FleetSpec {
            seeded: true,
            ..self
        }
    }

    /// A tenant-first fleet with violations seeded.
    pub fn seeded(tenants: usize) -> FleetSpec {
        FleetSpec::new(tenants).with_seeds()
    }
}

/// A violation of a core rule seeded into one tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seed {
    /// Its first HelmRelease has no `serviceAccountName`.
    MissingServiceAccount,
    /// Its base holds a ClusterRoleBinding.
    ClusterRoleBinding,
    /// No Alert watches its HelmReleases.
    Unalerted,
    /// Its base holds a Secret with a clear value.
    PlaintextSecret,
}

/// The seed of tenant `index` in a seeded fleet: tenants 1, 3, 5 and 7 of every ten.
pub fn seed_of(index: usize) -> Option<Seed> {
    match index % 10 {
        1 => Some(Seed::MissingServiceAccount),
        3 => Some(Seed::ClusterRoleBinding),
        5 => Some(Seed::Unalerted),
        7 => Some(Seed::PlaintextSecret),
        _ => None,
    }
}

/// A finding a seeded fleet must produce: (rule, path, line).
pub type Expected = (&'static str, String, u32);

fn seed(spec: &FleetSpec, index: usize) -> Option<Seed> {
    if spec.seeded { seed_of(index) } else { None }
}

const CLUSTERS: [&str; 2] = ["production", "staging"];

/// Writes a fleet repository described by `spec` under `root` (created if
/// needed); returns the core-rule findings its seeded violations must give.
pub fn write_fleet(root: &Path, spec: &FleetSpec) -> io::Result<Vec<Expected>> {
    if spec.layout == Layout::EnvironmentFirst {
        return environment_first::write_fleet(root, spec);
    }
    for cluster in CLUSTERS {
        write_cluster(root, cluster)?;
    }
    write_infrastructure(root, spec)?;
    let mut expected = Vec::new();
    for index in 0..spec.tenants {
        expected.extend(write_tenant(
            root,
            &tenant_name(index),
            spec,
            seed(spec, index),
        )?);
    }
    expected.sort();
    Ok(expected)
}

/// The name of the `index`th generated tenant.
pub fn tenant_name(index: usize) -> String {
    format!("team-{index:04}")
}

fn write(root: &Path, rel: &str, text: &str) -> io::Result<()> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, text)
}

fn write_cluster(root: &Path, cluster: &str) -> io::Result<()> {
    let dir = format!("clusters/{cluster}");
    write(
        root,
        &format!("{dir}/flux-system/gotk-sync.yaml"),
        &format!(
            "apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m0s
  ref:
    branch: main
  url: https://github.com/example/fleet
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m0s
  path: ./{dir}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"
        ),
    )?;
    write(
        root,
        &format!("{dir}/flux-system/kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - gotk-sync.yaml\n",
    )?;
    write(
        root,
        &format!("{dir}/notification-keys.yaml"),
        "apiVersion: v1
kind: Secret
metadata:
  name: notification-keys
  namespace: flux-system
stringData:
  pagerduty_routing_key: ENC[AES256_GCM,data:ZmFrZQ==,iv:aXY=,tag:dGFn,type:str]
sops:
  mac: ENC[AES256_GCM,data:bWFj,iv:aXY=,tag:dGFn,type:str]
  version: 3.8.1
",
    )?;
    for (name, path, depends) in [
        ("infrastructure", "./infrastructure".to_string(), None),
        (
            "tenants",
            format!("./tenants/{cluster}"),
            Some("infrastructure"),
        ),
    ] {
        let depends = depends.map_or(String::new(), |d| {
            format!("  dependsOn:\n    - name: {d}\n")
        });
        write(
            root,
            &format!("{dir}/{name}.yaml"),
            &format!(
                "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: flux-system
spec:
{depends}  interval: 10m
  path: {path}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  postBuild:
    substitute:
      cluster_name: {cluster}
    substituteFrom:
      - kind: Secret
        name: notification-keys
"
            ),
        )?;
    }
    Ok(())
}

fn write_infrastructure(root: &Path, spec: &FleetSpec) -> io::Result<()> {
    write(
        root,
        "infrastructure/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - notifications\n",
    )?;
    write(
        root,
        "infrastructure/notifications/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: flux-system\nresources:\n  - providers.yaml\n  - alerts.yaml\n",
    )?;
    write(
        root,
        "infrastructure/notifications/providers.yaml",
        "apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata:
  name: pagerduty
spec:
  type: pagerduty
  address: https://events.pagerduty.com
  channel: ${pagerduty_routing_key}
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata:
  name: rocketchat
spec:
  type: rocket
  secretRef:
    name: rocketchat-webhook
",
    )?;
    write(
        root,
        "infrastructure/notifications/alerts.yaml",
        &alerts(spec),
    )
}

/// Two alerts (PagerDuty for errors, Rocket.Chat for everything) watching every
/// tenant's Flux Kustomization and HelmReleases.
fn alerts(spec: &FleetSpec) -> String {
    let mut sources = String::from("    - kind: Kustomization\n      name: '*'\n");
    if spec.layout == Layout::EnvironmentFirst {
        // The tenants' Kustomizations live in their own namespaces.
        for team in (0..spec.tenants).map(tenant_name) {
            sources.push_str(&format!(
                "    - kind: Kustomization\n      name: '*'\n      namespace: {team}\n"
            ));
        }
    }
    for index in (0..spec.tenants).filter(|&i| seed(spec, i) != Some(Seed::Unalerted)) {
        let team = tenant_name(index);
        sources.push_str(&format!(
            "    - kind: HelmRelease\n      name: '*'\n      namespace: {team}\n"
        ));
    }
    [("pagerduty", "error"), ("rocketchat", "info")]
        .iter()
        .map(|(provider, severity)| {
            format!(
                "apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata:
  name: tenants-{provider}
spec:
  providerRef:
    name: {provider}
  eventSeverity: {severity}
  eventSources:
{sources}"
            )
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

fn write_tenant(
    root: &Path,
    team: &str,
    spec: &FleetSpec,
    seed: Option<Seed>,
) -> io::Result<Vec<Expected>> {
    let mut expected = Vec::new();
    let base = format!("tenants/{team}/base");
    let mut resources = vec![
        "namespace.yaml".to_string(),
        "rbac.yaml".to_string(),
        "sources.yaml".to_string(),
    ];
    write(
        root,
        &format!("{base}/sources.yaml"),
        &helm_repository(team),
    )?;
    write(root, &format!("{base}/namespace.yaml"), &namespace(team))?;
    write(root, &format!("{base}/rbac.yaml"), &reconciler_rbac(team))?;
    for app in 0..spec.apps_per_tenant {
        let file = format!("app-{app}.yaml");
        let without_sa = app == 0 && seed == Some(Seed::MissingServiceAccount);
        write(
            root,
            &format!("{base}/{file}"),
            &helm_release(team, app, !without_sa),
        )?;
        if without_sa {
            // At the `spec:` key that lacks serviceAccountName.
            expected.push(("tenant-service-account", format!("{base}/{file}"), 8));
        }
        if seed == Some(Seed::Unalerted) {
            expected.push(("tenant-alert-coverage", format!("{base}/{file}"), 2));
        }
        resources.push(file);
    }
    if let Some(file) = seeded_file(root, &base, team, seed, &mut expected)? {
        resources.push(file);
    }
    write(
        root,
        &format!("{base}/kustomization.yaml"),
        &kustomization(None, &resources),
    )?;
    for env in CLUSTERS {
        write(
            root,
            &format!("tenants/{team}/{env}/kustomization.yaml"),
            &kustomization(
                Some(team),
                &["../base".to_string(), "values.yaml".to_string()],
            ),
        )?;
        write(
            root,
            &format!("tenants/{team}/{env}/values.yaml"),
            &format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: env-values\ndata:\n  environment: {env}\n  replicas: \"{}\"\n",
                if env == "production" { 3 } else { 1 }
            ),
        )?;
        write(
            root,
            &format!("tenants/{env}/{team}.yaml"),
            &format!(
                "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {team}
  namespace: flux-system
spec:
  interval: 5m
  path: ./tenants/{team}/{env}
  prune: true
  serviceAccountName: {team}
  targetNamespace: {team}
  sourceRef:
    kind: GitRepository
    name: flux-system
"
            ),
        )?;
    }
    Ok(expected)
}

fn kustomization(namespace: Option<&str>, resources: &[String]) -> String {
    let mut text = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n".to_string();
    if let Some(ns) = namespace {
        text.push_str(&format!("namespace: {ns}\n"));
    }
    text.push_str("resources:\n");
    for r in resources {
        text.push_str(&format!("  - {r}\n"));
    }
    text
}

/// The extra file of a ClusterRoleBinding or plaintext-Secret seed.
fn seeded_file(
    root: &Path,
    base: &str,
    team: &str,
    seed: Option<Seed>,
    expected: &mut Vec<Expected>,
) -> io::Result<Option<String>> {
    let (file, text, rule, line) = match seed {
        Some(Seed::ClusterRoleBinding) => (
            "cluster-rbac.yaml",
            cluster_role_binding(team),
            "tenant-cluster-rbac",
            2,
        ),
        Some(Seed::PlaintextSecret) => (
            "db-secret.yaml",
            clear_secret(team, "db"),
            "plaintext-secret",
            7,
        ),
        _ => return Ok(None),
    };
    write(root, &format!("{base}/{file}"), &text)?;
    expected.push((rule, format!("{base}/{file}"), line));
    Ok(Some(file.to_string()))
}

/// The tenant's chart repository.
fn helm_repository(team: &str) -> String {
    format!(
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: podinfo\n  namespace: {team}\nspec:\n  interval: 1h\n  url: https://stefanprodan.github.io/podinfo\n"
    )
}

/// The tenant's Namespace, labelled as `flux create tenant` labels it.
fn namespace(team: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {team}\n  labels:\n    toolkit.fluxcd.io/tenant: {team}\n"
    )
}

/// The tenant's reconciler: a ServiceAccount, admin of its namespace.
fn reconciler_rbac(team: &str) -> String {
    format!(
        "apiVersion: v1
kind: ServiceAccount
metadata:
  name: {team}
  namespace: {team}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: gotk-reconciler
  namespace: {team}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: ServiceAccount
    name: {team}
    namespace: {team}
"
    )
}

/// The ClusterRoleBinding seed (its `kind:` on line 2).
fn cluster_role_binding(team: &str) -> String {
    format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: {team}-admin\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n  - kind: ServiceAccount\n    name: {team}\n    namespace: {team}\n"
    )
}

/// The plaintext-secret seed (its clear value on line 7).
fn clear_secret(team: &str, name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: {team}\nstringData:\n  password: Zx9-{team}-Qw7pL2\n"
    )
}

fn helm_release(team: &str, app: usize, with_service_account: bool) -> String {
    let service_account = if with_service_account {
        format!("  serviceAccountName: {team}\n")
    } else {
        String::new()
    };
    format!(
        "apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: app-{app}
  namespace: {team}
  labels:
    app.kubernetes.io/part-of: {team}
spec:
  interval: 10m
{service_account}  chart:
    spec:
      chart: podinfo
      version: \"6.x\"
      sourceRef:
        kind: HelmRepository
        name: podinfo
  values:
    replicaCount: 2
    ingress:
      enabled: true
      hosts:
        - host: app-{app}.{team}.example.com
          paths:
            - path: /
              pathType: ImplementationSpecific
    resources:
      limits:
        memory: 256Mi
      requests:
        cpu: 100m
        memory: 64Mi
"
    )
}
