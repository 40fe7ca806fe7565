//! Runnable examples for the Lightspeed crates; see the `examples/` folder of this crate.
//!
//! The library part holds what several examples share.

use lightspeed_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use lightspeed_xseries::model::{InventoryInput, ProductCreate};
use serde_json::json;

/// An X-Series emulator with a small catalog: a wallet, a watch, and a T-shirt in sizes S, M
/// and L (a variant family), with stock at the outlet. Answers the emulator and a client.
pub async fn xseries_store() -> Result<(EmulatorHandle, lightspeed_xseries::Client), String> {
    let emulator = Emulator::start(EmulatorConfig::default())
        .await
        .map_err(|e| e.to_string())?;
    let client = lightspeed_xseries::Client::builder()
        .base_url(emulator.xseries_url())
        .personal_token(emulator.xseries_token().to_string())
        .build()
        .map_err(|e| e.to_string())?;
    let outlet = client
        .outlets()
        .all()
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
        .and_then(|o| o.id)
        .ok_or("the emulator has an outlet")?;
    let stock = |n: i64| {
        Some(vec![InventoryInput {
            outlet_id: Some(outlet.clone()),
            current_amount: Some(n.into()),
            ..Default::default()
        }])
    };
    for (name, sku, price, weight, level) in [
        ("Luxury Leather Wallet", "LW-001", "74.34", "0.25", 12),
        ("Luxury Watch", "WA-001", "1073.55", "0.18", 3),
    ] {
        let product = ProductCreate {
            name: Some(name.into()),
            sku: Some(sku.into()),
            price_excluding_tax: Some(price.parse().map_err(|_| "price")?),
            weight: Some(weight.parse().map_err(|_| "weight")?),
            weight_unit: Some(lightspeed_xseries::model::WeightUnit::Kg),
            inventory: stock(level),
            ..Default::default()
        };
        client
            .products()
            .create(&product)
            .await
            .map_err(|e| e.to_string())?;
    }
    // A family: the variant attribute first, then the variants.
    let http = reqwest::Client::new();
    let answer = http
        .post(format!(
            "{}/api/2.0/variant_attributes",
            emulator.xseries_url()
        ))
        .bearer_auth(emulator.xseries_token())
        .header("content-type", "application/json")
        .body(json!({"name": "Size"}).to_string())
        .send()
        .await
        .map_err(|e| e.to_string())?
        .bytes()
        .await
        .map_err(|e| e.to_string())?;
    let size: serde_json::Value = serde_json::from_slice(&answer).map_err(|e| e.to_string())?;
    let size = size["data"]["id"].clone();
    let variants: Vec<_> = [("TS-S", 9), ("TS-M", 4), ("TS-L", 0)]
        .iter()
        .map(|(sku, level)| {
            json!({"sku": sku, "variant_definitions": [{"attribute_id": size, "value": &sku[3..]}],
                   "inventory": [{"outlet_id": outlet.to_string(), "current_amount": level}]})
        })
        .collect();
    let family = json!({"name": "Organic Cotton T-shirt", "price_excluding_tax": 20.62,
                        "description": "<p>Soft organic cotton.</p>", "variants": variants});
    let status = http
        .post(format!("{}/api/2.0/products", emulator.xseries_url()))
        .bearer_auth(emulator.xseries_token())
        .header("content-type", "application/json")
        .body(family.to_string())
        .send()
        .await
        .map_err(|e| e.to_string())?
        .status();
    if !status.is_success() {
        return Err(format!("creating the T-shirt family answered {status}"));
    }
    Ok((emulator, client))
}

/// One `summary {...}` line in the quickstart's format and key order.
#[allow(clippy::too_many_arguments)]
pub fn summary(
    pass: u32,
    created: usize,
    updated: usize,
    unchanged: usize,
    archived: usize,
    failed: usize,
    requests: u64,
    writes: u64,
) -> String {
    format!(
        "summary {{\"pass\": {pass}, \"created\": {created}, \"updated\": {updated}, \"unchanged\": {unchanged}, \"archived\": {archived}, \"failed\": {failed}, \"requests\": {requests}, \"writes\": {writes}}}"
    )
}

pub mod chaos;
