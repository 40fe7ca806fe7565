//! lightspeed-sync: planning 100,000 products against 100,000 existing ones.
//!
//! `reconcile`: the target read in full, every item diffed (1% changed). `incremental`: the
//! state store remembers every item's fingerprint, so unchanged items are not diffed. Run with
//! `cargo bench -p lightspeed-benches --bench sync`; figures and the peak memory (from
//! `examples/plan_100k.rs`) are in `docs/performance.md`.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use lightspeed_benches::catalog;
use lightspeed_sync::catalog::References;
use lightspeed_sync::catalog::planner::{PlanInput, PlanOptions, plan};

fn planning(c: &mut Criterion) {
    let (desired, actual) = catalog(100_000);
    let empty = BTreeMap::new();
    let remembered = lightspeed_benches::remembered(&desired, &actual);
    let mut references = References::default();
    references.insert("categories", "Accessoires > Portemonnees", "77");
    let reconcile = PlanInput {
        desired: &desired,
        problems: &[],
        state: &empty,
        actual: Some(&actual),
        references: Some(&references),
        full_snapshot: true,
        target: "ecom",
        now: "2026-11-27T10:00:00Z",
    };
    let incremental = PlanInput {
        state: &remembered,
        actual: None,
        ..reconcile.clone()
    };
    let mut group = c.benchmark_group("plan_100k");
    group.sample_size(10);
    group.bench_function("reconcile", |b| {
        b.iter(|| black_box(plan(&reconcile, &PlanOptions::default())))
    });
    group.bench_function("incremental", |b| {
        b.iter(|| black_box(plan(&incremental, &PlanOptions::default())))
    });
    group.finish();
}

criterion_group!(benches, planning);
criterion_main!(benches);
