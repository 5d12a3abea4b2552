//! The output of `fleet-lint build`: what the resolver built for a directory,
//! as a YAML stream (like `kubectl kustomize`) or as JSON with each object's
//! source and include chain.

use std::io::{self, Write};

use serde::Serialize;

use crate::kustomize::Build;
use crate::source::{SourceStore, Span};
use crate::yaml::to_kubectl_yaml;

#[derive(Serialize)]
struct JsonObject<'a> {
    object: serde_json::Value,
    source: JsonPlace<'a>,
    included_by: Vec<JsonPlace<'a>>,
}

#[derive(Serialize)]
struct JsonPlace<'a> {
    path: &'a str,
    line: u32,
}

fn place(span: Span, store: &SourceStore) -> JsonPlace<'_> {
    JsonPlace {
        path: &store.get(span.file).path,
        line: span.start.line,
    }
}

/// The built objects as `kubectl kustomize` prints them: in its output order
/// (the kustomization's `sortOptions`), keys sorted, `---` between documents.
pub fn render_yaml(build: &Build, out: &mut dyn Write) -> io::Result<()> {
    for (index, resource) in
        crate::kustomize::in_output_order(&build.resources, &build.output_order)
            .into_iter()
            .enumerate()
    {
        if index > 0 {
            writeln!(out, "---")?;
        }
        out.write_all(to_kubectl_yaml(&resource.node).as_bytes())?;
    }
    Ok(())
}

/// The built objects as a JSON array of `{object, source, included_by}`.
pub fn render_json(build: &Build, store: &SourceStore, out: &mut dyn Write) -> io::Result<()> {
    let objects: Vec<JsonObject> = build
        .resources
        .iter()
        .map(|r| JsonObject {
            object: r.node.to_json(),
            source: place(r.origin, store),
            included_by: r.included_by.iter().map(|s| place(*s, store)).collect(),
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &objects)?;
    writeln!(out)
}
