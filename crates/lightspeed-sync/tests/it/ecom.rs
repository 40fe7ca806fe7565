//! End to end against the emulator through the eCom target.

use lightspeed_emulator::{Faults, WriteFault};
use lightspeed_mapping::{Mapping, Options};
use lightspeed_sync::{CatalogTarget, MemoryStateStore, Outcome, Reconcile, StateStore};
use serde_json::json;

use crate::support::{
    MAPPING, counts, emulator, options, pass, pass_with, scope, shop, simple, target,
};

fn catalog() -> Vec<serde_json::Value> {
    let mut records = vec![
        json!({"sku": "LW-001", "name": "Luxe leren portemonnee", "name_en": "Luxury Leather Wallet",
               "brand": "Maison Cuir", "category": "Accessoires > Portemonnees", "price": "89,95",
               "stock": "24", "image": "https://img.example/luxury-leather-wallet.jpg"}),
        json!({"sku": "LWATCH-01", "name": "Luxe horloge", "name_en": "Luxury Watch", "price": "1.299,00", "stock": "3"}),
    ];
    for size in ["S", "M", "L"] {
        records.push(json!({"sku": format!("TS-{size}"), "parent": "TS-ORG", "name": "Biologisch katoenen T-shirt",
            "name_en": "Organic Cotton T-shirt", "size": size, "price": "24,95", "stock": "10",
            "category": "Heren > T-shirts"}));
    }
    records
}

