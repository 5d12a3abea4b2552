//! `unresolved-substitution`: a `${VAR}` without a default that no
//! `postBuild.substitute` or `substituteFrom` of the Flux Kustomization that
//! builds it defines. Since Flux 2.9 (strict substitution) the reconciliation
//! fails; before, the value silently became empty.

use super::RuleContext;
use crate::diag::{Finding, Severity};
use crate::rules::RuleId;

pub(super) const ID: RuleId = RuleId::UnresolvedSubstitution;

pub(super) fn check(ctx: &RuleContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for cluster in &ctx.fleet.clusters {
        for sync in &cluster.syncs {
            for unresolved in &sync.unresolved {
                let name = &unresolved.name;
                // A substituteFrom object made outside the repository may define it: say so, do not guess.
                let (severity, message) = match sync.missing_substitute_from.as_slice() {
                    [] => (
                        Severity::Error,
                        format!(
                            "`${{{name}}}` has no default, and Kustomization {} defines no `{name}` (postBuild.substitute or substituteFrom): Flux fails the reconciliation (strict substitution)",
                            sync.id
                        ),
                    ),
                    missing => (
                        Severity::Warning,
                        format!(
                            "`${{{name}}}` has no default and Kustomization {} defines no `{name}`, unless {} (not in this repository, made out of band?) does",
                            sync.id,
                            missing.join(" or ")
                        ),
                    ),
                };
                let mut finding = Finding::new(ID, severity, unresolved.span, message).with_help(
                    format!("define `{name}` in postBuild, or write `${{{name}:=default}}`"),
                );
                if let Some(definition) = sync.definition(cluster) {
                    let node = &definition.node;
                    let span = node
                        .get_path(&["spec", "postBuild"])
                        .map_or_else(|| node.headline(), |n| n.span);
                    finding = finding.with_related(
                        span,
                        format!(
                            "the variables of Kustomization {} on cluster {}",
                            sync.id,
                            sync.lives_on(cluster)
                        ),
                    );
                }
                findings.push(finding);
            }
        }
    }
    findings
}
