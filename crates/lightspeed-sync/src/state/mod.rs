//! What the sync remembers between runs: the [`StateStore`] trait, SQLite (the embedded
//! default) and memory.
//!
//! Per item key it keeps the target's id and what the target has as far as the sync knows
//! (ids of variants, images and category links, the fields last written, `updatedAt`), and
//! the fingerprint of the desired item last applied completely. It also keeps named cursors
//! (the last full reconcile, the last run) and the progress of a plan being applied.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::item::ActualItem;

/// What the sync knows of one item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemState {
    /// The item in the target, as last read or written.
    pub actual: ActualItem,
    /// The fingerprint of the desired item last applied completely; `None` while an apply is
    /// incomplete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// Where one item of a plan stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "message", rename_all = "snake_case")]
pub enum ProgressMark {
    /// The executor started on it (a write may have landed).
    Started,
    /// Applied.
    Done,
    /// The target refused it; the message says why.
    Failed(String),
    /// It kept failing transiently; the next run tries again.
    Pending(String),
}

/// The sync's memory. Implementations must make each call durable before answering.
#[async_trait]
pub trait StateStore: Send + Sync {
    /// Every item, by key.
    async fn items(&self) -> Result<BTreeMap<String, ItemState>>;
    /// One item.
    async fn item(&self, key: &str) -> Result<Option<ItemState>>;
    /// Stores an item (replacing what was there).
    async fn put_item(&self, key: &str, state: &ItemState) -> Result<()>;
    /// Forgets an item.
    async fn remove_item(&self, key: &str) -> Result<()>;
    /// A named cursor.
    async fn cursor(&self, name: &str) -> Result<Option<String>>;
    /// Sets a named cursor.
    async fn set_cursor(&self, name: &str, value: &str) -> Result<()>;
    /// The marks of a plan's items.
    async fn progress(&self, plan: &str) -> Result<BTreeMap<String, ProgressMark>>;
    /// Marks a plan's item.
    async fn set_progress(&self, plan: &str, key: &str, mark: &ProgressMark) -> Result<()>;
    /// Forgets a plan's marks (it was applied to the end).
    async fn clear_progress(&self, plan: &str) -> Result<()>;
}

/// A store in memory (tests; state lost with the process).
#[derive(Debug, Default)]
pub struct MemoryStateStore {
    inner: Mutex<MemoryInner>,
}

#[derive(Debug, Default)]
struct MemoryInner {
    items: BTreeMap<String, ItemState>,
    cursors: BTreeMap<String, String>,
    progress: BTreeMap<String, BTreeMap<String, ProgressMark>>,
}

impl MemoryStateStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl StateStore for MemoryStateStore {
    async fn items(&self) -> Result<BTreeMap<String, ItemState>> {
        Ok(self.lock().items.clone())
    }
    async fn item(&self, key: &str) -> Result<Option<ItemState>> {
        Ok(self.lock().items.get(key).cloned())
    }
    async fn put_item(&self, key: &str, state: &ItemState) -> Result<()> {
        self.lock().items.insert(key.into(), state.clone());
        Ok(())
    }
    async fn remove_item(&self, key: &str) -> Result<()> {
        self.lock().items.remove(key);
        Ok(())
    }
    async fn cursor(&self, name: &str) -> Result<Option<String>> {
        Ok(self.lock().cursors.get(name).cloned())
    }
    async fn set_cursor(&self, name: &str, value: &str) -> Result<()> {
        self.lock().cursors.insert(name.into(), value.into());
        Ok(())
    }
    async fn progress(&self, plan: &str) -> Result<BTreeMap<String, ProgressMark>> {
        Ok(self.lock().progress.get(plan).cloned().unwrap_or_default())
    }
    async fn set_progress(&self, plan: &str, key: &str, mark: &ProgressMark) -> Result<()> {
        self.lock()
            .progress
            .entry(plan.into())
            .or_default()
            .insert(key.into(), mark.clone());
        Ok(())
    }
    async fn clear_progress(&self, plan: &str) -> Result<()> {
        self.lock().progress.remove(plan);
        Ok(())
    }
}

