//! `chaos check`: what the emulator's eCom shop holds, compared with what the source asks for.
//!
//! The source is mapped by the sync's own code ([`CatalogSync::desired`]: the items grouped as
//! the sync groups them, fields under their schema names); the shop is read from the
//! emulator's `GET /_emulator/dump`, not through the sync's target, so a fault in the target's
//! reading cannot hide a fault in its writing. Three counts, all of which must be zero:
//!
//! - **missing**: a desired item none of whose SKUs any variant in the shop holds.
//! - **duplicated**: one more for every extra holder of a SKU (a SKU held by two variants),
//!   every product that is not the one an item is checked against (more products than items:
//!   an orphan, or a second product holding an item's SKUs, which then counts twice, as an
//!   extra product and as an extra holder), and every extra brand with the same title,
//!   category with the same path, link of a product to the same category, or image of a
//!   product with the same name (such an image also makes the product's images different).
//! - **different**: one for every field of a claimed product that is not the mapped value: the
//!   title in Dutch and in English (a language the product has no own text in shows the
//!   default's, as eCom does), the description, each variant's title, price and stock (and a
//!   product with more or fewer variants than the item), the brand (by title), the category
//!   links (by path, as a set: eCom keeps no order of links), the images (by name, in order:
//!   the emulator names an image by the slug of its title or file name) and the `data03`
//!   marker (`lsync:<key>`).
//!
//! **Decimals** (prices, stock) are compared by value: both sides are read as exact decimals
//! from their JSON text (a number or a string), so `24.95`, `24.950` and `"24.95"` are equal
//! and `24.95` and `24.949999` are not; there is no tolerance and no rounding. Texts are
//! compared exactly.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use lightspeed_core::transport::ReqwestTransport;
use lightspeed_ecom::schema::api_name;
use lightspeed_mapping::Mapping;
use lightspeed_sync::catalog::item::{DesiredItem, Refs};
use lightspeed_sync::{CatalogSync, EcomTarget, FileSource, MemoryStateStore};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};

use super::{Admin, Quiet};

/// How many keys and differences a check lists by name.
const SHOWN: usize = 20;

/// A field that is not the mapped value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// The item's key.
    pub key: String,
    /// The field (`title@en`, `variants[CH-000003-M].price_incl`, `categories`).
    pub field: String,
    /// The mapped value.
    pub expected: Value,
    /// What the shop has.
    pub actual: Value,
}

/// What was counted as duplicated, by kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Duplicates {
    /// Extra holders of a SKU.
    pub skus: usize,
    /// Products beyond the one each item is checked against.
    pub extra_products: usize,
    /// Extra brands with a title another brand has.
    pub brands: usize,
    /// Extra categories with a path another category has.
    pub categories: usize,
    /// Extra links of a product to the same category.
    pub links: usize,
    /// Extra images of a product with a name it should have fewer times.
    pub images: usize,
}

impl Duplicates {
    fn total(&self) -> usize {
        self.skus + self.extra_products + self.brands + self.categories + self.links + self.images
    }
}

/// The result of a catalog check (`{"kind": "check", "check": {...}}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CatalogCheck {
    /// Desired items (products; a family of sizes counts once).
    pub products: usize,
    /// Their SKUs.
    pub skus: usize,
    /// Source rows that did not become part of an item (the generator's data always maps).
    pub source_problems: usize,
    /// Products in the shop.
    pub shop_products: usize,
    /// Items without a product.
    pub missing: usize,
    /// See [`Duplicates`]: their total.
    pub duplicated: usize,
    /// Fields not at their mapped value.
    pub different: usize,
    /// The duplicates by kind.
    pub duplicates: Duplicates,
    /// The differences by field (`variants.price_incl`, `images`...).
    pub different_fields: BTreeMap<String, usize>,
    /// The first missing keys.
    pub missing_keys: Vec<String>,
    /// The first duplicated keys, SKUs, product ids, titles or paths.
    pub duplicated_keys: Vec<String>,
    /// The first differences.
    pub differences: Vec<Difference>,
}

impl CatalogCheck {
    /// Whether every count is zero (and the source mapped without a problem).
    pub fn is_clean(&self) -> bool {
        self.missing == 0
            && self.duplicated == 0
            && self.different == 0
            && self.source_problems == 0
    }

    fn differ(&mut self, key: &str, field: &str, group: &str, expected: Value, actual: Value) {
        self.different += 1;
        *self.different_fields.entry(group.to_string()).or_default() += 1;
        if self.differences.len() < SHOWN {
            self.differences.push(Difference {
                key: key.to_string(),
                field: field.to_string(),
                expected,
                actual,
            });
        }
    }

