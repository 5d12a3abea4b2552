//! Credential-named assignments inside text: the lines of an env file, and
//! config files embedded in a value (INI and env `password=...`, YAML
//! `password: ...`, JSON `"password": "..."`, connection strings
//! `Password=...;`, command-line `--db-password=...`).

use std::sync::LazyLock;

use regex::Regex;

use super::judge;

/// One `key = value` in a text whose key is named like a credential.
#[derive(Debug, PartialEq)]
pub(crate) struct Assignment<'t> {
    pub key: &'t str,
    /// The value without its quotes: a slice of the text.
    pub value: &'t str,
}

// A constant pattern, compiled by the unit tests below: `expect` cannot fire.
/// A key after a line start or a separator, then `=` or `:` on the same line,
/// then a quoted or bare value.
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?m)(?:^|[\s;,{&?-])["']?(?P<key>[A-Za-z][A-Za-z0-9_.-]*)["']?[ \t]*[=:][ \t]*(?:"(?P<dq>[^"\n]*)"|'(?P<sq>[^'\n]*)'|(?P<bare>[^\s;,"'}&#]+))"#,
    )
    .expect("valid regex")
});

/// The credential-named assignments of `text`, in order. Comment lines
/// (`#`, `//`, `;`) are skipped, and so is a bare value that more words
/// follow (`pass: more bots, faster` is prose, not config).
pub(crate) fn assignments(text: &str) -> impl Iterator<Item = Assignment<'_>> {
    ASSIGNMENT.captures_iter(text).filter_map(|captures| {
        let key = captures.name("key")?;
        if !judge::is_credential_key(key.as_str()) {
            return None;
        }
        let line_start = text[..key.start()].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[key.start()..]
            .find('\n')
            .map_or(text.len(), |i| key.start() + i);
        let line = text[line_start..line_end].trim_start();
        if ["#", "//", ";"].iter().any(|c| line.starts_with(c)) {
            return None;
        }
        let whole = captures.get(0)?;
        let rest = text[whole.end()..line_end].trim_start();
        let ends_clause = rest.is_empty()
            || rest.starts_with([';', ',', '&', '}', ']', '#'])
            || rest.starts_with("//");
        if !ends_clause {
            return None;
        }
        let key = key.as_str();
        let value = ["dq", "sq", "bare"]
            .iter()
            .find_map(|group| captures.name(group))?;
        Some(Assignment {
            key,
            value: value.as_str(),
        })
    })
}

/// Whether `text` is worth scanning: it names a credential somewhere.
pub(crate) fn may_hold_assignments(text: &str) -> bool {
    (text.contains('=') || text.contains(':'))
        && [
            "pass", "pwd", "secret", "token", "key", "PASS", "PWD", "SECRET", "TOKEN", "KEY",
        ]
        .iter()
        .any(|w| text.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(&str, &str)> {
        assignments(text).map(|a| (a.key, a.value)).collect()
    }

    #[test]
    fn finds_assignments_in_every_embedded_syntax() {
        assert_eq!(
            pairs("[db]\nhost = db\npassword = Wq9rT3zL\n"),
            [("password", "Wq9rT3zL")]
        );
        assert_eq!(
            pairs("DB_PASSWORD=hunter22\nDB_HOST=x"),
            [("DB_PASSWORD", "hunter22")]
        );
        assert_eq!(
            pairs(r#"{"user": "app", "password": "Wq9rT3zL"}"#),
            [("password", "Wq9rT3zL")]
        );
        assert_eq!(
            pairs("db:\n  password: 'Wq9rT3zL' # set by hand\n"),
            [("password", "Wq9rT3zL")]
        );
        assert_eq!(
            pairs("Server=db;User Id=app;Password=Wq9rT3zL;"),
            [("Password", "Wq9rT3zL")]
        );
        assert_eq!(
            pairs("--db-password=Wq9rT3zL"),
            [("db-password", "Wq9rT3zL")]
        );
        assert_eq!(pairs("password:\n  nested: map"), []);
        assert_eq!(pairs("passwordLength = 12"), []);
        assert_eq!(pairs("# Aliveness pass: more bots, faster"), []);
        assert_eq!(pairs("  # password = Wq9rT3zL"), []);
        assert_eq!(pairs("Second pass: more bots"), []);
    }
}
