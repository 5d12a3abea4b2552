//! How go-yaml v2, the writer behind `kubectl kustomize`'s output, writes a
//! scalar: which style its emitter allows for a string (plain, single- or
//! double-quoted, literal block), its double-quoted escapes, its folding of
//! long lines past column 80, and the canonical text of plain numbers,
//! booleans and nulls once kustomize has read them (`0775` is `509`).

use super::plain_scalar_to_json;

/// go-yaml's preferred line width: a space past it becomes a line break.
const BEST_WIDTH: usize = 80;

/// Where a scalar is written: `column` is where its first character (or
/// opening quote) goes, `indent` where its continuation lines start. Keys
/// never fold.
#[derive(Clone, Copy)]
pub(super) struct Place {
    pub column: usize,
    pub indent: usize,
    pub key: bool,
}

/// The styles go-yaml's scalar analysis allows for a string in block context.
struct Allowed {
    plain: bool,
    single: bool,
    block: bool,
    line_breaks: bool,
}

/// Characters go-yaml writes as they are (anything else is escaped, and
/// rules out the plain, single-quoted and block styles).
fn is_printable(c: char) -> bool {
    matches!(c, '\n' | '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        && c != '\u{FEFF}'
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: Option<&char>) -> bool {
    c.is_none_or(|c| matches!(c, ' ' | '\t'))
}

/// go-yaml's `analyze_scalar`, for block context.
fn allowed(chars: &[char]) -> Allowed {
    let text_starts = |marker: &str| chars.iter().take(3).copied().eq(marker.chars());
    let mut indicators = text_starts("---") || text_starts("...");
    let (mut line_breaks, mut special, mut tabs) = (false, false, false);
    let (mut leading, mut trailing_space, mut trailing_break) = (false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break, mut preceded_by_blank) = (false, false, true);
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_blank = is_blank(chars.get(i + 1));
        let last = i + 1 == chars.len();
        indicators |= if i == 0 {
            "#,[]{}&*!|>'\"%@`".contains(c) || ("?:-".contains(c) && followed_by_blank)
        } else {
            (c == ':' && followed_by_blank) || (c == '#' && preceded_by_blank)
        };
        if c == '\t' {
            tabs = true;
        } else if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            leading |= i == 0;
            trailing_space |= last;
            break_space |= previous_break;
            (previous_space, previous_break) = (true, false);
        } else if is_break(c) {
            line_breaks = true;
            leading |= i == 0;
            trailing_break |= last;
            space_break |= previous_space;
            (previous_space, previous_break) = (false, true);
        } else {
            (previous_space, previous_break) = (false, false);
        }
        preceded_by_blank = c == ' ' || c == '\t' || is_break(c) || c == '\0';
    }
    let quoting_needed = break_space || space_break || tabs || special;
    Allowed {
        plain: !(leading
            || trailing_space
            || trailing_break
            || quoting_needed
            || line_breaks
            || indicators),
        single: !quoting_needed,
        block: !trailing_space && !space_break && !special,
        line_breaks,
    }
}

/// `text` as go-yaml writes a string: plain when it reads back as a string
/// (`resolves_as_string`) and the analysis allows it, else single-quoted,
/// else double-quoted; a string with a line break as a literal block where
/// one reads back exactly. Line separators (U+2028, U+2029, U+0085) are
/// always double-quoted: go-yaml's quoting of them does not read back.
pub(super) fn string(text: &str, resolves_as_string: bool, place: Place) -> String {
    let chars: Vec<char> = text.chars().collect();
    let allowed = allowed(&chars);
    let odd_breaks = chars.iter().any(|c| is_break(*c) && *c != '\n');
    if text.contains('\n') && !place.key {
        let has_content = chars.iter().any(|c| !is_break(*c));
        // A block at the root would need its content indented: quoted there.
        let nested = place.indent > 0;
        return if allowed.block && has_content && !odd_breaks && nested {
            literal(&chars, place.indent)
        } else {
            double_quoted(&chars, place)
        };
    }
    if !resolves_as_string || (place.key && allowed.line_breaks) || odd_breaks {
        double_quoted(&chars, place)
    } else if allowed.plain {
        plain(&chars, place)
    } else if allowed.single {
        single_quoted(&chars, place)
    } else {
        double_quoted(&chars, place)
    }
}

