//! The load stage: reads every discovered manifest once, in parallel, and parses
//! it into spanned YAML trees. Every problem with a file (too large, unreadable,
//! binary, not UTF-8, not YAML, empty) becomes a finding here; nothing panics.

use crate::rule_id::RuleId;
use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::diag::{Finding, Rule, Severity};
use crate::discover::Discovered;
use crate::source::{FileId, SourceFile, SourceStore, Span};
use crate::yaml::{LoadLimits, LoadedFile, load_yaml};

/// Limits for the load stage.
#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    /// Files larger than this many bytes are skipped with a `file-too-large` finding.
    pub max_file_size: u64,
    /// The YAML parser's limits (nesting depth, alias expansion).
    pub yaml: LoadLimits,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_file_size: 8 * 1024 * 1024,
            yaml: LoadLimits::default(),
        }
    }
}

/// Every manifest of the run: the file store, each file's documents (indexed by
/// [`FileId`]) and the findings the load stage made.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The text of every file read.
    pub store: SourceStore,
    /// Each file's documents and syntax errors, by file id.
    pub files: Vec<LoadedFile>,
    /// What reading and parsing found.
    pub findings: Vec<Finding>,
    by_path: HashMap<String, FileId>,
    /// Files read only by the secret scan (see [`Loaded::load_secret_scan_only`]).
    secret_scan_only: HashSet<FileId>,
}

/// Why a file has no YAML content to parse.
enum FileProblem {
    TooLarge(u64),
    Unreadable(String),
    /// A symbolic link out of the linted root (which may be a folder of the
    /// repository Flux reads whole): a warning, since Flux may well read it.
    LinkOut,
    Binary,
    NotUtf8 {
        valid_up_to: usize,
    },
}

/// Reads and parses `files` in parallel (on the current rayon pool). File `i`
/// of `files` gets `FileId(i)`, so ids and findings are deterministic.
pub fn load_all(files: &[Discovered], options: &LoadOptions) -> Loaded {
    let outcomes: Vec<(SourceFile, LoadedFile, Vec<Finding>)> = files
        .par_iter()
        .enumerate()
        .map(|(index, file)| load_one(FileId(index as u32), file, options))
        .collect();
    let mut loaded = Loaded::default();
    for (source, parsed, findings) in outcomes {
        loaded.push(source, parsed, findings);
    }
    loaded
}

fn load_one(
    id: FileId,
    file: &Discovered,
    options: &LoadOptions,
) -> (SourceFile, LoadedFile, Vec<Finding>) {
    match read_source(file, options.max_file_size) {
        Ok(source) => {
            let (parsed, findings) = parse_file(id, &source, options);
            (source, parsed, findings)
        }
        Err((source, problem)) => {
            let finding = problem_finding(id, &source, problem);
            (source, LoadedFile::default(), vec![finding])
        }
    }
}

impl Loaded {
    /// Whether file `id` was found but not read (unreadable, a FIFO or a
    /// link out of the repository, over the size limit): its finding says why.
    pub(crate) fn was_not_read(&self, id: FileId) -> bool {
        self.findings.iter().any(|f| {
            f.span.file == id
                && matches!(
                    f.rule,
                    Rule::Builtin(RuleId::FileUnreadable | RuleId::FileTooLarge)
                )
        })
    }

    /// The id of the file at root-relative `path`, if it was loaded.
    pub fn find(&self, path: &str) -> Option<FileId> {
        self.by_path.get(path).copied()
    }

    /// Reads one more file after the parallel load (a file a kustomization
    /// references that discovery skipped: a generator input, a hidden folder).
    /// Manifests (`as_yaml`) are parsed, with findings like any other; other
    /// files are kept as text, and only a size or read problem is reported.
    pub(crate) fn load_extra(
        &mut self,
        file: &Discovered,
        as_yaml: bool,
        options: &LoadOptions,
    ) -> FileId {
        let id = FileId(self.store.len() as u32);
        let (source, parsed, findings) = match read_source(file, options.max_file_size) {
            Ok(source) if as_yaml => {
                let (parsed, findings) = parse_file(id, &source, options);
                (source, parsed, findings)
            }
            Ok(source) => (source, LoadedFile::default(), Vec::new()),
            Err((
                source,
                problem @ (FileProblem::TooLarge(_)
                | FileProblem::Unreadable(_)
                | FileProblem::LinkOut),
            )) => {
                let finding = problem_finding(id, &source, problem);
                (source, LoadedFile::default(), vec![finding])
            }
            Err((source, problem)) if as_yaml => {
                let finding = problem_finding(id, &source, problem);
                (source, LoadedFile::default(), vec![finding])
            }
            Err((source, _)) => (source, LoadedFile::default(), Vec::new()),
        };
        self.push(source, parsed, findings)
    }

