//! The eCom catalog as a [`CatalogTarget`] (feature `ecom`).
//!
//! An item is a product with its variants (matched by SKU), images (matched by the source URL
//! the sync created them from, else by the name eCom derives from the file name), category
//! links and brand. Texts of the default language go with the product; each other language is
//! one `PUT` in that language. Archiving hides the product (`visibility: hidden`).
//!
//! Calls: a create is the product `POST`; the default variant eCom makes with it is found for
//! all the run's creates together by one variant listing per 250 (see
//! [`CatalogTarget::complete_creates`]) and then updated, so a new simple product costs two
//! calls. A full read ([`CatalogTarget::list`]) lists products, variants and category links
//! 250 at a time, each other language once more, and the images of each product that has
//! some. The lookup before creates lists the shop's variants once per run.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use async_trait::async_trait;
use futures::TryStreamExt;
use lightspeed_ecom::model::{
    BrandInput, CategoriesProductInput, CategoryId, CategoryInput, Product, ProductId,
    ProductImageInput, Variant,
};
use lightspeed_ecom::resource::WriteRecord;
use lightspeed_ecom::{Client, Language};
use lightspeed_mapping::TargetSchema;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value as Json};
use tokio::sync::Mutex;

use crate::diff::ItemDiff;
use crate::error::TargetError;
use crate::item::{
    ActualImage, ActualItem, ActualVariant, DesiredItem, Fields, PRODUCT_FIELDS, VARIANT_FIELDS,
    image_file_name, image_name,
};
use crate::target::{Applied, CatalogTarget, Checkpoint, Operation, Taxonomy};

/// API fields that take whole numbers: decimals are rounded half away from zero.
const INTEGER_FIELDS: &[&str] = &[
    "stockLevel",
    "stockAlert",
    "stockMinimum",
    "weight",
    "volume",
    "colli",
    "sizeX",
    "sizeY",
    "sizeZ",
    "sortOrder",
];

fn err(e: lightspeed_ecom::Error) -> TargetError {
    use crate::error::ErrorClass;
    match &e {
        lightspeed_ecom::Error::Api(core) => {
            TargetError::from_client(Some(core), e.to_string(), ErrorClass::Transient)
        }
        lightspeed_ecom::Error::UnknownLanguage { .. } => TargetError::fatal(e.to_string()),
        _ if e.is_retryable() => TargetError::transient(e.to_string()),
        _ => TargetError::rejected(e.to_string()),
    }
}

