//! Where items go: the [`CatalogTarget`] trait, the operations a plan applies, an in-memory
//! target, and the conformance suite every target passes.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::item::LiteMap;
use async_trait::async_trait;
use lightspeed_mapping::TargetSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::diff::{ItemDiff, Resolved};
use crate::error::TargetError;
use crate::item::{ActualImage, ActualItem, ActualVariant, DesiredItem, image_name};

/// The brands and categories a target has: title → id, path (`Men > Shoes`) → id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Taxonomy {
    /// Brands by title.
    pub brands: BTreeMap<String, String>,
    /// Categories by path.
    pub categories: BTreeMap<String, String>,
}

/// One write a plan asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Operation {
    /// Create a brand.
    CreateBrand {
        /// Its title.
        title: String,
    },
    /// Create a category; its parent (`Men` of `Men > Shoes`) exists or comes first.
    CreateCategory {
        /// Its path.
        path: String,
        /// The parent's id, filled in when the parent exists (the executor resolves it just
        /// before the write).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent: Option<String>,
    },
    /// Create an item with its variants, images, categories and texts.
    Create {
        /// The item.
        item: DesiredItem,
        /// Its brand and category ids (known once taxonomy operations ran).
        resolved: Resolved,
    },
    /// Bring an existing item to the desired one.
    Update {
        /// What the target has, as the plan saw it.
        before: ActualItem,
        /// The item.
        item: DesiredItem,
        /// Its brand and category ids.
        resolved: Resolved,
    },
    /// Hide an item that left the source (eCom: `visibility: hidden`).
    Archive {
        /// The item.
        before: ActualItem,
    },
    /// Show an archived item that came back (with the visibility it should have).
    Unarchive {
        /// The item.
        before: ActualItem,
        /// The visibility to restore.
        visibility: String,
    },
    /// Delete an item (only when deletes are enabled).
    Delete {
        /// The item.
        before: ActualItem,
    },
}

/// What an applied operation left in the target.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// The item as it now is.
    Item(ActualItem),
    /// The item is gone.
    Removed,
    /// The id of a created brand or category.
    Created(String),
}

/// Lets a target record progress inside one operation (the product exists before its
/// variants do): the executor stores it at once, so a crash never forgets a created id.
#[async_trait]
pub trait Checkpoint: Send + Sync {
    /// Stores what the target has so far.
    async fn save(&self, partial: &ActualItem);
}

/// A checkpoint that keeps nothing (tests, dry runs).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCheckpoint;

#[async_trait]
impl Checkpoint for NoCheckpoint {
    async fn save(&self, _: &ActualItem) {}
}

/// A catalog the sync writes to.
#[async_trait]
pub trait CatalogTarget: Send + Sync {
    /// A name for reports (`ecom`).
    fn name(&self) -> &str;
    /// What a mapping may write (checked when the mapping compiles).
    fn schema(&self) -> Box<dyn TargetSchema>;
    /// The language of `fields`; `texts` hold the others.
    fn default_language(&self) -> &str;
    /// Every item, with the texts of `languages` (a full read).
    async fn list(&self, languages: &[String]) -> Result<Vec<ActualItem>, TargetError>;
    /// One item by id, with the texts of `languages`.
    async fn fetch(
        &self,
        id: &str,
        languages: &[String],
    ) -> Result<Option<ActualItem>, TargetError>;
    /// Ids and `updated_at` of items changed at or after `since` (RFC 3339); a cheap check for
    /// edits made behind the sync's back.
    async fn changed_since(&self, since: &str) -> Result<BTreeMap<String, String>, TargetError>;
    /// The item that already is `item`: one holding any of its SKUs or, when `created_since`
    /// is given (a run was interrupted then), one created since with the same title and no
    /// SKU yet. The lookup before a create, so that a create that landed before a crash is not
    /// made twice.
    async fn find_existing(
        &self,
        item: &DesiredItem,
        created_since: Option<&str>,
    ) -> Result<Option<ActualItem>, TargetError>;
    /// Brands and categories.
    async fn taxonomy(&self) -> Result<Taxonomy, TargetError>;
    /// Applies one operation.
    async fn apply(
        &self,
        op: &Operation,
        checkpoint: &dyn Checkpoint,
    ) -> Result<Applied, TargetError>;
    /// Fills in what creates leave unknown, for all of a run's creates at once (eCom: the
    /// default variant each new product gets). The items go on to an update afterwards.
    async fn complete_creates(&self, _items: &mut [ActualItem]) -> Result<(), TargetError> {
        Ok(())
    }
    /// How long `calls` API calls take under the current rate budget (`None`: no limit known).
    fn time_for(&self, calls: u64) -> Option<Duration>;
}

