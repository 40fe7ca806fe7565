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
use crate::pool::{InventoryItem, InventorySink, ItemOption, MAX_OPTIONS, weight_unit};
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

/// What [`flatten_with`] looks up beyond the product itself: variant attribute names by id
/// (for options that carry only an id) and category paths by category id.
#[derive(Debug, Clone, Default)]
pub struct Lookups {
    /// Variant attribute names by id.
    pub attributes: HashMap<String, String>,
    /// Product category paths by category id, root first.
    pub categories: HashMap<String, Vec<String>>,
}

/// A product flattened into the guide's attribute names (`Sku`, `Name`, `Description`,
/// `Brand`, `Supply Price`, `Price Including Tax`, `Price Excluding Tax`, `Quantity`, `Weight`,
/// `Weight Unit`, `Height`, `Length`, `Width`, `Dimension Unit`, `Category 1` to `Category 3`,
/// `Parent Sku`, `Variant Name`, `Id`, `Source`, `Loyalty Amount`), plus `Image` (the main
/// image URL) and `Deleted`; see [`flatten_with`] for the rest.
pub fn flatten(product: &Product, quantity: Decimal, parent_sku: Option<&str>) -> Json {
    flatten_with(product, quantity, parent_sku, &Lookups::default())
}

/// [`flatten`], and what the complete pool reads:
///
/// - `Option 1 Name` / `Option 1 Value` to `Option 10 ...`: the product's variant options
///   (attribute and value) in X-Series' order, a repeated pair once; an option without a
///   name takes its attribute's name from `lookups`.
/// - `Images`: every image's URL, by position (the placeholder X-Series shows for a product
///   without images is left out); `Image` is the first.
/// - `Category Path` (`Clothing > Tops`) and `Category 1` to `3`: the product's category
///   (`product_category_id`, or the older `product_type_id`) and its path from the root, from
///   `lookups` (else the embedded type's name alone). X-Series also calls a product's tags its
///   `categories`: those are `Tags`, and give `Category 1` to `3` only to a product without a
///   category.
/// - `Custom Fields`: the product's `attributes` (`{"key"|"name", "value"}` pairs) as an
///   object, each also as `Custom Field <name>`.
pub fn flatten_with(
    product: &Product,
    quantity: Decimal,
    parent_sku: Option<&str>,
    lookups: &Lookups,
) -> Json {
    let raw = serde_json::to_value(product).unwrap_or_default();
    let get = |k: &str| raw.get(k).cloned().unwrap_or(Json::Null);
    let tags: Vec<Json> = raw
        .get("categories")
        .and_then(Json::as_array)
        .map(|tags| tags.iter().filter_map(|t| t.get("name").cloned()).collect())
        .unwrap_or_default();
    let lower = |v: Json| match v {
        Json::String(s) => Json::from(s.to_lowercase()),
        other => other,
    };
    let real = |u: &&str| !u.contains("/placeholder/");
    let mut images: Vec<(i64, String)> = product
        .images
        .iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, img)| {
            let url = img.url.as_deref().filter(real)?;
            Some((img.position.unwrap_or(i as i64), url.to_string()))
        })
        .collect();
    images.sort_by_key(|(p, _)| *p);
    let mut urls: Vec<String> = images.into_iter().map(|(_, u)| u).collect();
    if let Some(main) = raw
        .get("image_url")
        .and_then(Json::as_str)
        .filter(|u| real(u))
        && urls.is_empty()
    {
        urls.push(main.to_string());
    }
    // The category path: the product category (formerly product type), root first.
    let category_id = product
        .product_category_id
        .as_ref()
        .or(product.product_type_id.as_ref())
        .map(|i| i.to_string());
    let path: Vec<String> = category_id
        .as_ref()
        .and_then(|id| lookups.categories.get(id).cloned())
        .or_else(|| {
            product
                .kind
                .as_ref()
                .and_then(|t| t.name.clone())
                .map(|n| vec![n])
        })
        .unwrap_or_default();
    let levels: Vec<Json> = if path.is_empty() {
        tags.clone()
    } else {
        path.iter().cloned().map(Json::from).collect()
    };
    let mut record = json!({
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
        "Category 1": levels.first().cloned().unwrap_or(Json::Null),
        "Category 2": levels.get(1).cloned().unwrap_or(Json::Null),
        "Category 3": levels.get(2).cloned().unwrap_or(Json::Null),
        "Category Path": if path.is_empty() { Json::Null } else { Json::from(path.join(" > ")) },
        "Tags": if tags.is_empty() { Json::Null } else { Json::Array(tags) },
        "Parent Sku": parent_sku.map(Json::from).unwrap_or(Json::Null),
        "Variant Name": get("variant_name"),
        "Id": get("id"),
        "Source": get("source"),
        "Loyalty Amount": get("loyalty_amount"),
        "Image": urls.first().cloned().map(Json::from).unwrap_or(Json::Null),
        "Images": if urls.is_empty() { Json::Null } else { json!(urls) },
        "Deleted": json!(raw.get("deleted_at").is_some_and(|d| !d.is_null())),
    });
    let fields = record.as_object_mut().expect("an object");
    let mut seen = Vec::new();
    for option in product.variant_options.iter().flatten() {
        let id = option.id.as_ref().map(|i| i.to_string());
        let name = option
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .or_else(|| id.as_ref().and_then(|i| lookups.attributes.get(i).cloned()));
        let (Some(name), Some(value)) = (name, option.value.clone()) else {
            continue;
        };
        if seen.contains(&(name.clone(), value.clone())) || seen.len() == MAX_OPTIONS {
            continue;
        }
        seen.push((name.clone(), value.clone()));
        let n = seen.len();
        fields.insert(format!("Option {n} Name"), Json::from(name));
        fields.insert(format!("Option {n} Value"), Json::from(value));
    }
    let custom: Map<String, Json> = raw
        .get("attributes")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| {
            let key = a
                .get("key")
                .or_else(|| a.get("name"))?
                .as_str()?
                .to_string();
            Some((key, a.get("value").cloned().unwrap_or(Json::Null)))
        })
        .collect();
    for (k, v) in &custom {
        fields.insert(format!("Custom Field {k}"), v.clone());
    }
    if !custom.is_empty() {
        fields.insert("Custom Fields".into(), Json::Object(custom));
    }
    record
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
    let options = (1..=MAX_OPTIONS)
        .filter_map(|n| {
            Some(ItemOption {
                name: text(&format!("option_{n}_name"))?,
                value: text(&format!("option_{n}_value")).unwrap_or_default(),
            })
        })
        .collect();
    let tags = match fields.get("tags") {
        Some(Json::Array(list)) => list
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
        Some(Json::String(s)) => s
            .split(['|', ';'])
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        _ => Vec::new(),
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
        options,
        category_path: text("category_path"),
        tags,
        custom_fields,
        archived: false,
    })
}

