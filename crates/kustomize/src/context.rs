//! What one build step may touch: the files (through [`Files`]), where it is
//! (the stack of directories being built), and the problems it reports. The
//! transformers and generators get this, not the resolver: they read files and
//! report problems, they do not build directories.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::files::Files;
use crate::paths::{self, Kind, PathError};
use crate::problem::{Problem, ProblemKind};
use crate::source::{FileId, SourceFile, Span};
use crate::yaml::{Document, Node};
use crate::{KUSTOMIZATION_FILES, MAX_INCLUDE_DEPTH, display_dir};

/// How a kustomization entry names a thing on disk.
pub(crate) enum Target {
    File(String),
    Dir(String),
}

/// How a context reads: through the caller's view, which reads files on
/// demand, or (building ahead, on several threads) through a shared view of
/// the files read already.
enum View<'f> {
    Reading(&'f mut dyn Files),
    ReadOnly(&'f dyn Files),
}

impl View<'_> {
    fn files(&self) -> &dyn Files {
        match self {
            View::Reading(files) => &**files,
            View::ReadOnly(files) => *files,
        }
    }
}

/// What the context learnt of the file system: what paths are, their real
/// paths, directory listings. Facts, the same whoever asked first.
#[derive(Default)]
pub(crate) struct Facts {
    kinds: HashMap<String, Kind>,
    real_dirs: HashMap<String, String>,
    listings: HashMap<String, HashSet<String>>,
}

/// The files, the include stack and the problems of one resolution.
pub(crate) struct Context<'f> {
    files: View<'f>,
    /// What each path is (asked once; files already read need no question),
    /// the real paths of those reached through a link (see
    /// [`Context::cycle_start`]) and the names in each directory asked for a
    /// kustomization file.
    facts: Facts,
    /// Directories being built, outermost first (for cycle detection).
    pub(crate) stack: Vec<String>,
    /// Problems, each with the directory being built when it was found.
    pub(crate) problems: Vec<(Problem, Option<String>)>,
    reported: HashSet<(ProblemKind, FileId, u32, u32)>,
    /// Building ahead: the log of each directory being built, innermost last.
    pub(crate) recording: Option<Vec<Frame>>,
}

/// Why a directory entry is refused where it stands on the include stack.
pub(crate) enum Refusal {
    TooDeep,
    /// It closes a cycle starting at this index of the stack.
    Cycle(usize),
}

/// What building one directory ahead did that building it in place must
/// check again or repeat (see `resolver::ahead`).
#[derive(Debug)]
pub(crate) enum Event {
    /// A directory entry passed the depth and cycle checks.
    Checked(String),
    /// A component directory went on the include stack, and came off it.
    Entered(String),
    Left,
    /// A kustomization directory was built (or found built).
    Built(String),
    /// A directory was included by the entry at this span.
    Included(String, Span),
}

/// The log of one directory built ahead, and whether it stayed clean: no
/// problem reported and no file asked for that was not read already.
pub(crate) struct Frame {
    pub(crate) log: Vec<Event>,
    pub(crate) clean: bool,
}

