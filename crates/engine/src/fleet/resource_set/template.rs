//! The part of the Flux Operator's ResourceSet templates that is static:
//! `<< inputs.a.b >>` actions (`<<-`/`->>` trim the space beside them),
//! string literals, and pipelines of the functions whose result depends on
//! their arguments only (`quote`, `squote`, `slugify`, `lower`, `upper`,
//! `trim`, `toString`, `default`, `replace`). Anything else (control
//! structures, other functions, a key no input has without `default`) is an
//! [`Unsupported`] error naming what was met, for a `resourceset-not-evaluated`
//! finding; it is never guessed.

use crate::yaml::{Node, ScalarStyle};

/// Why a template could not be rendered.
#[derive(Debug, PartialEq)]
pub(crate) struct Unsupported(pub(crate) String);

/// A rendered scalar: its text, and whether a `quote` made the whole scalar a
/// string (`semver: << inputs.v | quote >>`).
pub(crate) struct Rendered {
    pub(crate) text: String,
    pub(crate) style: Option<ScalarStyle>,
}

/// The longest rendered text accepted: templates copy input values, and a
/// hostile input repeated by `replace` must not fill memory.
const MAX_RENDERED: usize = 1 << 20;

/// Renders every action of `text` with `input` (`None`: no input, as for a
/// ResourceSet without inputs).
pub(crate) fn render(text: &str, input: Option<&Node>) -> Result<Rendered, Unsupported> {
    let mut out = String::new();
    let mut rest = text;
    let mut last_quoted = false;
    while let Some(open) = rest.find("<<") {
        let (before, after_open) = rest.split_at(open);
        let mut action = &after_open[2..];
        let trim_left = action.starts_with('-');
        if trim_left {
            action = &action[1..];
        }
        let Some(close) = action.find(">>") else {
            return Err(Unsupported("an action `<<` without its `>>`".into()));
        };
        let (mut body, after) = (&action[..close], &action[close + 2..]);
        let trim_right = body.ends_with('-');
        if trim_right {
            body = &body[..body.len() - 1];
        }
        out.push_str(if trim_left { before.trim_end() } else { before });
        let (value, quoted) = evaluate(body.trim(), input)?;
        last_quoted = quoted;
        out.push_str(&value);
        if out.len() > MAX_RENDERED {
            return Err(Unsupported("a value longer than 1 MiB".into()));
        }
        rest = if trim_right {
            after.trim_start()
        } else {
            after
        };
    }
    out.push_str(rest);
    // One quoted action is the whole scalar: in the YAML the operator parses,
    // it reads as a string.
    let trimmed = text.trim();
    let one_action =
        trimmed.starts_with("<<") && trimmed.ends_with(">>") && trimmed.matches("<<").count() == 1;
    let quoted = out.trim();
    if one_action
        && last_quoted
        && quoted.len() >= 2
        && quoted.starts_with('"')
        && quoted.ends_with('"')
    {
        let inner = quoted[1..quoted.len() - 1]
            .replace("\\\"", "\"")
            .replace("\\\\", "\\");
        return Ok(Rendered {
            text: inner,
            style: Some(ScalarStyle::Quoted),
        });
    }
    Ok(Rendered {
        text: out,
        style: None,
    })
}

/// One action's pipeline: its value, and whether its last function quoted it.
fn evaluate(body: &str, input: Option<&Node>) -> Result<(String, bool), Unsupported> {
    let commands = split_pipeline(body);
    let first = commands.first().map_or("", |c| c.trim());
    if first.is_empty() || first.starts_with("/*") || is_keyword(first) {
        return Err(Unsupported(format!(
            "the template action `<< {body} >>` (control structures are not evaluated)"
        )));
    }
    let mut value = command(first, None, input)?;
    let mut quoted = false;
    for cmd in &commands[1..] {
        let cmd = cmd.trim();
        value = command(cmd, Some(value), input)?;
        quoted = matches!(cmd, "quote" | "squote");
    }
    value
        .ok_or_else(|| Unsupported(format!("`<< {body} >>`, which names no input value")))
        .map(|v| (v, quoted))
}

/// True for a command that starts a control structure (or uses a variable).
pub(crate) fn is_keyword(command: &str) -> bool {
    let word = command.split_whitespace().next().unwrap_or("");
    matches!(
        word,
        "if" | "else"
            | "end"
            | "range"
            | "with"
            | "define"
            | "template"
            | "block"
            | "break"
            | "continue"
    ) || word.starts_with('$')
}

