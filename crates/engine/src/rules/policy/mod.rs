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

pub(crate) mod deny;
mod load;
pub(crate) mod pattern;

use crate::config::PathGlobs;
use crate::diag::{Finding, Rule, Severity};
use crate::fleet::{Cluster, Owner, Placed};
use crate::kustomize::ObjectMeta;
use crate::rules::{RuleContext, landing};
use crate::source::Span;
use crate::yaml::Node;
#[cfg(feature = "fuzzing")]
pub(crate) use load::document_policies;
pub(crate) use load::{builtin_policies, load_user_policies};
use pattern::Outcome;
use rayon::prelude::*;

/// One declarative rule.
#[derive(Debug)]
pub(crate) struct Policy {
    pub rule: Rule,
    pub severity: Severity,
    /// The finding's message; `{{object}}`, `{{tenant}}` and
    /// `{{request.object.<path>}}` are replaced.
    pub message: String,
    pub help: Option<String>,
    pub input: Input,
    /// The rule applies to objects any selector matches...
    pub(crate) select: Vec<Selector>,
    /// ...and no exclude selector matches.
    pub exclude: Vec<Selector>,
    pub check: Check,
    /// Where the rule is written: its `id`, or its Kyverno rule's `name`.
    pub at: Span,
    /// How to fix a document as written (`input: files` rules only).
    pub fix: Option<crate::fix::FixSpec>,
}

/// What a rule reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Input {
    /// Every object as built on every cluster (overlays, patches,
    /// namespaces and substitutions applied).
    #[default]
    Clusters,
    /// Every document of every manifest file as written, reached by a cluster or not.
    Files,
}

/// Which objects a rule looks at; every field given must match.
#[derive(Debug, Default)]
pub(crate) struct Selector {
    /// `Kind`, `group/Kind` (a group has a dot), `version/Kind` or
    /// `group/version/Kind`, with wildcards.
    pub kinds: Vec<String>,
    pub names: Vec<String>,
    pub namespaces: Vec<String>,
    /// Where the object is defined.
    pub paths: PathGlobs,
    pub(crate) scope: Scope,
    pub clusters: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Scope {
    #[default]
    Any,
    /// Objects of tenants that are not privileged.
    Tenant,
    Platform,
}

#[derive(Debug)]
pub(crate) enum Check {
    Pattern(Node),
    /// Passes when any pattern passes.
    AnyPattern(Vec<Node>),
    Deny(deny::Conditions),
}

/// One object a rule looks at: built on a cluster, or a document as written.
struct Subject<'a> {
    node: &'a Node,
    /// The file that defines it, relative to the linted root.
    path: &'a str,
    /// The cluster and owner of a built object; `None` for a document as written.
    placed: Option<(&'a Cluster, &'a Placed)>,
}

impl Subject<'_> {
    fn meta(&self) -> ObjectMeta<'_> {
        ObjectMeta(self.node)
    }

    fn owner(&self) -> Option<&Owner> {
        self.placed.map(|(_, p)| &p.owner)
    }
}

impl Selector {
    fn matches(&self, subject: &Subject) -> bool {
        let meta = subject.meta();
        let any = |patterns: &[String], value: &str| {
            patterns.is_empty() || patterns.iter().any(|p| pattern::wildcard(p, value))
        };
        let scope = match self.scope {
            Scope::Any => true,
            Scope::Tenant => subject.owner().is_some_and(Owner::is_restricted_tenant),
            Scope::Platform => subject.owner() == Some(&Owner::Platform),
        };
        let cluster = subject.placed.map_or("", |(c, _)| c.name.as_str());
        scope
            && (self.kinds.is_empty() || self.kinds.iter().any(|k| kind_matches(k, meta)))
            && any(&self.names, meta.name())
            && any(&self.namespaces, meta.namespace())
            && any(&self.clusters, cluster)
            && (self.paths.is_empty() || self.paths.matches(subject.path))
    }
}

