//! The rules: the registry ([`BUILTIN_RULES`], from the declarations in
//! `rule_list.rs`), one file per check over the fleet model, the declarative
//! rules and Kyverno policies (`policy`), the fleet's own admission policies
//! (`admission`) and the `schema` rule; and
//! `run_rules`, which runs them all.
//!
//! A rule reads the fleet model (or the source files) and returns findings;
//! the same source location found on several clusters or builds becomes one
//! finding, with the places it lands as related locations.

pub(crate) mod admission;
mod cluster_lockdown;
mod dangling_reference;
mod plaintext_secret;
pub(crate) mod policy;
mod registry;
pub(crate) mod schema;
mod tenant_alert_coverage;
mod tenant_cluster_rbac;
mod tenant_cross_namespace_ref;
mod tenant_remote_base;
mod tenant_service_account;
mod tenant_target_namespace;
mod unresolved_substitution;

use std::collections::HashMap;

use rayon::prelude::*;

use crate::config::Config;
use crate::diag::{Finding, Rule, Severity};
use crate::fleet::{Cluster, Fleet, Placed};
use crate::load::Loaded;
use crate::source::{SourceStore, Span};
use crate::yaml::LoadedFile;

pub use registry::{BUILTIN_RULES, CheckFn, Producer, RuleId, RuleInfo, Tag, info, rule_info};

/// What a rule can read.
pub struct RuleContext<'a> {
    /// The fleet model.
    pub fleet: &'a Fleet,
    /// Every file read: texts, parsed documents, lookups by path.
    pub loaded: &'a Loaded,
    /// The configuration.
    pub config: &'a Config,
    /// What the rules need of every kustomization directory's build.
    pub builds: &'a crate::resolve::BuildsDigest,
}

impl RuleContext<'_> {
    /// The text of every file read.
    pub fn store(&self) -> &SourceStore {
        &self.loaded.store
    }

    /// Parsed documents of every file, by file id.
    pub fn files(&self) -> &[LoadedFile] {
        &self.loaded.files
    }
}

/// Runs every built-in rule's check and declarative part, and the user's
/// declarative `policies`; one finding per rule and source location.
pub(crate) fn run_rules(
    ctx: &RuleContext,
    policies: &[crate::rules::policy::Policy],
) -> RulesOutcome {
    let checks: Vec<CheckFn> = BUILTIN_RULES.iter().filter_map(RuleInfo::check).collect();
    let (mut findings, (schema_findings, schema_coverage, schema_time)) = rayon::join(
        || {
            // Each check in parallel, their findings in registry order.
            let found: Vec<Vec<Finding>> = checks.par_iter().map(|check| check(ctx)).collect();
            let mut findings: Vec<Finding> = found.into_iter().flatten().collect();
            findings.extend(policy::run(policy::builtin_policies(), ctx));
            findings.extend(policy::run(policies, ctx));
            findings.extend(admission::check(ctx));
            findings
        },
        || {
            let started = std::time::Instant::now();
            let (findings, coverage) = schema::check(ctx);
            (findings, coverage, started.elapsed())
        },
    );
    findings.extend(schema_findings);
    RulesOutcome {
        findings: collapse(findings),
        schema_coverage,
        schema_time,
    }
}

/// What the rules found, and what the schema rule checked and took.
pub(crate) struct RulesOutcome {
    pub findings: Vec<Finding>,
    pub(crate) schema_coverage: schema::Coverage,
    pub(crate) schema_time: std::time::Duration,
}

/// Merges findings of the same rule at the same place about the same tenant's
/// object (the same object seen on several clusters or through several
/// overlays), keeping all related locations. A template that makes objects of
/// several tenants (a ResourceSet's, a base two tenants include) gives one
/// finding per tenant: each is fixed, or suppressed, on its own.
fn collapse(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let mut index: HashMap<(Rule, Span, Option<Box<str>>), usize> = HashMap::new();
    for finding in findings {
        let key = (
            finding.rule.clone(),
            finding.span,
            finding.tenant().map(Into::into),
        );
        match index.get(&key) {
            Some(&i) => out[i].absorb_related(finding),
            None => {
                index.insert(key, out.len());
                out.push(finding);
            }
        }
    }
    out
}

/// Where `placed` lands: the `spec.path` of the nearest Flux Kustomization
/// that applies it, and a message naming the cluster and that Kustomization.
pub(crate) fn landing(cluster: &Cluster, placed: &Placed) -> (Span, String) {
    let on = match &cluster.remote {
        Some(remote) => format!(
            "remote cluster {} (which cluster {} applies to through {})",
            cluster.name, remote.hub, remote.kube_config
        ),
        None => format!("cluster {}", cluster.name),
    };
    let made_by = placed.expansion.as_ref().map_or(String::new(), |e| {
        let input = e
            .input
            .as_ref()
            .map_or(String::new(), |(_, i)| format!(" for {i}"));
        format!(", made by ResourceSet {}{input}", e.resource_set)
    });
    for sync in cluster.sync_chain(placed.sync).into_iter().rev() {
        let sync = &cluster.syncs[sync];
        if let Some(definition) = sync.definition(cluster) {
            let node = &definition.node;
            let span = node
                .get_path(&["spec", "path"])
                .map_or_else(|| node.headline(), |n| n.span);
            return (
                span,
                format!("lands on {on} through Kustomization {}{made_by}", sync.id),
            );
        }
    }
    (
        placed.resource.node.headline(),
        format!("lands on {on}{made_by}"),
    )
}

/// A finding about `placed`, a tenant's object on `cluster`, completed: the
/// kustomization entries that pulled it in from outside the tenant trees
/// (ownership flows through them), where it lands (with `there`, what is
/// true of it on that cluster), and the tenant reports name.
pub(crate) fn about_tenant_object(
    finding: Finding,
    ctx: &RuleContext,
    cluster: &Cluster,
    placed: &Placed,
    there: Option<&str>,
) -> Finding {
    let origin_path = &ctx.store().get(placed.resource.origin.file).path;
    let pulled_in = !ctx.fleet.tenancy.is_tenant_path(origin_path);
    let references = if pulled_in {
        placed.resource.included_by.as_slice()
    } else {
        &[]
    };
    let finding = references.iter().fold(finding, |f, span| {
        f.with_related(*span, "pulled into the tenant's build here")
    });
    let (span, landed) = landing(cluster, placed);
    let landed = match there {
        Some(there) => format!("{landed}; there it {there}"),
        None => landed,
    };
    finding
        .with_related(span, landed)
        .with_tenant(placed.owner.tenant())
}

/// A user's declarative rule (from `rules.paths`), as reports describe it.
#[derive(Clone, Debug)]
pub struct UserRuleInfo {
    /// The rule's id.
    pub id: String,
    /// Its severity.
    pub severity: Severity,
    /// The rule's message as written (before `{{...}}` is filled in).
    pub summary: String,
    /// Its help, if it has one.
    pub help: Option<String>,
    /// Where it is written.
    pub at: Span,
}