/// Splits on `|` outside string literals.
fn split_pipeline(body: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut in_string) = (0, None);
    for (i, c) in body.char_indices() {
        match (c, in_string) {
            ('"' | '`', None) => in_string = Some(c),
            (c, Some(q)) if c == q => in_string = None,
            ('|', None) => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    parts
}

/// One command of a pipeline: an operand, or a function applied to its
/// arguments and then to `piped` (the previous command's value). `None`
/// stands for an input value that is not there.
fn command(
    cmd: &str,
    piped: Option<Option<String>>,
    input: Option<&Node>,
) -> Result<Option<String>, Unsupported> {
    let words = words(cmd)?;
    let Some((name, args)) = words.split_first() else {
        return Err(Unsupported("an empty template command".into()));
    };
    if piped.is_none() && args.is_empty() {
        return operand(name, input);
    }
    let mut values = args
        .iter()
        .map(|a| operand(a, input))
        .collect::<Result<Vec<_>, _>>()?;
    values.extend(piped);
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let last = values.last().cloned().flatten();
    let result = match (name.as_str(), values.as_slice()) {
        ("quote", [_]) => format!("\"{}\"", escape(&last.unwrap_or_default())),
        ("squote", [_]) => format!("'{}'", last.unwrap_or_default()),
        ("slugify", [_]) => slugify(&last.unwrap_or_default()),
        ("lower", [_]) => last.unwrap_or_default().to_lowercase(),
        ("upper", [_]) => last.unwrap_or_default().to_uppercase(),
        ("trim", [_]) => last.unwrap_or_default().trim().to_string(),
        ("toString", [_]) => last.unwrap_or_default(),
        ("default", [fallback, given]) => match given.as_deref() {
            None | Some("") => text(fallback),
            Some(v) => v.to_string(),
        },
        ("replace", [from, to, s]) => {
            let (from, s) = (text(from), text(s));
            if from.is_empty() {
                s
            } else {
                s.replace(&from, &text(to))
            }
        }
        _ => {
            return Err(Unsupported(format!(
                "the template function `{name}` (fleet-lint evaluates quote, squote, slugify, lower, upper, trim, toString, default and replace)"
            )));
        }
    };
    Ok(Some(result))
}

/// The words of a command: names and string literals (unquoted).
fn words(cmd: &str) -> Result<Vec<String>, Unsupported> {
    let mut words = Vec::new();
    let mut chars = cmd.trim().chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '"' || c == '`' {
            chars.next();
            let mut word = String::from('"');
            loop {
                match chars.next() {
                    Some(q) if q == c => break,
                    Some('\\') if c == '"' => word.extend(chars.next()),
                    Some(other) => word.push(other),
                    None => return Err(Unsupported(format!("an unclosed string in `{cmd}`"))),
                }
            }
            words.push(word);
            continue;
        }
        let mut word = String::new();
        while let Some(&c) = chars.peek().filter(|c| !c.is_whitespace()) {
            word.push(c);
            chars.next();
        }
        words.push(word);
    }
    Ok(words)
}

/// A string literal (kept with a leading `"` by [`words`]) or `inputs.a.b`.
fn operand(word: &str, input: Option<&Node>) -> Result<Option<String>, Unsupported> {
    if let Some(literal) = word.strip_prefix('"') {
        return Ok(Some(literal.to_string()));
    }
    let Some(path) = word
        .strip_prefix("inputs")
        .filter(|rest| rest.is_empty() || rest.starts_with('.'))
    else {
        return Err(Unsupported(format!(
            "`{word}` (fleet-lint evaluates `inputs.<key>` and string literals)"
        )));
    };
    let mut node = input;
    for key in path.split('.').filter(|k| !k.is_empty()) {
        node = node.and_then(|n| n.get(key));
    }
    match node {
        None => Ok(None),
        Some(n) if n.is_null() => Ok(None),
        Some(n) => n
            .as_str()
            .map(|s| Some(s.to_string()))
            .ok_or_else(|| Unsupported(format!("`{word}`, a list or mapping"))),
    }
}

/// Go's `%q` for the characters manifests hold.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A slug as the operator makes one: lower case, runs of anything but
/// letters and digits turned into one `-`, none at either end.
pub(crate) fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.to_lowercase().chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, SourceFile};
    use crate::yaml::{LoadLimits, load_yaml};

    fn input(yaml: &str) -> Node {
        let file = SourceFile::new("i.yaml", yaml);
        let loaded = load_yaml(FileId(0), &file, LoadLimits::default());
        Node::clone(&loaded.documents[0].root)
    }

    fn rendered(text: &str, with: &str) -> String {
        render(text, Some(&input(with))).map_or_else(|e| format!("error: {}", e.0), |r| r.text)
    }

    #[test]
    fn actions_read_inputs_and_static_functions() {
        let with = "tenant: Team One\napp:\n  version: 6.7.x\n";
        assert_eq!(
            rendered("ns-<< inputs.tenant | slugify >>", with),
            "ns-team-one"
        );
        assert_eq!(rendered("<< inputs.app.version | quote >>", with), "6.7.x");
        assert_eq!(
            rendered("v=<< inputs.app.version | quote >>", with),
            "v=\"6.7.x\""
        );
        assert_eq!(rendered("<< inputs.missing | default \"x\" >>", with), "x");
        assert_eq!(rendered("<< default \"y\" inputs.missing >>", with), "y");
        assert_eq!(rendered("a <<- inputs.tenant ->> b", with), "aTeam Oneb");
        assert_eq!(
            rendered("<< inputs.tenant | replace \" \" \"_\" | lower >>", with),
            "team_one"
        );
        assert_eq!(rendered("plain", with), "plain");
        assert_eq!(
            rendered(" << inputs.app.version | quote >>\u{3000}", with),
            "6.7.x"
        );
        assert!(rendered("<< inputsx >>", with).contains("fleet-lint evaluates `inputs.<key>`"));
    }

    #[test]
    fn what_is_not_static_is_said_not_guessed() {
        let with = "tenant: a\n";
        assert!(
            rendered("<< if inputs.tenant >>x<< end >>", with)
                .starts_with("error: the template action")
        );
        assert!(rendered("<< inputs.tenant | sha256sum >>", with).contains("`sha256sum`"));
        assert!(rendered("<< inputs.nope >>", with).contains("names no input value"));
        assert!(rendered("<< inputs.tenant", with).contains("without its `>>`"));
    }

    #[test]
    fn a_whole_quoted_action_makes_a_string() {
        let with = "v: \"1\"\n";
        let r = render("<< inputs.v | quote >>", Some(&input(with))).expect("renders");
        assert_eq!(r.style, Some(ScalarStyle::Quoted));
        let r = render("<< inputs.v >>", Some(&input(with))).expect("renders");
        assert_eq!(r.style, None);
    }
}
