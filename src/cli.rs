//! The command line: arguments, subcommands and exit codes.
//!
//! Exit codes: 0 when no finding reaches the `--fail-on` level, 1 when one
//! does, 2 for usage, configuration and I/O errors.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::builder::TypedValueParser;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use fleet_lint_engine::baseline;
use fleet_lint_engine::catalog::{self, Catalog};
use fleet_lint_engine::diag::Severity;
use fleet_lint_engine::fix;
use fleet_lint_engine::progress::Stages;
use fleet_lint_engine::relpath::relative_path;
use fleet_lint_engine::report::graph::{self, GraphFormat};
use fleet_lint_engine::report::{self, Format, HumanOptions};
use fleet_lint_engine::resolve;
use fleet_lint_engine::rule_selection::RuleSelection;
use fleet_lint_engine::rules::rule_info;
use fleet_lint_engine::selection::{FileSelection, Listed};
use fleet_lint_engine::{LintOptions, LintRun, lint, model};

use crate::changed::ChangedFiles;
use crate::spinner::Spinner;

const AFTER_HELP: &str = "\
Examples:
  fleet-lint                                 lint the fleet repository in the current directory
  fleet-lint ./fleet --format sarif -o fleet-lint.sarif
                                             SARIF for GitHub code scanning
  fleet-lint ./fleet --format github         annotations in a GitHub Actions job
  fleet-lint ./fleet -f sarif=fleet-lint.sarif -f github
                                             both reports from one run
  fleet-lint check --fail-on warning a.yaml  only findings in a.yaml (the pre-commit hooks' form)
  fleet-lint ./fleet --fail-on warning       also fail on warnings
  fleet-lint rules                           list every rule with its default severity
  fleet-lint explain yaml-syntax             what a rule checks and how to fix it
  fleet-lint build tenants/team-a/production what Flux would build there, as YAML
  fleet-lint graph --format mermaid          the fleet per cluster, as a Mermaid flowchart
  fleet-lint --changed-since origin/main     only findings in files a pull request changes
  fleet-lint --select tenant --ignore tenant-alert-coverage
                                             only the tenant rules, but one
  fleet-lint --fix                           rewrite deprecated Flux APIs in place (--diff: show only)
  fleet-lint --statistics                    how many findings each rule raised
  fleet-lint init                            write a commented starter .fleet-lint.yaml

Exit codes:
  0  no finding at or above the --fail-on level (default: error)
  1  at least one such finding
  2  usage, configuration or I/O error";

#[derive(Parser, Debug)]
#[command(
    name = "fleet-lint",
    version,
    about = "Policy linter and validator for multi-tenant Flux CD fleet repositories",
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    lint: LintArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Lint the fleet at `--root` (default: the current directory) and report
    /// the findings in FILES, named last: `fleet-lint check --fail-on warning a.yaml b.yaml`
    /// (the pre-commit hooks run this).
    Check(Box<CheckArgs>),
    /// List every rule (built-in, then the config's declarative rules and
    /// Kyverno policies) with its severity in this repository.
    Rules(RulesArgs),
    /// Print a rule's documentation (a user's rule: its message, help and file).
    Explain(ExplainArgs),
    /// Print what Kustomize (as Flux runs it) builds for DIR, as `kubectl kustomize` prints it
    /// (Secrets' values included: this is not a report); problems go to stderr, and the exit
    /// code is 1 when the output leaves out something Flux would apply.
    Build(BuildArgs),
    /// Print the fleet as a tree per cluster: Flux Kustomizations, HelmReleases, alerts.
    Graph(GraphArgs),
    /// Write a commented starter `.fleet-lint.yaml` naming the clusters and tenants found.
    Init(InitArgs),
    /// Print a shell completion script, e.g. `fleet-lint completions bash > /etc/bash_completion.d/fleet-lint`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `fleet-lint man > fleet-lint.1`.
    Man(ManArgs),
}

