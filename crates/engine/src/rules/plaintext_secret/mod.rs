//! `plaintext-secret`: credentials committed in clear text, reported once, at
//! the value. A source rule: it reads every committed file the walk found,
//! reached by a cluster or not, hidden folders and env files included (see
//! [`crate::discover`]), because a committed credential leaks whether or not
//! Flux applies it.
//!
//! Whether a value is a credential is decided by where it sits and what it
//! looks like, together:
//!
//! | where | reported when | severity |
//! | --- | --- | --- |
//! | a `Secret`'s `data` (decoded) or `stringData` | any value that is not benign | error |
//! | a `secretGenerator` | a literal; a `files`/`envs` input without a SOPS marker | error |
//! | a `configMapGenerator` literal, an env file line | a credential-named key | by the value |
//! | a Provider's `spec.address` | a webhook token, `user:password@`, a query token | error |
//! | a `pagerduty` Provider's `spec.channel` | a literal routing key (Flux keeps it there) | warning |
//! | any value of any manifest | a known format (private key, `ghp_`, `AKIA`, `xoxb-`, JWT...), a URL's password | error |
//! | any value of any manifest | a credential-named key (`adminPassword`, `DB_PASSWORD`, an env `name`/`value` pair) | by the value |
//! | text inside a value (an embedded config file) | a credential-named `key = value`, `"key": "value"`, `--key=value` | by the value |
//!
//! "By the value": an error when it looks generated (8+ characters of two or
//! more kinds), a warning for a short or simple word, which is still a
//! password deployed as written (`adminPassword: flux`). Benign values are
//! never reported (see [`judge`]): references and substitutions (`${VAR}`,
//! `op://`, `vault:`, `ref+`, `ENC[...]`, templates), placeholders (`XXXX`,
//! `<...>`, `REPLACE_ME`, `[...]`), public material (certificates, public
//! keys, `known_hosts`); a `data` value is judged before and after decoding.
//! Kinds that hold ciphertext or references only (SealedSecret, the External
//! Secrets kinds) and CustomResourceDefinitions (schemas, not values) are
//! skipped. Every value is registered with its finding, so no output shows it.

mod embedded;
mod judge;

use crate::rules::RuleId;
use std::collections::HashSet;

use super::RuleContext;
use crate::base64;
use crate::diag::{Finding, Severity};
use crate::kustomize::{KUSTOMIZATION_FILES, paths};
use crate::source::{FileId, SourceFile, Span};
use crate::yaml::{Node, ScalarStyle, Value};

pub(super) const ID: RuleId = RuleId::PlaintextSecret;

pub(super) fn check(ctx: &RuleContext) -> Vec<Finding> {
    let generator_inputs = secret_generator_inputs(ctx);
    let unreachable: HashSet<FileId> = ctx.fleet.unreachable.iter().copied().collect();
    let mut findings = Vec::new();
    for (id, file) in ctx.store().iter() {
        let mut scan = Scan {
            file,
            id,
            note: unreached_note(ctx, &unreachable, id),
            leaks: Vec::new(),
        };
        let documents = &ctx.files()[id.0 as usize].documents;
        let is_kustomization = KUSTOMIZATION_FILES.contains(&paths::file_name(&file.path));
        for doc in documents {
            if is_kustomization {
                scan.generators(ctx, &doc.root);
            } else {
                scan.document(&doc.root);
            }
        }
        // Env files and other text; and manifests YAML cannot read, whose
        // lines a `yaml-syntax` snippet shows.
        let unparsed = documents.is_empty()
            && (!crate::discover::is_manifest_name(paths::file_name(&file.path))
                || !ctx.files()[id.0 as usize].errors.is_empty());
        if unparsed && !generator_inputs.contains(&id) && !has_sops_marker(&file.text) {
            scan.text_file();
        }
        findings.extend(
            scan.leaks
                .into_iter()
                .filter(|(key, _)| !ctx.config.secret_allowed(&file.path, key))
                .map(|(_, finding)| finding),
        );
    }
    findings
}