    fn duplicate(&mut self, what: String) {
        if self.duplicated_keys.len() < SHOWN {
            self.duplicated_keys.push(what);
        }
    }
}

/// A JSON number or numeric text as an exact decimal.
pub fn decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => {
            let text = n.to_string();
            text.parse()
                .ok()
                .or_else(|| Decimal::from_scientific(&text).ok())
        }
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Whether the shop's value is the mapped one: numbers by decimal value, the rest exactly
/// (`null`, a field mapped empty, as the empty text eCom stores).
pub fn same(expected: &Value, actual: &Value) -> bool {
    match expected {
        Value::Number(_) => {
            matches!((decimal(expected), decimal(actual)), (Some(a), Some(b)) if a == b)
        }
        Value::Null => actual.is_null() || actual.as_str() == Some(""),
        _ => expected == actual,
    }
}

/// Lower-case ASCII letters and digits, runs of anything else as one `-` (how the emulator
/// names an uploaded image).
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The name an image should have: the slug of its title, else of its file's stem.
fn image_name(src: &str, title: Option<&str>) -> String {
    match title {
        Some(t) => slug(t),
        None => {
            let file = src.split(['?', '#']).next().unwrap_or(src);
            let file = file.rsplit('/').next().unwrap_or(file);
            slug(file.rsplit_once('.').map_or(file, |(stem, _)| stem))
        }
    }
}

fn id_of(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        Value::Object(o) => o.get("id").and_then(id_of),
        _ => None,
    }
}

fn list<'a>(ecom: &'a Value, name: &str) -> &'a [Value] {
    ecom.get(name)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The shop as the dump holds it, indexed.
struct Shop<'a> {
    products: BTreeMap<u64, &'a Value>,
    /// Variants by product id.
    variants: HashMap<u64, Vec<&'a Value>>,
    /// SKU → the products of the variants holding it.
    holders: HashMap<&'a str, Vec<u64>>,
    /// Images by product id, in sort order.
    images: HashMap<u64, Vec<&'a Value>>,
    brands: HashMap<u64, &'a str>,
    /// Category id → path.
    paths: HashMap<u64, String>,
    /// Product → linked category ids (with repeats).
    links: HashMap<u64, Vec<u64>>,
}

impl<'a> Shop<'a> {
    fn new(ecom: &'a Value) -> Self {
        let products = list(ecom, "products")
            .iter()
            .filter_map(|p| Some((id_of(&p["id"])?, p)))
            .collect();
        let mut variants: HashMap<u64, Vec<&Value>> = HashMap::new();
        let mut holders: HashMap<&str, Vec<u64>> = HashMap::new();
        for v in list(ecom, "variants") {
            let Some(product) = id_of(&v["product"]) else {
                continue;
            };
            variants.entry(product).or_default().push(v);
            if let Some(sku) = v["sku"].as_str().filter(|s| !s.is_empty()) {
                holders.entry(sku).or_default().push(product);
            }
        }
        let mut images: HashMap<u64, Vec<&Value>> = HashMap::new();
        for i in list(ecom, "product_images") {
            if let Some(product) = id_of(&i["product"]) {
                images.entry(product).or_default().push(i);
            }
        }
        for list in images.values_mut() {
            list.sort_by_key(|i| (i["sortOrder"].as_i64().unwrap_or(0), id_of(&i["id"])));
        }
        let brands = list(ecom, "brands")
            .iter()
            .filter_map(|b| Some((id_of(&b["id"])?, b["title"].as_str().unwrap_or(""))))
            .collect();
        let categories: HashMap<u64, (&str, Option<u64>)> = list(ecom, "categories")
            .iter()
            .filter_map(|c| {
                Some((
                    id_of(&c["id"])?,
                    (c["title"].as_str().unwrap_or(""), id_of(&c["parent"])),
                ))
            })
            .collect();
        let paths = categories
            .keys()
            .map(|&id| {
                let mut parts = Vec::new();
                let mut at = Some(id);
                while let Some(c) = at.and_then(|i| categories.get(&i)) {
                    parts.push(c.0);
                    at = c.1;
                    if parts.len() > 32 {
                        break;
                    }
                }
                parts.reverse();
                (id, parts.join(" > "))
            })
            .collect();
        let mut links: HashMap<u64, Vec<u64>> = HashMap::new();
        for l in list(ecom, "categories_products") {
            if let (Some(p), Some(c)) = (id_of(&l["product"]), id_of(&l["category"])) {
                links.entry(p).or_default().push(c);
            }
        }
        Shop {
            products,
            variants,
            holders,
            images,
            brands,
            paths,
            links,
        }
    }

