//! Lists an X-Series store's products with their inventory per outlet.
//!
//! Reads the connection from the environment:
//!
//! | variable | meaning |
//! |---|---|
//! | `LIGHTSPEED_XSERIES_DOMAIN_PREFIX` | `mystore` of `https://mystore.retail.lightspeed.app/`, or instead: |
//! | `LIGHTSPEED_XSERIES_BASE_URL` | any base URL (a local emulator, a proxy) |
//! | `LIGHTSPEED_XSERIES_TOKEN` | a personal token (or an OAuth access token) |
//!
//! ```text
//! LIGHTSPEED_XSERIES_DOMAIN_PREFIX=mystore LIGHTSPEED_XSERIES_TOKEN=lsxs_pt_... \
//!   cargo run -p lightspeed-examples --example xseries_catalog -- 20
//! ```
//!
//! The optional argument is how many products to print (default: all). It reads three lists
//! (outlets, products, inventory) with the version cursor, not one call per product.
//!
//! Without a store, `--emulator` runs it against the embedded emulator, after creating a few
//! products with stock through the client:
//!
//! ```text
//! cargo run -p lightspeed-examples --example xseries_catalog -- --emulator
//! ```

use std::collections::BTreeMap;
use std::process::ExitCode;

use lightspeed_xseries::Client;
use lightspeed_xseries::model::{Inventory, OutletId, ProductId};

fn client_from_env() -> Result<Client, String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let prefix = var("LIGHTSPEED_XSERIES_DOMAIN_PREFIX");
    let base_url = var("LIGHTSPEED_XSERIES_BASE_URL");
    let token = var("LIGHTSPEED_XSERIES_TOKEN");
    let mut missing = Vec::new();
    if prefix.is_none() && base_url.is_none() {
        missing.push("LIGHTSPEED_XSERIES_DOMAIN_PREFIX (mystore of https://mystore.retail.lightspeed.app/) or LIGHTSPEED_XSERIES_BASE_URL");
    }
    if token.is_none() {
        missing.push("LIGHTSPEED_XSERIES_TOKEN (a personal token: Setup > Personal Tokens)");
    }
    if !missing.is_empty() {
        return Err(format!(
            "missing environment variable(s):\n  {}",
            missing.join("\n  ")
        ));
    }
    let builder = Client::builder().personal_token(token.unwrap());
    let builder = match (base_url, prefix) {
        (Some(url), _) => builder.base_url(&url),
        (None, Some(prefix)) => builder.domain_prefix(&prefix),
        (None, None) => unreachable!("checked above"),
    };
    builder.build().map_err(|e| e.to_string())
}

/// Creates a few products with stock in a fresh emulator, through the client.
async fn demo_catalog(client: &Client) -> lightspeed_xseries::Result<()> {
    use lightspeed_xseries::model::{InventoryInput, ProductCreate};
    let outlet = client
        .outlets()
        .all()
        .await?
        .into_iter()
        .next()
        .and_then(|o| o.id);
    for (name, sku, price, stock) in [
        ("Luxury Leather Wallet", "LW-001", 74, 12),
        ("Organic Cotton T-shirt", "TS-M", 21, 4),
        ("Luxury Watch", "WA-001", 1074, 0),
    ] {
        let product = ProductCreate {
            name: Some(name.into()),
            sku: Some(sku.into()),
            price_excluding_tax: Some(price.into()),
            inventory: Some(vec![InventoryInput {
                outlet_id: outlet.clone(),
                current_amount: Some(stock.into()),
                ..Default::default()
            }]),
            ..Default::default()
        };
        client.products().create(&product).await?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let offline = args.iter().any(|a| a == "--emulator");
    args.retain(|a| a != "--emulator");
    let limit: Option<usize> = match args.first().map(|a| a.parse()) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => {
            eprintln!("usage: xseries_catalog [--emulator] [how many products to print]");
            return ExitCode::from(2);
        }
    };
    // Kept alive while the client uses it.
    let mut _emulator = None;
    let client = if offline {
        let emulator = match lightspeed_emulator::Emulator::start(Default::default()).await {
            Ok(e) => e,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        let client = Client::builder()
            .base_url(emulator.xseries_url())
            .personal_token(emulator.xseries_token().to_string())
            .build();
        _emulator = Some(emulator);
        let client = match client {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Err(e) = demo_catalog(&client).await {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
        client
    } else {
        match client_from_env() {
            Ok(client) => client,
            Err(message) => {
                eprintln!("{message}\n(or run with --emulator to use the embedded emulator)");
                return ExitCode::from(2);
            }
        }
    };
    match run(&client, limit).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(client: &Client, limit: Option<usize>) -> lightspeed_xseries::Result<()> {
    let outlets: BTreeMap<OutletId, String> = client
        .outlets()
        .all()
        .await?
        .into_iter()
        .filter_map(|o| Some((o.id?, o.name.unwrap_or_default())))
        .collect();
    let products = client.products().list().all().await?;
    let mut stock: BTreeMap<ProductId, Vec<Inventory>> = BTreeMap::new();
    for record in client.inventory().all().await? {
        if let Some(product) = record.product_id.clone() {
            stock.entry(product).or_default().push(record);
        }
    }
    let shown = limit.unwrap_or(products.len()).min(products.len());
    for product in &products[..shown] {
        let name = product.variant_name.as_ref().or(product.name.as_ref());
        println!(
            "{} {} sku={} price_incl={}",
            product.id.as_ref().map_or("?", |id| id.as_str()),
            name.map_or("(no name)", String::as_str),
            product.sku.as_deref().unwrap_or(""),
            product
                .price_including_tax
                .map_or("-".into(), |p| p.to_string()),
        );
        let records = product.id.as_ref().and_then(|id| stock.get(id));
        for record in records.into_iter().flatten() {
            let outlet = record
                .outlet_id
                .as_ref()
                .and_then(|id| outlets.get(id))
                .map_or("(unknown outlet)", String::as_str);
            let level = record.inventory_level.or(record.current_amount);
            println!(
                "    {outlet}: {}",
                level.map_or("-".into(), |l| l.normalize().to_string())
            );
        }
    }
    println!("{} products, {} outlets", products.len(), outlets.len());
    Ok(())
}
