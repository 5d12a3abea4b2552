//! Fingerprints: what identifies a finding across edits, for baselines, the
//! JSON report and code scanning.
//!
//! A finding is keyed by its rule, its file, the object it is in (the kind,
//! namespace and name of the document that holds its place) and the field
//! path to its place in that object (`spec.chart.spec.version`; a list item
//! by its `name`, else by its index), never by its line number or the text of
//! its line: a HelmRelease inserted above another changes neither's key. A
//! finding in no object (a file that does not parse, a finding about a whole
//! file) is keyed by its message, digits left out. Findings with equal keys
//! are told apart by their order in the report (the occurrence).
//!
//! Version 1 baselines hashed the rule, the path and the line's text; that
//! key, [`line_key`], is kept to read them.

use std::collections::HashMap;
use std::fmt;

use crate::diag::Finding;
use crate::load::Loaded;
use crate::source::SourceStore;
use crate::yaml::{Node, Value};

/// A finding's key and its occurrence among findings with the same key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    /// The hash of the finding's identity.
    pub key: u64,
    /// 0-based count of earlier findings (in report order) with the same key.
    pub occurrence: u32,
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}:{}", self.key, self.occurrence)
    }
}

/// What a finding is about, as its key hashes it and a baseline shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// `Kind namespace/name` of the object holding the finding, if any.
    pub object: Option<String>,
    /// The field path to the finding's place in that object (empty at its top).
    pub field: String,
}

/// Gives every finding (in report order) its fingerprint.
pub(crate) fn assign(findings: &mut [Finding], loaded: &Loaded) {
    let mut seen: HashMap<u64, u32> = HashMap::new();
    for finding in findings {
        let key = identity_key(finding, &identity(finding, loaded), &loaded.store);
        let occurrence = seen.entry(key).or_insert(0);
        finding.set_fingerprint(Fingerprint {
            key,
            occurrence: *occurrence,
        });
        *occurrence += 1;
    }
}

/// The object and field a finding is at.
pub fn identity(finding: &Finding, loaded: &Loaded) -> Identity {
    let offset = finding.span.start.offset;
    let document = loaded
        .files
        .get(finding.span.file.0 as usize)
        .into_iter()
        .flat_map(|file| &file.documents)
        .find(|doc| contains(&doc.root, offset));
    let Some(document) = document else {
        return Identity::default();
    };
    let text = |path: &[&str]| document.root.get_path(path).and_then(Node::as_str);
    let object = text(&["kind"]).map(|kind| {
        let name = text(&["metadata", "name"]).unwrap_or("");
        match text(&["metadata", "namespace"]) {
            Some(namespace) => format!("{kind} {namespace}/{name}"),
            None => format!("{kind} {name}"),
        }
    });
    let mut field = Vec::new();
    field_path(&document.root, offset, &mut field);
    Identity {
        object,
        field: field.join("."),
    }
}

fn identity_key(finding: &Finding, identity: &Identity, store: &SourceStore) -> u64 {
    let path = &*store.get(finding.span.file).path;
    let mut hash = Fnv1a::default();
    match &identity.object {
        Some(object) => hash.parts(&[finding.rule.as_str(), path, object, &identity.field]),
        None => {
            let message: String = finding
                .message()
                .chars()
                .filter(|c| !c.is_ascii_digit())
                .collect();
            hash.parts(&[finding.rule.as_str(), path, "", &message]);
        }
    }
    hash.0
}

/// The version 1 key: the rule, the path, and the (masked, trimmed) text of
/// the finding's line.
pub(crate) fn line_key(finding: &Finding, store: &SourceStore) -> u64 {
    let file = store.get(finding.span.file);
    let line = finding.mask_source(file.line_text(finding.span.start.line));
    let mut hash = Fnv1a::default();
    hash.parts(&[finding.rule.as_str(), &file.path, line.trim()]);
    hash.0
}

fn contains(node: &Node, offset: u32) -> bool {
    node.span.start.offset <= offset
        && offset < node.span.end.offset.max(node.span.start.offset + 1)
}

