//! Fulfillment requests through a mapping template, against the emulator: every field of the
//! integration guide's table reaches the sale or its customer, and a wrong register, user or
//! tax id is named before anything is sent.

use chrono::Utc;
use lightspeed_sync::Error;
use lightspeed_sync::fulfillment::{
    Fulfillment, FulfillmentOptions, MemoryOrderSource, RequestOutcome, RequestRecord,
    SaleTemplate, XSeriesSales,
};
use lightspeed_sync::state::{MemoryStateStore, StateStore};
use lightspeed_xseries::model::{CustomerId, SaleStatus};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::json;

use crate::xseries::{fulfillment_setup, outlet, sales, seed, store, xs};

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// A request with every field of the guide's table.
fn full_request(number: &str) -> RequestRecord {
    RequestRecord::from_fields(json!({
        "FR Number": number, "Created At": "2026-11-23T09:00:00Z",
        "Email": "anna@example.com", "First Name": "Anna", "Last Name": "de Vries",
        "Phone": "+31 20 555 0101", "Company": "De Vries BV",
        "Customer Custom Field 1": "VIP", "Customer Custom Field 2": "loyalty-42",
        "Customer Custom Field 3": "newsletter", "Customer Custom Field 4": "B2B",
        "Shipping Address Line 1": "Prinsengracht 263", "Shipping Address Line 2": "3rd floor",
        "Shipping Address Line 3": "Back entrance", "Shipping City": "Amsterdam",
        "Shipping State": "NH", "Shipping Postal Code": "1016 GV", "Shipping Country Code": "nl",
        "Billing Address Line 1": "Damrak 1", "Billing Address Line 2": "Office 4",
        "Billing City": "Amsterdam", "Billing State": "NH", "Billing Postal Code": "1012 LG",
        "Billing Country Code": "NL",
        "Payment Method": "Credit Card", "Shipping Method": "DHL Express",
        "Shipping Cost": "4.95", "Discount": "5.00", "Total Tax": "25.31", "Note": "Gift wrap",
        "Items": [
            {"Sku": "LW-001", "Quantity": 1, "Unit Price": "74.34", "Tax": "15.61"},
            {"Sku": "TS-S", "Quantity": 2, "Unit Price": "20.62"}
        ]
    }))
    .unwrap()
}

