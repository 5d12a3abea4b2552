//! Building kustomization directories ahead, on every core, so that the
//! resolver's callers (the fleet model, one cluster after another) find most
//! directories built.
//!
//! A build is a function of the files and of the include stack it runs
//! under: the stack decides only whether an entry is refused (too deep, or
//! closing a cycle), and a refusal is a problem. So each directory is built
//! by a fork of the resolver that reads only the files read already, over an
//! empty stack, and logs what depends on the stack (the entries it checked,
//! the components it entered, the directories it built, the inclusions it
//! recorded). A build that reported nothing and read nothing new is clean;
//! only clean builds are kept. When the resolver then needs a directory, it
//! replays the log against its own stack: if every check passes there, and
//! every directory the build used is one it adopted too or still has to
//! build, it adopts the build (and those of the directories below it not
//! built yet) and records their inclusions; otherwise it builds the directory
//! itself, as without this module. Either way the result is the one building
//! in place gives, whatever the number of threads.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rayon::prelude::*;

use super::{Objects, Resolver};
use crate::context::{Context, Event, Facts, Frame};
use crate::files::Files;

/// A clean build made ahead, and its log.
pub(super) struct Prebuilt {
    objects: Arc<Objects>,
    log: Vec<Event>,
}

/// The builds made ahead, and what became of them.
#[derive(Default)]
pub(super) struct Ahead {
    /// The clean builds, by directory: shared by the forks while they
    /// build, then adopted from by the resolver.
    clean: Arc<Mutex<HashMap<String, Arc<Prebuilt>>>>,
    /// In a fork: the directories it built unclean.
    unclean: HashSet<String>,
    /// In the resolver: the directories whose build it adopted.
    adopted: HashSet<String>,
}

impl Ahead {
    fn clean_builds(&self) -> MutexGuard<'_, HashMap<String, Arc<Prebuilt>>> {
        self.clean.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn clean(&self, dir: &str) -> Option<Arc<Prebuilt>> {
        self.clean_builds().get(dir).cloned()
    }

    /// Drops the build of `dir`, adopted: the memo holds it now.
    fn forget(&self, dir: &str) {
        self.clean_builds().remove(dir);
    }

    /// In a fork: true when it built `dir` unclean.
    pub(super) fn is_unclean(&self, dir: &str) -> bool {
        self.unclean.contains(dir)
    }

    /// In a fork: keeps the build of `dir` when it is clean.
    pub(super) fn keep(&mut self, dir: &str, objects: &Arc<Objects>, frame: Frame) {
        if !frame.clean {
            self.unclean.insert(dir.to_string());
            return;
        }
        let prebuilt = Prebuilt {
            objects: objects.clone(),
            log: frame.log,
        };
        self.clean_builds()
            .entry(dir.to_string())
            .or_insert_with(|| Arc::new(prebuilt));
    }
}

/// The builds of one directory and those below it, to adopt together.
type Adoption = Vec<(String, Arc<Prebuilt>)>;

impl<'f> Resolver<'f> {
    /// Builds the kustomization directories `dirs` ahead, in parallel on the
    /// current thread pool (see the module documentation). Nothing is
    /// reported and nothing new is read; what the forks learnt of the file
    /// system (what paths are, listings) is kept.
    pub fn build_ahead(&mut self, dirs: &[String]) {
        let clean = self.ahead.clean.clone();
        let files = self.cx.files();
        // The deepest directories first, a wave per depth: what a directory
        // includes is mostly deeper, and found built when its turn comes.
        let mut waves: Vec<Vec<&String>> = Vec::new();
        for dir in dirs {
            let depth = dir.split('/').filter(|part| !part.is_empty()).count();
            if waves.len() <= depth {
                waves.resize_with(depth + 1, Vec::new);
            }
            waves[depth].push(dir);
        }
        let learnt: Vec<Facts> = waves
            .iter()
            .rev()
            .flat_map(|wave| {
                wave.par_iter()
                    .fold(
                        || Resolver::fork(files, clean.clone()),
                        |mut fork, dir| {
                            fork.build_ahead_one(dir);
                            fork
                        },
                    )
                    .map(|fork| fork.cx.into_facts())
                    .collect::<Vec<Facts>>()
            })
            .collect();
        for facts in learnt {
            self.cx.learn(facts);
        }
    }

    /// In a fork: builds `dir` unless it is built already or is a component
    /// (which is applied where it is used, not built on its own).
    fn build_ahead_one(&mut self, dir: &str) {
        if !self.memo.contains_key(dir)
            && self.ahead.clean(dir).is_none()
            && self.cx.has_kustomization(dir)
            && !self.is_component(dir)
        {
            self.build_kustomization(dir);
        }
    }

