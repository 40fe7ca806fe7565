//! The conformance suite every [`CatalogTarget`] passes: create (completed as the executor
//! completes creates: [`CatalogTarget::complete_creates`], then an update), read back, recover
//! by marker, find by SKU, update, references (one-of and lists, paths with parents), archive
//! and unarchive, delete. Run it on an empty target whose schema has the reference fields
//! `brand` (one title) and `categories` (paths), as eCom's and [`MemorySchema`] have.
//!
//! [`MemorySchema`]: super::target::MemorySchema

use std::collections::BTreeMap;

use serde_json::json;

use super::diff::{ItemDiff, Resolved};
use super::item::{ActualItem, DesiredImage, DesiredItem, DesiredVariant, LiteMap, Refs};
use super::target::{Applied, CatalogTarget, NoCheckpoint, Operation, ReadScope};
use crate::state::Intent;

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
        images: Some(vec![DesiredImage {
            src: "https://example.com/img/front.jpg".into(),
            title: None,
        }]),
        refs: BTreeMap::new(),
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

async fn apply(target: &dyn CatalogTarget, op: Operation, what: &str) -> Applied {
    target
        .apply(&op, &NoCheckpoint)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// Creates `desired` as the executor does: the create, the completion, then an update of
/// what the create left out.
async fn create(
    target: &dyn CatalogTarget,
    desired: &DesiredItem,
    resolved: &Resolved,
) -> ActualItem {
    let partial = applied_item(
        apply(
            target,
            Operation::Create {
                item: desired.clone(),
                resolved: resolved.clone(),
            },
            "create",
        )
        .await,
        "create",
    );
    assert!(!partial.id.is_empty(), "a create answers with the new id");
    let mut batch = vec![partial];
    target.complete_creates(&mut batch).await.unwrap();
    let partial = batch.remove(0);
    if ItemDiff::new(desired, Some(&partial), resolved).is_empty() {
        return partial;
    }
    applied_item(
        apply(
            target,
            Operation::Update {
                before: partial,
                item: desired.clone(),
                resolved: resolved.clone(),
            },
            "completing the create",
        )
        .await,
        "completing the create",
    )
}

/// Runs the suite; panics with what failed.
pub async fn check(target: &dyn CatalogTarget) {
    let scope = ReadScope {
        languages: vec![],
        references: vec!["categories".into()],
    };
    assert!(
        target.list(&scope).await.unwrap().is_empty(),
        "start from an empty target"
    );
    // References: one-of, and paths whose parent comes first.
    let Applied::Created(brand) = apply(
        target,
        Operation::CreateReference {
            field: "brand".into(),
            name: "Acme".into(),
            parent: None,
        },
        "create a brand",
    )
    .await
    else {
        panic!("a reference create answers with its id");
    };
    let Applied::Created(men) = apply(
        target,
        Operation::CreateReference {
            field: "categories".into(),
            name: "Men".into(),
            parent: None,
        },
        "create a category",
    )
    .await
    else {
        panic!("a reference create answers with its id");
    };
    let Applied::Created(shoes) = apply(
        target,
        Operation::CreateReference {
            field: "categories".into(),
            name: "Men > Shoes".into(),
            parent: Some(men.clone()),
        },
        "create a sub-category",
    )
    .await
    else {
        panic!("a reference create answers with its id");
    };
    let references = target
        .references(&["brand".into(), "categories".into()])
        .await
        .unwrap();
    assert_eq!(references.id("brand", "Acme"), Some(brand.as_str()));
    assert_eq!(references.id("categories", "Men"), Some(men.as_str()));
    assert_eq!(
        references.id("categories", "Men > Shoes"),
        Some(shoes.as_str())
    );

    let mut desired = item("CONF", "Conformance", 10.0);
    desired.refs = BTreeMap::from([
        ("brand".into(), Refs::One("Acme".into())),
        ("categories".into(), Refs::Paths(vec!["Men > Shoes".into()])),
    ]);
    let resolved = references.resolve(&desired);
    assert!(resolved.missing.is_empty());
    let created = create(target, &desired, &resolved).await;
    assert_eq!(created.variants.len(), 2);
    let read = target
        .fetch(&created.id, &scope)
        .await
        .unwrap()
        .expect("fetch after create");
    assert_eq!(read.fields.get("title"), Some(&json!("Conformance")));
    assert_eq!(
        read.marker.as_deref(),
        Some("CONF"),
        "the create's marker names its key"
    );
    assert!(
        ItemDiff::new(&desired, Some(&read), &resolved).is_empty(),
        "a created item reads back as desired: {:?}",
        ItemDiff::new(&desired, Some(&read), &resolved).changes()
    );

    // Recovery by marker: an intent for CONF finds it, one for a key never created does not.
    let intent = |key: &str| Intent {
        key: key.into(),
        op: "create".into(),
        marker: target.marker(key),
        at: "2000-01-01T00:00:00Z".into(),
        after: None,
    };
    let found = target
        .recover(&[intent("CONF"), intent("NEVER")], &scope)
        .await
        .unwrap();
    assert_eq!(found.keys().collect::<Vec<_>>(), ["CONF"]);
    assert_eq!(found["CONF"].id, created.id);

    let mut by_sku = item("OTHER", "Other", 1.0);
    by_sku.variants[0].sku = "CONF-2".into();
    let found = target
        .find_by_sku(&by_sku, &scope)
        .await
        .unwrap()
        .expect("find by SKU");
    assert_eq!(found.id, created.id);
    assert!(
        target
            .find_by_sku(&item("NOPE", "Nope", 1.0), &scope)
            .await
            .unwrap()
            .is_none()
    );

    // An update: a price, a dropped variant, a category moved to the parent.
    let mut changed = desired.clone();
    changed.variants[1]
        .fields
        .insert("price_incl".into(), json!(12.5));
    changed.variants.remove(0);
    changed
        .refs
        .insert("categories".into(), Refs::Paths(vec!["Men".into()]));
    let resolved = references.resolve(&changed);
    let updated = applied_item(
        apply(
            target,
            Operation::Update {
                before: read.clone(),
                item: changed.clone(),
                resolved: resolved.clone(),
            },
            "update",
        )
        .await,
        "update",
    );
    let read = target.fetch(&created.id, &scope).await.unwrap().unwrap();
    assert_eq!(read.variants.len(), 1, "the dropped variant is deleted");
    assert!(
        ItemDiff::new(&changed, Some(&read), &resolved).is_empty(),
        "{:?}",
        ItemDiff::new(&changed, Some(&read), &resolved).changes()
    );
    assert_eq!(updated.id, created.id);

    let archived = applied_item(
        apply(
            target,
            Operation::Archive {
                before: read.clone(),
            },
            "archive",
        )
        .await,
        "archive",
    );
    assert!(archived.archived);
    let back = applied_item(
        apply(
            target,
            Operation::Unarchive {
                before: archived,
                visibility: "visible".into(),
            },
            "unarchive",
        )
        .await,
        "unarchive",
    );
    assert!(!back.archived);

    assert_eq!(
        apply(target, Operation::Delete { before: back }, "delete").await,
        Applied::Removed
    );
    assert!(target.fetch(&created.id, &scope).await.unwrap().is_none());
}
