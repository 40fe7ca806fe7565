//! lightspeed-mapping: applying compiled mappings to 100,000 in-memory records, one core.
//!
//! (a) the integration guide's mapping (copy, strip_html, format_number, an image) and (b) a
//! realistic 15-rule mapping (lookups, smart rules, templates, number formatting, unit
//! conversion, HTML stripping). Run with `cargo bench -p lightspeed-benches --bench mapping`;
//! figures are in `docs/performance.md`. `benches/map_vs_jq.sh` compares the `map` example
//! end to end with jq.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lightspeed_benches::records;
use lightspeed_mapping::{Document, Options};

fn mapping(file: &str) -> lightspeed_mapping::Mapping {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(file);
    Document::load(&path)
        .unwrap()
        .compile(&Options::default())
        .unwrap()
}

fn apply(c: &mut Criterion) {
    // Two shapes of the same 100,000 applications: records streaming through (1,000 distinct
    // records, each mapped 100 times, as a parse-then-map pipeline keeps the record it maps in
    // cache), and 100,000 distinct records already in memory (mostly cache misses).
    let streaming = records(1_000);
    let resident = records(100_000);
    let mut group = c.benchmark_group("mapping_100k_records");
    group.throughput(Throughput::Elements(100_000));
    group.sample_size(10);
    for (name, file) in [
        ("guide", "guide-mapping.json"),
        ("realistic_15_rules", "realistic-mapping.json"),
    ] {
        let mapping = mapping(file);
        assert!(
            resident.iter().all(|r| mapping.apply(r).is_ok()),
            "{name}: every record maps"
        );
        group.bench_function(format!("{name}/streaming"), |b| {
            b.iter(|| {
                for _ in 0..100 {
                    for record in &streaming {
                        black_box(mapping.apply(black_box(record)).is_ok());
                    }
                }
            })
        });
        group.bench_function(format!("{name}/resident"), |b| {
            b.iter(|| {
                for record in &resident {
                    black_box(mapping.apply(black_box(record)).is_ok());
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, apply);
criterion_main!(benches);
