//! The share of each pipeline stage in a whole run, on generated fleets:
//! `cargo run --release --example stage_timings -- [TENANTS...] [--seeded]
//! [--environment-first]` (default 100 and 1000 tenants, clean, tenant-first).
//! Figures go in BENCHMARKS.md.

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use fleet_lint_engine::report::{self, Format, HumanOptions};
use fleet_lint_engine::{LintOptions, StageTimings, lint};
use xtask::generate::{FleetSpec, write_fleet};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RUNS: u32 = 5;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seeded = args.iter().any(|a| a == "--seeded");
    let environment_first = args.iter().any(|a| a == "--environment-first");
    let mut sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = vec![100, 1000];
    }
    println!(
        "| tenants | files | findings | load | model | resolve rest | rules | of which schema | report (SARIF) | total |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for tenants in sizes {
        if let Err(e) = measure(tenants, seeded, environment_first) {
            eprintln!("stage_timings: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn measure(tenants: usize, seeded: bool, environment_first: bool) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let spec = if environment_first {
        FleetSpec::environment_first(tenants)
    } else {
        FleetSpec::new(tenants)
    };
    let spec = if seeded { spec.with_seeds() } else { spec };
    write_fleet(dir.path(), &spec).map_err(|e| e.to_string())?;
    let options = LintOptions::new(dir.path());
    let (mut sum, mut report_time) = (StageTimings::default(), Duration::ZERO);
    let (mut files, mut findings) = (0, 0);
    for _ in 0..RUNS {
        let run = lint(&options).map_err(|e| e.to_string())?;
        let started = Instant::now();
        let human = HumanOptions {
            color: false,
            quiet: true,
            width: 100,
        };
        report::render(
            Format::Sarif,
            &report::Context::of(&run),
            Duration::ZERO,
            &human,
            &mut io::sink(),
        )
        .map_err(|e| e.to_string())?;
        report_time += started.elapsed();
        sum.load += run.timings.load;
        sum.model += run.timings.model;
        sum.resolve_rest += run.timings.resolve_rest;
        sum.rules += run.timings.rules;
        sum.schema += run.timings.schema;
        files = run.loaded.store.len();
        findings = run.findings.len();
    }
    let total = sum.load + sum.model + sum.resolve_rest + sum.rules + report_time;
    let cell = |d: Duration| {
        format!(
            "{:.1} ms ({:.0} %)",
            d.as_secs_f64() * 1000.0 / f64::from(RUNS),
            100.0 * d.as_secs_f64() / total.as_secs_f64()
        )
    };
    println!(
        "| {tenants} | {files} | {findings} | {} | {} | {} | {} | {} | {} | {:.1} ms |",
        cell(sum.load),
        cell(sum.model),
        cell(sum.resolve_rest),
        cell(sum.rules),
        cell(sum.schema),
        cell(report_time),
        total.as_secs_f64() * 1000.0 / f64::from(RUNS)
    );
    io::stdout().flush().map_err(|e| e.to_string())
}
