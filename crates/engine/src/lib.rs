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
//! - [`resolve`]: resolves every kustomization into the objects it builds, with
//!   the [`kustomize`] crate over `resolve::RepoFiles`, the one view of the
//!   repository's files every later stage reads through;
//! - [`fleet`]: the model: clusters, the Flux Kustomizations followed on each,
//!   what lands where and which tenant owns it ([`config`] says what it cannot guess);
//! - [`rules`]: the rule registry (one declaration per rule), the rules that read
//!   the fleet model, and `rules::policy`, the declarative rules and Kyverno policies;
//! - decide: what users decided: [`config`] severities and excludes, inline
//!   suppressions (`suppress`), a [`baseline`] of known findings, a [`selection`] of files;
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

#![deny(unreachable_pub)]
#![deny(missing_docs)]

pub mod baseline;
pub mod catalog;
pub mod config;
pub mod diag;
pub mod discover;
pub mod fingerprint;
pub mod fix;
pub mod fleet;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod init;
pub mod load;
mod pipeline;
pub mod progress;
pub mod report;
pub mod resolve;
pub(crate) mod rule_id;
mod rule_list;
pub mod rule_selection;
pub mod rules;
pub mod schema;
pub mod selection;
pub(crate) mod suppress;
#[cfg(test)]
use fleet_lint_source::testing;

pub use fleet_lint_kustomize as kustomize;
pub use fleet_lint_source::{base64, relpath, source, suggest, yaml};
pub use pipeline::{check_model, lint, model};

use std::path::PathBuf;

use diag::Finding;
use load::{LoadOptions, Loaded};

/// What a run needs to know.
#[derive(Clone, Debug)]
pub struct LintOptions {
    /// The root to lint.
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
    /// `--select` and `--ignore`: the rules reported, over the config's severities.
    pub rules: rule_selection::RuleSelection,
    /// Where the run records its stage, for a progress display.
    pub progress: Option<std::sync::Arc<progress::Stages>>,
}

impl LintOptions {
    /// Options for linting `root` with every default.
    pub fn new(root: impl Into<PathBuf>) -> LintOptions {
        LintOptions {
            root: root.into(),
            jobs: 0,
            max_file_size: None,
            config: None,
            baseline: None,
            only_in: None,
            schema_dirs: Vec::new(),
            rules: rule_selection::RuleSelection::default(),
            progress: None,
        }
    }
}

/// The outcome of a run: every file read, the fleet model, and every finding
/// in report order.
#[derive(Debug)]
pub struct LintRun {
    /// Every file read, with its parsed documents.
    pub loaded: Loaded,
    /// The fleet model: clusters, what lands on each, who owns it.
    pub fleet: fleet::Fleet,
    /// The findings, decided on and in report order.
    pub findings: Vec<Finding>,
    /// The user's declarative rules (one per id), for reports that describe rules.
    pub(crate) user_rules: Vec<rules::UserRuleInfo>,
    /// What the baseline did: findings it held (left out), entries that
    /// matched nothing.
    pub baseline: baseline::Applied,
    /// Findings left out because none of their locations is in a selected
    /// file (`--files`, `--changed-since`).
    pub not_selected: usize,
    /// Objects validated against a schema, and objects of kinds without one.
    pub(crate) schema_coverage: rules::schema::Coverage,
    /// Where every finding's credentials stand, including findings the
    /// user's decisions dropped: what source snippets mask.
    pub(crate) secret_spans: diag::SecretSpans,
    /// How long each stage took (for benchmarks; never part of a report).
    pub timings: StageTimings,
}

/// What the model stage hands on: every file read, the fleet model, what
/// every kustomization builds, and the findings of the stages so far (not yet
/// decided on: suppressions and severities apply after the rules).
#[derive(Debug)]
pub struct Model {
    /// The linted root, canonical.
    pub root: PathBuf,
    /// The configuration the run read (`.fleet-lint.yaml` or `--config`).
    pub config: config::Config,
    /// Every file read, with its parsed documents.
    pub loaded: Loaded,
    /// The fleet model: clusters, what lands on each, who owns it.
    pub fleet: fleet::Fleet,
    /// What the rules need of every kustomization directory's build.
    pub builds: resolve::BuildsDigest,
    /// Findings of discovery, loading, resolution and the model.
    pub findings: Vec<Finding>,
    load_options: LoadOptions,
    /// The files under the config's `rules.paths`, read by the rules stage.
    rule_files: Vec<discover::Discovered>,
    /// Load, model and resolve times.
    pub(crate) timings: StageTimings,
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
    /// The rules over the model (all of them, `schema` included).
    pub rules: std::time::Duration,
    /// Of `rules`: the `schema` rule (compiling the schemas and validating).
    pub schema: std::time::Duration,
}

/// Errors that stop a run before any finding (exit code 2).
#[derive(Debug)]
pub enum RunError {
    /// The root cannot be read.
    Root(PathBuf, std::io::Error),
    /// The root is not a directory.
    NotADirectory(PathBuf),
    /// The thread pool could not start.
    ThreadPool(String),
    /// The configuration is invalid (the message says where).
    Config(String),
    /// A `--select` or `--ignore` selector names no rule.
    Selection(String),
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
            RunError::Selection(err) => write!(f, "--select/--ignore: {err}"),
        }
    }
}

impl std::error::Error for RunError {}
