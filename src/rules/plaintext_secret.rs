//! `plaintext-secret`: credentials committed in clear text. A source rule: it
//! reads every manifest file (reached by a cluster or not) and every
//! `secretGenerator`, so each leak is reported once, at the value.
//!
//! Reported: `Secret` values (unless SOPS-encrypted), `secretGenerator`
//! literals and unencrypted `files`/`envs`, notification `Provider` addresses
//! carrying a token (a literal PagerDuty key in `spec.channel` is a warning),
//! and well-known credential shapes or credential-named keys anywhere else.
//! Not credentials: `${VAR}` substitutions, empty values, placeholders,
//! SOPS `ENC[...]` values and the `sops:` block, SealedSecret ciphertext.
//! Values are registered with the finding, so no output shows them.

use std::sync::LazyLock;

use regex::Regex;

use super::RuleContext;
use crate::base64;
use crate::diag::{Finding, Severity};
use crate::kustomize::{KUSTOMIZATION_FILES, paths};
use crate::yaml::{Node, Value};

pub const ID: &str = "plaintext-secret";

/// Findings with the key that holds the value (for the config's allow-list).
type Leaks = Vec<(String, Finding)>;

pub fn check(ctx: &RuleContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (id, file) in ctx.store().iter() {
        let documents = &ctx.files()[id.0 as usize].documents;
        let mut leaks = Leaks::new();
        if KUSTOMIZATION_FILES.contains(&paths::file_name(&file.path)) {
            for doc in documents {
                secret_generators(ctx, &file.path, &doc.root, &mut leaks);
            }
        } else {
            for doc in documents {
                document(&doc.root, &mut leaks);
            }
        }
        findings.extend(
            leaks
                .into_iter()
                .filter(|(key, _)| !ctx.config.secret_allowed(&file.path, key))
                .map(|(_, finding)| finding),
        );
    }
    findings
}

/// Kinds whose content is ciphertext or references, never values.
const ENCRYPTED_KINDS: [&str; 7] = [
    "SealedSecret",
    "ExternalSecret",
    "ClusterExternalSecret",
    "SecretStore",
    "ClusterSecretStore",
    "PushSecret",
    "SopsSecret",
];

