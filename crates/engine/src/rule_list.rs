//! The declaration of every built-in rule, in one list that two layers
//! expand: [`crate::rule_id`] takes the ids (so every stage can name a rule
//! without depending on the rules), and `rules::registry` takes the whole
//! declaration (severities, tags, what raises each rule, its check, its doc).
//!
//! A declaration: the typed id and the id users write; the default severity
//! and, in `also`, the kinds of finding reported at another severity (the
//! doc's header says both); tags (`Security`, `Tenant`); `by`, what raises
//! it (a stage: `Load`, `Kustomize`, `Model`, `Policy`, `Schema`, `Decide`; a
//! check over the model, `Check(path)`, resolved where the registry expands;
//! `Declarative`, the rule shipped as `rules/<id>.yaml`); its one-line summary.
//! Its doc is `rules/<id>.md`. The order is the order `fleet-lint rules` lists.
//! `cargo xtask new-rule` adds a declaration here.

/// Calls `$expand!` with every declaration.
macro_rules! builtin_rules {
    ($expand:ident) => {
        $expand! {
            YamlSyntax = "yaml-syntax" {
                severity: Error,
                tags: [],
                by: [Load, Kustomize],
                summary: "A manifest is not valid YAML (syntax, duplicate keys, encoding, hostile nesting or aliases)",
            }
            EmptyFile = "empty-file" {
                severity: Info,
                tags: [],
                by: [Load],
                summary: "A manifest file holds no document",
            }
            FileTooLarge = "file-too-large" {
                severity: Warning,
                tags: [],
                by: [Load],
                summary: "A manifest file is larger than the size limit and was not read",
            }
            LimitExceeded = "limit-exceeded" {
                severity: Warning,
                tags: [],
                by: [Kustomize],
                summary: "The repository exceeds one of the budgets that bound fleet-lint's work; the part beyond it was not linted",
            }
            FileUnreadable = "file-unreadable" {
                severity: Error,
                tags: [],
                by: [Load],
                summary: "A manifest file could not be read from disk",
            }
            KustomizeMissingRef = "kustomize-missing-ref" {
                severity: Error,
                tags: [],
                by: [Kustomize, Model],
                summary: "A kustomization names a file or directory that does not exist (or has no kustomization)",
            }
            KustomizeCycle = "kustomize-cycle" {
                severity: Error,
                tags: [],
                by: [Kustomize, Model],
                summary: "Kustomizations include each other in a cycle",
            }
            KustomizeEscapesRoot = "kustomize-escapes-root" {
                severity: Error,
                tags: [Security],
                by: [Kustomize],
                summary: "A kustomization references a path outside the repository",
            }
            KustomizeDuplicateId = "kustomize-duplicate-id" {
                severity: Error,
                tags: [],
                by: [Kustomize],
                summary: "Two objects with the same kind, namespace and name in one build",
            }
            KustomizeInvalid = "kustomize-invalid" {
                severity: Error,
                also: "warning for a patch whose `target` matches nothing",
                tags: [],
                by: [Kustomize],
                summary: "A kustomization that kustomize rejects or that silently does less than it says",
            }
            KustomizeRemoteRef = "kustomize-remote-ref" {
                severity: Info,
                tags: [],
                by: [Kustomize],
                summary: "A remote kustomization reference that fleet-lint does not fetch",
            }
            KustomizeNotEvaluated = "kustomize-not-evaluated" {
                severity: Info,
                tags: [],
                by: [Kustomize],
                summary: "A kustomize feature that fleet-lint does not evaluate (helmCharts, replacements, plugins)",
            }
            TenantServiceAccount = "tenant-service-account" {
                severity: Error,
                also: "warning when the named ServiceAccount is defined nowhere or the cluster sets a default one",
                tags: [Security, Tenant],
                by: [Declarative, Check(super::tenant_service_account::check)],
                summary: "A tenant Flux Kustomization or HelmRelease without its own serviceAccountName",
            }
            TenantClusterRbac = "tenant-cluster-rbac" {
                severity: Error,
                also: "warning for a ClusterRole",
                tags: [Security, Tenant],
                by: [Check(super::tenant_cluster_rbac::check)],
                summary: "A ClusterRoleBinding (or ClusterRole) in a tenant's content",
            }
            TenantAlertCoverage = "tenant-alert-coverage" {
                severity: Error,
                also: "warning when the only covering Alerts may exclude errors",
                tags: [Tenant],
                by: [Check(super::tenant_alert_coverage::check)],
                summary: "A tenant Flux Kustomization or HelmRelease whose failures page nobody",
            }
            PlaintextSecret = "plaintext-secret" {
                severity: Error,
                also: "warning where the rule is less sure: a short or simple value under a password key, a literal PagerDuty routing key in `spec.channel`",
                tags: [Security],
                by: [Check(super::plaintext_secret::check)],
                summary: "A credential committed in clear text (Secret, generators, env files, webhook URLs, token formats, credential-named keys, embedded config), hidden folders included",
            }
            TenantCrossNamespaceRef = "tenant-cross-namespace-ref" {
                severity: Error,
                tags: [Security, Tenant],
                by: [Check(super::tenant_cross_namespace_ref::check)],
                summary: "A tenant Flux object that refers to a source or event source in another namespace",
            }
            TenantTargetNamespace = "tenant-target-namespace" {
                severity: Error,
                tags: [Security, Tenant],
                by: [Check(super::tenant_target_namespace::check)],
                summary: "A tenant Flux object whose targetNamespace belongs to the platform or another tenant",
            }
            ClusterLockdown = "cluster-lockdown" {
                severity: Error,
                also: "info for a cluster whose Flux the repository does not install",
                tags: [Security, Tenant],
                by: [Check(super::cluster_lockdown::check)],
                summary: "A cluster with tenants whose Flux runs without the multi-tenancy lockdown flags",
            }
            TenantKubeconfig = "tenant-kubeconfig" {
                severity: Error,
                tags: [Security, Tenant],
                by: [Declarative],
                summary: "A tenant Flux object that reaches another cluster through spec.kubeConfig",
            }
            TenantRemoteBase = "tenant-remote-base" {
                severity: Error,
                tags: [Security, Tenant],
                by: [Check(super::tenant_remote_base::check)],
                summary: "A tenant kustomization that pulls a remote base",
            }
            DanglingReference = "dangling-reference" {
                severity: Warning,
                tags: [],
                by: [Check(super::dangling_reference::check)],
                summary: "A sourceRef, providerRef, dependsOn, valuesFrom or substituteFrom that nothing on the cluster defines",
            }
            UnresolvedSubstitution = "unresolved-substitution" {
                severity: Error,
                also: "warning when a `substituteFrom` object is not in the repository",
                tags: [],
                by: [Check(super::unresolved_substitution::check)],
                summary: "A ${VAR} without default that no postBuild variable of its Kustomization defines",
            }
            Schema = "schema" {
                severity: Error,
                also: "warning for a schema file that cannot be used",
                tags: [],
                by: [Schema],
                summary: "An object that its kind's JSON Schema rejects (unknown field, wrong type, missing field, bad value)",
            }
            DeprecatedApi = "deprecated-api" {
                severity: Error,
                tags: [],
                by: [Declarative],
                summary: "A Flux API version that Flux no longer serves",
            }
            UnusedSuppression = "unused-suppression" {
                severity: Warning,
                tags: [],
                by: [Decide],
                summary: "A suppression comment or annotation that silences nothing, or names no rule",
            }
            PolicyNotEvaluated = "policy-not-evaluated" {
                severity: Warning,
                also: "info for an admission policy's CEL expression",
                tags: [],
                by: [Policy],
                summary: "A part of a declarative rule, Kyverno policy or admission policy that fleet-lint does not evaluate",
            }
            ExternalSource = "external-source" {
                severity: Info,
                tags: [],
                by: [Model],
                summary: "A Flux source that is not this repository, whose content is not linted",
            }
            Unreachable = "unreachable" {
                severity: Info,
                tags: [],
                by: [Model],
                summary: "Manifest files that no cluster's Flux Kustomizations reach",
            }
            ResourceSetNotEvaluated = "resourceset-not-evaluated" {
                severity: Info,
                tags: [],
                by: [Model],
                summary: "A Flux Operator ResourceSet whose inputs or templates cannot be known offline, so the objects it makes are not linted",
            }
            NoEntryPoint = "no-entry-point" {
                severity: Warning,
                tags: [],
                by: [Model],
                summary: "No cluster entry point was found, so the rules that read clusters checked nothing",
            }
        }
    };
}

pub(crate) use builtin_rules;
