//! eCom orders -> X-Series sales, against the emulator: each paid order becomes exactly one
//! sale, and the sale is written back to its order once, whatever write a crash interrupts.

use chrono::Utc;
use lightspeed_core::testing::{Trip, Tripwire};
use lightspeed_core::transport::ReqwestTransport;
use lightspeed_emulator::EmulatorHandle;
use lightspeed_sync::fulfillment::ecom::{EcomOrderOptions, EcomOrders};
use lightspeed_sync::fulfillment::{
    Fulfillment, FulfillmentOptions, FulfillmentReport, RequestOutcome, SaleTemplate, XSeriesSales,
};
use lightspeed_sync::state::MemoryStateStore;
use serde_json::json;

use crate::xseries::{fulfillment_setup, sales, seed, store};

const ORDER_PUT: &str = "PUT /{lang}/orders/{id}.json";

fn ecom_client(
    emu: &EmulatorHandle,
    nth_write: Option<u64>,
) -> (
    lightspeed_ecom::Client,
    Option<std::sync::Arc<tokio::sync::Notify>>,
) {
    let mut builder = lightspeed_ecom::Client::builder(emu.ecom_key(), emu.ecom_secret())
        .base_url(emu.ecom_url())
        .language("nl")
        .rate_limit(lightspeed_core::RateLimitPolicy::new());
    let mut tripped = None;
    if let Some(nth) = nth_write {
        let wire = Tripwire::new(ReqwestTransport::new().unwrap(), nth, Trip::Hang);
        tripped = Some(wire.tripped());
        builder = builder.transport(wire);
    }
    (builder.build().unwrap(), tripped)
}

fn xseries_client(
    emu: &EmulatorHandle,
    nth_write: Option<u64>,
) -> (
    lightspeed_xseries::Client,
    Option<std::sync::Arc<tokio::sync::Notify>>,
) {
    let mut builder = lightspeed_xseries::Client::builder()
        .base_url(emu.xseries_url())
        .personal_token(emu.xseries_token().to_string())
        .rate_limit(lightspeed_core::RateLimitPolicy::new());
    let mut tripped = None;
    if let Some(nth) = nth_write {
        let wire = Tripwire::new(ReqwestTransport::new().unwrap(), nth, Trip::Hang);
        tripped = Some(wire.tripped());
        builder = builder.transport(wire);
    }
    (builder.build().unwrap(), tripped)
}

/// A paid webshop order for two wallets, shipped to Amsterdam.
fn place_order(emu: &EmulatorHandle) -> u64 {
    emu.place_ecom_order(&json!({
        "email": "anna@example.com", "firstname": "Anna", "lastname": "de Vries",
        "phone": "+31 20 555 0101", "companyName": "De Vries BV",
        "status": "on_hold", "paymentStatus": "paid", "paymentTitle": "Credit Card",
        "shipmentTitle": "DHL Express", "shipmentPriceExcl": 4.95, "shipmentTaxRate": 0.21,
        "addressShippingStreet": "Prinsengracht", "addressShippingNumber": "263",
        "addressShippingStreet2": "3rd floor", "addressShippingZipcode": "1016 GV",
        "addressShippingCity": "Amsterdam", "addressShippingRegion": "NH",
        "addressBillingStreet": "Damrak", "addressBillingNumber": "1",
        "addressBillingZipcode": "1012 LG", "addressBillingCity": "Amsterdam",
        "comment": "Gift wrap",
        "lines": [{"sku": "LW-001", "quantity": 2, "priceExcl": 74.34, "taxRate": 0.21,
                   "productTitle": "Luxury Leather Wallet"}]
    }))
    .unwrap()
}

/// One run: eCom orders through the guide's template into X-Series sales.
async fn run(
    ecom: &lightspeed_ecom::Client,
    xseries: &lightspeed_xseries::Client,
    state: &MemoryStateStore,
    options: &FulfillmentOptions,
) -> FulfillmentReport {
    let source = EcomOrders::new(ecom.clone(), state, EcomOrderOptions::default());
    let sink = XSeriesSales::new(xseries.clone());
    let template = SaleTemplate::guide();
    Fulfillment::new(&sink, &source, state, options)
        .with_template(&template)
        .run(Utc::now())
        .await
        .expect("the run completes")
}

