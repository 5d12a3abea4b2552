//! Which files a report is about: pre-commit mode (`--files`) here, and any
//! other [`FileSelection`] the caller brings (the command line's
//! `--changed-since REF` reads git). The whole fleet is always resolved, since
//! a change to a base can break an overlay elsewhere; a finding is reported
//! when its primary or one of its related locations is in a selected file.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::diag::Finding;
use crate::relpath::relative_path;
use crate::source::SourceStore;

/// The files a report is limited to, by root-relative `/`-separated path.
pub trait FileSelection: Send + Sync + std::fmt::Debug {
    /// Whether the file at `path` (relative to the linted root) is selected.
    fn holds(&self, path: &str) -> bool;
}

/// Files named on the command line (pre-commit passes the staged ones).
#[derive(Debug)]
pub struct Listed {
    paths: HashSet<String>,
    /// The names that select nothing, each with why (for the caller to say).
    pub unusable: Vec<(PathBuf, &'static str)>,
}

impl Listed {
    /// Files named relative to the current directory, as root-relative paths;
    /// a name that does not exist or is outside `root` is kept in
    /// [`Listed::unusable`].
    pub fn new(root: &Path, files: &[PathBuf]) -> Listed {
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let mut paths = HashSet::new();
        let mut unusable = Vec::new();
        for file in files {
            match std::fs::canonicalize(file) {
                Err(_) => unusable.push((file.clone(), "does not exist")),
                Ok(full) => match relative_path(&full, &root) {
                    Some(path) => {
                        paths.insert(path);
                    }
                    None => unusable.push((file.clone(), "is outside the linted root")),
                },
            }
        }
        Listed { paths, unusable }
    }
}

impl FileSelection for Listed {
    fn holds(&self, path: &str) -> bool {
        self.paths.contains(path)
    }
}

/// Keeps the findings with a location in a selected file; returns how many
/// it left out.
pub(crate) fn retain(
    selection: &dyn FileSelection,
    findings: &mut Vec<Finding>,
    store: &SourceStore,
) -> usize {
    let before = findings.len();
    findings.retain(|finding| {
        std::iter::once(finding.span)
            .chain(finding.related().map(|(span, _)| span))
            .any(|span| selection.holds(&store.get(span.file).path))
    });
    before - findings.len()
}
