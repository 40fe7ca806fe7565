//! The X-Series flows against the emulator: the inventory pool (primary and secondary) and
//! fulfillment requests as register sales.

use chrono::{TimeZone, Utc};
use lightspeed_emulator::{Emulator, EmulatorConfig, EmulatorHandle, Faults, WriteFault};
use lightspeed_mapping::{Mapping, Options};
use lightspeed_sync::fulfillment::{
    Address, BusinessHours, FulfillmentOptions, FulfillmentRequest, MemoryOrderSource, RequestLine,
    RequestOutcome, send,
};
use lightspeed_sync::pool::xseries::{PrimaryOptions, SecondaryOptions, primary, secondary};
use lightspeed_sync::pool::{InventorySink, MemoryInventorySink, PoolSchema};
use lightspeed_sync::state::MemoryStateStore;
use lightspeed_xseries::model::SaleStatus;
use rust_decimal::Decimal;
use serde_json::{Value, json};

const PRIMARY: &str = include_str!("../../../../examples/mappings/xseries-primary.json");

pub(crate) async fn store() -> (EmulatorHandle, lightspeed_xseries::Client) {
    let emu = Emulator::start(EmulatorConfig::default().unlimited())
        .await
        .unwrap();
    let client = lightspeed_xseries::Client::builder()
        .base_url(emu.xseries_url())
        .personal_token(emu.xseries_token().to_string())
        .retry(
            lightspeed_core::RetryPolicy::default()
                .min_delay(std::time::Duration::from_millis(1))
                .max_delay(std::time::Duration::from_millis(5))
                .max_attempts(10)
                .jitter(false),
        )
        .build()
        .unwrap();
    (emu, client)
}

