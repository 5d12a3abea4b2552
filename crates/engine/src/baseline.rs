//! Baselines: the findings a repository already has, recorded by fingerprint
//! (`--write-baseline FILE`), so that later runs (`--baseline FILE`) report
//! only new ones. A version 2 baseline keys findings by what they are about
//! (rule, file, object and field: [`crate::fingerprint`]), so a finding stays
//! known when lines move or another object is inserted above its own; a
//! version 1 baseline (the line's text) is still read. Entries that match no
//! finding any more are counted, for the report to say; writing the baseline
//! again drops them.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diag::{Finding, Place};
use crate::fingerprint::{self, line_key};
use crate::load::Loaded;
use crate::source::SourceStore;

/// The version `--write-baseline` writes.
const VERSION: u32 = 2;

#[derive(Serialize, Deserialize)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    rule: String,
    path: String,
    /// For readers of the file (version 2): `Kind namespace/name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    object: Option<String>,
    /// For readers of the file (version 2): the field path in the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    fingerprint: String,
    /// For readers of the file; not matched (secrets are masked).
    message: String,
}

/// What a baseline's fingerprints hash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Scheme {
    /// Version 1: rule, path and the finding line's text.
    Lines,
    /// Version 2: rule, path, object and field.
    #[default]
    Identity,
}

/// A baseline read from disk: how many findings of each key it holds.
#[derive(Clone, Debug, Default)]
pub struct Baseline {
    scheme: Scheme,
    counts: HashMap<u64, usize>,
}

/// What applying a baseline did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Findings the baseline held, left out of the report.
    pub held: usize,
    /// Baseline entries that matched no finding.
    pub stale: usize,
}

/// The baseline file's text for `findings` (in report order, fingerprinted).
pub fn render(findings: &[Finding], loaded: &Loaded) -> String {
    let file = BaselineFile {
        version: VERSION,
        findings: findings
            .iter()
            .map(|f| {
                let identity = fingerprint::identity(f, loaded);
                Entry {
                    rule: f.rule.to_string(),
                    path: Place::of(f.span, &loaded.store).path.to_string(),
                    field: identity.object.is_some().then_some(identity.field),
                    object: identity.object,
                    fingerprint: crate::report::fingerprint_text(f),
                    message: f.message().into_owned(),
                }
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    text
}

/// Reads the baseline at `path`.
pub fn read(path: &Path) -> Result<Baseline, String> {
    let bytes = crate::load::read_bounded(path, 256 * 1024 * 1024)
        .map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("the baseline {} is not UTF-8 text", path.display()))?;
    let file: BaselineFile = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a fleet-lint baseline: {e}", path.display()))?;
    let scheme = match file.version {
        1 => Scheme::Lines,
        VERSION => Scheme::Identity,
        other => {
            return Err(format!(
                "{} is a version {other} baseline; this fleet-lint reads versions 1 and {VERSION}",
                path.display(),
            ));
        }
    };
    let mut counts = HashMap::new();
    for entry in file.findings {
        let key = entry
            .fingerprint
            .split(':')
            .next()
            .and_then(|hex| u64::from_str_radix(hex, 16).ok())
            .ok_or_else(|| {
                format!(
                    "{}: `{}` is not a fingerprint",
                    path.display(),
                    entry.fingerprint
                )
            })?;
        *counts.entry(key).or_insert(0) += 1;
    }
    Ok(Baseline { scheme, counts })
}

impl Baseline {
    /// Whether the file is a version 1 baseline (keyed by line text), which
    /// `--write-baseline` would rewrite as version 2.
    pub fn is_line_keyed(&self) -> bool {
        self.scheme == Scheme::Lines
    }

    /// Drops the findings the baseline holds (each entry absorbs one finding
    /// with its key); says how many it dropped and how many entries matched
    /// nothing.
    pub fn filter(&self, findings: &mut Vec<Finding>, store: &SourceStore) -> Applied {
        let mut left = self.counts.clone();
        let before = findings.len();
        findings.retain(|finding| {
            let key = match self.scheme {
                Scheme::Lines => Some(line_key(finding, store)),
                Scheme::Identity => finding.fingerprint().map(|f| f.key),
            };
            match key.and_then(|key| left.get_mut(&key)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            }
        });
        Applied {
            held: before - findings.len(),
            stale: left.values().sum(),
        }
    }
}