    /// Reads the files only the secret scan reads (hidden folders, env files;
    /// see [`crate::discover`]), after the fleet model and every build are
    /// done, so no stage before the rules sees them. A file a build already
    /// read keeps its place. YAML files are parsed; the rest is kept as text.
    /// Their load problems are not reported: they are not manifests, and a
    /// broken workflow file is not the fleet's concern.
    pub(crate) fn load_secret_scan_only(&mut self, files: &[Discovered], options: &LoadOptions) {
        let fresh: Vec<&Discovered> = files
            .iter()
            .filter(|f| self.find(&f.rel_path).is_none())
            .collect();
        // Pushed in order below, so file `i` gets the `i`-th id after the store's end.
        let first = self.store.len();
        let outcomes: Vec<(SourceFile, LoadedFile)> = fresh
            .par_iter()
            .enumerate()
            .map(|(i, file)| {
                let id = FileId((first + i) as u32);
                match read_source(file, options.max_file_size) {
                    Ok(source)
                        if crate::discover::is_manifest_name(crate::relpath::file_name(
                            &file.rel_path,
                        )) =>
                    {
                        let parsed = load_yaml(id, &source, options.yaml);
                        (source, parsed)
                    }
                    Ok(source) | Err((source, _)) => (source, LoadedFile::default()),
                }
            })
            .collect();
        for (source, parsed) in outcomes {
            let id = self.push(source, parsed, Vec::new());
            self.secret_scan_only.insert(id);
        }
    }

    /// Whether `id` is read only by the secret scan (not a manifest of the fleet).
    pub(crate) fn is_secret_scan_only(&self, id: FileId) -> bool {
        self.secret_scan_only.contains(&id)
    }

    /// How many files were read (the root entry is not one).
    pub(crate) fn files_read(&self) -> usize {
        self.store.len() - usize::from(self.find(".").is_some())
    }

    /// A file of no text standing for the repository root (`.`), for a
    /// finding about the repository as a whole when no file holds anything.
    pub(crate) fn root_entry(&mut self) -> FileId {
        self.find(".").unwrap_or_else(|| {
            self.push(SourceFile::new(".", ""), LoadedFile::default(), Vec::new())
        })
    }

    /// The files `(path, text)`, read and parsed (unit tests).
    #[cfg(test)]
    pub(crate) fn from_texts(files: &[(&str, &str)]) -> Loaded {
        let mut loaded = Loaded::default();
        for (index, (path, text)) in files.iter().enumerate() {
            let source = SourceFile::new(*path, *text);
            let (parsed, findings) =
                parse_file(FileId(index as u32), &source, &LoadOptions::default());
            loaded.push(source, parsed, findings);
        }
        loaded
    }

    fn push(&mut self, source: SourceFile, parsed: LoadedFile, findings: Vec<Finding>) -> FileId {
        let path = source.path.to_string();
        let id = self.store.add(source);
        self.by_path.insert(path, id);
        self.files.push(parsed);
        self.findings.extend(findings);
        id
    }
}

/// Why [`read_bounded`] read nothing.
#[derive(Debug)]
pub enum ReadProblem {
    /// A FIFO, socket or device: reading one could block or never end.
    NotAFile,
    /// The file is larger than the limit (its size in bytes).
    TooLarge(u64),
    /// The file cannot be read.
    Io(std::io::Error),
}

impl std::fmt::Display for ReadProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadProblem::NotAFile => {
                f.write_str("not a regular file (a FIFO, socket or device), so it was not read")
            }
            ReadProblem::TooLarge(size) => write!(f, "{size} bytes, over the size limit"),
            ReadProblem::Io(err) => write!(f, "{err}"),
        }
    }
}

