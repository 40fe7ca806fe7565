//! The inventory pool flow: the pool other channels read from ([`InventoryItem`]s behind the
//! [`InventorySink`] trait, in memory or in SQLite), filled from X-Series by [`xseries`]
//! (feature `xseries`): "Get Inventory (Primary)" and "(Secondary)", and pushed to eCom's
//! variants by [`ecom`] (feature `ecom`): stock and prices by SKU, changed SKUs only.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use async_trait::async_trait;
use lightspeed_mapping::{FieldSpec, FieldType, TargetSchema};
use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[cfg(feature = "ecom")]
pub mod ecom;
#[cfg(feature = "xseries")]
pub mod xseries;

/// One item of the pool (a product or a variant).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InventoryItem {
    /// The SKU: the item's identity.
    pub sku: String,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Brand name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// Cost (supply price).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Decimal>,
    /// Suggested retail price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msrp: Option<Decimal>,
    /// Quantity on hand (0 when archived).
    #[serde(default)]
    pub quantity: Decimal,
    /// Weight in `weight_unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<Decimal>,
    /// `lb`, `oz`, `g` or `kg`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_unit: Option<String>,
    /// Height in `dimension_unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<Decimal>,
    /// Length in `dimension_unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<Decimal>,
    /// Width in `dimension_unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<Decimal>,
    /// `cm`, `mm`, `in` or `yd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension_unit: Option<String>,
    /// Image URLs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    /// Primary category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_category: Option<String>,
    /// Sub category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_category: Option<String>,
    /// The parent's SKU, for variants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_sku: Option<String>,
    /// The variant's name (`Tee / Black / L`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_name: Option<String>,
    /// The variant's options (up to 10), in X-Series' order: Size = M, Colour = Black.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ItemOption>,
    /// The category path from the root (`Clothing > Tops > T-shirts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_path: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Anything else, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_fields: BTreeMap<String, String>,
    /// Left the feed (kept, quantity 0).
    #[serde(default)]
    pub archived: bool,
}

/// One option of a variant: its name (the variant attribute) and value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemOption {
    /// The option's name (`Size`).
    pub name: String,
    /// Its value (`M`).
    pub value: String,
}

/// The most options an item carries (`option_1_name` to `option_10_value`).
pub const MAX_OPTIONS: usize = 10;

/// The pool.
#[async_trait]
pub trait InventorySink: Send + Sync {
    /// One item.
    async fn get(&self, sku: &str) -> Result<Option<InventoryItem>>;
    /// Stores an item (replacing the one with its SKU).
    async fn put(&self, item: &InventoryItem) -> Result<()>;
    /// Every item, by SKU.
    async fn all(&self) -> Result<BTreeMap<String, InventoryItem>>;
}

/// A pool in memory.
#[derive(Debug, Default)]
pub struct MemoryInventorySink {
    items: Mutex<BTreeMap<String, InventoryItem>>,
}

impl MemoryInventorySink {
    /// An empty pool.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl InventorySink for MemoryInventorySink {
    async fn get(&self, sku: &str) -> Result<Option<InventoryItem>> {
        Ok(self
            .items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(sku)
            .cloned())
    }
    async fn put(&self, item: &InventoryItem) -> Result<()> {
        self.items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(item.sku.clone(), item.clone());
        Ok(())
    }
    async fn all(&self) -> Result<BTreeMap<String, InventoryItem>> {
        Ok(self.items.lock().unwrap_or_else(|e| e.into_inner()).clone())
    }
}

/// A pool in a SQLite file (one row per SKU, the item as JSON).
#[derive(Debug)]
pub struct SqliteInventorySink {
    path: String,
    conn: Mutex<Connection>,
}

impl SqliteInventorySink {
    /// Opens (or creates) the pool at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::state(
                    &shown,
                    format!("cannot create {}", dir.display()),
                    Some(Box::new(e)),
                )
            })?;
        }
        let conn = Connection::open(path)
            .map_err(|e| Error::state(&shown, "cannot open", Some(Box::new(e))))?;
        Self::init(shown, conn)
    }

    /// A pool in a private in-memory database.
    pub fn in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory()
            .map_err(|e| Error::state(":memory:", "cannot open", Some(Box::new(e))))?;
        Self::init(":memory:".into(), conn)
    }

    fn init(path: String, conn: Connection) -> Result<Self> {
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE IF NOT EXISTS pool (sku TEXT PRIMARY KEY, item TEXT NOT NULL);",
        )
        .map_err(|e| {
            Error::state(
                &path,
                "not an inventory pool, or not readable",
                Some(Box::new(e)),
            )
        })?;
        Ok(SqliteInventorySink {
            path,
            conn: Mutex::new(conn),
        })
    }

    fn db(&self, e: rusqlite::Error) -> Error {
        Error::state(&self.path, "inventory pool", Some(Box::new(e)))
    }

    fn decode(&self, text: &str) -> Result<InventoryItem> {
        serde_json::from_str(text)
            .map_err(|e| Error::state(&self.path, "a pool item does not decode", Some(Box::new(e))))
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl InventorySink for SqliteInventorySink {
    async fn get(&self, sku: &str) -> Result<Option<InventoryItem>> {
        let text: Option<String> = self
            .conn()
            .query_row("SELECT item FROM pool WHERE sku = ?1", params![sku], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.db(e))?;
        text.map(|t| self.decode(&t)).transpose()
    }

    async fn put(&self, item: &InventoryItem) -> Result<()> {
        let text = serde_json::to_string(item).unwrap_or_default();
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO pool (sku, item) VALUES (?1, ?2)",
                params![item.sku, text],
            )
            .map_err(|e| self.db(e))?;
        Ok(())
    }

    async fn all(&self) -> Result<BTreeMap<String, InventoryItem>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT item FROM pool")
            .map_err(|e| self.db(e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.db(e))?;
        let mut out = BTreeMap::new();
        for row in rows {
            let item = self.decode(&row.map_err(|e| self.db(e))?)?;
            out.insert(item.sku.clone(), item);
        }
        Ok(out)
    }
}