fn kind_matches(pattern: &str, meta: ObjectMeta) -> bool {
    let w = pattern::wildcard;
    // `kind`, `version/kind`, `group/kind` or `group/version/kind`, read
    // from the end: the kind, the most selective part, is compared first.
    let mut parts = pattern.rsplit('/');
    let (Some(kind), prefix, group_first, None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    if !w(kind, meta.kind()) {
        return false;
    }
    let (group, version) = meta.group_version();
    match (group_first, prefix) {
        (Some(g), Some(v)) => w(g, group) && w(v, version),
        (None, Some(g)) if g.contains('.') => w(g, group),
        (None, Some(v)) => w(v, version),
        _ => true,
    }
}

impl Policy {
    /// How reports (SARIF rule descriptors) describe the rule.
    pub(crate) fn info(&self) -> crate::rules::UserRuleInfo {
        crate::rules::UserRuleInfo {
            id: self.rule.as_str().to_string(),
            severity: self.severity,
            summary: self.message.clone(),
            help: self.help.clone(),
            at: self.at,
        }
    }

    fn applies(&self, subject: &Subject) -> bool {
        self.select.iter().any(|s| s.matches(subject))
            && !self.exclude.iter().any(|s| s.matches(subject))
    }

    /// Where and why `object` breaks the rule, if it does.
    fn violation(&self, object: &Node) -> Option<(Span, Option<String>, String)> {
        match &self.check {
            Check::Pattern(p) => match pattern::check(p, object) {
                Outcome::Fail(m) => Some((m.span, Some(m.path), m.reason)),
                _ => None,
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
                let reason = format!("no pattern matches; the first: {}", m.reason);
                Some((m.span, Some(m.path), reason))
            }
            Check::Deny(conditions) => {
                let span = conditions.denies(object)?;
                Some((span, None, "the deny conditions hold".to_string()))
            }
        }
    }

    /// The finding for `subject`, if it breaks the rule.
    fn judge(&self, subject: &Subject, ctx: &RuleContext) -> Option<Finding> {
        let (span, path, reason) = self.violation(subject.node)?;
        let finding = Finding::new(self.rule.clone(), self.severity, span, self.render(subject))
            .with_help(self.help.clone().unwrap_or(reason));
        let Some((cluster, placed)) = subject.placed else {
            let file = subject.node.span.file;
            let text = &ctx.store().get(file).text;
            return Some(
                match self.fix.as_ref().map(|f| f.fix(subject.node, text, file)) {
                    None => finding,
                    Some(Ok(fix)) => finding.with_fix(fix),
                    Some(Err(why)) => {
                        let help = finding.help().map(|h| h.into_owned()).unwrap_or_default();
                        finding.with_help(format!("{help}; not this one: {why}, fix it by hand"))
                    }
                },
            );
        };
        let (landed_at, landed) = landing(cluster, placed);
        let finding = match self.passes_as_written(placed, path.as_deref(), ctx) {
            Some(at) => finding.with_related(
                at,
                "as written here the object passes; an overlay or patch changes it",
            ),
            None => finding,
        };
        let finding = finding
            .with_related(landed_at, landed)
            .with_tenant(placed.owner.tenant());
        Some(super::tenant_service_account::under_default_service_account(finding, cluster, placed))
    }

    /// When the built object fails but its document as written passes (an
    /// overlay broke it): where to show that, the failing path if written.
    fn passes_as_written(
        &self,
        placed: &Placed,
        path: Option<&str>,
        ctx: &RuleContext,
    ) -> Option<Span> {
        let origin = placed.resource.origin;
        let documents = &ctx.files().get(origin.file.0 as usize)?.documents;
        let written = &documents.iter().find(|d| d.root.span == origin)?.root;
        if self.violation(written).is_some() {
            return None;
        }
        let keys: Vec<&str> = path
            .unwrap_or("")
            .split('.')
            .filter(|k| !k.is_empty())
            .collect();
        Some(
            written
                .get_path(&keys)
                .filter(|_| !keys.is_empty())
                .map_or_else(|| written.headline(), |n| n.span),
        )
    }

    /// Whether `node`, a document as written, breaks the policy, and the
    /// policy's message for it (the fuzz targets' entry).
    #[cfg(feature = "fuzzing")]
    pub(crate) fn judge_document(&self, node: &Node) -> Option<String> {
        self.violation(node)?;
        let subject = Subject {
            node,
            path: "fuzz.yaml",
            placed: None,
        };
        Some(self.render(&subject))
    }

    /// The message with each `{{...}}` replaced, in one pass from left to
    /// right: a substituted value is never read again, so a value that itself
    /// holds `{{...}}` (an object named `{{request.object.metadata.name}}`)
    /// is printed as it is, not expanded forever.
    fn render(&self, subject: &Subject) -> String {
        let mut out = String::with_capacity(self.message.len());
        let mut rest = self.message.as_str();
        while let Some(start) = rest.find("{{") {
            let Some(len) = rest[start..].find("}}") else {
                break;
            };
            out.push_str(&rest[..start]);
            out.push_str(&value_of(rest[start + 2..start + len].trim(), subject));
            rest = &rest[start + len + 2..];
        }
        out.push_str(rest);
        out
    }
}

/// What `{{expr}}` stands for: the object, its tenant, or a field.
fn value_of(expr: &str, subject: &Subject) -> String {
    match expr {
        "object" => subject.meta().describe(),
        "tenant" => subject
            .owner()
            .and_then(Owner::tenant)
            .unwrap_or("the platform")
            .to_string(),
        _ => deny::values(expr, subject.node)
            .first()
            .and_then(|n| n.as_str())
            .unwrap_or("")
            .to_string(),
    }
}

/// Runs `policies` on what each reads: every object of every cluster, or every
/// document of every manifest file. Subjects are judged in parallel; the
/// findings come in subject order, then policy order, whatever the threads.
pub(crate) fn run(policies: &[Policy], ctx: &RuleContext) -> Vec<Finding> {
    let (on_files, on_clusters): (Vec<&Policy>, Vec<&Policy>) =
        policies.iter().partition(|p| p.input == Input::Files);
    let judge_all = |policies: &[&Policy], subject: Subject| -> Vec<Finding> {
        policies
            .iter()
            .filter(|policy| policy.applies(&subject))
            .filter_map(|policy| policy.judge(&subject, ctx))
            .collect()
    };
    let mut findings = Vec::new();
    if !on_clusters.is_empty() {
        let placed: Vec<_> = ctx
            .fleet
            .clusters
            .iter()
            .flat_map(|cluster| cluster.objects.iter().map(move |placed| (cluster, placed)))
            .collect();
        let found: Vec<Vec<Finding>> = placed
            .par_iter()
            .map(|&(cluster, placed)| {
                let subject = Subject {
                    node: &placed.resource.node,
                    path: &ctx.store().get(placed.resource.origin.file).path,
                    placed: Some((cluster, placed)),
                };
                judge_all(&on_clusters, subject)
            })
            .collect();
        findings.extend(found.into_iter().flatten());
    }
    if !on_files.is_empty() {
        let documents: Vec<_> = ctx
            .store()
            .iter()
            .filter(|(id, _)| !ctx.loaded.is_secret_scan_only(*id))
            .flat_map(|(id, source)| {
                let documents = ctx
                    .files()
                    .get(id.0 as usize)
                    .map_or(&[][..], |f| &f.documents);
                documents.iter().map(move |document| (source, document))
            })
            .collect();
        let found: Vec<Vec<Finding>> = documents
            .par_iter()
            .map(|&(source, document)| {
                let subject = Subject {
                    node: &document.root,
                    path: &source.path,
                    placed: None,
                };
                judge_all(&on_files, subject)
            })
            .collect();
        findings.extend(found.into_iter().flatten());
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::parse_first;

    #[test]
    fn a_kind_pattern_names_the_kind_and_optionally_its_group_and_version() {
        let release = parse_first("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n");
        let deployment = parse_first("apiVersion: apps/v1\nkind: Deployment\n");
        let config_map = parse_first("apiVersion: v1\nkind: ConfigMap\n");
        let cases = [
            ("HelmRelease", &release, true),
            ("Helm*", &release, true),
            ("helm.toolkit.fluxcd.io/*/HelmRelease", &release, true),
            (
                "helm.toolkit.fluxcd.io/v2beta1/HelmRelease",
                &release,
                false,
            ),
            ("source.toolkit.fluxcd.io/*/HelmRelease", &release, false),
            ("helm.toolkit.fluxcd.io/HelmRelease", &release, true),
            ("v2/HelmRelease", &release, true),
            ("apps/v1/Deployment", &deployment, true),
            ("apps/Deployment", &deployment, false),
            ("v1/Deployment", &deployment, true),
            ("v1/ConfigMap", &config_map, true),
            ("/v1/ConfigMap", &config_map, true),
            ("Deployment", &config_map, false),
            ("a/b/c/ConfigMap", &config_map, false),
        ];
        for (pattern, object, expected) in cases {
            assert_eq!(
                kind_matches(pattern, ObjectMeta(object)),
                expected,
                "{pattern}"
            );
        }
    }
}