/// [`Lookups`] read once per run, and only when a product needs them: the category tree when
/// a product has a category, the variant attributes when an option comes without its name.
#[derive(Default)]
struct LazyLookups {
    found: Lookups,
    categories: bool,
    attributes: bool,
}

impl LazyLookups {
    async fn fill(&mut self, client: &Client, product: &Product) -> Result<()> {
        let category = product
            .product_category_id
            .as_ref()
            .or(product.product_type_id.as_ref());
        if category.is_some() && !self.categories {
            self.categories = true;
            let paths: Vec<(String, Vec<String>)> = match client.product_categories().await {
                Ok(categories) => categories
                    .into_iter()
                    .filter_map(|c| {
                        let path = c
                            .category_path
                            .unwrap_or_default()
                            .into_iter()
                            .filter_map(|e| e.name)
                            .collect();
                        Some((c.id?.to_string(), path))
                    })
                    .collect(),
                // A store without the newer endpoint: its product types carry the same path.
                Err(e)
                    if matches!(&e, lightspeed_xseries::Error::Api(core)
                    if core.kind() == lightspeed_core::ErrorKind::NotFound) =>
                {
                    client
                        .product_types()
                        .all()
                        .await
                        .map_err(api)?
                        .into_iter()
                        .filter_map(|t| {
                            let mut path: Vec<String> = t
                                .category_path
                                .unwrap_or_default()
                                .into_iter()
                                .filter_map(|e| e.name)
                                .collect();
                            if path.is_empty() {
                                path.extend(t.name);
                            }
                            Some((t.id?.to_string(), path))
                        })
                        .collect()
                }
                Err(e) => return Err(api(e)),
            };
            self.found
                .categories
                .extend(paths.into_iter().filter(|(_, p)| !p.is_empty()));
        }
        let nameless = product
            .variant_options
            .iter()
            .flatten()
            .any(|o| o.name.as_deref().is_none_or(|n| n.trim().is_empty()));
        if nameless && !self.attributes {
            self.attributes = true;
            for a in client.variant_attributes().all().await.map_err(api)? {
                if let (Some(id), Some(name)) = (a.id, a.name) {
                    self.found.attributes.insert(id.to_string(), name);
                }
            }
        }
        Ok(())
    }
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
    let mut lookups = LazyLookups::default();
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
            lookups.fill(client, product).await?;
            let record = flatten_with(product, quantity, parent_sku.as_deref(), &lookups.found);
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
    /// Archive the pool items whose products were deleted in X-Series (quantity 0, kept),
    /// and un-archive an archived item whose product has stock records again. Deletions are
    /// read from the products' tombstones (`deleted=true`) after a cursor of their own, so an
    /// idle run still costs two calls (the inventory probe and the products probe).
    pub archive_missing: bool,
}

