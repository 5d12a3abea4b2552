//! What a value looks like: a credential, or one of the things that are not
//! (a reference, a substitution, a placeholder, public material).
//!
//! The placement (which key, which kind, which file) is decided by the rule
//! module above; this one only answers questions about a value's text, and
//! it always judges the part that would be the secret (a URL's password, a
//! token's match), never the text around it, so `db.example.com` in a
//! connection string does not make its password a placeholder.

use std::sync::LazyLock;

use regex::{Regex, RegexSet};

use crate::diag::Severity;

/// Not a credential, whatever the key: a reference, a placeholder or public material.
pub(crate) fn is_benign(value: &str) -> bool {
    is_reference(value) || is_placeholder(value) || is_public_material(value)
}

/// A value resolved elsewhere: substitutions (`${VAR}`, `$(VAR)`, `$VAR`),
/// templates (`{{ }}`, the Flux Operator's `<< >>`), SOPS ciphertext, and the
/// secret managers' references (`op://`, `vault:`, `ref+...`, argocd-vault-plugin's `<path:...>`).
pub(crate) fn is_reference(value: &str) -> bool {
    let t = value.trim();
    const PREFIXES: [&str; 9] = [
        "$", "op://", "vault:", "ref+", "ENC[", "akv://", "awssm://", "gcpsm://", "sops://",
    ];
    PREFIXES.iter().any(|p| t.starts_with(p))
        || ["${", "$(", "%(", "{{", "<<", "<path:"]
            .iter()
            .any(|m| t.contains(m))
}

/// Words that stand for a value someone has yet to fill in, compared
/// lowercase with `_`, `-` and spaces removed.
const PLACEHOLDER_WORDS: [&str; 17] = [
    "changeme",
    "changeit",
    "replaceme",
    "placeholder",
    "redacted",
    "todo",
    "fixme",
    "tbd",
    "dummy",
    "none",
    "null",
    "nil",
    "undefined",
    "notset",
    "secret",
    "password",
    "token",
];

/// Fragments that mark a value as a stand-in wherever they appear.
const PLACEHOLDER_FRAGMENTS: [&str; 10] = [
    "changeme",
    "replaceme",
    "replacewith",
    "placeholder",
    "redacted",
    "example",
    "yourpassword",
    "yourtoken",
    "yoursecret",
    "xxx",
];

/// An obvious stand-in: empty; only punctuation (`****`, `?*`); one character
/// repeated (`XXXX`, `0000-0000`); an elision (`[...]`, `...`, `…`); an
/// angle-bracket slot (`<your-token>`, `https://x/<token>`); `your-...`; or a
/// placeholder word (`changeme`, `REPLACE_ME`, `TODO`, `example`).
pub(crate) fn is_placeholder(value: &str) -> bool {
    let t = value.trim();
    let mut alnum = t.chars().filter(char::is_ascii_alphanumeric);
    let Some(first) = alnum.next() else {
        return true;
    };
    if alnum.all(|c| c.eq_ignore_ascii_case(&first)) {
        return true;
    }
    if t.contains("[...]") || t.contains("...") || t.contains('…') {
        return true;
    }
    if !t.contains('\n') && ANGLE_SLOT.is_match(t) {
        return true;
    }
    let squashed: String = t
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect();
    let lower = t.to_ascii_lowercase();
    PLACEHOLDER_WORDS.contains(&squashed.as_str())
        || PLACEHOLDER_FRAGMENTS.iter().any(|f| squashed.contains(f))
        || lower.starts_with("your-")
        || lower.starts_with("your_")
}

// Constant patterns, compiled by the unit tests below: `expect` cannot fire.
static ANGLE_SLOT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<[A-Za-z][A-Za-z0-9 _.-]*>").expect("valid regex"));

/// One line of an SSH public key or of `known_hosts` (host, optional marker, key type, base64).
static SSH_PUBLIC_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:@\S+\s+)?(?:\S+\s+)?(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)\s+AAAA[0-9A-Za-z+/]+=*(?:\s.*)?$",
    )
    .expect("valid regex")
});

static AGE_RECIPIENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^age1[0-9a-z]{58}$").expect("valid regex"));

/// Material meant to be public: PEM blocks that hold no private key
/// (certificates, public keys, CRLs, signatures), SSH public keys and
/// `known_hosts` entries (every line of the value), age recipients.
pub(crate) fn is_public_material(value: &str) -> bool {
    let t = value.trim();
    if t.contains("-----BEGIN ") {
        return !t.contains("PRIVATE KEY");
    }
    let mut lines = t
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .peekable();
    if lines.peek().is_none() {
        return false;
    }
    lines.all(|l| SSH_PUBLIC_LINE.is_match(l) || AGE_RECIPIENT.is_match(l))
}