#[tokio::test]
async fn initial_incremental_and_idle_passes() {
    let emu = emulator().await;
    let target = target(&emu);
    let state = MemoryStateStore::new();
    let first = pass(catalog(), &target, &state, options()).await;
    assert_eq!(counts(&first), (3, 0, 0, 0, 0), "{}", first.render());
    let products = shop(&target).await;
    assert_eq!(products.len(), 3);
    assert!(products.contains(&(
        "Biologisch katoenen T-shirt".into(),
        vec!["TS-L".into(), "TS-M".into(), "TS-S".into()]
    )));
    let en = target
        .fetch(
            &state.item("LW-001").await.unwrap().unwrap().actual.id,
            &scope(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        en.texts["en"].get("title"),
        Some(&json!("Luxury Leather Wallet"))
    );
    assert_eq!(en.images.len(), 1);
    assert_eq!(en.refs["categories"].len(), 1);

    let mut changed = catalog();
    changed[0]["price"] = json!("79,95");
    changed[3]["stock"] = json!("0");
    let before = emu.stats();
    let second = pass(changed.clone(), &target, &state, options()).await;
    assert_eq!(counts(&second), (0, 2, 1, 0, 0), "{}", second.render());
    assert_eq!(
        emu.stats().writes - before.writes,
        2,
        "one write per changed resource"
    );

    let before = emu.stats();
    let third = pass(changed, &target, &state, options()).await;
    assert_eq!(counts(&third), (0, 0, 3, 0, 0));
    assert_eq!(
        emu.stats().writes,
        before.writes,
        "an idle pass writes nothing"
    );
    assert_eq!(emu.stats().requests, before.requests, "and reads nothing");
    // The target read the key's budget once, before its first other request.
    assert_eq!(emu.stats().route("GET /{lang}/account/ratelimit.json"), 1);
}

#[tokio::test]
async fn a_new_simple_product_takes_two_writes_and_a_change_one() {
    let emu = emulator().await;
    let target = target(&emu);
    let state = MemoryStateStore::new();
    let before = emu.stats();
    let report = pass(simple(50), &target, &state, options()).await;
    assert_eq!(report.count(Outcome::Created), 50);
    let stats = emu.stats();
    assert_eq!(
        stats.writes - before.writes,
        100,
        "the product, then its default variant"
    );
    assert!(
        stats.requests - before.requests <= 100 + 6,
        "{} requests",
        stats.requests - before.requests
    );
    let mut changed = simple(50);
    for r in changed.iter_mut().take(10) {
        r["price"] = json!("1,00");
    }
    let before = emu.stats();
    pass(changed, &target, &state, options()).await;
    assert_eq!(emu.stats().writes - before.writes, 10);
}

#[tokio::test]
async fn drift_is_repaired_by_a_full_reconcile() {
    let emu = emulator().await;
    let target = target(&emu);
    let state = MemoryStateStore::new();
    pass(catalog(), &target, &state, options()).await;
    let id = state.item("LWATCH-01").await.unwrap().unwrap().actual.id;
    // Someone edits the title in the back office.
    let http = reqwest::Client::new();
    let r = http
        .put(format!("{}/nl/products/{id}.json", emu.ecom_url()))
        .basic_auth(emu.ecom_key(), Some(emu.ecom_secret()))
        .body(r#"{"product": {"title": "Edited by hand"}}"#)
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    // Trusting the state sees nothing...
    let trusted = pass(catalog(), &target, &state, options()).await;
    assert_eq!(trusted.count(Outcome::Updated), 0);
    // ...a reconcile reads the shop and puts the title back.
    let mut reconcile = options();
    reconcile.reconcile = Reconcile::Always;
    let repaired = pass(catalog(), &target, &state, reconcile).await;
    assert_eq!(repaired.count(Outcome::Updated), 1, "{}", repaired.render());
    let now = target.fetch(&id, &scope()).await.unwrap().unwrap();
    assert_eq!(now.fields.get("title"), Some(&json!("Luxe horloge")));
}

#[tokio::test]
async fn an_item_changed_behind_the_sync_is_re_read_before_its_update() {
    let emu = emulator().await;
    let target = target(&emu);
    let state = MemoryStateStore::new();
    pass(catalog(), &target, &state, options()).await;
    let id = state.item("LWATCH-01").await.unwrap().unwrap().actual.id;
    let http = reqwest::Client::new();
    http.put(format!("{}/nl/products/{id}.json", emu.ecom_url()))
        .basic_auth(emu.ecom_key(), Some(emu.ecom_secret()))
        .body(r#"{"product": {"title": "Luxe horloge"}}"#)
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    // The hand edit set the same title; the sync's change (the price) still lands, on a
    // fresh read rather than on the state's copy.
    let mut changed = catalog();
    changed[1]["price"] = json!("1.199,00");
    let report = pass(changed, &target, &state, options()).await;
    assert_eq!(report.count(Outcome::Updated), 1, "{}", report.render());
}

#[tokio::test]
async fn the_archive_guard_holds_and_returning_items_are_unarchived() {
    let emu = emulator().await;
    let target = target(&emu);
    let state = MemoryStateStore::new();
    pass(simple(10), &target, &state, options()).await;
    // 30% gone: nothing archived, the steps say why.
    let report = pass(simple(7), &target, &state, options()).await;
    assert_eq!(report.count(Outcome::Archived), 0);
    assert_eq!(report.count(Outcome::Skipped), 3);
    assert!(report.render().contains("more than the 20% allowed"));
    // 10% gone: archived (hidden, kept).
    let report = pass(simple(9), &target, &state, options()).await;
    assert_eq!(report.count(Outcome::Archived), 1, "{}", report.render());
    let gone = state.item("P-009").await.unwrap().unwrap();
    assert!(gone.actual.archived);
    let hidden = target
        .fetch(&gone.actual.id, &scope())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hidden.fields.get("visibility"), Some(&json!("hidden")));
    // It comes back.
    let report = pass(simple(10), &target, &state, options()).await;
    assert_eq!(report.count(Outcome::Unarchived), 1, "{}", report.render());
    let shown = target
        .fetch(&gone.actual.id, &scope())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shown.fields.get("visibility"), Some(&json!("visible")));
}

#[tokio::test]
async fn a_crash_after_a_write_resumes_without_duplicates() {
    let emu = emulator().await;
    let target = target(&emu);
    let state = MemoryStateStore::new();
    // The 7th write lands but its answer is lost (a crash between the POST and its checkpoint).
    emu.set_faults(Faults {
        fail_write: Some(WriteFault {
            nth: 7,
            after_apply: true,
        }),
        ..Faults::default()
    });
    let first = pass(catalog(), &target, &state, options()).await;
    assert!(first.count(Outcome::Pending) >= 1, "{}", first.render());
    emu.set_faults(Faults::default());
    let second = pass(catalog(), &target, &state, options()).await;
    assert_eq!(second.count(Outcome::Pending), 0, "{}", second.render());
    let products = shop(&target).await;
    assert_eq!(products.len(), 3, "no duplicate products: {products:?}");
    let skus: Vec<String> = products.iter().flat_map(|p| p.1.clone()).collect();
    assert_eq!(skus.len(), 5, "no duplicate variants: {skus:?}");
    let third = pass(catalog(), &target, &state, options()).await;
    assert_eq!(third.count(Outcome::Unchanged), 3, "{}", third.render());
}

#[tokio::test]
async fn faults_never_lose_or_duplicate_anything() {
    let emu = emulator().await;
    let target = target(&emu);
    let state = MemoryStateStore::new();
    emu.set_faults(Faults {
        latency: 0.0,
        ..Faults::rate(0.25)
    });
    let records = simple(30);
    let mut runs = 0;
    loop {
        runs += 1;
        let report = pass(records.clone(), &target, &state, options()).await;
        if report.count(Outcome::Pending) == 0 && report.count(Outcome::Failed) == 0 {
            break;
        }
        assert!(runs < 10, "no convergence: {}", report.render());
    }
    emu.set_faults(Faults::default());
    let products = shop(&target).await;
    assert_eq!(products.len(), 30, "{products:?}");
    assert!(
        products
            .iter()
            .all(|(_, skus)| skus.len() == 1 && !skus[0].is_empty()),
        "{products:?}"
    );
    assert!(emu.stats().faults > 0);
    let idle = pass(records, &target, &state, options()).await;
    assert_eq!(idle.count(Outcome::Unchanged), 30, "{}", idle.render());
}

#[tokio::test]
async fn a_refused_item_fails_with_the_api_message_and_the_rest_goes_on() {
    let emu = emulator().await;
    let target = target(&emu);
    let state = MemoryStateStore::new();
    let mut records = simple(3);
    records.push(json!({"sku": "BAD", "name": "   ", "price": "1,00"}));
    let report = pass(records, &target, &state, options()).await;
    assert_eq!(report.count(Outcome::Created), 3);
    let failed: Vec<_> = report
        .items
        .iter()
        .filter(|i| i.outcome == Outcome::Failed)
        .collect();
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0]
            .message
            .as_deref()
            .unwrap()
            .contains("Invalid product title"),
        "{failed:?}"
    );
    assert_eq!(failed[0].origin, ["pim[3]"]);
}

