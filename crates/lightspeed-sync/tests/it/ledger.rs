//! Never lose, never duplicate: creates whose answers are lost (in a first run or a later one),
//! futures dropped right after a write landed, repeated titles, references that fail, and a
//! fulfillment request whose sale's answer was lost and whose retry was refused.

use std::collections::BTreeSet;

use lightspeed_core::testing::{Trip, Tripwire};
use lightspeed_core::transport::ReqwestTransport;
use lightspeed_emulator::{EmulatorHandle, Faults, WriteFault};
use lightspeed_sync::{
    CatalogTarget, EcomTarget, MemoryStateStore, MemoryTarget, Outcome, StateStore, TargetError,
};
use serde_json::{Value, json};

use crate::support::{emulator, options, pass, shop, target};

/// `n` products whose titles repeat in pairs for the first 60%, each with a brand and a
/// category.
fn twins(n: usize, from: usize) -> Vec<Value> {
    (from..from + n)
        .map(|i| {
            let title = if i % 10 < 6 {
                format!("Twin {}", i / 2)
            } else {
                format!("Single {i}")
            };
            json!({"sku": format!("T-{i:03}"), "name": title, "price": format!("{i},50"),
                   "stock": "3", "brand": format!("Brand {}", i % 3),
                   "category": format!("Cat {} > Sub {}", i % 2, i % 4)})
        })
        .collect()
}

/// Every source record is one product holding its SKU and title, and no SKU is held twice.
async fn assert_exact(target: &EcomTarget, records: &[Value]) {
    let products = shop(target).await;
    let mut skus = BTreeSet::new();
    for (_, held) in &products {
        for sku in held {
            assert!(
                skus.insert(sku.clone()),
                "{sku} is held twice: {products:?}"
            );
        }
    }
    assert_eq!(products.len(), records.len(), "{products:?}");
    for r in records {
        let sku = r["sku"].as_str().unwrap();
        let title = r["name"].as_str().unwrap();
        assert!(
            products
                .iter()
                .any(|(t, held)| t == title && held == &[sku.to_string()]),
            "{sku} ({title}) is not one product of its own: {products:?}"
        );
    }
}

/// Runs until nothing is pending or failed (at most five runs).
async fn converge(records: &[Value], target: &dyn CatalogTarget, state: &dyn StateStore) -> usize {
    for run in 1..=5 {
        let report = pass(records.to_vec(), target, state, options()).await;
        if report.is_complete() {
            return run;
        }
    }
    panic!("no convergence in five runs");
}

fn lose_answer(emu: &EmulatorHandle, nth: u64) {
    emu.set_faults(Faults {
        fail_write: Some(WriteFault {
            nth,
            after_apply: true,
        }),
        ..Faults::default()
    });
}

#[tokio::test]
async fn repeated_titles_never_merge_after_a_lost_answer() {
    let records = twins(10, 0);
    // Writes 1-9 create the brands and categories; then come the products (10-19), their
    // default variants, their links.
    for nth in [10, 11, 14, 19, 24, 33] {
        let emu = emulator().await;
        let target = target(&emu);
        let state = MemoryStateStore::new();
        lose_answer(&emu, nth);
        let first = pass(records.clone(), &target, &state, options()).await;
        assert!(!first.is_complete(), "write {nth}: {}", first.render());
        emu.set_faults(Faults::default());
        converge(&records, &target, &state).await;
        assert_exact(&target, &records).await;
        let ids: BTreeSet<String> = state
            .items()
            .await
            .unwrap()
            .values()
            .map(|s| s.actual.id.clone())
            .collect();
        assert_eq!(ids.len(), records.len(), "write {nth}: one id per key");
    }
}

#[tokio::test]
async fn a_lost_answer_in_a_later_run_creates_nothing_twice() {
    let emu = emulator().await;
    let target = target(&emu);
    let state = MemoryStateStore::new();
    let mut records = twins(6, 0);
    assert_eq!(converge(&records, &target, &state).await, 1);
    records.extend(twins(4, 6));
    // The first write of the second run: a create.
    lose_answer(&emu, emu.stats().writes + 1);
    let second = pass(records.clone(), &target, &state, options()).await;
    assert!(!second.is_complete(), "{}", second.render());
    emu.set_faults(Faults::default());
    converge(&records, &target, &state).await;
    assert_exact(&target, &records).await;
}

