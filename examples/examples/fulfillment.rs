//! Fulfillment requests sent to X-Series as register sales, twice.
//!
//! ```text
//! cargo run -p lightspeed-examples --example fulfillment
//! ```
//!
//! Against the embedded emulator (seeded with a wallet, a watch and a T-shirt in three
//! sizes), the requests of `examples/data/fulfillment-requests.json` become sales on the
//! emulator's register, with its user and tax: each customer is found by e-mail or created with
//! the ship-to address, SKUs resolve to products, and the request number becomes the sale's
//! `source_id`. One request lacks its postcode and is refused before anything is sent. The
//! second pass sends nothing: each request is sent once and only once. Each pass ends with a
//! `summary {...}` line (`created`: sales created; `requests`, `writes`: as counted by the
//! emulator).

use chrono::Utc;
use lightspeed_examples::{summary, xseries_store};
use lightspeed_sync::fulfillment::{
    FulfillmentOptions, MemoryOrderSource, RequestOutcome, XSeriesSales, send,
};
use lightspeed_sync::state::SqliteStateStore;
use lightspeed_xseries::model::SaleStatus;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (emulator, client) = xseries_store().await?;
    let register = client.registers().all().await?.remove(0);
    let user = client.users().all().await?.remove(0);
    let tax = client.taxes().all().await?.remove(0);
    let cash = client
        .payment_types()
        .all()
        .await?
        .into_iter()
        .find(|p| p.name.as_deref() == Some("Cash"))
        .ok_or("a cash payment type")?;
    let rate = tax
        .rates
        .as_ref()
        .and_then(|r| r.first())
        .and_then(|r| r.rate)
        .unwrap_or_default();
    let options = FulfillmentOptions {
        register_id: register.id.map(|i| i.to_string()).ok_or("register id")?,
        user_id: user.id.map(|i| i.to_string()).ok_or("user id")?,
        tax_id: tax.id.map(|i| i.to_string()).ok_or("tax id")?,
        tax_rate: rate,
        payment_type_id: cash.id.map(|i| i.to_string()),
        status: SaleStatus::Closed,
        shipping_sku: None,
        hold_hours: 1,
        business_hours: None,
    };
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fulfillment-requests.json"),
    )?;
    let source = MemoryOrderSource::from_json(&text)?;
    let work = std::env::temp_dir().join(format!("lightspeed-fulfillment-{}", std::process::id()));
    let state = SqliteStateStore::open(work.join("state.db"))?;
    let sales = XSeriesSales::new(client.clone());
    for pass in 1..=2 {
        let before = emulator.stats();
        let report = send(&sales, &source, &state, &options, Utc::now()).await?;
        println!("== pass {pass}");
        for (number, outcome) in &report.requests {
            match outcome {
                RequestOutcome::Created { sale_id } => {
                    println!("  {number}: sale {sale_id} created")
                }
                RequestOutcome::Rejected { message } => println!("  {number}: refused: {message}"),
                other => println!("  {number}: {other:?}"),
            }
        }
        let after = emulator.stats();
        println!(
            "{}",
            summary(
                pass,
                report.created(),
                0,
                report.unchanged(),
                0,
                report.failed(),
                after.requests - before.requests,
                after.writes - before.writes,
            )
        );
    }
    drop(state);
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}
