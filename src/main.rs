//! The `fleet-lint` command line: arguments, subcommands, progress on a
//! terminal, `--changed-since` (git), and the allocator. The pipeline is the
//! `fleet-lint-engine` crate.

mod changed;
mod cli;
mod spinner;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: tree building allocates many small nodes, and glibc's allocator
/// spent a third of a large run consolidating chunks (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::run(cli::Cli::parse())
}
