//! Catalog items as the planner sees them: what the source wants ([`DesiredItem`]) and what the
//! target has ([`ActualItem`]), in a target-neutral shape, and how mapped rows become items.
//!
//! The target's schema decides where every mapped field goes ([`ItemShape`]): each field of the
//! schema has a role (`lightspeed_mapping::FieldRole`): a field of the product itself (its
//! default language in `fields`, other languages in `texts`), a field of each variant, a
//! reference to other records by name (a brand, a supplier, tags, category paths), media
//! (images by URL, with an optional title), or grouping (`parent`, option values, the variant's
//! title). A field the schema does not know never reaches an item: it is refused when the
//! mapping compiles. Values are JSON, numbers as decimals.

use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use litemap::LiteMap;

use lightspeed_mapping::{FieldRole, FieldSpec, FieldType, TargetSchema};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use sha2::{Digest, Sha256};

/// Field values by field name: a map kept as a sorted vector, a few hundred bytes lighter
/// than a `BTreeMap` per item, which matters with 100,000 items on each side of a plan.
pub type Fields = LiteMap<String, Json>;

/// What an item names of other records, for one reference field of the schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refs {
    /// One record by its title (a brand, a supplier, a product type).
    One(String),
    /// Several records by title (tags).
    Many(Vec<String>),
    /// Several records by path, each part a record whose parent is the part before it
    /// (categories: `Men > Shoes`).
    Paths(Vec<String>),
}

impl Refs {
    /// The names (titles or paths), in order.
    pub fn names(&self) -> &[String] {
        match self {
            Refs::One(name) => std::slice::from_ref(name),
            Refs::Many(names) | Refs::Paths(names) => names,
        }
    }

    /// Whether the item links to several records (links of their own) rather than holding one
    /// id in a field.
    pub fn is_list(&self) -> bool {
        !matches!(self, Refs::One(_))
    }

    /// Whether the names are paths whose parents must exist first.
    pub fn is_paths(&self) -> bool {
        matches!(self, Refs::Paths(_))
    }
}

/// An image the source wants: its URL and, if mapped, its title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredImage {
    /// Where the target fetches it from.
    pub src: String,
    /// Its title (eCom derives an image's title from its file name, so the file is uploaded
    /// under this title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl DesiredImage {
    /// The name the target gives the image: the slug of its title, or of its file's stem.
    pub fn name(&self) -> String {
        match &self.title {
            Some(title) => slug(title),
            None => image_name(&self.src),
        }
    }

    /// The file name to upload it under (`front.jpg`, or `<slug of the title>.jpg`).
    pub fn file_name(&self) -> String {
        let file = image_file_name(&self.src);
        match &self.title {
            None => file,
            Some(title) => {
                let extension = file.rsplit_once('.').map_or("jpg", |(_, e)| e);
                format!("{}.{extension}", slug(title))
            }
        }
    }
}

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
    /// The images, in order (the first is the main image); `None` when the mapping gave none,
    /// and the target's images are left as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<DesiredImage>>,
    /// References by the schema's field name (`brand`, `categories`, `tags`); a field the
    /// mapping gave no value is absent, and the target's links of that kind are left alone.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub refs: BTreeMap<String, Refs>,
    /// Where the item came from (`pim.csv:12`, or several lines for a product with variants).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origin: Vec<String>,
}