#[tokio::test]
async fn every_field_of_the_guides_table_reaches_the_sale_or_its_customer() {
    let (emu, client) = store().await;
    seed(&emu).await;
    let outlet = outlet(&emu).await;
    xs(
        &emu,
        Method::POST,
        "api/2.0/products",
        Some(
            json!({"name": "Shipping", "sku": "SHIP", "price_excluding_tax": 0,
                    "inventory": [{"outlet_id": outlet, "current_amount": 1000}]}),
        ),
    )
    .await;
    let options = FulfillmentOptions {
        shipping_sku: Some("SHIP".into()),
        status: SaleStatus::Closed,
        ..fulfillment_setup(&emu).await
    };
    let source = MemoryOrderSource::from_records(vec![full_request("FR-1001")]);
    let state = MemoryStateStore::new();
    let sink = XSeriesSales::new(client.clone());
    let template = SaleTemplate::guide();
    let run = Fulfillment::new(&sink, &source, &state, &options).with_template(&template);
    let report = run.run(Utc::now()).await.unwrap();
    assert_eq!(report.created(), 1, "{report:?}");

    let sale = client
        .sales()
        .find_by_source_id("FR-1001")
        .await
        .unwrap()
        .remove(0);
    assert_eq!(sale.source_id.as_deref(), Some("FR-1001"));
    assert_eq!(sale.status, Some(SaleStatus::Closed));
    assert_eq!(
        sale.note.as_deref(),
        Some("Gift wrap Shipping method: DHL Express.")
    );
    let lines = sale.line_items.clone().unwrap();
    let line = |i: usize| {
        let l = &lines[i];
        (
            l.quantity.unwrap(),
            l.price.unwrap().normalize(),
            l.tax.unwrap().normalize(),
        )
    };
    // The discount came off the first line; its tax was given, so it stays.
    assert_eq!(line(0), (d("1"), d("69.34"), d("15.61")));
    // No tax given: 21% of the unit price, five decimals.
    assert_eq!(line(1), (d("2"), d("20.62"), d("4.3302")));
    // Shipping is a line of the shipping product; its unit tax takes the difference to the
    // request's total tax (25.31 - 15.61 - 2 x 4.3302).
    assert_eq!(line(2), (d("1"), d("4.95"), d("1.0396")));
    assert_eq!(sale.total_tax.unwrap().round_dp(2), d("25.31"));
    let payment = &sale.payments.clone().unwrap()[0];
    assert_eq!(payment.amount.unwrap().normalize(), d("140.84"));
    let types = client.payment_types().all().await.unwrap();
    let card = types
        .iter()
        .find(|t| t.name.as_deref() == Some("Credit Card"))
        .unwrap();
    assert_eq!(payment.retailer_payment_type_id, card.id);

    let customer = client
        .customers()
        .get(&CustomerId::from(sale.customer_id.unwrap().as_str()))
        .await
        .unwrap();
    let fields = serde_json::to_value(&customer).unwrap();
    for (field, value) in [
        ("first_name", "Anna"),
        ("last_name", "de Vries"),
        ("email", "anna@example.com"),
        ("phone", "+31 20 555 0101"),
        ("company_name", "De Vries BV"),
        ("custom_field_1", "VIP"),
        ("custom_field_2", "loyalty-42"),
        ("custom_field_3", "newsletter"),
        ("custom_field_4", "B2B"),
        ("physical_address_1", "Prinsengracht 263"),
        ("physical_address_2", "3rd floor, Back entrance"),
        ("physical_city", "Amsterdam"),
        ("physical_state", "NH"),
        ("physical_postcode", "1016 GV"),
        ("physical_country_id", "NL"),
        ("postal_address_1", "Damrak 1"),
        ("postal_address_2", "Office 4"),
        ("postal_city", "Amsterdam"),
        ("postal_postcode", "1012 LG"),
        ("postal_country_id", "NL"),
    ] {
        assert_eq!(fields[field], value, "customer.{field}: {fields}");
    }

    // Once and only once: the next run makes no write.
    let writes = emu.stats().writes;
    let again = run.run(Utc::now()).await.unwrap();
    assert_eq!(again.requests[0].1, RequestOutcome::AlreadyProcessed);
    assert_eq!(emu.stats().writes, writes);
    assert_eq!(sales(&emu, "FR-1001").await, 1);
}

#[tokio::test]
async fn a_wrong_register_user_or_tax_is_named_before_anything_is_sent() {
    let (emu, client) = store().await;
    seed(&emu).await;
    let good = fulfillment_setup(&emu).await;
    let sink = XSeriesSales::new(client.clone());
    let template = SaleTemplate::guide();
    let source = MemoryOrderSource::from_records(vec![full_request("FR-2001")]);
    for (field, wrong) in [
        (
            "register_id",
            FulfillmentOptions {
                register_id: "0a6f6e36-8b71-11eb-f3d6-000000000000".into(),
                ..good.clone()
            },
        ),
        (
            "user_id",
            FulfillmentOptions {
                user_id: "no-such-user".into(),
                ..good.clone()
            },
        ),
        (
            "tax_id",
            FulfillmentOptions {
                tax_id: "no-such-tax".into(),
                ..good.clone()
            },
        ),
    ] {
        let state = MemoryStateStore::new();
        let writes = emu.stats().writes;
        let err = Fulfillment::new(&sink, &source, &state, &wrong)
            .with_template(&template)
            .run(Utc::now())
            .await
            .unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, Error::Target(_)), "{message}");
        assert!(message.contains(field), "{message}");
        let value = match field {
            "register_id" => &wrong.register_id,
            "user_id" => &wrong.user_id,
            _ => &wrong.tax_id,
        };
        assert!(message.contains(value.as_str()), "{message}");
        assert_eq!(emu.stats().writes, writes, "{field}: nothing was sent");
        assert!(state.intents().await.unwrap().is_empty());
    }
    assert_eq!(sales(&emu, "FR-2001").await, 0);
}
