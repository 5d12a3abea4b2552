use std::process::ExitCode;

/// mimalloc: tree building allocates many small nodes, and glibc's allocator
/// spent a third of a large run consolidating chunks (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;

fn main() -> ExitCode {
    fleet_lint::cli::run(fleet_lint::cli::Cli::parse())
}
