//! Which rules a run reports, and at which severity: the config's
//! `rules.severity`, then the command line's `--select` and `--ignore`.
//!
//! A selector is a rule id, a group (an id's prefix up to a `-` or `/`:
//! `kustomize` names every `kustomize-*` rule, a Kyverno policy's name every
//! `<policy>/<rule>`), a tag (`security`, `tenant`), or `all`. For each rule
//! the most specific selector that matches it decides, as in ruff: an id beats
//! a group (a longer group beats a shorter one), a group beats a tag, a tag
//! beats `all`; between a select and an ignore equally specific, the ignore
//! wins. With `--select`, a rule no selector selects is off. The command line
//! overrides the config: a selected rule the config turned off is reported at
//! its default severity; a severity the config sets is kept.

use crate::config::SeverityOverride;
use crate::diag::Severity;
use crate::rules::Tag;

/// `--select` and `--ignore`, as given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleSelection {
    /// Rules to report; empty means every rule.
    pub select: Vec<String>,
    /// Rules not to report.
    pub ignore: Vec<String>,
}

/// A rule as selectors see it: its id and its tags' names.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SelectableRule<'a> {
    pub id: &'a str,
    pub tags: &'a [Tag],
}

/// How specific a selector is about a rule: the most specific match decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Specificity {
    All,
    Tag,
    /// A group, by its length.
    Group(usize),
    Id,
}

/// What decides each rule's level in a run.
#[derive(Debug)]
pub(crate) struct Levels<'a> {
    config: &'a [SeverityOverride],
    selection: &'a RuleSelection,
    rules: Vec<SelectableRule<'a>>,
}

impl RuleSelection {
    /// Whether the command line selects anything.
    pub fn is_empty(&self) -> bool {
        self.select.is_empty() && self.ignore.is_empty()
    }

    /// The first selector that names no rule, group or tag, with a hint.
    fn unknown_selector(&self, rules: &[SelectableRule]) -> Option<String> {
        let unknown = self
            .select
            .iter()
            .chain(&self.ignore)
            .find(|s| !rules.iter().any(|rule| specificity(s, rule).is_some()))?;
        let names = rules
            .iter()
            .map(|r| r.id)
            .chain(rules.iter().flat_map(|r| r.tags.iter().map(|t| t.name())))
            .chain(["all"]);
        let hint = crate::suggest::did_you_mean(unknown, names, 3);
        Some(format!(
            "`{unknown}` names no rule, group or tag{hint}; `fleet-lint rules` lists them"
        ))
    }
}

impl<'a> Levels<'a> {
    /// The levels of `rules` under the config's severities and `selection`;
    /// an error for a selector that matches nothing.
    pub(crate) fn new(
        config: &'a [SeverityOverride],
        selection: &'a RuleSelection,
        rules: Vec<SelectableRule<'a>>,
    ) -> Result<Levels<'a>, String> {
        match selection.unknown_selector(&rules) {
            Some(message) => Err(message),
            None => Ok(Levels {
                config,
                selection,
                rules,
            }),
        }
    }

    /// `None`: the rule keeps its severity; `Some(None)`: it is off;
    /// `Some(Some(s))`: it is reported at `s`.
    pub(crate) fn of(&self, rule: &str) -> Option<Option<Severity>> {
        let configured = self
            .config
            .iter()
            .rev()
            .find(|o| o.rule == rule)
            .map(|o| o.level);
        match self.verdict(rule) {
            Verdict::Ignored => Some(None),
            Verdict::Selected => configured.flatten().map(Some),
            Verdict::Unsaid if !self.selection.select.is_empty() => Some(None),
            Verdict::Unsaid => configured,
        }
    }

    /// Whether the rule is off in this run.
    pub(crate) fn is_off(&self, rule: &str) -> bool {
        self.of(rule) == Some(None)
    }

    fn verdict(&self, id: &str) -> Verdict {
        let rule = self
            .rules
            .iter()
            .copied()
            .find(|r| r.id == id)
            .unwrap_or(SelectableRule { id, tags: &[] });
        let best =
            |selectors: &[String]| selectors.iter().filter_map(|s| specificity(s, &rule)).max();
        match (best(&self.selection.select), best(&self.selection.ignore)) {
            (selected, Some(ignored)) if selected <= Some(ignored) => Verdict::Ignored,
            (Some(_), _) => Verdict::Selected,
            _ => Verdict::Unsaid,
        }
    }
}

enum Verdict {
    Selected,
    Ignored,
    Unsaid,
}

