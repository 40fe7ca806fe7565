//! X-Series jobs against an emulator the test starts: the inventory pool (primary and
//! secondary) and fulfillment requests as register sales.

use lightspeed_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use lightspeed_sync::pool::{InventorySink, SqliteInventorySink};
use lightspeed_xseries::model::{InventoryInput, ProductCreate};
use serde_json::json;

use crate::support::{Scratch, run};

/// A client of the emulator's store.
pub fn client(emulator: &EmulatorHandle) -> lightspeed_xseries::Client {
    lightspeed_xseries::Client::builder()
        .base_url(emulator.xseries_url())
        .personal_token(emulator.xseries_token().to_string())
        .build()
        .unwrap()
}

/// Two products with stock at the emulator's outlet.
pub async fn seed(emulator: &EmulatorHandle) {
    let client = client(emulator);
    let outlet = client.outlets().all().await.unwrap()[0].id.clone().unwrap();
    for (name, sku, price, level) in [
        ("Wallet", "LW-001", "74.34", 12),
        ("Watch", "WA-001", "1073.55", 3),
    ] {
        client
            .products()
            .create(&ProductCreate {
                name: Some(name.into()),
                sku: Some(sku.into()),
                price_excluding_tax: Some(price.parse().unwrap()),
                inventory: Some(vec![InventoryInput {
                    outlet_id: Some(outlet.clone()),
                    current_amount: Some(level.into()),
                    ..Default::default()
                }]),
                ..Default::default()
            })
            .await
            .unwrap();
    }
}

/// The X-Series connection of a test's emulator (token from `STORE_TOKEN`).
pub fn store(emulator: &EmulatorHandle) -> String {
    format!(
        r#"
[connections.store]
kind = "xseries"
base_url = "{}"
token_env = "STORE_TOKEN"
webhook_secret_env = "STORE_WEBHOOK_SECRET"
"#,
        emulator.xseries_url()
    )
}

/// The pool jobs.
pub const POOL_JOBS: &str = r#"
[jobs.pool]
kind = "inventory-primary"
connection = "store"
mapping = "mappings/xseries-primary.json"
pool = "pool.db"
archive_missing = true

[jobs.stock]
kind = "inventory-secondary"
connection = "store"
pool = "pool.db"
"#;

/// An emulator seeded with [`seed`], and a scratch folder with the quickstart's data and a
/// config of its store and the [`POOL_JOBS`].
pub async fn pool_store(name: &str) -> (EmulatorHandle, Scratch) {
    let emulator = Emulator::start(EmulatorConfig::default().unlimited())
        .await
        .unwrap();
    seed(&emulator).await;
    let scratch = Scratch::new(name);
    scratch.quickstart_data();
    scratch.write(
        "lightspeed.toml",
        &format!("{}{POOL_JOBS}", store(&emulator)),
    );
    (emulator, scratch)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_is_filled_then_refreshed_from_x_series() {
    let (emulator, scratch) = pool_store("pool").await;
    let env = [("STORE_TOKEN", emulator.xseries_token())];

    let out = run(&scratch.0, &["--json", "run", "pool"], &env);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(out.json()["counts"]["created"], 2, "{}", out.all());
    let pool = SqliteInventorySink::open(scratch.path(".lightspeed/pool.db")).unwrap();
    let wallet = pool.get("LW-001").await.unwrap().expect("in the pool");
    assert_eq!(wallet.title, "Wallet");
    assert_eq!(wallet.quantity, 12.into());

    // Stock moves in X-Series: the secondary import refreshes quantities only.
    let client = client(&emulator);
    let product = client
        .products()
        .list()
        .all()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.sku.as_deref() == Some("LW-001"))
        .unwrap();
    let outlet = client.outlets().all().await.unwrap()[0].id.clone().unwrap();
    reqwest::Client::new()
        .put(format!("{}/api/2.1/products/{}", emulator.xseries_url(), product.id.unwrap()))
        .bearer_auth(emulator.xseries_token())
        .json(&json!({"details": {"inventory": [{"outlet_id": outlet.to_string(), "current_amount": 7}]}}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let out = run(&scratch.0, &["--json", "run", "stock"], &env);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(out.json()["counts"]["updated"], 1, "{}", out.all());
    assert_eq!(
        pool.get("LW-001").await.unwrap().unwrap().quantity,
        7.into()
    );
    let out = run(&scratch.0, &["--json", "run", "stock"], &env);
    assert_eq!(out.code, 4, "nothing moved: {}", out.all());

    // Plans and maps are for catalog jobs.
    let out = run(&scratch.0, &["plan", "pool"], &env);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("only catalog jobs are planned"),
        "{}",
        out.all()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fulfillment_requests_become_sales_once() {
    let emulator = Emulator::start(EmulatorConfig::default().unlimited())
        .await
        .unwrap();
    seed(&emulator).await;
    let client = client(&emulator);
    let register = client.registers().all().await.unwrap()[0]
        .id
        .clone()
        .unwrap();
    let user = client.users().all().await.unwrap()[0].id.clone().unwrap();
    let tax = client.taxes().all().await.unwrap()[0].id.clone().unwrap();
    let scratch = Scratch::new("fulfillment");
    let request = |number: &str, sku: &str, postcode: &str| {
        json!({"number": number, "created_at": "2026-01-05T09:00:00Z", "email": "anna@example.com",
               "first_name": "Anna", "last_name": "de Vries",
               "ship_to": {"address1": "Prinsengracht 263", "city": "Amsterdam", "state": "NH", "postcode": postcode, "country_id": "NL"},
               "items": [{"sku": sku, "quantity": 1, "unit_price": 74.34}], "shipping_cost": 0, "discount": 0})
    };
    let requests = json!([
        request("FR-1", "LW-001", "1016 GV"),
        request("FR-2", "WA-001", "")
    ]);
    scratch.write("data/requests.json", &requests.to_string());
    scratch.write(
        "lightspeed.toml",
        &format!(
            r#"{}
[jobs.orders]
kind = "fulfillment"
connection = "store"
source = "data/requests.json"
register_id = "{register}"
user_id = "{user}"
tax_id = "{tax}"
tax_rate = "0.21"
hold_hours = 1
"#,
            store(&emulator)
        ),
    );
    let env = [("STORE_TOKEN", emulator.xseries_token())];
    let out = run(&scratch.0, &["run", "orders"], &env);
    // FR-2 has no postcode: refused before anything is sent.
    assert_eq!(out.code, 3, "{}", out.all());
    assert!(out.stdout.contains("FR-1: sale "), "{}", out.all());
    assert!(
        out.stdout
            .contains("FR-2: refused: request FR-2: ship_to.postcode is required"),
        "{}",
        out.all()
    );
    let out = run(&scratch.0, &["--json", "run", "orders"], &env);
    let again = out.json();
    assert_eq!(again["counts"]["created"], 0, "sent once: {}", out.all());
    assert_eq!(again["counts"]["unchanged"], 1);
}
