//! Kustomize resolution without the kustomize binary: what each directory
//! really builds, with every object's source span and include chain.
//!
//! Semantics follow kustomize v5 as Flux runs it (`flux-kustomize-reference.md`):
//! the load restrictor is off but nothing may leave the repository root, and a
//! directory without a kustomization file is built the way kustomize-controller
//! generates one. Each directory's build is memoised, so overlays that share a
//! base share its parsed and built objects; each file is read once per run.
//!
//! The pipeline of one kustomization (kustomize's order): resources and bases,
//! generators, components, then the built-in transformers (patches, namespace,
//! prefix/suffix, labels, annotations, JSON 6902 patches, replicas, images).
//! Not evaluated, and reported as such (info): `helmCharts`, `replacements`,
//! plugin `transformers`/`generators`/`validators`, and the hash suffix of
//! generated names (names are kept without it).

mod generate;
mod inline;
mod patch;
pub mod paths;
mod resource;
mod select;
mod transform;

use crate::rule_id::RuleId;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use resource::{ObjectMeta, ResId, Resource, kustomize_treats_as_cluster_scoped};

use crate::diag::{Finding, Severity};
use crate::discover::Discovered;
use crate::load::{LoadOptions, Loaded};
use crate::source::{FileId, Span};
use crate::yaml::{Document, Node};
use paths::{Kind, PathError};

/// The names Kustomize recognises, in the order it tries them.
pub const KUSTOMIZATION_FILES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The YAML shape a kustomization field must have.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Text,
    List,
    Map,
}

impl Shape {
    fn fits(self, node: &Node) -> bool {
        node.is_null()
            || match self {
                Shape::Text => node.as_str().is_some(),
                Shape::List => node.as_seq().is_some(),
                Shape::Map => node.as_map().is_some(),
            }
    }

    fn name(self) -> &'static str {
        match self {
            Shape::Text => "a string",
            Shape::List => "a list",
            Shape::Map => "a mapping",
        }
    }
}

/// Every top-level field of a kustomization file kustomize v5 accepts, with its shape.
const FIELDS: [(&str, Shape); 34] = [
    ("apiVersion", Shape::Text),
    ("kind", Shape::Text),
    ("metadata", Shape::Map),
    ("openapi", Shape::Map),
    ("namePrefix", Shape::Text),
    ("nameSuffix", Shape::Text),
    ("namespace", Shape::Text),
    ("commonLabels", Shape::Map),
    ("labels", Shape::List),
    ("commonAnnotations", Shape::Map),
    ("patchesStrategicMerge", Shape::List),
    ("patchesJson6902", Shape::List),
    ("patches", Shape::List),
    ("images", Shape::List),
    ("imageTags", Shape::List),
    ("replacements", Shape::List),
    ("replicas", Shape::List),
    ("vars", Shape::List),
    ("sortOptions", Shape::Map),
    ("resources", Shape::List),
    ("components", Shape::List),
    ("crds", Shape::List),
    ("bases", Shape::List),
    ("configMapGenerator", Shape::List),
    ("secretGenerator", Shape::List),
    ("helmGlobals", Shape::Map),
    ("helmCharts", Shape::List),
    ("helmChartInflationGenerator", Shape::List),
    ("generatorOptions", Shape::Map),
    ("configurations", Shape::List),
    ("generators", Shape::List),
    ("transformers", Shape::List),
    ("validators", Shape::List),
    ("buildMetadata", Shape::List),
];

/// What one directory builds.
#[derive(Clone, Debug)]
pub struct Build {
    /// The directory, relative to the root.
    pub dir: String,
    pub resources: Vec<Resource>,
    /// False when part of the build is unknown to fleet-lint (a remote base,
    /// `helmCharts`, a plugin, an empty `flux bootstrap` placeholder): absence
    /// of an object then proves nothing.
    pub complete: bool,
}

/// The objects accumulated by a (partial) build, and whether they are all of them.
#[derive(Clone, Debug)]
pub(crate) struct Objects {
    pub resources: Vec<Resource>,
    pub complete: bool,
}

impl Objects {
    fn new() -> Objects {
        Objects {
            resources: Vec::new(),
            complete: true,
        }
    }

    fn incomplete() -> Objects {
        Objects {
            resources: Vec::new(),
            complete: false,
        }
    }
}

