//! Pipeline benchmarks on generated environment-first fleets (4 clusters, 5
//! apps per tenant: the layout of issue 16), 100 and 1 000 tenants: each
//! stage on its own on the default two threads (discover; load = discover,
//! read, parse; model = load, resolve and the fleet model; rules = the rules
//! and the user's decisions over a model; report = SARIF of a finished run),
//! and the load and the whole lint on one and two threads.
//!
//! `cargo bench --bench pipeline` (figures are recorded in BENCHMARKS.md).

use std::hint::black_box;
use std::path::Path;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use fleet_lint_engine::load::{LoadOptions, load_all};
use fleet_lint_engine::report::{self, Format, HumanOptions};
use fleet_lint_engine::{LintOptions, check_model, discover, lint, model};
use xtask::generate::{FleetSpec, write_fleet};

/// The allocator the `fleet-lint` binary uses, so figures match the shipped tool.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn load_only(root: &Path, jobs: usize) -> usize {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .expect("pool");
    pool.install(|| {
        let files = discover::discover(root, jobs).expect("walk").manifests;
        load_all(&files, &LoadOptions::default()).store.len()
    })
}

fn discover_only(root: &Path) -> usize {
    discover::discover(root, 2).expect("walk").manifests.len()
}

fn sarif_of(run: &fleet_lint_engine::LintRun) -> usize {
    let human = HumanOptions {
        color: false,
        quiet: true,
        width: 100,
    };
    let mut out = Vec::new();
    report::render(
        Format::Sarif,
        &report::Context::of(run),
        std::time::Duration::ZERO,
        &human,
        &mut out,
    )
    .expect("renders");
    out.len()
}

fn bench_stages(c: &mut Criterion) {
    let mut group = c.benchmark_group("stages");
    for tenants in [100, 1000] {
        let dir = tempfile::tempdir().expect("tempdir");
        write_fleet(dir.path(), &FleetSpec::environment_first(tenants)).expect("fleet written");
        let options = LintOptions::new(dir.path());
        group.bench_function(format!("discover/{tenants}-tenants"), |b| {
            b.iter(|| black_box(discover_only(dir.path())))
        });
        group.bench_function(format!("load/{tenants}-tenants"), |b| {
            b.iter(|| black_box(load_only(dir.path(), 2)))
        });
        group.bench_function(format!("model/{tenants}-tenants"), |b| {
            b.iter(|| black_box(model(&options).expect("model")))
        });
        group.bench_function(format!("rules/{tenants}-tenants"), |b| {
            b.iter_batched(
                || model(&options).expect("model"),
                |m| black_box(check_model(m, &options).expect("rules run")),
                BatchSize::PerIteration,
            )
        });
        let run = lint(&options).expect("lint runs");
        group.bench_function(format!("report-sarif/{tenants}-tenants"), |b| {
            b.iter(|| black_box(sarif_of(&run)))
        });
    }
    group.finish();
}

fn bench_pipeline(c: &mut Criterion) {
    let mut group = c.benchmark_group("pipeline");
    for tenants in [100, 1000] {
        let dir = tempfile::tempdir().expect("tempdir");
        write_fleet(dir.path(), &FleetSpec::environment_first(tenants)).expect("fleet written");
        for jobs in [1, 2] {
            group.bench_function(format!("load/{tenants}-tenants/jobs-{jobs}"), |b| {
                b.iter(|| black_box(load_only(dir.path(), jobs)))
            });
            let mut options = LintOptions::new(dir.path());
            options.jobs = jobs;
            group.bench_function(format!("lint/{tenants}-tenants/jobs-{jobs}"), |b| {
                b.iter(|| black_box(lint(&options).expect("lint runs")))
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench_stages, bench_pipeline
}
criterion_main!(benches);