#[tokio::test]
async fn a_paid_order_becomes_one_sale_and_its_order_says_so() {
    let (emu, xseries) = store().await;
    seed(&emu).await;
    let options = fulfillment_setup(&emu).await;
    let id = place_order(&emu);
    emu.place_ecom_order(
        &json!({"email": "bob@example.com", "paymentStatus": "not_paid",
        "lines": [{"sku": "LW-001", "quantity": 1, "priceExcl": 74.34}]}),
    )
    .unwrap();
    let (ecom, _) = ecom_client(&emu, None);
    let state = MemoryStateStore::new();
    let report = run(&ecom, &xseries, &state, &options).await;
    assert_eq!(
        report.requests.len(),
        1,
        "the unpaid order waits: {report:?}"
    );
    let RequestOutcome::Created { sale_id } = &report.requests[0].1 else {
        panic!("{report:?}");
    };
    assert_eq!(sales(&emu, "ORD00001").await, 1);
    let sale = xseries
        .sales()
        .find_by_source_id("ORD00001")
        .await
        .unwrap()
        .remove(0);
    let lines = sale.line_items.unwrap();
    assert_eq!(lines[0].quantity, Some(2.into()));
    assert_eq!(lines[0].price.unwrap().normalize().to_string(), "74.34");
    // 2 x 74.34 at 21%: the order's 32.26 of tax less the shipping's 1.04 (4.95 at 21%),
    // which goes with the shipping into the note (no shipping product is configured).
    assert_eq!(sale.total_tax.unwrap().round_dp(2).to_string(), "31.22");
    assert_eq!(
        sale.note.as_deref(),
        Some("Gift wrap Shipping method: DHL Express. Shipping: 4.95.")
    );
    let order = ecom
        .orders()
        .get(lightspeed_ecom::model::OrderId(id))
        .await
        .unwrap();
    assert_eq!(
        order.status,
        Some(lightspeed_ecom::model::OrderStatus::ProcessingAwaitingShipment)
    );
    assert_eq!(
        order.memo.as_deref(),
        Some(format!("X-Series sale {sale_id}").as_str())
    );
    assert_eq!(emu.stats().route(ORDER_PUT), 1);
    // The next run writes nothing anywhere.
    let writes = emu.stats().writes;
    let again = run(&ecom, &xseries, &state, &options).await;
    assert!(again.requests.is_empty(), "{again:?}");
    assert_eq!(emu.stats().writes, writes);
}

#[tokio::test]
async fn an_order_is_one_sale_written_back_once_whatever_write_a_crash_interrupts() {
    // The run's writes: X-Series' customer (1) and sale (2), then eCom's order (1). Each in
    // turn lands and its answer is lost: the run's future is dropped, as a crash would.
    for (side, nth) in [("xseries", 1), ("xseries", 2), ("ecom", 1)] {
        let (emu, _) = store().await;
        seed(&emu).await;
        let options = fulfillment_setup(&emu).await;
        let id = place_order(&emu);
        let state = MemoryStateStore::new();
        let (ecom, ecom_trip) = ecom_client(&emu, (side == "ecom").then_some(nth));
        let (xseries, xs_trip) = xseries_client(&emu, (side == "xseries").then_some(nth));
        let tripped = ecom_trip.or(xs_trip).unwrap();
        let dropped = tokio::select! {
            _ = run(&ecom, &xseries, &state, &options) => false,
            _ = tripped.notified() => true,
        };
        assert!(dropped, "{side} write {nth} was made");
        // Rerun (twice: the second must find nothing to do) with working clients.
        let (ecom, _) = ecom_client(&emu, None);
        let (xseries, _) = xseries_client(&emu, None);
        let rerun = run(&ecom, &xseries, &state, &options).await;
        assert!(
            matches!(
                rerun.requests.first().map(|r| &r.1),
                Some(
                    RequestOutcome::Created { .. }
                        | RequestOutcome::Found { .. }
                        | RequestOutcome::AlreadyProcessed
                ) | None
            ),
            "{side} {nth}: {rerun:?}"
        );
        assert!(rerun.unconfirmed.is_empty(), "{rerun:?}");
        run(&ecom, &xseries, &state, &options).await;
        assert_eq!(
            sales(&emu, "ORD00001").await,
            1,
            "{side} {nth}: exactly one sale"
        );
        let sale = xseries
            .sales()
            .find_by_source_id("ORD00001")
            .await
            .unwrap()
            .remove(0);
        let sale_id = sale.id.unwrap().to_string();
        let order = ecom
            .orders()
            .get(lightspeed_ecom::model::OrderId(id))
            .await
            .unwrap();
        let memo = order.memo.unwrap_or_default();
        assert_eq!(memo.matches(&sale_id).count(), 1, "{side} {nth}: {memo}");
        assert_eq!(
            emu.stats().route(ORDER_PUT),
            1,
            "{side} {nth}: written back once"
        );
        let customers = crate::xseries::xs(
            &emu,
            reqwest::Method::GET,
            "api/2.0/search?type=customers&email=anna@example.com",
            None,
        )
        .await;
        assert_eq!(
            customers["data"].as_array().unwrap().len(),
            1,
            "{side} {nth}: one customer"
        );
    }
}