/// The ids of the objects accumulated so far in one pipeline, with where
/// each is defined: duplicate checks in constant time, not by a scan.
#[derive(Default)]
struct IdIndex(HashMap<ResId, Span>);

impl IdIndex {
    fn of(objects: &Objects) -> IdIndex {
        IdIndex(
            objects
                .resources
                .iter()
                .map(|r| (r.id(), r.node.headline()))
                .collect(),
        )
    }
}

/// Resolves kustomizations inside one repository root.
pub struct Resolver {
    root: PathBuf,
    loaded: Loaded,
    load_options: LoadOptions,
    memo: HashMap<String, Arc<Objects>>,
    /// Directories being built, outermost first (for cycle detection).
    stack: Vec<String>,
    /// For each directory, the kustomization entries that include it.
    included_by: HashMap<String, Vec<Span>>,
    /// What each path is on disk, asked once (files already loaded need no syscall).
    kinds: HashMap<String, Kind>,
    /// Real paths of the paths reached through a link (see [`Resolver::cycle_start`]).
    real_dirs: HashMap<String, String>,
    /// Findings, each with the directory being built when it was made.
    findings: Vec<(Finding, Option<String>)>,
    reported: HashSet<(String, FileId, u32, u32)>,
}

/// How a kustomization entry names a thing on disk.
enum Target {
    File(String),
    Dir(String),
}

impl Resolver {
    /// `loaded` may hold files read already (the resolver reads the others it
    /// needs on demand).
    pub fn new(root: PathBuf, loaded: Loaded, load_options: LoadOptions) -> Resolver {
        Resolver {
            root: root.canonicalize().unwrap_or(root),
            loaded,
            load_options,
            memo: HashMap::new(),
            stack: Vec::new(),
            included_by: HashMap::new(),
            kinds: HashMap::new(),
            real_dirs: HashMap::new(),
            findings: Vec::new(),
            reported: HashSet::new(),
        }
    }

    /// The files read so far, and the findings of resolution, each with the
    /// kustomization entries that include its directory (transitively, nearest
    /// first) as related locations.
    pub fn finish(self) -> (Loaded, Vec<Finding>) {
        let findings = self
            .findings
            .iter()
            .map(|(finding, dir)| match dir {
                Some(dir) => self
                    .include_chain(dir)
                    .into_iter()
                    .fold(finding.clone(), |f, span| {
                        f.with_related(span, "included by this entry")
                    }),
                None => finding.clone(),
            })
            .collect();
        (self.loaded, findings)
    }

    /// The entries that include `dir`, then those that include their
    /// directories, and so on (each once, at most `MAX_CHAIN`).
    fn include_chain(&self, dir: &str) -> Vec<Span> {
        const MAX_CHAIN: usize = 16;
        let mut chain: Vec<Span> = Vec::new();
        let mut frontier = vec![dir.to_string()];
        let mut seen: HashSet<String> = HashSet::from([dir.to_string()]);
        while let Some(current) = frontier.pop() {
            let mut entries = self.included_by.get(&current).cloned().unwrap_or_default();
            entries.sort_by_key(|s| {
                (
                    self.loaded.store.get(s.file).path.clone(),
                    s.start.line,
                    s.start.col,
                )
            });
            for span in entries {
                if chain.len() == MAX_CHAIN {
                    return chain;
                }
                chain.push(span);
                let parent = paths::parent(&self.loaded.store.get(span.file).path).to_string();
                if seen.insert(parent.clone()) {
                    frontier.insert(0, parent);
                }
            }
        }
        chain
    }

    pub fn loaded(&self) -> &Loaded {
        &self.loaded
    }

    /// The kustomization directories built so far.
    pub fn built_dirs(&self) -> impl Iterator<Item = &str> {
        self.memo.keys().map(String::as_str)
    }

    /// The repository root (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// True when the kustomization of `dir` is a `kind: Component`.
    pub fn is_component_dir(&mut self, dir: &str) -> bool {
        self.is_component(dir)
    }

    /// The kustomization file of `dir`, if it has one (read if needed).
    pub fn kustomization_file(&mut self, dir: &str) -> Option<FileId> {
        let path = KUSTOMIZATION_FILES
            .iter()
            .filter_map(|name| paths::join(dir, name).ok())
            .find(|path| self.kind(path) == Kind::File)?;
        self.yaml_file(&path)
    }

