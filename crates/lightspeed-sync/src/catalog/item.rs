//! Catalog items as the planner sees them: what the source wants ([`DesiredItem`]) and what the
//! target has ([`ActualItem`]), in a target-neutral shape.
//!
//! Field names are the mapping schema's (`title`, `price_incl`, `stock_level`); values are
//! JSON, numbers as decimals. A product carries its variants (each with its own SKU), its
//! images (by source URL), its categories (by path, `Men > Shoes`), its brand (by title) and
//! its texts in other languages.

use std::collections::BTreeMap;

pub use litemap::LiteMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use sha2::{Digest, Sha256};

/// Field values by field name: a map kept as a sorted vector, a few hundred bytes lighter
/// than a `BTreeMap` per item, which matters with 100,000 items on each side of a plan.
pub type Fields = LiteMap<String, Json>;

/// Product-level fields of the default language (everything else on a mapped record is a
/// variant field, a relation or a text in another language).
pub const PRODUCT_FIELDS: &[&str] = &[
    "title",
    "fulltitle",
    "description",
    "content",
    "url",
    "visibility",
    "data01",
    "data02",
    "data03",
];

/// Fields that exist per language (`title@en`).
pub const TRANSLATABLE: &[&str] = &["title", "fulltitle", "description", "content"];

/// Variant fields (mapped at the top level of a row, or under `variants[]`).
pub const VARIANT_FIELDS: &[&str] = &[
    "sku",
    "ean",
    "article_code",
    "price_incl",
    "price_excl",
    "price_cost",
    "old_price_incl",
    "old_price_excl",
    "stock_level",
    "stock_tracking",
    "weight",
    "weight_value",
    "weight_unit",
    "volume",
    "size_x",
    "size_y",
    "size_z",
    "size_unit",
    "hs",
    "unit_price",
    "unit_unit",
];

/// A variant the source wants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesiredVariant {
    /// The variant's SKU: its identity.
    pub sku: String,
    /// Its title: the option values (`M / Red`), or `Default` for a product without options.
    pub title: String,
    /// The option values by option name (`size`, `colour`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
    /// Variant fields (`price_incl`, `stock_level`...), the SKU excluded.
    #[serde(default)]
    pub fields: Fields,
}

/// A product the source wants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesiredItem {
    /// The product's key: the parent key of a product with variants, else its SKU.
    pub key: String,
    /// Product fields in the default language.
    #[serde(default)]
    pub fields: Fields,
    /// Texts in other languages: language → field → text.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub texts: BTreeMap<String, Fields>,
    /// The variants, in source order; the first becomes the default variant.
    pub variants: Vec<DesiredVariant>,
    /// Image source URLs, in order (the first is the main image).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    /// Category paths (`Men > Shoes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// The brand's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// Where the item came from (`pim.csv:12`, or several lines for a product with variants).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origin: Vec<String>,
}

impl DesiredItem {
    /// A stable hash of everything that would be written (the origin excluded): equal
    /// fingerprints mean nothing to do.
    pub fn fingerprint(&self) -> String {
        /// Everything but the origin, borrowed.
        #[derive(Serialize)]
        struct Written<'a> {
            key: &'a str,
            fields: &'a Fields,
            texts: &'a BTreeMap<String, Fields>,
            variants: &'a [DesiredVariant],
            images: &'a [String],
            categories: &'a [String],
            brand: &'a Option<String>,
        }
        /// Feeds serialised bytes straight into the hash.
        struct HashWriter(Sha256);
        impl std::io::Write for HashWriter {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.update(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut writer = HashWriter(Sha256::new());
        let written = Written {
            key: &self.key,
            fields: &self.fields,
            texts: &self.texts,
            variants: &self.variants,
            images: &self.images,
            categories: &self.categories,
            brand: &self.brand,
        };
        // Serialising maps of JSON values into a hash cannot fail.
        let _ = serde_json::to_writer(&mut writer, &written);
        hex::encode(writer.0.finalize())
    }

    /// Every SKU of the item.
    pub fn skus(&self) -> impl Iterator<Item = &str> {
        self.variants.iter().map(|v| v.sku.as_str())
    }
}

/// A variant as the target has it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActualVariant {
    /// The target's id.
    pub id: String,
    /// The SKU.
    pub sku: String,
    /// The title.
    #[serde(default)]
    pub title: String,
    /// Whether it is the product's default variant.
    #[serde(default)]
    pub is_default: bool,
    /// Variant fields as read (or last written).
    #[serde(default)]
    pub fields: Fields,
}

/// An image as the target has it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActualImage {
    /// The target's id.
    pub id: String,
    /// The name the target derived from the file name (eCom: the slug of the file's stem).
    pub name: String,
    /// The source URL it was created from, when this sync created it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Its position.
    #[serde(default)]
    pub position: i64,
}