/// An eCom target whose client hangs right after its `nth` write landed.
fn hanging_target(
    emu: &EmulatorHandle,
    nth: u64,
) -> (EcomTarget, std::sync::Arc<tokio::sync::Notify>) {
    let wire = Tripwire::new(ReqwestTransport::new().unwrap(), nth, Trip::Hang);
    let tripped = wire.tripped();
    let client = lightspeed_ecom::Client::builder(emu.ecom_key(), emu.ecom_secret())
        .base_url(emu.ecom_url())
        .language("nl")
        .rate_limit(lightspeed_core::RateLimitPolicy::new())
        .transport(wire)
        .build()
        .unwrap();
    (EcomTarget::new(client), tripped)
}

#[tokio::test]
async fn a_future_dropped_after_any_write_of_a_later_run_creates_nothing_twice() {
    let first = twins(3, 0);
    let mut second = twins(5, 0);
    second[1]["price"] = json!("99,00");
    second[2]["name"] = json!("Renamed");
    // Each write of the second run in turn: its future is dropped right after the write
    // landed, before anything recorded its answer.
    for nth in 1..=14 {
        let emu = emulator().await;
        let state = MemoryStateStore::new();
        converge(&first, &target(&emu), &state).await;
        let (hanging, tripped) = hanging_target(&emu, nth);
        let run = pass(second.clone(), &hanging, &state, options());
        let dropped = tokio::select! {
            _ = run => false,
            _ = tripped.notified() => true,
        };
        let fresh = target(&emu);
        converge(&second, &fresh, &state).await;
        assert_exact(&fresh, &second).await;
        if !dropped {
            // The run had fewer writes than `nth`: every later `nth` is the same.
            assert!(nth > 4, "the second run makes more than four writes");
            break;
        }
    }
}

#[tokio::test]
async fn items_wait_for_a_reference_whose_create_failed() {
    let target = MemoryTarget::with_schema(lightspeed_ecom::schema::ProductSchema);
    let state = MemoryStateStore::new();
    let records = vec![
        json!({"sku": "A", "name": "A", "brand": "Acme", "category": "Men > Shoes"}),
        json!({"sku": "B", "name": "B", "brand": "Other"}),
    ];
    target.fail_reference(
        "brand",
        "Acme",
        TargetError::transient("503 Service Unavailable"),
    );
    target.fail_reference(
        "categories",
        "Men",
        TargetError::rejected("Invalid category title"),
    );
    let first = pass(records.clone(), &target, &state, options()).await;
    let a = first.items.iter().find(|i| i.key == "A").unwrap();
    assert_eq!(a.outcome, Outcome::Failed, "{}", first.render());
    let message = a.message.as_deref().unwrap();
    assert!(
        message.contains("brand \"Acme\" was not created: 503"),
        "{message}"
    );
    assert!(message.contains("Invalid category title"), "{message}");
    let b = first.items.iter().find(|i| i.key == "B").unwrap();
    assert_eq!(b.outcome, Outcome::Created);
    assert_eq!(
        first.unfinished(),
        4,
        "A, the brand, the category and its child"
    );
    assert!(
        state
            .item("A")
            .await
            .unwrap()
            .unwrap()
            .fingerprint
            .is_none(),
        "A is not complete"
    );
    target.clear_failures();
    let second = pass(records.clone(), &target, &state, options()).await;
    assert!(second.is_complete(), "{}", second.render());
    let references = target.reference_records();
    let a = target
        .items()
        .into_iter()
        .find(|i| i.marker.as_deref() == Some("A"))
        .unwrap();
    assert_eq!(
        a.refs["brand"].keys().collect::<Vec<_>>(),
        [references.id("brand", "Acme").unwrap()]
    );
    assert_eq!(
        a.refs["categories"].keys().collect::<Vec<_>>(),
        [references.id("categories", "Men > Shoes").unwrap()]
    );
    let third = pass(records, &target, &state, options()).await;
    assert_eq!(third.count(Outcome::Unchanged), 2, "{}", third.render());
}

mod fulfillment {
    use std::sync::Mutex;

    use async_trait::async_trait;
    use chrono::TimeZone;
    use lightspeed_sync::fulfillment::{
        Address, FulfillmentOptions, FulfillmentRequest, MemoryOrderSource, MemorySaleSink,
        RequestLine, RequestOutcome, SaleDraft, SaleSink, send,
    };
    use lightspeed_sync::{MemoryStateStore, StateStore, TargetError};
    use lightspeed_xseries::model::SaleStatus;
    use rust_decimal::Decimal;

