//! The `.fleet-lint.yaml` parser on any text: a config that cannot be used
//! is an error message, never a panic, a hang or unbounded memory.
#![no_main]

use fleet_lint_engine::fuzzing::config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = config(&String::from_utf8_lossy(data));
});
