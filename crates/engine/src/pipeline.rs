//! The stages of a run, each a function of the previous stage's output:
//!
//! 1. [`model`]: discover (one walk) -> load (read and parse each file once) ->
//!    resolve and model (every kustomization directory built ahead, on every
//!    core; then the clusters Flux's own objects define, the Flux
//!    Kustomizations followed on each, then every other kustomization), and
//!    the files only the secret scan reads. `graph` and `init` stop here;
//! 2. [`check`]: the rules over the model (built-in checks, declarative rules,
//!    the user's rules and Kyverno policies, schemas);
//! 3. decide: the user's severities, excludes and suppressions, the report's
//!    file selection and the baseline, then report order.
//!
//! [`lint`] runs them all on one thread pool.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::diag::{self, Finding};
use crate::kustomize::{self, Resolver};
use crate::load::{self, LoadOptions, Loaded};
use crate::progress::Stage;
use crate::resolve::RepoFiles;
use crate::rule_selection::{Levels, SelectableRule};
use crate::rules::policy;
use crate::source::Span;
use crate::{
    LintOptions, LintRun, Model, RunError, StageTimings, config, discover, fleet, resolve, rules,
    selection, suggest, suppress,
};

/// Lints the fleet repository at `options.root`.
pub fn lint(options: &LintOptions) -> Result<LintRun, RunError> {
    on_pool(options, |threads| {
        check(model_on(options, threads)?, options)
    })
}

/// The fleet model of the repository at `options.root`, without the rules.
pub fn model(options: &LintOptions) -> Result<Model, RunError> {
    on_pool(options, |threads| model_on(options, threads))
}

/// The rules and the user's decisions over a model [`model`] made: the
/// second half of [`lint`] (the benchmarks time it on its own).
pub fn check_model(model: Model, options: &LintOptions) -> Result<LintRun, RunError> {
    on_pool(options, |_| check(model, options))
}

/// Runs `stages` on a pool of `options.jobs` worker threads (0: one per core).
fn on_pool<T: Send>(
    options: &LintOptions,
    stages: impl FnOnce(usize) -> Result<T, RunError> + Send,
) -> Result<T, RunError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        .stack_size(8 * 1024 * 1024)
        .build()
        .map_err(|e| RunError::ThreadPool(e.to_string()))?;
    let threads = pool.current_num_threads();
    pool.install(|| stages(threads))
}

/// Records the stage a run enters, for a progress display.
fn enter(options: &LintOptions, stage: Stage) {
    if let Some(stages) = &options.progress {
        stages.enter(stage);
    }
}

/// Time since `clock`, and `clock` reset to now.
fn lap(clock: &mut Instant) -> Duration {
    let now = Instant::now();
    let elapsed = now - *clock;
    *clock = now;
    elapsed
}

