//! The omnichannel loop, offline: a webshop (Lightspeed eCom) beside a store (X-Series).
//!
//! ```text
//! cargo run -p lightspeed-examples --example omnichannel
//! ```
//!
//! Against the embedded emulator, which serves both APIs (its X-Series store is seeded with a
//! wallet, a watch and a T-shirt in sizes S, M and L):
//!
//! 1. **PIM -> eCom catalog**: five PIM records become the webshop's products (the T-shirt as
//!    one product with three variants).
//! 2. **X-Series stock -> eCom**: the store's catalog and stock fill an inventory pool, which
//!    is pushed to the webshop's variants by SKU (stock and prices), in one bulk call.
//! 3. **eCom order -> X-Series sale**: a shopper buys two medium T-shirts; the paid order
//!    becomes one register sale (customer, address, shipping, tax, payment), and the order
//!    is written back (status and memo).
//! 4. **Around again**: the sale took two T-shirts off the store's stock; the secondary
//!    import sees it and the push writes that one SKU to the webshop.
//!
//! Then the whole loop runs once more with nothing new: no writes anywhere. Each step ends
//! with a `summary {...}` line (`requests` and `writes` as counted by the emulator).

use chrono::Utc;
use lightspeed_examples::{summary, xseries_store};
use lightspeed_mapping::{Mapping, Options};
use lightspeed_sync::fulfillment::ecom::{EcomOrderOptions, EcomOrders};
use lightspeed_sync::fulfillment::{
    Fulfillment, FulfillmentOptions, RequestOutcome, SaleTemplate, XSeriesSales,
};
use lightspeed_sync::pool::ecom::{PushOptions, push};
use lightspeed_sync::pool::xseries::{PrimaryOptions, SecondaryOptions, primary, secondary};
use lightspeed_sync::pool::{MemoryInventorySink, PoolSchema};
use lightspeed_sync::{
    CatalogSync, CreateMissing, EcomTarget, MemorySource, MemoryStateStore, Outcome, PlanOptions,
    SyncOptions,
};
use lightspeed_xseries::model::SaleStatus;
use serde_json::json;

