//! Plugging in your own source: a `RecordSource` in a few lines, synced into eCom.
//!
//! ```text
//! cargo run -p lightspeed-examples --example custom_source
//! ```
//!
//! The source below stands for any back office (an ERP query, a PIM API, a spreadsheet): it
//! only has to hand over JSON objects with a location each. The sync does the rest against
//! the embedded emulator.

use async_trait::async_trait;
use lightspeed_emulator::{Emulator, EmulatorConfig};
use lightspeed_mapping::{Mapping, Options};
use lightspeed_sync::source::{SourceBatch, SourceRecord};
use lightspeed_sync::{CatalogSync, EcomTarget, MemoryStateStore, RecordSource, Result};
use serde_json::json;

/// Products from "the ERP".
struct Erp;

#[async_trait]
impl RecordSource for Erp {
    fn name(&self) -> &str {
        "erp"
    }

    async fn read(&self) -> Result<SourceBatch> {
        let rows = [
            ("ERP-1", "Desk lamp", "34.50"),
            ("ERP-2", "Office chair", "189.00"),
        ];
        let records = rows
            .iter()
            .map(|(sku, name, price)| SourceRecord {
                location: format!("erp:{sku}"),
                data: json!({"sku": sku, "name": name, "price": price}),
            })
            .collect();
        Ok(SourceBatch {
            records,
            problems: vec![],
        })
    }
}

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(EmulatorConfig::default()).await?;
    let client = lightspeed_ecom::Client::builder(emulator.ecom_key(), emulator.ecom_secret())
        .base_url(emulator.ecom_url())
        .language("nl")
        .build()?;
    let target = EcomTarget::new(client);
    let mapping = Mapping::from_json(
        r#"{"key": "sku", "product_mappings": [
              {"pim_attribute": "name", "lightspeed_field": "title"},
              {"pim_attribute": "sku", "lightspeed_field": "sku"},
              {"pim_attribute": "price", "lightspeed_field": "price",
               "transformation": {"type": "parse_number"}}]}"#,
        &Options::default(),
    )?;
    let state = MemoryStateStore::new();
    // The mapping is checked against eCom's schema here (`price` is `price_incl`).
    let sync = CatalogSync::new(&Erp, &mapping, &target, &state)?;
    let (plan, report) = sync.run().await?;
    print!("{}{}", plan.render(), report.render());
    Ok(())
}
