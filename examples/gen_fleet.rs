//! Writes a generated fleet: `cargo run --release --example gen_fleet -- DIR TENANTS`.
//! Used to reproduce the benchmark figures in BENCHMARKS.md by hand.

use std::path::PathBuf;
use std::process::ExitCode;

use fleet_lint::generate::{FleetSpec, write_fleet};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(tenants)) = (args.next(), args.next().and_then(|t| t.parse().ok())) else {
        eprintln!("usage: gen_fleet DIR TENANTS");
        return ExitCode::from(2);
    };
    match write_fleet(&PathBuf::from(&dir), &FleetSpec::new(tenants)) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_fleet: cannot write {dir}: {e}");
            ExitCode::FAILURE
        }
    }
}