    /// A resolver that builds ahead, reading through `files`, keeping its
    /// clean builds in `clean`.
    fn fork(
        files: &'f dyn Files,
        clean: Arc<Mutex<HashMap<String, Arc<Prebuilt>>>>,
    ) -> Resolver<'f> {
        Resolver {
            cx: Context::recording(files),
            memo: HashMap::new(),
            included_by: HashMap::new(),
            ahead: Ahead {
                clean,
                ..Ahead::default()
            },
        }
    }

    /// `dir` built ahead, if it can be used here: in a fork, any clean build;
    /// in the resolver, a build it adopts (see [`Resolver::adopt`]).
    pub(super) fn built_ahead(&mut self, dir: &str) -> Option<Arc<Objects>> {
        if self.cx.recording.is_some() {
            return self.ahead.clean(dir).map(|p| p.objects.clone());
        }
        self.adopt(dir)
            .then(|| self.memo.get(dir).cloned())
            .flatten()
    }

    /// Adopts the build of `dir` made ahead, and those below it not built
    /// yet, when their logs replay on the current include stack; records
    /// their inclusions. False (nothing changed) otherwise.
    fn adopt(&mut self, dir: &str) -> bool {
        let mut adoption = Adoption::new();
        let mut seen = HashSet::new();
        if !self.replays(dir, &mut adoption, &mut seen) {
            return false;
        }
        for (dir, prebuilt) in adoption {
            self.ahead.forget(&dir);
            for event in &prebuilt.log {
                if let Event::Included(included, span) = event {
                    self.record_inclusion(included, *span);
                }
            }
            self.memo.insert(dir.clone(), prebuilt.objects.clone());
            self.ahead.adopted.insert(dir);
        }
        true
    }

    /// True when the log of `dir` (built ahead) replays here: each entry it
    /// checked passes the checks on the current stack, and each directory it
    /// built is adopted already, or about to be (`adoption`, `seen`), or not
    /// built yet and replays in turn. The stack is left as it was.
    fn replays(&mut self, dir: &str, adoption: &mut Adoption, seen: &mut HashSet<String>) -> bool {
        let Some(prebuilt) = self.ahead.clean(dir) else {
            return false;
        };
        seen.insert(dir.to_string());
        adoption.push((dir.to_string(), prebuilt.clone()));
        let depth = self.cx.stack.len();
        self.cx.stack.push(dir.to_string());
        let fits = prebuilt.log.iter().all(|event| match event {
            Event::Checked(path) => self.cx.refusal(path).is_none(),
            Event::Entered(path) => {
                self.cx.stack.push(path.clone());
                true
            }
            Event::Left => {
                self.cx.stack.pop();
                true
            }
            Event::Built(child) if self.memo.contains_key(child) => {
                self.ahead.adopted.contains(child)
            }
            Event::Built(child) => seen.contains(child) || self.replays(child, adoption, seen),
            Event::Included(..) => true,
        });
        self.cx.stack.truncate(depth);
        fits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MAX_INCLUDE_DEPTH;
    use crate::paths::Kind;
    use crate::source::{FileId, SourceFile, SourceStore};
    use crate::yaml::{Document, LoadLimits, load_yaml};

    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n";

    /// Files in memory: `disk` holds them all; those in `store` are read
    /// already, as discovery would have read them.
    struct Memory {
        disk: Vec<(String, String)>,
        store: SourceStore,
        docs: Vec<Vec<Document>>,
    }

    impl Memory {
        fn new(files: &[(String, String)], unread: &[&str]) -> Memory {
            let mut memory = Memory {
                disk: files.to_vec(),
                store: SourceStore::default(),
                docs: Vec::new(),
            };
            for (path, _) in files {
                if !unread.contains(&path.as_str()) {
                    memory.load(path);
                }
            }
            memory
        }

        fn load(&mut self, path: &str) -> Option<FileId> {
            let (_, text) = self.disk.iter().find(|(p, _)| p == path)?;
            let id = self.store.add(SourceFile::new(path, text.as_str()));
            let documents = load_yaml(id, self.store.get(id), LoadLimits::default()).documents;
            self.docs.push(documents);
            Some(id)
        }
    }

    impl Files for Memory {
        fn kind(&self, path: &str) -> (Kind, Option<String>) {
            let below = format!("{path}/");
            let kind = if self.disk.iter().any(|(p, _)| p == path) {
                Kind::File
            } else if path.is_empty() || self.disk.iter().any(|(p, _)| p.starts_with(&below)) {
                Kind::Dir
            } else {
                Kind::Missing
            };
            (kind, None)
        }

        fn list_dir(&self, dir: &str) -> Vec<String> {
            let below = format!("{dir}/");
            let mut names: Vec<String> = self
                .disk
                .iter()
                .filter_map(|(p, _)| p.strip_prefix(below.as_str()))
                .map(|rest| rest.split('/').next().unwrap_or(rest).to_string())
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
            self.find(path).or_else(|| self.load(path))
        }

        fn store(&self) -> &SourceStore {
            &self.store
        }

        fn documents(&self, file: FileId) -> &[Document] {
            &self.docs[file.0 as usize]
        }

        fn has_syntax_errors(&self, _file: FileId) -> bool {
            false
        }
    }

    /// `dirs` built in order, after every kustomization directory was built
    /// ahead when `ahead`: the builds and problems, as text, and the
    /// directories whose build was adopted.
    fn resolve(
        files: &[(String, String)],
        unread: &[&str],
        dirs: &[&str],
        ahead: bool,
    ) -> (String, Vec<String>) {
        let mut memory = Memory::new(files, unread);
        let mut resolver = Resolver::new(&mut memory);
        if ahead {
            let all = crate::kustomization_dirs(resolver.files().store());
            resolver.build_ahead(&all);
        }
        let builds: Vec<String> = dirs
            .iter()
            .map(|dir| format!("{:?}", resolver.build_dir(dir)))
            .collect();
        let mut adopted: Vec<String> = resolver.ahead.adopted.iter().cloned().collect();
        adopted.sort();
        let problems = resolver.finish();
        (format!("{builds:#?}\n{problems:#?}"), adopted)
    }

    /// Resolves with and without building ahead, asserts that both give the
    /// same builds and problems, and returns the directories adopted.
    fn adopted_when_same_either_way(
        files: &[(&str, &str)],
        unread: &[&str],
        dirs: &[&str],
    ) -> Vec<String> {
        let files: Vec<(String, String)> = files
            .iter()
            .map(|(path, text)| (path.to_string(), text.to_string()))
            .collect();
        let (in_place, _) = resolve(&files, unread, dirs, false);
        let (ahead, adopted) = resolve(&files, unread, dirs, true);
        assert_eq!(in_place, ahead);
        adopted
    }

    #[test]
    fn clean_builds_are_adopted_and_the_others_built_in_place() {
        let files = [
            ("base/kustomization.yaml", "resources: [deploy.yaml]\n"),
            ("base/deploy.yaml", DEPLOY),
            (
                "prod/kustomization.yaml",
                "namespace: prod\nresources: [../base]\ncomponents: [../tune]\n",
            ),
            (
                "tune/kustomization.yaml",
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonLabels: {tuned: 'yes'}\n",
            ),
            (
                "staging/kustomization.yaml",
                "namespace: staging\nresources: [../base, missing.yaml]\n",
            ),
            (
                "config/kustomization.yaml",
                "configMapGenerator:\n  - name: settings\n    files: [settings.conf]\n",
            ),
            ("config/settings.conf", "level=debug\n"),
            (
                "all/kustomization.yaml",
                "resources: [../prod, ../config]\n",
            ),
        ];
        // `staging` reports a problem; `config` reads a file not read yet,
        // and `all` includes it: those three are built in place.
        let dirs = ["all", "staging", "prod", "base", "config"];
        let adopted = adopted_when_same_either_way(&files, &["config/settings.conf"], &dirs);
        assert_eq!(adopted, ["base", "prod"]);
    }

    #[test]
    fn a_build_that_closes_a_cycle_on_the_current_stack_is_built_in_place() {
        // Built on its own, `z` includes `x` cleanly; included from `x/y`,
        // including `x` (which contains `x/y`) closes a cycle, and `z` is
        // built without it. So `w`, built ahead with the clean `z`, is built
        // in place too.
        let files = [
            ("x/kustomization.yaml", "resources: [deploy.yaml]\n"),
            ("x/deploy.yaml", DEPLOY),
            ("x/y/kustomization.yaml", "resources: [../../z]\n"),
            ("z/kustomization.yaml", "resources: [../x]\n"),
            ("w/kustomization.yaml", "resources: [../z]\n"),
        ];
        let adopted = adopted_when_same_either_way(&files, &[], &["x/y", "z", "x", "w"]);
        assert_eq!(adopted, ["x"]);
    }

    #[test]
    fn a_build_too_deep_under_the_current_stack_is_built_in_place() {
        let depth = MAX_INCLUDE_DEPTH + 2;
        let mut files: Vec<(String, String)> = (0..depth)
            .map(|i| {
                let text = format!("resources: [../d{}]\n", i + 1);
                (format!("d{i}/kustomization.yaml"), text)
            })
            .collect();
        files.push((
            format!("d{depth}/kustomization.yaml"),
            "resources: [deploy.yaml]\n".into(),
        ));
        files.push((format!("d{depth}/deploy.yaml"), DEPLOY.into()));
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(path, text)| (path.as_str(), text.as_str()))
            .collect();
        let (last, below_last) = (format!("d{depth}"), format!("d{}", depth - 1));
        let adopted = adopted_when_same_either_way(&files, &[], &["d0", "d3", &below_last]);
        // Under `d0`, every build that reaches too deep is built in place (and
        // the building stops there); built on its own, the end of the chain
        // is adopted.
        assert_eq!(adopted, [below_last, last]);
    }

    #[test]
    fn directories_that_include_each_other_are_built_in_place() {
        let files = [
            ("a/kustomization.yaml", "resources: [../b]\n"),
            ("b/kustomization.yaml", "resources: [../a, deploy.yaml]\n"),
            ("b/deploy.yaml", DEPLOY),
        ];
        let adopted = adopted_when_same_either_way(&files, &[], &["a", "b"]);
        assert!(adopted.is_empty());
    }
}
