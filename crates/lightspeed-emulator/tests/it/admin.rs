//! The admin routes: stats, reset, load, dump, faults.

use lightspeed_emulator::{EmulatorConfig, Stats};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{ecom_get, ecom_send, eventually, http, start, start_with, xs_get};

#[tokio::test]
async fn stats_count_routes_statuses_and_writes() {
    let emu = start().await;
    ecom_send(
        &emu,
        Method::POST,
        "nl/products.json",
        &json!({"product": {"title": "A"}}),
    )
    .await;
    ecom_get(&emu, "nl/products/10000001.json").await;
    ecom_get(&emu, "nl/products/999.json").await;
    xs_get(&emu, "api/2.0/outlets").await;
    let stats: Stats = http()
        .get(format!("{}/_emulator/stats", emu.ecom_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats, emu.stats());
    assert_eq!(stats.requests, 4);
    assert_eq!(stats.writes, 1);
    assert_eq!(stats.route("POST /{lang}/products.json"), 1);
    assert_eq!(stats.route("GET /{lang}/products/{id}.json"), 2);
    assert_eq!(stats.route("GET /api/2.0/outlets"), 1);
    assert_eq!(stats.statuses.get(&404), Some(&1));
    assert_eq!(stats.statuses.get(&201), Some(&1));
}

#[tokio::test]
async fn reset_returns_to_the_seeded_start() {
    let emu = start().await;
    ecom_send(
        &emu,
        Method::POST,
        "nl/products.json",
        &json!({"product": {"title": "A"}}),
    )
    .await;
    let r = http()
        .post(format!("{}/_emulator/reset", emu.ecom_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(emu.stats(), Stats::default());
    let (_, count) = ecom_get(&emu, "nl/products/count.json").await;
    assert_eq!(count["count"], 0);
    let (_, outlets) = xs_get(&emu, "api/2.0/outlets").await;
    assert_eq!(
        outlets["data"].as_array().unwrap().len(),
        1,
        "the seeded outlet is back"
    );
}

#[tokio::test]
async fn a_dump_loads_back_into_a_fresh_emulator() {
    let emu = start().await;
    let seed = json!({
        "ecom": {
            "brands": [{"id": 500, "title": "Acme"}],
            "products": [{"id": 600, "title": "Portemonnee", "brand": 500,
                          "translations": {"en": {"title": "Wallet"}}}],
            "variants": [{"id": 601, "product": 600, "title": "Bruin", "sku": "W-BR",
                          "priceExcl": 49.95, "isDefault": true}],
            "product_images": [{"product": 600, "attachment": "https://example.com/w.jpg",
                                "filename": "w.jpg"}],
        },
        "xseries": {
            "brands": [{"id": "b-1", "name": "Acme"}],
            "products": [{"id": "p-1", "name": "Wallet", "sku": "W-BR", "brand_id": "b-1"}],
        },
    });
    let counts = emu.load(&seed).unwrap();
    assert_eq!(counts["ecom"]["products"], 1);
    let (_, en) = ecom_get(&emu, "en/products/600.json").await;
    assert_eq!(en["product"]["title"], "Wallet");
    assert_eq!(en["product"]["brand"]["resource"]["id"], 500);
    assert_eq!(en["product"]["image"]["title"], "w");
    let dump: Value = http()
        .get(format!("{}/_emulator/dump", emu.ecom_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let other = start().await;
    let r = http()
        .post(format!("{}/_emulator/load", other.ecom_url()))
        .json(&json!({"ecom": dump["ecom"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(other.dump()["ecom"], dump["ecom"]);
    let (_, product) = xs_get(&emu, "api/2.0/products/p-1").await;
    assert_eq!(product["data"]["sku"], "W-BR");
}

#[tokio::test]
async fn bad_seed_data_names_the_place() {
    let emu = start().await;
    let err = emu
        .load(&json!({"ecom": {"products": [{"title": "ok"}, {"content": "no title"}]}}))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "seed data: ecom.products[1]: Invalid product title"
    );
    let err = emu.load(&json!({"ecom": {"orders": []}})).unwrap_err();
    assert!(err.to_string().contains("ecom.orders"), "{err}");
    let r = http()
        .post(format!("{}/_emulator/load", emu.ecom_url()))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn faults_can_be_set_over_http() {
    let emu = start_with(EmulatorConfig::default()).await;
    let r = http()
        .put(format!("{}/_emulator/faults", emu.ecom_url()))
        .json(&json!({"fail_write": {"nth": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (status, _) = ecom_send(
        &emu,
        Method::POST,
        "nl/brands.json",
        &json!({"brand": {"title": "A"}}),
    )
    .await;
    assert_eq!(status, 500);
    let bad = http()
        .put(format!("{}/_emulator/faults", emu.ecom_url()))
        .json(&json!({"eror_500": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400, "unknown fields are refused");
}

#[tokio::test]
async fn dropping_the_handle_stops_the_server() {
    let emu = start().await;
    let url = format!("{}/_emulator/stats", emu.ecom_url());
    assert!(http().get(&url).send().await.is_ok());
    drop(emu);
    // A fresh client each time: no pooled connection to the old server.
    eventually(
        "the port refuses connections after the handle was dropped",
        || {
            let url = url.clone();
            async move { reqwest::Client::new().get(&url).send().await.is_err() }
        },
    )
    .await;
}