    /// A sink that loses the answer of the first sale it makes and refuses the first lookup
    /// after that, as a flaky network and a busy API would.
    struct Flaky {
        inner: MemorySaleSink,
        lost: Mutex<bool>,
        refused: Mutex<bool>,
    }

    #[async_trait]
    impl SaleSink for Flaky {
        async fn find_sale(&self, source_id: &str) -> Result<Option<String>, TargetError> {
            if !std::mem::replace(&mut *self.refused.lock().unwrap(), true) {
                return Err(TargetError::rejected("400 Bad Request: search is busy"));
            }
            self.inner.find_sale(source_id).await
        }
        async fn find_customer(&self, email: &str) -> Result<Option<String>, TargetError> {
            self.inner.find_customer(email).await
        }
        async fn create_customer(&self, r: &FulfillmentRequest) -> Result<String, TargetError> {
            self.inner.create_customer(r).await
        }
        async fn product_id(&self, sku: &str) -> Result<Option<String>, TargetError> {
            self.inner.product_id(sku).await
        }
        async fn create_sale(&self, sale: &SaleDraft) -> Result<String, TargetError> {
            let id = self.inner.create_sale(sale).await?;
            if !std::mem::replace(&mut *self.lost.lock().unwrap(), true) {
                return Err(TargetError::transient(
                    "connection reset after the request was sent",
                ));
            }
            Ok(id)
        }
    }

    #[tokio::test]
    async fn a_sale_whose_answer_was_lost_and_whose_lookup_was_refused_is_made_once() {
        let sink = Flaky {
            inner: MemorySaleSink::with_products([("W-1".to_string(), "p-1".to_string())]),
            lost: Mutex::new(false),
            refused: Mutex::new(true),
        };
        let request = FulfillmentRequest {
            number: "FR-1".into(),
            created_at: chrono::Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap(),
            email: "tony@stark.com".into(),
            first_name: "Tony".into(),
            last_name: "Stark".into(),
            ship_to: Address {
                address1: "Damrak 1".into(),
                address2: None,
                city: "Amsterdam".into(),
                state: "NH".into(),
                postcode: "1012 LG".into(),
                country_id: "NL".into(),
            },
            billing: None,
            items: vec![RequestLine {
                sku: "W-1".into(),
                quantity: Decimal::ONE,
                unit_price: Decimal::new(4000, 2),
            }],
            shipping_cost: Decimal::ZERO,
            discount: Decimal::ZERO,
            note: None,
        };
        let source = MemoryOrderSource::new(vec![request]);
        let state = MemoryStateStore::new();
        let options = FulfillmentOptions {
            register_id: "r".into(),
            user_id: "u".into(),
            tax_id: "t".into(),
            tax_rate: Decimal::new(21, 2),
            payment_type_id: None,
            status: SaleStatus::Closed,
            shipping_sku: None,
            hold_hours: 0,
            business_hours: None,
        };
        let now = chrono::Utc
            .with_ymd_and_hms(2026, 11, 24, 10, 0, 0)
            .unwrap();
        // Run 1: the sale is made, its answer lost.
        let first = send(&sink, &source, &state, &options, now).await.unwrap();
        assert!(matches!(
            first.requests[0].1,
            RequestOutcome::Pending { .. }
        ));
        assert_eq!(
            state.intents().await.unwrap().len(),
            1,
            "the intent stays open"
        );
        // Run 2: the lookup is refused.
        *sink.refused.lock().unwrap() = false;
        let second = send(&sink, &source, &state, &options, now).await.unwrap();
        assert!(
            matches!(second.requests[0].1, RequestOutcome::Rejected { .. }),
            "{second:?}"
        );
        assert_eq!(
            state.intents().await.unwrap().len(),
            1,
            "a refusal closes nothing"
        );
        // Run 3: the lookup finds the sale; nothing is sent again.
        let third = send(&sink, &source, &state, &options, now).await.unwrap();
        assert!(
            matches!(third.requests[0].1, RequestOutcome::Found { .. }),
            "{third:?}"
        );
        assert_eq!(sink.inner.sales().len(), 1, "one sale for one request");
        assert!(state.intents().await.unwrap().is_empty());
        let fourth = send(&sink, &source, &state, &options, now).await.unwrap();
        assert_eq!(fourth.requests[0].1, RequestOutcome::AlreadyProcessed);
        assert_eq!(sink.inner.sales().len(), 1);
    }
}
