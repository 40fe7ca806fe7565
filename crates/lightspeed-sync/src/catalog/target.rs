//! Where items go: the [`CatalogTarget`] trait, the operations a plan applies, and an
//! in-memory target with its own schema.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use lightspeed_mapping::{FieldRole, FieldSpec, FieldType, TargetSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::diff::{ItemDiff, Resolved};
use super::item::{ActualImage, ActualItem, ActualVariant, DesiredItem, LiteMap};
use crate::error::{ErrorClass, TargetError};
use crate::state::Intent;

/// The records items refer to by name, per reference field of the schema: name (a title, or
/// a path `Men > Shoes` for categories) → id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct References {
    /// By reference field (`brand`, `categories`, `tags`).
    #[serde(flatten)]
    pub by_field: BTreeMap<String, BTreeMap<String, String>>,
}

impl References {
    /// The id of `name` among the records of `field`.
    pub fn id(&self, field: &str, name: &str) -> Option<&str> {
        self.by_field
            .get(field)
            .and_then(|names| names.get(name))
            .map(String::as_str)
    }

    /// Remembers a record.
    pub fn insert(&mut self, field: &str, name: impl Into<String>, id: impl Into<String>) {
        self.by_field
            .entry(field.to_string())
            .or_default()
            .insert(name.into(), id.into());
    }

    /// The ids of an item's references, and the names the target lacks.
    pub fn resolve(&self, item: &DesiredItem) -> Resolved {
        let mut resolved = Resolved::default();
        for (field, refs) in &item.refs {
            let mut ids = Vec::new();
            for name in refs.names() {
                match self.id(field, name) {
                    Some(id) => ids.push(id.to_string()),
                    None => resolved.missing.push(format!("{field} {name:?}")),
                }
            }
            resolved.refs.insert(field.clone(), ids);
        }
        resolved
    }
}

/// What a read brings back besides the items' own fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadScope {
    /// Languages other than the default one whose texts to read.
    pub languages: Vec<String>,
    /// Reference fields whose links to read (`categories`, `tags`); the ones held in a field
    /// of the item (`brand`) come with it.
    pub references: Vec<String>,
}

/// One write a plan asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Operation {
    /// Create a record items refer to (a brand, a tag, a category); a category's parent
    /// exists or is created by an earlier step.
    CreateReference {
        /// The reference field (`brand`, `categories`).
        field: String,
        /// Its title, or its path.
        name: String,
        /// The parent's id (paths), filled in by the executor just before the write.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent: Option<String>,
    },
    /// Create an item with its variants, images, references and texts.
    Create {
        /// The item.
        item: DesiredItem,
        /// Its references' ids (known once the reference steps ran).
        resolved: Resolved,
    },
    /// Bring an existing item to the desired one.
    Update {
        /// What the target has, as the plan saw it.
        before: ActualItem,
        /// The item.
        item: DesiredItem,
        /// Its references' ids.
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

impl Operation {
    /// The operation's name, as plans write it in `op` (`create`, `create_reference`).
    pub fn name(&self) -> &'static str {
        match self {
            Operation::CreateReference { .. } => "create_reference",
            Operation::Create { .. } => "create",
            Operation::Update { .. } => "update",
            Operation::Archive { .. } => "archive",
            Operation::Unarchive { .. } => "unarchive",
            Operation::Delete { .. } => "delete",
        }
    }
}

/// What an applied operation left in the target.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// The item as it now is.
    Item(ActualItem),
    /// The item is gone.
    Removed,
    /// The id of a created reference (a brand, a category).
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
    /// A name for reports and plans (`ecom`).
    fn name(&self) -> &str;
    /// What a mapping may write, and where each field goes on an item (see
    /// [`ItemShape`](super::item::ItemShape)). The sync compiles every mapping against it.
    fn schema(&self) -> Box<dyn TargetSchema>;
    /// The language of `fields`; `texts` hold the others.
    fn default_language(&self) -> &str;
    /// Every item (a full read).
    async fn list(&self, scope: &ReadScope) -> Result<Vec<ActualItem>, TargetError>;
    /// One item by id.
    async fn fetch(&self, id: &str, scope: &ReadScope) -> Result<Option<ActualItem>, TargetError>;
    /// Ids and `updated_at` of items changed at or after `since` (RFC 3339); a cheap check for
    /// edits made behind the sync's back.
    async fn changed_since(&self, since: &str) -> Result<BTreeMap<String, String>, TargetError>;
    /// The item holding any of `item`'s SKUs: the lookup before a create, so that an item
    /// the state does not know (made by hand, or by a sync whose state was lost) is adopted
    /// rather than made twice.
    async fn find_by_sku(
        &self,
        item: &DesiredItem,
        scope: &ReadScope,
    ) -> Result<Option<ActualItem>, TargetError>;
    /// The marker a create of `key` leaves on the item, by which [`CatalogTarget::recover`]
    /// finds it (see [`Intent::marker`]).
    fn marker(&self, key: &str) -> String {
        format!("lsync:{key}")
    }
    /// A position in the target's order of creation before which everything created from now
    /// on cannot lie (eCom: the highest product id seen), recorded with each intent; `None`
    /// when the target knows none yet.
    fn watermark(&self) -> Option<String> {
        None
    }
    /// The items open create intents made, found by their markers: key → item, for those
    /// whose create landed. One pass over what was created since the oldest intent, however
    /// many intents there are.
    async fn recover(
        &self,
        intents: &[Intent],
        scope: &ReadScope,
    ) -> Result<BTreeMap<String, ActualItem>, TargetError>;
    /// The records of these reference fields (`brand`, `categories`), by name.
    async fn references(&self, fields: &[String]) -> Result<References, TargetError>;
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

