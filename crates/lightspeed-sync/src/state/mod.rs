//! What the sync remembers between runs: the [`StateStore`] trait, SQLite (the embedded
//! default) and memory, and the conformance suite every store passes (feature `testing`).
//!
//! Per item key it keeps the target's id and what the target has as far as the sync knows
//! (ids of variants, images and links, the fields last written, `updatedAt`), and the
//! fingerprint of the desired item last applied completely. It also keeps named cursors (the
//! last full reconcile, the last run, fulfillment marks), the progress of a plan being applied,
//! and the **write-ahead ledger**: an [`Intent`] is recorded, durably, before every write that
//! creates something the sync could not find again without it (a product, a sale), and closed
//! once the result is recorded. An intent still open at the next run means the answer was lost
//! (a crash, a dropped connection, a cancelled future): the run looks the record up by the
//! intent's marker before anything is sent again.
//!
//! It also holds **leases**: a named lease ([`Lease`]) is held by one holder until a time, so
//! that two processes sharing a store (two daemons scheduling the same job) do not run the same
//! thing at once. A lease is taken when it is free or has run out, renewed by its holder, and
//! given back when the work is done; a holder that dies leaves it to run out.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::item::ActualItem;
use crate::error::Result;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod conformance;
mod memory;
mod sqlite;

pub use memory::MemoryStateStore;
pub use sqlite::{DEFAULT_PATH, SCHEMA_VERSION, SqliteStateStore};

/// What the sync knows of one item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemState {
    /// The item in the target, as last read or written.
    pub actual: ActualItem,
    /// The fingerprint of the desired item last applied completely; `None` while an apply is
    /// incomplete (a part failed, or the run stopped in the middle).
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

/// A write about to be made whose answer must not be lost: recorded before the write, closed
/// once its result is recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    /// The item's key (`LW-001`), or the request's (`fulfillment:FR-1`).
    pub key: String,
    /// What the write does (`create`, `sale`).
    pub op: String,
    /// What the target keeps with the record the write creates, by which it is found again:
    /// unique per key and shop (eCom: `lsync:<key>` in the product's marker field; X-Series:
    /// the request number as the sale's `source_id`).
    pub marker: String,
    /// When the intent was recorded (RFC 3339, UTC).
    pub at: String,
    /// A position in the target's order of creation at that time, if the target gave one
    /// (eCom: the highest product id it had seen), so that a lookup lists only what came
    /// after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// A named lease and who holds it (see [`StateStore::acquire_lease`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The lease's name (`job:catalog`).
    pub name: String,
    /// Who holds it: any text that tells holders apart (a daemon's host, process and start).
    pub holder: String,
    /// When it runs out unless its holder renews it.
    pub until: DateTime<Utc>,
}

impl Lease {
    /// Whether the lease is still held at `now`.
    pub fn is_held_at(&self, now: DateTime<Utc>) -> bool {
        now < self.until
    }
}

/// The sync's memory. Implementations must make each call durable before answering: the
/// ledger's promise (nothing sent twice) rests on an intent being on disk before its write
/// goes out.
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
    /// Records an intent (replacing an open one for the same key and operation), durably,
    /// before its write is sent.
    async fn open_intent(&self, intent: &Intent) -> Result<()>;
    /// The open intents, oldest first.
    async fn intents(&self) -> Result<Vec<Intent>>;
    /// Closes the intent of `key` for `op` (its result is recorded, or it is known that the
    /// write never landed). Closing one that is not open does nothing.
    async fn close_intent(&self, key: &str, op: &str) -> Result<()>;
    /// Takes the lease `name` for `holder` until `until`, if at `now` it is free, has run out,
    /// or is `holder`'s already (a renewal), in one atomic step. Answers the lease as it
    /// stands after the call: `holder`'s when it was taken, another holder's when not.
    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Lease>;
    /// Gives the lease `name` back, if `holder` holds it (otherwise does nothing).
    async fn release_lease(&self, name: &str, holder: &str) -> Result<()>;
    /// The lease `name` as recorded (one that has run out included: see
    /// [`Lease::is_held_at`]), or `None` when nobody took it or it was given back.
    async fn lease(&self, name: &str) -> Result<Option<Lease>>;
}