    /// What `path` is on disk.
    pub fn path_kind(&mut self, path: &str) -> Kind {
        self.kind(path)
    }

    /// True when `dir` holds a kustomization file.
    pub fn has_kustomization(&mut self, dir: &str) -> bool {
        KUSTOMIZATION_FILES
            .iter()
            .any(|name| paths::join(dir, name).is_ok_and(|path| self.kind(&path) == Kind::File))
    }

    /// What `path` is on disk (memoised; a loaded file is known to be a file).
    fn kind(&mut self, path: &str) -> Kind {
        if self.loaded.find(path).is_some() {
            return Kind::File;
        }
        if let Some(kind) = self.kinds.get(path) {
            return *kind;
        }
        let (kind, real) = paths::kind(&self.root, path);
        self.kinds.insert(path.to_string(), kind);
        if let Some(real) = real.filter(|real| real != path) {
            self.real_dirs.insert(path.to_string(), real);
        }
        kind
    }

    /// Where on the include stack `dir` would close a cycle: at a directory
    /// it contains, by path, or, when `dir` goes through a symbolic link
    /// (`a -> .`), by real path, so linked folders cannot nest without end.
    fn cycle_start(&self, dir: &str) -> Option<usize> {
        if let Some(start) = self.stack.iter().position(|d| paths::contains(dir, d)) {
            return Some(start);
        }
        let real = self.real_dirs.get(dir)?;
        self.stack
            .iter()
            .position(|d| paths::contains(real, &self.real_dir(d)))
    }

    /// The real (links resolved) root-relative path of `dir`: recorded by
    /// [`Resolver::kind`] when it differs, so no second syscall is made.
    fn real_dir(&self, dir: &str) -> String {
        self.real_dirs
            .get(dir)
            .cloned()
            .unwrap_or_else(|| dir.to_string())
    }

    /// What Flux builds for `dir`: its kustomization, or, when it has none, the
    /// kustomization kustomize-controller generates (every manifest below it).
    pub fn build_dir(&mut self, dir: &str) -> Build {
        self.build_with_overlay(dir, None)
    }

    /// [`Resolver::build_dir`] with `overlay`, a kustomization-shaped mapping
    /// from file `FileId` (a Flux Kustomization's `targetNamespace`, `patches`,
    /// `components`, `namePrefix`/`nameSuffix`, `images`), applied to the
    /// directory's objects as Flux lays those fields over its top-level kustomization.
    pub fn build_with_overlay(&mut self, dir: &str, overlay: Option<(&Node, FileId)>) -> Build {
        let mut objects = if self.has_kustomization(dir) {
            (*self.build_kustomization(dir)).clone()
        } else {
            self.build_generated(dir)
        };
        if let Some((overlay, file)) = overlay {
            self.stack.push(dir.to_string());
            objects = self.run_pipeline(dir, file, overlay, objects);
            self.stack.pop();
        }
        Build {
            dir: dir.to_string(),
            resources: objects
                .resources
                .into_iter()
                .filter(|r| {
                    r.metadata_value("annotations", "config.kubernetes.io/local-config")
                        != Some("true")
                })
                .collect(),
            complete: objects.complete,
        }
    }

    /// Builds the kustomization in `dir` (which must have one), memoised.
    fn build_kustomization(&mut self, dir: &str) -> Arc<Objects> {
        if let Some(done) = self.memo.get(dir) {
            return done.clone();
        }
        self.stack.push(dir.to_string());
        let built = match self.kustomization_root(dir) {
            Some((file, root)) => {
                if self.check_header(&root, "Kustomization") {
                    self.run_pipeline(dir, file, &root, Objects::new())
                } else {
                    Objects::new()
                }
            }
            None => Objects::new(),
        };
        self.stack.pop();
        let built = Arc::new(built);
        self.memo.insert(dir.to_string(), built.clone());
        built
    }