#[derive(Args, Debug)]
struct RulesArgs {
    /// The fleet repository whose config (and rule files) to read.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// The config file (default: `.fleet-lint.yaml` at PATH, if present).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    selection: SelectionArgs,
    /// `text`: a column each for id, severity and summary; `json`: every field.
    #[arg(long, short = 'f', value_enum, default_value_t = RulesFormat::Text)]
    format: RulesFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum RulesFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
struct ExplainArgs {
    /// The rule id, e.g. `yaml-syntax`, or a user's rule's.
    rule: String,
    /// The fleet repository whose config names the user's rules.
    #[arg(long, default_value = ".")]
    path: PathBuf,
    /// The config file (default: `.fleet-lint.yaml` at PATH, if present).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// `--select` and `--ignore`.
#[derive(Args, Debug)]
struct SelectionArgs {
    /// Report only these rules: ids, groups (`kustomize` is every
    /// `kustomize-*` rule), tags (`security`, `tenant`) or `all`; comma-separated
    /// or repeated. Overrides the config's `rules.severity`.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    select: Vec<String>,
    /// Do not report these rules (ids, groups, tags). Against `--select`, the
    /// more specific selector wins (`--select tenant --ignore tenant-alert-coverage`).
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    ignore: Vec<String>,
}

impl SelectionArgs {
    fn selection(&self) -> RuleSelection {
        RuleSelection {
            select: self.select.clone(),
            ignore: self.ignore.clone(),
        }
    }
}

#[derive(Args, Debug)]
struct ManArgs {
    /// Write every page (`fleet-lint.1` and one per subcommand) into DIR instead.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct InitArgs {
    /// The fleet repository; the file is written at its root.
    #[arg(default_value = ".")]
    path: PathBuf,
    #[command(flatten)]
    model: ModelArgs,
    /// Print the file instead of writing it.
    #[arg(long)]
    stdout: bool,
    /// Overwrite an existing `.fleet-lint.yaml`.
    #[arg(long)]
    force: bool,
}

#[derive(Args, Debug)]
struct GraphArgs {
    /// The fleet repository.
    #[arg(default_value = ".")]
    path: PathBuf,
    #[command(flatten)]
    model: ModelArgs,
    /// `text`, `mermaid` (a flowchart for Markdown), `dot` (Graphviz) or `json`.
    #[arg(long, short = 'f', default_value = "text", value_parser = choice(&GraphFormat::ALL, GraphFormat::name, |_| None))]
    format: GraphFormat,
}

/// The options of every command that builds the fleet model: the lint,
/// `graph` and `init`.
#[derive(Args, Debug)]
struct ModelArgs {
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,
    /// The config file (default: `.fleet-lint.yaml` at PATH, if present).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

impl ModelArgs {
    /// The options for building the model of `path`.
    fn options(&self, path: &Path) -> LintOptions {
        let mut options = LintOptions::new(path);
        options.jobs = self.jobs.unwrap_or(0);
        options.config = self.config.clone();
        options
    }
}

#[derive(Args, Debug)]
struct BuildArgs {
    /// The directory to build (with a kustomization file, or without one as Flux generates it).
    dir: PathBuf,
    /// The repository root that references may not leave (default: the nearest
    /// parent holding `.git`, else the current directory if it contains DIR, else DIR).
    #[arg(long, value_name = "PATH")]
    root: Option<PathBuf>,
    /// `yaml`: a stream like `kubectl kustomize`; `json`: objects with their source and include chain.
    #[arg(long, short = 'f', value_enum, default_value_t = BuildFormat::Yaml)]
    format: BuildFormat,
}

/// A value parser for one of the engine's enums: the values `all` lists, by
/// `name`, each with its `help` in `--help`.
fn choice<T: Copy + Send + Sync + 'static>(
    all: &'static [T],
    name: fn(T) -> &'static str,
    help: fn(T) -> Option<&'static str>,
) -> impl TypedValueParser<Value = T> {
    let values = all
        .iter()
        .map(move |&value| clap::builder::PossibleValue::new(name(value)).help(help(value)));
    clap::builder::PossibleValuesParser::new(values).try_map(move |text| {
        all.iter()
            .copied()
            .find(|&value| name(value) == text)
            .ok_or_else(|| format!("unknown value `{text}`"))
    })
}

/// One `--format NAME[=FILE]`: a report format, and the file it goes to when named.
#[derive(Clone, Debug)]
struct ReportTarget {
    format: Format,
    file: Option<PathBuf>,
}

/// Parses `NAME[=FILE]`; `--help` and the completions list the formats.
#[derive(Clone)]
struct ReportTargetParser;

impl TypedValueParser for ReportTargetParser {
    type Value = ReportTarget;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<ReportTarget, clap::Error> {
        let text = value.to_string_lossy();
        let (name, file) = match text.split_once('=') {
            Some((name, file)) => (name, Some(file)),
            None => (text.as_ref(), None),
        };
        let format = format_choice().parse_ref(cmd, arg, std::ffi::OsStr::new(name))?;
        if file == Some("") {
            let message = format!("`--format {name}=` names no file\n");
            return Err(
                clap::Error::raw(clap::error::ErrorKind::InvalidValue, message).with_cmd(cmd),
            );
        }
        Ok(ReportTarget {
            format,
            file: file.map(PathBuf::from),
        })
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        let values = Format::ALL
            .iter()
            .map(|&f| clap::builder::PossibleValue::new(f.name()).help(f.description()));
        Some(Box::new(values))
    }
}

fn format_choice() -> impl TypedValueParser<Value = Format> {
    choice(&Format::ALL, Format::name, |f| Some(f.description()))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BuildFormat {
    Yaml,
    Json,
}

#[derive(Args, Debug)]
struct LintArgs {
    /// The fleet repository to lint.
    #[arg(default_value = ".")]
    path: PathBuf,
    #[command(flatten)]
    report: ReportArgs,
    /// Report only findings with a location in these files (paths from the
    /// current directory); the whole fleet is still resolved. Pre-commit hooks
    /// use `fleet-lint check [OPTIONS] [FILES]...`, which takes them last.
    #[arg(long, value_name = "FILE", num_args = 0..)]
    files: Option<Vec<PathBuf>>,
}

/// `fleet-lint check`: the lint with the files last, as pre-commit passes them.
#[derive(Args, Debug)]
struct CheckArgs {
    /// The fleet repository's root.
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// Report only findings with a location in these files (paths from the
    /// current directory; all findings when none is named). The whole fleet
    /// is still resolved.
    #[arg(value_name = "FILES")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    report: ReportArgs,
}

/// What the lint reports and how: every option of the lint but the root and the files.
#[derive(Args, Debug)]
struct ReportArgs {
    /// Output format; repeatable, with `=FILE` to write that report to FILE
    /// (`--format sarif=fleet-lint.sarif --format github`: one run, two reports).
    #[arg(long, short = 'f', alias = "output-format", value_name = "FORMAT[=FILE]", default_value = "human", value_parser = ReportTargetParser)]
    format: Vec<ReportTarget>,
    /// Write the report without `=FILE` to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit with 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    selection: SelectionArgs,
    /// Colour in the human format (`auto` honours NO_COLOR, FORCE_COLOR and CLICOLOR_FORCE).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Print findings only, without the summary line (and no progress).
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Print how many findings each rule raised instead of the findings
    /// (a table, or JSON with `--format json`).
    #[arg(long)]
    statistics: bool,
    /// Skip (and report) files larger than this many bytes [default: the
    /// config's `limits.max-file-size`, else 8 MiB].
    #[arg(long, value_name = "BYTES")]
    max_file_size: Option<u64>,
    /// Report only findings that this baseline file does not hold.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    baseline: Option<PathBuf>,
    /// Rewrite files in place for the findings with a safe, mechanical fix
    /// (`deprecated-api`: apiVersion bumps and renamed fields), then report
    /// what is left. Nothing is written without this flag.
    #[arg(long, conflicts_with_all = ["diff", "write_baseline"])]
    fix: bool,
    /// Print the changes `--fix` would make, as a unified diff, without writing;
    /// exit 1 when there are some.
    #[arg(long, conflicts_with = "write_baseline")]
    diff: bool,
    /// Record every current finding in FILE (a baseline for `--baseline`), then exit 0.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Pull-request mode: report only findings with a location in a file
    /// changed since REF (a commit, branch or tag of the git checkout).
    #[arg(long, value_name = "REF", conflicts_with = "files")]
    changed_since: Option<String>,
    /// Also validate objects against the JSON Schemas in DIR (kubeconform's
    /// layout: `{kind}-{group}-{version}.json` or `{kind}.json`); repeatable.
    #[arg(long, value_name = "DIR")]
    schema_dir: Vec<PathBuf>,
    /// Put PREFIX before every path in the report (e.g. `fleet/` for a fleet
    /// in that folder), for readers that resolve paths from the repository's
    /// root: GitHub code scanning and annotations.
    #[arg(long, value_name = "PREFIX", value_parser = path_prefix)]
    path_prefix: Option<String>,
    /// With `--format github`: annotate first the findings in files changed
    /// since REF (GitHub shows 10 annotations of each level per step); every
    /// finding is still reported.
    #[arg(long, value_name = "REF")]
    annotate_changed_since: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Runs the command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Some(Command::Rules(args)) => print_rules(&args),
        Some(Command::Explain(args)) => explain(&args),
        Some(Command::Build(args)) => run_build(&args),
        Some(Command::Graph(args)) => run_graph(&args),
        Some(Command::Init(args)) => run_init(&args),
        Some(Command::Completions { shell }) => print_completions(shell),
        Some(Command::Man(args)) => print_man_page(&args),
        Some(Command::Check(args)) => {
            let files = (!args.files.is_empty()).then_some(args.files.as_slice());
            run_lint(&args.root, files, &args.report)
        }
        None => run_lint(&cli.lint.path, cli.lint.files.as_deref(), &cli.lint.report),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("fleet-lint: error: {message}");
            ExitCode::from(2)
        }
    }
}

/// The lint of the fleet at `root`, reporting only the findings in `files` when named.
fn run_lint(root: &Path, files: Option<&[PathBuf]>, args: &ReportArgs) -> Result<ExitCode, String> {
    let started = Instant::now();
    let reports = report_destinations(args)?;
    let mut options = args.model.options(root);
    options.max_file_size = args.max_file_size;
    options.schema_dirs = args.schema_dir.clone();
    options.rules = args.selection.selection();
    options.baseline = args.baseline.as_deref().map(baseline::read).transpose()?;
    if options.baseline.as_ref().is_some_and(|b| b.is_line_keyed()) {
        eprintln!(
            "fleet-lint: the baseline is version 1 (keyed by line text); `--write-baseline` rewrites it as version 2, keyed by object and field"
        );
    }
    options.only_in = match (&args.changed_since, files) {
        (Some(revision), _) => Some(
            Arc::new(ChangedFiles::read(root, revision, "--changed-since")?)
                as Arc<dyn FileSelection>,
        ),
        (None, Some(files)) => Some(Arc::new(listed_files(root, files)) as Arc<dyn FileSelection>),
        (None, None) => None,
    };
    let annotate_first = args
        .annotate_changed_since
        .as_deref()
        .map(|revision| ChangedFiles::read(root, revision, "--annotate-changed-since"))
        .transpose()?;
    let mut run = {
        let _spinner = show_progress(args, &mut options);
        lint(&options).map_err(|e| e.to_string())?
    };
    if files.is_some() && run.fleet.clusters.is_empty() {
        eprintln!(
            "fleet-lint: no cluster found under {}, so the files named were checked only by the rules that need no cluster (YAML, Kustomize, secrets); when the fleet is in a folder, name it with `--root FOLDER`",
            root.display()
        );
    }
    if let Some(path) = &args.write_baseline {
        return write_baseline(path, &run);
    }
    if args.diff {
        return print_diff(&run);
    }
    if args.fix {
        let plan = fix::plan(&run.findings);
        let files = fix::write(&run, &plan, root)?;
        eprintln!("fleet-lint: {}", fix_summary(&plan, files, "fixed"));
        if files > 0 {
            let _spinner = show_progress(args, &mut options);
            run = lint(&options).map_err(|e| e.to_string())?;
        }
    }
    // Before the prefix: the changed files are named from the root.
    let in_changed_files: Vec<bool> = match &annotate_first {
        Some(changed) => run
            .findings
            .iter()
            .map(|f| changed.holds(&run.loaded.store.get(f.span.file).path))
            .collect(),
        None => Vec::new(),
    };
    if let Some(prefix) = &args.path_prefix {
        run.loaded.store.prefix_paths(prefix);
    }
    let mut context = report::Context::of(&run);
    context.annotate_first = in_changed_files;
    context.with_annotations = reports.iter().any(|(format, _)| *format == Format::Github);
    for (format, file) in reports {
        write_one_report(format, file, args, &context, started)?;
    }
    let code = exit_code(&run, args.fail_on);
    // The process ends next: the kernel takes back the model's memory at
    // once, where freeing its trees one by one took 3 % of a large run.
    drop(context);
    std::mem::forget(run);
    Ok(code)
}

/// `--files` or `check`'s files, saying on stderr which select nothing.
fn listed_files(root: &Path, files: &[PathBuf]) -> Listed {
    let listed = Listed::new(root, files);
    for (file, why) in &listed.unusable {
        eprintln!(
            "fleet-lint: {} {why} (names are read from the current directory; the linted root is {}): no finding is selected by it",
            file.display(),
            root.display()
        );
    }
    listed
}

/// Each `--format` with where it goes: its own `=FILE`, else `-o FILE`, else
/// standard output (`None`), which only one report may take.
fn report_destinations(args: &ReportArgs) -> Result<Vec<(Format, Option<&Path>)>, String> {
    let shared: Vec<Format> = args
        .format
        .iter()
        .filter(|target| target.file.is_none())
        .map(|target| target.format)
        .collect();
    let shared_place = match &args.output {
        Some(path) => format!("-o {}", path.display()),
        None => "standard output".to_string(),
    };
    if let [first, second, ..] = shared.as_slice() {
        return Err(format!(
            "`--format {}` and `--format {}` would both go to {shared_place}: give all but one of them a file (`--format {}=FILE`)",
            first.name(),
            second.name(),
            second.name()
        ));
    }
    if shared.is_empty() && args.output.is_some() {
        return Err(format!(
            "{shared_place} names no report: every `--format` has its own `=FILE`"
        ));
    }
    for target in &args.format {
        if args.statistics
            && !matches!(
                target.format,
                Format::Human | Format::Concise | Format::Json
            )
        {
            return Err(format!(
                "`--statistics` prints a table or JSON, not `--format {}`",
                target.format.name()
            ));
        }
    }
    Ok(args
        .format
        .iter()
        .map(|target| {
            (
                target.format,
                target.file.as_deref().or(args.output.as_deref()),
            )
        })
        .collect())
}

/// Writes one report to `file`, or to standard output (a closed pipe is not an error).
fn write_one_report(
    format: Format,
    file: Option<&Path>,
    args: &ReportArgs,
    context: &report::Context,
    started: Instant,
) -> Result<(), String> {
    let to_terminal = file.is_none() && io::stdout().is_terminal();
    let human = HumanOptions {
        color: use_color(args.color, to_terminal),
        quiet: args.quiet,
        width: terminal_width(to_terminal),
    };
    let report = Report {
        format,
        statistics: args.statistics,
        elapsed: started.elapsed(),
        human: &human,
    };
    match file {
        Some(path) => File::create(path)
            .and_then(|file| report.write(context, BufWriter::new(file)))
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => match report.write(context, io::stdout().lock()) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            other => other.map_err(|e| format!("cannot write the report: {e}")),
        },
    }
}