/// The schema version this code writes; a newer file is refused rather than misread.
pub const SCHEMA_VERSION: i64 = 1;

/// The default location of the SQLite store, relative to the working directory.
pub const DEFAULT_PATH: &str = ".lightspeed-sync/state.db";

/// A store in a SQLite file (WAL journal; each call is its own transaction, durable when it
/// returns). Calls are short and run on the caller's thread.
#[derive(Debug)]
pub struct SqliteStateStore {
    path: PathBuf,
    conn: Mutex<Connection>,
}

fn db_err(e: rusqlite::Error) -> Error {
    Error::State(e.to_string())
}

fn json_err(e: serde_json::Error) -> Error {
    Error::State(format!("a stored record does not decode: {e}"))
}

impl SqliteStateStore {
    /// Opens (or creates) the store at `path`, creating its directory.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::State(format!("cannot create {}: {e}", dir.display())))?;
        }
        let conn = Connection::open(&path)
            .map_err(|e| Error::State(format!("cannot open {}: {e}", path.display())))?;
        Self::init(&conn)?;
        Ok(SqliteStateStore {
            path,
            conn: Mutex::new(conn),
        })
    }

    /// A store in a private in-memory database (tests of the SQLite code path).
    pub fn in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory().map_err(db_err)?;
        Self::init(&conn)?;
        Ok(SqliteStateStore {
            path: PathBuf::from(":memory:"),
            conn: Mutex::new(conn),
        })
    }

    /// Where the store lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn init(conn: &Connection) -> Result<()> {
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
        )
        .map_err(db_err)?;
        let version: Option<i64> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map_err(db_err)?
            .and_then(|v| v.parse().ok());
        match version {
            Some(v) if v > SCHEMA_VERSION => {
                return Err(Error::State(format!(
                    "the store was written by a newer version (schema {v}, this one knows {SCHEMA_VERSION}); upgrade lightspeed-sync"
                )));
            }
            Some(_) => {}
            None => {
                conn.execute_batch(
                    "CREATE TABLE IF NOT EXISTS items (key TEXT PRIMARY KEY, state TEXT NOT NULL);
                     CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);
                     CREATE TABLE IF NOT EXISTS progress (
                         plan TEXT NOT NULL, key TEXT NOT NULL, mark TEXT NOT NULL,
                         PRIMARY KEY (plan, key));",
                )
                .map_err(db_err)?;
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?1)",
                    params![SCHEMA_VERSION.to_string()],
                )
                .map_err(db_err)?;
            }
        }
        Ok(())
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl StateStore for SqliteStateStore {
    async fn items(&self) -> Result<BTreeMap<String, ItemState>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT key, state FROM items")
            .map_err(db_err)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(db_err)?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (key, state) = row.map_err(db_err)?;
            out.insert(key, serde_json::from_str(&state).map_err(json_err)?);
        }
        Ok(out)
    }

    async fn item(&self, key: &str) -> Result<Option<ItemState>> {
        let conn = self.conn();
        let text: Option<String> = conn
            .query_row(
                "SELECT state FROM items WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err)?;
        text.map(|t| serde_json::from_str(&t).map_err(json_err))
            .transpose()
    }

    async fn put_item(&self, key: &str, state: &ItemState) -> Result<()> {
        let text = serde_json::to_string(state).map_err(json_err)?;
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO items (key, state) VALUES (?1, ?2)",
                params![key, text],
            )
            .map_err(db_err)?;
        Ok(())
    }

    async fn remove_item(&self, key: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM items WHERE key = ?1", params![key])
            .map_err(db_err)?;
        Ok(())
    }

    async fn cursor(&self, name: &str) -> Result<Option<String>> {
        self.conn()
            .query_row(
                "SELECT value FROM cursors WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err)
    }

    async fn set_cursor(&self, name: &str, value: &str) -> Result<()> {
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO cursors (name, value) VALUES (?1, ?2)",
                params![name, value],
            )
            .map_err(db_err)?;
        Ok(())
    }

    async fn progress(&self, plan: &str) -> Result<BTreeMap<String, ProgressMark>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT key, mark FROM progress WHERE plan = ?1")
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![plan], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(db_err)?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (key, mark) = row.map_err(db_err)?;
            out.insert(key, serde_json::from_str(&mark).map_err(json_err)?);
        }
        Ok(out)
    }

    async fn set_progress(&self, plan: &str, key: &str, mark: &ProgressMark) -> Result<()> {
        let text = serde_json::to_string(mark).map_err(json_err)?;
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO progress (plan, key, mark) VALUES (?1, ?2, ?3)",
                params![plan, key, text],
            )
            .map_err(db_err)?;
        Ok(())
    }

    async fn clear_progress(&self, plan: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM progress WHERE plan = ?1", params![plan])
            .map_err(db_err)?;
        Ok(())
    }
}

