//! Pipeline benchmarks on generated fleets: the load stage alone (discover,
//! read, parse) and the whole lint, on generated environment-first fleets
//! (4 clusters, 5 apps per tenant: the layout of issue 16).
//!
//! `cargo bench --bench pipeline` (figures are recorded in BENCHMARKS.md).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use fleet_lint_engine::load::{LoadOptions, load_all};
use fleet_lint_engine::{LintOptions, discover, lint};
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
    targets = bench_pipeline
}
criterion_main!(benches);