/// An in-memory target: the reference implementation of the operations, for tests.
#[derive(Debug, Default)]
pub struct MemoryTarget {
    inner: Mutex<MemoryInner>,
}

#[derive(Debug, Default)]
struct MemoryInner {
    next: u64,
    clock: u64,
    items: BTreeMap<String, ActualItem>,
    taxonomy: Taxonomy,
    writes: u64,
    reject: BTreeMap<String, String>,
}

impl MemoryInner {
    fn id(&mut self) -> String {
        self.next += 1;
        self.next.to_string()
    }
    fn stamp(&mut self) -> String {
        self.clock += 1;
        format!("rev-{}", self.clock)
    }
}

impl MemoryTarget {
    /// An empty target.
    pub fn new() -> Self {
        Self::default()
    }

    /// Refuse writes of the item holding `sku` with `message` (as an API validation error).
    pub fn reject_sku(&self, sku: &str, message: &str) {
        self.lock().reject.insert(sku.into(), message.into());
    }

    /// Writes applied so far.
    pub fn writes(&self) -> u64 {
        self.lock().writes
    }

    /// Changes an item behind the sync's back (drift).
    pub fn tamper(&self, id: &str, field: &str, value: Json) {
        let mut inner = self.lock();
        let stamp = inner.stamp();
        if let Some(item) = inner.items.get_mut(id) {
            item.fields.insert(field.into(), value);
            item.updated_at = Some(stamp);
        }
    }

