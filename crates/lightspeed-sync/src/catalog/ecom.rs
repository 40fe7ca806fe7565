//! The eCom catalog as a [`CatalogTarget`] (feature `ecom`).
//!
//! The fields are those of [`lightspeed_ecom::schema::ProductSchema`], the one field list of
//! an eCom catalog product: every field a mapping may write is sent, under its API name. An
//! item is a product with its variants (matched by SKU), images (matched by the source URL the
//! sync created them from, else by the name eCom derives from the file name), references
//! (brand, supplier and type as the product's fields; categories and tags as links, created by
//! title or path when missing, if the sync allows) and texts in other languages (one `PUT` per
//! language). Archiving hides the product (`visibility: hidden`).
//!
//! **The create marker.** A product create also writes `lsync:<key>` into one of eCom's
//! template data fields (`data03` unless [`EcomTarget::with_marker_field`] picks another; the
//! mapping may not write that field). eCom keeps these fields as given and a listing can
//! return just them (`fields=id,data03`), so a create whose answer was lost is found again by
//! one listing of the products created since (`since_id` = the highest product id seen before
//! the create), not by its title: titles repeat, keys do not. The choice is recorded in
//! `docs/decisions.md`.
//!
//! Calls: a create is the product `POST`; the default variant eCom makes with it is found for
//! all the run's creates together by one variant listing per 250 (see
//! [`CatalogTarget::complete_creates`]) and then updated, so a new simple product costs two
//! calls. A full read ([`CatalogTarget::list`]) lists products, variants and the links of the
//! reference fields in use 250 at a time, each other language once more, and the images of each
//! product that has some. The lookup before creates lists the shop's variants once per run.
//! Before its first request, a target reads `account/ratelimit` once, so that its client paces
//! from the budget the key really has left.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use async_trait::async_trait;
use futures::TryStreamExt;
use lightspeed_ecom::model::{
    BrandInput, CategoriesProductInput, CategoryId, CategoryInput, Product, ProductId,
    ProductImageInput, ProductTypeInput, SupplierInput, TagId, TagInput, TagsProductInput, Variant,
};
use lightspeed_ecom::resource::WriteRecord;
use lightspeed_ecom::schema::{ProductSchema, api_name};
use lightspeed_ecom::{Client, Language};
use lightspeed_mapping::{FieldSpec, TargetSchema};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value as Json};
use tokio::sync::Mutex;

use super::diff::{ItemDiff, Resolved};
use super::item::{
    ActualImage, ActualItem, ActualVariant, DesiredItem, Fields, ItemShape, LiteMap,
};
use super::target::{Applied, CatalogTarget, Checkpoint, Operation, ReadScope, References};
use crate::error::TargetError;
use crate::state::Intent;

/// The prefix of the marker a create writes.
const MARKER: &str = "lsync:";

/// How far before an intent's time a listing by creation time reaches, when the intent has no
/// id to start after: eCom's filter has whole seconds in the shop's undocumented time zone, and
/// time zones span UTC-12 to UTC+14.
const CREATED_MARGIN_HOURS: i64 = 26;

fn err(e: lightspeed_ecom::Error) -> TargetError {
    TargetError::from_ecom(e)
}

/// A delete's answer: a 404 means the record is gone already (a repeated delete whose first
/// answer was lost), which is what was asked.
fn deleted(result: lightspeed_ecom::Result<()>) -> Result<(), TargetError> {
    match result {
        Err(lightspeed_ecom::Error::Api(lightspeed_core::Error::NotFound { .. })) => Ok(()),
        other => other.map_err(err),
    }
}

/// A value as the API takes it: integers rounded half away from zero for integer fields,
/// decimals as numbers, `null` (a field set to empty) as the empty text.
fn api_value(field: &str, value: &Json) -> Json {
    let as_decimal = match value {
        Json::Number(n) => n.to_string().parse::<Decimal>().ok(),
        _ => None,
    };
    match as_decimal {
        Some(d) if lightspeed_ecom::schema::is_integer_field(field) => Json::from(
            d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
                .to_i64()
                .unwrap_or(0),
        ),
        _ => match value {
            Json::Null => Json::from(""),
            other => other.clone(),
        },
    }
}

/// A write body: the schema's field names as the API's, values as the API takes them.
fn body<'v>(fields: impl IntoIterator<Item = (&'v String, &'v Json)>) -> Map<String, Json> {
    fields
        .into_iter()
        .map(|(k, v)| {
            let name = api_name(k);
            let value = api_value(&name, v);
            (name, value)
        })
        .collect()
}

fn json_of<T: serde::Serialize>(t: &T) -> Map<String, Json> {
    match serde_json::to_value(t) {
        Ok(Json::Object(o)) => o,
        _ => Map::new(),
    }
}

