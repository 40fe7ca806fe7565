//! Lists a shop's products with their variants (SKU, price, stock).
//!
//! Reads the connection from the environment:
//!
//! | variable | meaning |
//! |---|---|
//! | `LIGHTSPEED_ECOM_KEY`, `LIGHTSPEED_ECOM_SECRET` | the API key and secret (back office: Settings > Developers) |
//! | `LIGHTSPEED_ECOM_CLUSTER` | `eu1` or `us1`, or instead: |
//! | `LIGHTSPEED_ECOM_BASE_URL` | any base URL (a local emulator, a proxy) |
//! | `LIGHTSPEED_ECOM_LANGUAGE` | the language to read texts in (`nl`, `en`...) |
//!
//! ```text
//! LIGHTSPEED_ECOM_KEY=... LIGHTSPEED_ECOM_SECRET=... LIGHTSPEED_ECOM_CLUSTER=eu1 \
//! LIGHTSPEED_ECOM_LANGUAGE=nl cargo run -p lightspeed-examples --example ecom_catalog -- 20
//! ```
//!
//! The optional argument is how many products to print (default: all). It makes two
//! listings, products then variants, 250 per call, rather than one variant call per product.
//!
//! Without a shop, `--emulator` runs it against the embedded emulator with a small catalog:
//!
//! ```text
//! cargo run -p lightspeed-examples --example ecom_catalog -- --emulator
//! ```

use std::collections::BTreeMap;
use std::process::ExitCode;

use futures::TryStreamExt;
use lightspeed_ecom::model::{ProductId, Variant};
use lightspeed_ecom::{Client, Cluster};

/// Reads the environment; names every variable that is missing.
fn client_from_env() -> Result<Client, String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let mut missing = Vec::new();
    let key = var("LIGHTSPEED_ECOM_KEY");
    let secret = var("LIGHTSPEED_ECOM_SECRET");
    let language = var("LIGHTSPEED_ECOM_LANGUAGE");
    let cluster = var("LIGHTSPEED_ECOM_CLUSTER");
    let base_url = var("LIGHTSPEED_ECOM_BASE_URL");
    if key.is_none() {
        missing.push("LIGHTSPEED_ECOM_KEY (the API key)");
    }
    if secret.is_none() {
        missing.push("LIGHTSPEED_ECOM_SECRET (the API secret)");
    }
    if cluster.is_none() && base_url.is_none() {
        missing.push("LIGHTSPEED_ECOM_CLUSTER (eu1 or us1) or LIGHTSPEED_ECOM_BASE_URL");
    }
    if language.is_none() {
        missing.push("LIGHTSPEED_ECOM_LANGUAGE (a shop language: nl, en, de...)");
    }
    if !missing.is_empty() {
        return Err(format!(
            "missing environment variable(s):\n  {}",
            missing.join("\n  ")
        ));
    }
    let mut builder = Client::builder(key.unwrap(), secret.unwrap()).language(&language.unwrap());
    builder = match (base_url, cluster) {
        (Some(url), _) => builder.base_url(&url),
        (None, Some(cluster)) => {
            builder.cluster(cluster.parse::<Cluster>().map_err(|e| e.to_string())?)
        }
        (None, None) => unreachable!("checked above"),
    };
    builder.build().map_err(|e| e.to_string())
}

/// A small catalog in the emulator's seed format: two products with sizes, one without.
fn demo_catalog() -> serde_json::Value {
    serde_json::json!({"ecom": {
        "brands": [{"id": 100, "title": "Maison Cuir"}],
        "products": [
            {"id": 1001, "title": "Luxury Leather Wallet", "brand": 100,
             "translations": {"en": {"title": "Luxury Leather Wallet"}}},
            {"id": 1002, "title": "Biologisch katoenen T-shirt",
             "translations": {"en": {"title": "Organic Cotton T-shirt"}}},
            {"id": 1003, "title": "Luxury Watch", "visibility": "hidden"},
        ],
        "variants": [
            {"product": 1001, "title": "Default", "isDefault": true, "sku": "LW-001",
             "priceIncl": 89.95, "priceExcl": 74.34, "stockLevel": 12},
            {"product": 1002, "title": "S", "isDefault": true, "sku": "TS-S",
             "priceIncl": 24.95, "priceExcl": 20.62, "stockLevel": 30},
            {"product": 1002, "title": "M", "sortOrder": 2, "sku": "TS-M",
             "priceIncl": 24.95, "priceExcl": 20.62, "stockLevel": 4},
            {"product": 1003, "title": "Default", "isDefault": true, "sku": "WA-001",
             "priceIncl": 1299.0, "priceExcl": 1073.55, "stockLevel": 0},
        ],
    }})
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
            eprintln!("usage: ecom_catalog [--emulator] [how many products to print]");
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
        if let Err(e) = emulator.load(&demo_catalog()) {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
        let client = Client::builder(emulator.ecom_key(), emulator.ecom_secret())
            .base_url(emulator.ecom_url())
            .language("nl")
            .build();
        _emulator = Some(emulator);
        match client {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
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

async fn run(client: &Client, limit: Option<usize>) -> lightspeed_ecom::Result<()> {
    let products: Vec<_> = client.products().list().stream().try_collect().await?;
    let mut by_product: BTreeMap<ProductId, Vec<Variant>> = BTreeMap::new();
    let mut variants = std::pin::pin!(client.variants().list().stream());
    while let Some(variant) = variants.try_next().await? {
        if let Some(product) = variant.product.as_ref().and_then(|p| p.id) {
            by_product.entry(product).or_default().push(variant);
        }
    }
    let shown = limit.unwrap_or(products.len()).min(products.len());
    for product in &products[..shown] {
        println!(
            "{} {} [{}]",
            product.id,
            product.title.as_deref().unwrap_or("(no title)"),
            product.visibility.as_ref().map_or("?", |v| v.as_str())
        );
        for variant in by_product.get(&product.id).into_iter().flatten() {
            println!(
                "    {} sku={} price_incl={} stock={}",
                variant.id,
                variant.sku.as_deref().unwrap_or(""),
                variant.price_incl.map_or("-".into(), |p| p.to_string()),
                variant.stock_level.map_or("-".into(), |s| s.to_string()),
            );
        }
    }
    println!(
        "{} products, {} variants (in `{}`)",
        products.len(),
        by_product.values().map(Vec::len).sum::<usize>(),
        client.language()
    );
    Ok(())
}
