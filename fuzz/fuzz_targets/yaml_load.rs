//! The YAML loader on any text: a file that does not parse is errors, never
//! a panic, a hang or unbounded memory (libFuzzer's -rss_limit_mb and
//! -timeout say so).
#![no_main]

use fleet_lint_source::source::{FileId, SourceFile};
use fleet_lint_source::yaml::{LoadLimits, load_yaml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let source = SourceFile::new("fuzz.yaml", text.as_ref());
    let _ = load_yaml(FileId(0), &source, LoadLimits::default());
});
