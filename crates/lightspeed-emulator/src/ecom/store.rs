//! The eCom shop's data: records per resource, writes with the API's validation, rendering in
//! the API's shapes.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use bytes::Bytes;

use base64::Engine;
use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use lightspeed_core::Clock;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Map, Value, json};

use super::spec::{Kind, Ty};
use crate::config::EmulatorConfig;

/// One stored record.
#[derive(Debug, Clone)]
pub(crate) struct Rec {
    pub id: u64,
    /// The owning product of a product image.
    pub parent: Option<u64>,
    pub created: DateTime<FixedOffset>,
    pub updated: DateTime<FixedOffset>,
    /// Shared fields, in their stored form (relations as ids or `false`).
    pub fields: Map<String, Value>,
    /// Translatable fields per language.
    pub texts: BTreeMap<String, Map<String, Value>>,
}

/// The converted fields of a write: (shared fields, translatable fields).
type Changes = (Map<String, Value>, Map<String, Value>);

/// A write the API refuses: the message of its error body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Invalid(pub String);

/// The eCom shop.
#[derive(Debug)]
pub(crate) struct Store {
    pub languages: Vec<String>,
    pub offset: FixedOffset,
    pub shop_id: u64,
    /// The emulator's clock: every timestamp is its wall time.
    clock: Arc<dyn Clock>,
    next_id: u64,
    tables: Vec<BTreeMap<u64, Rec>>,
    /// Bumped by every change: a rendered record is reused only within one generation.
    generation: u64,
    /// Rendered records by (resource, id, language index), with their generation.
    rendered: HashMap<(Kind, u64, usize), (u64, Bytes)>,
    /// Indexes that keep writes and reads independent of the number of records.
    index: Index,
    /// Orders, their lines and shipments (`orders.rs`).
    pub orders: super::Orders,
}

/// Lookups kept beside the tables: slugs in use, links between records, images per product.
#[derive(Debug, Default)]
struct Index {
    slugs: HashMap<(Kind, String), u64>,
    links: HashMap<(Kind, Value, Value), u64>,
    images: HashMap<u64, std::collections::BTreeSet<u64>>,
    /// Records by the relation a list filters on (`variants?product=`), in id order.
    related: HashMap<(Kind, &'static str, u64), std::collections::BTreeSet<u64>>,
}

/// The two ends of a link resource.
fn link_ends(kind: Kind) -> Option<(&'static str, &'static str)> {
    match kind {
        Kind::CategoriesProduct => Some(("category", "product")),
        Kind::TagsProduct => Some(("tag", "product")),
        Kind::TypesAttribute => Some(("type", "attribute")),
        _ => None,
    }
}

impl Index {
    fn link_key(kind: Kind, fields: &Map<String, Value>) -> Option<(Kind, Value, Value)> {
        let (a, b) = link_ends(kind)?;
        Some((kind, fields.get(a)?.clone(), fields.get(b)?.clone()))
    }

    fn add(&mut self, kind: Kind, rec: &Rec) {
        if let Some(url) = rec.fields.get("url").and_then(Value::as_str) {
            self.slugs.insert((kind, url.to_string()), rec.id);
        }
        if let Some(key) = Self::link_key(kind, &rec.fields) {
            self.links.insert(key, rec.id);
        }
        if let (Kind::ProductImage, Some(p)) = (kind, rec.parent) {
            self.images.entry(p).or_default().insert(rec.id);
        }
        for field in kind.filters() {
            if let Some(target) = rec.fields.get(*field).and_then(Value::as_u64) {
                self.related
                    .entry((kind, *field, target))
                    .or_default()
                    .insert(rec.id);
            }
        }
    }