/// Where `secret` stands inside `span`, when it is written there as it reads
/// (else all of `span`: an escaped or folded value is masked where it stands).
fn narrow(file: &SourceFile, span: Span, secret: &str) -> Span {
    let (start, end) = (span.start.offset as usize, span.end.offset as usize);
    let found = file
        .text
        .get(start..end)
        .filter(|_| !secret.is_empty())
        .and_then(|written| written.find(secret));
    match found {
        Some(at) => Span {
            file: span.file,
            start: file.pos_of_offset(start + at),
            end: file.pos_of_offset(start + at + secret.len()),
        },
        None => span,
    }
}

/// What a finding in a file that no cluster applies adds to its message.
fn unreached_note(ctx: &RuleContext, unreachable: &HashSet<FileId>, id: FileId) -> &'static str {
    let unreached = ctx.loaded.is_secret_scan_only(id)
        || (!ctx.fleet.clusters.is_empty() && unreachable.contains(&id));
    if unreached {
        " (no cluster applies this file, but it is committed)"
    } else {
        ""
    }
}

/// Kinds whose content is ciphertext, references or schemas, never values.
const SKIPPED_KINDS: [&str; 8] = [
    "SealedSecret",
    "ExternalSecret",
    "ClusterExternalSecret",
    "SecretStore",
    "ClusterSecretStore",
    "PushSecret",
    "SopsSecret",
    "CustomResourceDefinition",
];

/// Findings with the key that holds the value (for the config's allow-list).
type Leaks = Vec<(String, Finding)>;

/// The scan of one file.
struct Scan<'a> {
    file: &'a SourceFile,
    id: FileId,
    /// Appended to every message (see [`unreached_note`]).
    note: &'static str,
    leaks: Leaks,
}