/// `--write-baseline`: every current finding, written to `path`; an older
/// baseline there loses the entries that match nothing now (said on stderr).
fn write_baseline(path: &Path, run: &LintRun) -> Result<ExitCode, String> {
    let dropped = baseline::read(path).ok().map(|old| {
        old.filter(&mut run.findings.clone(), &run.loaded.store)
            .stale
    });
    std::fs::write(path, baseline::render(&run.findings, &run.loaded))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let dropped = match dropped {
        Some(n) if n > 0 => {
            format!(" ({n} entries of the old baseline match nothing now and are dropped)")
        }
        _ => String::new(),
    };
    eprintln!(
        "fleet-lint: wrote {} findings to the baseline {}{dropped}",
        run.findings.len(),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `--diff`: the changes `--fix` would make, on stdout; exit 1 when there are some.
fn print_diff(run: &LintRun) -> Result<ExitCode, String> {
    let plan = fix::plan(&run.findings);
    let mut out = io::stdout().lock();
    match out.write_all(fix::diff(run, &plan).as_bytes()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            return Err(format!("cannot write the diff: {e}"));
        }
        _ => {}
    }
    eprintln!(
        "fleet-lint: {}",
        fix_summary(&plan, plan.edits.len(), "would fix")
    );
    Ok(ExitCode::from(u8::from(!plan.edits.is_empty())))
}

/// "fixed 110 findings in 37 files (3 more on the next run; 5 have no automatic fix)".
fn fix_summary(plan: &fix::Plan, files: usize, verb: &str) -> String {
    let mut line = format!(
        "{verb} {} in {}",
        report::plural(plan.fixed, "finding"),
        report::plural(files, "file")
    );
    if plan.deferred > 0 {
        line.push_str(&format!(
            " ({} more overlap them: run --fix again)",
            plan.deferred
        ));
    }
    line
}

/// `--path-prefix`: a relative folder, `/`-separated, ending in `/` (added
/// when missing); `.` or empty means none.
fn path_prefix(value: &str) -> Result<String, String> {
    let prefix = value.replace('\\', "/");
    let prefix = prefix.trim_start_matches("./").trim_end_matches('/');
    if prefix.starts_with('/') || prefix.split('/').any(|part| part == "..") {
        return Err("a folder relative to the repository's root, without `..`".to_string());
    }
    Ok(match prefix {
        "" | "." => String::new(),
        folder => format!("{folder}/"),
    })
}

/// A progress line on stderr for a run longer than a second, when stderr is
/// a terminal and the user did not ask for quiet.
fn show_progress(args: &ReportArgs, options: &mut LintOptions) -> Option<Spinner> {
    if args.quiet || !io::stderr().is_terminal() {
        return None;
    }
    let stages = Arc::new(Stages::default());
    options.progress = Some(Arc::clone(&stages));
    Some(Spinner::start(stages, Duration::from_secs(1), io::stderr()))
}

fn run_init(args: &InitArgs) -> Result<ExitCode, String> {
    let target = args.path.join(fleet_lint_engine::config::CONFIG_FILE);
    if !args.stdout && !args.force && target.exists() {
        return Err(format!(
            "{} already exists; `--force` overwrites it, `--stdout` prints the starter file",
            target.display()
        ));
    }
    let model = model(&args.model.options(&args.path)).map_err(|e| e.to_string())?;
    let starter = fleet_lint_engine::init::starter_config(&model.fleet, &model.config);
    if args.stdout {
        print!("{}", starter.text);
        return Ok(ExitCode::SUCCESS);
    }
    std::fs::write(&target, &starter.text)
        .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    eprintln!(
        "fleet-lint: wrote {} ({} clusters, {} tenants found)",
        target.display(),
        model.fleet.clusters.len(),
        starter.tenants
    );
    Ok(ExitCode::SUCCESS)
}

/// One report of a run: its format and what it is written with.
struct Report<'a> {
    format: Format,
    statistics: bool,
    elapsed: Duration,
    human: &'a HumanOptions,
}

