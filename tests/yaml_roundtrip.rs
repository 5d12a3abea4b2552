//! The YAML emitter (`fleet-lint build`'s output) writes what it was given:
//! every document of every YAML file in the fixtures and in every corpus of
//! `../shared/corpora` that is valid YAML, loaded, emitted and loaded again,
//! has the same value.

mod common;

use std::path::{Path, PathBuf};

use fleet_lint_engine::source::{FileId, SourceFile};
use fleet_lint_engine::yaml::{LoadLimits, load_yaml, to_yaml};

/// Every `.yaml`/`.yml` file below `dir` (`.git` left out), sorted.
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() && entry.file_name() != ".git" {
                todo.push(path);
            } else if kind.is_file() && path.extension().is_some_and(|e| e == "yaml" || e == "yml")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// (documents checked, the documents whose value changed, as `path#index`).
fn round_trip(dir: &Path) -> (usize, Vec<String>) {
    let mut checked = 0;
    let mut changed = Vec::new();
    for path in yaml_files(dir) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let source = SourceFile::new(path.to_string_lossy().into_owned(), text);
        let loaded = load_yaml(FileId(0), &source, LoadLimits::default());
        // A file with errors (the yaml-syntax fixtures' duplicate keys) is
        // not valid YAML to begin with.
        if !loaded.errors.is_empty() {
            continue;
        }
        for (index, document) in loaded.documents.iter().enumerate() {
            checked += 1;
            let emitted = to_yaml(&document.root);
            let again = load_yaml(
                FileId(0),
                &SourceFile::new("emitted.yaml", emitted.as_str()),
                LoadLimits::default(),
            );
            let same = again.errors.is_empty()
                && again.documents.len() == 1
                && again.documents[0].root.to_json() == document.root.to_json();
            if !same {
                changed.push(format!("{}#{index}", path.display()));
            }
        }
    }
    (checked, changed)
}

#[test]
fn every_fixture_document_reads_back_the_same_after_emitting() {
    let (checked, changed) = round_trip(&common::project_root().join("fixtures"));
    assert!(checked > 500, "{checked} documents");
    assert_eq!(changed, Vec::<String>::new());
}

#[test]
fn every_corpus_document_reads_back_the_same_after_emitting() {
    let Some(corpora) = common::shared("corpora") else {
        return;
    };
    for (name, dir) in common::subdirs(&corpora) {
        let (checked, changed) = round_trip(&dir);
        common::say(&format!("{name}: {checked} documents round-trip"));
        assert_eq!(changed, Vec::<String>::new(), "{name}");
    }
}
