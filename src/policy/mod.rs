//! Declarative rules: checks over one object, written in YAML like Kyverno
//! policies, evaluated on every built object of every cluster (overlays,
//! patches, namespaces and substitutions applied).
//!
//! Two forms are read: fleet-lint's own (`rules/<id>.yaml`, embedded in the
//! binary, and users' files under `rules.paths`), and Kyverno `ClusterPolicy`
//! / `Policy` documents, whose `validate.pattern`, `anyPattern` and `deny`
//! rules become fleet-lint rules named `<policy>/<rule>`. What fleet-lint
//! does not evaluate (mutate, generate, verifyImages, CEL, preconditions,
//! foreach, context) is reported as `policy-not-evaluated`, never dropped
//! silently. The pattern language is in [`pattern`]; `deny` conditions in
//! [`deny`]. Graph rules (alert coverage, RBAC reach, references) stay in Rust.

pub mod deny;
mod load;
pub mod pattern;

use crate::config::PathGlobs;
use crate::diag::{Finding, Severity};
use crate::fleet::{Cluster, Owner, Placed};
use crate::rules::{RuleContext, landing};
use crate::source::SourceStore;
use crate::yaml::Node;
pub use load::{builtin_policies, load_user_policies};
use pattern::Outcome;

/// One declarative rule.
#[derive(Debug)]
pub struct Policy {
    pub id: String,
    pub severity: Severity,
    /// The finding's message; `{{object}}`, `{{tenant}}` and
    /// `{{request.object.<path>}}` are replaced.
    pub message: String,
    pub help: Option<String>,
    /// The rule applies to objects any selector matches...
    pub select: Vec<Selector>,
    /// ...and no exclude selector matches.
    pub exclude: Vec<Selector>,
    pub check: Check,
}

/// Which objects a rule looks at; every field given must match.
#[derive(Debug, Default)]
pub struct Selector {
    /// `Kind`, `group/Kind` (a group has a dot), `version/Kind` or
    /// `group/version/Kind`, with wildcards.
    pub kinds: Vec<String>,
    pub names: Vec<String>,
    pub namespaces: Vec<String>,
    /// Where the object is defined.
    pub paths: PathGlobs,
    pub scope: Scope,
    pub clusters: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    #[default]
    Any,
    /// Objects of tenants that are not privileged.
    Tenant,
    Platform,
}

#[derive(Debug)]
pub enum Check {
    Pattern(Node),
    /// Passes when any pattern passes.
    AnyPattern(Vec<Node>),
    Deny(deny::Conditions),
}

impl Selector {
    fn matches(&self, cluster: &Cluster, placed: &Placed, store: &SourceStore) -> bool {
        let r = &placed.resource;
        let any = |patterns: &[String], value: &str| {
            patterns.is_empty() || patterns.iter().any(|p| pattern::wildcard(p, value))
        };
        let scope = match self.scope {
            Scope::Any => true,
            Scope::Tenant => placed.owner.is_restricted_tenant(),
            Scope::Platform => placed.owner == Owner::Platform,
        };
        scope
            && (self.kinds.is_empty() || self.kinds.iter().any(|k| kind_matches(k, r)))
            && any(&self.names, r.name())
            && any(&self.namespaces, r.namespace())
            && any(&self.clusters, &cluster.name)
            && (self.paths.is_empty() || self.paths.matches(&store.get(r.origin.file).path))
    }
}

fn kind_matches(pattern: &str, resource: &crate::kustomize::Resource) -> bool {
    let (group, version) = resource.group_version();
    let parts: Vec<&str> = pattern.split('/').collect();
    let w = pattern::wildcard;
    match parts.as_slice() {
        [kind] => w(kind, resource.kind()),
        [g, kind] if g.contains('.') => w(g, group) && w(kind, resource.kind()),
        [v, kind] => w(v, version) && w(kind, resource.kind()),
        [g, v, kind] => w(g, group) && w(v, version) && w(kind, resource.kind()),
        _ => false,
    }
}

impl Policy {
    fn applies(&self, cluster: &Cluster, placed: &Placed, store: &SourceStore) -> bool {
        self.select
            .iter()
            .any(|s| s.matches(cluster, placed, store))
            && !self
                .exclude
                .iter()
                .any(|s| s.matches(cluster, placed, store))
    }

    /// The finding for `placed`, if it breaks the rule.
    fn judge(&self, cluster: &Cluster, placed: &Placed) -> Option<Finding> {
        let object = &placed.resource.node;
        let (span, reason) = match &self.check {
            Check::Pattern(p) => match pattern::check(p, object) {
                Outcome::Fail(m) => (m.span, m.reason),
                _ => return None,
            },
            Check::AnyPattern(patterns) => {
                let mut first = None;
                for p in patterns {
                    match pattern::check(p, object) {
                        Outcome::Fail(m) => {
                            first.get_or_insert(m);
                        }
                        _ => return None,
                    }
                }
                let m = first?;
                (
                    m.span,
                    format!("no pattern matches; the first: {}", m.reason),
                )
            }
            Check::Deny(conditions) => {
                let span = conditions.denies(object)?;
                (span, "the deny conditions hold".to_string())
            }
        };
        let message = self.render(placed);
        let (landed_at, landed) = landing(cluster, placed);
        Some(
            Finding::new(self.id.clone(), self.severity, span, message)
                .with_help(self.help.clone().unwrap_or(reason))
                .with_related(landed_at, landed),
        )
    }

    fn render(&self, placed: &Placed) -> String {
        let mut text = self
            .message
            .replace("{{object}}", &placed.resource.describe())
            .replace(
                "{{tenant}}",
                placed.owner.tenant().unwrap_or("the platform"),
            );
        while let Some(start) = text.find("{{") {
            let Some(len) = text[start..].find("}}") else {
                break;
            };
            let expr = text[start + 2..start + len].trim().to_string();
            let value = deny::values(&expr, &placed.resource.node)
                .first()
                .and_then(|n| n.as_str())
                .unwrap_or("")
                .to_string();
            text.replace_range(start..start + len + 2, &value);
        }
        text
    }
}

/// Runs `policies` on every object of every cluster.
pub fn run(policies: &[Policy], ctx: &RuleContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for cluster in &ctx.fleet.clusters {
        for placed in &cluster.objects {
            for policy in policies {
                if policy.applies(cluster, placed, ctx.store())
                    && let Some(finding) = policy.judge(cluster, placed)
                {
                    findings.push(finding);
                }
            }
        }
    }
    findings
}

/// The embedded declarative rules, as a rule check.
pub fn check_builtin(ctx: &RuleContext) -> Vec<Finding> {
    run(builtin_policies(), ctx)
}
