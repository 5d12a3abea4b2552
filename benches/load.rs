//! Load-stage benchmark: discover + read + parse a generated fleet.
//!
//! `cargo bench --bench load` (figures are recorded in BENCHMARKS.md).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use fleet_lint::generate::{FleetSpec, write_fleet};
use fleet_lint::{LintOptions, lint};

fn bench_load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    for tenants in [100, 1000] {
        let dir = tempfile::tempdir().expect("tempdir");
        write_fleet(dir.path(), &FleetSpec::new(tenants)).expect("fleet written");
        for jobs in [1, 2] {
            let mut options = LintOptions::new(dir.path());
            options.jobs = jobs;
            group.bench_function(format!("{tenants}-tenants/jobs-{jobs}"), |b| {
                b.iter(|| black_box(lint(&options).expect("lint runs")))
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench_load
}
criterion_main!(benches);
