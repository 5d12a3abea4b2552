//! Helpers for the unit tests of the crates above this one (the
//! `test-support` feature, for dev-dependencies only).

use crate::source::{FileId, SourceFile};
use crate::yaml::{LoadLimits, Node, load_yaml};

/// The first document of `text`; panics when it does not parse (tests only).
pub fn parse_first(text: &str) -> Node {
    let source = SourceFile::new("test.yaml", text);
    let mut loaded = load_yaml(FileId(0), &source, LoadLimits::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    std::sync::Arc::unwrap_or_clone(loaded.documents.remove(0).root)
}