    /// The kustomization file of `dir` and its first document.
    fn kustomization_root(&mut self, dir: &str) -> Option<(FileId, Node)> {
        let present: Vec<String> = KUSTOMIZATION_FILES
            .iter()
            .filter_map(|name| paths::join(dir, name).ok())
            .filter(|path| self.kind(path) == Kind::File)
            .collect();
        let first = self.yaml_file(present.first()?)?;
        if let Some(second) = present.get(1).and_then(|p| self.yaml_file(p)) {
            self.report(Finding::new(
                RuleId::KustomizeInvalid,
                Severity::Error,
                Span::file_start(second),
                "more than one kustomization file in this directory; kustomize refuses to build it",
            ).with_related(Span::file_start(first), "the other kustomization file"));
        }
        match self.documents(first).first() {
            Some(doc) => Some((first, doc.root.clone())),
            None => {
                if self.loaded.files[first.0 as usize].errors.is_empty() {
                    self.invalid(
                        Span::file_start(first),
                        "kustomization file is empty; kustomize refuses to build it",
                    );
                }
                None
            }
        }
    }

    /// Checks `kind` and the top-level fields; false when the file cannot be used.
    fn check_header(&mut self, root: &Node, expected: &str) -> bool {
        let Some(entries) = root.as_map() else {
            self.invalid(root.span, "a kustomization file must be a mapping");
            return false;
        };
        if let Some(kind) = root.get("kind").filter(|k| k.as_str() != Some(expected)) {
            let found = kind.as_str().unwrap_or("");
            self.invalid(
                kind.span,
                format!("expected `kind: {expected}` here, found `{found}`"),
            );
            return false;
        }
        for entry in entries {
            let key = entry.key.as_str().unwrap_or("");
            if let Some((_, shape)) = FIELDS.iter().find(|(name, _)| *name == key) {
                if !shape.fits(&entry.value) {
                    self.invalid(
                        entry.value.span,
                        format!("`{key}` must be {}", shape.name()),
                    );
                }
            } else {
                let hint = crate::suggest::did_you_mean(key, FIELDS.iter().map(|(k, _)| *k), 2);
                self.report(
                    Finding::new(
                        RuleId::KustomizeInvalid,
                        Severity::Error,
                        entry.key.span,
                        format!("unknown kustomization field `{key}`{hint}"),
                    )
                    .with_help("kubectl kustomize fails on it; Flux drops it silently, so its content is never applied"),
                );
            }
        }
        true
    }

    /// One kustomization's (or component's) pipeline over `acc`.
    fn run_pipeline(&mut self, dir: &str, file: FileId, k: &Node, mut acc: Objects) -> Objects {
        let mut ids = IdIndex::of(&acc);
        for field in ["resources", "bases"] {
            for item in list(k, field) {
                let added = self.resolve_resource_entry(dir, item);
                self.accumulate(&mut acc, added, &mut ids);
            }
        }
        self.check_unevaluated_paths(dir, k);
        let generated = generate::run(self, dir, k, &mut acc);
        // Generators may have merged into objects already here: index afresh.
        let mut ids = IdIndex::of(&acc);
        self.accumulate(&mut acc, generated, &mut ids);
        for item in list(k, "components") {
            acc = self.apply_component(dir, item, acc);
        }
        transform::run(self, dir, file, k, &mut acc);
        acc
    }

    /// Files that fleet-lint reads no meaning from (`crds`, `configurations`,
    /// `openapi.path`, `replacements[].path`, plugin config files) must still exist.
    fn check_unevaluated_paths(&mut self, dir: &str, k: &Node) {
        let plugin_files = ["transformers", "generators", "validators"]
            .into_iter()
            .flat_map(|field| list(k, field))
            .filter(|item| item.as_str().is_some_and(|text| !text.contains('\n')));
        let replacement_files = list(k, "replacements")
            .iter()
            .filter_map(|item| item.get("path"));
        let files: Vec<&Node> = list(k, "crds")
            .iter()
            .chain(list(k, "configurations"))
            .chain(k.get_path(&["openapi", "path"]))
            .chain(replacement_files)
            .chain(plugin_files)
            .collect();
        for item in files {
            self.entry_target(dir, item);
        }
    }

