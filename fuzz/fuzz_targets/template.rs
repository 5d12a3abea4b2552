//! The Flux Operator ResourceSet template renderer on any input: a template
//! text, then after a NUL byte the YAML of the inputs it reads. Rendering
//! ends with a text or an "unsupported" reason, never a panic, a hang or
//! unbounded memory.
#![no_main]

use fleet_lint_engine::fuzzing::resource_set_template;
use fleet_lint_source::source::{FileId, SourceFile};
use fleet_lint_source::yaml::{LoadLimits, load_yaml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (template, inputs) = text.split_once('\0').unwrap_or((&text, ""));
    let loaded = load_yaml(
        FileId(0),
        &SourceFile::new("inputs.yaml", inputs),
        LoadLimits::default(),
    );
    let input = loaded.documents.first().map(|d| &*d.root);
    let _ = resource_set_template(template, input);
});