/// Pushes the keys from `node` down to the deepest node at `offset`.
fn field_path(node: &Node, offset: u32, path: &mut Vec<String>) {
    match &node.value {
        Value::Map(entries) => {
            for entry in entries {
                if contains(&entry.key, offset) {
                    path.push(entry.key.as_str().unwrap_or("?").to_string());
                    return;
                }
                if contains(&entry.value, offset) {
                    path.push(entry.key.as_str().unwrap_or("?").to_string());
                    field_path(&entry.value, offset, path);
                    return;
                }
            }
        }
        Value::Seq(items) => {
            if let Some((index, item)) = items.iter().enumerate().find(|(_, i)| contains(i, offset))
            {
                let name = item.get("name").and_then(Node::as_str);
                path.push(name.map_or_else(|| format!("[{index}]"), |n| format!("[{n}]")));
                field_path(item, offset, path);
            }
        }
        Value::Scalar(..) => {}
    }
}

/// FNV-1a, 64-bit: tiny, and stable across platforms and releases (unlike std's hasher).
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    /// Hashes each part, ended by a NUL so that parts cannot run together.
    fn parts(&mut self, parts: &[&str]) {
        for part in parts {
            for &b in part.as_bytes().iter().chain(&[0]) {
                self.0 ^= u64::from(b);
                self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Finding, Severity};
    use crate::rule_id::RuleId;
    use crate::source::{FileId, Span};

    const RELEASES: &str = "\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: redis
  namespace: team-b
spec:
  values:
    containers:
      - name: main
        image: redis
      - image: sidecar
---
kind: ConfigMap
metadata: {name: settings}
";

    /// A finding at the first occurrence of `needle` in `text`.
    fn at(loaded: &Loaded, text: &str, needle: &str) -> Finding {
        let offset = text.find(needle).expect("needle");
        let file = &loaded.store.get(FileId(0));
        let mut span = Span::file_start(FileId(0));
        span.start = file.pos_of_offset(offset);
        span.end = span.start;
        Finding::new(
            RuleId::TenantServiceAccount,
            Severity::Error,
            span,
            "m at line 7",
        )
    }

    #[test]
    fn a_finding_is_identified_by_its_object_and_field() {
        let loaded = Loaded::from_texts(&[("a.yaml", RELEASES)]);
        let identity_of = |needle| identity(&at(&loaded, RELEASES, needle), &loaded);
        assert_eq!(
            identity_of("kind: HelmRelease"),
            Identity {
                object: Some("HelmRelease team-b/redis".into()),
                field: "kind".into()
            }
        );
        assert_eq!(
            identity_of("image: redis").field,
            "spec.values.containers.[main].image"
        );
        assert_eq!(
            identity_of("sidecar").field,
            "spec.values.containers.[1].image"
        );
        assert_eq!(
            identity_of("settings").object.as_deref(),
            Some("ConfigMap settings")
        );
    }

    #[test]
    fn keys_survive_an_object_inserted_above() {
        let inserted = format!("kind: Namespace\nmetadata: {{name: x}}\n---\n{RELEASES}");
        let before = Loaded::from_texts(&[("a.yaml", RELEASES)]);
        let after = Loaded::from_texts(&[("a.yaml", &inserted)]);
        let key = |loaded: &Loaded, text: &str| {
            let mut findings = vec![at(loaded, text, "image: sidecar")];
            assign(&mut findings, loaded);
            findings[0].fingerprint().cloned()
        };
        assert!(key(&before, RELEASES).is_some());
        assert_eq!(key(&before, RELEASES), key(&after, &inserted));
    }

    #[test]
    fn a_finding_in_no_object_is_keyed_by_its_message_without_digits() {
        let broken = "key: [unclosed\n";
        let loaded = Loaded::from_texts(&[("b.yaml", broken)]);
        let finding = at(&loaded, broken, "key");
        assert_eq!(identity(&finding, &loaded), Identity::default());
        let moved = Finding::new(
            finding.rule.clone(),
            finding.severity,
            finding.span,
            "m at line 9",
        );
        let mut findings = vec![finding, moved];
        assign(&mut findings, &loaded);
        let prints: Vec<_> = findings
            .iter()
            .filter_map(|f| f.fingerprint().cloned())
            .collect();
        assert_eq!(prints[0].key, prints[1].key);
        assert_eq!((prints[0].occurrence, prints[1].occurrence), (0, 1));
    }
}
