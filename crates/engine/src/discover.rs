//! The parallel walk: which files of the linted root are manifests, and which
//! are read only by the secret scan.
//!
//! Built on the `ignore` crate (ripgrep's walker): `.gitignore`, `.ignore` and
//! `.git/info/exclude` are honoured even outside a git checkout, and symbolic
//! links are followed only while they stay inside the root (loops are detected
//! by the walker and skipped). `.git` is never entered. A file with a
//! manifest's name that is a link out of the root, a FIFO, a socket or a
//! device is listed all the same, never read: the loader reports it
//! (`file-unreadable`), so nothing is skipped silently.
//!
//! Manifests are the YAML files outside hidden folders: what the fleet model,
//! Kustomize and every rule read. Hidden files and folders (`.github`,
//! `.archive`, `.sops.yaml`) and env files (`*.env`, `.env`) are committed
//! too, and a credential in them leaks all the same, so they are listed apart,
//! for `plaintext-secret` alone, as are the files of Helm chart folders (a
//! folder holding `Chart.yaml`: its templates are Go templates, its values are
//! not manifests). Both lists are sorted by path, so everything downstream is
//! independent of thread scheduling.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::relpath::{contains, file_name, parent, relative_path};
use ignore::{WalkBuilder, WalkState};

/// A manifest found by the walk.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Discovered {
    /// Path relative to the root, `/`-separated.
    pub(crate) rel_path: String,
    pub(crate) abs_path: PathBuf,
    /// Its size in bytes, when it was found.
    pub size: u64,
    /// Why it must not be read (a link out of the repository), if so.
    pub(crate) outside: bool,
}

/// The files of one walk: manifests, and files only the secret scan reads.
#[derive(Debug, Default)]
pub struct Discovery {
    /// The manifests to lint, sorted by path.
    pub manifests: Vec<Discovered>,
    /// YAML files in hidden files or folders, and env files anywhere.
    pub(crate) secret_scan_only: Vec<Discovered>,
}

/// True for the files fleet-lint reads as manifests.
pub(crate) fn is_manifest_name(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml") || name == "Kustomization"
}

/// True for env files (`KEY=value` lines): `.env`, `.env.local`, `app.env`.
pub(crate) fn is_env_name(name: &str) -> bool {
    name.ends_with(".env") || name.starts_with(".env.")
}

/// Walks `root` with `threads` threads; both lists sorted by path.
pub fn discover(root: &Path, threads: usize) -> std::io::Result<Discovery> {
    let canonical_root = root.canonicalize()?;
    let found = std::sync::Arc::new(Mutex::new(Vec::new()));
    let walker = WalkBuilder::new(&canonical_root)
        .threads(threads)
        .follow_links(true)
        .require_git(false)
        .hidden(false)
        .filter_entry({
            let (root, found) = (canonical_root.clone(), found.clone());
            move |entry| {
                let inside = !entry.path_is_symlink() || stays_inside(entry.path(), &root);
                if !inside {
                    list(entry, &root, &found, true);
                }
                entry.file_name() != ".git" && inside
            }
        })
        .build_parallel();
    walker.run(|| {
        let found = &found;
        let root = &canonical_root;
        Box::new(move |entry| {
            let Ok(entry) = entry else {
                // Unreadable directories and symlink loops: skipped, the walk goes on.
                return WalkState::Continue;
            };
            // Files, and FIFOs, sockets and devices (which the loader reports).
            if entry.file_type().is_some_and(|t| !t.is_dir()) {
                list(&entry, root, found, false);
            }
            WalkState::Continue
        })
    });
    let mut found = std::mem::take(
        &mut *found
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    );
    found.sort();
    found.dedup_by(|a, b| a.rel_path == b.rel_path);
    let charts = chart_dirs(&found);
    let (manifests, secret_scan_only) = found
        .into_iter()
        .partition(|file| is_manifest(file) && !charts.iter().any(|c| contains(c, &file.rel_path)));
    Ok(Discovery {
        manifests,
        secret_scan_only,
    })
}

/// Lists `entry` when it has a manifest's or an env file's name; `outside`:
/// it is a symbolic link out of the root, reported and never read.
fn list(entry: &ignore::DirEntry, root: &Path, found: &Mutex<Vec<Discovered>>, outside: bool) {
    let name = entry.file_name().to_string_lossy();
    if (is_manifest_name(&name) || is_env_name(&name))
        && let Some(rel_path) = relative_path(entry.path(), root)
        && let Ok(mut found) = found.lock()
    {
        let size = if outside {
            0
        } else {
            entry.metadata().map_or(0, |m| m.len())
        };
        found.push(Discovered {
            rel_path,
            abs_path: entry.path().to_path_buf(),
            size,
            outside,
        });
    }
}

/// The folders holding a `Chart.yaml`: Helm charts, whose `templates/` are Go
/// templates, not YAML, and whose `values.yaml` is not a manifest. Their
/// files are read by the secret scan only (a password in `values.yaml` leaks
/// like any other).
fn chart_dirs(found: &[Discovered]) -> Vec<String> {
    found
        .iter()
        .filter(|f| file_name(&f.rel_path) == "Chart.yaml")
        .map(|f| parent(&f.rel_path).to_string())
        .collect()
}

/// A YAML file with no hidden file or folder on its path.
fn is_manifest(file: &Discovered) -> bool {
    is_manifest_name(file_name(&file.rel_path))
        && !file.rel_path.split('/').any(|part| part.starts_with('.'))
}

/// Whether `path`, symbolic links resolved, is under the canonical `root`.
pub(crate) fn stays_inside(path: &Path, root: &Path) -> bool {
    path.canonicalize()
        .is_ok_and(|target| target.starts_with(root))
}
