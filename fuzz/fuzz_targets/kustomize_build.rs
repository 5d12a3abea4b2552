//! The Kustomize resolver over an in-memory tree made from the input: the
//! input is up to eight files separated by NUL bytes, laid at fixed paths (a
//! root, a base, an overlay, a component, loose manifests), so that mutations
//! of a seed keep its references meaningful. Building the overlay and the
//! root ends with objects and problems, never a panic, a hang or unbounded
//! memory.
#![no_main]

use fleet_lint_kustomize::{Files, Kind, Resolver};
use fleet_lint_source::source::{FileId, SourceFile, SourceStore};
use fleet_lint_source::yaml::{Document, LoadLimits, load_yaml};
use libfuzzer_sys::fuzz_target;

const PATHS: [&str; 8] = [
    "kustomization.yaml",
    "base/kustomization.yaml",
    "base/deploy.yaml",
    "overlay/kustomization.yaml",
    "overlay/patch.yaml",
    "component/kustomization.yaml",
    "cm.yaml",
    "overlay/settings.env",
];
const DIRS: [&str; 4] = ["", "base", "overlay", "component"];

/// The files of one input, loaded.
struct Memory {
    store: SourceStore,
    documents: Vec<Vec<Document>>,
    broken: Vec<bool>,
}

impl Files for Memory {
    fn kind(&self, path: &str) -> (Kind, Option<String>) {
        let kind = if self.find(path).is_some() {
            Kind::File
        } else if DIRS.contains(&path) {
            Kind::Dir
        } else {
            Kind::Missing
        };
        (kind, None)
    }

    fn list_dir(&self, dir: &str) -> Vec<String> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut names: Vec<String> = PATHS
            .iter()
            .chain(DIRS.iter())
            .filter(|path| self.kind(path).0 != Kind::Missing)
            .filter_map(|path| path.strip_prefix(prefix.as_str()))
            .filter(|rest| !rest.is_empty() && !rest.contains('/'))
            .map(str::to_string)
            .collect();
        names.sort();
        names.dedup();
        names
    }

    fn find(&self, path: &str) -> Option<FileId> {
        self.store
            .iter()
            .find(|(_, f)| &*f.path == path)
            .map(|(id, _)| id)
    }

    fn read(&mut self, path: &str, _as_yaml: bool) -> Option<FileId> {
        self.find(path)
    }

    fn store(&self) -> &SourceStore {
        &self.store
    }

    fn documents(&self, file: FileId) -> &[Document] {
        self.documents
            .get(file.0 as usize)
            .map_or(&[], Vec::as_slice)
    }

    fn has_syntax_errors(&self, file: FileId) -> bool {
        self.broken.get(file.0 as usize).copied().unwrap_or(false)
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut files = Memory {
        store: SourceStore::default(),
        documents: Vec::new(),
        broken: Vec::new(),
    };
    for (path, content) in PATHS.iter().zip(text.split('\0')) {
        let id = files.store.add(SourceFile::new(*path, content));
        let loaded = load_yaml(id, files.store.get(id), LoadLimits::default());
        files.broken.push(!loaded.errors.is_empty());
        files.documents.push(loaded.documents);
    }
    let mut resolver = Resolver::new(&mut files);
    let _ = resolver.build_dir("overlay");
    let _ = resolver.build_dir("");
    let _ = resolver.finish();
});