/// A product as the target has it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActualItem {
    /// The target's id.
    pub id: String,
    /// When the target last changed it, as the target writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Product fields in the default language.
    #[serde(default)]
    pub fields: Fields,
    /// Texts in other languages (those the sync writes).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub texts: BTreeMap<String, Fields>,
    /// Variants.
    #[serde(default)]
    pub variants: Vec<ActualVariant>,
    /// Images, in position order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ActualImage>,
    /// Category links: category id → link id.
    #[serde(default, skip_serializing_if = "LiteMap::is_empty")]
    pub categories: LiteMap<String, String>,
    /// The brand's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// Whether the item is archived (eCom: hidden by the sync).
    #[serde(default)]
    pub archived: bool,
}

impl ActualItem {
    /// The variant with this SKU.
    pub fn variant(&self, sku: &str) -> Option<&ActualVariant> {
        self.variants.iter().find(|v| v.sku == sku)
    }
}

/// The last path segment of a URL, query and fragment dropped, `%20` as a space.
fn file_part(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.rsplit('/').next().unwrap_or(path).replace("%20", " ")
}

/// The slug of an image URL's file stem, as eCom names images: `https://x/Watch%20Back.PNG`
/// → `watch-back`.
pub fn image_name(url: &str) -> String {
    let last = file_part(url);
    let stem = last.rsplit_once('.').map_or(last.as_str(), |(s, _)| s);
    let mut out = String::new();
    for c in stem.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() { "image".into() } else { out }
}

/// The file name to upload an image URL under (`front.jpg`).
pub fn image_file_name(url: &str) -> String {
    let last = file_part(url);
    if last.contains('.') {
        last
    } else {
        format!("{last}.jpg")
    }
}

/// A mapped record (one source row) before grouping.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedRow {
    /// The record's key (its SKU).
    pub key: String,
    /// Where it came from (`pim.csv:12`).
    pub origin: String,
    /// The mapped fields, nested (`images: [{src}]`, `options: {size}`).
    pub fields: Map<String, Json>,
}

/// Why a row could not become part of an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowProblem {
    /// The row's key, if it had one.
    pub key: Option<String>,
    /// Where it came from.
    pub origin: String,
    /// What is wrong.
    pub message: String,
}

