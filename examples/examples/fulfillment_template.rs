//! Fulfillment requests through a mapping template, sent to X-Series as register sales, twice.
//!
//! ```text
//! cargo run -p lightspeed-examples --example fulfillment_template
//! ```
//!
//! `examples/data/fulfillment-records.json` holds requests in the integration guide's names
//! (phone, company, four custom fields, three address lines, billing address, payment and
//! shipping methods, item tax, total tax). `examples/mappings/xseries-sale.json`, the guide's
//! table as a mapping document (target `xseries.register_sale`), maps each into a sale and its
//! customer. The register, user and tax are checked against the store before anything is
//! sent. The second request has no email: its customer is found again by a code made from the
//! request number. The third lacks its postcode and is refused, naming the field. The second
//! pass sends nothing. Each pass ends with a `summary {...}` line.

use chrono::Utc;
use lightspeed_examples::{summary, xseries_store};
use lightspeed_sync::fulfillment::{
    Fulfillment, FulfillmentOptions, MemoryOrderSource, RequestOutcome, SaleTemplate, XSeriesSales,
};
use lightspeed_sync::state::SqliteStateStore;
use lightspeed_xseries::model::SaleStatus;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (emulator, client) = xseries_store().await?;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let template = SaleTemplate::from_json(&std::fs::read_to_string(
        dir.join("mappings/xseries-sale.json"),
    )?)?;
    let source = MemoryOrderSource::records_from_json(&std::fs::read_to_string(
        dir.join("data/fulfillment-records.json"),
    )?)?;
    let tax = client.taxes().all().await?.remove(0);
    let options = FulfillmentOptions {
        register_id: client
            .registers()
            .all()
            .await?
            .remove(0)
            .id
            .ok_or("register")?
            .to_string(),
        user_id: client
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
    let work = std::env::temp_dir().join(format!("lightspeed-fr-template-{}", std::process::id()));
    let state = SqliteStateStore::open(work.join("state.db"))?;
    let sink = XSeriesSales::new(client.clone());
    for pass in 1..=2 {
        let before = emulator.stats();
        let report = Fulfillment::new(&sink, &source, &state, &options)
            .with_template(&template)
            .run(Utc::now())
            .await?;
        println!("== pass {pass}");
        for (number, outcome) in &report.requests {
            match outcome {
                RequestOutcome::Created { sale_id } => {
                    let sale = client.sales().find_by_source_id(number).await?.remove(0);
                    println!(
                        "  {number}: sale {sale_id}: total {} + tax {}, note {:?}",
                        sale.total_price.unwrap_or_default().round_dp(2),
                        sale.total_tax.unwrap_or_default().round_dp(2),
                        sale.note.unwrap_or_default()
                    );
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