/// Discover, load, resolve and model, on `threads` workers.
fn model_on(options: &LintOptions, threads: usize) -> Result<Model, RunError> {
    let root = check_root(&options.root)?;
    let mut timings = StageTimings::default();
    let mut clock = Instant::now();
    enter(options, Stage::Discover);
    let config = read_config(options, &root)?;
    let mut discovery =
        discover::discover(&root, threads).map_err(|e| RunError::Root(root.clone(), e))?;
    let rule_files = rule_files(&discovery, &config);
    // Rule files are read as rules (policy::load_user_policies) and the
    // config as the config, not as manifests.
    let linted = |f: &discover::Discovered| {
        !config.exclude.matches(&f.rel_path)
            && !config.is_rule_file(&f.rel_path)
            && f.rel_path != config::CONFIG_FILE
    };
    discovery.manifests.retain(linted);
    discovery.secret_scan_only.retain(linted);
    let load_options = LoadOptions {
        max_file_size: options
            .max_file_size
            .or(config.max_file_size)
            .unwrap_or(LoadOptions::default().max_file_size),
        ..LoadOptions::default()
    };
    if let Some(stages) = &options.progress {
        stages.set_files(discovery.manifests.len());
    }
    enter(options, Stage::Load);
    let loaded = load::load_all(&discovery.manifests, &load_options);
    timings.load = lap(&mut clock);
    enter(options, Stage::Model);
    let mut files = RepoFiles::new(&root, loaded, load_options);
    let mut resolver = Resolver::new(&mut files);
    resolver.build_ahead(&kustomize::kustomization_dirs(resolver.files().store()));
    let (fleet, mut findings) = fleet::build_fleet(&root, &mut resolver, &config);
    timings.model = lap(&mut clock);
    enter(options, Stage::Resolve);
    let builds = resolve::resolve_every_kustomization(&mut resolver, &fleet);
    let problems = resolver.finish();
    let mut loaded = files.into_loaded();
    loaded.load_secret_scan_only(&discovery.secret_scan_only, &load_options);
    findings.extend(loaded.findings.iter().cloned());
    findings.extend(problems.into_iter().map(resolve::finding));
    let said_no_entry_point = findings
        .iter()
        .any(|f| f.rule == diag::Rule::Builtin(crate::rule_id::RuleId::NoEntryPoint));
    if fleet.clusters.is_empty() && !said_no_entry_point {
        // No file holds an object to point at: the finding is about the root.
        let root_file = loaded.root_entry();
        findings.push(fleet::no_entry_point(Span::file_start(root_file)));
    }
    timings.resolve_rest = lap(&mut clock);
    Ok(Model {
        root,
        config,
        loaded,
        fleet,
        builds,
        findings,
        load_options,
        rule_files,
        timings,
    })
}

/// The files discovery found under the config's `rules.paths`, folder by
/// folder in the config's order, each folder's sorted by path: YAML files,
/// kustomization files excepted.
pub(crate) fn rule_files(
    discovery: &discover::Discovery,
    config: &config::Config,
) -> Vec<discover::Discovered> {
    let found: Vec<&discover::Discovered> = discovery
        .manifests
        .iter()
        .chain(&discovery.secret_scan_only)
        .filter(|f| {
            let name = crate::relpath::file_name(&f.rel_path);
            (name.ends_with(".yaml") || name.ends_with(".yml"))
                && !crate::kustomize::KUSTOMIZATION_FILES.contains(&name)
        })
        .collect();
    config
        .rule_paths
        .iter()
        .flat_map(|dir| {
            let mut under: Vec<discover::Discovered> = found
                .iter()
                .filter(|f| crate::relpath::contains(dir, &f.rel_path))
                .map(|f| (*f).clone())
                .collect();
            under.sort();
            under
        })
        .collect()
}

/// The config file the options name, else the root's, with the schema
/// directories of `--schema-dir` first.
pub(crate) fn read_config(options: &LintOptions, root: &Path) -> Result<config::Config, RunError> {
    let mut config = match &options.config {
        Some(path) => config::load_config_file(path),
        None => config::load_config(root),
    }
    .map_err(RunError::Config)?;
    config.schema_dirs = options
        .schema_dirs
        .iter()
        .cloned()
        .chain(config.schema_dirs.iter().map(|dir| root.join(dir)))
        .collect();
    Ok(config)
}