/// The schema of the [`MemoryTarget`] (`memory.product`): a product with texts in any
/// language, variants, images, a brand and a supplier, tags and category paths. Field names
/// follow eCom's, so that a mapping written for one reads the same for the other.
#[derive(Debug, Clone, Copy, Default)]
pub struct MemorySchema;

impl TargetSchema for MemorySchema {
    fn name(&self) -> &str {
        "memory.product"
    }

    fn fields(&self) -> Vec<FieldSpec> {
        use FieldRole::*;
        use FieldType::*;
        let text = |name: &str| FieldSpec::new(name, Text);
        let variant = |name: &str, kind| FieldSpec::new(name, kind).role(Variant);
        let mut fields = vec![
            text("title").required().translatable(),
            text("fulltitle").translatable(),
            text("description").translatable().alias("summary"),
            text("content").translatable(),
            text("url").translatable(),
            text("visibility").allowed(&["hidden", "visible", "auto"]),
            text("brand").role(Reference),
            text("supplier").role(Reference),
            FieldSpec::new("tags", List).role(Reference),
            text("tags[]").role(Reference),
            FieldSpec::new("categories", List).role(PathReference),
            text("categories[]").role(PathReference),
            FieldSpec::new("images", List).role(Container),
            text("images[].src").role(Media),
            text("images[].title").role(Media),
            FieldSpec::new("variants", List).role(Container),
            text("parent").role(Grouping),
            FieldSpec::new("options", Object).role(Grouping),
            text("variant_title").role(Grouping),
            FieldSpec::new("variants[].options", Object).role(Grouping),
            text("variants[].title").role(Grouping),
        ];
        let variants = [
            variant("sku", Text),
            variant("ean", Text),
            variant("price_incl", Number).alias("price"),
            variant("price_excl", Number),
            variant("stock_level", Number),
            variant("weight", Number),
        ];
        for v in variants {
            let mut each = v.clone();
            each.name = format!("variants[].{}", v.name);
            each.aliases = v
                .aliases
                .iter()
                .map(|a| format!("variants[].{a}"))
                .collect();
            fields.push(v);
            fields.push(each);
        }
        fields
    }
}

/// An in-memory target: the reference implementation of the operations, for tests.
#[derive(Default)]
pub struct MemoryTarget {
    inner: Mutex<MemoryInner>,
    schema: Option<Box<dyn Fn() -> Box<dyn TargetSchema> + Send + Sync>>,
}