pub(crate) async fn xs(
    emu: &EmulatorHandle,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut r = reqwest::Client::new()
        .request(method, format!("{}/{path}", emu.xseries_url()))
        .bearer_auth(emu.xseries_token());
    if let Some(b) = body {
        r = r
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let bytes = r.send().await.unwrap().bytes().await.unwrap();
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

pub(crate) async fn outlet(emu: &EmulatorHandle) -> String {
    xs(emu, reqwest::Method::GET, "api/2.0/outlets", None).await["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A wallet (weight in kg), and a T-shirt family S/M; answers the products' ids by SKU.
pub(crate) async fn seed(emu: &EmulatorHandle) -> std::collections::BTreeMap<String, String> {
    let outlet = outlet(emu).await;
    xs(
        emu,
        reqwest::Method::POST,
        "api/2.0/products",
        Some(json!({
        "name": "Luxury Leather Wallet", "sku": "LW-001", "price_excluding_tax": 74.34,
        "weight": 0.25, "weight_unit": "KG", "supply_price": 30,
        "inventory": [{"outlet_id": outlet, "current_amount": 12}]})),
    )
    .await;
    let size = xs(
        emu,
        reqwest::Method::POST,
        "api/2.0/variant_attributes",
        Some(json!({"name": "Size"})),
    )
    .await;
    let size = size["data"]["id"].clone();
    xs(
        emu,
        reqwest::Method::POST,
        "api/2.0/products",
        Some(json!({
        "name": "Organic Cotton T-shirt", "price_excluding_tax": 20.62,
        "variants": [
            {"sku": "TS-S", "variant_definitions": [{"attribute_id": size, "value": "S"}],
             "inventory": [{"outlet_id": outlet, "current_amount": 9}]},
            {"sku": "TS-M", "variant_definitions": [{"attribute_id": size, "value": "M"}],
             "inventory": [{"outlet_id": outlet, "current_amount": 4}]}]})),
    )
    .await;
    let products = xs(emu, reqwest::Method::GET, "api/2.0/products", None).await;
    products["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["sku"].as_str().unwrap().to_string(),
                p["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub(crate) fn mapping() -> Mapping {
    Mapping::from_json(
        PRIMARY,
        &Options {
            channel: None,
            schema: Some(&PoolSchema),
        },
    )
    .unwrap()
}

#[tokio::test]
async fn primary_fills_the_pool_and_reads_only_changes_next_time() {
    let (emu, client) = store().await;
    seed(&emu).await;
    let (pool, state) = (MemoryInventorySink::new(), MemoryStateStore::new());
    let options = PrimaryOptions {
        archive_missing: true,
        ..Default::default()
    };
    let first = primary(&client, &mapping(), &pool, &state, &options)
        .await
        .unwrap();
    assert_eq!(first.created, 3, "{first:?}");
    let wallet = pool.get("LW-001").await.unwrap().unwrap();
    assert_eq!(wallet.quantity, Decimal::from(12));
    assert_eq!(wallet.weight_unit.as_deref(), Some("kg"));
    assert_eq!(wallet.cost, Some(Decimal::from(30)));
    assert_eq!(
        wallet.msrp,
        Some(Decimal::new(8995, 2)),
        "74.34 plus 21%, two decimals"
    );
    let medium = pool.get("TS-M").await.unwrap().unwrap();
    assert_eq!(medium.parent_sku.as_deref(), Some("TS-S"));
    assert_eq!(
        medium.variant_name.as_deref(),
        Some("Organic Cotton T-shirt / M")
    );
    let second = primary(&client, &mapping(), &pool, &state, &options)
        .await
        .unwrap();
    assert_eq!(
        (second.created, second.updated),
        (0, 0),
        "nothing changed: {second:?}"
    );
}

#[tokio::test]
async fn items_that_leave_the_feed_are_archived_on_full_runs_and_come_back() {
    let (emu, client) = store().await;
    let ids = seed(&emu).await;
    let (pool, state) = (MemoryInventorySink::new(), MemoryStateStore::new());
    let mut options = PrimaryOptions {
        archive_missing: true,
        ..Default::default()
    };
    primary(&client, &mapping(), &pool, &state, &options)
        .await
        .unwrap();
    xs(
        &emu,
        reqwest::Method::DELETE,
        &format!("api/2.0/products/{}", ids["LW-001"]),
        None,
    )
    .await;
    // An incremental run does not archive.
    let incremental = primary(&client, &mapping(), &pool, &state, &options)
        .await
        .unwrap();
    assert_eq!(incremental.archived, 0);
    options.full = true;
    let full = primary(&client, &mapping(), &pool, &state, &options)
        .await
        .unwrap();
    assert_eq!(full.archived, 1, "{full:?}");
    let gone = pool.get("LW-001").await.unwrap().unwrap();
    assert!(gone.archived);
    assert_eq!(gone.quantity, Decimal::ZERO);
    // It returns (created again with its SKU).
    xs(
        &emu,
        reqwest::Method::POST,
        "api/2.0/products",
        Some(json!({"name": "Luxury Leather Wallet", "sku": "LW-001",
        "inventory": [{"outlet_id": outlet(&emu).await, "current_amount": 2}]})),
    )
    .await;
    let back = primary(&client, &mapping(), &pool, &state, &options)
        .await
        .unwrap();
    assert_eq!(back.unarchived, 1, "{back:?}");
    let item = pool.get("LW-001").await.unwrap().unwrap();
    assert!(!item.archived);
    assert_eq!(item.quantity, Decimal::from(2));
}

#[tokio::test]
async fn secondary_refreshes_quantities_and_creates_variants_only_when_allowed() {
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
    // Stock moves, and a new variant appears that the pool does not know.
    xs(
        &emu,
        reqwest::Method::PUT,
        &format!("api/2.1/products/{}", ids["TS-M"]),
        Some(json!({
        "details": {"inventory": [{"outlet_id": outlet(&emu).await, "current_amount": 1}]}})),
    )
    .await;
    xs(&emu, reqwest::Method::POST, "api/2.1/products", Some(json!({"common": {}, "details": {
        "variant_parent_id": ids["TS-S"], "inventory": [{"outlet_id": outlet(&emu).await, "current_amount": 7}]}}))).await;
    let off = secondary(&client, &pool, &state, &SecondaryOptions::default())
        .await
        .unwrap();
    assert_eq!(off.updated, 1, "{off:?}");
    assert_eq!(off.skipped.len(), 1, "{off:?}");
    assert!(off.skipped[0].1.contains("allow create variant is off"));
    assert_eq!(
        pool.get("TS-M").await.unwrap().unwrap().quantity,
        Decimal::ONE
    );
    // Nothing new: one call, no change.
    let before = emu.stats().requests;
    let idle = secondary(&client, &pool, &state, &SecondaryOptions::default())
        .await
        .unwrap();
    assert_eq!((idle.updated, idle.created), (0, 0));
    assert_eq!(emu.stats().requests - before, 1);
    // With creation allowed (and the cursor forgotten), the new variant joins the pool.
    let fresh = MemoryStateStore::new();
    let on = secondary(
        &client,
        &pool,
        &fresh,
        &SecondaryOptions {
            allow_create_variant: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(on.created, 1, "{on:?}");
    assert_eq!(pool.all().await.unwrap().len(), 4);
}

#[tokio::test]
async fn imports_converge_through_faults() {
    let (emu, client) = store().await;
    seed(&emu).await;
    // Half the requests fail (5xx, 429, dropped or cut): the client retries its reads.
    emu.set_faults(Faults {
        latency: 0.0,
        ..Faults::rate(0.5)
    });
    let (pool, state) = (MemoryInventorySink::new(), MemoryStateStore::new());
    let mut done = false;
    for _ in 0..10 {
        if primary(
            &client,
            &mapping(),
            &pool,
            &state,
            &PrimaryOptions::default(),
        )
        .await
        .is_ok()
        {
            done = true;
            break;
        }
    }
    assert!(done, "no convergence");
    assert_eq!(pool.all().await.unwrap().len(), 3);
    assert!(emu.stats().faults > 0);
}

pub(crate) async fn fulfillment_setup(emu: &EmulatorHandle) -> FulfillmentOptions {
    let register =
        xs(emu, reqwest::Method::GET, "api/2.0/registers", None).await["data"][0]["id"].clone();
    let user = xs(emu, reqwest::Method::GET, "api/2.0/users", None).await["data"][0]["id"].clone();
    let tax = xs(emu, reqwest::Method::GET, "api/2.0/taxes", None).await["data"][0]["id"].clone();
    FulfillmentOptions {
        register_id: register.as_str().unwrap().into(),
        user_id: user.as_str().unwrap().into(),
        tax_id: tax.as_str().unwrap().into(),
        tax_rate: Decimal::new(21, 2),
        payment_type_id: None,
        status: SaleStatus::Closed,
        shipping_sku: None,
        hold_hours: 0,
        business_hours: None,
    }
}

fn request(number: &str, placed: chrono::DateTime<Utc>) -> FulfillmentRequest {
    FulfillmentRequest {
        number: number.into(),
        created_at: placed,
        email: "anna@example.com".into(),
        first_name: "Anna".into(),
        last_name: "de Vries".into(),
        ship_to: Address {
            address1: "Prinsengracht 263".into(),
            address2: None,
            city: "Amsterdam".into(),
            state: "NH".into(),
            postcode: "1016 GV".into(),
            country_id: "NL".into(),
        },
        billing: None,
        items: vec![RequestLine {
            sku: "LW-001".into(),
            quantity: Decimal::ONE,
            unit_price: Decimal::new(7434, 2),
        }],
        shipping_cost: Decimal::new(495, 2),
        discount: Decimal::ZERO,
        note: None,
    }
}

/// One fulfillment run on the emulator's X-Series.
async fn deliver(
    client: &lightspeed_xseries::Client,
    source: &MemoryOrderSource,
    state: &MemoryStateStore,
    options: &FulfillmentOptions,
    now: chrono::DateTime<Utc>,
) -> lightspeed_sync::fulfillment::FulfillmentReport {
    let sink = lightspeed_sync::fulfillment::XSeriesSales::new(client.clone());
    send(&sink, source, state, options, now).await.unwrap()
}

pub(crate) async fn sales(emu: &EmulatorHandle, source_id: &str) -> usize {
    xs(
        emu,
        reqwest::Method::GET,
        &format!("api/2.0/search?type=sales&source_id={source_id}"),
        None,
    )
    .await["data"]
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn a_request_becomes_one_sale_with_its_customer_and_stock_moves() {
    let (emu, client) = store().await;
    seed(&emu).await;
    let options = fulfillment_setup(&emu).await;
    let now = Utc::now();
    let source = MemoryOrderSource::new(vec![request("FR-1", now), request("FR-2", now)]);
    let state = MemoryStateStore::new();
    let report = deliver(&client, &source, &state, &options, now).await;
    assert_eq!(report.created(), 2, "{report:?}");
    assert_eq!(sales(&emu, "FR-1").await, 1);
    let customers = xs(
        &emu,
        reqwest::Method::GET,
        "api/2.0/search?type=customers&email=anna@example.com",
        None,
    )
    .await;
    assert_eq!(
        customers["data"].as_array().unwrap().len(),
        1,
        "one customer for both requests"
    );
    assert_eq!(customers["data"][0]["physical_postcode"], "1016 GV");
    let stock = xs(&emu, reqwest::Method::GET, "api/2.0/inventory", None).await;
    let levels: Vec<i64> = stock["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["inventory_level"].as_i64())
        .collect();
    assert!(levels.contains(&10), "12 - 2 wallets: {levels:?}");
    let before = emu.stats();
    let again = deliver(&client, &source, &state, &options, now).await;
    assert_eq!(again.created(), 0);
    assert_eq!(emu.stats().writes, before.writes, "sent once and only once");
}

#[tokio::test]
async fn a_crash_between_the_sale_post_and_its_record_still_makes_one_sale() {
    let (emu, client) = store().await;
    seed(&emu).await;
    let options = fulfillment_setup(&emu).await;
    let now = Utc::now();
    let source = MemoryOrderSource::new(vec![request("FR-9", now)]);
    let state = MemoryStateStore::new();
    let writes = emu.stats().writes;
    // Write 1 is the customer, write 2 the sale: it lands, its answer is lost.
    emu.set_faults(Faults {
        fail_write: Some(WriteFault {
            nth: writes + 2,
            after_apply: true,
        }),
        ..Faults::default()
    });
    let first = deliver(&client, &source, &state, &options, now).await;
    assert!(
        matches!(first.requests[0].1, RequestOutcome::Pending { .. }),
        "{first:?}"
    );
    emu.set_faults(Faults::default());
    let second = deliver(&client, &source, &state, &options, now).await;
    assert!(
        matches!(second.requests[0].1, RequestOutcome::Found { .. }),
        "{second:?}"
    );
    assert_eq!(sales(&emu, "FR-9").await, 1, "exactly one sale");
}

#[tokio::test]
async fn holds_and_business_hours_follow_the_injected_clock() {
    let (emu, client) = store().await;
    seed(&emu).await;
    let mut options = fulfillment_setup(&emu).await;
    options.hold_hours = 2;
    options.business_hours = Some(BusinessHours::office(chrono_tz::Europe::Amsterdam));
    // Placed Monday 23 November 2026, 10:00 Amsterdam (09:00 UTC).
    let placed = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let source = MemoryOrderSource::new(vec![request("FR-5", placed)]);
    let state = MemoryStateStore::new();
    let at = |h: u32| Utc.with_ymd_and_hms(2026, 11, 23, h, 30, 0).unwrap();
    let held = deliver(&client, &source, &state, &options, at(10)).await;
    assert_eq!(held.requests[0].1, RequestOutcome::Held);
    let closed = deliver(&client, &source, &state, &options, at(17)).await;
    assert_eq!(
        closed.requests[0].1,
        RequestOutcome::Waiting,
        "18:30 in Amsterdam"
    );
    let sent = deliver(&client, &source, &state, &options, at(11)).await;
    assert!(
        matches!(sent.requests[0].1, RequestOutcome::Created { .. }),
        "{sent:?}"
    );
}

#[tokio::test]
async fn bad_requests_are_refused_before_anything_is_sent() {
    let (emu, client) = store().await;
    seed(&emu).await;
    let options = fulfillment_setup(&emu).await;
    let now = Utc::now();
    let mut no_city = request("FR-7", now);
    no_city.ship_to.city = String::new();
    let mut unknown = request("FR-8", now);
    unknown.items[0].sku = "NOPE".into();
    let source = MemoryOrderSource::new(vec![no_city, unknown]);
    let state = MemoryStateStore::new();
    let before = emu.stats().writes;
    let report = deliver(&client, &source, &state, &options, now).await;
    match &report.requests[0].1 {
        RequestOutcome::Rejected { message } => {
            assert_eq!(message, "request FR-7: ship_to.city is required")
        }
        other => panic!("{other:?}"),
    }
    match &report.requests[1].1 {
        RequestOutcome::Rejected { message } => {
            assert!(message.contains("no product with SKU NOPE"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        emu.stats().writes - before,
        0,
        "nothing was created: SKUs resolve before the customer is made"
    );
    let _ = state;
}

#[tokio::test]
async fn fulfillment_through_faults_makes_exactly_one_sale_per_request() {
    let (emu, client) = store().await;
    seed(&emu).await;
    let options = fulfillment_setup(&emu).await;
    let now = Utc::now();
    let numbers: Vec<String> = (1..=5).map(|i| format!("FR-F{i}")).collect();
    let source = MemoryOrderSource::new(numbers.iter().map(|n| request(n, now)).collect());
    let state = MemoryStateStore::new();
    emu.set_faults(Faults {
        latency: 0.0,
        ..Faults::rate(0.3)
    });
    let mut settled = false;
    for _ in 0..15 {
        let report = deliver(&client, &source, &state, &options, now).await;
        if report.requests.iter().all(|(_, o)| {
            matches!(
                o,
                RequestOutcome::Created { .. }
                    | RequestOutcome::Found { .. }
                    | RequestOutcome::AlreadyProcessed
            )
        }) {
            settled = true;
            break;
        }
    }
    emu.set_faults(Faults::default());
    assert!(settled, "no convergence");
    for n in &numbers {
        assert_eq!(sales(&emu, n).await, 1, "{n}: exactly one sale");
    }
    assert!(emu.stats().faults > 0);
}

#[tokio::test]
async fn the_xseries_sale_sink_conforms() {
    let (emu, client) = store().await;
    seed(&emu).await;
    let options = fulfillment_setup(&emu).await;
    let place = lightspeed_sync::fulfillment::conformance::Place {
        register_id: options.register_id.clone(),
        user_id: options.user_id.clone(),
        tax_id: options.tax_id.clone(),
    };
    lightspeed_sync::fulfillment::conformance::check(
        &lightspeed_sync::fulfillment::XSeriesSales::new(client),
        "LW-001",
        &place,
    )
    .await;
}