impl DesiredItem {
    /// An item with one default variant whose SKU is the key, and nothing else.
    pub fn new(key: impl Into<String>) -> Self {
        let key = key.into();
        DesiredItem {
            variants: vec![DesiredVariant {
                sku: key.clone(),
                title: "Default".into(),
                options: BTreeMap::new(),
                fields: Fields::new(),
            }],
            key,
            fields: Fields::new(),
            texts: BTreeMap::new(),
            images: None,
            refs: BTreeMap::new(),
            origin: Vec::new(),
        }
    }

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
            images: &'a Option<Vec<DesiredImage>>,
            refs: &'a BTreeMap<String, Refs>,
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
            refs: &self.refs,
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
    /// References by kind (the schema's field name): the referenced record's id → the id of
    /// the link that holds it (empty for a reference held in a field of the item, such as
    /// eCom's brand).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub refs: BTreeMap<String, LiteMap<String, String>>,
    /// The key named by the marker this sync wrote when it created the item (see
    /// [`CatalogTarget::marker`](crate::catalog::CatalogTarget::marker)), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
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

/// Lower-case ASCII letters and digits, runs of anything else as one `-`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
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

/// The slug of an image URL's file stem, as eCom names images: `https://x/Watch%20Back.PNG`
/// → `watch-back`.
pub fn image_name(url: &str) -> String {
    let last = file_part(url);
    slug(last.rsplit_once('.').map_or(last.as_str(), |(s, _)| s))
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
    /// The mapped fields, nested (`images: [{src}]`, `options: {size}`), with the schema's
    /// canonical names.
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

/// `men>shoes ` → `men > shoes`: one space around each `>`.
pub fn normalise_path(path: &str) -> String {
    path.split('>')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" > ")
}

/// Where a target's schema puts each mapped field, built once from its field list.
#[derive(Debug, Clone)]
pub struct ItemShape {
    name: String,
    specs: HashMap<String, FieldSpec>,
}

impl ItemShape {
    /// The shape of `schema`'s items.
    pub fn new(schema: &dyn TargetSchema) -> Self {
        ItemShape {
            name: schema.name().to_string(),
            specs: schema
                .fields()
                .into_iter()
                .map(|f| (f.name.clone(), f))
                .collect(),
        }
    }

    /// The schema's name (`ecom.product`).
    pub fn name(&self) -> &str {
        &self.name
    }

    fn spec(&self, shape: &str) -> Option<&FieldSpec> {
        self.specs.get(shape)
    }

    fn role(&self, shape: &str) -> Option<FieldRole> {
        self.spec(shape).map(|s| s.role)
    }

    /// The product fields (role `Record`), sorted.
    pub fn record_fields(&self) -> Vec<&str> {
        self.top_level(|s| s.role == FieldRole::Record)
    }

    /// The product fields that exist per language, sorted.
    pub fn translatable_fields(&self) -> Vec<&str> {
        self.top_level(|s| s.role == FieldRole::Record && s.translatable)
    }

    /// The variant fields (role `Variant`, `sku` included), sorted.
    pub fn variant_fields(&self) -> Vec<&str> {
        self.top_level(|s| s.role == FieldRole::Variant)
    }

    /// The reference fields (`brand`, `categories`, `tags`), sorted.
    pub fn reference_fields(&self) -> Vec<&str> {
        self.top_level(|s| matches!(s.role, FieldRole::Reference | FieldRole::PathReference))
    }

    fn top_level(&self, keep: impl Fn(&FieldSpec) -> bool) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .specs
            .values()
            .filter(|s| !s.name.contains(['[', '.']) && keep(s))
            .map(|s| s.name.as_str())
            .collect();
        out.sort_unstable();
        out
    }

    /// The required product fields.
    fn required(&self) -> Vec<&str> {
        self.top_level(|s| s.required && s.role == FieldRole::Record)
    }