impl std::fmt::Debug for MemoryTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryTarget")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct MemoryInner {
    next: u64,
    clock: u64,
    items: BTreeMap<String, ActualItem>,
    references: References,
    writes: u64,
    reject: BTreeMap<String, String>,
    refuse: BTreeMap<(String, String), TargetError>,
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
    /// An empty target with [`MemorySchema`].
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty target that takes mappings written for another target's schema (its fields
    /// must keep the roles `MemoryTarget` knows, as eCom's do).
    pub fn with_schema<S: TargetSchema + Clone + 'static>(schema: S) -> Self {
        MemoryTarget {
            schema: Some(Box::new(move || Box::new(schema.clone()))),
            ..Self::default()
        }
    }

    /// Refuse writes of the item holding `sku` with `message` (as an API validation error).
    pub fn reject_sku(&self, sku: &str, message: &str) {
        self.lock().reject.insert(sku.into(), message.into());
    }

    /// Fail creates of the reference `name` of `field` with `error` (until cleared with
    /// [`MemoryTarget::clear_failures`]).
    pub fn fail_reference(&self, field: &str, name: &str, error: TargetError) {
        self.lock()
            .refuse
            .insert((field.to_string(), name.to_string()), error);
    }

    /// Forgets every failure set up with [`MemoryTarget::reject_sku`] and
    /// [`MemoryTarget::fail_reference`].
    pub fn clear_failures(&self) {
        let mut inner = self.lock();
        inner.reject.clear();
        inner.refuse.clear();
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

    /// Every reference record.
    pub fn reference_records(&self) -> References {
        self.lock().references.clone()
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
            Operation::CreateReference { field, name, .. } => {
                if let Some(e) = inner.refuse.get(&(field.clone(), name.clone())) {
                    return Err(e.clone());
                }
                let id = inner.id();
                inner.references.insert(field, name.clone(), id.clone());
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
                    if item.refs.contains_key(&c.field) {
                        let id = c.after.as_str().unwrap_or_default().to_string();
                        actual
                            .refs
                            .insert(c.field.clone(), LiteMap::from_iter([(id, String::new())]));
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
                for v in &diff.add_variants {
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
                for (id, sku, _) in &diff.update_variants {
                    if let (Some(have), Some(want)) = (
                        actual.variants.iter_mut().find(|v| v.id == *id),
                        item.variants.iter().find(|v| v.sku == *sku),
                    ) {
                        have.fields.extend(want.fields.clone());
                        have.title = want.title.clone();
                        have.sku = want.sku.clone();
                    }
                }
                actual
                    .variants
                    .retain(|v| !diff.remove_variants.iter().any(|(id, _)| *id == v.id));
                actual
                    .images
                    .retain(|i| !diff.remove_images.contains(&i.id));
                for (id, position) in &diff.move_images {
                    if let Some(i) = actual.images.iter_mut().find(|i| i.id == *id) {
                        i.position = *position;
                    }
                }
                for (image, position) in &diff.add_images {
                    let id = inner.id();
                    actual.images.push(ActualImage {
                        id,
                        name: image.name(),
                        source: Some(image.src.clone()),
                        position: *position,
                    });
                }
                actual.images.sort_by_key(|i| i.position);
                for (field, link) in &diff.unlink {
                    if let Some(links) = actual.refs.get_mut(field) {
                        links.retain(|_, l| l != link);
                    }
                }
                for (field, id) in &diff.link {
                    let link = inner.id();
                    actual
                        .refs
                        .entry(field.clone())
                        .or_default()
                        .insert(id.clone(), link);
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

#[async_trait]
impl CatalogTarget for MemoryTarget {
    fn name(&self) -> &str {
        "memory"
    }

    fn schema(&self) -> Box<dyn TargetSchema> {
        match &self.schema {
            Some(make) => make(),
            None => Box::new(MemorySchema),
        }
    }

    fn default_language(&self) -> &str {
        "nl"
    }

    async fn list(&self, _: &ReadScope) -> Result<Vec<ActualItem>, TargetError> {
        Ok(self.items())
    }

    async fn fetch(&self, id: &str, _: &ReadScope) -> Result<Option<ActualItem>, TargetError> {
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

    async fn find_by_sku(
        &self,
        item: &DesiredItem,
        _: &ReadScope,
    ) -> Result<Option<ActualItem>, TargetError> {
        Ok(self
            .lock()
            .items
            .values()
            .find(|i| i.variants.iter().any(|v| item.skus().any(|s| s == v.sku)))
            .cloned())
    }

    async fn recover(
        &self,
        intents: &[Intent],
        _: &ReadScope,
    ) -> Result<BTreeMap<String, ActualItem>, TargetError> {
        let inner = self.lock();
        Ok(intents
            .iter()
            .filter_map(|intent| {
                let found = inner
                    .items
                    .values()
                    .find(|i| i.marker.as_deref() == Some(intent.key.as_str()))?;
                Some((intent.key.clone(), found.clone()))
            })
            .collect())
    }

    async fn references(&self, fields: &[String]) -> Result<References, TargetError> {
        let all = self.lock().references.clone();
        Ok(References {
            by_field: all
                .by_field
                .into_iter()
                .filter(|(field, _)| fields.contains(field))
                .collect(),
        })
    }

    async fn apply(
        &self,
        op: &Operation,
        checkpoint: &dyn Checkpoint,
    ) -> Result<Applied, TargetError> {
        // A create records the new id (and the marker) before the rest, as a real target does.
        let created = if let Operation::Create { item, .. } = op {
            let partial = {
                let mut inner = self.lock();
                if let Some(message) = item.skus().find_map(|s| inner.reject.get(s).cloned()) {
                    return Err(TargetError::rejected(message));
                }
                let partial = ActualItem {
                    id: inner.id(),
                    marker: Some(item.key.clone()),
                    ..Default::default()
                };
                inner.items.insert(partial.id.clone(), partial.clone());
                partial
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

/// Whether an error stops the run.
pub(crate) fn is_fatal(e: &TargetError) -> bool {
    e.class == ErrorClass::Fatal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_memory_target_conforms() {
        crate::catalog::conformance::check(&MemoryTarget::new()).await;
    }

    #[test]
    fn the_memory_schema_takes_the_guide_spellings() {
        let schema = MemorySchema;
        assert!(schema.check_field("price").is_ok());
        assert!(schema.check_field("summary").is_ok());
        assert!(schema.check_field("title@en").is_ok());
        assert!(schema.check_field("variants[].price").is_ok());
        assert!(schema.check_field("descripton").is_err());
    }
}