fn parse_id(id: &str) -> Result<u64, TargetError> {
    id.parse()
        .map_err(|_| TargetError::rejected(format!("{id:?} is not an eCom id")))
}

/// The shop's variants by SKU, and the highest product id among them.
#[derive(Debug, Default)]
struct SkuIndex {
    products: HashMap<String, u64>,
    highest: u64,
}

/// The eCom product schema without the marker field.
#[derive(Debug, Clone)]
struct EcomSchema {
    marker_field: String,
}

impl TargetSchema for EcomSchema {
    fn name(&self) -> &str {
        ProductSchema.name()
    }

    fn fields(&self) -> Vec<FieldSpec> {
        ProductSchema
            .fields()
            .into_iter()
            .filter(|f| f.name != self.marker_field)
            .collect()
    }

    fn check_field(&self, shape: &str) -> Result<(), String> {
        if shape == self.marker_field {
            return Err(format!(
                "`{shape}` holds the sync's create marker; map it to another field, or give the marker another one (EcomTarget::with_marker_field)"
            ));
        }
        ProductSchema.check_field(shape)
    }
}

/// The eCom catalog.
#[derive(Debug)]
pub struct EcomTarget {
    client: Client,
    marker_field: String,
    /// Product fields of the default language, and those that exist per language.
    record_fields: Vec<String>,
    translatable: Vec<String>,
    /// Variant fields, the SKU excluded.
    variant_fields: Vec<String>,
    skus: Mutex<Option<SkuIndex>>,
    /// Set once `account/ratelimit` was read (before the target's first other request).
    budget_read: tokio::sync::OnceCell<()>,
}

impl EcomTarget {
    /// The catalog behind `client` (its language is the default language of `fields`).
    pub fn new(client: Client) -> Self {
        Self::build(client, "data03".into())
    }

    /// The same target with the create marker in another template data field (`data01`,
    /// `data02`; `data03` by default), for shops whose theme shows `data03`.
    pub fn with_marker_field(self, field: &str) -> Self {
        Self::build(self.client, field.to_string())
    }