#[tokio::test]
async fn an_item_too_large_for_the_api_fails_with_its_413_and_the_rest_goes_on() {
    // The emulator, like the servers in front of the real API, refuses a body over its limit
    // (a few MB) with 413 and a message. Sending it again cannot help: the item fails now, with
    // that message, instead of staying pending run after run.
    let emu = emulator().await;
    let target = target(&emu);
    let state = MemoryStateStore::new();
    let mapping = Mapping::from_json(
        &MAPPING.replace(
            r#"{"pim_attribute": "name", "lightspeed_field": "title"},"#,
            r#"{"pim_attribute": "name", "lightspeed_field": "title"},
               {"pim_attribute": "content", "lightspeed_field": "content"},"#,
        ),
        &Options::default(),
    )
    .unwrap();
    let mut records = simple(2);
    let content = "<p>A very long text.</p>".repeat(200_000); // 4.8 MB
    records.push(json!({"sku": "HUGE", "name": "Huge", "content": content, "price": "1,00"}));
    let report = pass_with(&mapping, records, &target, &state, options()).await;
    assert_eq!(report.count(Outcome::Created), 2, "{}", report.render());
    assert_eq!(report.count(Outcome::Pending), 0, "{}", report.render());
    let failed: Vec<_> = report
        .items
        .iter()
        .filter(|i| i.outcome == Outcome::Failed)
        .collect();
    assert_eq!(failed.len(), 1);
    let message = failed[0].message.as_deref().unwrap();
    assert!(message.contains("request too large (413)"), "{message}");
    assert!(message.contains("length limit exceeded"), "{message}");
    assert_eq!(failed[0].origin, ["pim[2]"]);
}

