//! Partial syncs (`SyncOptions::only`) and stopping an apply (`StopSignal`), on the memory
//! target.

use std::collections::BTreeSet;
use std::sync::Arc;

use lightspeed_sync::catalog::executor::NOT_STARTED;
use lightspeed_sync::catalog::plan::Action;
use lightspeed_sync::{
    CatalogSync, MemorySource, MemoryStateStore, MemoryTarget, Outcome, StateStore, StopSignal,
    SyncOptions,
};
use serde_json::{Value, json};

use crate::support::{mapping, options, simple};

fn target() -> MemoryTarget {
    MemoryTarget::with_schema(lightspeed_ecom::schema::ProductSchema)
}

fn title_of(target: &MemoryTarget, id: &str) -> Value {
    target
        .items()
        .into_iter()
        .find(|i| i.id == id)
        .and_then(|i| i.fields.get("title").cloned())
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_partial_sync_writes_only_the_listed_keys_and_sets_a_shop_edit_right() {
    let (target, state) = (target(), MemoryStateStore::new());
    let mapping = mapping();
    let source = MemorySource::new("pim", simple(3));
    let sync = CatalogSync::new(&source, &mapping, &target, &state)
        .unwrap()
        .with_options(options());
    let (_, first) = sync.run().await.unwrap();
    assert_eq!(first.count(Outcome::Created), 3);
    let a = state.item("P-000").await.unwrap().unwrap().actual.id;
    let b = state.item("P-001").await.unwrap().unwrap().actual.id;

    // The shop edits P-000; the PIM renames P-001 and drops P-002, but only P-000 is listed.
    target.tamper(&a, "title", json!("Edited in the shop"));
    let mut records = simple(2);
    records[1]["name"] = json!("Renamed in the PIM");
    let source = MemorySource::new("pim", records);
    let only = SyncOptions {
        only: Some(BTreeSet::from(["P-000".to_string()])),
        ..options()
    };
    let sync = CatalogSync::new(&source, &mapping, &target, &state)
        .unwrap()
        .with_options(only);
    let (plan, report) = sync.run().await.unwrap();

    let steps: Vec<(&str, Action)> = plan
        .steps
        .iter()
        .map(|s| (s.key.as_str(), s.action))
        .collect();
    assert_eq!(steps, [("P-000", Action::Update)], "{}", plan.render());
    assert!(!plan.full_reconcile, "a partial read is not a reconcile");
    assert_eq!(report.count(Outcome::Updated), 1);
    assert_eq!(
        title_of(&target, &a),
        json!("Product 0"),
        "the shop's edit is set right"
    );
    assert_eq!(
        title_of(&target, &b),
        json!("Product 1"),
        "an unlisted key is left alone"
    );
    assert_eq!(
        target.items().len(),
        3,
        "nothing archived by a partial sync"
    );
    assert!(target.items().iter().all(|i| !i.archived));
}

#[tokio::test]
async fn a_partial_sync_finds_an_item_by_a_variant_sku_and_creates_an_unknown_one() {
    let (target, state) = (target(), MemoryStateStore::new());
    let mapping = mapping();
    let records = vec![
        json!({"sku": "TS-S", "parent": "TS", "name": "Tee", "size": "S", "price": "10"}),
        json!({"sku": "TS-M", "parent": "TS", "name": "Tee", "size": "M", "price": "10"}),
        json!({"sku": "LW-1", "name": "Wallet", "price": "20"}),
    ];
    let source = MemorySource::new("pim", records);
    let sync = CatalogSync::new(&source, &mapping, &target, &state)
        .unwrap()
        .with_options(SyncOptions {
            only: Some(BTreeSet::from(["TS-M".to_string()])),
            ..options()
        });
    let (plan, report) = sync.run().await.unwrap();
    assert_eq!(plan.steps.len(), 1, "{}", plan.render());
    assert_eq!(
        (plan.steps[0].key.as_str(), plan.steps[0].action),
        ("TS", Action::Create)
    );
    assert_eq!(report.count(Outcome::Created), 1);
    assert_eq!(target.items().len(), 1);
}

#[tokio::test]
async fn a_partial_sync_names_a_key_the_source_does_not_have() {
    let (target, state) = (target(), MemoryStateStore::new());
    let mapping = mapping();
    let source = MemorySource::new("pim", simple(2));
    let sync = CatalogSync::new(&source, &mapping, &target, &state)
        .unwrap()
        .with_options(SyncOptions {
            only: Some(BTreeSet::from(["P-001".to_string(), "P-0O1".to_string()])),
            ..options()
        });
    let (plan, report) = sync.run().await.unwrap();
    let steps: Vec<(&str, Action)> = plan
        .steps
        .iter()
        .map(|s| (s.key.as_str(), s.action))
        .collect();
    assert_eq!(
        steps,
        [("P-001", Action::Create), ("P-0O1", Action::Skip)],
        "{}",
        plan.render()
    );
    let skipped = &plan.steps[1];
    assert!(
        skipped
            .reason
            .as_deref()
            .is_some_and(|r| r.starts_with("not in the source")),
        "{skipped:?}"
    );
    assert_eq!(report.count(Outcome::Created), 1);
    assert_eq!(report.count(Outcome::Skipped), 1);
    assert_eq!(target.items().len(), 1, "only the listed key that exists");
}

#[tokio::test]
async fn a_stopped_apply_finishes_the_item_in_flight_and_leaves_the_rest_pending() {
    let (target, state) = (target(), MemoryStateStore::new());
    let mapping = mapping();
    let source = MemorySource::new("pim", simple(3));
    let sync = CatalogSync::new(&source, &mapping, &target, &state)
        .unwrap()
        .with_options(options());
    sync.run().await.unwrap();

    // Every item changes; the signal is given when the first write is done.
    let mut records = simple(3);
    for r in &mut records {
        r["name"] = json!(format!("{} (new)", r["name"].as_str().unwrap()));
    }
    let source = MemorySource::new("pim", records);
    let stop = StopSignal::new();
    let giver = stop.clone();
    let stopping = SyncOptions {
        concurrency: 1,
        stop: Some(stop.clone()),
        progress: Some(Arc::new(move |p| {
            if p.done == 1 {
                giver.stop();
            }
        })),
        ..options()
    };
    let sync = CatalogSync::new(&source, &mapping, &target, &state)
        .unwrap()
        .with_options(stopping);
    let writes = target.writes();
    let (_, report) = sync.run().await.unwrap();
    assert!(stop.is_stopped());
    assert_eq!(report.count(Outcome::Updated), 1, "{}", report.render());
    assert_eq!(report.count(Outcome::Pending), 2);
    assert!(
        report
            .problems()
            .all(|p| p.message.as_deref() == Some(NOT_STARTED))
    );
    assert_eq!(
        target.writes() - writes,
        1,
        "nothing started after the signal"
    );

    // The next run does the rest.
    let sync = CatalogSync::new(&source, &mapping, &target, &state)
        .unwrap()
        .with_options(options());
    let (_, rest) = sync.run().await.unwrap();
    assert_eq!(rest.count(Outcome::Updated), 2, "{}", rest.render());
    assert_eq!(rest.count(Outcome::Unchanged), 1);
}