impl Scan<'_> {
    /// Records a finding at `span`, the value's place; every text in
    /// `secrets` is masked in every output, and `span` in every snippet.
    fn report(
        &mut self,
        key: &str,
        severity: Severity,
        span: Span,
        message: String,
        secrets: &[&str],
    ) {
        let finding = Finding::new(ID, severity, span, format!("{message}{}", self.note));
        // Mask each secret as written in snippets too, where it stands in the
        // span (all of the span when it is escaped or folded there). The
        // rule's widest secret is usually the whole value: a snippet never
        // shows what a rule found sensitive.
        let finding = secrets.iter().fold(finding, |f, secret| {
            f.with_secret(secret)
                .with_secret_span(narrow(self.file, span, secret))
        });
        self.leaks.push((key.to_string(), finding));
    }

    fn document(&mut self, root: &Node) {
        let kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
        let api_version = root.get("apiVersion").and_then(Node::as_str).unwrap_or("");
        if SKIPPED_KINDS.contains(&kind) {
            return;
        }
        let name = root
            .get_path(&["metadata", "name"])
            .and_then(Node::as_str)
            .unwrap_or("");
        if kind == "Secret" && api_version == "v1" {
            self.secret(root, name);
            return;
        }
        let is_provider =
            kind == "Provider" && api_version.starts_with("notification.toolkit.fluxcd.io/");
        if is_provider {
            self.provider(root, name);
        }
        // YAML that is not an object (Helm values, a tool's config) is named as a document.
        let owner = if kind.is_empty() {
            "this document".to_string()
        } else {
            format!("{kind} {name}")
        };
        for entry in root.as_map().unwrap_or_default() {
            // The sops block holds encrypted key material by design; Provider addresses were judged above.
            let key = entry.key.as_str().unwrap_or("");
            if key == "sops" || (is_provider && key == "spec") {
                continue;
            }
            self.value(&entry.value, key, &owner);
        }
    }

    /// A `Secret`: every value of `data` (decoded) and `stringData` that is not
    /// benign, judged as written and after decoding, unless SOPS encrypted it.
    fn secret(&mut self, root: &Node, name: &str) {
        let sops_encrypted = root.get_path(&["sops", "mac"]).is_some();
        let owner = format!("Secret {name}");
        for field in ["data", "stringData"] {
            for entry in root.get(field).and_then(Node::as_map).unwrap_or_default() {
                let Some(raw) = entry.value.as_str() else {
                    continue;
                };
                let key = entry.key.as_str().unwrap_or("");
                if (sops_encrypted && raw.starts_with("ENC[")) || judge::is_benign(raw) {
                    // A substituted config file may still hold a literal line.
                    if judge::is_reference(raw) && raw.contains('\n') {
                        self.embedded(&entry.value, raw, key, &owner);
                    }
                    continue;
                }
                let decoded = (field == "data")
                    .then(|| base64::decode(raw))
                    .flatten()
                    .and_then(|bytes| String::from_utf8(bytes).ok());
                if decoded.as_deref().is_some_and(judge::is_benign) {
                    continue;
                }
                let how = if field == "data" {
                    "only base64-encoded"
                } else {
                    "in clear text"
                };
                let decoded = decoded.as_deref().map(str::trim).unwrap_or_default();
                self.report(
                    key,
                    Severity::Error,
                    entry.value.span,
                    format!("Secret {name} holds `{key}` {how}; encrypt it with SOPS or use a SealedSecret or ExternalSecret"),
                    &[raw, decoded],
                );
            }
        }
    }

    /// A notification Provider: a token in `spec.address`; a literal PagerDuty routing key in `spec.channel`.
    fn provider(&mut self, root: &Node, name: &str) {
        if let Some(address) = root.get_path(&["spec", "address"])
            && let Some(text) = address.as_str()
            && let Some((what, secret)) = judge::url_credential(text)
        {
            self.report(
                "address",
                Severity::Error,
                address.span,
                format!("Provider {name} has {what} in spec.address; keep the address in a Secret named by spec.secretRef"),
                &[text, secret],
            );
        }
        let is_pagerduty =
            root.get_path(&["spec", "type"]).and_then(Node::as_str) == Some("pagerduty");
        if let Some(channel) = root.get_path(&["spec", "channel"]).filter(|_| is_pagerduty)
            && let Some(key) = channel.as_str().filter(|k| !judge::is_benign(k))
        {
            self.report(
                "channel",
                Severity::Warning,
                channel.span,
                format!("PagerDuty Provider {name} has its routing key in clear in spec.channel; substitute it (`${{...}}`) from a Secret"),
                &[key],
            );
        }
    }

    /// Every scalar under `node`, which sits under `key`.
    fn value(&mut self, node: &Node, key: &str, owner: &str) {
        match &node.value {
            Value::Scalar(text, _) => self.scalar(node, text, key, owner),
            Value::Seq(items) => items.iter().for_each(|i| self.value(i, key, owner)),
            Value::Map(_) => {
                // An env-style pair (`name: DB_PASSWORD`, `value: ...`): the name is the key.
                if let Some(name) = node.get("name").and_then(Node::as_str)
                    && let Some(value) = node.get("value").filter(|v| v.as_str().is_some())
                    && judge::is_credential_key(name)
                {
                    self.value(value, name, owner);
                }
                for entry in node.as_map().unwrap_or_default() {
                    let entry_key = entry.key.as_str().unwrap_or("");
                    if entry_key == "value" && node.get("name").is_some() {
                        continue;
                    }
                    self.value(&entry.value, entry_key, owner);
                }
            }
        }
    }

    /// One scalar: a known format or a credential URL anywhere; a literal under
    /// a credential-named key; else the assignments of the text it embeds.
    fn scalar(&mut self, node: &Node, text: &str, key: &str, owner: &str) {
        if let Some((shape, matched)) = judge::shape(text) {
            let span = self.locate(node, text, matched);
            self.report(
                key,
                Severity::Error,
                span,
                format!("{owner}: `{key}` holds {shape} in clear text"),
                &[text, matched],
            );
        } else if let Some((what, secret)) = judge::url_credential(text) {
            let span = self.locate(node, text, secret);
            self.report(
                key,
                Severity::Error,
                span,
                format!("{owner}: `{key}` holds {what}; take the credential from a Secret"),
                &[text, secret],
            );
        } else if self.is_tagged(node) {
            // `!secret name`, `!env_var NAME`, `!vault`: the application resolves it.
        } else if judge::is_credential_key(key) {
            if let Some(severity) = judge::keyed(key, text) {
                self.report(
                    key,
                    severity,
                    node.span,
                    keyed_message(owner, key, severity),
                    &[text],
                );
            }
        } else if embedded::may_hold_assignments(text) {
            self.embedded(node, text, key, owner);
        }
    }

    /// The credential-named assignments inside the text of `node` (a config
    /// file in a value), each at its own line where the source shows it.
    fn embedded(&mut self, node: &Node, text: &str, key: &str, owner: &str) {
        for assignment in embedded::assignments(text) {
            let Some(severity) = judge::keyed(assignment.key, assignment.value) else {
                continue;
            };
            let span = self.locate(node, text, assignment.value);
            let inner = assignment.key;
            let message = if severity == Severity::Error {
                format!(
                    "{owner}: `{key}` embeds `{inner}` with a literal credential; take it from a Secret"
                )
            } else {
                format!(
                    "{owner}: `{key}` embeds `{inner}` with a short literal value, a password deployed as written if it is one; take it from a Secret"
                )
            };
            self.report(inner, severity, span, message, &[assignment.value]);
        }
    }

    /// Whether the scalar is written with a local tag (`password: !secret
    /// db_password`), which its application resolves; YAML's own `!!` tags do
    /// not count. The loader keeps no tags, so the source before the value is read.
    fn is_tagged(&self, node: &Node) -> bool {
        let line = self.file.line_text(node.span.start.line);
        let before: String = line.chars().take(node.span.start.col as usize).collect();
        before
            .trim_end()
            .rsplit([' ', ':', '-', '\t'])
            .next()
            .is_some_and(|token| {
                token.len() > 1 && token.starts_with('!') && !token.starts_with("!!")
            })
    }

    /// Where `part` (a slice of `text`, the value of `node`) stands in the
    /// source: its own line when it sits inside a longer block scalar, else
    /// the whole value (a private key that is the value is all of it).
    fn locate(&self, node: &Node, text: &str, part: &str) -> Span {
        // `part` is a slice of `text` (a regex match in it): its offset is exact.
        let offset = (part.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
        if offset == 0 {
            return node.span;
        }
        let line = text[..offset.min(text.len())].matches('\n').count();
        self.value_on_line(node, line, part).unwrap_or(node.span)
    }

    /// Where line `line` of a block scalar's value stands in the source, if
    /// the source line shows `value` (a block scalar's content starts on the
    /// line its span starts at, one value line per source line).
    fn value_on_line(&self, node: &Node, line: usize, value: &str) -> Option<Span> {
        if !matches!(node.value, Value::Scalar(_, ScalarStyle::Block)) {
            return None;
        }
        let source_line = node.span.start.line + line as u32;
        let line_text = self.file.line_text(source_line);
        let byte = line_text.find(value)?;
        let col = line_text[..byte].chars().count() as u32;
        Some(Span {
            file: self.id,
            start: self.file.pos(source_line, col),
            end: self
                .file
                .pos(source_line, col + value.chars().count() as u32),
        })
    }

    /// A text file (an env file, a generator input): a known format on a line,
    /// else its credential-named `KEY=value` lines.
    fn text_file(&mut self) {
        let text = self.file.text.clone();
        for (number, line) in text.lines().enumerate() {
            if line.trim_start().starts_with('#') {
                continue;
            }
            let line_number = number as u32 + 1;
            let span = Span {
                file: self.id,
                start: self.file.pos(line_number, 0),
                end: self.file.pos(line_number, line.chars().count() as u32),
            };
            if let Some((shape, matched)) = judge::shape(line) {
                self.report(
                    "",
                    Severity::Error,
                    span,
                    format!("this file holds {shape} in clear text"),
                    &[line.trim(), matched],
                );
                continue;
            }
            for assignment in embedded::assignments(line) {
                if let Some(severity) = judge::keyed(assignment.key, assignment.value) {
                    let key = assignment.key;
                    self.report(
                        key,
                        severity,
                        span,
                        keyed_message("this file", key, severity),
                        &[assignment.value],
                    );
                }
            }
        }
    }

    /// The generators of a kustomization file: `secretGenerator` literals and
    /// unencrypted inputs, credential-named `configMapGenerator` literals;
    /// and the rest of the file (inline patches) as any other document.
    fn generators(&mut self, ctx: &RuleContext, root: &Node) {
        let dir = paths::parent(&self.file.path).to_string();
        for entry in list(root, "secretGenerator") {
            let name = entry.get("name").and_then(Node::as_str).unwrap_or("");
            for (literal, key, value) in literals(entry) {
                if judge::is_benign(value) {
                    continue;
                }
                self.report(
                    key,
                    Severity::Error,
                    literal.span,
                    format!("secretGenerator {name}: literal `{key}` is committed in clear text; use an encrypted env file"),
                    &[value],
                );
            }
            for (item, file_path) in generator_files(entry) {
                let Some(id) = input_file(ctx, &dir, file_path) else {
                    continue;
                };
                if !has_sops_marker(&ctx.store().get(id).text) {
                    self.report(
                        file_path,
                        Severity::Error,
                        item.span,
                        format!("secretGenerator {name}: `{file_path}` is not SOPS-encrypted, so its content is committed in clear text"),
                        &[],
                    );
                }
            }
        }
        for entry in list(root, "configMapGenerator") {
            let name = entry.get("name").and_then(Node::as_str).unwrap_or("");
            for (literal, key, value) in literals(entry) {
                if judge::is_credential_key(key)
                    && let Some(severity) = judge::keyed(key, value)
                {
                    self.report(
                        key,
                        severity,
                        literal.span,
                        format!("configMapGenerator {name}: literal `{key}` puts a credential in a ConfigMap; use an encrypted secretGenerator env file"),
                        &[value],
                    );
                }
            }
        }
        let owner = format!("kustomization {}", self.file.path);
        for entry in root.as_map().unwrap_or_default() {
            let key = entry.key.as_str().unwrap_or("");
            if !matches!(key, "secretGenerator" | "configMapGenerator") {
                self.value(&entry.value, key, &owner);
            }
        }
    }
}