    fn build(client: Client, marker_field: String) -> Self {
        let schema = EcomSchema {
            marker_field: marker_field.clone(),
        };
        let shape = ItemShape::new(&schema);
        let own = |names: Vec<&str>| names.into_iter().map(str::to_string).collect::<Vec<_>>();
        EcomTarget {
            client,
            record_fields: own(shape.record_fields()),
            translatable: own(shape.translatable_fields()),
            variant_fields: own(shape.variant_fields())
                .into_iter()
                .filter(|f| f != "sku")
                .collect(),
            marker_field,
            skus: Mutex::new(None),
            budget_read: tokio::sync::OnceCell::new(),
        }
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Reads the key's budget (`account/ratelimit`) into the client's limiter before the
    /// target's first request, so a run starting on a budget half spent by another process
    /// or an earlier run paces from its first call instead of learning it from a 429. Once per
    /// target; a failure is logged and the limiter learns from the headers instead.
    async fn read_budget(&self) {
        self.budget_read
            .get_or_init(|| async {
                if let Err(error) = self.client.sync_rate_limit().await {
                    tracing::warn!(%error, "could not read account/ratelimit; pacing from headers");
                }
            })
            .await;
    }

    /// Keeps the SKU index (once built) in step with the variants this target writes.
    async fn remember_sku(&self, sku: &str, product: u64) {
        if let Some(index) = self.skus.lock().await.as_mut() {
            index.products.insert(sku.to_string(), product);
            index.highest = index.highest.max(product);
        }
    }

    fn product_fields(&self, p: &Product) -> Fields {
        let raw = json_of(p);
        self.record_fields
            .iter()
            .filter_map(|f| raw.get(&api_name(f)).map(|v| (f.clone(), v.clone())))
            .collect()
    }

    fn variant_of(&self, v: &Variant) -> ActualVariant {
        let raw = json_of(v);
        ActualVariant {
            id: v.id.to_string(),
            sku: v.sku.clone().unwrap_or_default(),
            title: v.title.clone().unwrap_or_default(),
            is_default: v.is_default.unwrap_or(false),
            fields: self
                .variant_fields
                .iter()
                .filter_map(|f| raw.get(&api_name(f)).map(|v| (f.clone(), v.clone())))
                .collect(),
        }
    }

    /// The key a product's marker names, if this sync created it.
    fn marker_of(&self, p: &Product) -> Option<String> {
        json_of(p)
            .get(&api_name(&self.marker_field))
            .and_then(Json::as_str)
            .and_then(|m| m.strip_prefix(MARKER))
            .map(str::to_string)
    }

    fn item_of(&self, p: &Product) -> ActualItem {
        let mut refs = BTreeMap::new();
        let one =
            |id: Option<u64>| id.map(|id| LiteMap::from_iter([(id.to_string(), String::new())]));
        let held = [
            (
                "brand",
                one(p.brand.as_ref().and_then(|l| l.id).map(|i| i.get())),
            ),
            (
                "supplier",
                one(p.supplier.as_ref().and_then(|l| l.id).map(|i| i.get())),
            ),
            (
                "type",
                one(p.product_type.as_ref().and_then(|l| l.id).map(|i| i.get())),
            ),
        ];
        for (field, ids) in held {
            if let Some(ids) = ids {
                refs.insert(field.to_string(), ids);
            }
        }
        ActualItem {
            id: p.id.to_string(),
            updated_at: p.updated_at.map(|t| t.to_rfc3339()),
            fields: self.product_fields(p),
            refs,
            marker: self.marker_of(p),
            ..Default::default()
        }
    }

    async fn texts(
        &self,
        languages: &[String],
        only: Option<u64>,
    ) -> Result<HashMap<u64, BTreeMap<String, Fields>>, TargetError> {
        let mut out: HashMap<u64, BTreeMap<String, Fields>> = HashMap::new();
        for lang in languages {
            if lang == self.default_language() {
                continue;
            }
            let products = self.client.products().in_language(lang).map_err(err)?;
            let list: Vec<Product> = match only {
                Some(id) => products
                    .get_opt(ProductId(id))
                    .await
                    .map_err(err)?
                    .into_iter()
                    .collect(),
                None => products.list().stream().try_collect().await.map_err(err)?,
            };
            for p in list {
                let raw = json_of(&p);
                let fields = self
                    .translatable
                    .iter()
                    .filter_map(|f| raw.get(&api_name(f)).map(|v| (f.clone(), v.clone())))
                    .collect();
                out.entry(p.id.get())
                    .or_default()
                    .insert(lang.clone(), fields);
            }
        }
        Ok(out)
    }

    async fn images(&self, product: u64) -> Result<Vec<ActualImage>, TargetError> {
        let images = self
            .client
            .product_images(ProductId(product))
            .list()
            .limit(250)
            .send()
            .await
            .map_err(err)?;
        let mut out: Vec<ActualImage> = images
            .iter()
            .map(|i| ActualImage {
                id: i.id.to_string(),
                name: i.title.clone().unwrap_or_default(),
                source: None,
                position: i.sort_order.unwrap_or(0),
            })
            .collect();
        out.sort_by_key(|i| i.position);
        Ok(out)
    }

    /// The links of a reference field held in links (`categories`, `tags`), of one product or
    /// of all: (product, referenced id, link id).
    async fn links(
        &self,
        field: &str,
        product: Option<u64>,
    ) -> Result<Vec<(u64, String, String)>, TargetError> {
        let mut out = Vec::new();
        match field {
            "categories" => {
                let mut list = self.client.categories_products().list().limit(250);
                if let Some(p) = product {
                    list = list.filter("product", p);
                }
                let links: Vec<_> = list.stream().try_collect().await.map_err(err)?;
                for l in links {
                    if let (Some(p), Some(c)) = (
                        l.product.as_ref().and_then(|x| x.id),
                        l.category.as_ref().and_then(|x| x.id),
                    ) {
                        out.push((p.get(), c.to_string(), l.id.to_string()));
                    }
                }
            }
            "tags" => {
                let mut list = self.client.tags_products().list().limit(250);
                if let Some(p) = product {
                    list = list.filter("product", p);
                }
                let links: Vec<_> = list.stream().try_collect().await.map_err(err)?;
                for l in links {
                    if let (Some(p), Some(t)) = (
                        l.product.as_ref().and_then(|x| x.id),
                        l.tag.as_ref().and_then(|x| x.id),
                    ) {
                        out.push((p.get(), t.to_string(), l.id.to_string()));
                    }
                }
            }
            // Held in a field of the product: read with it.
            _ => {}
        }
        Ok(out)
    }

    async fn link(&self, field: &str, product: u64, id: &str) -> Result<String, TargetError> {
        let id = parse_id(id)?;
        let link = match field {
            "categories" => self
                .client
                .categories_products()
                .create(&CategoriesProductInput {
                    category: Some(CategoryId(id)),
                    product: Some(ProductId(product)),
                    ..Default::default()
                })
                .await
                .map_err(err)?
                .id
                .to_string(),
            "tags" => self
                .client
                .tags_products()
                .create(&TagsProductInput {
                    tag: Some(TagId(id)),
                    product: Some(ProductId(product)),
                    ..Default::default()
                })
                .await
                .map_err(err)?
                .id
                .to_string(),
            other => {
                return Err(TargetError::rejected(format!(
                    "`{other}` is not a linked reference of eCom products"
                )));
            }
        };
        Ok(link)
    }

    async fn unlink(&self, field: &str, link: &str) -> Result<(), TargetError> {
        let link = parse_id(link)?;
        match field {
            "categories" => deleted(self.client.categories_products().delete(link.into()).await),
            "tags" => deleted(self.client.tags_products().delete(link.into()).await),
            _ => Ok(()),
        }
    }

    async fn write_product(
        &self,
        language: &Language,
        id: Option<u64>,
        fields: Map<String, Json>,
    ) -> Result<Product, TargetError> {
        let call = match id {
            Some(id) => WriteRecord::<Product, _>::update(
                language.clone(),
                format!("products/{id}"),
                fields,
            ),
            None => WriteRecord::<Product, _>::create(language.clone(), "products", fields),
        };
        self.client.send(&call).await.map_err(err)
    }

    async fn write_variant(
        &self,
        id: Option<u64>,
        fields: Map<String, Json>,
    ) -> Result<Variant, TargetError> {
        let language = self.client.language().clone();
        let call = match id {
            Some(id) => {
                WriteRecord::<Variant, _>::update(language, format!("variants/{id}"), fields)
            }
            None => WriteRecord::<Variant, _>::create(language, "variants", fields),
        };
        self.client.send(&call).await.map_err(err)
    }

    /// The product's own fields of a change list, and its one-of references as ids.
    fn product_body(
        &self,
        item: &DesiredItem,
        changes: &[(String, Json)],
    ) -> Result<Map<String, Json>, TargetError> {
        let mut out = Map::new();
        for (field, value) in changes {
            if item.refs.contains_key(field) {
                let id = value.as_str().map(parse_id).transpose()?;
                out.insert(api_name(field), id.map_or(Json::Null, Json::from));
            } else {
                let name = api_name(field);
                let value = api_value(&name, value);
                out.insert(name, value);
            }
        }
        Ok(out)
    }

    /// Brings `actual` to `item` with the fewest calls; `actual` follows each write, and is
    /// checkpointed after each.
    async fn update(
        &self,
        mut actual: ActualItem,
        item: &DesiredItem,
        resolved: &Resolved,
        checkpoint: &dyn Checkpoint,
    ) -> Result<ActualItem, TargetError> {
        let id = parse_id(&actual.id)?;
        let diff = ItemDiff::new(item, Some(&actual), resolved);
        let language = self.client.language().clone();
        if !diff.product.is_empty() {
            let changes: Vec<(String, Json)> = diff
                .product
                .iter()
                .map(|c| (c.field.clone(), c.after.clone()))
                .collect();
            let fields = self.product_body(item, &changes)?;
            let p = self.write_product(&language, Some(id), fields).await?;
            for (field, value) in changes {
                if item.refs.contains_key(&field) {
                    let id = value.as_str().unwrap_or_default().to_string();
                    actual
                        .refs
                        .insert(field, LiteMap::from_iter([(id, String::new())]));
                } else {
                    actual.fields.insert(field, value);
                }
            }
            actual.updated_at = p.updated_at.map(|t| t.to_rfc3339());
            checkpoint.save(&actual).await;
        }
        for (lang, changes) in &diff.texts {
            let language = Language::new(lang).map_err(err)?;
            let texts: Vec<(String, Json)> = changes
                .iter()
                .map(|c| {
                    (
                        c.field.rsplit('.').next().unwrap_or(&c.field).to_string(),
                        c.after.clone(),
                    )
                })
                .collect();
            let fields = body(texts.iter().map(|(k, v)| (k, v)));
            let p = self.write_product(&language, Some(id), fields).await?;
            // A write in another language moves the product's `updatedAt` too; keeping it
            // spares the next run a re-read of an item only the sync changed.
            actual.updated_at = p.updated_at.map(|t| t.to_rfc3339());
            actual.texts.entry(lang.clone()).or_default().extend(texts);
            checkpoint.save(&actual).await;
        }
        for (vid, sku, changes) in &diff.update_variants {
            let changed: Vec<(String, Json)> = changes
                .iter()
                .map(|c| {
                    (
                        c.field.rsplit('.').next().unwrap_or(&c.field).to_string(),
                        c.after.clone(),
                    )
                })
                .collect();
            let mut fields = body(changed.iter().map(|(k, v)| (k, v)));
            let have = actual.variants.iter().find(|v| v.id == *vid);
            if have.is_some_and(|v| v.sku != *sku) {
                // The default variant eCom created, claimed by the item's first SKU.
                fields.insert("sku".into(), Json::from(sku.clone()));
            }
            let v = self.write_variant(Some(parse_id(vid)?), fields).await?;
            self.remember_sku(sku, id).await;
            let read = self.variant_of(&v);
            if let Some(slot) = actual.variants.iter_mut().find(|x| x.id == *vid) {
                *slot = read;
            }
            checkpoint.save(&actual).await;
        }
        for (n, v) in diff.add_variants.iter().enumerate() {
            let mut fields = body(v.fields.iter());
            fields.insert("product".into(), Json::from(id));
            fields.insert("sku".into(), Json::from(v.sku.clone()));
            fields.insert("title".into(), Json::from(v.title.clone()));
            fields.insert(
                "isDefault".into(),
                Json::Bool(actual.variants.is_empty() && n == 0),
            );
            let created = self.write_variant(None, fields).await?;
            self.remember_sku(&v.sku, id).await;
            actual.variants.push(self.variant_of(&created));
            checkpoint.save(&actual).await;
        }
        for (vid, _) in &diff.remove_variants {
            let result = self.client.variants().delete(parse_id(vid)?.into()).await;
            deleted(result)?;
            actual.variants.retain(|v| v.id != *vid);
            checkpoint.save(&actual).await;
        }
        let images = self.client.product_images(ProductId(id));
        for image in &diff.remove_images {
            deleted(images.delete(parse_id(image)?.into()).await)?;
            actual.images.retain(|i| i.id != *image);
            checkpoint.save(&actual).await;
        }
        for (image, position) in &diff.move_images {
            images
                .set_sort_order(parse_id(image)?.into(), *position)
                .await
                .map_err(err)?;
            if let Some(i) = actual.images.iter_mut().find(|i| i.id == *image) {
                i.position = *position;
            }
        }
        for (image, position) in &diff.add_images {
            let created = images
                .create(&ProductImageInput {
                    attachment: Some(image.src.clone()),
                    filename: Some(image.file_name()),
                    sort_order: Some(*position),
                    ..Default::default()
                })
                .await
                .map_err(err)?;
            actual.images.push(ActualImage {
                id: created.id.to_string(),
                name: created.title.clone().unwrap_or_else(|| image.name()),
                source: Some(image.src.clone()),
                position: *position,
            });
            checkpoint.save(&actual).await;
        }
        actual.images.sort_by_key(|i| i.position);
        for (field, link) in &diff.unlink {
            self.unlink(field, link).await?;
            if let Some(links) = actual.refs.get_mut(field) {
                links.retain(|_, l| l != link);
            }
            checkpoint.save(&actual).await;
        }
        for (field, referenced) in &diff.link {
            let link = self.link(field, id, referenced).await?;
            actual
                .refs
                .entry(field.clone())
                .or_default()
                .insert(referenced.clone(), link);
            checkpoint.save(&actual).await;
        }
        Ok(actual)
    }

    async fn create_reference(
        &self,
        field: &str,
        name: &str,
        parent: Option<&str>,
    ) -> Result<String, TargetError> {
        let title = Some(name.to_string());
        let id = match field {
            "brand" => self
                .client
                .brands()
                .create(&BrandInput {
                    title,
                    ..Default::default()
                })
                .await
                .map_err(err)?
                .id
                .to_string(),
            "supplier" => self
                .client
                .suppliers()
                .create(&SupplierInput {
                    title,
                    ..Default::default()
                })
                .await
                .map_err(err)?
                .id
                .to_string(),
            "type" => self
                .client
                .types()
                .create(&ProductTypeInput {
                    title,
                    ..Default::default()
                })
                .await
                .map_err(err)?
                .id
                .to_string(),
            "tags" => self
                .client
                .tags()
                .create(&TagInput {
                    title,
                    ..Default::default()
                })
                .await
                .map_err(err)?
                .id
                .to_string(),
            "categories" => {
                let title = name.rsplit_once(" > ").map_or(name, |(_, t)| t);
                let parent = match (name.rsplit_once(" > "), parent) {
                    (None, _) => None,
                    (Some(_), Some(id)) => Some(CategoryId(parse_id(id)?)),
                    (Some((p, _)), None) => Some(
                        self.references(&["categories".into()])
                            .await?
                            .id("categories", p)
                            .ok_or_else(|| {
                                TargetError::rejected(format!("no parent category {p:?}"))
                            })
                            .and_then(|id| parse_id(id).map(CategoryId))?,
                    ),
                };
                self.client
                    .categories()
                    .create(&CategoryInput {
                        title: Some(title.to_string()),
                        parent,
                        ..Default::default()
                    })
                    .await
                    .map_err(err)?
                    .id
                    .to_string()
            }
            other => {
                return Err(TargetError::rejected(format!(
                    "`{other}` is not a reference field of eCom products"
                )));
            }
        };
        Ok(id)
    }

    /// The SKU index, built on first use by one listing of the shop's variants.
    async fn sku_index(
        &self,
    ) -> Result<tokio::sync::MutexGuard<'_, Option<SkuIndex>>, TargetError> {
        let mut guard = self.skus.lock().await;
        if guard.is_none() {
            let variants: Vec<Variant> = self
                .client
                .variants()
                .list()
                .fields(&["id", "sku", "product"])
                .stream()
                .try_collect()
                .await
                .map_err(err)?;
            let mut index = SkuIndex::default();
            for v in &variants {
                let Some(product) = v.product.as_ref().and_then(|l| l.id).map(|p| p.get()) else {
                    continue;
                };
                index.highest = index.highest.max(product);
                if let Some(sku) = v.sku.clone().filter(|s| !s.is_empty()) {
                    index.products.insert(sku, product);
                }
            }
            *guard = Some(index);
        }
        Ok(guard)
    }
}