    /// A product's text in `lang`: its own, else the default language's (eCom's fallback).
    fn text(product: &Value, lang: Option<&str>, field: &str) -> Value {
        lang.and_then(|l| product["translations"][l].get(field))
            .or_else(|| product.get(field))
            .cloned()
            .unwrap_or(Value::Null)
    }
}

/// Compares the shop of the emulator at `url` with `source` mapped through `mapping`.
pub async fn catalog(url: &str, source: &Path, mapping: &Mapping) -> Result<CatalogCheck, String> {
    let (wire, _) = Quiet::new(ReqwestTransport::new().map_err(|e| e.to_string())?);
    // `desired()` makes no request: the target only lends its schema.
    let target = EcomTarget::new(super::ecom_client(url, wire, super::clock())?);
    let state = MemoryStateStore::new();
    let source = FileSource::open(source).map_err(|e| e.to_string())?;
    let sync = CatalogSync::new(&source, mapping, &target, &state).map_err(|e| e.to_string())?;
    let desired = sync.desired().await.map_err(|e| e.to_string())?;
    let dump = Admin::new(url).dump().await?;
    let mut check = compare(&desired.items, &dump["ecom"]);
    check.source_problems = desired.problems.len();
    Ok(check)
}

/// Compares desired items with an eCom dump (`dump["ecom"]`).
pub fn compare(items: &[DesiredItem], ecom: &Value) -> CatalogCheck {
    let shop = Shop::new(ecom);
    let mut check = CatalogCheck {
        products: items.len(),
        skus: items.iter().map(|i| i.variants.len()).sum(),
        shop_products: shop.products.len(),
        ..CatalogCheck::default()
    };
    let mut claimed = BTreeSet::new();
    for item in items {
        let Some(&first) = item
            .skus()
            .find_map(|s| shop.holders.get(s).and_then(|h| h.first()))
        else {
            check.missing += 1;
            if check.missing_keys.len() < SHOWN {
                check.missing_keys.push(item.key.clone());
            }
            continue;
        };
        claimed.insert(first);
        compare_item(&mut check, &shop, item, first);
    }
    for (sku, held) in &shop.holders {
        if held.len() > 1 {
            check.duplicates.skus += held.len() - 1;
            check.duplicate(format!("SKU {sku} in products {held:?}"));
        }
    }
    for (id, product) in &shop.products {
        if !claimed.contains(id) {
            check.duplicates.extra_products += 1;
            check.duplicate(format!(
                "product {id} ({:?}, marker {:?}) is no item's",
                product["title"], product["data03"]
            ));
        }
    }
    let mut brand_titles: BTreeMap<&str, usize> = BTreeMap::new();
    for title in shop.brands.values() {
        *brand_titles.entry(title).or_default() += 1;
    }
    for (title, n) in brand_titles.into_iter().filter(|(_, n)| *n > 1) {
        check.duplicates.brands += n - 1;
        check.duplicate(format!("brand {title:?} {n} times"));
    }
    let mut paths: BTreeMap<&str, usize> = BTreeMap::new();
    for path in shop.paths.values() {
        *paths.entry(path).or_default() += 1;
    }
    for (path, n) in paths.into_iter().filter(|(_, n)| *n > 1) {
        check.duplicates.categories += n - 1;
        check.duplicate(format!("category {path:?} {n} times"));
    }
    for (product, linked) in &shop.links {
        let distinct: BTreeSet<_> = linked.iter().collect();
        if distinct.len() < linked.len() {
            check.duplicates.links += linked.len() - distinct.len();
            check.duplicate(format!("product {product} linked twice to a category"));
        }
    }
    check.duplicated = check.duplicates.total();
    check
}

