//! The resolver: what each directory builds, memoised, and which
//! kustomization entries include which directory (the include graph that
//! explains every problem). Reading files, the include stack and reporting
//! are the [`Context`]'s; generators and transformers get only that.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

mod ahead;

use crate::context::{Context, Event, Target};
use crate::files::Files;
use crate::name_hash::{self, NameReference};
use crate::order::OutputOrder;
use crate::paths::{self, Kind};
use crate::problem::{Problem, ProblemKind};
use crate::source::{FileId, Span};
use crate::yaml::{Document, Node};
use crate::{
    Build, MAX_BUILD_OBJECTS, ResId, Resource, generate, is_bootstrap_placeholder,
    is_source_excluded, list, transform,
};

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

/// The objects accumulated by a (partial) build, and whether they are all of them.
#[derive(Clone, Debug)]
pub(crate) struct Objects {
    pub resources: Vec<Resource>,
    pub complete: bool,
    /// The files read to build them besides the objects' own (see
    /// [`Build::inputs`]), in the order they were read.
    pub inputs: Vec<FileId>,
    /// The `nameReference` entries of the `configurations` files of every
    /// kustomization in the build: the top-level build's name hash follows them.
    pub name_references: Vec<NameReference>,
}

impl Objects {
    pub(crate) fn new() -> Objects {
        Objects {
            resources: Vec::new(),
            complete: true,
            inputs: Vec::new(),
            name_references: Vec::new(),
        }
    }