impl Report<'_> {
    fn write(&self, context: &report::Context, mut out: impl Write) -> io::Result<()> {
        if self.statistics {
            report::render_statistics(self.format, context, self.elapsed, self.human, &mut out)?;
        } else {
            report::render(self.format, context, self.elapsed, self.human, &mut out)?;
        }
        out.flush()
    }
}

fn exit_code(run: &LintRun, fail_on: FailOn) -> ExitCode {
    let failed = fail_on
        .threshold()
        .is_some_and(|level| run.findings.iter().any(|f| f.severity >= level));
    ExitCode::from(u8::from(failed))
}

fn use_color(choice: ColorChoice, to_terminal: bool) -> bool {
    color_from(choice, to_terminal, |name| std::env::var_os(name))
}

/// Colour for `--color auto` follows the conventions in this order: `NO_COLOR`
/// (set and not empty) turns it off, `FORCE_COLOR` (set, not `0` or `false`)
/// and `CLICOLOR_FORCE` (set, not `0`) turn it on, `CLICOLOR=0` turns it off,
/// otherwise colour when writing to a terminal.
fn color_from(
    choice: ColorChoice,
    to_terminal: bool,
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> bool {
    let set = |name| env(name).filter(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set("NO_COLOR").is_some() => false,
        ColorChoice::Auto if set("FORCE_COLOR").is_some_and(|v| v != "0" && v != "false") => true,
        ColorChoice::Auto if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") => true,
        ColorChoice::Auto if set("CLICOLOR").is_some_and(|v| v == "0") => false,
        ColorChoice::Auto => to_terminal,
    }
}

/// The human format's width: `$COLUMNS` when set, else the terminal's when
/// writing to one, else 100; never under 40.
fn terminal_width(to_terminal: bool) -> usize {
    let from_env = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok());
    let from_terminal = || {
        to_terminal
            .then(terminal_size::terminal_size)
            .flatten()
            .map(|(width, _)| usize::from(width.0))
    };
    from_env.or_else(from_terminal).unwrap_or(100).max(40)
}

