//! Shared helpers: an emulator with an eCom target, mappings, record builders.

use std::time::Duration;

use lightspeed_core::{RateLimitPolicy, RetryPolicy};
use lightspeed_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use lightspeed_mapping::{Mapping, Options};
use lightspeed_sync::catalog::ReadScope;
use lightspeed_sync::{
    CatalogSync, CatalogTarget, CreateMissing, EcomTarget, MemorySource, Outcome, PlanOptions,
    Reconcile, Report, StateStore, SyncOptions,
};
use serde_json::{Value, json};

/// The mapping the tests use: one row per variant, `parent` groups them.
pub const MAPPING: &str = r#"{
  "version": 1, "target": "ecom.product", "key": "sku",
  "source_locale": {"decimal_separator": ",", "thousands_separator": "."},
  "product_mappings": [
    {"pim_attribute": "parent", "lightspeed_field": "parent"},
    {"pim_attribute": "name", "lightspeed_field": "title"},
    {"pim_attribute": "name_en", "lightspeed_field": "title@en"},
    {"pim_attribute": "brand", "lightspeed_field": "brand"},
    {"pim_attribute": "category", "lightspeed_field": "categories", "transformation": {"type": "split", "parameters": {"separator": "|"}}}
  ],
  "variant_mappings": [
    {"pim_attribute": "sku", "lightspeed_field": "sku"},
    {"pim_attribute": "price", "lightspeed_field": "price_incl", "transformation": {"type": "parse_number"}},
    {"pim_attribute": "stock", "lightspeed_field": "stock_level", "transformation": {"type": "parse_number"}},
    {"pim_attribute": "size", "lightspeed_field": "options.size"}
  ],
  "media_mappings": [{"pim_attribute": "image", "lightspeed_field": "images[0].src"}]
}"#;

/// An emulator without rate limits (these tests count calls, not time).
pub async fn emulator() -> EmulatorHandle {
    Emulator::start(EmulatorConfig::default().unlimited())
        .await
        .expect("emulator")
}

/// The eCom target on the emulator, with quick retries.
pub fn target(emu: &EmulatorHandle) -> EcomTarget {
    let client = lightspeed_ecom::Client::builder(emu.ecom_key(), emu.ecom_secret())
        .base_url(emu.ecom_url())
        .language("nl")
        .rate_limit(RateLimitPolicy::new())
        .retry(
            RetryPolicy::default()
                .min_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(5))
                .max_attempts(4)
                .jitter(false),
        )
        .build()
        .expect("client");
    EcomTarget::new(client)
}

/// The test mapping (the sync compiles it against the target's schema).
pub fn mapping() -> Mapping {
    Mapping::from_json(MAPPING, &Options::default()).expect("mapping compiles")
}

/// A read of everything the test mapping writes.
pub fn scope() -> ReadScope {
    ReadScope {
        languages: vec!["en".into()],
        references: vec!["categories".into(), "tags".into()],
    }
}

/// `n` simple products `P-000`...
pub fn simple(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"sku": format!("P-{i:03}"), "name": format!("Product {i}"), "price": format!("{i},95"), "stock": "5"}))
        .collect()
}

/// Options that create taxonomy and archive missing items.
pub fn options() -> SyncOptions {
    SyncOptions {
        plan: PlanOptions {
            create_missing: CreateMissing::All,
            archive_missing: true,
            ..PlanOptions::default()
        },
        reconcile: Reconcile::FirstRunOnly,
        concurrency: 4,
        progress: None,
        ..SyncOptions::default()
    }
}

/// One pass over `records`.
pub async fn pass(
    records: Vec<Value>,
    target: &dyn CatalogTarget,
    state: &dyn StateStore,
    options: SyncOptions,
) -> Report {
    pass_with(&mapping(), records, target, state, options).await
}

/// One pass over `records` with another mapping.
pub async fn pass_with(
    mapping: &Mapping,
    records: Vec<Value>,
    target: &dyn CatalogTarget,
    state: &dyn StateStore,
    options: SyncOptions,
) -> Report {
    let source = MemorySource::new("pim", records);
    let sync = CatalogSync::new(&source, mapping, target, state)
        .expect("the mapping fits the target")
        .with_options(options);
    sync.run().await.expect("the run completes").1
}

/// `(created, updated, unchanged, failed, pending)` of a report.
pub fn counts(r: &Report) -> (usize, usize, usize, usize, usize) {
    (
        r.count(Outcome::Created),
        r.count(Outcome::Updated),
        r.count(Outcome::Unchanged),
        r.count(Outcome::Failed),
        r.count(Outcome::Pending),
    )
}

/// Every product in the emulator's shop, as (title, skus of its variants).
pub async fn shop(target: &EcomTarget) -> Vec<(String, Vec<String>)> {
    let mut items: Vec<(String, Vec<String>)> = target
        .list(&ReadScope::default())
        .await
        .expect("list")
        .into_iter()
        .map(|i| {
            let mut skus: Vec<String> = i.variants.iter().map(|v| v.sku.clone()).collect();
            skus.sort();
            (
                i.fields
                    .get("title")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                skus,
            )
        })
        .collect();
    items.sort();
    items
}
