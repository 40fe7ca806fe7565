//! X-Series catalog and stock into the inventory pool, twice.
//!
//! ```text
//! cargo run -p lightspeed-examples --example xseries_inventory
//! ```
//!
//! Against the embedded emulator (seeded with a wallet, a watch and a T-shirt in three
//! sizes): "Get Inventory (Primary)" reads the products with the version cursor, flattens each
//! into the guide's attribute names and maps it with `examples/mappings/xseries-primary.json`
//! into a SQLite pool; "Get Inventory (Secondary)" refreshes quantities. The second pass finds
//! nothing new. Each pass ends with a `summary {...}` line (`created`: items added to the pool;
//! `requests` and `writes`: as counted by the emulator).

use lightspeed_examples::{summary, xseries_store};
use lightspeed_mapping::{Mapping, Options};
use lightspeed_sync::pool::xseries::{PrimaryOptions, SecondaryOptions, primary, secondary};
use lightspeed_sync::pool::{InventorySink, PoolSchema, SqliteInventorySink};
use lightspeed_sync::state::SqliteStateStore;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (emulator, client) = xseries_store().await?;
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/xseries-primary.json"),
    )?;
    let mapping = Mapping::from_json(
        &text,
        &Options {
            channel: None,
            schema: Some(&PoolSchema),
        },
    )?;
    let work = std::env::temp_dir().join(format!("lightspeed-pool-{}", std::process::id()));
    let pool = SqliteInventorySink::open(work.join("pool.db"))?;
    let state = SqliteStateStore::open(work.join("state.db"))?;
    let primary_options = PrimaryOptions {
        archive_missing: true,
        ..Default::default()
    };
    let secondary_options = SecondaryOptions::default();
    for pass in 1..=2 {
        let before = emulator.stats();
        let first = primary(&client, &mapping, &pool, &state, &primary_options).await?;
        let second = secondary(&client, &pool, &state, &secondary_options).await?;
        println!("== pass {pass}");
        for item in pool.all().await?.values() {
            println!(
                "  {:8} {:32} qty {:>3} {} {}",
                item.sku,
                item.title,
                item.quantity,
                item.weight
                    .map(|w| format!("{w} {}", item.weight_unit.as_deref().unwrap_or("")))
                    .unwrap_or_default(),
                item.parent_sku
                    .as_deref()
                    .map(|p| format!("(variant of {p})"))
                    .unwrap_or_default()
            );
        }
        for (sku, why) in first.skipped.iter().chain(&second.skipped) {
            println!("  skipped {sku}: {why}");
        }
        let after = emulator.stats();
        let changed = first.created
            + second.created
            + first.updated
            + second.updated
            + first.unarchived
            + first.archived;
        let unchanged = pool.all().await?.len().saturating_sub(changed);
        println!(
            "{}",
            summary(
                pass,
                first.created + second.created,
                first.updated + second.updated + first.unarchived,
                unchanged,
                first.archived,
                first.skipped.len() + second.skipped.len(),
                after.requests - before.requests,
                after.writes - before.writes,
            )
        );
    }
    drop((pool, state));
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}