    /// Groups rows into items: rows with the same `parent` become one product with a variant
    /// each; a row without `parent` is a product of its own; a row with a `variants` list
    /// gives one variant per element (the row's own variant fields are their defaults).
    /// Product fields come from the group's first row. Answers the items in the order their
    /// first row came, and the rows that could not be used.
    pub fn group_rows(&self, rows: Vec<MappedRow>) -> (Vec<DesiredItem>, Vec<RowProblem>) {
        let mut order: Vec<String> = Vec::new();
        let mut groups: HashMap<String, Vec<MappedRow>> = HashMap::new();
        let mut problems = Vec::new();
        for row in rows {
            let group = row
                .fields
                .get("parent")
                .and_then(text_of)
                .unwrap_or_else(|| row.key.clone());
            let rows = groups.entry(group).or_insert_with_key(|group| {
                order.push(group.clone());
                Vec::new()
            });
            rows.push(row);
        }
        let mut items = Vec::with_capacity(order.len());
        for key in order {
            let rows = groups.remove(&key).unwrap_or_default();
            match self.build_item(&key, &rows) {
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

    fn build_item(&self, key: &str, rows: &[MappedRow]) -> Result<DesiredItem, String> {
        let mut item = DesiredItem {
            key: key.to_string(),
            fields: Fields::new(),
            texts: BTreeMap::new(),
            variants: Vec::new(),
            images: None,
            refs: BTreeMap::new(),
            origin: rows.iter().map(|r| r.origin.clone()).collect(),
        };
        // The product's own fields and its one-of references: the first row's.
        let first = &rows[0];
        for (name, value) in &first.fields {
            if let Some((field, language)) = name.split_once('@') {
                match self.spec(field) {
                    Some(spec) if spec.translatable && spec.role == FieldRole::Record => {
                        item.texts
                            .entry(language.to_string())
                            .or_default()
                            .insert(field.to_string(), value.clone());
                    }
                    _ => return Err(self.unknown(name, first)),
                }
                continue;
            }
            match self.role(name) {
                Some(FieldRole::Record) => {
                    item.fields.insert(name.clone(), value.clone());
                }
                Some(FieldRole::Reference)
                    if self.spec(name).map(|s| s.kind) == Some(FieldType::Text) =>
                {
                    if let Some(title) = text_of(value) {
                        item.refs.insert(name.clone(), Refs::One(title));
                    }
                }
                Some(_) => {}
                None => return Err(self.unknown(name, first)),
            }
        }
        for required in self.required() {
            if !item.fields.contains_key(required) {
                return Err(format!(
                    "no {required}: the product's first row ({}) maps no `{required}`",
                    first.origin
                ));
            }
        }
        // Lists (images, tags, categories): the union over the group's rows, in order.
        for row in rows {
            for (name, value) in &row.fields {
                let Some(spec) = self.spec(name) else {
                    continue;
                };
                match spec.role {
                    FieldRole::Container if name == "images" => {
                        let images = item.images.get_or_insert_with(Vec::new);
                        for image in images_of(value) {
                            if !images.iter().any(|i| i.src == image.src) {
                                images.push(image);
                            }
                        }
                    }
                    FieldRole::Reference | FieldRole::PathReference
                        if spec.kind == FieldType::List =>
                    {
                        let paths = spec.role == FieldRole::PathReference;
                        let entry = item.refs.entry(name.clone()).or_insert_with(|| {
                            if paths {
                                Refs::Paths(Vec::new())
                            } else {
                                Refs::Many(Vec::new())
                            }
                        });
                        let (Refs::Many(names) | Refs::Paths(names)) = entry else {
                            continue;
                        };
                        for name in names_of(value) {
                            let name = if paths { normalise_path(&name) } else { name };
                            if !name.is_empty() && !names.contains(&name) {
                                names.push(name);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        // Variants: one per row, or one per element of the row's `variants` list.
        let mut seen = BTreeSet::new();
        for row in rows {
            for variant in self.variants_of(row)? {
                if !seen.insert(variant.sku.clone()) {
                    return Err(format!(
                        "SKU {} appears twice in the product ({})",
                        variant.sku, row.origin
                    ));
                }
                item.variants.push(variant);
            }
        }
        Ok(item)
    }

    fn unknown(&self, name: &str, row: &MappedRow) -> String {
        format!(
            "`{name}` ({}) is not a field of {}: compile the mapping against the target's schema",
            row.origin, self.name
        )
    }

    /// The variant fields of an object, by the spec names `prefix` + name.
    fn variant_fields_of(&self, prefix: &str, object: &Map<String, Json>) -> Fields {
        object
            .iter()
            .filter(|(k, _)| {
                k.as_str() != "sku"
                    && self.role(&format!("{prefix}{k}")) == Some(FieldRole::Variant)
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn variants_of(&self, row: &MappedRow) -> Result<Vec<DesiredVariant>, String> {
        let defaults = self.variant_fields_of("", &row.fields);
        let options = options_of(row.fields.get("options"));
        let Some(Json::Array(list)) = row.fields.get("variants") else {
            let sku = row
                .fields
                .get("sku")
                .and_then(text_of)
                .unwrap_or_else(|| row.key.clone());
            let title = row.fields.get("variant_title").and_then(text_of);
            return Ok(vec![variant(sku, title, options, defaults)]);
        };
        let mut out = Vec::with_capacity(list.len());
        for (n, element) in list.iter().enumerate() {
            let Some(object) = element.as_object() else {
                return Err(format!(
                    "variants[{n}] ({}) is not an object of variant fields",
                    row.origin
                ));
            };
            let sku = object
                .get("sku")
                .and_then(text_of)
                .ok_or_else(|| format!("variants[{n}] ({}) has no sku", row.origin))?;
            let mut fields = defaults.clone();
            fields.extend(self.variant_fields_of("variants[].", object));
            let mut element_options = options.clone();
            element_options.extend(options_of(object.get("options")));
            let title = object.get("title").and_then(text_of);
            out.push(variant(sku, title, element_options, fields));
        }
        Ok(out)
    }
}

fn variant(
    sku: String,
    title: Option<String>,
    options: BTreeMap<String, String>,
    fields: Fields,
) -> DesiredVariant {
    let title = title.unwrap_or_else(|| {
        if options.is_empty() {
            "Default".to_string()
        } else {
            options.values().cloned().collect::<Vec<_>>().join(" / ")
        }
    });
    DesiredVariant {
        sku,
        title,
        options,
        fields,
    }
}

fn options_of(value: Option<&Json>) -> BTreeMap<String, String> {
    match value {
        Some(Json::Object(o)) => o
            .iter()
            .filter_map(|(k, v)| text_of(v).map(|t| (k.clone(), t)))
            .collect(),
        _ => BTreeMap::new(),
    }
}

fn images_of(value: &Json) -> Vec<DesiredImage> {
    let list = match value {
        Json::Array(list) => list.as_slice(),
        Json::Null => &[],
        other => std::slice::from_ref(other),
    };
    list.iter()
        .filter_map(|image| match image {
            Json::Object(o) => Some(DesiredImage {
                src: o.get("src").and_then(text_of)?,
                title: o.get("title").and_then(text_of),
            }),
            other => text_of(other).map(|src| DesiredImage { src, title: None }),
        })
        .collect()
}

/// Names from a list, or from one text with several separated by `;` or `|`.
fn names_of(value: &Json) -> Vec<String> {
    match value {
        Json::Array(list) => list.iter().filter_map(text_of).collect(),
        other => text_of(other)
            .map(|t| {
                t.split([';', '|'])
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
    }
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

    fn shape() -> ItemShape {
        ItemShape::new(&crate::catalog::target::MemorySchema)
    }

    #[test]
    fn rows_with_a_parent_become_one_product_with_variants() {
        let (items, problems) = shape().group_rows(vec![
            row(
                "TS-S",
                2,
                json!({"parent": "TS", "title": "T-shirt", "title@en": "Tee", "sku": "TS-S",
                "options": {"size": "S"}, "price_incl": 20, "images": [{"src": "https://x/a.jpg"}],
                "categories": ["Men>Shirts"], "brand": "Acme", "tags": "cotton|summer"}),
            ),
            row("W-1", 3, json!({"title": "Wallet", "price_incl": 50})),
            row(
                "TS-M",
                4,
                json!({"parent": "TS", "title": "T-shirt", "sku": "TS-M", "tags": ["summer", "sale"],
                "options": {"size": "M"}, "price_incl": 20, "images": [{"src": "https://x/a.jpg"}, {"src": "https://x/b.jpg", "title": "Back view"}]}),
            ),
        ]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(items.len(), 2);
        let shirt = &items[0];
        assert_eq!(shirt.key, "TS");
        assert_eq!(shirt.variants.len(), 2);
        assert_eq!(shirt.variants[1].title, "M");
        let images = shirt.images.as_ref().unwrap();
        assert_eq!(images.len(), 2);
        assert_eq!(images[1].name(), "back-view");
        assert_eq!(images[1].file_name(), "back-view.jpg");
        assert_eq!(
            shirt.refs["categories"],
            Refs::Paths(vec!["Men > Shirts".into()])
        );
        assert_eq!(shirt.refs["brand"], Refs::One("Acme".into()));
        assert_eq!(
            shirt.refs["tags"],
            Refs::Many(vec!["cotton".into(), "summer".into(), "sale".into()])
        );
        assert_eq!(shirt.texts["en"].get("title"), Some(&json!("Tee")));
        assert_eq!(items[1].variants[0].sku, "W-1");
        assert_eq!(items[1].variants[0].title, "Default");
        assert_eq!(
            items[1].images, None,
            "no image mapped: the target's are kept"
        );
        assert_eq!(shirt.origin, ["pim.csv:2", "pim.csv:4"]);
    }

    #[test]
    fn a_variants_list_gives_one_variant_per_element() {
        let (items, problems) = shape().group_rows(vec![row(
            "J",
            2,
            json!({"title": "Jeans", "price_incl": 80, "stock_level": 1, "variants": [
                {"sku": "J-30", "options": {"waist": "30"}, "stock_level": 4},
                {"sku": "J-32", "options": {"waist": "32"}, "price_incl": 85, "title": "Waist 32"}
            ]}),
        )]);
        assert!(problems.is_empty(), "{problems:?}");
        let v = &items[0].variants;
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].sku.as_str(), v[0].title.as_str()), ("J-30", "30"));
        assert_eq!(v[0].fields.get("price_incl"), Some(&json!(80)));
        assert_eq!(v[0].fields.get("stock_level"), Some(&json!(4)));
        assert_eq!(v[1].fields.get("price_incl"), Some(&json!(85)));
        assert_eq!(v[1].title, "Waist 32");
    }

    #[test]
    fn fingerprints_ignore_the_origin_and_see_every_field() {
        let (items, _) =
            shape().group_rows(vec![row("A", 2, json!({"title": "A", "price_incl": 1}))]);
        let mut other = items[0].clone();
        other.origin = vec!["elsewhere:9".into()];
        assert_eq!(items[0].fingerprint(), other.fingerprint());
        other.variants[0]
            .fields
            .insert("price_incl".into(), json!(2));
        assert_ne!(items[0].fingerprint(), other.fingerprint());
        let mut tagged = items[0].clone();
        tagged
            .refs
            .insert("tags".into(), Refs::Many(vec!["x".into()]));
        assert_ne!(items[0].fingerprint(), tagged.fingerprint());
    }

    #[test]
    fn a_product_without_title_a_repeated_sku_or_an_unknown_field_is_a_problem() {
        let (items, problems) = shape().group_rows(vec![
            row("A", 2, json!({"price_incl": 1})),
            row("B1", 3, json!({"parent": "B", "title": "B", "sku": "X"})),
            row("B2", 4, json!({"parent": "B", "title": "B", "sku": "X"})),
            row("C", 5, json!({"title": "C", "descripton": "typo"})),
            row(
                "D",
                6,
                json!({"title": "D", "variants": [{"price_incl": 1}]}),
            ),
        ]);
        assert!(items.is_empty());
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].message.contains("no title"));
        assert!(problems[1].message.contains("SKU X appears twice"));
        assert!(
            problems[2].message.contains("`descripton`"),
            "{}",
            problems[2].message
        );
        assert!(
            problems[3].message.contains("variants[0]"),
            "{}",
            problems[3].message
        );
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
