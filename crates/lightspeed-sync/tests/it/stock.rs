//! The pool -> eCom, against the emulator: X-Series stock changes reach the eCom variants with
//! the same SKUs, and a push writes only the SKUs that changed.

use lightspeed_ecom::model::{ProductInput, VariantInput};
use lightspeed_sync::pool::MemoryInventorySink;
use lightspeed_sync::pool::ecom::{BulkMode, PushOptions, push};
use lightspeed_sync::pool::xseries::{PrimaryOptions, SecondaryOptions, primary, secondary};
use lightspeed_sync::state::MemoryStateStore;
use reqwest::Method;
use serde_json::json;

use crate::xseries::{mapping, outlet, seed, store, xs};

const BULK: &str = "PUT /{lang}/variants/bulk.json";

/// An eCom product per SKU, its default variant carrying the SKU; answers the clients' ids.
async fn shop(
    client: &lightspeed_ecom::Client,
    skus: &[&str],
) -> Vec<lightspeed_ecom::model::VariantId> {
    let mut ids = Vec::new();
    for sku in skus {
        let (_, variant) = client
            .create_product(&ProductInput {
                title: Some(format!("Product {sku}")),
                ..Default::default()
            })
            .await
            .unwrap();
        let variant = variant.unwrap();
        client
            .variants()
            .update(
                variant.id,
                &VariantInput {
                    sku: Some((*sku).into()),
                    stock_level: Some(0),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        ids.push(variant.id);
    }
    ids
}

fn ecom_client(emu: &lightspeed_emulator::EmulatorHandle) -> lightspeed_ecom::Client {
    lightspeed_ecom::Client::builder(emu.ecom_key(), emu.ecom_secret())
        .base_url(emu.ecom_url())
        .language("nl")
        .rate_limit(lightspeed_core::RateLimitPolicy::new())
        .build()
        .unwrap()
}

#[tokio::test]
async fn xseries_stock_changes_reach_ecom_with_writes_only_for_changed_skus() {
    let (emu, xseries) = store().await;
    let ids = seed(&emu).await;
    let ecom = ecom_client(&emu);
    // The webshop sells the wallet and the small T-shirt, not the medium one.
    let variants = shop(&ecom, &["LW-001", "TS-S"]).await;
    let (pool, state) = (MemoryInventorySink::new(), MemoryStateStore::new());
    primary(
        &xseries,
        &mapping(),
        &pool,
        &state,
        &PrimaryOptions::default(),
    )
    .await
    .unwrap();

    let options = PushOptions {
        prices: true,
        ..PushOptions::default()
    };
    let listings = emu.stats().route("GET /{lang}/variants.json");
    let first = push(&ecom, &pool, &state, &options).await.unwrap();
    assert_eq!(first.written, ["LW-001", "TS-S"], "{first:?}");
    assert_eq!(first.unknown, ["TS-M"]);
    assert_eq!(first.write_calls, 1, "one bulk call");
    assert!(first.budget.is_some(), "account/ratelimit was read");
    assert_eq!(emu.stats().route("GET /{lang}/account/ratelimit.json"), 1);
    let wallet = ecom.variants().get(variants[0]).await.unwrap();
    assert_eq!(wallet.stock_level, Some(12));
    assert_eq!(
        wallet.price_incl,
        Some("89.95".parse().unwrap()),
        "msrp as priceIncl"
    );
    assert_eq!(wallet.price_cost, Some("30".parse().unwrap()));
    assert_eq!(
        ecom.variants().get(variants[1]).await.unwrap().stock_level,
        Some(9)
    );

    // Stock of the small T-shirt moves in the store; the pool's secondary import sees it.
    xs(
        &emu,
        Method::PUT,
        &format!("api/2.1/products/{}", ids["TS-S"]),
        Some(json!({"details": {"inventory": [{"outlet_id": outlet(&emu).await, "current_amount": 3}]}})),
    )
    .await;
    secondary(&xseries, &pool, &state, &SecondaryOptions::default())
        .await
        .unwrap();
    let bulk_before = emu.stats().route(BULK);
    let second = push(&ecom, &pool, &state, &options).await.unwrap();
    assert_eq!(second.written, ["TS-S"], "only the changed SKU: {second:?}");
    assert_eq!(second.unchanged, 1);
    assert_eq!(second.write_calls, 1);
    assert_eq!(emu.stats().route(BULK) - bulk_before, 1);
    assert_eq!(
        ecom.variants().get(variants[1]).await.unwrap().stock_level,
        Some(3)
    );
    assert_eq!(
        emu.stats().route("GET /{lang}/variants.json") - listings,
        1,
        "variant ids are cached, and TS-M, not in the shop, is looked for again only after a day"
    );

    // Nothing changed: no write.
    let writes = emu.stats().writes;
    let third = push(&ecom, &pool, &state, &options).await.unwrap();
    assert!(third.written.is_empty(), "{third:?}");
    assert_eq!(emu.stats().writes, writes);
}

#[tokio::test]
async fn one_variant_at_a_time_when_asked() {
    let (emu, xseries) = store().await;
    seed(&emu).await;
    let ecom = ecom_client(&emu);
    let variants = shop(&ecom, &["LW-001", "TS-S", "TS-M"]).await;
    let (pool, state) = (MemoryInventorySink::new(), MemoryStateStore::new());
    primary(
        &xseries,
        &mapping(),
        &pool,
        &state,
        &PrimaryOptions::default(),
    )
    .await
    .unwrap();
    let options = PushOptions {
        mode: BulkMode::PerVariant,
        read_rate_limit: false,
        ..PushOptions::default()
    };
    let report = push(&ecom, &pool, &state, &options).await.unwrap();
    assert_eq!(report.written.len(), 3);
    assert_eq!(report.write_calls, 3);
    assert_eq!(emu.stats().route(BULK), 0);
    assert_eq!(
        ecom.variants().get(variants[2]).await.unwrap().stock_level,
        Some(4)
    );
}
