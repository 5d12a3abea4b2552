//! fleet-lint's development tasks, as a library for the benchmarks and tests
//! that need them and as the `xtask` binary (`cargo xtask ...`).

pub mod fixtures;
pub mod generate;
pub mod new_rule;
