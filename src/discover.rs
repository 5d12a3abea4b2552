//! The parallel walk: which files of the linted root are manifests.
//!
//! Built on the `ignore` crate (ripgrep's walker): `.gitignore`, `.ignore` and
//! `.git/info/exclude` are honoured even outside a git checkout, hidden files
//! and folders (`.git`, `.github`, `.archive`) are skipped, and symbolic links
//! are followed only while they stay inside the root (loops are detected by
//! the walker and skipped). The result is sorted by path, so everything
//! downstream is independent of thread scheduling.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};

/// A manifest found by the walk.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Discovered {
    /// Path relative to the root, `/`-separated.
    pub rel_path: String,
    pub abs_path: PathBuf,
    pub size: u64,
}

/// True for the files fleet-lint reads as manifests.
pub fn is_manifest_name(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml") || name == "Kustomization"
}

/// Walks `root` with `threads` threads and returns its manifests sorted by path.
pub fn discover(root: &Path, threads: usize) -> std::io::Result<Vec<Discovered>> {
    let canonical_root = root.canonicalize()?;
    let found = Mutex::new(Vec::new());
    let walker = WalkBuilder::new(&canonical_root)
        .threads(threads)
        .follow_links(true)
        .require_git(false)
        .filter_entry({
            let root = canonical_root.clone();
            move |entry| !entry.path_is_symlink() || stays_inside(entry.path(), &root)
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
            let is_file = entry.file_type().is_some_and(|t| t.is_file());
            let name = entry.file_name().to_string_lossy();
            if is_file
                && is_manifest_name(&name)
                && let Some(rel_path) = relative_path(entry.path(), root)
                && let Ok(mut found) = found.lock()
            {
                found.push(Discovered {
                    rel_path,
                    abs_path: entry.path().to_path_buf(),
                    size: entry.metadata().map_or(0, |m| m.len()),
                });
            }
            WalkState::Continue
        })
    });
    let mut found = found
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    found.sort();
    found.dedup_by(|a, b| a.rel_path == b.rel_path);
    Ok(found)
}

fn stays_inside(path: &Path, root: &Path) -> bool {
    path.canonicalize()
        .is_ok_and(|target| target.starts_with(root))
}

/// `path` relative to `root` with `/` separators, if it is under `root`.
pub fn relative_path(path: &Path, root: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<_> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    Some(parts.join("/"))
}
