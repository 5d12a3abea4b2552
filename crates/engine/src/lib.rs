//! fleet-lint's engine: the pipeline that lints a multi-tenant Flux CD fleet
//! repository, without a command line (that is the `fleet-lint` crate).
//!
//! The pipeline, one stage per module, each using only the stages before it:
//!
//! ```text
//! discover -> load -> resolve -> model -> rules -> decide -> report
//! ```
//!
//! - [`discover`]: the parallel walk that finds manifests;
//! - [`load`]: reads each file once into the [`source`] store and parses it into
//!   the spanned [`yaml`] tree (both from the `fleet-lint-source` crate);
//! - [`kustomize`]: resolves every kustomization into the objects it builds;
//! - [`fleet`]: the model: clusters, the Flux Kustomizations followed on each,
//!   what lands where and which tenant owns it ([`config`] says what it cannot guess);
//! - [`rules`]: the rule registry (one declaration per rule), the rules that read
//!   the fleet model, and [`policy`], the declarative rules and Kyverno policies;
//! - decide: what users decided: [`config`] severities and excludes, inline
//!   [`suppress`]ions, a [`baseline`] of known findings, a [`selection`] of files;
//! - [`diag`]: the finding type (with secret masking) every stage emits;
//! - [`report`]: human, JSON, SARIF, GitHub, JUnit and Markdown renderings.
//!
//! [`lint`] runs it all:
//!
//! ```no_run
//! let run = fleet_lint_engine::lint(&fleet_lint_engine::LintOptions::new("fleet"))?;
//! for finding in &run.findings {
//!     println!("{} {}", finding.rule, finding.message());
//! }
//! # Ok::<(), fleet_lint_engine::RunError>(())
//! ```

pub mod baseline;
pub mod config;
pub mod diag;
pub mod discover;
pub mod fleet;
pub mod init;
pub mod kustomize;
pub mod load;
pub mod policy;
pub mod progress;
pub mod report;
pub mod rules;
pub mod schema;
pub mod selection;
pub mod suppress;
#[cfg(test)]
mod testing;

pub use fleet_lint_source::{base64, source, suggest, yaml};

use std::path::{Path, PathBuf};

use diag::{Finding, Severity};
use load::{LoadOptions, Loaded};
use progress::Stage;

/// What a run needs to know.
#[derive(Clone, Debug)]
pub struct LintOptions {
    pub root: PathBuf,
    /// Worker threads; 0 means one per core.
    pub jobs: usize,
    /// Files larger than this are skipped (default: the config's, else 8 MiB).
    pub max_file_size: Option<u64>,
    /// The config file; `None` means `.fleet-lint.yaml` at the root, if any.
    pub config: Option<PathBuf>,
    /// Findings this baseline holds are not reported.
    pub baseline: Option<baseline::Baseline>,
    /// Only findings with a location in these files are reported.
    pub only_in: Option<std::sync::Arc<dyn selection::FileSelection>>,
    /// `--schema-dir`: extra schema directories, searched before the config's.
    pub schema_dirs: Vec<PathBuf>,
    /// Where the run records its stage, for a progress display.
    pub progress: Option<std::sync::Arc<progress::Stages>>,
}

impl LintOptions {
    pub fn new(root: impl Into<PathBuf>) -> LintOptions {
        LintOptions {
            root: root.into(),
            jobs: 0,
            max_file_size: None,
            config: None,
            baseline: None,
            only_in: None,
            schema_dirs: Vec::new(),
            progress: None,
        }
    }
}

/// The outcome of a run: every file read, the fleet model, and every finding
/// in report order.
#[derive(Debug)]
pub struct LintRun {
    pub loaded: Loaded,
    pub fleet: fleet::Fleet,
    pub findings: Vec<Finding>,
    /// The user's declarative rules (one per id), for reports that describe rules.
    pub user_rules: Vec<rules::UserRuleInfo>,
    /// Findings left out because the baseline holds them.
    pub baselined: usize,
    /// Objects validated against a schema, and objects of kinds without one.
    pub schema_coverage: rules::schema::Coverage,
    /// How long each stage took (for benchmarks; never part of a report).
    pub timings: StageTimings,
}

/// Wall time of each pipeline stage of a run.
#[derive(Clone, Copy, Debug, Default)]
pub struct StageTimings {
    /// Discover and load (read + parse) every manifest.
    pub load: std::time::Duration,
    /// The fleet model, including resolving the builds the clusters use.
    pub model: std::time::Duration,
    /// Resolving the kustomizations no cluster reached.
    pub resolve_rest: std::time::Duration,
    pub rules: std::time::Duration,
    /// Of `rules`: the `schema` rule (compiling the schemas and validating).
    pub schema: std::time::Duration,
}