/// Whether a plain `text` can be written as it is (the analysis allows the
/// plain style): for scalars kept as the file spelled them.
pub(super) fn plain_allowed(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    !chars.is_empty() && allowed(&chars).plain
}

/// A scalar being written, with the column it has reached: the writers turn
/// a space past column 80 into a line break and the continuation indentation.
struct Folding<'p> {
    out: String,
    column: usize,
    place: &'p Place,
}

impl Folding<'_> {
    fn new(place: &Place) -> Folding<'_> {
        Folding {
            out: String::new(),
            column: place.column,
            place,
        }
    }

    fn push(&mut self, text: &str) {
        self.out.push_str(text);
        self.column += text.chars().count();
    }

    /// Whether a space reached now may become a line break.
    fn past_width(&self, after_space: bool) -> bool {
        !self.place.key && self.place.indent > 0 && !after_space && self.column > BEST_WIDTH
    }

    fn fold(&mut self) {
        self.out.push('\n');
        self.out.push_str(&" ".repeat(self.place.indent));
        self.column = self.place.indent;
    }
}

fn plain(chars: &[char], place: Place) -> String {
    let mut w = Folding::new(&place);
    let mut spaces = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            if w.past_width(spaces) && chars.get(i + 1) != Some(&' ') {
                w.fold();
            } else {
                w.push(" ");
            }
            spaces = true;
        } else {
            w.push(c.encode_utf8(&mut [0; 4]));
            spaces = false;
        }
    }
    w.out
}

fn single_quoted(chars: &[char], place: Place) -> String {
    let mut w = Folding::new(&place);
    w.push("'");
    let mut spaces = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let inside = i > 0 && i + 1 < chars.len();
            if w.past_width(spaces) && inside && chars.get(i + 1) != Some(&' ') {
                w.fold();
            } else {
                w.push(" ");
            }
            spaces = true;
        } else {
            if c == '\'' {
                w.push("'");
            }
            w.push(c.encode_utf8(&mut [0; 4]));
            spaces = false;
        }
    }
    w.push("'");
    w.out
}

fn double_quoted(chars: &[char], place: Place) -> String {
    let mut w = Folding::new(&place);
    w.push("\"");
    let mut spaces = false;
    for (i, &c) in chars.iter().enumerate() {
        if !is_printable(c) || is_break(c) || c == '"' || c == '\\' {
            w.push(&escape(c));
            spaces = false;
        } else if c == ' ' {
            if w.past_width(spaces) && i > 0 && i + 1 < chars.len() {
                w.fold();
                if chars.get(i + 1) == Some(&' ') {
                    w.push("\\");
                }
            } else {
                w.push(" ");
            }
            spaces = true;
        } else {
            w.push(c.encode_utf8(&mut [0; 4]));
            spaces = false;
        }
    }
    w.push("\"");
    w.out
}

/// go-yaml's escape for a character in a double-quoted scalar.
fn escape(c: char) -> String {
    let short = match c {
        '\0' => '0',
        '\u{7}' => 'a',
        '\u{8}' => 'b',
        '\t' => 't',
        '\n' => 'n',
        '\u{b}' => 'v',
        '\u{c}' => 'f',
        '\r' => 'r',
        '\u{1b}' => 'e',
        '"' => '"',
        '\\' => '\\',
        '\u{85}' => 'N',
        '\u{a0}' => '_',
        '\u{2028}' => 'L',
        '\u{2029}' => 'P',
        _ => {
            let code = u32::from(c);
            return match code {
                0..=0xFF => format!("\\x{code:02X}"),
                0x100..=0xFFFF => format!("\\u{code:04X}"),
                _ => format!("\\U{code:08X}"),
            };
        }
    };
    format!("\\{short}")
}

