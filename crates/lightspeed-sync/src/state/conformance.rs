//! The conformance suite every [`StateStore`] passes (run it on an empty store).

use super::{Intent, ItemState, ProgressMark, StateStore};
use crate::catalog::item::ActualItem;

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

fn intent(key: &str, op: &str, at: &str) -> Intent {
    Intent {
        key: key.into(),
        op: op.into(),
        marker: format!("lsync:{key}"),
        at: at.into(),
        after: Some("100".into()),
    }
}

/// Runs the suite against an empty store; panics with what failed. It leaves one item
/// (`A`), the cursor `last_run` = `y` and one open intent (`C`, `create`) behind, so that a
/// store that persists can be reopened and checked.
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

    // The ledger: intents come back oldest first, reopening one moves it to the end, closing
    // is per key and operation, and closing what is not open does nothing.
    assert!(store.intents().await.unwrap().is_empty());
    store
        .open_intent(&intent("A", "create", "t1"))
        .await
        .unwrap();
    store
        .open_intent(&intent("B", "create", "t2"))
        .await
        .unwrap();
    store.open_intent(&intent("A", "sale", "t3")).await.unwrap();
    store
        .open_intent(&intent("A", "create", "t4"))
        .await
        .unwrap();
    let open = store.intents().await.unwrap();
    assert_eq!(
        open.iter()
            .map(|i| (i.key.as_str(), i.op.as_str(), i.at.as_str()))
            .collect::<Vec<_>>(),
        [
            ("B", "create", "t2"),
            ("A", "sale", "t3"),
            ("A", "create", "t4")
        ]
    );
    assert_eq!(open[2], intent("A", "create", "t4"));
    store.close_intent("A", "create").await.unwrap();
    store.close_intent("A", "create").await.unwrap();
    store.close_intent("B", "create").await.unwrap();
    store.close_intent("A", "sale").await.unwrap();
    assert!(store.intents().await.unwrap().is_empty());

    // Leases: taken when free or run out, renewed by the holder, refused to others while
    // held, given back only by the holder.
    let t = |secs: i64| chrono::DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap();
    assert_eq!(store.lease("job:a").await.unwrap(), None);
    let taken = store
        .acquire_lease("job:a", "d1", t(0), t(60))
        .await
        .unwrap();
    assert_eq!((taken.holder.as_str(), taken.until), ("d1", t(60)));
    assert_eq!(taken.name, "job:a");
    let refused = store
        .acquire_lease("job:a", "d2", t(10), t(70))
        .await
        .unwrap();
    assert_eq!((refused.holder.as_str(), refused.until), ("d1", t(60)));
    let other = store
        .acquire_lease("job:b", "d2", t(10), t(70))
        .await
        .unwrap();
    assert_eq!(other.holder, "d2", "leases are per name");
    let renewed = store
        .acquire_lease("job:a", "d1", t(30), t(90))
        .await
        .unwrap();
    assert_eq!((renewed.holder.as_str(), renewed.until), ("d1", t(90)));
    assert!(renewed.is_held_at(t(89)) && !renewed.is_held_at(t(90)));
    let expired = store
        .acquire_lease("job:a", "d2", t(90), t(150))
        .await
        .unwrap();
    assert_eq!((expired.holder.as_str(), expired.until), ("d2", t(150)));
    store.release_lease("job:a", "d1").await.unwrap();
    assert_eq!(
        store.lease("job:a").await.unwrap().map(|l| l.holder),
        Some("d2".into()),
        "only the holder gives a lease back"
    );
    store.release_lease("job:a", "d2").await.unwrap();
    store.release_lease("job:b", "d2").await.unwrap();
    assert_eq!(store.lease("job:a").await.unwrap(), None);
    assert_eq!(store.lease("job:b").await.unwrap(), None);

    store
        .open_intent(&intent("C", "create", "t5"))
        .await
        .unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::MemoryStateStore;

    #[tokio::test]
    async fn the_memory_store_conforms() {
        check(&MemoryStateStore::new()).await;
    }
}
