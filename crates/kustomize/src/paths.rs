//! Paths inside the linted root: every path the resolver handles is relative to
//! the root, `/`-separated, normalised (no `.`, no `..`), `""` for the root.
//!
//! Flux builds with Kustomize's load restrictor off but confined to the source
//! root: a reference may leave its kustomization's directory, never the root.

pub use fleet_lint_source::relpath::{PathError, contains, file_name, join, parent};

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
    /// A regular file (or a link to one inside the root).
    File,
    /// A directory (or a link to one inside the root).
    Dir,
    /// Nothing, or something that cannot be read.
    Missing,
    /// A symbolic link that resolves outside the root: it exists, but Flux's
    /// filesystem refuses it, and fleet-lint does not read it.
    Outside,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_remote_entries() {
        assert!(is_remote("github.com/org/repo//deploy?ref=main"));
        assert!(is_remote("HTTPS://example.com/x.yaml"));
        assert!(!is_remote("../base"));
    }
}