/// A literal block (`|`), its content at `indent`: an indentation hint when
/// the text starts with a space or a line break, `-` when it has no final
/// line break, `+` when it has more than one. The final line break is the
/// one the caller ends the line with.
fn literal(chars: &[char], indent: usize) -> String {
    let text: String = chars.iter().collect();
    let body = text.trim_end_matches('\n');
    let breaks = text.len() - body.len();
    let hint = if text.starts_with([' ', '\n']) {
        "2"
    } else {
        ""
    };
    let chomp = match breaks {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let pad = " ".repeat(indent);
    let mut out = format!("|{hint}{chomp}");
    for line in text[..body.len() + breaks.saturating_sub(1)].split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    out
}

/// The text kubectl prints for a plain scalar that is not a string once
/// kustomize has read it (YAML 1.2 with go-yaml v3's octal `0775`, then
/// JSON): `509`, `1000` for `1_000`, `1.5`, `true` for `True`, `null` for
/// `~`. `None` for a plain string, and for infinities and not-a-number,
/// which JSON cannot hold (kept as written).
pub(super) fn canonical_plain(text: &str) -> Option<String> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some("null".into()),
        "true" | "True" | "TRUE" => return Some("true".into()),
        "false" | "False" | "FALSE" => return Some("false".into()),
        _ => {}
    }
    if !text.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c)) {
        return None;
    }
    let digits = text.replace('_', "");
    if let Some(int) = go_int(&digits) {
        return Some(int.to_string());
    }
    if is_yaml_float(&digits) {
        return digits.parse::<f64>().ok().map(go_float);
    }
    None
}

/// An integer as Go's `strconv.ParseInt(text, 0, 64)` (or `ParseUint`) reads it.
fn go_int(text: &str) -> Option<i128> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = unsigned.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let value = i128::from_str_radix(digits, radix).ok()?;
    let value = if negative { -value } else { value };
    let fits = i128::from(i64::MIN) <= value && value <= i128::from(u64::MAX);
    fits.then_some(value)
}

/// go-yaml v3's float syntax: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_yaml_float(text: &str) -> bool {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", fraction)) => all_digits(fraction),
        Some((whole, fraction)) => {
            all_digits(whole) && (fraction.is_empty() || all_digits(fraction))
        }
        None => all_digits(mantissa),
    };
    mantissa_ok && exponent.is_none_or(|e| all_digits(e.strip_prefix(['-', '+']).unwrap_or(e)))
}

/// A float as kubectl prints it: through JSON (an integral value becomes an
/// integer) and go-yaml v2 (`strconv.FormatFloat(f, 'g', -1, 64)`).
fn go_float(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 9.0e18 {
        return format!("{}", value as i64);
    }
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..6).contains(&exponent) {
        return format!("{value}");
    }
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exponent.abs())
}

/// Whether go-yaml v2 reads the plain `text` back as the string itself
/// (kubectl double-quotes every other string): not a YAML 1.2 number,
/// boolean or null, not one of YAML 1.1's, and not the merge key `<<`.
pub(super) fn resolves_as_string(text: &str) -> bool {
    plain_scalar_to_json(text).is_string() && !typed_by_yaml_1_1(text) && text != "<<"
}

/// Whether YAML 1.1 (go-yaml v2, which Kubernetes' readers and kubectl use)
/// reads the plain scalar `text` as something other than a string: booleans
/// (`y`, `yes`, `on`, ...), infinities and not-a-number, and numbers with `_`
/// separators or in base 2, 8 (`0o`), 16 or 60 (`1:30`), and timestamps.
fn typed_by_yaml_1_1(text: &str) -> bool {
    const WORDS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
        "OFF", "true", "True", "TRUE", "false", "False", "FALSE", "~", "null", "Null", "NULL",
    ];
    if WORDS.contains(&text) {
        return true;
    }
    let unsigned = text.trim_start_matches(['+', '-']);
    let special = [".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"];
    let starts_like_a_number = text.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c));
    let without_separators = text.replace('_', "");
    special.contains(&unsigned)
        || is_timestamp(text)
        || is_base_60_float(text)
        || (starts_like_a_number
            && (go_int(&without_separators).is_some() || is_yaml_float(&without_separators)))
}

