//! A complete pool from X-Series, against the emulator: options 1-10 from the variant
//! attributes, every image, the category path (product categories, not tags), and archiving
//! on the secondary import.

use lightspeed_sync::pool::xseries::{PrimaryOptions, SecondaryOptions, primary, secondary};
use lightspeed_sync::pool::{InventorySink, ItemOption, MemoryInventorySink};
use lightspeed_sync::state::MemoryStateStore;
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::json;

use crate::xseries::{mapping, outlet, seed, store, xs};

#[tokio::test]
async fn the_pool_holds_options_images_category_path_and_tags() {
    let (emu, client) = store().await;
    let outlet = outlet(&emu).await;
    let categories = xs(
        &emu,
        Method::POST,
        "api/2.0/product_categories/bulk",
        Some(json!({"categories": [
            {"payload_id": "c", "name": "Clothing"},
            {"payload_parent_category_id": "c", "payload_id": "t", "name": "Tops"},
            {"payload_parent_category_id": "t", "name": "T-shirts"}]})),
    )
    .await;
    let leaf = categories["data"][2]["id"].clone();
    let tag = xs(
        &emu,
        Method::POST,
        "api/2.0/tags",
        Some(json!({"name": "Summer"})),
    )
    .await;
    let mut attributes = Vec::new();
    for name in ["Size", "Colour"] {
        let a = xs(
            &emu,
            Method::POST,
            "api/2.0/variant_attributes",
            Some(json!({"name": name})),
        )
        .await;
        attributes.push(a["data"]["id"].clone());
    }
    xs(
        &emu,
        Method::POST,
        "api/2.0/products",
        Some(json!({
            "name": "Organic Cotton T-shirt", "price_excluding_tax": 20.62,
            "product_category_id": leaf, "tag_ids": [tag["data"]],
            "variants": [{
                "sku": "TS-M-RED",
                "variant_definitions": [{"attribute_id": attributes[0], "value": "M"},
                                        {"attribute_id": attributes[1], "value": "Red"}],
                "images": [{"type": "url", "location": "https://img.example.com/front.jpg"},
                           {"type": "url", "location": "https://img.example.com/back.jpg"}],
                "inventory": [{"outlet_id": outlet, "current_amount": 6}]}]})),
    )
    .await;
    let (pool, state) = (MemoryInventorySink::new(), MemoryStateStore::new());
    let report = primary(
        &client,
        &mapping(),
        &pool,
        &state,
        &PrimaryOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(report.created, 1, "{report:?}");
    let item = pool.get("TS-M-RED").await.unwrap().unwrap();
    assert_eq!(
        item.options,
        [
            ItemOption {
                name: "Size".into(),
                value: "M".into()
            },
            ItemOption {
                name: "Colour".into(),
                value: "Red".into()
            },
        ]
    );
    assert_eq!(
        item.images,
        [
            "https://img.example.com/front.jpg",
            "https://img.example.com/back.jpg"
        ]
    );
    assert_eq!(
        item.category_path.as_deref(),
        Some("Clothing > Tops > T-shirts")
    );
    assert_eq!(item.primary_category.as_deref(), Some("Clothing"));
    assert_eq!(item.sub_category.as_deref(), Some("Tops"));
    assert_eq!(item.tags, ["Summer"]);
    assert_eq!(item.quantity, Decimal::from(6));
}

#[tokio::test]
async fn the_secondary_import_archives_deleted_products_and_brings_them_back() {
    let (emu, client) = store().await;
    let ids = seed(&emu).await;
    let (pool, state) = (MemoryInventorySink::new(), MemoryStateStore::new());
    primary(
        &client,
        &mapping(),
        &pool,
        &state,
        &PrimaryOptions::default(),
    )
    .await
    .unwrap();
    let options = SecondaryOptions {
        archive_missing: true,
        ..Default::default()
    };
    let first = secondary(&client, &pool, &state, &options).await.unwrap();
    assert_eq!(first.archived, 0, "{first:?}");
    // Idle: the inventory probe and the products probe.
    let before = emu.stats().requests;
    let idle = secondary(&client, &pool, &state, &options).await.unwrap();
    assert_eq!((idle.archived, idle.updated), (0, 0));
    assert_eq!(emu.stats().requests - before, 2);

    xs(
        &emu,
        Method::DELETE,
        &format!("api/2.0/products/{}", ids["LW-001"]),
        None,
    )
    .await;
    let gone = secondary(&client, &pool, &state, &options).await.unwrap();
    assert_eq!(gone.archived, 1, "{gone:?}");
    let wallet = pool.get("LW-001").await.unwrap().unwrap();
    assert!(wallet.archived);
    assert_eq!(wallet.quantity, Decimal::ZERO);
    assert!(!pool.get("TS-S").await.unwrap().unwrap().archived);

    // It returns (made again with its SKU): un-archived with its new stock.
    xs(
        &emu,
        Method::POST,
        "api/2.0/products",
        Some(json!({"name": "Luxury Leather Wallet", "sku": "LW-001",
        "inventory": [{"outlet_id": outlet(&emu).await, "current_amount": 5}]})),
    )
    .await;
    let back = secondary(&client, &pool, &state, &options).await.unwrap();
    assert_eq!(back.unarchived, 1, "{back:?}");
    let wallet = pool.get("LW-001").await.unwrap().unwrap();
    assert!(!wallet.archived);
    assert_eq!(wallet.quantity, Decimal::from(5));
}
