//! Pull-request mode (`--changed-since REF`): the files whose content differs
//! from REF's, as a [`FileSelection`] for the engine.
//!
//! "Changed since REF" is read from the repository's own objects (with `gix`,
//! no `git` process): a file is changed when its content differs from the blob
//! at REF's tree, or REF has no such file (new and untracked files count).
//! Content is compared as checked out, without git's filters (`autocrlf`, LFS).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use fleet_lint_engine::relpath::relative_path;
use fleet_lint_engine::selection::FileSelection;

/// The blobs of the files under the linted root at a revision.
#[derive(Debug)]
pub struct ChangedFiles {
    root: PathBuf,
    hash_kind: gix::hash::Kind,
    /// Root-relative path -> blob id at the revision.
    at_revision: HashMap<String, gix::ObjectId>,
    /// Answers already computed (hashing is lazy: only files with findings).
    known: Mutex<HashMap<String, bool>>,
}

impl ChangedFiles {
    /// Reads the tree of `revision` in the git repository holding `root`;
    /// `flag` is the option that named it, for the errors.
    pub fn read(root: &Path, revision: &str, flag: &str) -> Result<ChangedFiles, String> {
        let repo = gix::discover(root).map_err(|_| {
            format!(
                "`{flag}` needs a git checkout, and {} is not in one",
                root.display()
            )
        })?;
        let workdir = repo.workdir().ok_or_else(|| {
            format!("`{flag}` needs a checkout with a working tree, not a bare repository")
        })?;
        let prefix = relative_to(root, workdir)?;
        let tree = repo
            .rev_parse_single(revision)
            .map_err(|e| format!("`{flag} {revision}`: {e}"))?
            .object()
            .and_then(|o| o.peel_to_tree())
            .map_err(|e| format!("`{flag} {revision}` names no commit or tree: {e}"))?;
        let mut recorder = gix::traverse::tree::Recorder::default();
        tree.traverse()
            .breadthfirst(&mut recorder)
            .map_err(|e| format!("cannot read the tree of {revision}: {e}"))?;
        let at_revision = recorder
            .records
            .into_iter()
            .filter(|r| r.mode.is_blob())
            .filter_map(|r| {
                let path = r.filepath.to_string();
                let rel = match prefix.as_str() {
                    "" => path,
                    p => path.strip_prefix(p)?.strip_prefix('/')?.to_string(),
                };
                Some((rel, r.oid))
            })
            .collect();
        Ok(ChangedFiles {
            root: root.to_path_buf(),
            hash_kind: repo.object_hash(),
            at_revision,
            known: Mutex::new(HashMap::new()),
        })
    }

    /// Whether the file at `path` (relative to the root) differs from the revision.
    fn is_changed(&self, path: &str) -> bool {
        if let Ok(known) = self.known.lock()
            && let Some(&answer) = known.get(path)
        {
            return answer;
        }
        let answer = match self.at_revision.get(path) {
            None => true,
            Some(blob) => fleet_lint_engine::load::read_bounded(&self.root.join(path), u64::MAX)
                .ok()
                .and_then(|bytes| {
                    gix::objs::compute_hash(self.hash_kind, gix::objs::Kind::Blob, &bytes).ok()
                })
                .is_none_or(|now| now != *blob),
        };
        if let Ok(mut known) = self.known.lock() {
            known.insert(path.to_string(), answer);
        }
        answer
    }
}

/// `root` relative to the repository's working tree, `/`-separated ("" at the top).
fn relative_to(root: &Path, workdir: &Path) -> Result<String, String> {
    let canonical =
        |p: &Path| std::fs::canonicalize(p).map_err(|e| format!("{}: {e}", p.display()));
    let (root, workdir) = (canonical(root)?, canonical(workdir)?);
    relative_path(&root, &workdir)
        .ok_or_else(|| format!("{} is outside its git working tree", root.display()))
}

impl FileSelection for ChangedFiles {
    fn holds(&self, path: &str) -> bool {
        self.is_changed(path)
    }
}