    fn remove(&mut self, kind: Kind, rec: &Rec) {
        if let Some(url) = rec.fields.get("url").and_then(Value::as_str) {
            let key = (kind, url.to_string());
            if self.slugs.get(&key) == Some(&rec.id) {
                self.slugs.remove(&key);
            }
        }
        if let Some(key) = Self::link_key(kind, &rec.fields)
            && self.links.get(&key) == Some(&rec.id)
        {
            self.links.remove(&key);
        }
        if let (Kind::ProductImage, Some(p)) = (kind, rec.parent)
            && let Some(set) = self.images.get_mut(&p)
        {
            set.remove(&rec.id);
        }
        for field in kind.filters() {
            if let Some(target) = rec.fields.get(*field).and_then(Value::as_u64)
                && let Some(set) = self.related.get_mut(&(kind, *field, target))
            {
                set.remove(&rec.id);
            }
        }
    }
}

/// Language ids, locales and titles for the codes a shop may use.
pub(crate) fn language_info(code: &str) -> (u64, String, String) {
    let (id, locale, title) = match code {
        "nl" => (1, "nl_NL", "Nederlands"),
        "en" => (2, "en_GB", "English"),
        "de" => (3, "de_DE", "Deutsch"),
        "fr" => (4, "fr_FR", "Français"),
        "es" => (5, "es_ES", "Español"),
        "it" => (6, "it_IT", "Italiano"),
        "us" => (7, "en_US", "English (US)"),
        other => {
            let id = 100 + other.bytes().fold(0u64, |a, b| a * 31 + u64::from(b)) % 900;
            return (
                id,
                format!("{other}_{}", other.to_uppercase()),
                other.into(),
            );
        }
    };
    (id, locale.into(), title.into())
}

/// A URL slug: lower case ASCII letters and digits joined by `-`.
pub(crate) fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

pub(crate) fn number(d: Decimal) -> Value {
    // The API writes JSON numbers (PHP floats; whole ones without a fraction). A decimal with
    // up to 15 significant digits survives the trip through f64 digit for digit.
    let d = d.normalize();
    if d.scale() == 0
        && let Some(i) = d.to_i64()
    {
        return Value::from(i);
    }
    d.to_f64()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
        .unwrap_or_else(|| Value::from(0))
}

/// A decimal from a JSON number or numeric text.
pub(crate) fn decimal_of(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => n.to_string().parse::<Decimal>().ok().or_else(|| {
            n.as_f64()
                .and_then(|f| Decimal::from_f64_retain(f).map(|d| d.normalize()))
        }),
        Value::String(s) => s.trim().parse::<Decimal>().ok(),
        _ => None,
    }
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn bool_of(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        Value::String(s) => match s.as_str() {
            "1" | "true" => Some(true),
            "0" | "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

impl Store {
    pub fn new(config: &EmulatorConfig) -> Self {
        let offset = FixedOffset::east_opt(config.ecom.utc_offset_minutes * 60)
            .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"));
        Store {
            languages: config.ecom.languages.clone(),
            offset,
            shop_id: config.ecom.shop_id,
            clock: config.clock.clone(),
            next_id: 10_000_001,
            tables: Kind::ALL.iter().map(|_| BTreeMap::new()).collect(),
            generation: 0,
            rendered: HashMap::new(),
            index: Index::default(),
            orders: super::Orders::default(),
        }
    }

    pub fn default_language(&self) -> &str {
        self.languages.first().map(String::as_str).unwrap_or("nl")
    }

    /// The clock's wall time in the shop's time zone, in whole seconds.
    pub fn now(&self) -> DateTime<FixedOffset> {
        let now = DateTime::<Utc>::from(self.clock.wall()).with_timezone(&self.offset);
        // The API writes whole seconds.
        now - chrono::Duration::nanoseconds(i64::from(now.timestamp_subsec_nanos()))
    }

    pub fn table(&self, kind: Kind) -> &BTreeMap<u64, Rec> {
        &self.tables[kind.index()]
    }

    /// A table to change; every rendered record becomes stale (a product shows its first
    /// image, a category its ancestors: one change can alter other records' renderings).
    pub fn table_mut(&mut self, kind: Kind) -> &mut BTreeMap<u64, Rec> {
        self.generation += 1;
        &mut self.tables[kind.index()]
    }

    /// A record rendered as JSON bytes, reused until the next change: reads of unchanged
    /// records (most of a benchmark's traffic) skip building the body again.
    pub fn rendered(&mut self, kind: Kind, id: u64, lang: &str, base: &str) -> Option<Bytes> {
        let li = self.languages.iter().position(|l| l == lang)?;
        if let Some((generation, bytes)) = self.rendered.get(&(kind, id, li))
            && *generation == self.generation
        {
            return Some(bytes.clone());
        }
        let rec = self.get(kind, id)?;
        let bytes = Bytes::from(serde_json::to_vec(&self.render(kind, rec, lang, base)).ok()?);
        self.rendered
            .insert((kind, id, li), (self.generation, bytes.clone()));
        Some(bytes)
    }

    pub fn get(&self, kind: Kind, id: u64) -> Option<&Rec> {
        self.table(kind).get(&id)
    }

    fn take_id(&mut self, wanted: Option<u64>) -> u64 {
        match wanted {
            Some(id) => {
                self.next_id = self.next_id.max(id + 1);
                id
            }
            None => {
                let id = self.next_id;
                self.next_id += 1;
                id
            }
        }
    }

    fn exists(&self, path: &str, id: u64) -> bool {
        let kind = match path {
            "products" => Kind::Product,
            "brands" => Kind::Brand,
            "suppliers" => Kind::Supplier,
            "types" => Kind::Type,
            "categories" => Kind::Category,
            "tags" => Kind::Tag,
            "attributes" => Kind::Attribute,
            // Resources the emulator does not serve (taxes, sets, delivery dates): any
            // positive id is taken as it is.
            _ => return id > 0,
        };
        self.table(kind).contains_key(&id)
    }

    /// Checks and converts one input value of `field` (of type `ty`).
    fn convert(
        &self,
        kind: Kind,
        field: &str,
        ty: Ty,
        value: &Value,
        creating: bool,
    ) -> Result<Option<Value>, Invalid> {
        let bad = || Invalid(format!("Invalid {} {}", kind.noun(), field));
        let out = match ty {
            Ty::Text(_) | Ty::Tr | Ty::Slug => match value {
                Value::String(s) => Value::from(s.as_str()),
                Value::Number(n) => Value::from(n.to_string()),
                Value::Null => Value::from(""),
                _ => return Err(bad()),
            },
            Ty::NullText => match value {
                Value::String(_) | Value::Null => value.clone(),
                Value::Number(n) => Value::from(n.to_string()),
                _ => return Err(bad()),
            },
            Ty::TrOrFalse => match value {
                Value::String(s) if !s.is_empty() => value.clone(),
                Value::String(_) | Value::Null | Value::Bool(false) => Value::Bool(false),
                _ => return Err(bad()),
            },
            Ty::Int(_) => Value::from(int_of(value).ok_or_else(bad)?),
            Ty::NullInt => match value {
                Value::Null => Value::Null,
                v => Value::from(int_of(v).ok_or_else(bad)?),
            },
            Ty::Dec => number(decimal_of(value).ok_or_else(bad)?),
            Ty::DecText => {
                let d = decimal_of(value).ok_or_else(bad)?;
                Value::from(format!(
                    "{:.3}",
                    d.round_dp_with_strategy(
                        3,
                        rust_decimal::RoundingStrategy::MidpointAwayFromZero
                    )
                ))
            }
            Ty::Bool(_) => Value::Bool(bool_of(value).ok_or_else(bad)?),
            Ty::Enum(values) => match value.as_str() {
                Some(s) if values.contains(&s) => value.clone(),
                _ => return Err(bad()),
            },
            Ty::Rel(path) => match value {
                Value::Null | Value::Bool(false) => Value::Bool(false),
                Value::Number(_) | Value::String(_) => {
                    let id = int_of(value)
                        .and_then(|i| u64::try_from(i).ok())
                        .ok_or_else(bad)?;
                    if id == 0 {
                        Value::Bool(false)
                    } else if self.exists(path, id) {
                        Value::from(id)
                    } else {
                        return Err(bad());
                    }
                }
                Value::Object(o) => match o.get("resource").and_then(|r| r.get("id")) {
                    Some(id) => return self.convert(kind, field, ty, id, creating),
                    None => return Err(bad()),
                },
                _ => return Err(bad()),
            },
            Ty::File => match value {
                Value::Null | Value::Bool(false) => Value::Bool(false),
                Value::Object(o) => {
                    let attachment = o.get("attachment").and_then(Value::as_str);
                    let filename = o
                        .get("filename")
                        .and_then(Value::as_str)
                        .unwrap_or("image.jpg");
                    let attachment = attachment.ok_or_else(bad)?;
                    let id = self.next_id;
                    let (ext, size, title, thumb, src) =
                        self.file_from(attachment, filename, id).ok_or_else(bad)?;
                    let now = self.now().to_rfc3339();
                    json!({"createdAt": now, "updatedAt": now, "extension": ext, "size": size,
                           "title": title, "thumb": thumb, "src": src})
                }
                _ => return Err(bad()),
            },
            Ty::LangRef => match value.as_str() {
                Some(code) if self.languages.iter().any(|l| l == code) => value.clone(),
                _ => return Err(bad()),
            },
            Ty::CreateOnly(inner) => {
                if !creating {
                    return Ok(None);
                }
                return self.convert(kind, field, *inner, value, creating);
            }
            Ty::ReadOnly(_) => return Ok(None),
        };
        Ok(Some(out))
    }

    /// Extension, size, title, thumb and src of an uploaded file: `attachment` is base64 or an
    /// http(s) URL (not fetched: the emulator has no network; its size reads 0).
    fn file_from(
        &self,
        attachment: &str,
        filename: &str,
        file_id: u64,
    ) -> Option<(String, u64, String, String, String)> {
        let size = if attachment.starts_with("http://") || attachment.starts_with("https://") {
            0
        } else {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(attachment.trim())
                .ok()?;
            if bytes.is_empty() {
                return None;
            }
            bytes.len() as u64
        };
        let (stem, ext) = match filename.rsplit_once('.') {
            Some((stem, ext)) if !ext.is_empty() => (stem, ext.to_ascii_lowercase()),
            _ => (filename, "jpg".to_string()),
        };
        let title = slugify(stem);
        let title = if title.is_empty() {
            "image".into()
        } else {
            title
        };
        let base = format!(
            "https://cdn.webshopapp.com/shops/{}/files/{file_id}",
            self.shop_id
        );
        Some((
            ext.clone(),
            size,
            title.clone(),
            format!("{base}/50x50x2/{title}.{ext}"),
            format!("{base}/{title}.{ext}"),
        ))
    }

    fn unique_slug(&self, kind: Kind, wanted: &str, except: Option<u64>) -> String {
        let taken = |s: &str| {
            self.index
                .slugs
                .get(&(kind, s.to_string()))
                .is_some_and(|id| Some(*id) != except)
        };
        if !taken(wanted) {
            return wanted.to_string();
        }
        (2..)
            .map(|i| format!("{wanted}-{i}"))
            .find(|s| !taken(s))
            .expect("an unused slug")
    }

    /// Creates a record from the fields of a request body in `lang`. Texts go to every
    /// language on create (the API copies them; other languages are then updated one by one).
    pub fn create(
        &mut self,
        kind: Kind,
        parent: Option<u64>,
        input: &Map<String, Value>,
        lang: &str,
        wanted_id: Option<u64>,
    ) -> Result<u64, Invalid> {
        for field in kind.required() {
            let missing = match input.get(*field) {
                None | Some(Value::Null) => true,
                Some(Value::String(s)) => s.trim().is_empty(),
                _ => false,
            };
            if missing {
                return Err(Invalid(format!("Invalid {} {}", kind.noun(), field)));
            }
        }
        if kind == Kind::Variant
            && matches!(input.get("title"), Some(Value::String(s)) if s.trim().is_empty())
        {
            return Err(Invalid("Invalid variant title".into()));
        }
        if let Some(p) = parent
            && !self.table(Kind::Product).contains_key(&p)
        {
            return Err(Invalid(format!("Invalid {} product", kind.noun())));
        }
        let mut fields = Map::new();
        let mut texts = Map::new();
        for (name, ty) in kind.fields() {
            if ty.translatable() {
                texts.insert((*name).into(), ty.default_value());
            } else {
                fields.insert((*name).into(), ty.default_value());
            }
        }
        let mut changes = self.changes(kind, input, true)?;
        if kind == Kind::ProductImage {
            let attachment = input
                .get("attachment")
                .and_then(Value::as_str)
                .unwrap_or("");
            let filename = input
                .get("filename")
                .and_then(Value::as_str)
                .unwrap_or("image.jpg");
            let file_id = self.next_id + 500_000_000;
            let (ext, size, title, thumb, src) = self
                .file_from(attachment, filename, file_id)
                .ok_or_else(|| Invalid("Invalid product image attachment".into()))?;
            for (k, v) in [
                ("extension", Value::from(ext)),
                ("size", Value::from(size)),
                ("title", Value::from(title)),
                ("thumb", Value::from(thumb)),
                ("src", Value::from(src)),
            ] {
                changes.0.insert(k.into(), v);
            }
            if !input.contains_key("sortOrder") {
                let next = parent
                    .and_then(|p| self.index.images.get(&p))
                    .into_iter()
                    .flatten()
                    .filter_map(|i| self.get(Kind::ProductImage, *i))
                    .filter_map(|r| r.fields.get("sortOrder").and_then(Value::as_i64))
                    .max()
                    .unwrap_or(0)
                    + 1;
                changes.0.insert("sortOrder".into(), Value::from(next));
            }
        }
        let (shared, text) = changes;
        fields.extend(shared);
        texts.extend(text);
        if kind == Kind::Product && !input.contains_key("fulltitle") {
            let title = texts.get("title").cloned().unwrap_or_default();
            texts.insert("fulltitle".into(), title);
        }
        if let Some(Value::String(url)) = fields.get("url").cloned() {
            let base = if url.is_empty() {
                slugify(texts.get("title").and_then(Value::as_str).unwrap_or(""))
            } else {
                slugify(&url)
            };
            let base = match (kind, fields.get("parent").and_then(Value::as_u64)) {
                (Kind::Category, Some(p)) => {
                    let parent_url = self
                        .get(Kind::Category, p)
                        .and_then(|r| r.fields.get("url"))
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    format!("{parent_url}/{base}")
                }
                _ => base,
            };
            let slug = self.unique_slug(kind, &base, None);
            fields.insert("url".into(), Value::from(slug));
        }
        if kind == Kind::Webhook && fields.get("language").is_none_or(Value::is_null) {
            fields.insert("language".into(), Value::from(lang));
        }
        self.check_links(kind, &fields, None)?;
        let id = match wanted_id {
            Some(id) if self.table(kind).contains_key(&id) => {
                return Err(Invalid(format!("{} {id} already exists", kind.noun())));
            }
            other => self.take_id(other),
        };
        let now = self.now();
        let mut per_lang = BTreeMap::new();
        for l in &self.languages {
            per_lang.insert(l.clone(), texts.clone());
        }
        let rec = Rec {
            id,
            parent,
            created: now,
            updated: now,
            fields,
            texts: per_lang,
        };
        self.index.add(kind, &rec);
        self.table_mut(kind).insert(id, rec);
        Ok(id)
    }

    /// Link resources refuse a second link between the same two records.
    fn check_links(
        &self,
        kind: Kind,
        fields: &Map<String, Value>,
        except: Option<u64>,
    ) -> Result<(), Invalid> {
        let Some(pair) = link_ends(kind) else {
            return Ok(());
        };
        let duplicate = Index::link_key(kind, fields)
            .and_then(|key| self.index.links.get(&key))
            .is_some_and(|id| Some(*id) != except);
        if duplicate {
            return Err(Invalid(format!(
                "The {} is already linked to this {}",
                pair.1, pair.0
            )));
        }
        Ok(())
    }

    /// The converted changes of an input body: (shared fields, translatable fields).
    fn changes(
        &self,
        kind: Kind,
        input: &Map<String, Value>,
        creating: bool,
    ) -> Result<Changes, Invalid> {
        let mut shared = Map::new();
        let mut texts = Map::new();
        for (name, ty) in kind.fields() {
            let Some(value) = input.get(*name) else {
                continue;
            };
            if let Some(v) = self.convert(kind, name, *ty, value, creating)? {
                if ty.translatable() {
                    texts.insert((*name).into(), v);
                } else {
                    shared.insert((*name).into(), v);
                }
            }
        }
        // `isVisible` is written through `visibility` on products.
        if kind == Kind::Product
            && !input.contains_key("visibility")
            && let Some(b) = input.get("isVisible").and_then(bool_of)
        {
            shared.insert(
                "visibility".into(),
                Value::from(if b { "visible" } else { "hidden" }),
            );
        }
        Ok((shared, texts))
    }

    /// Updates a record from the fields of a request body in `lang`; answers whether anything
    /// changed.
    pub fn update(
        &mut self,
        kind: Kind,
        id: u64,
        input: &Map<String, Value>,
        lang: &str,
    ) -> Result<bool, Invalid> {
        if kind == Kind::Variant
            && matches!(input.get("title"), Some(Value::String(s)) if s.trim().is_empty())
        {
            return Err(Invalid("Invalid variant title".into()));
        }
        let (mut shared, texts) = self.changes(kind, input, false)?;
        if let Some(Value::String(url)) = shared.get("url").cloned() {
            let slug = self.unique_slug(kind, &slugify(&url), Some(id));
            shared.insert("url".into(), Value::from(slug));
        }
        if kind == Kind::Category
            && let Some(p) = shared.get("parent").and_then(Value::as_u64)
            && (p == id || self.ancestors(p).contains(&id))
        {
            return Err(Invalid("Invalid category parent".into()));
        }
        let now = self.now();
        let before = self
            .get(kind, id)
            .cloned()
            .ok_or_else(|| Invalid("Not found".into()))?;
        self.index.remove(kind, &before);
        let rec = self.table_mut(kind).get_mut(&id).expect("checked above");
        let mut changed = false;
        for (k, v) in shared {
            if rec.fields.get(&k) != Some(&v) {
                rec.fields.insert(k, v);
                changed = true;
            }
        }
        let target = rec.texts.entry(lang.to_string()).or_default();
        for (k, v) in texts {
            if target.get(&k) != Some(&v) {
                target.insert(k, v);
                changed = true;
            }
        }
        if changed {
            rec.updated = now;
        }
        let after = rec.clone();
        self.index.add(kind, &after);
        Ok(changed)
    }

    /// Deletes a record and what hangs off it (a product's variants, images and links).
    pub fn delete(&mut self, kind: Kind, id: u64) -> Option<Vec<(Kind, Rec)>> {
        let rec = self.table_mut(kind).remove(&id)?;
        self.index.remove(kind, &rec);
        let mut removed = vec![(kind, rec)];
        let cascade: &[(Kind, &str)] = match kind {
            Kind::Product => &[
                (Kind::Variant, "product"),
                (Kind::CategoriesProduct, "product"),
                (Kind::TagsProduct, "product"),
            ],
            Kind::Category => &[(Kind::CategoriesProduct, "category")],
            Kind::Tag => &[(Kind::TagsProduct, "tag")],
            Kind::Type => &[(Kind::TypesAttribute, "type")],
            Kind::Attribute => &[(Kind::TypesAttribute, "attribute")],
            _ => &[],
        };
        for (child, field) in cascade {
            let ids: Vec<u64> = self
                .table(*child)
                .values()
                .filter(|r| r.fields.get(*field).and_then(Value::as_u64) == Some(id))
                .map(|r| r.id)
                .collect();
            for cid in ids {
                if let Some(r) = self.table_mut(*child).remove(&cid) {
                    self.index.remove(*child, &r);
                    removed.push((*child, r));
                }
            }
        }
        if kind == Kind::Product {
            let images = self.index.images.remove(&id).unwrap_or_default();
            for image in images {
                self.table_mut(Kind::ProductImage).remove(&image);
            }
        }
        Some(removed)
    }

    fn ancestors(&self, mut id: u64) -> Vec<u64> {
        let mut out = Vec::new();
        while let Some(p) = self
            .get(Kind::Category, id)
            .and_then(|r| r.fields.get("parent"))
            .and_then(Value::as_u64)
        {
            if out.contains(&p) {
                break;
            }
            out.push(p);
            id = p;
        }
        out
    }

    /// Records of `kind` (under `parent`) that pass the list filters, in id order.
    pub fn select<'a>(
        &'a self,
        kind: Kind,
        parent: Option<u64>,
        query: &'a [(String, String)],
    ) -> Result<Vec<&'a Rec>, Invalid> {
        let param = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let since_id: u64 = match param("since_id") {
            Some(v) => v
                .parse()
                .map_err(|_| Invalid(format!("Invalid since_id: {v}")))?,
            None => 0,
        };
        let mut bounds = Vec::new();
        for (name, created, min) in [
            ("created_at_min", true, true),
            ("created_at_max", true, false),
            ("updated_at_min", false, true),
            ("updated_at_max", false, false),
        ] {
            if let Some(v) = param(name) {
                let at = NaiveDateTime::parse_from_str(v.trim(), "%Y-%m-%d %H:%M:%S")
                    .ok()
                    .and_then(|n| n.and_local_timezone(self.offset).single())
                    .ok_or_else(|| {
                        Invalid(format!("Invalid {name}: expected YYYY-MM-DD HH:MM:SS"))
                    })?;
                bounds.push((created, min, at));
            }
        }
        let mut filters = Vec::new();
        for field in kind.filters() {
            if let Some(v) = param(field) {
                let id: u64 = v
                    .parse()
                    .map_err(|_| Invalid(format!("Invalid {field}: {v}")))?;
                filters.push((*field, id));
            }
        }
        // With a relation filter, only the related records are candidates.
        let candidates: Box<dyn Iterator<Item = &Rec>> = match filters.first() {
            Some((field, target)) => Box::new(
                self.index
                    .related
                    .get(&(kind, *field, *target))
                    .into_iter()
                    .flat_map(|set| set.range(since_id.saturating_add(1)..))
                    .filter_map(move |id| self.get(kind, *id)),
            ),
            None => Box::new(
                self.table(kind)
                    .range(since_id.saturating_add(1)..)
                    .map(|(_, r)| r),
            ),
        };
        Ok(candidates
            .filter(|r| parent.is_none() || r.parent == parent)
            .filter(|r| {
                bounds.iter().all(|(created, min, at)| {
                    let t = if *created { r.created } else { r.updated };
                    if *min { t >= *at } else { t <= *at }
                })
            })
            .filter(|r| {
                filters
                    .iter()
                    .all(|(f, id)| r.fields.get(*f).and_then(Value::as_u64) == Some(*id))
            })
            .collect())
    }

    /// A record in the API's shape, texts in `lang`, links under `base`.
    pub fn render(&self, kind: Kind, rec: &Rec, lang: &str, base: &str) -> Value {
        let link = |url: String, id: Value| -> Value {
            let (path, q) = match url.split_once('?') {
                Some((p, q)) => (p.to_string(), format!("?{q}")),
                None => (url.clone(), String::new()),
            };
            json!({"resource": {"id": id, "url": url, "link": format!("{base}/{lang}/{path}.json{q}")}})
        };
        let id = rec.id;
        let mut out = Map::new();
        out.insert("id".into(), Value::from(id));
        if kind.timestamps() {
            out.insert("createdAt".into(), Value::from(rec.created.to_rfc3339()));
            out.insert("updatedAt".into(), Value::from(rec.updated.to_rfc3339()));
        }
        let texts = rec
            .texts
            .get(lang)
            .or_else(|| rec.texts.get(self.default_language()));
        for (name, ty) in kind.fields() {
            let stored = if ty.translatable() {
                texts.and_then(|t| t.get(*name))
            } else {
                rec.fields.get(*name)
            };
            let value = stored.cloned().unwrap_or_else(|| ty.default_value());
            let rendered = match (ty, &value) {
                (Ty::Rel(path) | Ty::CreateOnly(Ty::Rel(path)), Value::Number(n)) => {
                    link(format!("{path}/{n}"), value.clone())
                }
                (Ty::LangRef, Value::String(code)) => {
                    let (lid, locale, title) = language_info(code);
                    json!({"id": lid, "code": code, "locale": locale, "title": title})
                }
                _ => value,
            };
            out.insert((*name).into(), rendered);
        }
        let list = |url: String| link(url, Value::Bool(false));
        match kind {
            Kind::Product => {
                let visible = out.get("visibility").and_then(Value::as_str) != Some("hidden");
                out.insert("isVisible".into(), Value::Bool(visible));
                out.insert("hasMatrix".into(), Value::Bool(false));
                let first_image = self
                    .index
                    .images
                    .get(&id)
                    .into_iter()
                    .flatten()
                    .filter_map(|i| self.get(Kind::ProductImage, *i))
                    .min_by_key(|r| {
                        (
                            r.fields
                                .get("sortOrder")
                                .and_then(Value::as_i64)
                                .unwrap_or(0),
                            r.id,
                        )
                    });
                match first_image {
                    Some(img) => {
                        let mut file = Map::new();
                        file.insert("createdAt".into(), Value::from(img.created.to_rfc3339()));
                        file.insert("updatedAt".into(), Value::from(img.updated.to_rfc3339()));
                        for k in ["extension", "size", "title", "thumb", "src"] {
                            file.insert(k.into(), img.fields.get(k).cloned().unwrap_or_default());
                        }
                        out.insert("image".into(), Value::Object(file));
                        out.insert("images".into(), list(format!("products/{id}/images")));
                    }
                    None => {
                        out.insert("image".into(), Value::Bool(false));
                        out.insert("images".into(), Value::Bool(false));
                    }
                }
                for (key, url) in [
                    ("categories", format!("categories/products?product={id}")),
                    ("relations", format!("products/{id}/relations")),
                    ("metafields", format!("products/{id}/metafields")),
                    ("reviews", format!("reviews?product={id}")),
                    ("attributes", format!("products/{id}/attributes")),
                    ("tags", format!("tags/products?product={id}")),
                    ("variants", format!("variants?product={id}")),
                    ("movements", format!("variants/movements?product={id}")),
                ] {
                    out.insert(key.into(), list(url));
                }
                out.insert("templateDataFields".into(), Value::Object(Map::new()));
            }
            Kind::Variant => {
                let minimum = out.get("stockBuyMinimum").cloned().unwrap_or_default();
                out.insert("stockBuyMininum".into(), minimum);
                out.insert("matrix".into(), Value::Bool(false));
                out.insert(
                    "movements".into(),
                    list(format!("variants/movements?variant={id}")),
                );
                out.insert(
                    "metafields".into(),
                    list(format!("variants/{id}/metafields")),
                );
                out.insert("additionalcost".into(), Value::Bool(false));
                out.insert("options".into(), Value::Array(Vec::new()));
            }
            Kind::Category => {
                let ancestors = self.ancestors(id);
                let mut path = vec![Value::from(id.to_string())];
                path.extend(ancestors.iter().map(|a| Value::from(a.to_string())));
                out.insert("depth".into(), Value::from(ancestors.len() + 1));
                out.insert("path".into(), Value::Array(path));
                out.insert("children".into(), list(format!("categories?parent={id}")));
                out.insert(
                    "products".into(),
                    list(format!("categories/products?category={id}")),
                );
            }
            Kind::Brand => {
                out.insert("products".into(), list(format!("products?brand={id}")));
            }
            Kind::Type => {
                out.insert(
                    "attributes".into(),
                    list(format!("types/attributes?type={id}")),
                );
            }
            Kind::Attribute => {
                out.insert("types".into(), list(format!("attributes/{id}/types")));
            }
            Kind::Tag => {
                out.insert("products".into(), list(format!("tags/products?tag={id}")));
            }
            _ => {}
        }
        Value::Object(out)
    }

    /// A record as seed and dump documents hold it: its stored fields with relations as ids,
    /// texts of the default language inline and the others under `translations`.
    pub fn export(&self, rec: &Rec) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), Value::from(rec.id));
        if let Some(p) = rec.parent {
            out.insert("product".into(), Value::from(p));
        }
        for (k, v) in &rec.fields {
            out.insert(k.clone(), v.clone());
        }
        let default = self.default_language().to_string();
        if let Some(t) = rec.texts.get(&default) {
            for (k, v) in t {
                out.insert(k.clone(), v.clone());
            }
        }
        let mut translations = Map::new();
        for (lang, t) in &rec.texts {
            if *lang != default && Some(t) != rec.texts.get(&default) {
                translations.insert(lang.clone(), Value::Object(t.clone()));
            }
        }
        if !translations.is_empty() {
            out.insert("translations".into(), Value::Object(translations));
        }
        Value::Object(out)
    }

    /// Restores a record written by [`Store::export`] (or hand-written seed data).
    pub fn import(&mut self, kind: Kind, value: &Value) -> Result<u64, Invalid> {
        let obj = value
            .as_object()
            .ok_or_else(|| Invalid(format!("{}: a record must be an object", kind.seed_name())))?;
        let wanted = obj.get("id").and_then(Value::as_u64);
        let default = self.default_language().to_string();
        let (parent, input) = if kind == Kind::ProductImage {
            let parent = obj.get("product").and_then(Value::as_u64);
            let mut input = obj.clone();
            if !input.contains_key("attachment") {
                // A dumped image: keep its stored file fields.
                let src = obj.get("src").and_then(Value::as_str).unwrap_or("");
                input.insert(
                    "attachment".into(),
                    Value::from(if src.is_empty() {
                        "https://example.com/image.jpg"
                    } else {
                        src
                    }),
                );
                let name = format!(
                    "{}.{}",
                    obj.get("title").and_then(Value::as_str).unwrap_or("image"),
                    obj.get("extension")
                        .and_then(Value::as_str)
                        .unwrap_or("jpg")
                );
                input.insert("filename".into(), Value::from(name));
            }
            (parent, input)
        } else {
            (None, obj.clone())
        };
        let id = self.create(kind, parent, &input, &default, wanted)?;
        if kind == Kind::ProductImage
            && let Some(rec) = self.table_mut(kind).get_mut(&id)
        {
            for k in ["size", "thumb", "src"] {
                if let Some(v) = obj.get(k) {
                    rec.fields.insert(k.into(), v.clone());
                }
            }
        }
        if let Some(Value::Object(translations)) = obj.get("translations") {
            for (lang, texts) in translations {
                if let Value::Object(t) = texts {
                    self.update(kind, id, t, lang)?;
                }
            }
        }
        Ok(id)
    }

    /// Records per resource.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        Kind::ALL
            .iter()
            .map(|k| (k.seed_name(), self.table(*k).len()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        Store::new(&EmulatorConfig::default())
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn slugs_are_ascii_and_unique() {
        assert_eq!(slugify("Luxury Leather Wallet!"), "luxury-leather-wallet");
        assert_eq!(slugify("Crème brûlée"), "creme-brulee");
        let mut s = store();
        let a = s
            .create(
                Kind::Product,
                None,
                &obj(json!({"title": "Wallet"})),
                "nl",
                None,
            )
            .unwrap();
        let b = s
            .create(
                Kind::Product,
                None,
                &obj(json!({"title": "Wallet"})),
                "nl",
                None,
            )
            .unwrap();
        assert_eq!(s.get(Kind::Product, a).unwrap().fields["url"], "wallet");
        assert_eq!(s.get(Kind::Product, b).unwrap().fields["url"], "wallet-2");
    }

    #[test]
    fn validation_names_the_field() {
        let mut s = store();
        let err = s
            .create(
                Kind::Product,
                None,
                &obj(json!({"content": "x"})),
                "nl",
                None,
            )
            .unwrap_err();
        assert_eq!(err.0, "Invalid product title");
        let p = s
            .create(Kind::Product, None, &obj(json!({"title": "T"})), "nl", None)
            .unwrap();
        let err = s
            .create(
                Kind::Variant,
                None,
                &obj(json!({"product": p, "title": "M", "priceExcl": "abc"})),
                "nl",
                None,
            )
            .unwrap_err();
        assert_eq!(err.0, "Invalid variant priceExcl");
        let err = s
            .create(
                Kind::Variant,
                None,
                &obj(json!({"product": 1, "title": "M"})),
                "nl",
                None,
            )
            .unwrap_err();
        assert_eq!(err.0, "Invalid variant product");
    }

    #[test]
    fn texts_are_per_language_after_create() {
        let mut s = store();
        let p = s
            .create(
                Kind::Product,
                None,
                &obj(json!({"title": "Portemonnee"})),
                "nl",
                None,
            )
            .unwrap();
        s.update(Kind::Product, p, &obj(json!({"title": "Wallet"})), "en")
            .unwrap();
        let rec = s.get(Kind::Product, p).unwrap().clone();
        assert_eq!(
            s.render(Kind::Product, &rec, "nl", "http://h")["title"],
            "Portemonnee"
        );
        assert_eq!(
            s.render(Kind::Product, &rec, "en", "http://h")["title"],
            "Wallet"
        );
        assert_eq!(
            s.render(Kind::Product, &rec, "en", "http://h")["fulltitle"],
            "Portemonnee"
        );
    }

    #[test]
    fn decimals_render_as_numbers_and_dectext_as_three_decimals() {
        let mut s = store();
        let p = s
            .create(Kind::Product, None, &obj(json!({"title": "T"})), "nl", None)
            .unwrap();
        let v = s
            .create(
                Kind::Variant,
                None,
                &obj(json!({"product": p, "title": "M", "priceExcl": "19,90".replace(',', "."), "weightValue": 1.25})),
                "nl",
                None,
            )
            .unwrap();
        let rec = s.get(Kind::Variant, v).unwrap().clone();
        let out = s.render(Kind::Variant, &rec, "nl", "http://h");
        assert_eq!(out["priceExcl"], json!(19.9));
        assert_eq!(out["weightValue"], json!("1.250"));
        assert_eq!(out["product"]["resource"]["id"], json!(p));
        assert_eq!(
            out["product"]["resource"]["link"],
            json!(format!("http://h/nl/products/{p}.json"))
        );
    }

    #[test]
    fn indexes_follow_updates_and_deletes() {
        let mut s = store();
        let b1 = s
            .create(Kind::Brand, None, &obj(json!({"title": "One"})), "nl", None)
            .unwrap();
        let b2 = s
            .create(Kind::Brand, None, &obj(json!({"title": "Two"})), "nl", None)
            .unwrap();
        let p = s
            .create(
                Kind::Product,
                None,
                &obj(json!({"title": "P", "brand": b1})),
                "nl",
                None,
            )
            .unwrap();
        let by_brand = |s: &Store, b: u64| {
            let q = vec![("brand".to_string(), b.to_string())];
            s.select(Kind::Product, None, &q).unwrap().len()
        };
        assert_eq!((by_brand(&s, b1), by_brand(&s, b2)), (1, 0));
        s.update(
            Kind::Product,
            p,
            &obj(json!({"brand": b2, "url": "renamed"})),
            "nl",
        )
        .unwrap();
        assert_eq!((by_brand(&s, b1), by_brand(&s, b2)), (0, 1));
        // The old slug is free again, the new one taken.
        let q = s
            .create(Kind::Product, None, &obj(json!({"title": "P"})), "nl", None)
            .unwrap();
        assert_eq!(s.get(Kind::Product, q).unwrap().fields["url"], "p");
        let r = s
            .create(
                Kind::Product,
                None,
                &obj(json!({"title": "Renamed"})),
                "nl",
                None,
            )
            .unwrap();
        assert_eq!(s.get(Kind::Product, r).unwrap().fields["url"], "renamed-2");
        s.delete(Kind::Product, p).unwrap();
        assert_eq!(by_brand(&s, b2), 0);
    }
}
