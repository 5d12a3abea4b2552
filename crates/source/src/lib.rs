//! fleet-lint's source layer: what every later stage points into.
//!
//! - [`source`]: the file store, file ids and line/column [`source::Span`]s;
//! - [`yaml`]: the spanned YAML tree (every key and value keeps its span), its
//!   loader with hostile-input limits, and its emitter;
//! - [`relpath`]: root-relative, `/`-separated paths (join, parent, ancestry);
//! - [`base64`] and [`suggest`] (did-you-mean): small helpers the engine shares.
//!
//! Nothing here knows about Kubernetes, Flux or rules.
//!
//! ```
//! use fleet_lint_source::source::{FileId, SourceFile};
//! use fleet_lint_source::yaml::{LoadLimits, load_yaml};
//!
//! let file = SourceFile::new("app.yaml", "kind: Secret\nmetadata:\n  name: db\n");
//! let loaded = load_yaml(FileId(0), &file, LoadLimits::default());
//! let name = loaded.documents[0].root.get_path(&["metadata", "name"]);
//! let name = name.expect("the document names itself");
//! assert_eq!(name.as_str(), Some("db"));
//! // Line 3, column 8 (0-based, in characters): where `db` is written.
//! assert_eq!((name.span.start.line, name.span.start.col), (3, 8));
//! ```

#![deny(missing_docs)]

pub mod base64;
pub mod relpath;
pub mod source;
pub mod suggest;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod yaml;
