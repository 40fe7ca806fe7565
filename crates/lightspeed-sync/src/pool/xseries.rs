//! X-Series -> the inventory pool (feature `xseries`): "Get Inventory (Primary)", the whole
//! catalog through a mapping template, and "Get Inventory (Secondary)", quantities only.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures::TryStreamExt;
use lightspeed_mapping::Mapping;
use lightspeed_xseries::Client;
use lightspeed_xseries::model::{Inventory, Product, ProductId};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};

use crate::error::{Error, Result, TargetError};
use crate::pool::{InventoryItem, InventorySink, weight_unit};
use crate::state::StateStore;

/// The cursor of the products read (the X-Series version).
pub const PRODUCTS_CURSOR: &str = "xseries.products.version";
/// The cursor of the inventory read.
pub const INVENTORY_CURSOR: &str = "xseries.inventory.version";

fn api(e: lightspeed_xseries::Error) -> Error {
    Error::Target(TargetError::from_xseries(e))
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PoolReport {
    /// Items added to the pool.
    pub created: usize,
    /// Items changed.
    pub updated: usize,
    /// Items read and found the same.
    pub unchanged: usize,
    /// Items archived (left the feed).
    pub archived: usize,
    /// Items back from the archive.
    pub unarchived: usize,
    /// Items not taken, with why: (SKU or place, message).
    pub skipped: Vec<(String, String)>,
}

fn dec_of(v: Option<&Json>) -> Option<Decimal> {
    match v? {
        Json::Number(n) => n.to_string().parse().ok(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A product flattened into the guide's attribute names (`Sku`, `Name`, `Description`,
/// `Brand`, `Supply Price`, `Price Including Tax`, `Price Excluding Tax`, `Quantity`, `Weight`,
/// `Weight Unit`, `Height`, `Length`, `Width`, `Dimension Unit`, `Category 1` to `Category 3`,
/// `Parent Sku`, `Variant Name`, `Id`, `Source`, `Loyalty Amount`), plus `Image` (the main
/// image URL) and `Deleted`.
pub fn flatten(product: &Product, quantity: Decimal, parent_sku: Option<&str>) -> Json {
    let raw = serde_json::to_value(product).unwrap_or_default();
    let get = |k: &str| raw.get(k).cloned().unwrap_or(Json::Null);
    let categories: Vec<Json> = raw
        .get("categories")
        .and_then(Json::as_array)
        .map(|tags| tags.iter().filter_map(|t| t.get("name").cloned()).collect())
        .unwrap_or_default();
    let lower = |v: Json| match v {
        Json::String(s) => Json::from(s.to_lowercase()),
        other => other,
    };
    let image = raw
        .get("image_url")
        .and_then(Json::as_str)
        .filter(|u| !u.contains("/placeholder/"))
        .map(Json::from)
        .unwrap_or(Json::Null);
    json!({
        "Sku": get("sku"),
        "Name": get("name"),
        "Description": get("description"),
        "Brand": raw.get("brand").and_then(|b| b.get("name")).cloned().unwrap_or(Json::Null),
        "Supply Price": get("supply_price"),
        "Price Including Tax": get("price_including_tax"),
        "Price Excluding Tax": get("price_excluding_tax"),
        "Quantity": serde_json::from_str::<Json>(&quantity.normalize().to_string()).unwrap_or(Json::Null),
        "Weight": get("weight"),
        "Weight Unit": lower(get("weight_unit")),
        "Height": get("height"),
        "Length": get("length"),
        "Width": get("width"),
        "Dimension Unit": lower(get("dimensions_unit")),
        "Category 1": categories.first().cloned().unwrap_or(Json::Null),
        "Category 2": categories.get(1).cloned().unwrap_or(Json::Null),
        "Category 3": categories.get(2).cloned().unwrap_or(Json::Null),
        "Parent Sku": parent_sku.map(Json::from).unwrap_or(Json::Null),
        "Variant Name": get("variant_name"),
        "Id": get("id"),
        "Source": get("source"),
        "Loyalty Amount": get("loyalty_amount"),
        "Image": image,
        "Deleted": json!(raw.get("deleted_at").is_some_and(|d| !d.is_null())),
    })
}

/// A mapped record as a pool item; weight units read as the guide writes them.
pub fn item_of(fields: &Map<String, Json>) -> std::result::Result<InventoryItem, String> {
    let text = |k: &str| {
        fields
            .get(k)
            .and_then(|v| match v {
                Json::String(s) => Some(s.clone()),
                Json::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .filter(|s| !s.trim().is_empty())
    };
    let sku = text("sku").ok_or("no sku")?;
    let weight_unit = match text("weight_unit") {
        None => None,
        Some(u) => Some(
            weight_unit(&u)
                .ok_or_else(|| {
                    format!("weight_unit {u:?}: expected pound, ounce, gram, kilogram, lb or oz")
                })?
                .to_string(),
        ),
    };
    let images = match fields.get("images") {
        Some(Json::Array(list)) => list
            .iter()
            .filter_map(|i| match i {
                Json::String(s) => Some(s.clone()),
                Json::Object(o) => o.get("src").and_then(Json::as_str).map(str::to_string),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let custom_fields = match fields.get("custom_fields") {
        Some(Json::Object(o)) => o
            .iter()
            .filter_map(|(k, v)| match v {
                Json::String(s) => Some((k.clone(), s.clone())),
                Json::Number(n) => Some((k.clone(), n.to_string())),
                Json::Bool(b) => Some((k.clone(), b.to_string())),
                _ => None,
            })
            .collect(),
        _ => BTreeMap::new(),
    };
    Ok(InventoryItem {
        sku,
        title: text("title").unwrap_or_default(),
        description: text("description"),
        brand: text("brand"),
        cost: dec_of(fields.get("cost")),
        msrp: dec_of(fields.get("msrp")),
        quantity: dec_of(fields.get("quantity")).unwrap_or_default(),
        weight: dec_of(fields.get("weight")),
        weight_unit,
        height: dec_of(fields.get("height")),
        length: dec_of(fields.get("length")),
        width: dec_of(fields.get("width")),
        dimension_unit: text("dimension_unit"),
        images,
        primary_category: text("primary_category"),
        sub_category: text("sub_category"),
        parent_sku: text("parent_sku"),
        variant_name: text("variant_name"),
        custom_fields,
        archived: false,
    })
}

/// Options of the primary import.
#[derive(Debug, Clone, Default)]
pub struct PrimaryOptions {
    /// Archive items that left the feed (quantity 0, kept) on full runs, and un-archive them
    /// when they return.
    pub archive_missing: bool,
    /// Read everything (a full run) even when a cursor is saved.
    pub full: bool,
    /// Count stock at these outlets only (default: all).
    pub outlets: Option<Vec<String>>,
}

/// Quantities per product id, summed over `outlets` (all when `None`).
async fn quantities(
    client: &Client,
    outlets: &Option<Vec<String>>,
) -> Result<(HashMap<String, Decimal>, i64)> {
    let pages: Vec<_> = client
        .inventory()
        .changed_since(0)
        .try_collect()
        .await
        .map_err(api)?;
    let version = pages.last().map_or(0, |p| p.version);
    let mut out: HashMap<String, Decimal> = HashMap::new();
    for row in pages.into_iter().flat_map(|p| p.items) {
        let Inventory {
            product_id,
            outlet_id,
            inventory_level,
            ..
        } = row;
        let (Some(product), Some(outlet)) = (product_id, outlet_id) else {
            continue;
        };
        if outlets
            .as_ref()
            .is_some_and(|o| !o.iter().any(|x| x == outlet.as_str()))
        {
            continue;
        }
        *out.entry(product.to_string()).or_default() += inventory_level.unwrap_or_default();
    }
    Ok((out, version))
}

/// Get Inventory (Primary): X-Series products (by the version cursor) and their stock,
/// flattened, mapped with `mapping` (target `pool.item`) and stored in the pool. The cursor is
/// saved after each page, so the next run reads only what changed.
pub async fn primary(
    client: &Client,
    mapping: &Mapping,
    sink: &dyn InventorySink,
    state: &dyn StateStore,
    options: &PrimaryOptions,
) -> Result<PoolReport> {
    let saved: Option<i64> = state
        .cursor(PRODUCTS_CURSOR)
        .await?
        .and_then(|c| c.parse().ok());
    let full = options.full || saved.is_none();
    let since = if full { 0 } else { saved.unwrap_or(0) };
    let (stock, _) = quantities(client, &options.outlets).await?;
    let mut pool = sink.all().await?;
    let mut by_id: HashMap<String, String> = pool
        .values()
        .filter_map(|i| Some((i.custom_fields.get("xseries_id")?.clone(), i.sku.clone())))
        .collect();
    let mut report = PoolReport::default();
    let mut seen = BTreeSet::new();
    let mut pages = std::pin::pin!(client.products().list().deleted(true).changed_since(since));
    while let Some(page) = pages.try_next().await.map_err(api)? {
        for product in &page.items {
            if let (Some(id), Some(sku)) = (&product.id, &product.sku) {
                by_id.insert(id.to_string(), sku.clone());
            }
        }
        for product in &page.items {
            let id = product
                .id
                .as_ref()
                .map(|i| i.to_string())
                .unwrap_or_default();
            let parent_sku = match &product.variant_parent_id {
                Some(parent) => match by_id.get(parent.as_str()) {
                    Some(s) => Some(s.clone()),
                    None => {
                        let p = client.products().get(parent).await.map_err(api)?;
                        p.sku.inspect(|s| {
                            by_id.insert(parent.to_string(), s.clone());
                        })
                    }
                },
                None => None,
            };
            let quantity = stock.get(&id).copied().unwrap_or_default();
            let record = flatten(product, quantity, parent_sku.as_deref());
            let deleted = record["Deleted"] == Json::Bool(true);
            let key = record["Sku"].as_str().unwrap_or(&id).to_string();
            if deleted {
                // Deleted in X-Series: it left the feed, which a full run archives below.
                continue;
            }
            seen.insert(key.clone());
            let mapped = match mapping.apply(&record) {
                Ok(m) => m,
                Err(errors) => {
                    let message = errors
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ");
                    report.skipped.push((key, message));
                    continue;
                }
            };
            let fields = match mapped.nested().to_json() {
                Json::Object(o) => o,
                _ => Map::new(),
            };
            let mut item = match item_of(&fields) {
                Ok(i) => i,
                Err(message) => {
                    report.skipped.push((key, message));
                    continue;
                }
            };
            item.custom_fields
                .entry("xseries_id".into())
                .or_insert(id.clone());
            match pool.get(&item.sku) {
                None => report.created += 1,
                Some(old) if old.archived => report.unarchived += 1,
                Some(old) if *old == item => {
                    report.unchanged += 1;
                    continue;
                }
                Some(_) => report.updated += 1,
            }
            sink.put(&item).await?;
            pool.insert(item.sku.clone(), item);
        }
        state
            .set_cursor(PRODUCTS_CURSOR, &page.version.to_string())
            .await?;
    }
    if full && options.archive_missing {
        for item in pool.values_mut() {
            if !seen.contains(&item.sku) && !item.archived {
                item.archived = true;
                item.quantity = Decimal::ZERO;
                sink.put(item).await?;
                report.archived += 1;
            }
        }
    }
    Ok(report)
}

/// Options of the secondary import.
#[derive(Debug, Clone, Default)]
pub struct SecondaryOptions {
    /// Count stock at these outlets only (default: all).
    pub outlets: Option<Vec<String>>,
    /// Add a variant the pool does not know (off: report and skip it).
    pub allow_create_variant: bool,
}

/// Get Inventory (Secondary): quantities only, per variant. One call tells whether anything
/// changed since the last run; when something did, the inventory is read and summed per
/// product (over all outlets, or the chosen ones).
pub async fn secondary(
    client: &Client,
    sink: &dyn InventorySink,
    state: &dyn StateStore,
    options: &SecondaryOptions,
) -> Result<PoolReport> {
    let saved: Option<i64> = state
        .cursor(INVENTORY_CURSOR)
        .await?
        .and_then(|c| c.parse().ok());
    let mut report = PoolReport::default();
    if let Some(version) = saved {
        let probe = client
            .inventory()
            .after(version)
            .page_size(1)
            .page()
            .await
            .map_err(api)?;
        if probe.items().is_empty() {
            return Ok(report);
        }
    }
    let (stock, version) = quantities(client, &options.outlets).await?;
    let pool = sink.all().await?;
    let by_id: HashMap<String, String> = pool
        .values()
        .filter_map(|i| Some((i.custom_fields.get("xseries_id")?.clone(), i.sku.clone())))
        .collect();
    let mut ids: Vec<&String> = stock.keys().collect();
    ids.sort();
    for id in ids {
        let quantity = stock[id];
        let sku = match by_id.get(id) {
            Some(s) => s.clone(),
            None => {
                let product = client
                    .products()
                    .get(&ProductId::from(id.as_str()))
                    .await
                    .map_err(api)?;
                let Some(sku) = product.sku.clone() else {
                    continue;
                };
                if pool.contains_key(&sku) {
                    sku
                } else if options.allow_create_variant {
                    let item = InventoryItem {
                        sku: sku.clone(),
                        title: product
                            .variant_name
                            .clone()
                            .or(product.name.clone())
                            .unwrap_or_default(),
                        quantity,
                        variant_name: product.variant_name.clone(),
                        custom_fields: BTreeMap::from([("xseries_id".into(), id.clone())]),
                        ..Default::default()
                    };
                    sink.put(&item).await?;
                    report.created += 1;
                    continue;
                } else {
                    report
                        .skipped
                        .push((sku, "not in the pool (allow create variant is off)".into()));
                    continue;
                }
            }
        };
        let Some(mut item) = sink.get(&sku).await? else {
            continue;
        };
        if item.quantity == quantity || item.archived {
            report.unchanged += 1;
            continue;
        }
        item.quantity = quantity;
        sink.put(&item).await?;
        report.updated += 1;
    }
    state
        .set_cursor(INVENTORY_CURSOR, &version.to_string())
        .await?;
    Ok(report)
}
