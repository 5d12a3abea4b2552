//! Paths inside the linted root: every path the resolver handles is relative to
//! the root, `/`-separated, normalised (no `.`, no `..`), `""` for the root.
//!
//! Flux builds with Kustomize's load restrictor off but confined to the source
//! root: a reference may leave its kustomization's directory, never the root.

use std::path::Path;

/// Why a kustomization entry cannot be resolved inside the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathError {
    /// `/etc/hosts`, `file:///x`.
    Absolute,
    /// `../../..` climbing above the root.
    EscapesRoot,
}

/// `dir` joined with `entry` and normalised; an error when the result would
/// leave the root.
pub fn join(dir: &str, entry: &str) -> Result<String, PathError> {
    if entry.starts_with('/')
        || entry.starts_with('\\')
        || entry.to_ascii_lowercase().starts_with("file://")
    {
        return Err(PathError::Absolute);
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in entry.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(PathError::EscapesRoot);
                }
            }
            other => parts.push(other),
        }
    }
    Ok(parts.join("/"))
}

/// The directory part of a root-relative file path.
pub fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// The last part of a root-relative path (the one definition is discovery's).
pub use crate::discover::file_name;

/// True when `ancestor` is `path` or one of its parent directories.
pub fn contains(ancestor: &str, path: &str) -> bool {
    ancestor.is_empty()
        || path == ancestor
        || path
            .strip_prefix(ancestor)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The prefixes Flux (fluxcd/pkg) treats as remote, compared case-insensitively.
const REMOTE_PREFIXES: [&str; 8] = [
    "git::",
    "gh:",
    "ssh://",
    "https://",
    "http://",
    "git@",
    "github.com:",
    "github.com/",
];

/// True for entries Kustomize would fetch over the network.
pub fn is_remote(entry: &str) -> bool {
    let lower = entry.to_ascii_lowercase();
    REMOTE_PREFIXES.iter().any(|p| lower.starts_with(p))
}

/// What a root-relative path is on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Missing,
    /// A symbolic link that resolves outside the root: it exists, but Flux's
    /// filesystem refuses it, and fleet-lint does not read it.
    Outside,
}

/// What `rel` is under the canonical `root`, and its root-relative real path
/// (symbolic links resolved) when it exists there.
pub fn kind(root: &Path, rel: &str) -> (Kind, Option<String>) {
    let full = root.join(rel);
    let Ok(canonical) = full.canonicalize() else {
        return (Kind::Missing, None);
    };
    if !canonical.starts_with(root) {
        return (Kind::Outside, None);
    }
    let real = crate::discover::relative_path(&canonical, root);
    match std::fs::metadata(&canonical) {
        Ok(m) if m.is_dir() => (Kind::Dir, real),
        Ok(_) => (Kind::File, real),
        Err(_) => (Kind::Missing, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_and_normalises() {
        assert_eq!(
            join("tenants/a/prod", "../base"),
            Ok("tenants/a/base".into())
        );
        assert_eq!(join("a", "./b/./c.yaml"), Ok("a/b/c.yaml".into()));
        assert_eq!(join("", "."), Ok(String::new()));
        assert_eq!(join("a", "../.."), Err(PathError::EscapesRoot));
        assert_eq!(join("a", "/etc/hosts"), Err(PathError::Absolute));
    }

    #[test]
    fn recognises_remote_entries() {
        assert!(is_remote("github.com/org/repo//deploy?ref=main"));
        assert!(is_remote("HTTPS://example.com/x.yaml"));
        assert!(!is_remote("../base"));
    }

    #[test]
    fn ancestry() {
        assert!(contains("a/b", "a/b/c"));
        assert!(contains("a/b", "a/b"));
        assert!(!contains("a/b", "a/bc"));
        assert!(contains("", "x"));
    }
}
