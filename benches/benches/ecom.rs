//! lightspeed-ecom decoding: a 250-record list page into typed models (the client's own path:
//! envelope, lenient fields, unknown fields kept), against the same bytes into
//! `serde_json::Value`.
//!
//! Run with `cargo bench -p lightspeed-benches --bench ecom`; figures are in
//! `docs/performance.md`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lightspeed_ecom::model::{Product, Variant};
use lightspeed_ecom::resource::{Keys, decode_many};
use serde_json::Value;

/// 250 copies of a real fixture record (`ecom/<folder>/<file>`), with distinct ids and titles,
/// under the plural envelope.
fn page(file: &str, singular: &str, plural: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/ecom")
        .join(file);
    let fixture: Value = serde_json::from_slice(&std::fs::read(&path).expect("fixture")).unwrap();
    let record = &fixture[singular];
    let items: Vec<Value> = (0..250u64)
        .map(|i| {
            let mut item = record.clone();
            item["id"] = Value::from(20_000_000 + i);
            item["title"] = Value::from(format!("Product {i}"));
            item
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ plural: items })).unwrap()
}

fn decode(c: &mut Criterion) {
    let products = page("product/us-product-get-example.json", "product", "products");
    let variants = page(
        "variant/variant.nl-live-trimmed.json",
        "variant",
        "variants",
    );

    let mut group = c.benchmark_group("ecom_products_page_250");
    group.throughput(Throughput::Bytes(products.len() as u64));
    let keys = Keys::of::<Product>();
    group.bench_function("typed", |b| {
        b.iter(|| decode_many::<Product>(black_box(&products), &keys).unwrap())
    });
    group.bench_function("serde_json_value", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&products)).unwrap())
    });

    group.finish();

    let mut group = c.benchmark_group("ecom_variants_page_250");
    group.throughput(Throughput::Bytes(variants.len() as u64));
    let keys = Keys::of::<Variant>();
    group.bench_function("typed", |b| {
        b.iter(|| decode_many::<Variant>(black_box(&variants), &keys).unwrap())
    });
    group.bench_function("serde_json_value", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&variants)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