impl<'f> Context<'f> {
    pub(crate) fn new(files: &'f mut dyn Files) -> Context<'f> {
        Context::over(View::Reading(files), None)
    }

    /// A context that records what it does (see [`Event`]) and reads only
    /// files read already.
    pub(crate) fn recording(files: &'f dyn Files) -> Context<'f> {
        Context::over(View::ReadOnly(files), Some(Vec::new()))
    }

    fn over(files: View<'f>, recording: Option<Vec<Frame>>) -> Context<'f> {
        Context {
            files,
            facts: Facts::default(),
            stack: Vec::new(),
            problems: Vec::new(),
            reported: HashSet::new(),
            recording,
        }
    }

    pub(crate) fn files(&self) -> &dyn Files {
        self.files.files()
    }

    /// The file at `path`, read now when the view reads on demand; building
    /// ahead, a file not read already leaves the build unclean.
    fn read(&mut self, path: &str, as_yaml: bool) -> Option<FileId> {
        match &mut self.files {
            View::Reading(files) => files.read(path, as_yaml),
            View::ReadOnly(files) => {
                let found = files.find(path);
                if found.is_none() {
                    self.spoil();
                }
                found
            }
        }
    }

    /// What this context learnt of the file system.
    pub(crate) fn into_facts(self) -> Facts {
        self.facts
    }

    /// Adds what another context learnt.
    pub(crate) fn learn(&mut self, facts: Facts) {
        self.facts.kinds.extend(facts.kinds);
        self.facts.real_dirs.extend(facts.real_dirs);
        self.facts.listings.extend(facts.listings);
    }

    /// Logs `event` for the directory being built ahead (nothing otherwise).
    pub(crate) fn record(&mut self, event: Event) {
        if let Some(frame) = self.recording.as_mut().and_then(|frames| frames.last_mut()) {
            frame.log.push(event);
        }
    }

    /// The directory being built ahead cannot be used as it is built.
    pub(crate) fn spoil(&mut self) {
        if let Some(frame) = self.recording.as_mut().and_then(|frames| frames.last_mut()) {
            frame.clean = false;
        }
    }

    /// Building ahead: starts the log of a directory.
    pub(crate) fn open_frame(&mut self) {
        if let Some(frames) = &mut self.recording {
            frames.push(Frame {
                log: Vec::new(),
                clean: true,
            });
        }
    }

    /// Building ahead: ends the log of the innermost directory (an unclean
    /// directory leaves the one that includes it unclean too).
    pub(crate) fn close_frame(&mut self) -> Option<Frame> {
        let frame = self.recording.as_mut()?.pop()?;
        if !frame.clean {
            self.spoil();
        }
        Some(frame)
    }

    /// Why an entry naming directory `path` is refused here, if it is: it
    /// nests too deep, or closes a cycle at this index of the stack.
    pub(crate) fn refusal(&self, path: &str) -> Option<Refusal> {
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            return Some(Refusal::TooDeep);
        }
        self.cycle_start(path).map(Refusal::Cycle)
    }

    /// What `path` is (memoised; a file read already is known to be a file).
    pub(crate) fn kind(&mut self, path: &str) -> Kind {
        if self.files().find(path).is_some() {
            return Kind::File;
        }
        if let Some(kind) = self.facts.kinds.get(path) {
            return *kind;
        }
        let (kind, real) = self.files().kind(path);
        self.facts.kinds.insert(path.to_string(), kind);
        if let Some(real) = real.filter(|real| real != path) {
            self.facts.real_dirs.insert(path.to_string(), real);
        }
        kind
    }

    /// True when `dir` holds a kustomization file.
    pub(crate) fn has_kustomization(&mut self, dir: &str) -> bool {
        !self.kustomization_files(dir).is_empty()
    }

    /// The paths of the kustomization files in `dir`, in kustomize's order of
    /// preference. Names the directory does not list are not asked about (one
    /// listing per directory instead of a path lookup per name).
    pub(crate) fn kustomization_files(&mut self, dir: &str) -> Vec<String> {
        let files = self.files.files();
        let listed = self
            .facts
            .listings
            .entry(dir.to_string())
            .or_insert_with(|| files.list_dir(dir).into_iter().collect());
        let candidates: Vec<String> = KUSTOMIZATION_FILES
            .iter()
            .filter(|name| listed.contains(**name))
            .filter_map(|name| paths::join(dir, name).ok())
            .collect();
        candidates
            .into_iter()
            .filter(|path| self.kind(path) == Kind::File)
            .collect()
    }

    /// Where on the include stack `dir` would close a cycle: at a directory
    /// it contains, by path, or, when `dir` goes through a symbolic link
    /// (`a -> .`), by real path, so linked folders cannot nest without end.
    fn cycle_start(&self, dir: &str) -> Option<usize> {
        if let Some(start) = self.stack.iter().position(|d| paths::contains(dir, d)) {
            return Some(start);
        }
        let real = self.facts.real_dirs.get(dir)?;
        self.stack
            .iter()
            .position(|d| paths::contains(real, &self.real_dir(d)))
    }

    /// The real (links resolved) root-relative path of `dir`: recorded by
    /// [`Context::kind`] when it differs, so the view is asked once.
    fn real_dir(&self, dir: &str) -> String {
        self.facts
            .real_dirs
            .get(dir)
            .cloned()
            .unwrap_or_else(|| dir.to_string())
    }

    /// Resolves a path entry of a kustomization; reports remote, escaping,
    /// missing and cyclic entries and returns `None` for them.
    pub(crate) fn entry_target(&mut self, dir: &str, item: &Node) -> Option<Target> {
        let Some(entry) = item.as_str() else {
            self.invalid(item.span, "expected a path here");
            return None;
        };
        if paths::is_remote(entry) {
            self.report(Problem::new(
                ProblemKind::RemoteRef,
                item.span,
                format!("remote reference `{entry}` is not resolved (fleet-lint works offline); its objects are not checked"),
            ));
            return None;
        }
        let path = self.join_checked(dir, entry, item.span)?;
        match self.kind(&path) {
            Kind::File => Some(Target::File(path)),
            Kind::Dir => self.dir_target(path, item.span),
            Kind::Outside => {
                self.report(Problem::new(
                    ProblemKind::EscapesRoot,
                    item.span,
                    format!(
                        "`{entry}` is a symbolic link to a place outside the repository; Flux only reads files inside the source"
                    ),
                ));
                None
            }
            Kind::Missing => {
                self.report(Problem::new(
                    ProblemKind::MissingRef,
                    item.span,
                    format!(
                        "`{entry}` does not exist (resolved to `{}`)",
                        display_dir(&path)
                    ),
                ));
                None
            }
        }
    }

    /// A directory entry at `span`, unless it nests too deep, closes a cycle
    /// or has no kustomization file (each reported).
    fn dir_target(&mut self, path: String, span: Span) -> Option<Target> {
        match self.refusal(&path) {
            Some(Refusal::TooDeep) => {
                self.report(Problem::new(
                    ProblemKind::TooDeep,
                    span,
                    format!(
                        "kustomizations nest more than {MAX_INCLUDE_DEPTH} levels deep here; `{}` and what it includes were not resolved",
                        display_dir(&path)
                    ),
                ));
                return None;
            }
            Some(Refusal::Cycle(start)) => {
                let cycle: Vec<&str> = self.stack[start..]
                    .iter()
                    .map(|d| display_dir(d))
                    .chain([display_dir(&path)])
                    .collect();
                let message = format!(
                    "cycle: {} (kustomize refuses to build it)",
                    cycle.join(" -> ")
                );
                self.report(Problem::new(ProblemKind::Cycle, span, message));
                return None;
            }
            None => {}
        }
        self.record(Event::Checked(path.clone()));
        if !self.has_kustomization(&path) {
            self.report(Problem::new(
                ProblemKind::MissingRef,
                span,
                format!(
                    "directory `{}` has no kustomization file",
                    display_dir(&path)
                ),
            ));
            return None;
        }
        Some(Target::Dir(path))
    }

    /// `dir` joined with `entry`, reporting entries that leave the root.
    fn join_checked(&mut self, dir: &str, entry: &str, span: Span) -> Option<String> {
        match paths::join(dir, entry) {
            Ok(path) => Some(path),
            Err(err) => {
                let why = match err {
                    PathError::Absolute => "is an absolute path",
                    PathError::EscapesRoot => "leaves the repository root",
                };
                self.report(Problem::new(
                    ProblemKind::EscapesRoot,
                    span,
                    format!("`{entry}` {why}; Flux only reads files inside the source"),
                ));
                None
            }
        }
    }

    /// A file entry resolved like a `patches[].path`: the file's id, or a problem.
    pub(crate) fn referenced_file(
        &mut self,
        dir: &str,
        item: &Node,
        as_yaml: bool,
    ) -> Option<FileId> {
        match self.entry_target(dir, item)? {
            Target::File(path) => self.read(&path, as_yaml),
            Target::Dir(path) => {
                self.invalid(
                    item.span,
                    format!(
                        "`{}` is a directory; a file is expected here",
                        display_dir(&path)
                    ),
                );
                None
            }
        }
    }

    /// The file at `path`, parsed as YAML (read now when not read yet).
    pub(crate) fn yaml_file(&mut self, path: &str) -> Option<FileId> {
        self.read(path, true)
    }

    pub(crate) fn documents(&self, file: FileId) -> &[Document] {
        self.files().documents(file)
    }

    /// The text of `file`, shared, so it can be held while problems are reported.
    pub(crate) fn source(&self, file: FileId) -> Arc<SourceFile> {
        self.files().store().get(file).clone()
    }

    /// Reports a [`ProblemKind::Invalid`] problem: kustomize rejects what is at `span`.
    pub(crate) fn invalid(&mut self, span: Span, message: impl Into<String>) {
        self.report(Problem::new(ProblemKind::Invalid, span, message));
    }

    /// Records a problem once, with the directory being built (whose include
    /// chain the resolver attaches when it finishes).
    pub(crate) fn report(&mut self, problem: Problem) {
        self.spoil();
        let key = (
            problem.kind,
            problem.span.file,
            problem.span.start.line,
            problem.span.start.col,
        );
        if self.reported.insert(key) {
            self.problems.push((problem, self.stack.last().cloned()));
        }
    }
}
