//! The state store in a SQLite file: the embedded default.
//!
//! WAL journal with `synchronous = FULL`: every call is its own transaction and is on disk
//! when it returns, power loss included. The ledger needs that much (an intent must be durable
//! before its write is sent); `NORMAL` would only survive a crash of the process. See
//! `docs/decisions.md` for the cost.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{Intent, ItemState, Lease, ProgressMark, StateStore};
use crate::error::{Error, Result};

/// The schema version this code writes; a newer file is refused rather than misread.
/// Version 2 added the intents of the write-ahead ledger. The `leases` table came later
/// without a new version: it is only added, and a reader that does not know it ignores it.
pub const SCHEMA_VERSION: i64 = 2;

/// The default location of the SQLite store, relative to the working directory.
pub const DEFAULT_PATH: &str = ".lightspeed-sync/state.db";

/// What the `meta` table says a store is.
const APPLICATION: &str = "lightspeed-sync";

/// A store in a SQLite file (each call is its own transaction, durable when it returns).
/// Calls are short and run on the caller's thread.
#[derive(Debug)]
pub struct SqliteStateStore {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl SqliteStateStore {
    /// Opens (or creates) the store at `path`, creating its directory. A file that is not a
    /// SQLite database, or a database of another program, is refused with its path.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
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
        let conn = Connection::open(&path)
            .map_err(|e| Error::state(&shown, "cannot open", Some(Box::new(e))))?;
        init(&conn, &shown)?;
        Ok(SqliteStateStore {
            path,
            conn: Mutex::new(conn),
        })
    }

    /// A store in a private in-memory database (tests of the SQLite code path).
    pub fn in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory()
            .map_err(|e| Error::state(":memory:", "cannot open", Some(Box::new(e))))?;
        init(&conn, ":memory:")?;
        Ok(SqliteStateStore {
            path: PathBuf::from(":memory:"),
            conn: Mutex::new(conn),
        })
    }

    /// Where the store lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn err(&self, what: &str, e: rusqlite::Error) -> Error {
        Error::state(self.path.display().to_string(), what, Some(Box::new(e)))
    }

    fn decode<T: serde::de::DeserializeOwned>(&self, what: &str, text: &str) -> Result<T> {
        serde_json::from_str(text).map_err(|e| {
            Error::state(
                self.path.display().to_string(),
                format!("{what} does not decode (a corrupt or hand-edited store?)"),
                Some(Box::new(e)),
            )
        })
    }
}