/// The conformance suite every [`StateStore`] passes.
pub mod conformance {
    use super::*;

    fn state(id: &str, fingerprint: Option<&str>) -> ItemState {
        ItemState {
            actual: ActualItem {
                id: id.into(),
                updated_at: Some("2026-01-01T00:00:00+00:00".into()),
                ..Default::default()
            },
            fingerprint: fingerprint.map(str::to_string),
        }
    }

    /// Runs the suite against an empty store; panics with what failed.
    pub async fn check(store: &dyn StateStore) {
        assert!(
            store.items().await.unwrap().is_empty(),
            "the store must start empty"
        );
        assert_eq!(store.item("A").await.unwrap(), None);
        store.put_item("A", &state("1", Some("f1"))).await.unwrap();
        store.put_item("B", &state("2", None)).await.unwrap();
        store.put_item("A", &state("1", Some("f2"))).await.unwrap();
        assert_eq!(store.item("A").await.unwrap(), Some(state("1", Some("f2"))));
        let all = store.items().await.unwrap();
        assert_eq!(all.keys().collect::<Vec<_>>(), ["A", "B"]);
        store.remove_item("B").await.unwrap();
        store.remove_item("missing").await.unwrap();
        assert_eq!(store.items().await.unwrap().len(), 1);

        assert_eq!(store.cursor("last_run").await.unwrap(), None);
        store.set_cursor("last_run", "x").await.unwrap();
        store.set_cursor("last_run", "y").await.unwrap();
        assert_eq!(
            store.cursor("last_run").await.unwrap().as_deref(),
            Some("y")
        );

        store
            .set_progress("p1", "A", &ProgressMark::Started)
            .await
            .unwrap();
        store
            .set_progress("p1", "B", &ProgressMark::Failed("Invalid title".into()))
            .await
            .unwrap();
        store
            .set_progress("p1", "A", &ProgressMark::Done)
            .await
            .unwrap();
        store
            .set_progress("p2", "A", &ProgressMark::Started)
            .await
            .unwrap();
        let p1 = store.progress("p1").await.unwrap();
        assert_eq!(p1["A"], ProgressMark::Done);
        assert_eq!(p1["B"], ProgressMark::Failed("Invalid title".into()));
        store.clear_progress("p1").await.unwrap();
        assert!(store.progress("p1").await.unwrap().is_empty());
        assert_eq!(store.progress("p2").await.unwrap().len(), 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_store_conforms() {
        conformance::check(&MemoryStateStore::new()).await;
    }

    #[tokio::test]
    async fn sqlite_store_conforms_and_survives_a_reopen() {
        conformance::check(&SqliteStateStore::in_memory().unwrap()).await;
        let dir = std::env::temp_dir().join(format!("ls-sync-state-{}", std::process::id()));
        let path = dir.join("nested/state.db");
        {
            let store = SqliteStateStore::open(&path).unwrap();
            conformance::check(&store).await;
        }
        let again = SqliteStateStore::open(&path).unwrap();
        assert_eq!(
            again.cursor("last_run").await.unwrap().as_deref(),
            Some("y")
        );
        assert_eq!(again.items().await.unwrap().len(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_newer_schema_is_refused() {
        let dir = std::env::temp_dir().join(format!("ls-sync-schema-{}", std::process::id()));
        let path = dir.join("state.db");
        drop(SqliteStateStore::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
        drop(conn);
        let err = SqliteStateStore::open(&path).unwrap_err();
        assert!(err.to_string().contains("newer version"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