/// How specifically `selector` names `rule`, if it does.
fn specificity(selector: &str, rule: &SelectableRule) -> Option<Specificity> {
    let selector = selector.trim();
    if selector == rule.id {
        Some(Specificity::Id)
    } else if rule
        .id
        .strip_prefix(selector)
        .is_some_and(|rest| rest.starts_with(['-', '/']))
    {
        Some(Specificity::Group(selector.len()))
    } else if rule.tags.iter().any(|tag| tag.name() == selector) {
        Some(Specificity::Tag)
    } else if selector.eq_ignore_ascii_case("all") {
        Some(Specificity::All)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Pos;

    const RULES: &[SelectableRule] = &[
        SelectableRule {
            id: "tenant-service-account",
            tags: &[Tag::Security, Tag::Tenant],
        },
        SelectableRule {
            id: "tenant-alert-coverage",
            tags: &[Tag::Tenant],
        },
        SelectableRule {
            id: "cluster-lockdown",
            tags: &[Tag::Security, Tag::Tenant],
        },
        SelectableRule {
            id: "kustomize-cycle",
            tags: &[],
        },
        SelectableRule {
            id: "require-team/check-label",
            tags: &[],
        },
    ];

    fn selection(select: &[&str], ignore: &[&str]) -> RuleSelection {
        RuleSelection {
            select: select.iter().map(|s| s.to_string()).collect(),
            ignore: ignore.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn on(config: &[SeverityOverride], select: &[&str], ignore: &[&str]) -> Vec<&'static str> {
        let selection = selection(select, ignore);
        let levels = Levels::new(config, &selection, RULES.to_vec()).expect("known selectors");
        RULES
            .iter()
            .filter(|r| !levels.is_off(r.id))
            .map(|r| r.id)
            .collect()
    }

    fn off_in_config(rule: &str) -> SeverityOverride {
        SeverityOverride {
            rule: rule.to_string(),
            level: None,
            at: Pos::default(),
        }
    }

    #[test]
    fn without_selectors_every_rule_is_on() {
        assert_eq!(on(&[], &[], &[]).len(), RULES.len());
    }

    #[test]
    fn a_tag_a_group_and_an_id_select() {
        assert_eq!(
            on(&[], &["tenant"], &[]),
            [
                "tenant-service-account",
                "tenant-alert-coverage",
                "cluster-lockdown"
            ]
        );
        assert_eq!(on(&[], &["kustomize"], &[]), ["kustomize-cycle"]);
        assert_eq!(
            on(&[], &["require-team"], &[]),
            ["require-team/check-label"]
        );
        assert_eq!(on(&[], &["cluster-lockdown"], &[]), ["cluster-lockdown"]);
    }

    #[test]
    fn the_most_specific_selector_decides() {
        assert_eq!(
            on(&[], &["tenant"], &["tenant-alert-coverage"]),
            ["tenant-service-account", "cluster-lockdown"]
        );
        assert_eq!(
            on(&[], &["tenant-alert-coverage"], &["tenant"]),
            ["tenant-alert-coverage"]
        );
        assert_eq!(
            on(&[], &["security"], &["security"]),
            Vec::<&str>::new(),
            "an ignore as specific as a select wins"
        );
        assert_eq!(
            on(&[], &[], &["security"]),
            [
                "tenant-alert-coverage",
                "kustomize-cycle",
                "require-team/check-label"
            ]
        );
    }

    #[test]
    fn the_command_line_overrides_the_config() {
        let config = [off_in_config("cluster-lockdown")];
        assert!(!on(&config, &[], &[]).contains(&"cluster-lockdown"));
        assert!(on(&config, &["cluster-lockdown"], &[]).contains(&"cluster-lockdown"));
        let selection = selection(&["all"], &[]);
        let levels = Levels::new(&config, &selection, RULES.to_vec()).expect("known");
        assert_eq!(levels.of("cluster-lockdown"), None, "its default severity");
    }

    #[test]
    fn a_selector_that_names_nothing_is_an_error() {
        let selection = selection(&["tenant-alert-coverag"], &[]);
        let error = Levels::new(&[], &selection, RULES.to_vec()).expect_err("unknown");
        assert!(
            error.contains("`tenant-alert-coverag` names no rule"),
            "{error}"
        );
        assert!(error.contains("tenant-alert-coverage"), "{error}");
        let partial = selection_of("tenant-ser");
        assert!(
            Levels::new(&[], &partial, RULES.to_vec()).is_err(),
            "groups end at a `-`"
        );
    }

    fn selection_of(select: &str) -> RuleSelection {
        selection(&[select], &[])
    }
}
