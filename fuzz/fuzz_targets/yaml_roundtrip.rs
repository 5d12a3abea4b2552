//! The emitter (`fleet-lint build`'s output) writes what it was given: every
//! document of a file that loads without errors, emitted and loaded again,
//! has the same value; and kubectl's form of it (numbers as kustomize reads
//! them, go-yaml's key order and folding) loads without errors too.
#![no_main]

use fleet_lint_source::source::{FileId, SourceFile};
use fleet_lint_source::yaml::{LoadLimits, load_yaml, to_kubectl_yaml, to_yaml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let loaded = load_yaml(
        FileId(0),
        &SourceFile::new("fuzz.yaml", text),
        LoadLimits::default(),
    );
    if !loaded.errors.is_empty() {
        return;
    }
    for document in &loaded.documents {
        let emitted = to_yaml(&document.root);
        let again = load_yaml(
            FileId(0),
            &SourceFile::new("emitted.yaml", emitted.as_str()),
            LoadLimits::default(),
        );
        assert!(
            again.errors.is_empty(),
            "emitted YAML does not load: {emitted:?}"
        );
        assert_eq!(again.documents.len(), 1, "{emitted:?}");
        assert_eq!(
            again.documents[0].root.to_json(),
            document.root.to_json(),
            "{emitted:?}"
        );
        let kubectl = to_kubectl_yaml(&document.root);
        let loaded = load_yaml(
            FileId(0),
            &SourceFile::new("kubectl.yaml", kubectl.as_str()),
            LoadLimits::default(),
        );
        assert!(
            loaded.errors.is_empty(),
            "kubectl's form does not load: {kubectl:?}"
        );
    }
});
