//! The resolve stage: the Kustomize resolver (the `fleet-lint-kustomize`
//! crate) over `RepoFiles`, the repository as every stage after discovery
//! reads it, and the resolver's problems as findings: the one place that says
//! which rule, at which severity, reports each kind of problem.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::diag::{Finding, Severity};
use crate::discover::Discovered;
use crate::fleet::{Fleet, collect_files};
use crate::kustomize::{self, Build, Files, Kind, Problem, ProblemKind, Resolver, Resource};
use crate::load::{LoadOptions, Loaded};
use crate::relpath::relative_path;
use crate::rule_id::RuleId;
use crate::source::{FileId, SourceStore, Span};
use crate::yaml::{Document, Node};

/// The files under one root, as the resolver and the model read them: the
/// files discovery found and the loader read, and any other file a
/// kustomization names, read on demand with the same limits. Nothing outside
/// the root is read, through links or otherwise.
pub(crate) struct RepoFiles {
    root: PathBuf,
    loaded: Loaded,
    load_options: LoadOptions,
    /// What [`RepoFiles::real_path`] found, by root-relative path.
    real_paths: Mutex<HashMap<String, Option<(PathBuf, bool)>>>,
    /// The names in each directory listed, by root-relative path: the
    /// resolvers building ahead on several threads ask for the same ones.
    listings: Mutex<HashMap<String, Vec<String>>>,
}

impl RepoFiles {
    /// The files under `root`, of which `loaded` are read already.
    pub(crate) fn new(root: &Path, loaded: Loaded, load_options: LoadOptions) -> RepoFiles {
        RepoFiles {
            root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
            loaded,
            load_options,
            real_paths: Mutex::new(HashMap::new()),
            listings: Mutex::new(HashMap::new()),
        }
    }

    /// Where `path` really is (absolute, every link resolved, as
    /// `canonicalize` says) and whether it is a directory; `None` when it
    /// does not exist. A path with no link in its last part is its parent's
    /// real path and its name: one `lstat` and a memoised parent, not a
    /// `readlink` per part of the path (the model asks about every directory).
    fn real_path(&self, path: &str) -> Option<(PathBuf, bool)> {
        if path.is_empty() {
            return Some((self.root.clone(), true));
        }
        if let Some(known) = locked(&self.real_paths).get(path) {
            return known.clone();
        }
        let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
        let found = if matches!(name, "" | "." | "..") {
            canonical_kind(&self.root.join(path))
        } else {
            let (real_parent, parent_is_dir) = self.real_path(parent)?;
            if !parent_is_dir {
                return None;
            }
            let candidate = real_parent.join(name);
            match std::fs::symlink_metadata(&candidate) {
                Ok(meta) if meta.file_type().is_symlink() => canonical_kind(&candidate),
                Ok(meta) => Some((candidate, meta.is_dir())),
                Err(_) => None,
            }
        };
        locked(&self.real_paths).insert(path.to_string(), found.clone());
        found
    }

    /// Every file read, with the load findings of those read on demand.
    pub(crate) fn into_loaded(self) -> Loaded {
        self.loaded
    }
}

impl Files for RepoFiles {
    fn kind(&self, path: &str) -> (Kind, Option<String>) {
        let Some((canonical, is_dir)) = self.real_path(path) else {
            return (Kind::Missing, None);
        };
        if !canonical.starts_with(&self.root) {
            return (Kind::Outside, None);
        }
        let real = relative_path(&canonical, &self.root);
        (if is_dir { Kind::Dir } else { Kind::File }, real)
    }

    fn list_dir(&self, dir: &str) -> Vec<String> {
        if let Some(names) = locked(&self.listings).get(dir).cloned() {
            return names;
        }
        let names: Vec<String> = match std::fs::read_dir(self.root.join(dir)) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        };
        locked(&self.listings).insert(dir.to_string(), names.clone());
        names
    }

    fn find(&self, path: &str) -> Option<FileId> {
        self.loaded.find(path)
    }

    fn read(&mut self, path: &str, as_yaml: bool) -> Option<FileId> {
        if let Some(id) = self.loaded.find(path) {
            return Some(id);
        }
        let abs_path = self.root.join(path);
        let size = std::fs::metadata(&abs_path).ok()?.len();
        let discovered = Discovered {
            rel_path: path.to_string(),
            abs_path,
            size,
            outside: false,
        };
        Some(
            self.loaded
                .load_extra(&discovered, as_yaml, &self.load_options),
        )
    }

    fn store(&self) -> &SourceStore {
        &self.loaded.store
    }

    fn documents(&self, file: FileId) -> &[Document] {
        &self.loaded.files[file.0 as usize].documents
    }

    fn has_syntax_errors(&self, file: FileId) -> bool {
        !self.loaded.files[file.0 as usize].errors.is_empty() || self.loaded.was_not_read(file)
    }
}

