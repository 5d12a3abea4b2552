//! Every rule a repository's runs know, for `fleet-lint rules` and `explain`:
//! the built-in ones and the user's (declarative rules and Kyverno policies
//! under the config's `rules.paths`), each at the level the config and the
//! command line's selection give it. Reads the config and the rule files only;
//! the fleet is not built.

use crate::diag::{Place, Severity};
use crate::load::{LoadOptions, Loaded};
use crate::rules::{self, policy};
use crate::{LintOptions, RunError, discover, pipeline};

/// One rule, as users see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogRule {
    /// The id findings carry.
    pub id: String,
    /// Its severity by default (a user's rule: as written).
    pub default_severity: Severity,
    /// Its severity in a run; `None` when the config or selection turns it off.
    pub severity: Option<Severity>,
    /// Its tags' names (`security`, `tenant`).
    pub tags: Vec<&'static str>,
    /// One line on what it checks (a user's rule: its message as written).
    pub summary: String,
    /// A user's rule's help.
    pub help: Option<String>,
    /// Where a user's rule is written, as `path:line`; `None` for a built-in one.
    pub defined_at: Option<String>,
    /// A built-in rule's whole Markdown doc.
    pub doc: Option<&'static str>,
}

/// The rules, built-in first in `fleet-lint rules` order, then the user's in
/// file order; and what reading the user's rule files found wrong, as
/// `path:line:column: message` lines.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    /// Every rule.
    pub rules: Vec<CatalogRule>,
    /// Problems in the user's rule files.
    pub problems: Vec<String>,
}

impl Catalog {
    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&CatalogRule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// The catalog of the repository at `options.root` (its config, `--config`,
/// and `options.rules`).
pub fn catalog(options: &LintOptions) -> Result<Catalog, RunError> {
    let root = pipeline::check_root(&options.root)?;
    let config = pipeline::read_config(options, &root)?;
    let rule_files = if config.rule_paths.is_empty() {
        Vec::new()
    } else {
        let discovery = discover::discover(&root, options.jobs.max(1))
            .map_err(|e| RunError::Root(root.clone(), e))?;
        pipeline::rule_files(&discovery, &config)
    };
    let mut loaded = Loaded::default();
    let load_options = LoadOptions::default();
    let (policies, policy_findings) =
        policy::load_user_policies(&rule_files, &mut loaded, &load_options);
    let (_, levels) = pipeline::rule_levels(&config, &options.rules, &policies, &[])?;
    let level = |id: &str, default: Severity| match levels.of(id) {
        None => Some(default),
        Some(level) => level,
    };
    let builtin = rules::BUILTIN_RULES.iter().map(|rule| CatalogRule {
        id: rule.id.as_str().to_string(),
        default_severity: rule.severity,
        severity: level(rule.id.as_str(), rule.severity),
        tags: rule.tags.iter().map(|t| t.name()).collect(),
        summary: rule.summary.to_string(),
        help: None,
        defined_at: None,
        doc: Some(rule.doc),
    });
    let mut users: Vec<CatalogRule> = Vec::new();
    for policy in &policies {
        if users.iter().any(|r| r.id == policy.rule.as_str()) {
            continue;
        }
        let info = policy.info();
        let place = Place::of(info.at, &loaded.store);
        users.push(CatalogRule {
            severity: level(&info.id, info.severity),
            id: info.id,
            default_severity: info.severity,
            tags: Vec::new(),
            summary: info.summary,
            help: info.help,
            defined_at: Some(format!("{}:{}", place.path, place.line)),
            doc: None,
        });
    }
    let problems = loaded
        .findings
        .iter()
        .chain(&policy_findings)
        .map(|f| crate::report::finding_line(f, &loaded.store))
        .collect();
    Ok(Catalog {
        rules: builtin.chain(users).collect(),
        problems,
    })
}