/// How long a call waits for another process that holds the file's write lock (two daemons,
/// or a daemon and a `pause` command, sharing a store).
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs `f` again while SQLite answers "busy" without waiting (as it does to avoid a
/// deadlock while a file is being set up), for up to [`BUSY_TIMEOUT`].
fn while_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match f() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

fn init(conn: &Connection, path: &str) -> Result<()> {
    let fail = |what: &str, e: rusqlite::Error| Error::state(path, what, Some(Box::new(e)));
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| fail("cannot set its busy timeout", e))?;
    // Switching a new file to WAL needs it alone, and SQLite answers "busy" at once, without
    // its busy handler, when another opener holds it: wait for that here, as long.
    while_busy(|| conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"))
        .map_err(|e| fail("not a SQLite database, or not readable", e))?;
    // One write transaction from the first look to the version row: two processes opening a
    // new file at once must not see each other's half-made tables (the second would refuse
    // the file as "no schema version"). The second waits for the first, then finds a store.
    let tx =
        while_busy(|| rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate))
            .map_err(|e| fail("cannot lock it to check its tables", e))?;
    let conn: &Connection = &tx;
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<_>>()
        })
        .map_err(|e| fail("not a SQLite database, or not readable", e))?;
    if !tables.is_empty() && !tables.iter().any(|t| t == "meta") {
        return Err(Error::state(
            path,
            format!(
                "not a lightspeed-sync state store (it holds the tables {}); give another path",
                tables.join(", ")
            ),
            None,
        ));
    }
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    )
    .map_err(|e| fail("cannot create its tables", e))?;
    let meta = |key: &str| -> Result<Option<String>> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
            r.get::<_, String>(0)
        })
        .optional()
        .map_err(|e| fail("cannot read its version", e))
    };
    if let Some(app) = meta("application")?
        && app != APPLICATION
    {
        return Err(Error::state(
            path,
            format!("a store of {app:?}, not of {APPLICATION}"),
            None,
        ));
    }
    let version =
        match meta("schema_version")? {
            None if tables.len() > 1 => {
                return Err(Error::state(
                    path,
                    "not a lightspeed-sync state store (no schema version)",
                    None,
                ));
            }
            None => None,
            Some(v) => Some(v.parse::<i64>().map_err(|_| {
                Error::state(path, format!("unreadable schema version {v:?}"), None)
            })?),
        };
    if let Some(v) = version
        && v > SCHEMA_VERSION
    {
        return Err(Error::state(
            path,
            format!(
                "written by a newer version (schema {v}, this one knows {SCHEMA_VERSION}); upgrade lightspeed-sync"
            ),
            None,
        ));
    }
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS items (key TEXT PRIMARY KEY, state TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS progress (
             plan TEXT NOT NULL, key TEXT NOT NULL, mark TEXT NOT NULL,
             PRIMARY KEY (plan, key));
         CREATE TABLE IF NOT EXISTS intents (
             seq INTEGER PRIMARY KEY AUTOINCREMENT,
             key TEXT NOT NULL, op TEXT NOT NULL, intent TEXT NOT NULL,
             UNIQUE (key, op));
         CREATE TABLE IF NOT EXISTS leases (
             name TEXT PRIMARY KEY, holder TEXT NOT NULL, until_ms INTEGER NOT NULL);",
    )
    .map_err(|e| fail("cannot create its tables", e))?;
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?1), ('application', ?2)",
        params![SCHEMA_VERSION.to_string(), APPLICATION],
    )
    .map_err(|e| fail("cannot write its version", e))?;
    tx.commit().map_err(|e| fail("cannot write its tables", e))
}