fn keyed_message(owner: &str, key: &str, severity: Severity) -> String {
    if severity == Severity::Error {
        format!(
            "{owner}: `{key}` holds a literal credential; take it from a Secret (valuesFrom, secretKeyRef)"
        )
    } else {
        format!(
            "{owner}: `{key}` holds a short literal value, a password deployed as written if it is one; take it from a Secret (valuesFrom, secretKeyRef)"
        )
    }
}

/// The items of a list field (nothing when absent or not a list).
fn list<'n>(node: &'n Node, field: &str) -> &'n [Node] {
    node.get(field).and_then(Node::as_seq).unwrap_or_default()
}

/// A generator's `literals`: (item, key, value without quotes).
fn literals(generator: &Node) -> impl Iterator<Item = (&Node, &str, &str)> {
    list(generator, "literals").iter().filter_map(|literal| {
        let (key, value) = literal.as_str()?.split_once('=')?;
        Some((literal, key, value.trim_matches(['"', '\''])))
    })
}

/// A generator's input files (`files`, `envs`, the old `env`): (item, path).
fn generator_files(generator: &Node) -> impl Iterator<Item = (&Node, &str)> {
    ["files", "envs"]
        .iter()
        .flat_map(|field| list(generator, field))
        .chain(generator.get("env"))
        .filter_map(|item| {
            let text = item.as_str()?;
            Some((item, text.split_once('=').map_or(text, |(_, p)| p)))
        })
}

fn input_file(ctx: &RuleContext, dir: &str, file_path: &str) -> Option<FileId> {
    paths::join(dir, file_path)
        .ok()
        .and_then(|p| ctx.loaded.find(&p))
}

/// Every file a `secretGenerator` reads: reported at the generator, not again line by line.
fn secret_generator_inputs(ctx: &RuleContext) -> HashSet<FileId> {
    let mut inputs = HashSet::new();
    for (id, file) in ctx.store().iter() {
        if !KUSTOMIZATION_FILES.contains(&paths::file_name(&file.path)) {
            continue;
        }
        let dir = paths::parent(&file.path);
        for doc in &ctx.files()[id.0 as usize].documents {
            for generator in list(&doc.root, "secretGenerator") {
                inputs.extend(
                    generator_files(generator).filter_map(|(_, path)| input_file(ctx, dir, path)),
                );
            }
        }
    }
    inputs
}

/// The markers kustomize-controller looks for in encrypted generator inputs.
fn has_sops_marker(text: &str) -> bool {
    ["mac: ENC[", "\"mac\": \"ENC[", "sops_mac=ENC[", "[sops]"]
        .iter()
        .any(|m| text.contains(m))
}