fn run_build(args: &BuildArgs) -> Result<ExitCode, String> {
    let dir = args
        .dir
        .canonicalize()
        .map_err(|e| format!("cannot read {}: {e}", args.dir.display()))?;
    if !dir.is_dir() {
        return Err(format!("{} is not a directory", args.dir.display()));
    }
    let root = match &args.root {
        Some(root) => root
            .canonicalize()
            .map_err(|e| format!("cannot read {}: {e}", root.display()))?,
        None => default_root(&dir),
    };
    let rel = relative_path(&dir, &root).ok_or_else(|| {
        format!(
            "{} is not inside the root {}",
            dir.display(),
            root.display()
        )
    })?;
    let (build, loaded, mut findings) = resolve::build_alone(&root, &rel);
    findings.sort_by(|a, b| a.sort_key(&loaded.store).cmp(&b.sort_key(&loaded.store)));
    let mut out = io::stdout().lock();
    let written = match args.format {
        BuildFormat::Yaml => report::build::render_yaml(&build, &mut out),
        BuildFormat::Json => report::build::render_json(&build, &loaded.store, &mut out),
    };
    match written {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            return Err(format!("cannot write the build: {e}"));
        }
        _ => {}
    }
    for finding in &findings {
        eprintln!("{}", report::finding_line(finding, &loaded.store));
    }
    // Exit 1 when the output is not all of what Flux would apply: a broken
    // entry (error), a budget or size limit (warning), or something
    // fleet-lint cannot see (a remote base, `helmCharts`: an incomplete build).
    let left_out = !build.complete || findings.iter().any(|f| f.severity >= Severity::Warning);
    Ok(ExitCode::from(u8::from(left_out)))
}

