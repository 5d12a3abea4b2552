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
pub struct Listed(HashSet<String>);

impl Listed {
    /// Files named relative to the current directory, as root-relative paths.
    pub fn new(root: &Path, files: &[PathBuf]) -> Listed {
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let paths = files
            .iter()
            .filter_map(|file| relative_path(&std::fs::canonicalize(file).ok()?, &root))
            .collect();
        Listed(paths)
    }
}

impl FileSelection for Listed {
    fn holds(&self, path: &str) -> bool {
        self.0.contains(path)
    }
}

/// Keeps the findings with a location in a selected file.
pub(crate) fn retain(
    selection: &dyn FileSelection,
    findings: &mut Vec<Finding>,
    store: &SourceStore,
) {
    findings.retain(|finding| {
        std::iter::once(finding.span)
            .chain(finding.related().map(|(span, _)| span))
            .any(|span| selection.holds(&store.get(span.file).path))
    });
}