    /// The objects a `resources` / `bases` entry brings in.
    fn resolve_resource_entry(&mut self, dir: &str, item: &Node) -> Objects {
        let Some(target) = self.entry_target(dir, item) else {
            return if item.as_str().is_some_and(paths::is_remote) {
                Objects::incomplete()
            } else {
                Objects::new()
            };
        };
        let mut objects =
            match target {
                Target::File(path) => self.file_resources(&path),
                Target::Dir(path) => {
                    if self.is_component(&path) {
                        self.invalid(item.span, format!(
                            "`{path}` is a Component: list it under `components`, not `resources`"
                        ));
                        return Objects::new();
                    }
                    self.record_inclusion(&path, item.span);
                    (*self.build_kustomization(&path)).clone()
                }
            };
        for resource in &mut objects.resources {
            resource.included_by.insert(0, item.span);
        }
        objects
    }

    /// Applies the component an entry names to `acc`.
    fn apply_component(&mut self, dir: &str, item: &Node, acc: Objects) -> Objects {
        let Some(target) = self.entry_target(dir, item) else {
            return acc;
        };
        let Target::Dir(path) = target else {
            self.invalid(
                item.span,
                "a component must be a directory holding a `kind: Component` kustomization",
            );
            return acc;
        };
        let Some((file, root)) = self.kustomization_root(&path) else {
            return acc;
        };
        if !self.check_header(&root, "Component") {
            return acc;
        }
        let before: HashSet<ResId> = acc.resources.iter().map(Resource::id).collect();
        self.record_inclusion(&path, item.span);
        self.stack.push(path.clone());
        let mut out = self.run_pipeline(&path, file, &root, acc);
        self.stack.pop();
        for resource in out
            .resources
            .iter_mut()
            .filter(|r| !before.contains(&r.id()))
        {
            resource.included_by.insert(0, item.span);
        }
        out
    }

    fn is_component(&mut self, dir: &str) -> bool {
        self.kustomization_root(dir)
            .is_some_and(|(_, root)| root.get("kind").and_then(Node::as_str) == Some("Component"))
    }

    /// Resolves a path entry of a kustomization; reports remote, escaping,
    /// missing and cyclic entries and returns `None` for them.
    fn entry_target(&mut self, dir: &str, item: &Node) -> Option<Target> {
        let Some(entry) = item.as_str() else {
            self.invalid(item.span, "expected a path here");
            return None;
        };
        if paths::is_remote(entry) {
            self.report(Finding::new(
                RuleId::KustomizeRemoteRef,
                Severity::Info,
                item.span,
                format!("remote reference `{entry}` is not resolved (fleet-lint works offline); its objects are not checked"),
            ));
            return None;
        }
        let path = self.join_checked(dir, entry, item.span)?;
        match self.kind(&path) {
            Kind::File => Some(Target::File(path)),
            Kind::Dir => {
                if self.stack.len() >= MAX_INCLUDE_DEPTH {
                    self.report(Finding::new(
                        RuleId::LimitExceeded,
                        Severity::Warning,
                        item.span,
                        format!(
                            "kustomizations nest more than {MAX_INCLUDE_DEPTH} levels deep here; `{}` and what it includes were not resolved",
                            display_dir(&path)
                        ),
                    ));
                    return None;
                }
                if let Some(start) = self.cycle_start(&path) {
                    let cycle: Vec<&str> = self.stack[start..]
                        .iter()
                        .map(|d| display_dir(d))
                        .chain([display_dir(&path)])
                        .collect();
                    let message = format!(
                        "cycle: {} (kustomize refuses to build it)",
                        cycle.join(" -> ")
                    );
                    self.report(Finding::new(
                        RuleId::KustomizeCycle,
                        Severity::Error,
                        item.span,
                        message,
                    ));
                    return None;
                }
                if !self.has_kustomization(&path) {
                    self.report(Finding::new(
                        RuleId::KustomizeMissingRef,
                        Severity::Error,
                        item.span,
                        format!(
                            "directory `{}` has no kustomization file",
                            display_dir(&path)
                        ),
                    ));
                    return None;
                }
                Some(Target::Dir(path))
            }
            Kind::Outside => {
                self.report(Finding::new(
                    RuleId::KustomizeEscapesRoot,
                    Severity::Error,
                    item.span,
                    format!(
                        "`{entry}` is a symbolic link to a place outside the repository; Flux only reads files inside the source"
                    ),
                ));
                None
            }
            Kind::Missing => {
                self.report(Finding::new(
                    RuleId::KustomizeMissingRef,
                    Severity::Error,
                    item.span,
                    format!(
                        "`{entry}` does not exist (resolved to `{}`)",
                        display_dir(&path)
                    ),
                ));
                None
            }
        }
    }