const CATALOG: &str = r#"{
  "version": 1, "target": "ecom.product", "key": "sku",
  "product_mappings": [
    {"pim_attribute": "parent", "lightspeed_field": "parent"},
    {"pim_attribute": "name", "lightspeed_field": "title"}
  ],
  "variant_mappings": [
    {"pim_attribute": "sku", "lightspeed_field": "sku"},
    {"pim_attribute": "size", "lightspeed_field": "options.size"}
  ]
}"#;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (emulator, xseries) = xseries_store().await?;
    let ecom = lightspeed_ecom::Client::builder(emulator.ecom_key(), emulator.ecom_secret())
        .base_url(emulator.ecom_url())
        .language("nl")
        .build()?;
    let state = MemoryStateStore::new();
    let pool = MemoryInventorySink::new();
    let mut step = 0;
    let mut report = |name: &str,
                      created: usize,
                      updated: usize,
                      unchanged: usize,
                      failed: usize,
                      before: lightspeed_emulator::Stats| {
        step += 1;
        let after = emulator.stats();
        println!("   {name}");
        println!(
            "{}",
            summary(
                step,
                created,
                updated,
                unchanged,
                0,
                failed,
                after.requests - before.requests,
                after.writes - before.writes
            )
        );
    };

    // The store's register, user, tax and card payments: where the webshop's sales go.
    let tax = xseries.taxes().all().await?.remove(0);
    let options = FulfillmentOptions {
        register_id: xseries
            .registers()
            .all()
            .await?
            .remove(0)
            .id
            .ok_or("register")?
            .to_string(),
        user_id: xseries
            .users()
            .all()
            .await?
            .remove(0)
            .id
            .ok_or("user")?
            .to_string(),
        tax_id: tax.id.clone().ok_or("tax")?.to_string(),
        tax_rate: tax
            .rates
            .as_ref()
            .and_then(|r| r.first())
            .and_then(|r| r.rate)
            .unwrap_or_default(),
        payment_type_id: None,
        status: SaleStatus::Closed,
        shipping_sku: None,
        hold_hours: 0,
        business_hours: None,
    };
    let pool_mapping = Mapping::from_json(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/xseries-primary.json"),
        )?,
        &Options {
            channel: None,
            schema: Some(&PoolSchema),
        },
    )?;
    let template = SaleTemplate::guide();

    for lap in 1..=2 {
        println!("== lap {lap}");
        // 1. PIM -> eCom catalog.
        let before = emulator.stats();
        let source = MemorySource::new(
            "pim",
            vec![
                json!({"sku": "LW-001", "name": "Luxury Leather Wallet"}),
                json!({"sku": "WA-001", "name": "Luxury Watch"}),
                json!({"sku": "TS-S", "parent": "TS", "name": "Organic Cotton T-shirt", "size": "S"}),
                json!({"sku": "TS-M", "parent": "TS", "name": "Organic Cotton T-shirt", "size": "M"}),
                json!({"sku": "TS-L", "parent": "TS", "name": "Organic Cotton T-shirt", "size": "L"}),
            ],
        );
        let mapping = Mapping::from_json(CATALOG, &Options::default())?;
        let target = EcomTarget::new(ecom.clone());
        let sync =
            CatalogSync::new(&source, &mapping, &target, &state)?.with_options(SyncOptions {
                plan: PlanOptions {
                    create_missing: CreateMissing::All,
                    ..PlanOptions::default()
                },
                ..SyncOptions::default()
            });
        let (_, catalog) = sync.run().await?;
        report(
            "PIM -> eCom catalog",
            catalog.count(Outcome::Created),
            catalog.count(Outcome::Updated),
            catalog.count(Outcome::Unchanged),
            catalog.count(Outcome::Failed),
            before,
        );

        // 2. X-Series stock -> pool -> eCom.
        let before = emulator.stats();
        let imported = primary(
            &xseries,
            &pool_mapping,
            &pool,
            &state,
            &PrimaryOptions::default(),
        )
        .await?;
        let pushed = push(
            &ecom,
            &pool,
            &state,
            &PushOptions {
                prices: true,
                ..PushOptions::default()
            },
        )
        .await?;
        for sku in &pushed.written {
            println!("   stock of {sku} -> webshop");
        }
        report(
            "X-Series stock -> eCom",
            imported.created,
            pushed.written.len(),
            pushed.unchanged,
            pushed.failed.len(),
            before,
        );

        // 3. A webshop order -> one X-Series sale, written back.
        if lap == 1 {
            emulator.place_ecom_order(&json!({
                "email": "anna@example.com", "firstname": "Anna", "lastname": "de Vries",
                "phone": "+31 20 555 0101", "paymentStatus": "paid", "paymentTitle": "Credit Card",
                "shipmentTitle": "PostNL", "shipmentPriceExcl": 4.95, "shipmentTaxRate": 0.21,
                "addressShippingStreet": "Prinsengracht", "addressShippingNumber": "263",
                "addressShippingZipcode": "1016 GV", "addressShippingCity": "Amsterdam",
                "lines": [{"sku": "TS-M", "quantity": 2, "priceExcl": 20.62, "taxRate": 0.21,
                           "productTitle": "Organic Cotton T-shirt"}]}))?;
        }
        let before = emulator.stats();
        let orders = EcomOrders::new(ecom.clone(), &state, EcomOrderOptions::default());
        let sink = XSeriesSales::new(xseries.clone());
        let sold = Fulfillment::new(&sink, &orders, &state, &options)
            .with_template(&template)
            .run(Utc::now())
            .await?;
        for (number, outcome) in &sold.requests {
            if let RequestOutcome::Created { sale_id } = outcome {
                println!("   order {number} -> X-Series sale {sale_id}, written back to the order");
            }
        }
        report(
            "eCom orders -> X-Series sales",
            sold.created(),
            0,
            sold.unchanged(),
            sold.failed(),
            before,
        );

        // 4. The sale moved the store's stock: around again, one SKU written.
        let before = emulator.stats();
        let refreshed = secondary(&xseries, &pool, &state, &SecondaryOptions::default()).await?;
        let pushed = push(
            &ecom,
            &pool,
            &state,
            &PushOptions {
                prices: true,
                ..PushOptions::default()
            },
        )
        .await?;
        for sku in &pushed.written {
            println!("   stock of {sku} -> webshop");
        }
        report(
            "X-Series stock -> eCom, again",
            0,
            refreshed.updated + pushed.written.len(),
            pushed.unchanged,
            pushed.failed.len(),
            before,
        );
    }
    Ok(())
}
