//! `.fleet-lint.yaml` at the linted root: what the fleet model cannot guess.
//!
//! ```yaml
//! clusters:                 # default: discovered (flux-system sync, else clusters/*/)
//!   - name: production
//!     path: clusters/production
//! repository:
//!   urls: [https://github.com/example/fleet]   # GitRepository URLs that mean "this checkout"
//! tenants:
//!   roots: [tenants]        # default: [tenants]
//!   layers: [canary]        # folder names that are layers, not tenants, besides
//!                           # base, overlays, apps, staging, production, ... and the clusters' names
//!   named:                  # default: found (label, reconciling namespace, folder)
//!     - name: infra
//!       paths: [tenants/infra]
//!       namespaces: [infra, infra-*]
//!       privileged: true    # may hold cluster-scoped RBAC; not held to tenant rules
//! rules:
//!   severity:               # error | warning | info | off
//!     dangling-reference: off
//!   paths: [policies]       # directories of declarative rules (and Kyverno policies)
//! exclude: [legacy, "**/*.generated.yaml"]   # path globs: never linted
//! secrets:
//!   allow:                  # plaintext-secret exceptions; a reason is required
//!     - path: demo/*.yaml
//!       key: password       # optional: the key that holds the value
//!       reason: public demo credentials
//! limits:
//!   max-file-size: 8388608  # bytes; --max-file-size wins
//! schemas:
//!   dirs: [ci/schemas]      # JSON Schemas in kubeconform's layout; --schema-dir adds more
//! ```
//!
//! Read with fleet-lint's own spanned YAML tree, so every error names its line
//! and column; unknown keys are errors with a "did you mean".

use std::path::Path;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::diag::Severity;
use crate::source::{FileId, Pos, SourceFile};
use crate::yaml::{LoadLimits, Node, load_yaml};

/// The configuration file read from the root.
pub const CONFIG_FILE: &str = ".fleet-lint.yaml";

/// What `.fleet-lint.yaml` says: what fleet-lint cannot guess, and the user's decisions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// Cluster entry points, when discovery should not guess them.
    pub clusters: Vec<ClusterConfig>,
    pub(crate) repository_urls: Vec<String>,
    pub(crate) tenant_roots: Vec<String>,
    /// `tenants.layers`: folder names under a tenant root that are layers
    /// (besides [`crate::fleet::tenant::DEFAULT_LAYERS`] and the clusters' names).
    pub(crate) tenant_layers: Vec<String>,
    /// Tenants, and the paths each owns.
    pub tenants: Vec<TenantConfig>,
    /// `rules.severity`, in file order.
    pub severity: Vec<SeverityOverride>,
    /// `rules.paths`: directories of declarative rule files, relative to the root.
    pub(crate) rule_paths: Vec<String>,
    /// `exclude`: files never linted.
    pub exclude: PathGlobs,
    /// `secrets.allow`.
    pub(crate) secret_allow: Vec<SecretAllow>,
    /// `limits.max-file-size`.
    pub max_file_size: Option<u64>,
    /// `schemas.dirs` (relative to the root, made absolute by the run) and
    /// `--schema-dir`: extra JSON Schemas in kubeconform's layout.
    pub schema_dirs: Vec<std::path::PathBuf>,
}

/// A rule's severity set by the config; `None` turns the rule off.
#[derive(Clone, Debug, PartialEq)]
pub struct SeverityOverride {
    /// The rule's id.
    pub rule: String,
    /// Its new severity.
    pub level: Option<Severity>,
    /// Where the rule is named, for errors.
    pub at: Pos,
}

/// A `plaintext-secret` exception.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SecretAllow {
    pub path: PathGlobs,
    /// The key holding the value; any key when `None`.
    pub key: Option<String>,
    pub reason: String,
}

/// Path globs (`*` stays within a folder, `**` crosses folders); a path
/// matches when it or one of its folders does.
#[derive(Clone, Debug, Default)]
pub struct PathGlobs {
    patterns: Vec<String>,
    set: GlobSet,
}

impl PartialEq for PathGlobs {
    fn eq(&self, other: &PathGlobs) -> bool {
        self.patterns == other.patterns
    }
}

impl PathGlobs {
    /// The globs of `patterns`; an error names the first that does not compile.
    pub fn new(patterns: Vec<String>) -> Result<PathGlobs, String> {
        let mut builder = GlobSetBuilder::new();
        for pattern in &patterns {
            let glob = GlobBuilder::new(relative(pattern))
                .literal_separator(true)
                .build()
                .map_err(|e| format!("bad glob `{pattern}`: {e}"))?;
            builder.add(glob);
        }
        let set = builder.build().map_err(|e| e.to_string())?;
        Ok(PathGlobs { patterns, set })
    }