#[async_trait]
impl StateStore for SqliteStateStore {
    async fn items(&self) -> Result<BTreeMap<String, ItemState>> {
        let conn = self.conn();
        let rows: Vec<(String, String)> = conn
            .prepare_cached("SELECT key, state FROM items")
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()
            })
            .map_err(|e| self.err("cannot read items", e))?;
        rows.into_iter()
            .map(|(key, state)| {
                let state = self.decode(&format!("item {key:?}"), &state)?;
                Ok((key, state))
            })
            .collect()
    }

    async fn item(&self, key: &str) -> Result<Option<ItemState>> {
        let text: Option<String> = self
            .conn()
            .query_row(
                "SELECT state FROM items WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err("cannot read an item", e))?;
        text.map(|t| self.decode(&format!("item {key:?}"), &t))
            .transpose()
    }

    async fn put_item(&self, key: &str, state: &ItemState) -> Result<()> {
        let text = serde_json::to_string(state).map_err(|e| {
            Error::state(
                self.path.display().to_string(),
                "cannot encode an item",
                Some(Box::new(e)),
            )
        })?;
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO items (key, state) VALUES (?1, ?2)",
                params![key, text],
            )
            .map_err(|e| self.err("cannot write an item", e))?;
        Ok(())
    }

    async fn remove_item(&self, key: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM items WHERE key = ?1", params![key])
            .map_err(|e| self.err("cannot remove an item", e))?;
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
            .map_err(|e| self.err("cannot read a cursor", e))
    }

    async fn set_cursor(&self, name: &str, value: &str) -> Result<()> {
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO cursors (name, value) VALUES (?1, ?2)",
                params![name, value],
            )
            .map_err(|e| self.err("cannot write a cursor", e))?;
        Ok(())
    }

    async fn progress(&self, plan: &str) -> Result<BTreeMap<String, ProgressMark>> {
        let rows: Vec<(String, String)> = self
            .conn()
            .prepare_cached("SELECT key, mark FROM progress WHERE plan = ?1")
            .and_then(|mut s| {
                s.query_map(params![plan], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()
            })
            .map_err(|e| self.err("cannot read progress", e))?;
        rows.into_iter()
            .map(|(key, mark)| {
                let mark = self.decode(&format!("the progress mark of {key:?}"), &mark)?;
                Ok((key, mark))
            })
            .collect()
    }

    async fn set_progress(&self, plan: &str, key: &str, mark: &ProgressMark) -> Result<()> {
        let text = serde_json::to_string(mark).unwrap_or_default();
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO progress (plan, key, mark) VALUES (?1, ?2, ?3)",
                params![plan, key, text],
            )
            .map_err(|e| self.err("cannot write progress", e))?;
        Ok(())
    }

    async fn clear_progress(&self, plan: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM progress WHERE plan = ?1", params![plan])
            .map_err(|e| self.err("cannot clear progress", e))?;
        Ok(())
    }

    async fn open_intent(&self, intent: &Intent) -> Result<()> {
        let text = serde_json::to_string(intent).unwrap_or_default();
        // A new row (a new `seq`) even when one was open: the order is the order of writes.
        let conn = self.conn();
        conn.execute(
            "DELETE FROM intents WHERE key = ?1 AND op = ?2",
            params![intent.key, intent.op],
        )
        .and_then(|_| {
            conn.execute(
                "INSERT INTO intents (key, op, intent) VALUES (?1, ?2, ?3)",
                params![intent.key, intent.op, text],
            )
        })
        .map_err(|e| self.err("cannot record an intent", e))?;
        Ok(())
    }

    async fn intents(&self) -> Result<Vec<Intent>> {
        let rows: Vec<String> = self
            .conn()
            .prepare_cached("SELECT intent FROM intents ORDER BY seq")
            .and_then(|mut s| {
                s.query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()
            })
            .map_err(|e| self.err("cannot read intents", e))?;
        rows.iter()
            .map(|text| self.decode("an intent", text))
            .collect()
    }

    async fn close_intent(&self, key: &str, op: &str) -> Result<()> {
        self.conn()
            .execute(
                "DELETE FROM intents WHERE key = ?1 AND op = ?2",
                params![key, op],
            )
            .map_err(|e| self.err("cannot close an intent", e))?;
        Ok(())
    }

    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Lease> {
        let mut conn = self.conn();
        // One immediate transaction: the write lock is taken first, so two processes cannot
        // both see the lease free.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.err("cannot take a lease", e))?;
        tx.execute(
            "INSERT INTO leases (name, holder, until_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms
             WHERE leases.holder = excluded.holder OR leases.until_ms <= ?4",
            params![
                name,
                holder,
                until.timestamp_millis(),
                now.timestamp_millis()
            ],
        )
        .map_err(|e| self.err("cannot take a lease", e))?;
        let (holder, until_ms): (String, i64) = tx
            .query_row(
                "SELECT holder, until_ms FROM leases WHERE name = ?1",
                params![name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.err("cannot read a lease", e))?;
        tx.commit()
            .map_err(|e| self.err("cannot take a lease", e))?;
        Ok(Lease {
            name: name.into(),
            holder,
            until: DateTime::from_timestamp_millis(until_ms).unwrap_or_default(),
        })
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        self.conn()
            .execute(
                "DELETE FROM leases WHERE name = ?1 AND holder = ?2",
                params![name, holder],
            )
            .map_err(|e| self.err("cannot give a lease back", e))?;
        Ok(())
    }

    async fn lease(&self, name: &str) -> Result<Option<Lease>> {
        let row: Option<(String, i64)> = self
            .conn()
            .query_row(
                "SELECT holder, until_ms FROM leases WHERE name = ?1",
                params![name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err("cannot read a lease", e))?;
        Ok(row.map(|(holder, until_ms)| Lease {
            name: name.into(),
            holder,
            until: DateTime::from_timestamp_millis(until_ms).unwrap_or_default(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::conformance;

    fn scratch(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("ls-sync-{name}-{}", std::process::id()))
    }

    #[tokio::test]
    async fn the_sqlite_store_conforms_and_survives_a_reopen() {
        conformance::check(&SqliteStateStore::in_memory().unwrap()).await;
        let dir = scratch("state");
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
        assert_eq!(
            again.intents().await.unwrap().len(),
            1,
            "an open intent survives"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn processes_opening_a_new_file_at_once_all_find_a_store() {
        // Two daemons (or a daemon and `lightspeed pause`) starting on a new state file: none
        // may see another's half-made tables and refuse the file. Each round starts its
        // openers together on a fresh file.
        let dir = scratch("openers");
        for round in 0..20 {
            let path = dir.join(format!("state-{round}.db"));
            let start = std::sync::Arc::new(std::sync::Barrier::new(6));
            let openers: Vec<_> = (0..6)
                .map(|_| {
                    let (path, start) = (path.clone(), start.clone());
                    std::thread::spawn(move || {
                        start.wait();
                        SqliteStateStore::open(&path).map(|_| ())
                    })
                })
                .collect();
            for opener in openers {
                let opened = opener.join().unwrap();
                assert!(opened.is_ok(), "round {round}: {opened:?}");
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn two_stores_on_one_file_never_both_hold_a_lease() {
        let dir = scratch("lease");
        let path = dir.join("state.db");
        let now = Utc::now();
        let until = now + chrono::Duration::seconds(60);
        let holders: Vec<_> = (0..8)
            .map(|n| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let store = SqliteStateStore::open(&path).unwrap();
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .build()
                        .unwrap();
                    let holder = format!("daemon-{n}");
                    let lease = runtime
                        .block_on(store.acquire_lease("job:catalog", &holder, now, until))
                        .unwrap();
                    (lease.holder == holder, lease.holder)
                })
            })
            .collect();
        let results: Vec<(bool, String)> = holders.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(
            results.iter().filter(|(won, _)| *won).count(),
            1,
            "{results:?}"
        );
        let winner = &results.iter().find(|(won, _)| *won).unwrap().1;
        assert!(
            results.iter().all(|(_, holder)| holder == winner),
            "{results:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_newer_schema_is_refused() {
        let dir = scratch("schema");
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
        assert!(err.to_string().contains("state.db"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_store_of_version_1_gains_the_ledger() {
        let dir = scratch("v1");
        let path = dir.join("state.db");
        std::fs::create_dir_all(&dir).unwrap();
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             INSERT INTO meta VALUES ('schema_version', '1');
             CREATE TABLE items (key TEXT PRIMARY KEY, state TEXT NOT NULL);
             INSERT INTO items VALUES ('A', '{\"actual\": {\"id\": \"7\"}, \"fingerprint\": \"f\"}');
             CREATE TABLE cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE progress (plan TEXT NOT NULL, key TEXT NOT NULL, mark TEXT NOT NULL, PRIMARY KEY (plan, key));",
        )
        .unwrap();
        drop(conn);
        let store = SqliteStateStore::open(&path).unwrap();
        assert_eq!(store.item("A").await.unwrap().unwrap().actual.id, "7");
        assert!(store.intents().await.unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_foreign_or_corrupt_file_is_refused_with_its_path() {
        let dir = scratch("foreign");
        std::fs::create_dir_all(&dir).unwrap();
        let garbage = dir.join("garbage.db");
        std::fs::write(
            &garbage,
            b"this is not a database, it is a shopping list\n".repeat(100),
        )
        .unwrap();
        let err = SqliteStateStore::open(&garbage).unwrap_err();
        assert!(err.to_string().contains("garbage.db"), "{err}");
        assert!(err.to_string().contains("not a SQLite database"), "{err}");

        let other = dir.join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE customers (id INTEGER); CREATE TABLE orders (id INTEGER);")
            .unwrap();
        let err = SqliteStateStore::open(&other).unwrap_err();
        assert!(err.to_string().contains("other.db"), "{err}");
        assert!(
            err.to_string()
                .contains("not a lightspeed-sync state store"),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
