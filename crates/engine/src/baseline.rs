//! Baselines: the findings a repository already has, recorded by fingerprint
//! (`--write-baseline FILE`), so that later runs (`--baseline FILE`) report
//! only new ones. Fingerprints hash the rule, the path and the text of the
//! finding's line, not its number, so they survive unrelated edits and line
//! shifts; a finding whose line changes shows up again, as it should.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diag::{Finding, Place, fingerprints};
use crate::source::SourceStore;

const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    rule: String,
    path: String,
    fingerprint: String,
    /// For readers of the file; not matched (secrets are masked).
    message: String,
}

/// A baseline read from disk: how many findings of each content hash it holds.
#[derive(Clone, Debug, Default)]
pub struct Baseline {
    counts: HashMap<u64, usize>,
}

/// The baseline file's text for `findings` (in report order).
pub fn render(findings: &[Finding], store: &SourceStore) -> String {
    let prints = fingerprints(findings, store);
    let file = BaselineFile {
        version: VERSION,
        findings: findings
            .iter()
            .zip(prints)
            .map(|(f, print)| Entry {
                rule: f.rule.to_string(),
                path: Place::of(f.span, store).path.to_string(),
                fingerprint: print.to_string(),
                message: f.message().into_owned(),
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
    if file.version != VERSION {
        return Err(format!(
            "{} is a version {} baseline; this fleet-lint reads version {VERSION}",
            path.display(),
            file.version
        ));
    }
    let mut counts = HashMap::new();
    for entry in file.findings {
        let content = entry
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
        *counts.entry(content).or_insert(0) += 1;
    }
    Ok(Baseline { counts })
}

impl Baseline {
    /// Drops the findings the baseline holds (each baseline entry absorbs one
    /// finding with the same content); returns how many it dropped.
    pub fn filter(&self, findings: &mut Vec<Finding>, store: &SourceStore) -> usize {
        let mut left = self.counts.clone();
        let prints = fingerprints(findings, store);
        let before = findings.len();
        let mut prints = prints.into_iter();
        findings.retain(|_| {
            let content = prints.next().map_or(0, |p| p.content);
            match left.get_mut(&content) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            }
        });
        before - findings.len()
    }
}