    /// True when no glob is given.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether `path` (relative, `/`-separated) or one of its folders matches.
    pub fn matches(&self, path: &str) -> bool {
        if self.patterns.is_empty() {
            return false;
        }
        let mut prefix = path;
        loop {
            if self.set.is_match(prefix) {
                return true;
            }
            match prefix.rsplit_once('/') {
                Some((parent, _)) => prefix = parent,
                None => return false,
            }
        }
    }
}

/// A cluster named in the configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterConfig {
    /// Its name, as findings name it.
    pub name: String,
    /// Its entry directory, relative to the root.
    pub path: String,
}

/// A tenant named in the configuration.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TenantConfig {
    /// Its name, as findings name it.
    pub name: String,
    /// The directories it owns, relative to the root.
    pub paths: Vec<String>,
    /// Namespace names; a trailing `*` matches any suffix.
    pub namespaces: Vec<String>,
    /// A privileged tenant's content is held to the platform's rules, not the tenant rules.
    pub privileged: bool,
}

impl TenantConfig {
    pub(crate) fn owns_namespace(&self, namespace: &str) -> bool {
        self.namespaces
            .iter()
            .any(|pattern| match pattern.strip_suffix('*') {
                Some(prefix) => namespace.starts_with(prefix),
                None => pattern == namespace,
            })
    }

    pub(crate) fn owns_path(&self, path: &str) -> bool {
        self.paths
            .iter()
            .any(|p| crate::kustomize::paths::contains(p.trim_end_matches('/'), path))
    }
}

impl Config {
    /// The tenant roots, `tenants` when none is configured.
    pub fn roots(&self) -> impl Iterator<Item = &str> {
        let default = self.tenant_roots.is_empty().then_some("tenants");
        self.tenant_roots.iter().map(String::as_str).chain(default)
    }

    /// Whether `path` is under one of the `rules.paths` directories.
    pub(crate) fn is_rule_file(&self, path: &str) -> bool {
        self.rule_paths
            .iter()
            .any(|dir| crate::kustomize::paths::contains(dir, path))
    }

    /// Whether the allow-list accepts a clear-text value under `key` in the file at `path`.
    pub(crate) fn secret_allowed(&self, path: &str, key: &str) -> bool {
        self.secret_allow
            .iter()
            .any(|a| a.path.matches(path) && a.key.as_deref().is_none_or(|k| k == key))
    }
}

/// Reads `ROOT/.fleet-lint.yaml`; the defaults when there is none.
pub(crate) fn load_config(root: &Path) -> Result<Config, String> {
    let path = root.join(CONFIG_FILE);
    if std::fs::symlink_metadata(&path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
        return Ok(Config::default());
    }
    parse_config(&read_config(&path).map_err(|e| format!("cannot read {CONFIG_FILE}: {e}"))?)
}

/// A config file's text: a regular file of at most 1 MiB, UTF-8.
fn read_config(path: &Path) -> Result<String, String> {
    let bytes =
        crate::load::read_bounded(path, 1024 * 1024).map_err(|problem| problem.to_string())?;
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())
}

