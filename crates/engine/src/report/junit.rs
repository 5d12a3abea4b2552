//! `--format junit`: JUnit XML for CI systems that show test reports. One
//! test suite per rule and one failed test case per finding; a run without
//! findings is one passing test case.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::Context;
use crate::diag::{Finding, Place};

pub(super) fn render(cx: &Context, out: &mut dyn Write) -> io::Result<()> {
    let mut by_rule: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for finding in cx.findings {
        by_rule
            .entry(finding.rule.as_str())
            .or_default()
            .push(finding);
    }
    let total = cx.findings.len();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="fleet-lint" tests="{}" failures="{total}">"#,
        total.max(1)
    )?;
    if by_rule.is_empty() {
        writeln!(
            out,
            r#"  <testsuite name="fleet-lint" tests="1" failures="0">
    <testcase classname="fleet-lint" name="no findings"/>
  </testsuite>"#
        )?;
    }
    for (rule, findings) in by_rule {
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{n}" failures="{n}">"#,
            escape(rule),
            n = findings.len()
        )?;
        for finding in findings {
            let place = Place::of(finding.span, cx.store);
            let location = format!("{}:{}:{}", place.path, place.line, place.column);
            writeln!(
                out,
                r#"    <testcase classname="{}" name="{}" file="{}" line="{}">
      <failure type="{}" message="{}">{}</failure>
    </testcase>"#,
                escape(rule),
                escape(&location),
                escape(place.path),
                place.line,
                finding.severity.as_str(),
                escape(&finding.message()),
                escape(&failure_text(&location, finding)),
            )?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// The failure's body: where, what, and how to fix it when the rule says.
fn failure_text(location: &str, finding: &Finding) -> String {
    match finding.help() {
        Some(help) => format!("{location}: {}\n{help}", finding.message()),
        None => format!("{location}: {}", finding.message()),
    }
}

/// Text safe in XML attributes and content.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in super::printable(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            c if (c as u32) < 0x20 && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}