fn run_graph(args: &GraphArgs) -> Result<ExitCode, String> {
    let model = model(&args.model.options(&args.path)).map_err(|e| e.to_string())?;
    match graph::render(
        &model.fleet,
        &model.loaded.store,
        args.format,
        &mut io::stdout().lock(),
    ) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write the graph: {e}"))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// The nearest parent of `dir` holding `.git`, else the current directory when
/// it contains `dir`, else `dir`.
fn default_root(dir: &Path) -> PathBuf {
    if let Some(repo) = dir.ancestors().find(|a| a.join(".git").exists()) {
        return repo.to_path_buf();
    }
    match std::env::current_dir().and_then(|c| c.canonicalize()) {
        Ok(cwd) if dir.starts_with(&cwd) => cwd,
        _ => dir.to_path_buf(),
    }
}

/// The rules a repository's runs know (its config's rule files read).
fn rule_catalog(
    path: &Path,
    config: Option<&Path>,
    selection: RuleSelection,
) -> Result<Catalog, String> {
    let mut options = LintOptions::new(path);
    options.config = config.map(Path::to_path_buf);
    options.rules = selection;
    let catalog = catalog::catalog(&options).map_err(|e| e.to_string())?;
    for problem in &catalog.problems {
        eprintln!("{problem}");
    }
    Ok(catalog)
}

fn print_rules(args: &RulesArgs) -> Result<ExitCode, String> {
    let catalog = rule_catalog(
        &args.path,
        args.config.as_deref(),
        args.selection.selection(),
    )?;
    let mut out = io::stdout().lock();
    let written = match args.format {
        RulesFormat::Text => report::rules::render_text(&catalog, &mut out),
        RulesFormat::Json => report::rules::render_json(&catalog, &mut out),
    };
    match written {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write the rules: {e}"))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn print_completions(shell: clap_complete::Shell) -> Result<ExitCode, String> {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "fleet-lint", &mut io::stdout());
    Ok(ExitCode::SUCCESS)
}

fn print_man_page(args: &ManArgs) -> Result<ExitCode, String> {
    match &args.dir {
        Some(dir) => clap_mangen::generate_to(Cli::command(), dir)
            .map_err(|e| format!("cannot write the man pages to {}: {e}", dir.display()))?,
        None => clap_mangen::Man::new(Cli::command())
            .render(&mut io::stdout().lock())
            .map_err(|e| format!("cannot write the man page: {e}"))?,
    }
    Ok(ExitCode::SUCCESS)
}

fn explain(args: &ExplainArgs) -> Result<ExitCode, String> {
    if let Some(rule) = rule_info(&args.rule) {
        print!("{}", rule.doc);
        return Ok(ExitCode::SUCCESS);
    }
    let catalog = rule_catalog(&args.path, args.config.as_deref(), RuleSelection::default())?;
    let Some(rule) = catalog.get(&args.rule) else {
        let hint = fleet_lint_engine::suggest::did_you_mean(
            &args.rule,
            catalog.rules.iter().map(|r| r.id.as_str()),
            3,
        );
        return Err(format!(
            "unknown rule `{}`{hint}; `fleet-lint rules` lists them",
            args.rule
        ));
    };
    print!("{}", report::rules::explain_user_rule(rule));
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auto_color(to_terminal: bool, vars: &[(&str, &str)]) -> bool {
        color_from(ColorChoice::Auto, to_terminal, |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| std::ffi::OsString::from(v))
        })
    }

    #[test]
    fn path_prefixes_are_relative_folders_ending_in_a_slash() {
        assert_eq!(path_prefix("fleet").as_deref(), Ok("fleet/"));
        assert_eq!(path_prefix("./ops/fleet/").as_deref(), Ok("ops/fleet/"));
        assert_eq!(path_prefix("ops\\fleet").as_deref(), Ok("ops/fleet/"));
        assert_eq!(path_prefix(".").as_deref(), Ok(""));
        assert_eq!(path_prefix("").as_deref(), Ok(""));
        assert!(path_prefix("/abs").is_err());
        assert!(path_prefix("../up").is_err());
    }

    #[test]
    fn colour_follows_no_color_and_clicolor() {
        assert!(auto_color(true, &[]));
        assert!(!auto_color(false, &[]));
        assert!(!auto_color(true, &[("NO_COLOR", "1")]));
        assert!(
            !auto_color(true, &[("NO_COLOR", "0")]),
            "any non-empty value"
        );
        assert!(auto_color(true, &[("NO_COLOR", "")]), "empty is unset");
        assert!(auto_color(false, &[("CLICOLOR_FORCE", "1")]));
        assert!(!auto_color(false, &[("CLICOLOR_FORCE", "0")]));
        assert!(
            !auto_color(false, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]),
            "NO_COLOR wins"
        );
        assert!(auto_color(false, &[("FORCE_COLOR", "1")]));
        assert!(auto_color(false, &[("FORCE_COLOR", "true")]));
        assert!(!auto_color(false, &[("FORCE_COLOR", "0")]));
        assert!(!auto_color(false, &[("FORCE_COLOR", "false")]));
        assert!(
            !auto_color(false, &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]),
            "NO_COLOR wins"
        );
        assert!(!auto_color(true, &[("CLICOLOR", "0")]));
        assert!(auto_color(true, &[("CLICOLOR", "1")]));
        assert!(auto_color(
            false,
            &[("CLICOLOR", "0"), ("CLICOLOR_FORCE", "1")]
        ));
        assert!(color_from(ColorChoice::Always, false, |_| None));
        assert!(!color_from(ColorChoice::Never, true, |_| None));
    }
}