#[tokio::test]
async fn authentication_errors_stop_the_run() {
    let emu = emulator().await;
    let client = lightspeed_ecom::Client::builder(emu.ecom_key(), "wrong-secret")
        .base_url(emu.ecom_url())
        .language("nl")
        .build()
        .unwrap();
    let target = lightspeed_sync::EcomTarget::new(client);
    let mapping = crate::support::mapping();
    let source = lightspeed_sync::MemorySource::new("pim", simple(2));
    let state = MemoryStateStore::new();
    let sync = lightspeed_sync::CatalogSync::new(&source, &mapping, &target, &state)
        .unwrap()
        .with_options(options());
    let err = sync.run().await.unwrap_err();
    assert!(
        err.to_string().contains("401") || err.to_string().to_lowercase().contains("authentic"),
        "{err}"
    );
    assert_eq!(target.name(), "ecom");
}

#[tokio::test]
async fn a_cancelled_run_resumes_from_the_sqlite_store() {
    use lightspeed_sync::SqliteStateStore;
    use std::sync::{Arc, Mutex};
    let emu = emulator().await;
    let target = target(&emu);
    let dir = std::env::temp_dir().join(format!("ls-sync-cancel-{}", std::process::id()));
    let path = dir.join("state.db");
    let records = simple(20);
    {
        let state = SqliteStateStore::open(&path).unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let tx = Mutex::new(Some(tx));
        let mut cancelling = options();
        cancelling.concurrency = 1;
        cancelling.progress = Some(Arc::new(move |p| {
            if p.done >= 8
                && let Some(tx) = tx.lock().unwrap().take()
            {
                let _ = tx.send(());
            }
        }));
        let run = pass(records.clone(), &target, &state, cancelling);
        tokio::select! {
            _ = run => panic!("the run should have been cancelled"),
            _ = rx => {}
        }
        // The store is dropped here, as a killed process drops it.
    }
    let state = SqliteStateStore::open(&path).unwrap();
    let resumed = pass(records.clone(), &target, &state, options()).await;
    assert_eq!(
        resumed.count(Outcome::Pending) + resumed.count(Outcome::Failed),
        0,
        "{}",
        resumed.render()
    );
    let products = shop(&target).await;
    assert_eq!(
        products.len(),
        20,
        "no duplicates after the resume: {products:?}"
    );
    assert!(
        products
            .iter()
            .all(|(_, skus)| skus.len() == 1 && !skus[0].is_empty())
    );
    let idle = pass(records, &target, &state, options()).await;
    assert_eq!(idle.count(Outcome::Unchanged), 20, "{}", idle.render());
    drop(state);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_plan_applied_twice_creates_no_brand_or_category_twice() {
    // Found by driving the CLI: `apply plan.json` a second time sent the plan's brand and
    // category creates again (products were safe: their ledger found them). References carry
    // no marker, so the apply reads the target's current ones first and skips what exists.
    let emu = emulator().await;
    let target = target(&emu);
    let state = MemoryStateStore::new();
    let source = lightspeed_sync::MemorySource::new("pim", catalog());
    let mapping = crate::support::mapping();
    let sync = lightspeed_sync::CatalogSync::new(&source, &mapping, &target, &state)
        .unwrap()
        .with_options(options());
    let (plan, _) = sync.plan().await.unwrap();
    let first = sync.apply(&plan, plan.languages()).await.unwrap();
    let made = (first.count(Outcome::Created), first.references_created());
    assert_eq!(made, (3, 5), "{}", first.render());
    let counts_after_first = emu.counts()["ecom"].clone();
    let again = sync.apply(&plan, plan.languages()).await.unwrap();
    assert_eq!(
        emu.counts()["ecom"],
        counts_after_first,
        "{}",
        again.render()
    );
    let skipped: Vec<_> = again
        .items
        .iter()
        .filter(|i| i.key.starts_with("brand:") || i.key.starts_with("categories:"))
        .collect();
    assert_eq!(skipped.len(), 5, "{}", again.render());
    for item in skipped {
        assert_eq!(item.outcome, Outcome::Unchanged, "{}", again.render());
        assert!(
            item.message.as_deref().unwrap().contains("exists already"),
            "{item:?}"
        );
    }
    assert_eq!(shop(&target).await.len(), 3);
}