fn document(root: &Node, findings: &mut Leaks) {
    let kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
    let api_version = root.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    if ENCRYPTED_KINDS.contains(&kind) {
        return;
    }
    let sops_encrypted = root.get_path(&["sops", "mac"]).is_some();
    if kind == "Secret" && api_version == "v1" {
        secret(root, sops_encrypted, findings);
        return;
    }
    if kind == "Provider" && api_version.starts_with("notification.toolkit.fluxcd.io/") {
        provider(root, findings);
    }
    let name = root
        .get_path(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("");
    let keyed = kind == "ConfigMap" || kind == "HelmRelease";
    for entry in root.as_map().unwrap_or_default() {
        // The sops block holds encrypted key material by design; Provider addresses were judged above.
        if entry.key.as_str() == Some("sops")
            || (kind == "Provider" && entry.key.as_str() == Some("spec"))
        {
            continue;
        }
        scan(
            &entry.value,
            entry.key.as_str().unwrap_or(""),
            keyed,
            &format!("{kind} {name}"),
            findings,
        );
    }
}

/// A `Secret`: every non-empty value of `data` (decoded) and `stringData`,
/// unless SOPS encrypted it (`ENC[...]` next to a `sops.mac`).
fn secret(root: &Node, sops_encrypted: bool, findings: &mut Leaks) {
    let name = root
        .get_path(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("");
    for field in ["data", "stringData"] {
        for entry in root.get(field).and_then(Node::as_map).unwrap_or_default() {
            let Some(raw) = entry.value.as_str() else {
                continue;
            };
            if sops_encrypted && raw.starts_with("ENC[") {
                continue;
            }
            let decoded = if field == "data" {
                base64::decode(raw).map(|b| String::from_utf8_lossy(&b).into_owned())
            } else {
                None
            };
            let value = decoded.as_deref().unwrap_or(raw);
            if is_placeholder(value) {
                continue;
            }
            let key = entry.key.as_str().unwrap_or("");
            let how = if field == "data" {
                "only base64-encoded"
            } else {
                "in clear text"
            };
            let mut finding = Finding::new(ID, Severity::Error, entry.value.span, format!("Secret {name} holds `{key}` {how}; encrypt it with SOPS or use a SealedSecret or ExternalSecret"))
                .with_secret(raw);
            if let Some(decoded) = &decoded {
                finding = finding.with_secret(decoded.trim());
            }
            findings.push((key.to_string(), finding));
        }
    }
}

/// A notification Provider: a token in `spec.address`; a literal PagerDuty routing key in `spec.channel`.
fn provider(root: &Node, findings: &mut Leaks) {
    let name = root
        .get_path(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("");
    if let Some(address) = root.get_path(&["spec", "address"])
        && let Some(text) = address.as_str()
        && let Some(what) = url_credential(text)
    {
        findings.push((
            "address".into(),
            Finding::new(ID, Severity::Error, address.span, format!("Provider {name} has {what} in spec.address; keep the address in a Secret named by spec.secretRef"))
                .with_secret(text),
        ));
    }
    let is_pagerduty = root.get_path(&["spec", "type"]).and_then(Node::as_str) == Some("pagerduty");
    if let Some(channel) = root.get_path(&["spec", "channel"]).filter(|_| is_pagerduty)
        && let Some(key) = channel.as_str().filter(|k| !is_placeholder(k))
    {
        findings.push((
            "channel".into(),
            Finding::new(ID, Severity::Warning, channel.span, format!("PagerDuty Provider {name} has its routing key in clear in spec.channel; substitute it (`${{...}}`) from a Secret"))
                .with_secret(key),
        ));
    }
}

/// Every scalar under `node`: credential shapes anywhere; credential-named keys
/// with literal values in ConfigMaps and HelmReleases (`keyed`).
fn scan(node: &Node, key: &str, keyed: bool, owner: &str, findings: &mut Leaks) {
    match &node.value {
        Value::Scalar(text, _) => {
            if let Some(shape) = credential_shape(text) {
                findings.push((
                    key.to_string(),
                    Finding::new(
                        ID,
                        Severity::Error,
                        node.span,
                        format!("{owner}: `{key}` holds {shape} in clear text"),
                    )
                    .with_secret(text),
                ));
            } else if keyed
                && is_credential_key(key)
                && !is_placeholder(text)
                && looks_like_a_value(text)
            {
                findings.push((
                    key.to_string(),
                    Finding::new(ID, Severity::Error, node.span, format!("{owner}: `{key}` holds a literal credential; take it from a Secret (valuesFrom, secretKeyRef)"))
                        .with_secret(text),
                ));
            }
        }
        Value::Seq(items) => items
            .iter()
            .for_each(|i| scan(i, key, keyed, owner, findings)),
        Value::Map(entries) => {
            for entry in entries {
                scan(
                    &entry.value,
                    entry.key.as_str().unwrap_or(""),
                    keyed,
                    owner,
                    findings,
                );
            }
        }
    }
}

/// `secretGenerator` entries of a kustomization file: literals, and files or
/// env files without a SOPS marker.
fn secret_generators(ctx: &RuleContext, path: &str, root: &Node, findings: &mut Leaks) {
    let dir = paths::parent(path);
    for entry in root
        .get("secretGenerator")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        let name = entry.get("name").and_then(Node::as_str).unwrap_or("");
        for literal in entry
            .get("literals")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let Some((key, value)) = literal.as_str().and_then(|l| l.split_once('=')) else {
                continue;
            };
            if is_placeholder(value.trim_matches(['"', '\''])) {
                continue;
            }
            findings.push((
                key.to_string(),
                Finding::new(ID, Severity::Error, literal.span, format!("secretGenerator {name}: literal `{key}` is committed in clear text; use an encrypted env file"))
                    .with_secret(value),
            ));
        }
        let file_items = ["files", "envs"]
            .iter()
            .flat_map(|f| entry.get(f).and_then(Node::as_seq).unwrap_or_default())
            .chain(entry.get("env"));
        for item in file_items {
            let Some(text) = item.as_str() else { continue };
            let file_path = text.split_once('=').map_or(text, |(_, p)| p);
            let Some(id) = paths::join(dir, file_path)
                .ok()
                .and_then(|p| ctx.loaded.find(&p))
            else {
                continue;
            };
            if !has_sops_marker(&ctx.store().get(id).text) {
                findings.push((
                    file_path.to_string(),
                    Finding::new(
                        ID,
                        Severity::Error,
                        item.span,
                        format!("secretGenerator {name}: `{file_path}` is not SOPS-encrypted, so its content is committed in clear text"),
                    ),
                ));
            }
        }
    }
}

/// The markers kustomize-controller looks for in encrypted generator inputs.
fn has_sops_marker(text: &str) -> bool {
    ["mac: ENC[", "\"mac\": \"ENC[", "sops_mac=ENC[", "[sops]"]
        .iter()
        .any(|m| text.contains(m))
}

static SHAPES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (
            r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----",
            "a private key",
        ),
        (
            r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{60,}",
            "a GitHub token",
        ),
        (r"\bglpat-[A-Za-z0-9_-]{20}\b", "a GitLab token"),
        (r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", "an AWS access key"),
        (r"\bAIza[0-9A-Za-z_-]{35}\b", "a Google API key"),
        (r"\bxox[abprs]-[0-9A-Za-z-]{10,}", "a Slack token"),
        (r"AGE-SECRET-KEY-1[0-9A-Z]{58}", "an age private key"),
    ]
    .into_iter()
    .filter_map(|(pattern, what)| Regex::new(pattern).ok().map(|r| (r, what)))
    .collect()
});

