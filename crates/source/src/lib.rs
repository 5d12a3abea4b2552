//! fleet-lint's source layer: what every later stage points into.
//!
//! - [`source`]: the file store, file ids and line/column [`source::Span`]s;
//! - [`yaml`]: the spanned YAML tree (every key and value keeps its span), its
//!   loader with hostile-input limits, and its emitter;
//! - [`base64`] and [`suggest`] (did-you-mean): small helpers the engine shares.
//!
//! Nothing here knows about Kubernetes, Flux or rules.

pub mod base64;
pub mod source;
pub mod suggest;
pub mod yaml;