/// Reads the config file at `path` (which must exist).
pub(crate) fn load_config_file(path: &Path) -> Result<Config, String> {
    let text = read_config(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse_config(&text)
}

/// Parses the text of a config file.
pub(crate) fn parse_config(text: &str) -> Result<Config, String> {
    let source = SourceFile::new(CONFIG_FILE, text);
    let loaded = load_yaml(FileId(0), &source, LoadLimits::default());
    if let Some(err) = loaded.errors.first() {
        return Err(located(&err.span.start, &err.message));
    }
    let Some(root) = loaded.documents.first().map(|d| &d.root) else {
        return Ok(Config::default());
    };
    let reader = Reader;
    reader.keys(
        root,
        &[
            "clusters",
            "repository",
            "tenants",
            "rules",
            "exclude",
            "secrets",
            "limits",
            "schemas",
        ],
    )?;
    let mut config = Config::default();
    for item in reader.list(root, "clusters")? {
        reader.keys(item, &["name", "path"])?;
        config.clusters.push(ClusterConfig {
            name: reader.text(item, "name")?.unwrap_or_default(),
            path: relative(&reader.text(item, "path")?.unwrap_or_default()).to_string(),
        });
    }
    if let Some(repository) = root.get("repository") {
        reader.keys(repository, &["urls"])?;
        config.repository_urls = reader.texts(repository, "urls")?;
    }
    if let Some(tenants) = root.get("tenants") {
        reader.keys(tenants, &["roots", "layers", "named"])?;
        config.tenant_layers = reader.texts(tenants, "layers")?;
        config.tenant_roots = reader
            .texts(tenants, "roots")?
            .into_iter()
            .map(|r| r.trim_end_matches('/').to_string())
            .collect();
        for item in reader.list(tenants, "named")? {
            reader.keys(item, &["name", "paths", "namespaces", "privileged"])?;
            let Some(name) = reader.text(item, "name")? else {
                return Err(located(&item.span.start, "a tenant needs a `name`"));
            };
            config.tenants.push(TenantConfig {
                name,
                paths: reader.texts(item, "paths")?,
                namespaces: reader.texts(item, "namespaces")?,
                privileged: reader.flag(item, "privileged")?,
            });
        }
    }
    if let Some(rules) = root.get("rules") {
        reader.keys(rules, &["severity", "paths"])?;
        config.severity = severity_overrides(rules)?;
        config.rule_paths = reader.dirs_inside_root(rules, "paths")?;
    }
    config.exclude = reader.globs(root, "exclude")?;
    if let Some(secrets) = root.get("secrets") {
        reader.keys(secrets, &["allow"])?;
        for item in reader.list(secrets, "allow")? {
            reader.keys(item, &["path", "key", "reason"])?;
            let (Some(path), Some(reason)) =
                (reader.text(item, "path")?, reader.text(item, "reason")?)
            else {
                return Err(located(
                    &item.span.start,
                    "a secret allow entry needs a `path` and a `reason`",
                ));
            };
            config.secret_allow.push(SecretAllow {
                path: PathGlobs::new(vec![path]).map_err(|e| located(&item.span.start, &e))?,
                key: reader.text(item, "key")?,
                reason,
            });
        }
    }
    if let Some(schemas) = root.get("schemas") {
        reader.keys(schemas, &["dirs"])?;
        config.schema_dirs = reader
            .dirs_inside_root(schemas, "dirs")?
            .into_iter()
            .map(Into::into)
            .collect();
    }
    if let Some(limits) = root.get("limits") {
        reader.keys(limits, &["max-file-size"])?;
        if let Some(value) = limits.get("max-file-size") {
            let bytes = value.as_str().and_then(|v| v.parse::<u64>().ok());
            config.max_file_size = Some(bytes.ok_or_else(|| {
                located(
                    &value.span.start,
                    "`max-file-size` must be a number of bytes",
                )
            })?);
        }
    }
    Ok(config)
}

/// `rules.severity`: rule id -> `error`, `warning`, `info` or `off`.
fn severity_overrides(rules: &Node) -> Result<Vec<SeverityOverride>, String> {
    let Some(node) = rules.get("severity").filter(|n| !n.is_null()) else {
        return Ok(Vec::new());
    };
    let entries = node
        .as_map()
        .ok_or_else(|| located(&node.span.start, "`severity` must map rule ids to levels"))?;
    entries
        .iter()
        .map(|entry| {
            let level = match entry.value.as_str() {
                Some("off") => None,
                text => Some(text.and_then(Severity::parse).ok_or_else(|| {
                    located(
                        &entry.value.span.start,
                        "a severity is `error`, `warning`, `info` or `off`",
                    )
                })?),
            };
            Ok(SeverityOverride {
                rule: entry.key.as_str().unwrap_or("").to_string(),
                level,
                at: entry.key.span.start,
            })
        })
        .collect()
}

/// A path as the config means it, relative to the root: no `./`, no trailing `/`.
fn relative(path: &str) -> &str {
    path.trim_start_matches("./").trim_end_matches('/')
}

/// `message`, prefixed with the config file's name and the place `pos`.
pub(crate) fn located(pos: &Pos, message: &str) -> String {
    format!("{CONFIG_FILE}:{}:{}: {message}", pos.line, pos.col + 1)
}

/// Typed access to config nodes with located errors.
struct Reader;

impl Reader {
    /// Fails on a key not in `allowed`, suggesting the closest one.
    fn keys(&self, node: &Node, allowed: &[&str]) -> Result<(), String> {
        let Some(entries) = node.as_map() else {
            return Err(located(&node.span.start, "expected a mapping"));
        };
        for entry in entries {
            let key = entry.key.as_str().unwrap_or("");
            if !allowed.contains(&key) {
                let hint = crate::suggest::did_you_mean(key, allowed.iter().copied(), 3);
                return Err(located(
                    &entry.key.span.start,
                    &format!("unknown key `{key}`{hint}"),
                ));
            }
        }
        Ok(())
    }

    fn list<'n>(&self, node: &'n Node, key: &str) -> Result<&'n [Node], String> {
        match node.get(key) {
            None => Ok(&[]),
            Some(value) if value.is_null() => Ok(&[]),
            Some(value) => value
                .as_seq()
                .ok_or_else(|| located(&value.span.start, &format!("`{key}` must be a list"))),
        }
    }

    fn text(&self, node: &Node, key: &str) -> Result<Option<String>, String> {
        match node.get(key) {
            None => Ok(None),
            Some(value) => value
                .as_str()
                .map(|s| Some(s.to_string()))
                .ok_or_else(|| located(&value.span.start, &format!("`{key}` must be a string"))),
        }
    }

    fn texts(&self, node: &Node, key: &str) -> Result<Vec<String>, String> {
        self.list(node, key)?
            .iter()
            .map(|item| {
                item.as_str().map(str::to_string).ok_or_else(|| {
                    located(
                        &item.span.start,
                        &format!("`{key}` must be a list of strings"),
                    )
                })
            })
            .collect()
    }

    /// A list of directories relative to the linted root, normalised; one
    /// that is absolute or climbs out of the root is an error. The config
    /// comes with the repository (in a pull-request check, from the pull
    /// request's author), so what it names stays inside the repository; a
    /// path given on the command line (`--schema-dir`) may be anywhere.
    fn dirs_inside_root(&self, node: &Node, key: &str) -> Result<Vec<String>, String> {
        let items = self.list(node, key)?;
        let dirs = self.texts(node, key)?;
        items
            .iter()
            .zip(dirs)
            .map(|(item, dir)| {
                crate::kustomize::paths::join("", relative(&dir)).map_err(|_| {
                    located(
                        &item.span.start,
                        &format!("`{dir}` is outside the repository; paths in {CONFIG_FILE} stay inside the linted root"),
                    )
                })
            })
            .collect()
    }

    fn globs(&self, node: &Node, key: &str) -> Result<PathGlobs, String> {
        let patterns = self.texts(node, key)?;
        PathGlobs::new(patterns)
            .map_err(|e| located(&node.get(key).map_or(node.span.start, |n| n.span.start), &e))
    }

    fn flag(&self, node: &Node, key: &str) -> Result<bool, String> {
        match node.get(key).map(|v| (v, v.as_str())) {
            None => Ok(false),
            Some((_, Some("true"))) => Ok(true),
            Some((_, Some("false"))) => Ok(false),
            Some((value, _)) => Err(located(
                &value.span.start,
                &format!("`{key}` must be true or false"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_section() {
        let config = parse_config(
            "clusters:\n  - name: prod\n    path: ./clusters/prod/\nrepository:\n  urls: [https://x/fleet]\ntenants:\n  roots: [teams/]\n  layers: [canary]\n  named:\n    - name: infra\n      paths: [teams/infra]\n      namespaces: [infra-*]\n      privileged: true\n",
        )
        .expect("valid");
        assert_eq!(
            config.clusters,
            [ClusterConfig {
                name: "prod".into(),
                path: "clusters/prod".into()
            }]
        );
        assert_eq!(config.roots().collect::<Vec<_>>(), ["teams"]);
        assert_eq!(config.tenant_layers, ["canary"]);
        assert!(config.tenants[0].privileged && config.tenants[0].owns_namespace("infra-db"));
        assert!(config.tenants[0].owns_path("teams/infra/base/x.yaml"));
    }

    #[test]
    fn unknown_keys_are_located_with_a_suggestion() {
        let err = parse_config("tenants:\n  rots: [x]\n").expect_err("unknown key");
        assert_eq!(
            err,
            ".fleet-lint.yaml:2:3: unknown key `rots` (did you mean `roots`?)"
        );
        let err = parse_config("tenants:\n  named:\n    - name: a\n      privileged: maybe\n")
            .expect_err("bad flag");
        assert!(err.starts_with(".fleet-lint.yaml:4:19:"), "{err}");
    }
}