fn compare_item(check: &mut CatalogCheck, shop: &Shop<'_>, item: &DesiredItem, id: u64) {
    let key = item.key.as_str();
    let Some(product) = shop.products.get(&id) else {
        check.differ(key, "product", "product", json!(id), Value::Null);
        return;
    };
    // Product fields, the default language.
    for (field, expected) in item.fields.iter() {
        let actual = Shop::text(product, None, &api_name(field));
        if !same(expected, &actual) {
            check.differ(key, field, field, expected.clone(), actual);
        }
    }
    // Texts in other languages.
    for (lang, fields) in &item.texts {
        for (field, expected) in fields.iter() {
            let actual = Shop::text(product, Some(lang), &api_name(field));
            if !same(expected, &actual) {
                let name = format!("{field}@{lang}");
                check.differ(key, &name, &name, expected.clone(), actual);
            }
        }
    }
    // The create marker.
    let marker = json!(format!("lsync:{key}"));
    if product["data03"] != marker {
        check.differ(key, "data03", "data03", marker, product["data03"].clone());
    }
    // Variants, by SKU.
    let variants = shop.variants.get(&id).map_or(&[][..], Vec::as_slice);
    if variants.len() != item.variants.len() {
        let have: Vec<&Value> = variants.iter().map(|v| &v["sku"]).collect();
        check.differ(
            key,
            "variants",
            "variants.count",
            json!(item.skus().collect::<Vec<_>>()),
            json!(have),
        );
    }
    for v in &item.variants {
        let Some(actual) = variants.iter().find(|a| a["sku"].as_str() == Some(&v.sku)) else {
            // Held by another product (counted as split), or by none.
            check.differ(
                key,
                &format!("variants[{}]", v.sku),
                "variants.sku",
                json!(v.sku),
                Value::Null,
            );
            continue;
        };
        if actual["title"].as_str() != Some(&v.title) {
            check.differ(
                key,
                &format!("variants[{}].title", v.sku),
                "variants.title",
                json!(v.title),
                actual["title"].clone(),
            );
        }
        for (field, expected) in v.fields.iter() {
            let have = actual.get(api_name(field)).cloned().unwrap_or(Value::Null);
            if !same(expected, &have) {
                check.differ(
                    key,
                    &format!("variants[{}].{field}", v.sku),
                    &format!("variants.{field}"),
                    expected.clone(),
                    have,
                );
            }
        }
    }
    // References: the brand by title, categories by path.
    for (field, refs) in &item.refs {
        match (field.as_str(), refs) {
            ("brand", Refs::One(title)) => {
                let actual = id_of(&product["brand"])
                    .and_then(|b| shop.brands.get(&b).copied())
                    .map_or(Value::Null, |t| json!(t));
                if actual.as_str() != Some(title) {
                    check.differ(key, "brand", "brand", json!(title), actual);
                }
            }
            ("categories", Refs::Paths(paths)) => {
                let expected: BTreeSet<&str> = paths.iter().map(String::as_str).collect();
                let actual: BTreeSet<&str> = shop
                    .links
                    .get(&id)
                    .into_iter()
                    .flatten()
                    .map(|c| shop.paths.get(c).map_or("?", String::as_str))
                    .collect();
                if expected != actual {
                    check.differ(
                        key,
                        "categories",
                        "categories",
                        json!(expected),
                        json!(actual),
                    );
                }
            }
            (other, _) => check.differ(
                key,
                other,
                "unchecked reference",
                json!(refs.names()),
                Value::Null,
            ),
        }
    }
    // Images: names in order.
    if let Some(images) = &item.images {
        let expected: Vec<String> = images
            .iter()
            .map(|i| image_name(&i.src, i.title.as_deref()))
            .collect();
        let actual: Vec<&str> = shop
            .images
            .get(&id)
            .into_iter()
            .flatten()
            .map(|i| i["title"].as_str().unwrap_or(""))
            .collect();
        for name in actual.iter().collect::<BTreeSet<_>>() {
            let have = actual.iter().filter(|a| *a == name).count();
            let want = expected.iter().filter(|e| e == name).count();
            if have > want.max(1) {
                check.duplicates.images += have - want.max(1);
                check.duplicate(format!("{key}: image {name:?} {have} times"));
            }
        }
        if expected != actual {
            check.differ(key, "images", "images", json!(expected), json!(actual));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_compare_by_value_and_texts_exactly() {
        assert!(same(&json!(24.95), &json!("24.950")));
        assert!(same(&json!(24.95), &json!(24.95)));
        assert!(!same(&json!(24.95), &json!(24.949999)));
        assert!(same(&json!(12), &json!(12.0)));
        assert!(!same(&json!("Tas"), &json!("tas")));
        assert!(same(&Value::Null, &json!("")));
    }

    #[test]
    fn images_are_named_by_title_or_file_stem() {
        assert_eq!(
            image_name("https://x/y/CH-000001-back.jpg", None),
            "ch-000001-back"
        );
        assert_eq!(
            image_name("https://x/a.jpg", Some("Achterkant 3")),
            "achterkant-3"
        );
    }
}