/// The rules over `model`, then the user's decisions, in report order.
fn check(model: Model, options: &LintOptions) -> Result<LintRun, RunError> {
    let Model {
        root: _,
        config,
        mut loaded,
        fleet,
        builds,
        mut findings,
        load_options,
        rule_files,
        mut timings,
    } = model;
    let mut clock = Instant::now();
    enter(options, Stage::Rules);
    let read_before = loaded.findings.len();
    let (policies, policy_findings) =
        policy::load_user_policies(&rule_files, &mut loaded, &load_options);
    // Rule files discovery skipped are read now; what reading them found.
    findings.extend(loaded.findings[read_before..].iter().cloned());
    let admission_rules = rules::admission::policy_rules(&fleet);
    let (rule_ids, levels) = rule_levels(&config, &options.rules, &policies, &admission_rules)?;
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
    diag::share_secrets(&mut findings);
    let secret_spans = diag::secret_spans_by_file(&findings);
    let mut findings = users_decisions(findings, &loaded, &config, &levels, &rule_ids);
    sort_findings(&mut findings, &loaded);
    crate::fingerprint::assign(&mut findings, &loaded);
    // The baseline first: its entries are matched against every finding,
    // selected or not, so that none counts as stale for being out of view.
    let baseline = options
        .baseline
        .as_ref()
        .map(|b| b.filter(&mut findings, &loaded.store))
        .unwrap_or_default();
    let not_selected = options.only_in.as_ref().map_or(0, |only_in| {
        selection::retain(only_in.as_ref(), &mut findings, &loaded.store)
    });
    timings.rules = lap(&mut clock);
    let mut user_rules: Vec<rules::UserRuleInfo> = Vec::new();
    for policy in &policies {
        if !user_rules.iter().any(|r| policy.rule == *r.id) {
            user_rules.push(policy.info());
        }
    }
    for rule in admission_rules {
        if !user_rules.iter().any(|r| r.id == rule.id) {
            user_rules.push(rule);
        }
    }
    Ok(LintRun {
        loaded,
        fleet,
        findings,
        user_rules,
        baseline,
        not_selected,
        schema_coverage: outcome.schema_coverage,
        secret_spans,
        timings,
    })
}

/// Applies what the user decided: severities set (or rules turned off) in the
/// config and by `--select`/`--ignore`, excluded paths (files a kustomization
/// pulled in from there), and inline suppressions.
fn users_decisions(
    findings: Vec<Finding>,
    loaded: &Loaded,
    config: &config::Config,
    levels: &Levels,
    rule_ids: &[&str],
) -> Vec<Finding> {
    let linted = |file| !config.exclude.matches(&loaded.store.get(file).path);
    let findings: Vec<Finding> = findings
        .into_iter()
        .filter(|f| linted(f.span.file))
        .collect();
    let names = suppress::RuleNames {
        known: &|rule| rule_ids.contains(&rule),
        off: &|rule| levels.is_off(rule),
        all: rule_ids,
    };
    suppress::apply(findings, loaded, linted, &names)
        .into_iter()
        .filter_map(|mut f| match levels.of(f.rule.as_str()) {
            Some(None) => None,
            Some(Some(severity)) => {
                f.severity = severity;
                Some(f)
            }
            None => Some(f),
        })
        .collect()
}

/// Every rule a run knows (built-in, then the user's), checked against the
/// rules the config names, and the level each ends at under the config's
/// severities and `selection`.
pub(crate) fn rule_levels<'a>(
    config: &'a config::Config,
    selection: &'a crate::rule_selection::RuleSelection,
    policies: &'a [policy::Policy],
    admission: &'a [rules::UserRuleInfo],
) -> Result<(Vec<&'a str>, Levels<'a>), RunError> {
    let rules = selectable_rules(policies, admission);
    let rule_ids: Vec<&str> = rules.iter().map(|r| r.id).collect();
    check_rule_names(config, &rule_ids)?;
    let levels = Levels::new(&config.severity, selection, rules).map_err(RunError::Selection)?;
    Ok((rule_ids, levels))
}

/// Every rule a run knows, as `--select` and `--ignore` name them: built in,
/// the user's, and one per admission policy of the fleet.
fn selectable_rules<'a>(
    policies: &'a [policy::Policy],
    admission: &'a [rules::UserRuleInfo],
) -> Vec<SelectableRule<'a>> {
    let builtin = rules::BUILTIN_RULES.iter().map(|r| SelectableRule {
        id: r.id.as_str(),
        tags: r.tags,
    });
    let users = policies.iter().map(|p| SelectableRule {
        id: p.rule.as_str(),
        tags: &[],
    });
    let admission = admission.iter().map(|r| SelectableRule {
        id: &r.id,
        tags: &[],
    });
    builtin.chain(users).chain(admission).collect()
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

pub(crate) fn check_root(root: &Path) -> Result<PathBuf, RunError> {
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