/// The bytes of the regular file at `path`, at most `max_size` of them. Every
/// file fleet-lint reads comes through here: a FIFO is refused before it is
/// opened (opening one blocks until a writer comes), and a file that grows
/// past the limit while it is read (`/dev/zero` behind a link) stops there.
pub fn read_bounded(path: &std::path::Path, max_size: u64) -> Result<Vec<u8>, ReadProblem> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(ReadProblem::Io)?;
    if !meta.is_file() {
        return Err(ReadProblem::NotAFile);
    }
    if meta.len() > max_size {
        return Err(ReadProblem::TooLarge(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(ReadProblem::Io)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadProblem::Io)?;
    if bytes.len() as u64 > max_size {
        return Err(ReadProblem::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The file's text, or why there is none (with a stand-in source for the finding).
fn read_source(file: &Discovered, max_size: u64) -> Result<SourceFile, (SourceFile, FileProblem)> {
    let fail = |problem| Err((SourceFile::new(file.rel_path.as_str(), ""), problem));
    if file.outside {
        return fail(FileProblem::LinkOut);
    }
    if file.size > max_size {
        return fail(FileProblem::TooLarge(file.size));
    }
    let bytes = match read_bounded(&file.abs_path, max_size) {
        Ok(bytes) => bytes,
        Err(ReadProblem::TooLarge(size)) => return fail(FileProblem::TooLarge(size)),
        Err(problem) => return fail(FileProblem::Unreadable(problem.to_string())),
    };
    if bytes.contains(&0) {
        return fail(FileProblem::Binary);
    }
    String::from_utf8(bytes)
        .map(|text| SourceFile::new(file.rel_path.as_str(), text))
        .map_err(|err| {
            // Keep the text (lossily) so the finding can show the offending line.
            let valid_up_to = err.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
            (
                SourceFile::new(file.rel_path.as_str(), text),
                FileProblem::NotUtf8 { valid_up_to },
            )
        })
}

fn problem_finding(id: FileId, source: &SourceFile, problem: FileProblem) -> Finding {
    let at_start = Span::file_start(id);
    match problem {
        FileProblem::TooLarge(size) => Finding::new(
            RuleId::FileTooLarge,
            Severity::Warning,
            at_start,
            format!("file is {size} bytes, over the size limit; it was not linted"),
        ),
        FileProblem::Unreadable(err) => Finding::new(
            RuleId::FileUnreadable,
            Severity::Error,
            at_start,
            format!("file could not be read: {err}"),
        ),
        FileProblem::LinkOut => Finding::new(
            RuleId::FileUnreadable,
            Severity::Warning,
            at_start,
            "file not read: a symbolic link to a place outside the linted root, whose objects are not checked",
        ),
        FileProblem::Binary => Finding::new(
            RuleId::YamlSyntax,
            Severity::Error,
            at_start,
            "file is binary (it contains NUL bytes), not YAML",
        ),
        FileProblem::NotUtf8 { valid_up_to } => Finding::new(
            RuleId::YamlSyntax,
            Severity::Error,
            Span {
                file: id,
                start: source.pos_of_offset(valid_up_to),
                end: source.pos_of_offset(valid_up_to + '\u{FFFD}'.len_utf8()),
            },
            "file is not valid UTF-8 text (invalid byte sequence here)",
        ),
    }
}

fn parse_file(
    id: FileId,
    source: &SourceFile,
    options: &LoadOptions,
) -> (LoadedFile, Vec<Finding>) {
    let file = load_yaml(id, source, options.yaml);
    let mut findings: Vec<Finding> = file
        .errors
        .iter()
        .map(|err| {
            let finding = Finding::new(RuleId::YamlSyntax, Severity::Error, err.span, &err.message);
            match &err.related {
                Some((span, message)) => finding.with_related(*span, message),
                None => finding,
            }
        })
        .collect();
    if file.documents.is_empty()
        && file.errors.is_empty()
        && !crate::kustomize::is_bootstrap_placeholder(&source.path)
    {
        findings.push(Finding::new(
            RuleId::EmptyFile,
            Severity::Info,
            Span::file_start(id),
            "file holds no YAML document",
        ));
    }
    (file, findings)
}