#[async_trait]
impl CatalogTarget for EcomTarget {
    fn name(&self) -> &str {
        "ecom"
    }

    fn schema(&self) -> Box<dyn TargetSchema> {
        Box::new(EcomSchema {
            marker_field: self.marker_field.clone(),
        })
    }

    fn default_language(&self) -> &str {
        self.client.language().as_str()
    }

    async fn list(&self, scope: &ReadScope) -> Result<Vec<ActualItem>, TargetError> {
        self.read_budget().await;
        let products: Vec<Product> = self
            .client
            .products()
            .list()
            .stream()
            .try_collect()
            .await
            .map_err(err)?;
        let mut items: Vec<ActualItem> = products.iter().map(|p| self.item_of(p)).collect();
        let index: HashMap<u64, usize> = products
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.get(), i))
            .collect();
        let variants: Vec<Variant> = self
            .client
            .variants()
            .list()
            .stream()
            .try_collect()
            .await
            .map_err(err)?;
        let mut skus = SkuIndex::default();
        for v in &variants {
            if let Some(p) = v.product.as_ref().and_then(|l| l.id)
                && let Some(&i) = index.get(&p.get())
            {
                items[i].variants.push(self.variant_of(v));
                skus.highest = skus.highest.max(p.get());
                if let Some(sku) = v.sku.as_ref().filter(|s| !s.is_empty()) {
                    skus.products.insert(sku.clone(), p.get());
                }
            }
        }
        *self.skus.lock().await = Some(skus);
        for field in &scope.references {
            for (product, referenced, link) in self.links(field, None).await? {
                if let Some(&i) = index.get(&product) {
                    items[i]
                        .refs
                        .entry(field.clone())
                        .or_default()
                        .insert(referenced, link);
                }
            }
        }
        let texts = self.texts(&scope.languages, None).await?;
        for (i, p) in products.iter().enumerate() {
            if let Some(t) = texts.get(&p.id.get()) {
                items[i].texts = t.clone();
            }
            if p.image.is_some() {
                items[i].images = self.images(p.id.get()).await?;
            }
        }
        Ok(items)
    }

    async fn fetch(&self, id: &str, scope: &ReadScope) -> Result<Option<ActualItem>, TargetError> {
        self.read_budget().await;
        let pid = parse_id(id)?;
        let Some(p) = self
            .client
            .products()
            .get_opt(ProductId(pid))
            .await
            .map_err(err)?
        else {
            return Ok(None);
        };
        let mut item = self.item_of(&p);
        let variants = self
            .client
            .variants()
            .list()
            .filter("product", pid)
            .limit(250)
            .send()
            .await
            .map_err(err)?;
        item.variants = variants.iter().map(|v| self.variant_of(v)).collect();
        for field in &scope.references {
            for (_, referenced, link) in self.links(field, Some(pid)).await? {
                item.refs
                    .entry(field.clone())
                    .or_default()
                    .insert(referenced, link);
            }
        }
        if p.image.is_some() {
            item.images = self.images(pid).await?;
        }
        if let Some(t) = self.texts(&scope.languages, Some(pid)).await?.remove(&pid) {
            item.texts = t;
        }
        Ok(Some(item))
    }

    async fn changed_since(&self, since: &str) -> Result<BTreeMap<String, String>, TargetError> {
        self.read_budget().await;
        let since = chrono::DateTime::parse_from_rfc3339(since)
            .map_err(|e| TargetError::rejected(format!("bad time {since:?}: {e}")))?
            .with_timezone(&chrono::Utc)
            // eCom's filter has whole seconds and an undocumented time zone: reach back
            // further than asked rather than miss an edit.
            - chrono::Duration::hours(CREATED_MARGIN_HOURS);
        let changed: Vec<Product> = self
            .client
            .products()
            .list()
            .updated_at_min(since)
            .fields(&["id", "updatedAt"])
            .stream()
            .try_collect()
            .await
            .map_err(err)?;
        Ok(changed
            .iter()
            .filter_map(|p| p.updated_at.map(|u| (p.id.to_string(), u.to_rfc3339())))
            .collect())
    }

    async fn find_by_sku(
        &self,
        item: &DesiredItem,
        scope: &ReadScope,
    ) -> Result<Option<ActualItem>, TargetError> {
        self.read_budget().await;
        let guard = self.sku_index().await?;
        let found = item.skus().find_map(|s| {
            guard
                .as_ref()
                .and_then(|index| index.products.get(s).copied())
        });
        drop(guard);
        match found {
            Some(pid) => self.fetch(&pid.to_string(), scope).await,
            None => Ok(None),
        }
    }

    fn marker(&self, key: &str) -> String {
        format!("{MARKER}{key}")
    }

    fn watermark(&self) -> Option<String> {
        let guard = self.skus.try_lock().ok()?;
        guard.as_ref().map(|index| index.highest.to_string())
    }

    async fn recover(
        &self,
        intents: &[Intent],
        scope: &ReadScope,
    ) -> Result<BTreeMap<String, ActualItem>, TargetError> {
        if intents.is_empty() {
            return Ok(BTreeMap::new());
        }
        self.read_budget().await;
        let marker_field = api_name(&self.marker_field);
        let mut list =
            self.client
                .products()
                .list()
                .fields(&["id", "createdAt", marker_field.as_str()]);
        let after: Option<u64> = intents
            .iter()
            .map(|i| i.after.as_deref().and_then(|a| a.parse::<u64>().ok()))
            .collect::<Option<Vec<u64>>>()
            .and_then(|ids| ids.into_iter().min());
        list = match after {
            Some(id) => list.since_id(id),
            None => {
                let oldest = intents
                    .iter()
                    .filter_map(|i| chrono::DateTime::parse_from_rfc3339(&i.at).ok())
                    .min()
                    .map(|t| t.with_timezone(&chrono::Utc));
                match oldest {
                    Some(t) => {
                        list.created_at_min(t - chrono::Duration::hours(CREATED_MARGIN_HOURS))
                    }
                    None => list,
                }
            }
        };
        let created: Vec<Product> = list.stream_by_id().try_collect().await.map_err(err)?;
        let mut by_key: HashMap<String, u64> = HashMap::new();
        for p in &created {
            if let Some(key) = self.marker_of(p) {
                // Should a key have two products (a bug of an earlier version), the oldest.
                by_key.entry(key).or_insert(p.id.get());
            }
        }
        let mut found = BTreeMap::new();
        for intent in intents {
            if let Some(id) = by_key.get(&intent.key)
                && let Some(item) = self.fetch(&id.to_string(), scope).await?
            {
                found.insert(intent.key.clone(), item);
            }
        }
        Ok(found)
    }

    async fn references(&self, fields: &[String]) -> Result<References, TargetError> {
        self.read_budget().await;
        let mut out = References::default();
        for field in fields {
            match field.as_str() {
                "brand" => {
                    let list: Vec<_> = self
                        .client
                        .brands()
                        .list()
                        .stream()
                        .try_collect()
                        .await
                        .map_err(err)?;
                    for b in list {
                        if let Some(title) = b.title {
                            out.insert(field, title, b.id.to_string());
                        }
                    }
                }
                "supplier" => {
                    let list: Vec<_> = self
                        .client
                        .suppliers()
                        .list()
                        .stream()
                        .try_collect()
                        .await
                        .map_err(err)?;
                    for s in list {
                        if let Some(title) = s.title {
                            out.insert(field, title, s.id.to_string());
                        }
                    }
                }
                "type" => {
                    let list: Vec<_> = self
                        .client
                        .types()
                        .list()
                        .stream()
                        .try_collect()
                        .await
                        .map_err(err)?;
                    for t in list {
                        if let Some(title) = t.title {
                            out.insert(field, title, t.id.to_string());
                        }
                    }
                }
                "tags" => {
                    let list: Vec<_> = self
                        .client
                        .tags()
                        .list()
                        .stream()
                        .try_collect()
                        .await
                        .map_err(err)?;
                    for t in list {
                        if let Some(title) = t.title {
                            out.insert(field, title, t.id.to_string());
                        }
                    }
                }
                "categories" => {
                    let categories: Vec<_> = self
                        .client
                        .categories()
                        .list()
                        .stream()
                        .try_collect()
                        .await
                        .map_err(err)?;
                    let by_id: HashMap<u64, (String, Option<u64>)> = categories
                        .iter()
                        .map(|c| {
                            (
                                c.id.get(),
                                (
                                    c.title.clone().unwrap_or_default(),
                                    c.parent.as_ref().and_then(|p| p.id).map(|p| p.get()),
                                ),
                            )
                        })
                        .collect();
                    let path = |mut id: u64| {
                        let mut parts = Vec::new();
                        while let Some((title, parent)) = by_id.get(&id) {
                            parts.push(title.clone());
                            match parent {
                                Some(p) if parts.len() < 32 => id = *p,
                                _ => break,
                            }
                        }
                        parts.reverse();
                        parts.join(" > ")
                    };
                    for c in &categories {
                        out.insert(field, path(c.id.get()), c.id.to_string());
                    }
                }
                _ => {}
            }
        }
        Ok(out)
    }

    async fn apply(
        &self,
        op: &Operation,
        checkpoint: &dyn Checkpoint,
    ) -> Result<Applied, TargetError> {
        self.read_budget().await;
        let language = self.client.language().clone();
        match op {
            Operation::CreateReference {
                field,
                name,
                parent,
            } => Ok(Applied::Created(
                self.create_reference(field, name, parent.as_deref())
                    .await?,
            )),
            Operation::Create { item, resolved } => {
                let mut changes: Vec<(String, Json)> = item
                    .fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                for (field, refs) in &item.refs {
                    if !refs.is_list()
                        && let Some(id) = resolved.one(field)
                    {
                        changes.push((field.clone(), Json::from(id)));
                    }
                }
                let mut fields = self.product_body(item, &changes)?;
                fields.insert(
                    api_name(&self.marker_field),
                    Json::from(self.marker(&item.key)),
                );
                let p = self.write_product(&language, None, fields).await?;
                let mut actual = self.item_of(&p);
                checkpoint.save(&actual).await;
                // The rest once the default variant is known (`complete_creates`).
                actual.fields = item.fields.clone();
                for (field, value) in changes {
                    if item.refs.contains_key(&field) {
                        let id = value.as_str().unwrap_or_default().to_string();
                        actual
                            .refs
                            .insert(field, LiteMap::from_iter([(id, String::new())]));
                    }
                }
                Ok(Applied::Item(actual))
            }
            Operation::Update {
                before,
                item,
                resolved,
            } => Ok(Applied::Item(
                self.update(before.clone(), item, resolved, checkpoint)
                    .await?,
            )),
            Operation::Archive { before } | Operation::Unarchive { before, .. } => {
                let archive = matches!(op, Operation::Archive { .. });
                let visibility = match op {
                    Operation::Unarchive { visibility, .. } => visibility.clone(),
                    _ => "hidden".to_string(),
                };
                let mut fields = Map::new();
                fields.insert("visibility".into(), Json::from(visibility.clone()));
                let p = self
                    .write_product(&language, Some(parse_id(&before.id)?), fields)
                    .await?;
                let mut actual = before.clone();
                actual
                    .fields
                    .insert("visibility".into(), Json::from(visibility));
                actual.updated_at = p.updated_at.map(|t| t.to_rfc3339());
                actual.archived = archive;
                Ok(Applied::Item(actual))
            }
            Operation::Delete { before } => {
                deleted(
                    self.client
                        .products()
                        .delete(ProductId(parse_id(&before.id)?))
                        .await,
                )?;
                Ok(Applied::Removed)
            }
        }
    }

    async fn complete_creates(&self, items: &mut [ActualItem]) -> Result<(), TargetError> {
        let Some(first) = items.iter().filter_map(|i| i.id.parse::<u64>().ok()).min() else {
            return Ok(());
        };
        self.read_budget().await;
        // A product's default variant is created after it: list variants from just below the
        // first new product's id.
        let variants: Vec<Variant> = self
            .client
            .variants()
            .list()
            .since_id(first.saturating_sub(1))
            .stream()
            .try_collect()
            .await
            .map_err(err)?;
        for item in items.iter_mut() {
            let Ok(id) = item.id.parse::<u64>() else {
                continue;
            };
            item.variants = variants
                .iter()
                .filter(|v| v.product.as_ref().and_then(|l| l.id).map(|p| p.get()) == Some(id))
                .map(|v| self.variant_of(v))
                .collect();
        }
        Ok(())
    }

    fn time_for(&self, calls: u64) -> Option<Duration> {
        Some(self.client.http().limiter().snapshot().time_for(calls))
    }
}