/// go-yaml v2's sexagesimal float, `[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?`
/// (`1:30`, `190:20:30.15`), which it quotes.
fn is_base_60_float(text: &str) -> bool {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let mut groups = whole.split(':');
    let head = groups.next().unwrap_or("");
    let sixty = |g: &str| {
        (1..=2).contains(&g.len())
            && g.bytes().all(|b| b.is_ascii_digit())
            && (g.len() == 1 || g.as_bytes()[0] <= b'5')
    };
    let mut rest = groups.peekable();
    head.starts_with(|c: char| c.is_ascii_digit())
        && head.bytes().all(|b| b.is_ascii_digit() || b == b'_')
        && rest.peek().is_some()
        && rest.all(sixty)
        && fraction.bytes().all(|b| b.is_ascii_digit() || b == b'_')
}

/// A YAML 1.1 timestamp: `2006-1-2`, optionally followed by `T`, `t` or a
/// space and a time.
fn is_timestamp(text: &str) -> bool {
    let (date, time) = match text.find(['T', 't', ' ']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let digits = |s: &str, lengths: std::ops::RangeInclusive<usize>| {
        lengths.contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit())
    };
    matches!(parts.as_slice(), [y, m, d] if digits(y, 4..=4) && digits(m, 1..=2) && digits(d, 1..=2))
        && time.is_none_or(|t| t.trim_start().starts_with(|c: char| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str, column: usize) -> String {
        string(
            text,
            true,
            Place {
                column,
                indent: 2,
                key: false,
            },
        )
    }

    #[test]
    fn long_strings_fold_at_the_first_space_past_column_80() {
        let words = "word ".repeat(20);
        let text = words.trim_end();
        let out = value(text, 5);
        let first = out.lines().next().unwrap_or("");
        assert_eq!(5 + first.chars().count(), 84, "{out}");
        assert!(out.contains("\n  word"), "{out}");
        assert!(!value(text, 5).ends_with(' '));
        let quoted = value(&format!("'{text}"), 5);
        assert!(quoted.starts_with("'''word"), "{quoted}");
        assert!(quoted.contains("\n  word"), "{quoted}");
    }

    #[test]
    fn double_quoted_strings_use_yaml_escapes() {
        assert_eq!(value("a\tb", 0), "\"a\\tb\"");
        assert_eq!(value("\u{1}x", 0), "\"\\x01x\"");
        assert_eq!(value("\u{1F600}", 0), "\"\\U0001F600\"");
        assert_eq!(value("a\u{2028}b", 0), "\"a\\Lb\"");
    }

    #[test]
    fn a_leading_colon_or_question_mark_stays_plain_in_block_context() {
        assert_eq!(value(":9001", 0), ":9001");
        assert_eq!(value("?x", 0), "?x");
        assert_eq!(value(": x", 0), "': x'");
        assert_eq!(value("-", 0), "'-'");
    }

    #[test]
    fn literal_blocks_take_an_indentation_hint_when_they_start_blank() {
        assert_eq!(value("x\n", 0), "|\n  x");
        assert_eq!(value("  a\nb", 0), "|2-\n    a\n  b");
        assert_eq!(value("a \nb", 0), "\"a \\nb\"");
    }

    #[test]
    fn plain_numbers_read_as_kustomize_reads_them() {
        for (text, want) in [
            ("0775", Some("509")),
            ("1_000", Some("1000")),
            ("0x1F", Some("31")),
            ("0b101", Some("5")),
            ("+3", Some("3")),
            ("1.0", Some("1")),
            ("1.50", Some("1.5")),
            ("1e3", Some("1000")),
            ("0.00001", Some("1e-05")),
            ("1234567.5", Some("1.2345675e+06")),
            ("True", Some("true")),
            ("~", Some("null")),
            ("08", Some("8")),
            ("1.2.3", None),
            ("-x", None),
            ("0.0.0.0:80", None),
            (".inf", None),
        ] {
            assert_eq!(canonical_plain(text).as_deref(), want, "{text}");
        }
    }
}