impl LintRun {
    /// The tenant of each finding (aligned with `findings`): the owner of the
    /// object whose document holds the finding's primary location, if a tenant.
    pub fn finding_tenants(&self) -> Vec<Option<&str>> {
        let mut by_file: std::collections::HashMap<source::FileId, Vec<(source::Span, &str)>> =
            std::collections::HashMap::new();
        for placed in self.fleet.clusters.iter().flat_map(|c| &c.objects) {
            if let Some(tenant) = placed.owner.tenant() {
                let origin = placed.resource.origin;
                by_file
                    .entry(origin.file)
                    .or_default()
                    .push((origin, tenant));
            }
        }
        self.findings
            .iter()
            .map(|finding| {
                let span = finding.span;
                by_file
                    .get(&span.file)?
                    .iter()
                    .find_map(|(origin, tenant)| {
                        (origin.start.offset <= span.start.offset
                            && span.end.offset <= origin.end.offset)
                            .then_some(*tenant)
                    })
            })
            .collect()
    }

    /// How many findings have each severity: (errors, warnings, infos).
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |s| self.findings.iter().filter(|f| f.severity == s).count();
        (
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info),
        )
    }
}

/// Errors that stop a run before any finding (exit code 2).
#[derive(Debug)]
pub enum RunError {
    Root(PathBuf, std::io::Error),
    NotADirectory(PathBuf),
    ThreadPool(String),
    Config(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Root(path, err) => write!(f, "cannot read {}: {err}", path.display()),
            RunError::NotADirectory(path) => {
                write!(
                    f,
                    "{} is not a directory (give the fleet repository's root)",
                    path.display()
                )
            }
            RunError::ThreadPool(err) => write!(f, "cannot start worker threads: {err}"),
            RunError::Config(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for RunError {}

/// Lints the fleet repository at `options.root`.
pub fn lint(options: &LintOptions) -> Result<LintRun, RunError> {
    let root = check_root(&options.root)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        .stack_size(8 * 1024 * 1024)
        .build()
        .map_err(|e| RunError::ThreadPool(e.to_string()))?;
    let threads = pool.current_num_threads();
    pool.install(|| {
        let mut timings = StageTimings::default();
        let mut clock = std::time::Instant::now();
        let mut lap = || {
            let now = std::time::Instant::now();
            let elapsed = now - clock;
            clock = now;
            elapsed
        };
        let enter = |stage| {
            if let Some(stages) = &options.progress {
                stages.enter(stage);
            }
        };
        enter(Stage::Discover);
        let config = match &options.config {
            Some(path) => config::load_config_file(path),
            None => config::load_config(&root),
        }
        .map_err(RunError::Config)?;
        let mut config = config;
        config.schema_dirs = options
            .schema_dirs
            .iter()
            .cloned()
            .chain(config.schema_dirs.iter().map(|dir| root.join(dir)))
            .collect();
        let mut discovery =
            discover::discover(&root, threads).map_err(|e| RunError::Root(root.clone(), e))?;
        // Rule files are read as rules (policy::load_user_policies) and the
        // config as the config, not as manifests.
        let linted = |f: &discover::Discovered| {
            !config.exclude.matches(&f.rel_path)
                && !config.is_rule_file(&f.rel_path)
                && f.rel_path != config::CONFIG_FILE
        };
        discovery.manifests.retain(linted);
        discovery.secret_scan_only.retain(linted);
        let files = discovery.manifests;
        let load_options = LoadOptions {
            max_file_size: options
                .max_file_size
                .or(config.max_file_size)
                .unwrap_or(LoadOptions::default().max_file_size),
            ..LoadOptions::default()
        };
        if let Some(stages) = &options.progress {
            stages.set_files(files.len());
        }
        enter(Stage::Load);
        let loaded = load::load_all(&files, &load_options);
        timings.load = lap();
        enter(Stage::Model);
        let mut resolver = kustomize::Resolver::new(root.clone(), loaded, load_options);
        let (fleet, mut findings) = fleet::build_fleet(&root, &mut resolver, &config);
        timings.model = lap();
        enter(Stage::Resolve);
        let builds = resolve_every_kustomization(&mut resolver);
        let (mut loaded, resolve_findings) = resolver.finish();
        loaded.load_secret_scan_only(&discovery.secret_scan_only, &load_options);
        timings.resolve_rest = lap();
        enter(Stage::Rules);
        let (policies, policy_findings) =
            policy::load_user_policies(&root, &config, &mut loaded, &load_options);
        let mut rule_ids: Vec<&str> = rules::BUILTIN_RULES.iter().map(|r| r.id.as_str()).collect();
        rule_ids.extend(policies.iter().map(|p| p.rule.as_str()));
        check_rule_names(&config, &rule_ids)?;
        findings.extend(loaded.findings.iter().cloned());
        findings.extend(resolve_findings);
        findings.extend(policy_findings);
        let context = rules::RuleContext {
            fleet: &fleet,
            loaded: &loaded,
            config: &config,
            builds: &builds,
        };
        let outcome = rules::run_rules(&context, &policies);
        findings.extend(outcome.findings);
        timings.schema = outcome.schema_time;
        let schema_coverage = outcome.schema_coverage;
        diag::share_secrets(&mut findings);
        let mut findings = users_decisions(findings, &loaded, &config, &rule_ids);
        sort_findings(&mut findings, &loaded);
        if let Some(only_in) = &options.only_in {
            selection::retain(only_in.as_ref(), &mut findings, &loaded.store);
        }
        let baselined = options
            .baseline
            .as_ref()
            .map_or(0, |b| b.filter(&mut findings, &loaded.store));
        timings.rules = lap();
        let mut user_rules: Vec<rules::UserRuleInfo> = Vec::new();
        for policy in &policies {
            if !user_rules.iter().any(|r| policy.rule == *r.id) {
                user_rules.push(policy.info());
            }
        }
        Ok(LintRun {
            loaded,
            fleet,
            findings,
            user_rules,
            baselined,
            schema_coverage,
            timings,
        })
    })
}

/// Applies what the user decided: severities set (or rules turned off) in the
/// config, excluded paths (files a kustomization pulled in from there), and
/// inline suppressions.
fn users_decisions(
    findings: Vec<Finding>,
    loaded: &Loaded,
    config: &config::Config,
    rule_ids: &[&str],
) -> Vec<Finding> {
    let level = |rule: &str| {
        config
            .severity
            .iter()
            .rev()
            .find(|o| o.rule == rule)
            .map(|o| o.level)
    };
    let linted = |file| !config.exclude.matches(&loaded.store.get(file).path);
    let findings: Vec<Finding> = findings
        .into_iter()
        .filter(|f| linted(f.span.file))
        .collect();
    let names = suppress::RuleNames {
        known: &|rule| rule_ids.contains(&rule),
        off: &|rule| level(rule) == Some(None),
        all: rule_ids,
    };
    suppress::apply(findings, loaded, linted, &names)
        .into_iter()
        .filter_map(|mut f| match level(f.rule.as_str()) {
            Some(None) => None,
            Some(Some(severity)) => {
                f.severity = severity;
                Some(f)
            }
            None => Some(f),
        })
        .collect()
}

/// Every rule the config names must exist (built in, or one of the user's).
fn check_rule_names(config: &config::Config, rule_ids: &[&str]) -> Result<(), RunError> {
    for o in &config.severity {
        if !rule_ids.contains(&o.rule.as_str()) {
            let hint = suggest::did_you_mean(&o.rule, rule_ids.iter().copied(), 3);
            return Err(RunError::Config(config::located(
                &o.at,
                &format!(
                    "unknown rule `{}`{hint}; `fleet-lint rules` lists them",
                    o.rule
                ),
            )));
        }
    }
    Ok(())
}

/// Builds every directory that holds a kustomization, reached by a cluster or
/// not (components are built by the kustomizations that use them), so every
/// broken reference is found.
fn resolve_every_kustomization(resolver: &mut kustomize::Resolver) -> Vec<kustomize::Build> {
    let mut builds = Vec::new();
    for dir in kustomize::kustomization_dirs(resolver.loaded()) {
        if !resolver.is_component_dir(&dir) {
            builds.push(resolver.build_dir(&dir));
        }
    }
    builds
}

fn check_root(root: &Path) -> Result<PathBuf, RunError> {
    let meta = std::fs::metadata(root).map_err(|e| RunError::Root(root.to_path_buf(), e))?;
    if !meta.is_dir() {
        return Err(RunError::NotADirectory(root.to_path_buf()));
    }
    root.canonicalize()
        .map_err(|e| RunError::Root(root.to_path_buf(), e))
}

/// Puts findings in report order and drops exact duplicates.
fn sort_findings(findings: &mut Vec<Finding>, loaded: &Loaded) {
    findings.sort_by(|a, b| a.sort_key(&loaded.store).cmp(&b.sort_key(&loaded.store)));
    findings.dedup();
}