/// Patterns, each with what it finds, and one set of them all: a value is
/// scanned once for all of them, then searched with those that match only.
pub(super) struct Table {
    patterns: Vec<(Regex, &'static str)>,
    /// `None` if the set would not compile (too large): every pattern is tried.
    any: Option<RegexSet>,
}

impl Table {
    /// Compiles a table of (pattern, what it finds); the unit tests check that
    /// every pattern compiles, so none is dropped here unnoticed.
    fn compile(table: &[(&str, &'static str)]) -> Table {
        let patterns: Vec<(Regex, &'static str)> = table
            .iter()
            .filter_map(|(pattern, what)| Regex::new(pattern).ok().map(|r| (r, *what)))
            .collect();
        let any = RegexSet::new(patterns.iter().map(|(regex, _)| regex.as_str())).ok();
        Table { patterns, any }
    }

    /// The patterns that match somewhere in `text`, in table order.
    fn matching<'t>(&'t self, text: &str) -> Vec<&'t (Regex, &'static str)> {
        match &self.any {
            // Most values match none: `is_match` does not collect which.
            Some(set) if !set.is_match(text) => Vec::new(),
            Some(set) => set
                .matches(text)
                .iter()
                .map(|i| &self.patterns[i])
                .collect(),
            None => self.patterns.iter().collect(),
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.patterns.len()
    }
}

/// Well-known credential formats, found anywhere in a value.
static SHAPES: LazyLock<Table> = LazyLock::new(|| {
    Table::compile(&[
        (
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
            "a private key",
        ),
        (
            r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{60,}",
            "a GitHub token",
        ),
        (r"\bglpat-[A-Za-z0-9_-]{20,}", "a GitLab token"),
        (r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", "an AWS access key"),
        (r"\bAIza[0-9A-Za-z_-]{35}\b", "a Google API key"),
        (r"\bxox[abposr]-[0-9A-Za-z-]{10,}", "a Slack token"),
        (r"\b[sr]k_live_[0-9A-Za-z]{20,}", "a Stripe key"),
        (r"\bnpm_[A-Za-z0-9]{36}\b", "an npm token"),
        (r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}", "a PyPI token"),
        (r"\bhv[sbr]\.[A-Za-z0-9_-]{24,}", "a Vault token"),
        (r"\bdo[por]_v1_[a-f0-9]{64}\b", "a DigitalOcean token"),
        (
            r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b",
            "a SendGrid key",
        ),
        (
            r"\btskey-(?:auth|api|client)-[A-Za-z0-9]+-[A-Za-z0-9]+",
            "a Tailscale key",
        ),
        (
            r"\b[0-9]{8,10}:AA[0-9A-Za-z_-]{33}\b",
            "a Telegram bot token",
        ),
        (r"AGE-SECRET-KEY-1[0-9A-Z]{58}", "an age private key"),
        (
            r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
            "a JSON Web Token",
        ),
    ])
});

/// A known credential format in `text`: what it is and the matched text. A
/// match that is itself a stand-in (`ghp_XXXX...`), or a private key block
/// whose body is elided, is not one.
pub(super) fn shape(text: &str) -> Option<(&'static str, &str)> {
    SHAPES.matching(text).into_iter().find_map(|(regex, what)| {
        let found = regex.find(text)?;
        let matched = found.as_str();
        if *what == "a private key" {
            let body = &text[found.end()..];
            let body = body.split("-----END").next().unwrap_or(body);
            let body: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            return (body.len() >= 64 && !is_placeholder(&body) && !is_reference(&body))
                .then_some((*what, matched));
        }
        (!is_placeholder(matched)).then_some((*what, matched))
    })
}

/// Credentials a URL can carry: (pattern, what, the capture group holding the secret).
static URL_CREDENTIALS: LazyLock<Table> = LazyLock::new(|| {
    Table::compile(&[
        (
            r"[a-z][a-z0-9+.-]*://[^/\s:@]+:(?P<secret>[^/\s@]+)@",
            "a user:password URL",
        ),
        (
            r"hooks\.slack\.com/services/(?P<secret>[A-Za-z0-9]+/[A-Za-z0-9]+/[A-Za-z0-9]+)",
            "a Slack webhook token",
        ),
        (
            r"/api/webhooks/(?P<secret>[0-9]+/[A-Za-z0-9_-]{20,})",
            "a Discord webhook token",
        ),
        (
            r"/hooks/(?P<secret>[A-Za-z0-9]{8,}/[A-Za-z0-9]{16,})",
            "a Rocket.Chat webhook token",
        ),
        (
            r"[?&](?:token|key|sig|access_token|api_key|apikey|password)=(?P<secret>[^&\s]{8,})",
            "a token in the query string",
        ),
    ])
});

/// The credential a URL in `text` carries, if any: what it is and the secret
/// part (a password, a webhook path, a query token), unless that part is a
/// substitution or a stand-in.
pub(crate) fn url_credential(text: &str) -> Option<(&'static str, &str)> {
    URL_CREDENTIALS
        .matching(text)
        .into_iter()
        .find_map(|(regex, what)| {
            let secret = regex.captures(text)?.name("secret")?.as_str();
            (!is_reference(secret) && !is_placeholder(secret)).then_some((*what, secret))
        })
}

/// Key names whose literal value is a credential, compared on the last
/// segment of a dotted or slashed key, lowercase, without `_` and `-`.
const CREDENTIAL_KEY_SUFFIXES: [&str; 24] = [
    "password",
    "passwd",
    "pass",
    "passphrase",
    "pwd",
    "token",
    "clientsecret",
    "cookiesecret",
    "jwtsecret",
    "sessionsecret",
    "webhooksecret",
    "hmacsecret",
    "sharedsecret",
    "appsecret",
    "apisecret",
    "secretkey",
    "apikey",
    "accesskey",
    "privatekey",
    "routingkey",
    "integrationkey",
    "authkey",
    "encryptionkey",
    "signingkey",
];

/// A key named like a credential (`adminPassword`, `DB_PASSWORD`, `api-key`,
/// `auth.token`, `secret`), and not like a reference to one
/// (`existingSecret`, `passwordSecretName`, `tokenFile`: those end otherwise).
pub(crate) fn is_credential_key(key: &str) -> bool {
    let k = normalise_key(key);
    !k.starts_with("existing")
        && !k.ends_with("bypass")
        && (k == "secret" || CREDENTIAL_KEY_SUFFIXES.iter().any(|s| k.ends_with(s)))
}

fn normalise_key(key: &str) -> String {
    let last = key.rsplit(['.', '/']).next().unwrap_or(key);
    last.chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A lowercase name made of words and dashes: how Secret names and the keys
/// inside Secrets are written (`grafana-admin`, `admin-password`).
// A constant pattern, compiled by the unit tests below: `expect` cannot fire.
static OBJECT_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$").expect("valid regex"));

/// An environment variable's name (`SONARR_API_KEY`): what a `!env_var`
/// tag or a templating tool fills in, not a value.
// A constant pattern, compiled by the unit tests below: `expect` cannot fire.
static VARIABLE_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$").expect("valid regex"));

/// Keys whose values people choose (and so may be weak), as opposed to
/// tokens, keys and secrets, which are generated.
const CHOSEN_KEY_SUFFIXES: [&str; 5] = ["password", "passwd", "pass", "passphrase", "pwd"];

/// How sure the rule is that the literal `value` under the credential-named
/// `key` is a credential. `None` when it is not one: benign, a boolean, a
/// number, a sentence, a path, an endpoint, a variable's name, or, under a
/// token, key or secret key, anything that does not look generated (a word
/// there names a Secret or a key inside one: `fromConnectionSecretKey:
/// kubeconfig`). An error when it looks generated (8 or more characters of
/// two or more kinds: lower, upper, digits, symbols); under a password key,
/// a warning for a short or simple word, which is still a password deployed
/// as written (`adminPassword: flux`).
pub(crate) fn keyed(key: &str, value: &str) -> Option<Severity> {
    let t = value.trim();
    if is_benign(t)
        || matches!(
            t.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "enabled" | "disabled"
        )
        || t.parse::<f64>().is_ok()
        || t.contains(char::is_whitespace)
        || ["/", "./", "../", "~/", "file:"]
            .iter()
            .any(|p| t.starts_with(p))
        || t.contains("://")
        || VARIABLE_NAME.is_match(t)
    {
        return None;
    }
    let k = normalise_key(key);
    let chosen = CHOSEN_KEY_SUFFIXES.iter().any(|s| k.ends_with(s));
    // Lowercase words and dashes name a Secret or a key in one: with a
    // credential word in them under any key (`admin-password`, `db_password`),
    // and any such name under a generated-credential key (`grafana-admin`).
    if OBJECT_NAME.is_match(t) {
        let names_a_key = [
            "password",
            "passwd",
            "token",
            "secret",
            "key",
            "credential",
            "auth",
        ]
        .iter()
        .any(|w| t.contains(w));
        if names_a_key || (!chosen && !t.contains(|c: char| c.is_ascii_digit())) {
            return None;
        }
    }
    match (looks_generated(t), chosen) {
        (true, _) => Some(Severity::Error),
        (false, true) => Some(Severity::Warning),
        (false, false) => None,
    }
}

/// 8 or more characters of at least two kinds, or 20 or more of any.
fn looks_generated(value: &str) -> bool {
    let kinds = [
        value.chars().any(|c| c.is_ascii_lowercase()),
        value.chars().any(|c| c.is_ascii_uppercase()),
        value.chars().any(|c| c.is_ascii_digit()),
        value.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    let len = value.chars().count();
    (len >= 8 && kinds >= 2) || len >= 20
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        assert_eq!(SHAPES.len(), 16);
        assert_eq!(URL_CREDENTIALS.len(), 5);
        for regex in [
            &ANGLE_SLOT,
            &SSH_PUBLIC_LINE,
            &AGE_RECIPIENT,
            &OBJECT_NAME,
            &VARIABLE_NAME,
        ] {
            assert!(!regex.as_str().is_empty());
        }
    }

    #[test]
    fn shapes_are_found_and_stand_ins_are_not() {
        assert_eq!(
            shape("token ghp_0123456789abcdefghijABCDEFGHIJ012345").map(|s| s.0),
            Some("a GitHub token")
        );
        assert_eq!(
            shape("AKIAZ7Q2M4K8P1X9C3VB").map(|s| s.0),
            Some("an AWS access key")
        );
        assert_eq!(
            shape("AKIAIOSFODNN7EXAMPLE"),
            None,
            "AWS's documented example"
        );
        assert_eq!(shape("ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"), None);
        assert_eq!(
            shape("-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----"),
            None
        );
    }

    #[test]
    fn url_credentials_judge_the_secret_part_only() {
        assert_eq!(
            url_credential("postgres://app:Wq9-rT3zL@db.example.com/app").map(|c| c.1),
            Some("Wq9-rT3zL")
        );
        assert_eq!(url_credential("postgres://app:${DB_PASSWORD}@db/app"), None);
        assert_eq!(
            url_credential("https://user:<password>@git.example.com"),
            None
        );
        assert_eq!(url_credential("https://git.example.com/repo"), None);
        assert_eq!(url_credential("ssh://git@github.com/org/repo"), None);
    }

    #[test]
    fn placeholders_references_and_public_material() {
        for placeholder in [
            "",
            "XXXX",
            "xxxx-xxxx",
            "****",
            "?*",
            "00000000",
            "<your-token>",
            "REPLACE_ME",
            "changeme",
            "cGFzc3dvcmR [...]==",
            "your-api-key",
            "TODO",
        ] {
            assert!(is_placeholder(placeholder), "{placeholder:?}");
        }
        for reference in [
            "${DB_PASSWORD}",
            "$(TOKEN)",
            "op://vault/item/field",
            "vault:secret/data/app#password",
            "ref+vault://secret/app#/password",
            "{{ .Values.password }}",
            "<< inputs.token >>",
            "ENC[AES256_GCM,data:abc=,type:str]",
        ] {
            assert!(is_reference(reference), "{reference:?}");
        }
        assert!(is_public_material(
            "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
        ));
        assert!(is_public_material(
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
        ));
        assert!(!is_public_material(
            "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n-----BEGIN RSA PRIVATE KEY-----"
        ));
        assert!(!is_placeholder("s3cr3t-Pa55"));
        assert!(!is_reference("s3cr3t-Pa55"));
    }

    #[test]
    fn credential_keys_and_how_sure_a_keyed_value_is() {
        for key in [
            "adminPassword",
            "DB_PASSWORD",
            "auth.token",
            "api-key",
            "secret",
            "routing_key",
            "cookieSecret",
            "SMTP_PASS",
        ] {
            assert!(is_credential_key(key), "{key}");
        }
        for key in [
            "existingSecret",
            "passwordSecretName",
            "tokenFile",
            "secretRef",
            "passwordLength",
            "imagePullSecrets",
            "proxyBypass",
        ] {
            assert!(!is_credential_key(key), "{key}");
        }
        assert_eq!(keyed("adminPassword", "flux"), Some(Severity::Warning));
        assert_eq!(
            keyed("adminPassword", "Gr4fana-Adm1n"),
            Some(Severity::Error)
        );
        assert_eq!(keyed("password", "true"), None);
        assert_eq!(keyed("token", "/var/run/secrets/token"), None);
        assert_eq!(keyed("secretKey", "admin-password"), None);
        assert_eq!(keyed("secret", "grafana-admin"), None);
        assert_eq!(keyed("password", "see the vault"), None);
        assert_eq!(keyed("fromConnectionSecretKey", "kubeconfig"), None);
        assert_eq!(keyed("api_key", "SONARR_API_KEY"), None);
        assert_eq!(keyed("password", "db_password"), None);
        assert_eq!(
            keyed("clientSecret", "<path:secret/data/oidc#secret>"),
            None
        );
        assert_eq!(keyed("token", "kubernetes"), None);
        assert_eq!(
            keyed("token", "9f8e7d6c5b4a39281706"),
            Some(Severity::Error)
        );
    }
}
