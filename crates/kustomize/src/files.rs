//! What the resolver reads, and the only way it reads: a view of the
//! repository's files that the caller implements. The engine's view is the one
//! place that decides what is read (discovery's files, the loader's limits);
//! the resolver never touches the disk itself, and never writes.

use crate::paths::Kind;
use crate::source::{FileId, SourceStore};
use crate::yaml::Document;

/// A read-only view of the files under one repository root. Paths are
/// root-relative (see [`crate::paths`]). [`crate::Resolver::build_ahead`]
/// shares it between threads, hence `Send + Sync`.
pub trait Files: Send + Sync {
    /// What `path` is, and its real root-relative path when symbolic links
    /// make that differ from `path`.
    fn kind(&self, path: &str) -> (Kind, Option<String>);

    /// The names in directory `dir`, in any order (none when it cannot be listed).
    fn list_dir(&self, dir: &str) -> Vec<String>;

    /// The file at `path` if it has been read already.
    fn find(&self, path: &str) -> Option<FileId>;

    /// The file at `path`, read the first time it is asked for: parsed as YAML
    /// when `as_yaml`, else kept as text. `None` when it cannot be read (the
    /// view reports why; the resolver only goes without it).
    fn read(&mut self, path: &str, as_yaml: bool) -> Option<FileId>;

    /// The text of every file read so far.
    fn store(&self) -> &SourceStore;

    /// The YAML documents of `file` (none for text files and unparsable ones).
    fn documents(&self, file: FileId) -> &[Document];

    /// True when `file` failed to parse, or was not read at all (the view
    /// reports why).
    fn has_syntax_errors(&self, file: FileId) -> bool;
}