    /// Every item.
    pub fn items(&self) -> Vec<ActualItem> {
        self.lock().items.values().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn apply_now(
        &self,
        op: &Operation,
        created: Option<ActualItem>,
    ) -> Result<Applied, TargetError> {
        let mut inner = self.lock();
        if let Operation::Create { item, .. } | Operation::Update { item, .. } = op
            && let Some(message) = item.skus().find_map(|s| inner.reject.get(s).cloned())
        {
            return Err(TargetError::rejected(message));
        }
        inner.writes += 1;
        match op {
            Operation::CreateBrand { title } => {
                let id = inner.id();
                inner.taxonomy.brands.insert(title.clone(), id.clone());
                Ok(Applied::Created(id))
            }
            Operation::CreateCategory { path, .. } => {
                let id = inner.id();
                inner.taxonomy.categories.insert(path.clone(), id.clone());
                Ok(Applied::Created(id))
            }
            Operation::Create { item, resolved } | Operation::Update { item, resolved, .. } => {
                let mut actual = match op {
                    Operation::Update { before, .. } => {
                        inner.items.get(&before.id).cloned().ok_or_else(|| {
                            TargetError::rejected(format!("no item {}", before.id))
                        })?
                    }
                    _ => created.clone().unwrap_or_default(),
                };
                let diff = ItemDiff::new(item, Some(&actual), resolved);
                for c in &diff.product {
                    if c.field == "brand" {
                        actual.brand = c.after.as_str().map(str::to_string);
                    } else {
                        actual.fields.insert(c.field.clone(), c.after.clone());
                    }
                }
                for (lang, changes) in &diff.texts {
                    let texts = actual.texts.entry(lang.clone()).or_default();
                    for c in changes {
                        let field = c.field.rsplit('.').next().unwrap_or(&c.field).to_string();
                        texts.insert(field, c.after.clone());
                    }
                }
                let add: Vec<_> = diff.add_variants.iter().map(|v| (*v).clone()).collect();
                let updates = diff.update_variants.clone();
                let removes = diff.remove_variants.clone();
                let add_images = diff.add_images.clone();
                let remove_images = diff.remove_images.clone();
                let moves = diff.move_images.clone();
                let links = diff.link_categories.clone();
                let unlinks = diff.unlink_categories.clone();
                for v in add {
                    let id = inner.id();
                    let is_default = actual.variants.is_empty();
                    actual.variants.push(ActualVariant {
                        id,
                        sku: v.sku.clone(),
                        title: v.title.clone(),
                        is_default,
                        fields: v.fields.clone(),
                    });
                }
                for (id, sku, _) in updates {
                    if let (Some(have), Some(want)) = (
                        actual.variants.iter_mut().find(|v| v.id == id),
                        item.variants.iter().find(|v| v.sku == sku),
                    ) {
                        have.fields.extend(want.fields.clone());
                        have.title = want.title.clone();
                    }
                }
                actual
                    .variants
                    .retain(|v| !removes.iter().any(|(id, _)| *id == v.id));
                actual.images.retain(|i| !remove_images.contains(&i.id));
                for (id, position) in moves {
                    if let Some(i) = actual.images.iter_mut().find(|i| i.id == id) {
                        i.position = position;
                    }
                }
                for (url, position) in add_images {
                    let id = inner.id();
                    actual.images.push(ActualImage {
                        id,
                        name: image_name(&url),
                        source: Some(url),
                        position,
                    });
                }
                actual.images.sort_by_key(|i| i.position);
                actual.categories.retain(|_, link| !unlinks.contains(link));
                for category in links {
                    let link = inner.id();
                    actual.categories.insert(category, link);
                }
                actual.updated_at = Some(inner.stamp());
                inner.items.insert(actual.id.clone(), actual.clone());
                Ok(Applied::Item(actual))
            }
            Operation::Archive { before } | Operation::Unarchive { before, .. } => {
                let archive = matches!(op, Operation::Archive { .. });
                let stamp = inner.stamp();
                let item = inner
                    .items
                    .get_mut(&before.id)
                    .ok_or_else(|| TargetError::rejected(format!("no item {}", before.id)))?;
                item.archived = archive;
                let visibility = match op {
                    Operation::Unarchive { visibility, .. } => visibility.clone(),
                    _ => "hidden".into(),
                };
                item.fields
                    .insert("visibility".into(), Json::from(visibility));
                item.updated_at = Some(stamp);
                Ok(Applied::Item(item.clone()))
            }
            Operation::Delete { before } => {
                inner.items.remove(&before.id);
                Ok(Applied::Removed)
            }
        }
    }
}

/// The schema a memory target accepts: the eCom product's fields when that feature is on,
/// else any field.
fn memory_schema() -> Box<dyn TargetSchema> {
    #[cfg(feature = "ecom")]
    {
        Box::new(lightspeed_ecom::schema::ProductSchema)
    }
    #[cfg(not(feature = "ecom"))]
    {
        Box::new(
            lightspeed_mapping::JsonSchema::from_json(r#"{"name": "any", "fields": []}"#)
                .expect("schema"),
        )
    }
}

#[async_trait]
impl CatalogTarget for MemoryTarget {
    fn name(&self) -> &str {
        "memory"
    }

    fn schema(&self) -> Box<dyn TargetSchema> {
        memory_schema()
    }

    fn default_language(&self) -> &str {
        "nl"
    }

    async fn list(&self, _: &[String]) -> Result<Vec<ActualItem>, TargetError> {
        Ok(self.items())
    }

    async fn fetch(&self, id: &str, _: &[String]) -> Result<Option<ActualItem>, TargetError> {
        Ok(self.lock().items.get(id).cloned())
    }

    async fn changed_since(&self, _since: &str) -> Result<BTreeMap<String, String>, TargetError> {
        Ok(self
            .lock()
            .items
            .values()
            .filter_map(|i| i.updated_at.clone().map(|u| (i.id.clone(), u)))
            .collect())
    }

    async fn find_existing(
        &self,
        item: &DesiredItem,
        created_since: Option<&str>,
    ) -> Result<Option<ActualItem>, TargetError> {
        let inner = self.lock();
        let by_sku = inner
            .items
            .values()
            .find(|i| i.variants.iter().any(|v| item.skus().any(|s| s == v.sku)));
        let by_title = || {
            created_since.and_then(|_| {
                inner.items.values().find(|i| {
                    i.fields.get("title") == item.fields.get("title")
                        && i.variants.iter().all(|v| v.sku.is_empty())
                })
            })
        };
        Ok(by_sku.or_else(by_title).cloned())
    }

    async fn taxonomy(&self) -> Result<Taxonomy, TargetError> {
        Ok(self.lock().taxonomy.clone())
    }

    async fn apply(
        &self,
        op: &Operation,
        checkpoint: &dyn Checkpoint,
    ) -> Result<Applied, TargetError> {
        // A create records the new id before the rest, as a real target does.
        let created = if let Operation::Create { item, .. } = op {
            let partial = {
                let mut inner = self.lock();
                if let Some(message) = item.skus().find_map(|s| inner.reject.get(s).cloned()) {
                    return Err(TargetError::rejected(message));
                }
                ActualItem {
                    id: inner.id(),
                    ..Default::default()
                }
            };
            checkpoint.save(&partial).await;
            Some(partial)
        } else {
            None
        };
        self.apply_now(op, created)
    }

    fn time_for(&self, _calls: u64) -> Option<Duration> {
        None
    }
}

/// The conformance suite every [`CatalogTarget`] passes: create (completed as the executor
/// completes creates: [`CatalogTarget::complete_creates`], then an update), read back, update,
/// find by SKU, archive and unarchive, taxonomy, delete. Run it on an empty target.
pub mod conformance {
    use super::*;
    use crate::item::DesiredVariant;
    use serde_json::json;

    fn item(key: &str, title: &str, price: f64) -> DesiredItem {
        DesiredItem {
            key: key.into(),
            fields: LiteMap::from_iter([("title".into(), json!(title))]),
            texts: BTreeMap::new(),
            variants: vec![
                DesiredVariant {
                    sku: format!("{key}-1"),
                    title: "S".into(),
                    options: BTreeMap::from([("size".into(), "S".into())]),
                    fields: LiteMap::from_iter([("price_incl".into(), json!(price))]),
                },
                DesiredVariant {
                    sku: format!("{key}-2"),
                    title: "M".into(),
                    options: BTreeMap::from([("size".into(), "M".into())]),
                    fields: LiteMap::from_iter([("price_incl".into(), json!(price))]),
                },
            ],
            images: vec!["https://example.com/img/front.jpg".into()],
            categories: vec![],
            brand: None,
            origin: vec![],
        }
    }

    /// The item an operation answered with; panics on any other answer.
    fn applied_item(applied: Applied, what: &str) -> ActualItem {
        match applied {
            Applied::Item(a) => a,
            other => panic!("{what} answered {other:?}"),
        }
    }

    /// Runs the suite; panics with what failed.
    pub async fn check(target: &dyn CatalogTarget) {
        let none = NoCheckpoint;
        assert!(
            target.list(&[]).await.unwrap().is_empty(),
            "start from an empty target"
        );
        let desired = item("CONF", "Conformance", 10.0);
        // A create, completed as the executor completes it.
        let partial = applied_item(
            target
                .apply(
                    &Operation::Create {
                        item: desired.clone(),
                        resolved: Resolved::default(),
                    },
                    &none,
                )
                .await
                .unwrap(),
            "create",
        );
        assert!(!partial.id.is_empty(), "a create answers with the new id");
        let mut batch = vec![partial];
        target.complete_creates(&mut batch).await.unwrap();
        let partial = batch.remove(0);
        let created = if ItemDiff::new(&desired, Some(&partial), &Resolved::default()).is_empty() {
            partial
        } else {
            applied_item(
                target
                    .apply(
                        &Operation::Update {
                            before: partial,
                            item: desired.clone(),
                            resolved: Resolved::default(),
                        },
                        &none,
                    )
                    .await
                    .unwrap(),
                "completing the create",
            )
        };
        assert!(!created.id.is_empty());
        assert_eq!(created.variants.len(), 2);
        let read = target
            .fetch(&created.id, &[])
            .await
            .unwrap()
            .expect("fetch after create");
        assert_eq!(read.fields.get("title"), Some(&json!("Conformance")));
        assert!(
            ItemDiff::new(&desired, Some(&read), &Resolved::default()).is_empty(),
            "a created item reads back as desired: {:?}",
            ItemDiff::new(&desired, Some(&read), &Resolved::default()).changes()
        );
        let mut by_sku = item("OTHER", "Other", 1.0);
        by_sku.variants[0].sku = "CONF-2".into();
        let found = target
            .find_existing(&by_sku, None)
            .await
            .unwrap()
            .expect("find by SKU");
        assert_eq!(found.id, created.id);
        assert!(
            target
                .find_existing(&item("NOPE", "Nope", 1.0), None)
                .await
                .unwrap()
                .is_none()
        );

        let mut changed = desired.clone();
        changed.variants[1]
            .fields
            .insert("price_incl".into(), json!(12.5));
        changed.variants.remove(0);
        let updated = applied_item(
            target
                .apply(
                    &Operation::Update {
                        before: read.clone(),
                        item: changed.clone(),
                        resolved: Resolved::default(),
                    },
                    &none,
                )
                .await
                .unwrap(),
            "update",
        );
        let read = target.fetch(&created.id, &[]).await.unwrap().unwrap();
        assert_eq!(read.variants.len(), 1, "the dropped variant is deleted");
        assert!(ItemDiff::new(&changed, Some(&read), &Resolved::default()).is_empty());
        assert_eq!(updated.id, created.id);

        let archived = applied_item(
            target
                .apply(
                    &Operation::Archive {
                        before: read.clone(),
                    },
                    &none,
                )
                .await
                .unwrap(),
            "archive",
        );
        assert!(archived.archived);
        let back = applied_item(
            target
                .apply(
                    &Operation::Unarchive {
                        before: archived,
                        visibility: "visible".into(),
                    },
                    &none,
                )
                .await
                .unwrap(),
            "unarchive",
        );
        assert!(!back.archived);

        let brand = target
            .apply(
                &Operation::CreateBrand {
                    title: "Acme".into(),
                },
                &none,
            )
            .await
            .unwrap();
        let men = target
            .apply(
                &Operation::CreateCategory {
                    path: "Men".into(),
                    parent: None,
                },
                &none,
            )
            .await
            .unwrap();
        let Applied::Created(men_id) = men.clone() else {
            panic!("a category create answers with its id");
        };
        target
            .apply(
                &Operation::CreateCategory {
                    path: "Men > Shoes".into(),
                    parent: Some(men_id),
                },
                &none,
            )
            .await
            .unwrap();
        let taxonomy = target.taxonomy().await.unwrap();
        assert_eq!(
            Some(Applied::Created(taxonomy.brands["Acme"].clone())),
            Some(brand)
        );
        assert_eq!(
            Some(Applied::Created(taxonomy.categories["Men"].clone())),
            Some(men)
        );
        assert!(taxonomy.categories.contains_key("Men > Shoes"));

        assert_eq!(
            target
                .apply(&Operation::Delete { before: back }, &none)
                .await
                .unwrap(),
            Applied::Removed
        );
        assert!(target.fetch(&created.id, &[]).await.unwrap().is_none());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_memory_target_conforms() {
        conformance::check(&MemoryTarget::new()).await;
    }
}
