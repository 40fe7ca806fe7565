//! lightspeed-core hot paths: what every page and every request of a sync pays.
//!
//! Run with `cargo bench -p lightspeed-benches --bench core`; figures are in
//! `docs/performance.md`.

use std::hint::black_box;
use std::time::Duration;

use chrono::{DateTime, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http::{HeaderMap, HeaderValue};
use lightspeed_core::lenient;
use lightspeed_core::ratelimit::RateLimitHeaders;
use lightspeed_core::{RateLimitPolicy, RateLimiter};
use rust_decimal::Decimal;
use serde::Deserialize;

/// The fields a catalog sync reads from an eCom variant, decoded with the lenient helpers.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Variant {
    id: u64,
    #[serde(rename = "createdAt", with = "lenient::timestamp")]
    created_at: DateTime<Utc>,
    #[serde(rename = "updatedAt", with = "lenient::timestamp")]
    updated_at: DateTime<Utc>,
    #[serde(rename = "isDefault", with = "lenient::bool")]
    is_default: bool,
    #[serde(rename = "articleCode", default, with = "lenient::option_string")]
    article_code: Option<String>,
    #[serde(default, with = "lenient::option_string")]
    ean: Option<String>,
    #[serde(default, with = "lenient::option_string")]
    sku: Option<String>,
    #[serde(rename = "priceExcl", with = "lenient::decimal")]
    price_excl: Decimal,
    #[serde(rename = "priceIncl", with = "lenient::decimal")]
    price_incl: Decimal,
    #[serde(rename = "priceCost", with = "lenient::decimal")]
    price_cost: Decimal,
    #[serde(rename = "stockLevel", with = "lenient::i64")]
    stock_level: i64,
    #[serde(rename = "weightValue", with = "lenient::decimal")]
    weight_value: Decimal,
    #[serde(default, with = "lenient::option")]
    image: Option<serde_json::Value>,
    title: String,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Variants {
    variants: Vec<Variant>,
}

/// A page of 250 variants shaped like `fixtures/ecom/variant/variant.nl-live-trimmed.json`.
fn variants_page() -> Vec<u8> {
    let variants: Vec<serde_json::Value> = (0..250u64)
        .map(|i| {
            serde_json::json!({
                "id": 322_925_834 + i,
                "createdAt": "2026-06-02T10:24:43+02:00",
                "updatedAt": "2026-06-02T10:24:43+02:00",
                "isDefault": i % 4 == 0,
                "sortOrder": 1,
                "articleCode": format!("LABL{i}"),
                "ean": "",
                "sku": format!("SKU-{i:05}"),
                "hs": null,
                "priceExcl": 2.8843,
                "priceIncl": 3.49,
                "priceCost": "1.25",
                "stockTracking": "enabled",
                "stockLevel": 148,
                "stockBuyMininum": 1,
                "weightValue": "0.000",
                "weightUnit": "g",
                "matrix": false,
                "title": "1 kanaals relais board 3V",
                "image": false,
                "tax": {"resource": {"id": 1_207_266, "url": "taxes/1207266",
                        "link": "https://api.webshopapp.com/nl/taxes/1207266.json"}},
                "product": {"resource": {"id": 163_090_479, "url": "products/163090479",
                            "link": "https://api.webshopapp.com/nl/products/163090479.json"}},
                "options": []
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "variants": variants })).unwrap()
}

fn ecom_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-ratelimit-limit",
        HeaderValue::from_static("300/3000/12000"),
    );
    headers.insert(
        "x-ratelimit-remaining",
        HeaderValue::from_static("298/2965/11910"),
    );
    headers.insert(
        "x-ratelimit-reset",
        HeaderValue::from_static("202/802/8002"),
    );
    headers
}

fn decode(c: &mut Criterion) {
    let page = variants_page();
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Elements(250));
    group.bench_function("ecom_variants_page_250", |b| {
        b.iter(|| {
            let decoded: Variants = lightspeed_core::decode::from_slice(black_box(&page)).unwrap();
            black_box(decoded)
        })
    });
    // Reference point: the same bytes into an untyped value, with no lenient helpers.
    group.bench_function("ecom_variants_page_250_as_value", |b| {
        b.iter(|| {
            let decoded: serde_json::Value = serde_json::from_slice(black_box(&page)).unwrap();
            black_box(decoded)
        })
    });
    group.finish();
}

fn rate_limits(c: &mut Criterion) {
    let headers = ecom_headers();
    c.bench_function("ratelimit/parse_ecom_headers", |b| {
        b.iter(|| black_box(RateLimitHeaders::parse(black_box(&headers))))
    });

    // Windows large enough never to wait: this is the cost every request pays.
    let limiter = RateLimiter::new(
        RateLimitPolicy::new()
            .window("5 minutes", u32::MAX, Duration::from_secs(300))
            .window("hour", u32::MAX, Duration::from_secs(3_600))
            .window("day", u32::MAX, Duration::from_secs(86_400)),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let quiet = HeaderMap::new();
    c.bench_function("ratelimit/acquire_and_observe", |b| {
        b.iter(|| runtime.block_on(async { limiter.acquire().await.observe(black_box(&quiet)) }))
    });
}

criterion_group!(benches, decode, rate_limits);
criterion_main!(benches);