/// The cursor of the products' tombstones the secondary import reads when it archives.
pub const SECONDARY_PRODUCTS_CURSOR: &str = "xseries.secondary.products.version";

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
    // Products deleted since the last run (their tombstones), when archiving.
    let mut deleted: BTreeSet<String> = BTreeSet::new();
    let mut products_version = None;
    if options.archive_missing {
        let since: i64 = state
            .cursor(SECONDARY_PRODUCTS_CURSOR)
            .await?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let mut pages = std::pin::pin!(
            client
                .products()
                .list()
                .deleted(true)
                .page_size(if since == 0 { 1000 } else { 200 })
                .changed_since(since)
        );
        let mut last = since;
        while let Some(page) = pages.try_next().await.map_err(api)? {
            last = last.max(page.version);
            deleted.extend(
                page.items
                    .iter()
                    .filter(|p| p.deleted_at.is_some())
                    .filter_map(|p| p.id.as_ref().map(|i| i.to_string())),
            );
        }
        products_version = Some(last);
    }
    let mut changed = true;
    if let Some(version) = saved {
        let probe = client
            .inventory()
            .after(version)
            .page_size(1)
            .page()
            .await
            .map_err(api)?;
        changed = !probe.items().is_empty();
    }
    if !changed && deleted.is_empty() {
        if let Some(v) = products_version {
            state
                .set_cursor(SECONDARY_PRODUCTS_CURSOR, &v.to_string())
                .await?;
        }
        return Ok(report);
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
        if item.archived && options.archive_missing && !deleted.contains(id) {
            // Back in the feed (perhaps as a new product with the same SKU).
            item.archived = false;
            item.quantity = quantity;
            item.custom_fields.insert("xseries_id".into(), id.clone());
            sink.put(&item).await?;
            report.unarchived += 1;
            continue;
        }
        if item.quantity == quantity || item.archived {
            report.unchanged += 1;
            continue;
        }
        item.quantity = quantity;
        sink.put(&item).await?;
        report.updated += 1;
    }
    if options.archive_missing {
        for item in pool.values() {
            let gone = item
                .custom_fields
                .get("xseries_id")
                .is_some_and(|id| deleted.contains(id));
            if gone && !item.archived {
                let mut item = item.clone();
                item.archived = true;
                item.quantity = Decimal::ZERO;
                sink.put(&item).await?;
                report.archived += 1;
            }
        }
    }
    state
        .set_cursor(INVENTORY_CURSOR, &version.to_string())
        .await?;
    if let Some(v) = products_version {
        state
            .set_cursor(SECONDARY_PRODUCTS_CURSOR, &v.to_string())
            .await?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Json {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/xseries")
            .join(name);
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    #[test]
    fn a_real_product_flattens_with_its_options_images_category_path_and_tags() {
        let product: Product = serde_json::from_value(
            fixture("product/api20-2025__GET_products_id__200.json")["data"].clone(),
        )
        .unwrap();
        // The category tree, as `product_types` answers it in the same fixture set.
        let types = fixture("product_type/api20-2025__GET_product_types__200.json");
        let mut lookups = Lookups::default();
        for t in types["data"].as_array().unwrap() {
            let path: Vec<String> = t["category_path"]
                .as_array()
                .map(|p| {
                    p.iter()
                        .filter_map(|e| e["name"].as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_else(|| vec![t["name"].as_str().unwrap().to_string()]);
            lookups
                .categories
                .insert(t["id"].as_str().unwrap().to_string(), path);
        }
        let record = flatten_with(&product, Decimal::TEN, None, &lookups);
        assert_eq!(record["Option 1 Name"], "Color");
        assert_eq!(record["Option 1 Value"], "Black");
        assert_eq!(record["Option 2 Name"], "Fabric");
        assert_eq!(record["Option 2 Value"], "Cotton");
        assert!(
            record.get("Option 3 Name").is_none(),
            "a repeated pair counts once"
        );
        let images = record["Images"].as_array().unwrap();
        assert!(!images.is_empty());
        assert_eq!(record["Image"], images[0]);
        // The product's type (its category) is `General`; its tags are not categories.
        assert_eq!(record["Category Path"], "General");
        assert_eq!(record["Category 1"], "General");
        assert_eq!(record["Tags"], json!(["tag_test", "variant"]));
    }

    #[test]
    fn options_without_names_take_their_attributes_names() {
        let product: Product = serde_json::from_value(json!({
            "id": "p1", "sku": "S-1",
            "variant_options": [{"id": "a1", "value": "M"}, {"id": "a2", "name": "Colour", "value": "Red"}],
            "categories": [{"id": "t1", "name": "Sale"}],
            "attributes": [{"key": "material", "value": "wool"}]
        }))
        .unwrap();
        let lookups = Lookups {
            attributes: HashMap::from([("a1".to_string(), "Size".to_string())]),
            ..Default::default()
        };
        let record = flatten_with(&product, Decimal::ONE, None, &lookups);
        assert_eq!(record["Option 1 Name"], "Size");
        assert_eq!(record["Option 2 Name"], "Colour");
        assert_eq!(
            record["Category 1"], "Sale",
            "no category: the tags stand in"
        );
        assert_eq!(record["Category Path"], Json::Null);
        assert_eq!(record["Custom Field material"], "wool");
    }
}
