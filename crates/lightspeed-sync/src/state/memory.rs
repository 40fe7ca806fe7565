//! A state store in memory (tests; everything is lost with the process).

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Intent, ItemState, Lease, ProgressMark, StateStore};
use crate::error::Result;

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
    /// Open intents in the order they were recorded.
    intents: Vec<Intent>,
    leases: BTreeMap<String, Lease>,
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
    async fn open_intent(&self, intent: &Intent) -> Result<()> {
        let mut inner = self.lock();
        inner
            .intents
            .retain(|i| !(i.key == intent.key && i.op == intent.op));
        inner.intents.push(intent.clone());
        Ok(())
    }
    async fn intents(&self) -> Result<Vec<Intent>> {
        Ok(self.lock().intents.clone())
    }
    async fn close_intent(&self, key: &str, op: &str) -> Result<()> {
        self.lock()
            .intents
            .retain(|i| !(i.key == key && i.op == op));
        Ok(())
    }
    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Lease> {
        let mut inner = self.lock();
        let current = inner.leases.get(name);
        if current.is_none_or(|l| l.holder == holder || !l.is_held_at(now)) {
            inner.leases.insert(
                name.into(),
                Lease {
                    name: name.into(),
                    holder: holder.into(),
                    until,
                },
            );
        }
        Ok(inner.leases[name].clone())
    }
    async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        let mut inner = self.lock();
        if inner.leases.get(name).is_some_and(|l| l.holder == holder) {
            inner.leases.remove(name);
        }
        Ok(())
    }
    async fn lease(&self, name: &str) -> Result<Option<Lease>> {
        Ok(self.lock().leases.get(name).cloned())
    }
}