    fn incomplete() -> Objects {
        Objects {
            complete: false,
            ..Objects::new()
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

/// Resolves kustomizations inside one repository root, reading through a [`Files`] view.
pub struct Resolver<'f> {
    cx: Context<'f>,
    memo: HashMap<String, Arc<Objects>>,
    /// For each directory, the kustomization entries that include it.
    included_by: HashMap<String, Vec<Span>>,
    /// The directories built ahead, in parallel (see [`Resolver::build_ahead`]).
    ahead: ahead::Ahead,
}

impl<'f> Resolver<'f> {
    /// A resolver reading through `files` (which may hold files read already;
    /// the resolver asks it for the others when it needs them).
    pub fn new(files: &'f mut dyn Files) -> Resolver<'f> {
        Resolver {
            cx: Context::new(files),
            memo: HashMap::new(),
            included_by: HashMap::new(),
            ahead: ahead::Ahead::default(),
        }
    }

    /// The problems of resolution, each with the kustomization entries that
    /// include its directory (transitively, nearest first) as related locations.
    pub fn finish(self) -> Vec<Problem> {
        self.cx
            .problems
            .iter()
            .map(|(problem, dir)| match dir {
                Some(dir) => self
                    .include_chain(dir)
                    .into_iter()
                    .fold(problem.clone(), |p, span| {
                        p.with_related(span, "included by this entry")
                    }),
                None => problem.clone(),
            })
            .collect()
    }

    /// The entries that include `dir`, then those that include their
    /// directories, and so on (each once, at most `MAX_CHAIN`).
    fn include_chain(&self, dir: &str) -> Vec<Span> {
        const MAX_CHAIN: usize = 16;
        let store = self.cx.files().store();
        let mut chain: Vec<Span> = Vec::new();
        let mut frontier = vec![dir.to_string()];
        let mut seen: HashSet<String> = HashSet::from([dir.to_string()]);
        while let Some(current) = frontier.pop() {
            let mut entries = self.included_by.get(&current).cloned().unwrap_or_default();
            entries.sort_by_key(|s| (store.get(s.file).path.clone(), s.start.line, s.start.col));
            for span in entries {
                if chain.len() == MAX_CHAIN {
                    return chain;
                }
                chain.push(span);
                let parent = paths::parent(&store.get(span.file).path).to_string();
                if seen.insert(parent.clone()) {
                    frontier.insert(0, parent);
                }
            }
        }
        chain
    }

    /// The view the resolver reads through.
    pub fn files(&self) -> &dyn Files {
        self.cx.files()
    }

    /// True when the kustomization of `dir` is a `kind: Component`.
    pub fn is_component_dir(&mut self, dir: &str) -> bool {
        self.is_component(dir)
    }

    /// What `path` is.
    pub fn path_kind(&mut self, path: &str) -> Kind {
        self.cx.kind(path)
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
        let mut objects = if self.cx.has_kustomization(dir) && self.is_component(dir) {
            self.build_component_alone(dir)
        } else if self.cx.has_kustomization(dir) {
            (*self.build_kustomization(dir)).clone()
        } else {
            self.build_generated(dir)
        };
        if let Some((overlay, file)) = overlay {
            self.cx.stack.push(dir.to_string());
            objects = self.run_pipeline(dir, file, overlay, objects);
            self.cx.stack.pop();
        }
        name_hash::apply(&mut objects.resources, &objects.name_references);
        let output_order = self
            .kustomization(dir)
            .map_or_else(OutputOrder::default, |k| OutputOrder::of(&k));
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
            output_order,
            inputs: {
                let mut files = objects.inputs;
                files.sort();
                files.dedup();
                files
            },
        }
    }

    /// `stubs` as the patches of `dir`'s kustomization leave them (its
    /// `patches`, `patchesJson6902` and `patchesStrategicMerge`, matched and
    /// applied as kustomize applies them): what the kustomization would make
    /// of objects it does not hold, such as the controller Deployments `flux
    /// bootstrap` writes into a placeholder. Nothing is reported (building
    /// `dir` reports its problems); `None` when `dir` has no kustomization.
    pub fn patched_stubs(&mut self, dir: &str, stubs: Vec<Resource>) -> Option<Vec<Resource>> {
        let reported = self.cx.problems.len();
        let Some((file, root)) = self.kustomization_root(dir) else {
            self.cx.problems.truncate(reported);
            return None;
        };
        let mut patches_only = Node::empty_map(root.span);
        for field in ["patches", "patchesJson6902", "patchesStrategicMerge"] {
            if let Some(value) = root.get(field) {
                patches_only.set(field, value.clone());
            }
        }
        self.cx.stack.push(dir.to_string());
        let mut objects = Objects::new();
        objects.resources = stubs;
        let patched = self.run_pipeline(dir, file, &patches_only, objects);
        self.cx.stack.pop();
        self.cx.problems.truncate(reported);
        Some(patched.resources)
    }

    /// Builds the kustomization in `dir` (which must have one), memoised.
    fn build_kustomization(&mut self, dir: &str) -> Arc<Objects> {
        self.cx.record(Event::Built(dir.to_string()));
        if let Some(done) = self.memo.get(dir) {
            if self.ahead.is_unclean(dir) {
                self.cx.spoil();
            }
            return done.clone();
        }
        if let Some(done) = self.built_ahead(dir) {
            return done;
        }
        self.cx.stack.push(dir.to_string());
        self.cx.open_frame();
        let built = match self.kustomization_root(dir) {
            Some((file, root)) => {
                let mut built = if self.check_header(&root, "Kustomization") {
                    self.run_pipeline(dir, file, &root, Objects::new())
                } else {
                    Objects::new()
                };
                built.inputs.push(file);
                built
            }
            None => Objects::new(),
        };
        let frame = self.cx.close_frame();
        self.cx.stack.pop();
        let built = Arc::new(built);
        self.memo.insert(dir.to_string(), built.clone());
        if let Some(frame) = frame {
            self.ahead.keep(dir, &built, frame);
        }
        built
    }
    /// A `kind: Component` directory built on its own, as `kustomize build`
    /// builds one given on the command line: its resources, generators and
    /// transformers over nothing. (Listed in another kustomization's
    /// `resources` it is refused, and under `components` applied to that
    /// kustomization's objects: [`Resolver::apply_component`].)
    fn build_component_alone(&mut self, dir: &str) -> Objects {
        let Some((file, root)) = self.kustomization_root(dir) else {
            return Objects::new();
        };
        self.cx.stack.push(dir.to_string());
        let mut built = if self.check_header(&root, "Component") {
            self.run_pipeline(dir, file, &root, Objects::new())
        } else {
            Objects::new()
        };
        self.cx.stack.pop();
        built.inputs.push(file);
        built
    }

    /// The kustomization file of `dir` and its first document.
    /// `dir`'s kustomization, if it has one that loads (nothing reported:
    /// [`Resolver::kustomization_root`] reports what is wrong with it).
    fn kustomization(&mut self, dir: &str) -> Option<Arc<Node>> {
        let present = self.cx.kustomization_files(dir);
        let file = self.cx.yaml_file(present.first()?)?;
        self.cx.documents(file).first().map(|doc| doc.root.clone())
    }

    fn kustomization_root(&mut self, dir: &str) -> Option<(FileId, Arc<Node>)> {
        let present = self.cx.kustomization_files(dir);
        let first = self.cx.yaml_file(present.first()?)?;
        if let Some(second) = present.get(1).and_then(|p| self.cx.yaml_file(p)) {
            self.cx.report(Problem::new(
                ProblemKind::Invalid,
                Span::file_start(second),
                "more than one kustomization file in this directory; kustomize refuses to build it",
            ).with_related(Span::file_start(first), "the other kustomization file"));
        }
        match self.cx.documents(first).first() {
            Some(doc) => Some((first, doc.root.clone())),
            None => {
                if !self.cx.files().has_syntax_errors(first) {
                    self.cx.invalid(
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
            self.cx
                .invalid(root.span, "a kustomization file must be a mapping");
            return false;
        };
        if let Some(kind) = root.get("kind").filter(|k| k.as_str() != Some(expected)) {
            let found = kind.as_str().unwrap_or("");
            self.cx.invalid(
                kind.span,
                format!("expected `kind: {expected}` here, found `{found}`"),
            );
            return false;
        }
        for entry in entries {
            let key = entry.key.as_str().unwrap_or("");
            if let Some((_, shape)) = FIELDS.iter().find(|(name, _)| *name == key) {
                if !shape.fits(&entry.value) {
                    self.cx.invalid(
                        entry.value.span,
                        format!("`{key}` must be {}", shape.name()),
                    );
                }
            } else {
                let hint = crate::suggest::did_you_mean(key, FIELDS.iter().map(|(k, _)| *k), 2);
                self.cx.report(
                    Problem::new(
                        ProblemKind::Invalid,
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
        let entries: Vec<&Node> = ["resources", "bases"]
            .into_iter()
            .flat_map(|field| list(k, field))
            .collect();
        // The ids are needed only to add objects: a Flux Kustomization's
        // overlay over a large build usually adds none.
        let mut ids = if entries.is_empty() {
            IdIndex::default()
        } else {
            IdIndex::of(&acc)
        };
        for item in entries {
            let added = self.resolve_resource_entry(dir, item);
            self.accumulate(&mut acc, added, &mut ids, Some(item.span));
        }
        let unevaluated = self.check_unevaluated_paths(dir, k);
        acc.inputs.extend(unevaluated);
        for reference in name_hash::configured(&mut self.cx, dir, k) {
            if !acc.name_references.contains(&reference) {
                acc.name_references.push(reference);
            }
        }
        let generated = generate::run(&mut self.cx, dir, k, &mut acc);
        if !generated.resources.is_empty() {
            // Generators may have merged into objects already here: index afresh.
            ids = IdIndex::of(&acc);
        }
        self.accumulate(&mut acc, generated, &mut ids, Some(k.span));
        for item in list(k, "components") {
            acc = self.apply_component(dir, item, acc);
        }
        transform::run(&mut self.cx, dir, file, k, &mut acc);
        acc
    }

    /// Files that fleet-lint reads no meaning from (`crds`, `configurations`,
    /// `openapi.path`, `replacements[].path`, plugin config files) must still
    /// exist; the ones read already (discovered manifests), by id.
    fn check_unevaluated_paths(&mut self, dir: &str, k: &Node) -> Vec<FileId> {
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
        files
            .into_iter()
            .filter_map(|item| match self.cx.entry_target(dir, item)? {
                Target::File(path) => self.cx.files().find(&path),
                Target::Dir(_) => None,
            })
            .collect()
    }

    /// The objects a `resources` / `bases` entry brings in.
    fn resolve_resource_entry(&mut self, dir: &str, item: &Node) -> Objects {
        let Some(target) = self.cx.entry_target(dir, item) else {
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
                        self.cx.invalid(item.span, format!(
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
    fn apply_component(&mut self, dir: &str, item: &Node, mut acc: Objects) -> Objects {
        let Some(target) = self.cx.entry_target(dir, item) else {
            return acc;
        };
        let Target::Dir(path) = target else {
            self.cx.invalid(
                item.span,
                "a component must be a directory holding a `kind: Component` kustomization",
            );
            return acc;
        };
        let Some((file, root)) = self.kustomization_root(&path) else {
            return acc;
        };
        acc.inputs.push(file);
        if !self.check_header(&root, "Component") {
            return acc;
        }
        let before: HashSet<ResId> = acc.resources.iter().map(Resource::id).collect();
        self.record_inclusion(&path, item.span);
        self.cx.stack.push(path.clone());
        self.cx.record(Event::Entered(path.clone()));
        let mut out = self.run_pipeline(&path, file, &root, acc);
        self.cx.record(Event::Left);
        self.cx.stack.pop();
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

    /// The objects defined in a manifest file (`kind: List` unpacked). An empty
    /// `flux bootstrap` placeholder stands for objects fleet-lint cannot see.
    fn file_resources(&mut self, path: &str) -> Objects {
        let Some(file) = self.cx.yaml_file(path) else {
            return Objects::new();
        };
        let documents: Vec<Document> = self.cx.documents(file).to_vec();
        Objects {
            complete: !(documents.is_empty() && is_bootstrap_placeholder(path)),
            resources: documents
                .into_iter()
                .flat_map(|doc| self.document_resources(doc.root))
                .collect(),
            ..Objects::new()
        }
    }

    fn document_resources(&mut self, root: Arc<Node>) -> Vec<Resource> {
        if root.get("kind").and_then(Node::as_str) == Some("List") {
            let items = root.get("items").and_then(Node::as_seq).unwrap_or_default();
            return items
                .iter()
                .flat_map(|item| self.document_resources(Arc::new(item.clone())))
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
            self.cx.invalid(root.headline(), format!("not a Kubernetes object: `{missing}` is missing, so kustomize and Flux fail on this document"));
            return Vec::new();
        }
        let origin = root.span;
        vec![Resource::shared(root, origin)]
    }

    /// Flux's generated kustomization: every manifest below `dir`, except that a
    /// subdirectory holding a kustomization is built as a whole.
    fn build_generated(&mut self, dir: &str) -> Objects {
        let mut resources = Objects::new();
        let mut ids = IdIndex::default();
        let mut entries = self.cx.files().list_dir(dir);
        entries.sort();
        for name in entries {
            if is_source_excluded(&name) {
                continue;
            }
            let Ok(path) = paths::join(dir, &name) else {
                continue;
            };
            match self.cx.kind(&path) {
                Kind::Dir if self.cx.has_kustomization(&path) => {
                    let built = (*self.build_kustomization(&path)).clone();
                    self.accumulate(&mut resources, built, &mut ids, None);
                }
                Kind::Dir => {
                    let built = self.build_generated(&path);
                    self.accumulate(&mut resources, built, &mut ids, None);
                }
                Kind::File if name.ends_with(".yaml") || name.ends_with(".yml") => {
                    let built = self.file_resources(&path);
                    self.accumulate(&mut resources, built, &mut ids, None);
                }
                _ => {}
            }
        }
        resources
    }

    /// Adds `new` (what the entry at `entry` brings, if an entry does) to
    /// `acc` (whose ids `ids` holds), reporting objects whose id is already
    /// there, and the objects beyond [`MAX_BUILD_OBJECTS`], which are left out
    /// (reported at the entry, else at the first object left out).
    fn accumulate(
        &mut self,
        acc: &mut Objects,
        new: Objects,
        ids: &mut IdIndex,
        entry: Option<Span>,
    ) {
        acc.complete &= new.complete;
        for reference in new.name_references {
            if !acc.name_references.contains(&reference) {
                acc.name_references.push(reference);
            }
        }
        for input in new.inputs {
            if !acc.inputs.contains(&input) {
                acc.inputs.push(input);
            }
        }
        for resource in new.resources {
            if acc.resources.len() == MAX_BUILD_OBJECTS {
                acc.complete = false;
                self.cx.report(Problem::new(
                    ProblemKind::TooLarge,
                    entry.unwrap_or_else(|| resource.node.headline()),
                    format!(
                        "this build holds more than {MAX_BUILD_OBJECTS} objects from here on; the rest were not resolved"
                    ),
                ));
                break;
            }
            let id = resource.id();
            if let Some(first) = ids.0.get(&id) {
                let finding = Problem::new(
                    ProblemKind::DuplicateId,
                    resource.node.headline(),
                    format!("{id} is already in this build; kustomize refuses duplicates"),
                )
                .with_related(*first, "first defined here");
                let finding = resource
                    .included_by
                    .iter()
                    .fold(finding, |f, s| f.with_related(*s, "included by this entry"));
                self.cx.report(finding);
                continue;
            }
            ids.0.insert(id, resource.node.headline());
            acc.resources.push(resource);
        }
    }

    fn record_inclusion(&mut self, dir: &str, entry: Span) {
        self.cx.record(Event::Included(dir.to_string(), entry));
        let entries = self.included_by.entry(dir.to_string()).or_default();
        if !entries.contains(&entry) {
            entries.push(entry);
        }
    }
}