/// What a mapping may write for a pool item (`pool.item`): the [`InventoryItem`] fields,
/// `option_1_name` / `option_1_value` to `option_10_name` / `option_10_value`, and
/// `custom_fields.<name>`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolSchema;

impl TargetSchema for PoolSchema {
    fn name(&self) -> &str {
        "pool.item"
    }

    fn fields(&self) -> Vec<FieldSpec> {
        use FieldType::*;
        let field = |name: &str, kind: FieldType, required: bool| {
            let spec = FieldSpec::new(name, kind);
            if required { spec.required() } else { spec }
        };
        vec![
            field("sku", Text, true),
            field("title", Text, false),
            field("description", Text, false),
            field("brand", Text, false),
            field("cost", Number, false),
            field("msrp", Number, false),
            field("quantity", Number, false),
            field("weight", Number, false),
            field("weight_unit", Text, false),
            field("height", Number, false),
            field("length", Number, false),
            field("width", Number, false),
            field("dimension_unit", Text, false),
            field("images", List, false),
            field("images[]", Text, false),
            field("primary_category", Text, false),
            field("sub_category", Text, false),
            field("parent_sku", Text, false),
            field("variant_name", Text, false),
            field("category_path", Text, false),
            field("tags", List, false),
            field("tags[]", Text, false),
            field("custom_fields", Object, false),
        ]
        .into_iter()
        .chain((1..=MAX_OPTIONS).flat_map(|n| {
            [
                field(&format!("option_{n}_name"), Text, false),
                field(&format!("option_{n}_value"), Text, false),
            ]
        }))
        .collect()
    }

    fn check_field(&self, shape: &str) -> std::result::Result<(), String> {
        if shape.starts_with("custom_fields.") || self.fields().iter().any(|f| f.name == shape) {
            Ok(())
        } else {
            Err(format!("`{shape}` is not a field of pool.item"))
        }
    }
}

/// Reads a weight unit as the guide lists them: `pound`, `ounce`, `gram`, `kilogram`, `lb`,
/// `oz` (and `g`, `kg`, any case) → `lb`, `oz`, `g`, `kg`.
pub fn weight_unit(text: &str) -> Option<&'static str> {
    match text.trim().to_ascii_lowercase().as_str() {
        "pound" | "pounds" | "lb" | "lbs" => Some("lb"),
        "ounce" | "ounces" | "oz" => Some("oz"),
        "gram" | "grams" | "g" => Some("g"),
        "kilogram" | "kilograms" | "kg" => Some("kg"),
        _ => None,
    }
}

/// The conformance suite every [`InventorySink`] passes.
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod conformance {
    use super::*;

    /// Runs the suite against an empty pool; panics with what failed.
    pub async fn check(sink: &dyn InventorySink) {
        assert!(
            sink.all().await.unwrap().is_empty(),
            "start from an empty pool"
        );
        let mut item = InventoryItem {
            sku: "A-1".into(),
            title: "Wallet".into(),
            quantity: Decimal::new(5, 0),
            cost: Some(Decimal::new(1250, 2)),
            custom_fields: BTreeMap::from([("xseries_id".into(), "p-1".into())]),
            ..Default::default()
        };
        sink.put(&item).await.unwrap();
        assert_eq!(sink.get("A-1").await.unwrap(), Some(item.clone()));
        item.quantity = Decimal::ZERO;
        item.archived = true;
        sink.put(&item).await.unwrap();
        sink.put(&InventoryItem {
            sku: "B-1".into(),
            ..Default::default()
        })
        .await
        .unwrap();
        let all = sink.all().await.unwrap();
        assert_eq!(all.len(), 2);
        assert!(all["A-1"].archived);
        assert_eq!(
            all["A-1"].cost,
            Some(Decimal::new(1250, 2)),
            "decimals keep their scale"
        );
        assert_eq!(sink.get("nope").await.unwrap(), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn both_pools_conform() {
        conformance::check(&MemoryInventorySink::new()).await;
        conformance::check(&SqliteInventorySink::in_memory().unwrap()).await;
    }

    #[test]
    fn weight_units_read_as_the_guide_writes_them() {
        for (text, unit) in [
            ("pound", "lb"),
            ("Ounce", "oz"),
            ("gram", "g"),
            ("KILOGRAM", "kg"),
            ("lb", "lb"),
            ("oz", "oz"),
        ] {
            assert_eq!(weight_unit(text), Some(unit), "{text}");
        }
        assert_eq!(weight_unit("stone"), None);
    }
}