/// `price_incl` → `priceIncl`, `size_x` → `sizeX`.
fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A value as the API takes it: integers rounded for integer fields, decimals as numbers.
fn api_value(field: &str, value: &Json) -> Json {
    let as_decimal = match value {
        Json::Number(n) => n.to_string().parse::<Decimal>().ok(),
        _ => None,
    };
    match as_decimal {
        Some(d) if INTEGER_FIELDS.contains(&field) => Json::from(
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

fn body(fields: impl IntoIterator<Item = (String, Json)>) -> Map<String, Json> {
    fields
        .into_iter()
        .map(|(k, v)| {
            let name = camel(&k);
            let value = api_value(&name, &v);
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

fn product_fields(p: &Product) -> Fields {
    let raw = json_of(p);
    PRODUCT_FIELDS
        .iter()
        .filter_map(|f| raw.get(&camel(f)).map(|v| ((*f).to_string(), v.clone())))
        .collect()
}

fn variant_of(v: &Variant) -> ActualVariant {
    let raw = json_of(v);
    ActualVariant {
        id: v.id.to_string(),
        sku: v.sku.clone().unwrap_or_default(),
        title: v.title.clone().unwrap_or_default(),
        is_default: v.is_default.unwrap_or(false),
        fields: VARIANT_FIELDS
            .iter()
            .filter(|f| **f != "sku")
            .filter_map(|f| raw.get(&camel(f)).map(|v| ((*f).to_string(), v.clone())))
            .collect(),
    }
}

fn item_of(p: &Product) -> ActualItem {
    ActualItem {
        id: p.id.to_string(),
        updated_at: p.updated_at.map(|t| t.to_rfc3339()),
        fields: product_fields(p),
        brand: p.brand.as_ref().and_then(|b| b.id).map(|b| b.to_string()),
        ..Default::default()
    }
}

fn parse_id(id: &str) -> Result<u64, TargetError> {
    id.parse()
        .map_err(|_| TargetError::rejected(format!("{id:?} is not an eCom id")))
}

/// The eCom catalog.
#[derive(Debug)]
pub struct EcomTarget {
    client: Client,
    skus: Mutex<Option<HashMap<String, u64>>>,
}

impl EcomTarget {
    /// The catalog behind `client` (its language is the default language of `fields`).
    pub fn new(client: Client) -> Self {
        EcomTarget {
            client,
            skus: Mutex::new(None),
        }
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Keeps the SKU index (once built) in step with the variants this target writes.
    async fn remember_sku(&self, sku: &str, product: u64) {
        if let Some(index) = self.skus.lock().await.as_mut() {
            index.insert(sku.to_string(), product);
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
                let fields = product_fields(&p)
                    .into_iter()
                    .filter(|(k, _)| crate::item::TRANSLATABLE.contains(&k.as_str()))
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

    /// Brings `actual` to `item` with the fewest calls; `actual` follows each write, and is
    /// checkpointed after the first.
    async fn update(
        &self,
        mut actual: ActualItem,
        item: &DesiredItem,
        resolved: &crate::diff::Resolved,
        checkpoint: &dyn Checkpoint,
    ) -> Result<ActualItem, TargetError> {
        let id = parse_id(&actual.id)?;
        let diff = ItemDiff::new(item, Some(&actual), resolved);
        let language = self.client.language().clone();
        if !diff.product.is_empty() {
            let fields = body(
                diff.product
                    .iter()
                    .map(|c| (c.field.clone(), c.after.clone())),
            );
            let p = self.write_product(&language, Some(id), fields).await?;
            for c in &diff.product {
                if c.field == "brand" {
                    actual.brand = c.after.as_str().map(str::to_string);
                } else {
                    actual.fields.insert(c.field.clone(), c.after.clone());
                }
            }
            actual.updated_at = p.updated_at.map(|t| t.to_rfc3339());
            checkpoint.save(&actual).await;
        }
        for (lang, changes) in &diff.texts {
            let language = Language::new(lang).map_err(err)?;
            let fields = body(changes.iter().map(|c| {
                (
                    c.field.rsplit('.').next().unwrap_or(&c.field).to_string(),
                    c.after.clone(),
                )
            }));
            let p = self.write_product(&language, Some(id), fields).await?;
            // A write in another language moves the product's `updatedAt` too; keeping it
            // spares the next run a re-read of an item only the sync changed.
            actual.updated_at = p.updated_at.map(|t| t.to_rfc3339());
            let texts = actual.texts.entry(lang.clone()).or_default();
            for c in changes {
                texts.insert(
                    c.field.rsplit('.').next().unwrap_or(&c.field).to_string(),
                    c.after.clone(),
                );
            }
        }
        for (vid, sku, changes) in &diff.update_variants {
            let mut fields = body(changes.iter().map(|c| {
                (
                    c.field.rsplit('.').next().unwrap_or(&c.field).to_string(),
                    c.after.clone(),
                )
            }));
            let have = actual.variants.iter().find(|v| v.id == *vid);
            if have.is_some_and(|v| v.sku != *sku) {
                // The default variant eCom created, claimed by the item's first SKU.
                fields.insert("sku".into(), Json::from(sku.clone()));
            }
            let v = self.write_variant(Some(parse_id(vid)?), fields).await?;
            self.remember_sku(sku, id).await;
            if let Some(slot) = actual.variants.iter_mut().find(|x| x.id == *vid) {
                *slot = variant_of(&v);
            }
            checkpoint.save(&actual).await;
        }
        for (n, v) in diff.add_variants.iter().enumerate() {
            let mut fields = body(v.fields.clone());
            fields.insert("product".into(), Json::from(id));
            fields.insert("sku".into(), Json::from(v.sku.clone()));
            fields.insert("title".into(), Json::from(v.title.clone()));
            fields.insert(
                "isDefault".into(),
                Json::Bool(actual.variants.is_empty() && n == 0),
            );
            let created = self.write_variant(None, fields).await?;
            self.remember_sku(&v.sku, id).await;
            actual.variants.push(variant_of(&created));
            checkpoint.save(&actual).await;
        }
        for (vid, _) in &diff.remove_variants {
            self.client
                .variants()
                .delete(parse_id(vid)?.into())
                .await
                .map_err(err)?;
            actual.variants.retain(|v| v.id != *vid);
        }
        let images = self.client.product_images(ProductId(id));
        for image in &diff.remove_images {
            images.delete(parse_id(image)?.into()).await.map_err(err)?;
            actual.images.retain(|i| i.id != *image);
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
        for (url, position) in &diff.add_images {
            let created = images
                .create(&ProductImageInput {
                    attachment: Some(url.clone()),
                    filename: Some(image_file_name(url)),
                    sort_order: Some(*position),
                    ..Default::default()
                })
                .await
                .map_err(err)?;
            actual.images.push(ActualImage {
                id: created.id.to_string(),
                name: created.title.clone().unwrap_or_else(|| image_name(url)),
                source: Some(url.clone()),
                position: *position,
            });
            checkpoint.save(&actual).await;
        }
        actual.images.sort_by_key(|i| i.position);
        for link in &diff.unlink_categories {
            self.client
                .categories_products()
                .delete(parse_id(link)?.into())
                .await
                .map_err(err)?;
            actual.categories.retain(|_, l| l != link);
        }
        for category in &diff.link_categories {
            let created = self
                .client
                .categories_products()
                .create(&CategoriesProductInput {
                    category: Some(CategoryId(parse_id(category)?)),
                    product: Some(ProductId(id)),
                    ..Default::default()
                })
                .await
                .map_err(err)?;
            actual
                .categories
                .insert(category.clone(), created.id.to_string());
        }
        Ok(actual)
    }
}

#[async_trait]
impl CatalogTarget for EcomTarget {
    fn name(&self) -> &str {
        "ecom"
    }

    fn schema(&self) -> Box<dyn TargetSchema> {
        Box::new(lightspeed_ecom::schema::ProductSchema)
    }

    fn default_language(&self) -> &str {
        self.client.language().as_str()
    }

    async fn list(&self, languages: &[String]) -> Result<Vec<ActualItem>, TargetError> {
        let products: Vec<Product> = self
            .client
            .products()
            .list()
            .stream()
            .try_collect()
            .await
            .map_err(err)?;
        let mut items: Vec<ActualItem> = products.iter().map(item_of).collect();
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
        let mut skus = HashMap::new();
        for v in &variants {
            if let Some(p) = v.product.as_ref().and_then(|l| l.id)
                && let Some(&i) = index.get(&p.get())
            {
                items[i].variants.push(variant_of(v));
                if let Some(sku) = v.sku.as_ref().filter(|s| !s.is_empty()) {
                    skus.insert(sku.clone(), p.get());
                }
            }
        }
        *self.skus.lock().await = Some(skus);
        let links: Vec<_> = self
            .client
            .categories_products()
            .list()
            .stream()
            .try_collect()
            .await
            .map_err(err)?;
        for l in links {
            if let (Some(p), Some(c)) = (
                l.product.as_ref().and_then(|x| x.id),
                l.category.as_ref().and_then(|x| x.id),
            ) && let Some(&i) = index.get(&p.get())
            {
                items[i].categories.insert(c.to_string(), l.id.to_string());
            }
        }
        let texts = self.texts(languages, None).await?;
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

    async fn fetch(
        &self,
        id: &str,
        languages: &[String],
    ) -> Result<Option<ActualItem>, TargetError> {
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
        let mut item = item_of(&p);
        let variants = self
            .client
            .variants()
            .list()
            .product(ProductId(pid))
            .send()
            .await
            .map_err(err)?;
        item.variants = variants.iter().map(variant_of).collect();
        let links = self
            .client
            .categories_products()
            .list()
            .product(ProductId(pid))
            .send()
            .await
            .map_err(err)?;
        for l in links {
            if let Some(c) = l.category.as_ref().and_then(|x| x.id) {
                item.categories.insert(c.to_string(), l.id.to_string());
            }
        }
        if p.image.is_some() {
            item.images = self.images(pid).await?;
        }
        if let Some(t) = self.texts(languages, Some(pid)).await?.remove(&pid) {
            item.texts = t;
        }
        Ok(Some(item))
    }

    async fn changed_since(&self, since: &str) -> Result<BTreeMap<String, String>, TargetError> {
        let since = chrono::DateTime::parse_from_rfc3339(since)
            .map_err(|e| TargetError::rejected(format!("bad time {since:?}: {e}")))?
            .with_timezone(&chrono::Utc)
            // eCom's filter has whole seconds and an undocumented time zone: reach back an
            // hour more than asked rather than miss an edit.
            - chrono::Duration::hours(1);
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

    async fn find_existing(
        &self,
        item: &DesiredItem,
        created_since: Option<&str>,
    ) -> Result<Option<ActualItem>, TargetError> {
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
            *guard = Some(
                variants
                    .iter()
                    .filter_map(|v| {
                        let sku = v.sku.clone().filter(|s| !s.is_empty())?;
                        Some((sku, v.product.as_ref()?.id?.get()))
                    })
                    .collect(),
            );
        }
        let found = item
            .skus()
            .find_map(|s| guard.as_ref().and_then(|m| m.get(s).copied()));
        drop(guard);
        if let Some(pid) = found {
            return self.fetch(&pid.to_string(), &[]).await;
        }
        let Some(since) = created_since else {
            return Ok(None);
        };
        let Ok(since) = chrono::DateTime::parse_from_rfc3339(since) else {
            return Ok(None);
        };
        let title = item.fields.get("title").and_then(Json::as_str);
        let recent: Vec<Product> = self
            .client
            .products()
            .list()
            .created_at_min(since.with_timezone(&chrono::Utc) - chrono::Duration::hours(1))
            .stream()
            .try_collect()
            .await
            .map_err(err)?;
        for p in recent {
            if p.title.as_deref() == title {
                let candidate = self.fetch(&p.id.to_string(), &[]).await?;
                if let Some(c) = candidate
                    && c.variants
                        .iter()
                        .all(|v| v.sku.is_empty() || item.skus().any(|s| s == v.sku))
                {
                    return Ok(Some(c));
                }
            }
        }
        Ok(None)
    }

    async fn taxonomy(&self) -> Result<Taxonomy, TargetError> {
        let brands: Vec<_> = self
            .client
            .brands()
            .list()
            .stream()
            .try_collect()
            .await
            .map_err(err)?;
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
        Ok(Taxonomy {
            brands: brands
                .iter()
                .filter_map(|b| Some((b.title.clone()?, b.id.to_string())))
                .collect(),
            categories: categories
                .iter()
                .map(|c| (path(c.id.get()), c.id.to_string()))
                .collect(),
        })
    }

    async fn apply(
        &self,
        op: &Operation,
        checkpoint: &dyn Checkpoint,
    ) -> Result<Applied, TargetError> {
        let language = self.client.language().clone();
        match op {
            Operation::CreateBrand { title } => {
                let b = self
                    .client
                    .brands()
                    .create(&BrandInput {
                        title: Some(title.clone()),
                        ..Default::default()
                    })
                    .await
                    .map_err(err)?;
                Ok(Applied::Created(b.id.to_string()))
            }
            Operation::CreateCategory { path, parent } => {
                let title = path.rsplit_once(" > ").map_or(path.as_str(), |(_, t)| t);
                let parent = match (path.rsplit_once(" > "), parent) {
                    (None, _) => None,
                    (Some(_), Some(id)) => Some(CategoryId(parse_id(id)?)),
                    (Some((p, _)), None) => Some(
                        self.taxonomy()
                            .await?
                            .categories
                            .get(p)
                            .ok_or_else(|| {
                                TargetError::rejected(format!("no parent category {p:?}"))
                            })
                            .and_then(|id| parse_id(id).map(CategoryId))?,
                    ),
                };
                let c = self
                    .client
                    .categories()
                    .create(&CategoryInput {
                        title: Some(title.to_string()),
                        parent,
                        ..Default::default()
                    })
                    .await
                    .map_err(err)?;
                Ok(Applied::Created(c.id.to_string()))
            }
            Operation::Create { item, resolved } => {
                let mut fields: Vec<(String, Json)> = item
                    .fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if let Some(b) = &resolved.brand {
                    fields.push(("brand".into(), Json::from(parse_id(b)?)));
                }
                let p = self.write_product(&language, None, body(fields)).await?;
                let mut actual = item_of(&p);
                checkpoint.save(&actual).await;
                // The rest once the default variant is known (`complete_creates`), unless
                // the caller goes straight on.
                actual.fields = item.fields.clone();
                actual.brand = resolved.brand.clone();
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
                self.client
                    .products()
                    .delete(ProductId(parse_id(&before.id)?))
                    .await
                    .map_err(err)?;
                Ok(Applied::Removed)
            }
        }
    }

    async fn complete_creates(&self, items: &mut [ActualItem]) -> Result<(), TargetError> {
        let Some(first) = items.iter().filter_map(|i| i.id.parse::<u64>().ok()).min() else {
            return Ok(());
        };
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
                .map(variant_of)
                .collect();
        }
        Ok(())
    }

    fn time_for(&self, calls: u64) -> Option<Duration> {
        Some(self.client.http().limiter().snapshot().time_for(calls))
    }
}