fn text_of(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Groups rows into items: rows with the same `parent` become one product with a variant each;
/// a row without `parent` is a product of its own. Product fields come from the group's first
/// row; later rows may only repeat them. Answers the items in the order their first row came,
/// and the rows that could not be used.
pub fn group_rows(rows: Vec<MappedRow>) -> (Vec<DesiredItem>, Vec<RowProblem>) {
    let mut order: Vec<String> = Vec::new();
    let mut groups: BTreeMap<String, Vec<MappedRow>> = BTreeMap::new();
    let mut problems = Vec::new();
    for row in rows {
        let group = row
            .fields
            .get("parent")
            .and_then(text_of)
            .unwrap_or_else(|| row.key.clone());
        if !groups.contains_key(&group) {
            order.push(group.clone());
        }
        groups.entry(group).or_default().push(row);
    }
    let mut items = Vec::new();
    for key in order {
        let rows = groups.remove(&key).unwrap_or_default();
        match build_item(&key, &rows) {
            Ok(item) => items.push(item),
            Err(message) => problems.push(RowProblem {
                key: Some(key.clone()),
                origin: rows
                    .iter()
                    .map(|r| r.origin.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
                message,
            }),
        }
    }
    (items, problems)
}

fn build_item(key: &str, rows: &[MappedRow]) -> Result<DesiredItem, String> {
    let first = &rows[0].fields;
    let mut item = DesiredItem {
        key: key.to_string(),
        fields: Fields::new(),
        texts: BTreeMap::new(),
        variants: Vec::new(),
        images: Vec::new(),
        categories: Vec::new(),
        brand: None,
        origin: rows.iter().map(|r| r.origin.clone()).collect(),
    };
    for (name, value) in first {
        if PRODUCT_FIELDS.contains(&name.as_str()) {
            item.fields.insert(name.clone(), value.clone());
        } else if let Some((field, lang)) = name.split_once('@')
            && TRANSLATABLE.contains(&field)
        {
            item.texts
                .entry(lang.to_string())
                .or_default()
                .insert(field.to_string(), value.clone());
        }
    }
    if !item.fields.contains_key("title") {
        return Err("no title: the product's first row maps no `title`".into());
    }
    item.brand = first.get("brand").and_then(text_of);
    // Images and categories: the union over the group's rows, in order, without repeats.
    for row in rows {
        if let Some(Json::Array(images)) = row.fields.get("images") {
            for image in images {
                let src = match image {
                    Json::Object(o) => o.get("src").and_then(text_of),
                    other => text_of(other),
                };
                if let Some(src) = src
                    && !item.images.contains(&src)
                {
                    item.images.push(src);
                }
            }
        }
        let categories: Vec<String> = match row.fields.get("categories") {
            Some(Json::Array(list)) => list.iter().filter_map(text_of).collect(),
            Some(v) => text_of(v)
                .map(|t| {
                    t.split([';', '|'])
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            None => Vec::new(),
        };
        for path in categories {
            let path = normalise_path(&path);
            if !item.categories.contains(&path) {
                item.categories.push(path);
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for row in rows {
        let sku = row
            .fields
            .get("sku")
            .and_then(text_of)
            .unwrap_or_else(|| row.key.clone());
        if !seen.insert(sku.clone()) {
            return Err(format!(
                "SKU {sku} appears twice in the product ({})",
                row.origin
            ));
        }
        let options: BTreeMap<String, String> = match row.fields.get("options") {
            Some(Json::Object(o)) => o
                .iter()
                .filter_map(|(k, v)| text_of(v).map(|t| (k.clone(), t)))
                .collect(),
            _ => BTreeMap::new(),
        };
        let title = row
            .fields
            .get("variant_title")
            .and_then(text_of)
            .unwrap_or_else(|| {
                if options.is_empty() {
                    "Default".to_string()
                } else {
                    options.values().cloned().collect::<Vec<_>>().join(" / ")
                }
            });
        let fields = row
            .fields
            .iter()
            .filter(|(k, _)| VARIANT_FIELDS.contains(&k.as_str()) && k.as_str() != "sku")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        item.variants.push(DesiredVariant {
            sku,
            title,
            options,
            fields,
        });
    }
    Ok(item)
}

/// `men>shoes ` → `men > shoes`: one space around each `>`.
pub fn normalise_path(path: &str) -> String {
    path.split('>')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" > ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(key: &str, line: u32, fields: Json) -> MappedRow {
        MappedRow {
            key: key.into(),
            origin: format!("pim.csv:{line}"),
            fields: fields.as_object().cloned().unwrap(),
        }
    }

    #[test]
    fn rows_with_a_parent_become_one_product_with_variants() {
        let (items, problems) = group_rows(vec![
            row(
                "TS-S",
                2,
                json!({"parent": "TS", "title": "T-shirt", "title@en": "Tee", "sku": "TS-S",
                "options": {"size": "S"}, "price_incl": 20, "images": [{"src": "https://x/a.jpg"}],
                "categories": ["Men>Shirts"]}),
            ),
            row("W-1", 3, json!({"title": "Wallet", "price_incl": 50})),
            row(
                "TS-M",
                4,
                json!({"parent": "TS", "title": "T-shirt", "sku": "TS-M",
                "options": {"size": "M"}, "price_incl": 20, "images": [{"src": "https://x/a.jpg"}, {"src": "https://x/b.jpg"}]}),
            ),
        ]);
        assert!(problems.is_empty());
        assert_eq!(items.len(), 2);
        let shirt = &items[0];
        assert_eq!(shirt.key, "TS");
        assert_eq!(shirt.variants.len(), 2);
        assert_eq!(shirt.variants[1].title, "M");
        assert_eq!(shirt.images, ["https://x/a.jpg", "https://x/b.jpg"]);
        assert_eq!(shirt.categories, ["Men > Shirts"]);
        assert_eq!(shirt.texts["en"].get("title"), Some(&json!("Tee")));
        assert_eq!(items[1].variants[0].sku, "W-1");
        assert_eq!(items[1].variants[0].title, "Default");
        assert_eq!(shirt.origin, ["pim.csv:2", "pim.csv:4"]);
    }

    #[test]
    fn fingerprints_ignore_the_origin_and_see_every_field() {
        let (items, _) = group_rows(vec![row("A", 2, json!({"title": "A", "price_incl": 1}))]);
        let mut other = items[0].clone();
        other.origin = vec!["elsewhere:9".into()];
        assert_eq!(items[0].fingerprint(), other.fingerprint());
        other.variants[0]
            .fields
            .insert("price_incl".into(), json!(2));
        assert_ne!(items[0].fingerprint(), other.fingerprint());
    }

    #[test]
    fn a_product_without_title_or_with_a_repeated_sku_is_a_problem() {
        let (items, problems) = group_rows(vec![
            row("A", 2, json!({"price_incl": 1})),
            row("B1", 3, json!({"parent": "B", "title": "B", "sku": "X"})),
            row("B2", 4, json!({"parent": "B", "title": "B", "sku": "X"})),
        ]);
        assert!(items.is_empty());
        assert_eq!(problems.len(), 2);
        assert!(problems[0].message.contains("no title"));
        assert!(problems[1].message.contains("SKU X appears twice"));
    }

    #[test]
    fn image_names_follow_the_file_stem() {
        assert_eq!(
            image_name("https://cdn.x/img/Watch%20Back.PNG?v=2"),
            "watch-back"
        );
        assert_eq!(image_file_name("https://cdn.x/img/front"), "front.jpg");
    }
}