#[tokio::test]
async fn a_sale_dispatched_in_the_store_marks_the_orders_shipment_shipped_once() {
    use lightspeed_sync::fulfillment::ecom::WriteBack;
    use lightspeed_xseries::model::{RegisterSaleInput, RegisterSaleProductInput, SaleStatus};
    let (emu, xseries) = store().await;
    seed(&emu).await;
    let options = FulfillmentOptions {
        status: SaleStatus::AwaitingDispatch,
        ..fulfillment_setup(&emu).await
    };
    let id = place_order(&emu);
    let (ecom, _) = ecom_client(&emu, None);
    let state = MemoryStateStore::new();
    let source_options = EcomOrderOptions {
        write_back: WriteBack {
            ship_when_dispatched: true,
            ..WriteBack::default()
        },
        ..EcomOrderOptions::default()
    };
    let source = EcomOrders::new(ecom.clone(), &state, source_options);
    let sink = XSeriesSales::new(xseries.clone());
    let template = SaleTemplate::guide();
    let report = Fulfillment::new(&sink, &source, &state, &options)
        .with_template(&template)
        .run(Utc::now())
        .await
        .unwrap();
    assert_eq!(report.created(), 1, "{report:?}");
    // Not dispatched yet: one read of the sale, nothing written.
    let waiting = source.ship_dispatched(&xseries).await.unwrap();
    assert_eq!(waiting.waiting, 1);
    // The store dispatches it (a 0.9 update of the whole sale).
    let sale = xseries
        .sales()
        .find_by_source_id("ORD00001")
        .await
        .unwrap()
        .remove(0);
    let lines = sale
        .line_items
        .clone()
        .unwrap()
        .into_iter()
        .map(|l| RegisterSaleProductInput {
            product_id: l.product_id,
            quantity: l.quantity,
            price: l.price,
            tax: l.tax,
            tax_id: l.tax_id,
            ..Default::default()
        })
        .collect();
    xseries
        .sales()
        .create_register_sale(&RegisterSaleInput {
            id: sale.id.clone(),
            register_id: sale.register_id.clone(),
            user_id: sale.user_id.clone(),
            customer_id: sale.customer_id.clone(),
            status: Some(SaleStatus::DispatchedClosed),
            source_id: Some("ORD00001".into()),
            register_sale_products: Some(lines),
            ..Default::default()
        })
        .await
        .unwrap();
    let shipped = source.ship_dispatched(&xseries).await.unwrap();
    assert_eq!(shipped.shipped, ["ORD00001"], "{shipped:?}");
    let order = ecom
        .orders()
        .get(lightspeed_ecom::model::OrderId(id))
        .await
        .unwrap();
    assert_eq!(
        order.shipment_status,
        Some(lightspeed_ecom::model::ShipmentStatus::Shipped)
    );
    // Done: the next call reads nothing and writes nothing.
    let before = emu.stats();
    let again = source.ship_dispatched(&xseries).await.unwrap();
    assert_eq!(again, Default::default());
    assert_eq!(emu.stats().requests, before.requests);
}
