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
//! plugin `transformers`/`generators`/`validators`. The top-level build ends
//! as kustomize's does: generated names get their content hash, and the
//! references to them follow (`name_hash`).
//!
//! The crate reads through [`Files`], a view of the repository the caller
//! implements, and returns typed [`Problem`]s that the caller maps to its
//! rules: it knows Kustomize and Flux, not fleet-lint's rules, and never
//! touches the disk.
//!
//! - [`Resolver`]: memoised builds, the include graph, [`Build`]s; its
//!   `ahead` module builds directories in parallel beforehand, and the
//!   resolver adopts a build only where building in place gives the same;
//! - `context`: what each build step may touch (files, the include stack,
//!   problems); generators and transformers get only this;
//! - [`Resource`]: one object of a build, with its origin and include chain;
//! - [`paths`]: root-relative paths and what they are on disk.
//!
//! ```
//! use fleet_lint_kustomize::{Files, Kind, Resolver};
//! use fleet_lint_source::source::{FileId, SourceFile, SourceStore};
//! use fleet_lint_source::yaml::{Document, LoadLimits, load_yaml};
//!
//! /// Two files held in memory.
//! struct Memory { store: SourceStore, docs: Vec<Vec<Document>> }
//!
//! impl Files for Memory {
//!     fn kind(&self, path: &str) -> (Kind, Option<String>) {
//!         let file = self.find(path).is_some();
//!         let dir = path.is_empty() || path == "app";
//!         (if file { Kind::File } else if dir { Kind::Dir } else { Kind::Missing }, None)
//!     }
//!     fn list_dir(&self, dir: &str) -> Vec<String> {
//!         let prefix = format!("{dir}/");
//!         let names = self.store.iter().filter_map(|(_, f)| f.path.strip_prefix(prefix.as_str()));
//!         names.map(str::to_string).collect()
//!     }
//!     fn find(&self, path: &str) -> Option<FileId> {
//!         self.store.iter().find(|(_, f)| &*f.path == path).map(|(id, _)| id)
//!     }
//!     fn read(&mut self, path: &str, _as_yaml: bool) -> Option<FileId> { self.find(path) }
//!     fn store(&self) -> &SourceStore { &self.store }
//!     fn documents(&self, file: FileId) -> &[Document] { &self.docs[file.0 as usize] }
//!     fn has_syntax_errors(&self, _file: FileId) -> bool { false }
//! }
//!
//! let mut files = Memory { store: SourceStore::default(), docs: Vec::new() };
//! for (path, text) in [
//!     ("app/kustomization.yaml", "namespace: shop\nresources: [deploy.yaml, missing.yaml]\n"),
//!     ("app/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"),
//! ] {
//!     let id = files.store.add(SourceFile::new(path, text));
//!     let docs = load_yaml(id, files.store.get(id), LoadLimits::default()).documents;
//!     files.docs.push(docs);
//! }
//! let mut resolver = Resolver::new(&mut files);
//! let build = resolver.build_dir("app");
//! assert_eq!(build.resources[0].namespace(), "shop");
//! let problems = resolver.finish();
//! assert_eq!(problems[0].message, "`missing.yaml` does not exist (resolved to `app/missing.yaml`)");
//! ```

#![deny(missing_docs)]

mod context;
mod files;
mod generate;
mod inline;
mod name_hash;
mod order;
mod patch;
pub mod paths;
mod problem;
mod resolver;
mod resource;
mod select;
mod transform;

use fleet_lint_source::{base64, source, suggest, yaml};

pub use files::Files;
pub use order::{OutputOrder, in_output_order};
pub use paths::Kind;
pub use problem::{Problem, ProblemKind};
pub use resolver::Resolver;
pub use resource::{ObjectMeta, ResId, Resource, kustomize_treats_as_cluster_scoped};

use source::{FileId, SourceStore};
use yaml::Node;

/// The names Kustomize recognises, in the order it tries them.
pub const KUSTOMIZATION_FILES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// What one directory builds.
#[derive(Clone, Debug)]
pub struct Build {
    /// The directory, relative to the root.
    pub dir: String,
    /// The objects built, in kustomize's order.
    pub resources: Vec<Resource>,
    /// False when part of the build is unknown to fleet-lint (a remote base,
    /// `helmCharts`, a plugin, an empty `flux bootstrap` placeholder): absence
    /// of an object then proves nothing.
    pub complete: bool,
    /// The files read to build it besides its objects' own: kustomization
    /// files (its own, its bases', its components') and the files kustomize
    /// reads that fleet-lint does not evaluate (`crds`, `configurations`,
    /// `openapi.path`, `replacements[].path`, plugin configs); each once, by id.
    pub inputs: Vec<FileId>,
    /// The order `kustomize build` prints it in (its kustomization's `sortOptions`).
    pub output_order: OutputOrder,
}

/// How deep kustomizations may nest (`rules/limit-exceeded.md`): real fleets
/// nest a few levels; the bound keeps recursion off the end of the stack.
pub const MAX_INCLUDE_DEPTH: usize = 100;

/// How many objects one build may hold (`rules/limit-exceeded.md`): real
/// builds hold hundreds; the bound stops a "diamond" of a few tiny
/// kustomizations, each listing the next level twice under another
/// `namePrefix`, from doubling into millions of objects.
pub const MAX_BUILD_OBJECTS: usize = 5_000;

/// The directories of the files in `store` that are kustomization files, sorted.
pub fn kustomization_dirs(store: &SourceStore) -> Vec<String> {
    let mut dirs: Vec<String> = store
        .iter()
        .filter(|(_, f)| KUSTOMIZATION_FILES.contains(&paths::file_name(&f.path)))
        .map(|(_, f)| paths::parent(&f.path).to_string())
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// `flux bootstrap` writes these; reference fleets commit them empty on purpose.
pub fn is_bootstrap_placeholder(path: &str) -> bool {
    matches!(
        paths::file_name(path),
        "gotk-components.yaml" | "gotk-sync.yaml"
    )
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