    /// `dir` joined with `entry`, reporting entries that leave the root.
    fn join_checked(&mut self, dir: &str, entry: &str, span: Span) -> Option<String> {
        match paths::join(dir, entry) {
            Ok(path) => Some(path),
            Err(err) => {
                let why = match err {
                    PathError::Absolute => "is an absolute path",
                    PathError::EscapesRoot => "leaves the repository root",
                };
                self.report(Finding::new(
                    RuleId::KustomizeEscapesRoot,
                    Severity::Error,
                    span,
                    format!("`{entry}` {why}; Flux only reads files inside the source"),
                ));
                None
            }
        }
    }

    /// A file entry resolved like a `patches[].path`: the file's id, or a finding.
    fn referenced_file(&mut self, dir: &str, item: &Node, as_yaml: bool) -> Option<FileId> {
        match self.entry_target(dir, item)? {
            Target::File(path) => {
                if as_yaml {
                    self.yaml_file(&path)
                } else {
                    self.text_file(&path)
                }
            }
            Target::Dir(path) => {
                self.invalid(
                    item.span,
                    format!(
                        "`{}` is a directory; a file is expected here",
                        display_dir(&path)
                    ),
                );
                None
            }
        }
    }

    /// The objects defined in a manifest file (`kind: List` unpacked). An empty
    /// `flux bootstrap` placeholder stands for objects fleet-lint cannot see.
    fn file_resources(&mut self, path: &str) -> Objects {
        let Some(file) = self.yaml_file(path) else {
            return Objects::new();
        };
        let documents: Vec<Document> = self.documents(file).to_vec();
        Objects {
            complete: !(documents.is_empty() && crate::load::is_bootstrap_placeholder(path)),
            resources: documents
                .into_iter()
                .flat_map(|doc| self.document_resources(doc.root))
                .collect(),
        }
    }

    fn document_resources(&mut self, root: Node) -> Vec<Resource> {
        if root.get("kind").and_then(Node::as_str) == Some("List") {
            let items = root
                .get("items")
                .and_then(Node::as_seq)
                .map(<[Node]>::to_vec)
                .unwrap_or_default();
            return items
                .into_iter()
                .flat_map(|item| self.document_resources(item))
                .collect();
        }
        let missing = ["apiVersion", "kind"]
            .into_iter()
            .find(|key| root.get(key).and_then(Node::as_str).is_none())
            .or_else(|| {
                root.get_path(&["metadata", "name"])
                    .and_then(Node::as_str)
                    .is_none()
                    .then_some("metadata.name")
            });
        if let Some(missing) = missing {
            self.invalid(root.headline(), format!("not a Kubernetes object: `{missing}` is missing, so kustomize and Flux fail on this document"));
            return Vec::new();
        }
        let origin = root.span;
        vec![Resource::new(root, origin)]
    }

