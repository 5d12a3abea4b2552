//! `--format concise`: one line per finding, `path:line:col: severity[rule]
//! message [tenant]`, related locations left out; then the summary line
//! (unless `--quiet`). For a terminal, a pre-commit hook or `grep`.

use std::io::{self, Write};
use std::time::Duration;

use super::{Context, HumanOptions, human};

pub(super) fn render(
    cx: &Context,
    elapsed: Duration,
    options: &HumanOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    for (finding, tenant) in cx.findings.iter().zip(&cx.tenants) {
        let tenant = tenant.map_or(String::new(), |t| format!(" [{t}]"));
        let message = super::printable(&finding.message()).replace('\n', " ");
        writeln!(
            out,
            "{} {message}{}",
            super::finding_head(finding, cx.store),
            super::printable(&tenant),
        )?;
    }
    if !options.quiet {
        writeln!(out, "{}", human::summary_line(cx, elapsed))?;
    }
    Ok(())
}
