//! Whether a Flux source is this checkout. A GitRepository is, when its URL
//! matches `repository.urls` of the config, else one of the checkout's git
//! remotes (read from `.git/config`, no program run), else the URL of the
//! GitRepository a cluster's root sync reads (the bootstrap source is this
//! repository by definition). When no URL is known at all, it is local when
//! the Kustomization's (non-empty) path exists here. OCIRepository, Bucket and
//! ExternalArtifact sources are external unless their URL is known.

use std::path::Path;

use crate::config::Config;
use crate::kustomize::Resource;
use crate::yaml::Node;

/// Whether a Flux source is this repository.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceLocality {
    /// This repository: what it holds is linted.
    Local,
    /// Another repository, bucket or registry: not linted.
    External,
}

pub(super) struct Locality {
    /// Normalised URLs that mean "this repository", from the config or git.
    urls: Vec<String>,
    /// Normalised URLs of the clusters' bootstrap sources, used when `urls` is empty.
    bootstrap: Vec<String>,
}

impl Locality {
    pub(super) fn new(root: &Path, config: &Config) -> Locality {
        let urls = if config.repository_urls.is_empty() {
            git_remote_urls(root)
        } else {
            config.repository_urls.clone()
        };
        Locality {
            urls: urls.iter().map(|u| normalize_url(u)).collect(),
            bootstrap: Vec::new(),
        }
    }

    /// Records the URL of a cluster's bootstrap source.
    pub(super) fn learn_bootstrap(&mut self, source: &Resource) {
        if let Some(url) = source
            .node
            .get_path(&["spec", "url"])
            .and_then(Node::as_str)
        {
            self.learn_url(url);
        }
    }

    /// Records `url` as a cluster's bootstrap source (this repository).
    pub(super) fn learn_url(&mut self, url: &str) {
        let url = normalize_url(url);
        if !self.bootstrap.contains(&url) {
            self.bootstrap.push(url);
        }
    }

    /// Where the source of kind `kind` (the object, when the fleet defines it)
    /// lives; `path_exists` says whether the Kustomization's non-empty path is here.
    pub(super) fn of(
        &self,
        kind: &str,
        source: Option<&Resource>,
        path_exists: bool,
    ) -> SourceLocality {
        let known = if self.urls.is_empty() {
            &self.bootstrap
        } else {
            &self.urls
        };
        let url = source
            .and_then(|s| s.node.get_path(&["spec", "url"]))
            .and_then(Node::as_str);
        let matches = url.is_some_and(|u| known.contains(&normalize_url(u)));
        let local = match kind {
            "GitRepository" if known.is_empty() || url.is_none() => path_exists,
            "GitRepository" | "OCIRepository" | "Bucket" | "ExternalArtifact" => matches,
            _ => false,
        };
        if local {
            SourceLocality::Local
        } else {
            SourceLocality::External
        }
    }
}

/// The `url = ...` lines of `.git/config`.
fn git_remote_urls(root: &Path) -> Vec<String> {
    crate::load::read_bounded(&root.join(".git").join("config"), 1024 * 1024)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .map(|text| {
            text.lines()
                .filter_map(|line| line.trim().strip_prefix("url"))
                .filter_map(|rest| rest.trim().strip_prefix('='))
                .map(|url| url.trim().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// `https://github.com/Org/Repo.git`, `ssh://git@github.com/org/repo` and
/// `git@github.com:org/repo` all become `github.com/org/repo`.
pub(crate) fn normalize_url(url: &str) -> String {
    let lower = url.trim().to_ascii_lowercase();
    let without_scheme = lower
        .split_once("://")
        .map_or(lower.as_str(), |(_, rest)| rest);
    let without_user = without_scheme
        .split_once('@')
        .map_or(without_scheme, |(_, rest)| rest);
    let scp_like = !lower.contains("://");
    let host_path = if scp_like {
        without_user.replacen(':', "/", 1)
    } else {
        without_user.to_string()
    };
    host_path
        .trim_end_matches('/')
        .trim_end_matches(".git")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_normalise_across_protocols() {
        for url in [
            "https://github.com/Org/Fleet.git",
            "ssh://git@github.com/org/fleet",
            "git@github.com:org/fleet",
            "https://github.com/org/fleet/",
        ] {
            assert_eq!(normalize_url(url), "github.com/org/fleet", "{url}");
        }
    }
}