    /// Flux's generated kustomization: every manifest below `dir`, except that a
    /// subdirectory holding a kustomization is built as a whole.
    fn build_generated(&mut self, dir: &str) -> Objects {
        let mut resources = Objects::new();
        let mut ids = IdIndex::default();
        let mut entries = match std::fs::read_dir(self.root.join(dir)) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect::<Vec<_>>(),
            Err(_) => return resources,
        };
        entries.sort();
        for name in entries {
            if is_source_excluded(&name) {
                continue;
            }
            let Ok(path) = paths::join(dir, &name) else {
                continue;
            };
            match self.kind(&path) {
                Kind::Dir if self.has_kustomization(&path) => {
                    let built = (*self.build_kustomization(&path)).clone();
                    self.accumulate(&mut resources, built, &mut ids);
                }
                Kind::Dir => {
                    let built = self.build_generated(&path);
                    self.accumulate(&mut resources, built, &mut ids);
                }
                Kind::File if name.ends_with(".yaml") || name.ends_with(".yml") => {
                    let built = self.file_resources(&path);
                    self.accumulate(&mut resources, built, &mut ids);
                }
                _ => {}
            }
        }
        resources
    }

    /// Adds `new` to `acc` (whose ids `ids` holds), reporting objects whose
    /// id is already there.
    fn accumulate(&mut self, acc: &mut Objects, new: Objects, ids: &mut IdIndex) {
        acc.complete &= new.complete;
        for resource in new.resources {
            let id = resource.id();
            if let Some(first) = ids.0.get(&id) {
                let finding = Finding::new(
                    RuleId::KustomizeDuplicateId,
                    Severity::Error,
                    resource.node.headline(),
                    format!("{id} is already in this build; kustomize refuses duplicates"),
                )
                .with_related(*first, "first defined here");
                let finding = resource
                    .included_by
                    .iter()
                    .fold(finding, |f, s| f.with_related(*s, "included by this entry"));
                self.report(finding);
                continue;
            }
            ids.0.insert(id, resource.node.headline());
            acc.resources.push(resource);
        }
    }

    fn record_inclusion(&mut self, dir: &str, entry: Span) {
        let entries = self.included_by.entry(dir.to_string()).or_default();
        if !entries.contains(&entry) {
            entries.push(entry);
        }
    }

    /// Reports a `kustomize-invalid` error: kustomize rejects what is at `span`.
    fn invalid(&mut self, span: Span, message: impl Into<String>) {
        self.report(Finding::new(
            RuleId::KustomizeInvalid,
            Severity::Error,
            span,
            message,
        ));
    }

    /// Records a finding once, with the directory being built (whose include
    /// chain `finish` attaches).
    fn report(&mut self, finding: Finding) {
        let key = (
            finding.rule.to_string(),
            finding.span.file,
            finding.span.start.line,
            finding.span.start.col,
        );
        if self.reported.insert(key) {
            self.findings.push((finding, self.stack.last().cloned()));
        }
    }

    fn documents(&self, file: FileId) -> &[Document] {
        &self.loaded.files[file.0 as usize].documents
    }

    /// The file at `path`, parsed as YAML (read now when not read yet).
    fn yaml_file(&mut self, path: &str) -> Option<FileId> {
        self.file(path, true)
    }

    /// The file at `path` as text.
    fn text_file(&mut self, path: &str) -> Option<FileId> {
        self.file(path, false)
    }

    fn file(&mut self, path: &str, as_yaml: bool) -> Option<FileId> {
        if let Some(id) = self.loaded.find(path) {
            return Some(id);
        }
        let abs_path = self.root.join(path);
        let size = std::fs::metadata(&abs_path).ok()?.len();
        let discovered = Discovered {
            rel_path: path.to_string(),
            abs_path,
            size,
        };
        Some(
            self.loaded
                .load_extra(&discovered, as_yaml, &self.load_options),
        )
    }
}

/// How deep kustomizations may nest (`rules/limit-exceeded.md`): real fleets
/// nest a few levels; the bound keeps recursion off the end of the stack.
pub const MAX_INCLUDE_DEPTH: usize = 100;

/// The directories of the loaded files that are kustomization files, sorted.
pub fn kustomization_dirs(loaded: &Loaded) -> Vec<String> {
    let mut dirs: Vec<String> = loaded
        .store
        .iter()
        .filter(|(_, f)| KUSTOMIZATION_FILES.contains(&paths::file_name(&f.path)))
        .map(|(_, f)| paths::parent(&f.path).to_string())
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// The items of a list field of a kustomization (nothing when absent or not a list).
fn list<'n>(k: &'n Node, field: &str) -> &'n [Node] {
    k.get(field).and_then(Node::as_seq).unwrap_or_default()
}

fn display_dir(path: &str) -> &str {
    if path.is_empty() { "." } else { path }
}

/// Files and folders source-controller leaves out of every artifact.
fn is_source_excluded(name: &str) -> bool {
    matches!(
        name,
        ".git"
            | ".github"
            | ".circleci"
            | ".gitignore"
            | ".gitmodules"
            | ".gitattributes"
            | ".sops.yaml"
            | ".flux.yaml"
            | ".goreleaser.yml"
            | ".travis.yml"
            | ".gitlab-ci.yml"
            | "appveyor.yml"
            | ".drone.yml"
            | "cloudbuild.yaml"
            | "codeship-services.yml"
            | "codeship-steps.yml"
    )
}
