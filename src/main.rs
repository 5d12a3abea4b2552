use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    fleet_lint::cli::run(fleet_lint::cli::Cli::parse())
}