/// The memo behind `mutex` (one a panicking thread left is still sound: it
/// only ever holds complete answers).
fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `path` with every link resolved, and whether it is a directory.
fn canonical_kind(path: &Path) -> Option<(PathBuf, bool)> {
    let canonical = path.canonicalize().ok()?;
    let is_dir = std::fs::metadata(&canonical).ok()?.is_dir();
    Some((canonical, is_dir))
}

/// What the builds of every kustomization directory give the rules beyond
/// the clusters' objects. Each build is digested as it is made and then
/// dropped: a build holds every object below it again, so a fleet's builds
/// together hold its objects many times over.
#[derive(Debug, Default)]
pub struct BuildsDigest {
    /// Every file a span of a built object is in (a patch's, a base's).
    pub files: HashSet<FileId>,
    /// The built objects defined in files no cluster reaches (every built
    /// object, when the model found no cluster), the first build's of each
    /// definition, in build order.
    pub unreached: Vec<Resource>,
}

/// Builds every directory that holds a kustomization, reached by a cluster or
/// not (components are built by the kustomizations that use them), so every
/// broken reference is found; what the rules need of the builds.
pub(crate) fn resolve_every_kustomization(resolver: &mut Resolver, fleet: &Fleet) -> BuildsDigest {
    let unreachable: HashSet<FileId> = fleet.unreachable.iter().copied().collect();
    let reached = |file: &FileId| !fleet.clusters.is_empty() && !unreachable.contains(file);
    let mut digest = BuildsDigest::default();
    let mut walked: HashSet<*const Node> = HashSet::new();
    let mut defined: HashSet<Span> = HashSet::new();
    for dir in kustomize::kustomization_dirs(resolver.files().store()) {
        if resolver.is_component_dir(&dir) {
            continue;
        }
        for resource in resolver.build_dir(&dir).resources {
            // An object several builds share is walked once.
            if walked.insert(Arc::as_ptr(&resource.node)) {
                collect_files(&resource.node, &mut digest.files);
            }
            if !reached(&resource.origin.file) && defined.insert(resource.origin) {
                digest.unreached.push(resource);
            }
        }
    }
    digest
}

/// The rule, and its severity, that reports each kind of resolution problem.
fn rule_of(kind: ProblemKind) -> (RuleId, Severity) {
    match kind {
        ProblemKind::Invalid => (RuleId::KustomizeInvalid, Severity::Error),
        ProblemKind::PatchTargetUnmatched => (RuleId::KustomizeInvalid, Severity::Warning),
        ProblemKind::InlinePatchSyntax => (RuleId::YamlSyntax, Severity::Error),
        ProblemKind::RemoteRef => (RuleId::KustomizeRemoteRef, Severity::Info),
        ProblemKind::MissingRef => (RuleId::KustomizeMissingRef, Severity::Error),
        ProblemKind::EscapesRoot => (RuleId::KustomizeEscapesRoot, Severity::Error),
        ProblemKind::Cycle => (RuleId::KustomizeCycle, Severity::Error),
        ProblemKind::DuplicateId => (RuleId::KustomizeDuplicateId, Severity::Error),
        ProblemKind::TooDeep | ProblemKind::TooLarge => (RuleId::LimitExceeded, Severity::Warning),
        ProblemKind::NotEvaluated => (RuleId::KustomizeNotEvaluated, Severity::Info),
    }
}

/// `problem` as the finding its rule reports.
pub fn finding(problem: Problem) -> Finding {
    let (rule, severity) = rule_of(problem.kind);
    let finding = problem.related.into_iter().fold(
        Finding::new(rule, severity, problem.span, problem.message),
        |finding, (span, message)| finding.with_related(span, message),
    );
    match problem.help {
        Some(help) => finding.with_help(help),
        None => finding,
    }
}

/// What `dir` alone builds under `root` (as `fleet-lint build` shows it): the
/// build, every file read, and the findings of resolving it, then of reading
/// its files.
pub fn build_alone(root: &Path, dir: &str) -> (Build, Loaded, Vec<Finding>) {
    let mut files = RepoFiles::new(root, Loaded::default(), LoadOptions::default());
    let mut resolver = Resolver::new(&mut files);
    let build = resolver.build_dir(dir);
    let problems = resolver.finish();
    let loaded = files.into_loaded();
    let findings = problems
        .into_iter()
        .map(finding)
        .chain(loaded.findings.iter().cloned())
        .collect();
    (build, loaded, findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::info;

    /// Each kind of problem is reported at its rule's default severity, or at
    /// the other severity the rule's declaration (and doc header) states.
    #[test]
    fn every_problem_kind_has_a_severity_its_rule_declares() {
        for kind in ProblemKind::ALL {
            let (rule, severity) = rule_of(kind);
            let declared = info(rule);
            let stated = declared.severity == severity
                || declared
                    .also
                    .is_some_and(|also| also.starts_with(severity.as_str()));
            assert!(
                stated,
                "{kind:?} is a {severity} of {rule}, which its declaration does not state"
            );
        }
    }
}