fn credential_shape(text: &str) -> Option<&'static str> {
    if text.contains("${") && text.len() < 200 {
        return None;
    }
    SHAPES
        .iter()
        .find(|(regex, _)| regex.is_match(text))
        .map(|(_, what)| *what)
        .or_else(|| url_credential(text).filter(|_| text.contains("://")))
}

static URL_CREDENTIALS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (
            r"^[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@$]+@",
            "a user:password URL",
        ),
        (
            r"hooks\.slack\.com/services/[A-Za-z0-9]+/[A-Za-z0-9]+/[A-Za-z0-9]+",
            "a Slack webhook token",
        ),
        (
            r"/api/webhooks/[0-9]+/[A-Za-z0-9_-]{20,}",
            "a Discord webhook token",
        ),
        (
            r"/hooks/[A-Za-z0-9]{8,}/[A-Za-z0-9]{16,}",
            "a Rocket.Chat webhook token",
        ),
        (
            r"[?&](?:token|key|sig|access_token|api_key|apikey)=[^&\s$]{8,}",
            "a token in the query string",
        ),
    ]
    .into_iter()
    .filter_map(|(pattern, what)| Regex::new(pattern).ok().map(|r| (r, what)))
    .collect()
});

/// What credential a URL carries, if any.
fn url_credential(text: &str) -> Option<&'static str> {
    URL_CREDENTIALS
        .iter()
        .find(|(regex, _)| regex.is_match(text))
        .map(|(_, what)| *what)
}

/// Keys whose literal value is a credential (compared lowercase, without `_` and `-`).
fn is_credential_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    if k.starts_with("existing") {
        return false;
    }
    [
        "password",
        "passwd",
        "token",
        "clientsecret",
        "secretkey",
        "apikey",
        "accesskey",
        "privatekey",
        "routingkey",
        "integrationkey",
    ]
    .iter()
    .any(|suffix| k.ends_with(suffix))
        || k == "secret"
}

/// Not a credential: empty, a substitution, a placeholder.
fn is_placeholder(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    v.is_empty()
        || v.contains("${")
        || (v.starts_with('<') && v.ends_with('>'))
        || v.chars()
            .all(|c| c == 'x' || c == '*' || c == '.' || c == '-')
        || [
            "changeme",
            "change-me",
            "change_me",
            "replaceme",
            "replace-me",
            "placeholder",
            "example",
            "dummy",
            "redacted",
            "todo",
            "your-",
            "your_",
            "secret",
            "password",
        ]
        .iter()
        .any(|p| {
            v == *p || (p.ends_with(['-', '_']) && v.starts_with(p)) || v.starts_with("changeme")
        })
}

/// Booleans, numbers and short words are settings, not credentials.
fn looks_like_a_value(text: &str) -> bool {
    let t = text.trim();
    t.len() >= 6 && !matches!(t, "true" | "false") && t.parse::<f64>().is_err() && !t.contains(' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_placeholders() {
        assert_eq!(
            credential_shape("ghp_0123456789abcdefghijABCDEFGHIJ012345"),
            Some("a GitHub token")
        );
        assert_eq!(
            credential_shape("AKIAIOSFODNN7EXAMPLE"),
            Some("an AWS access key")
        );
        assert_eq!(
            credential_shape("https://user:hunter22@git.example.com/repo"),
            Some("a user:password URL")
        );
        assert_eq!(credential_shape("https://git.example.com/repo"), None);
        assert_eq!(
            url_credential(
                "https://chat.example.com/hooks/6Jm3kQ9ZyXWbT2vR/hN8pL4sD7fG1aK5eC3uV9xB2nM6qW0tY"
            ),
            Some("a Rocket.Chat webhook token")
        );
        for placeholder in [
            "",
            "${DB_PASSWORD}",
            "changeme",
            "<your-token>",
            "xxx",
            "****",
        ] {
            assert!(is_placeholder(placeholder), "{placeholder}");
        }
        assert!(!is_placeholder("s3cr3t-Pa55"));
        assert!(
            is_credential_key("adminPassword")
                && is_credential_key("routing_key")
                && !is_credential_key("existingSecret")
                && !is_credential_key("passwordSecretName")
        );
    }
}
