//! Criterion benchmarks for the Lightspeed crates; see `benches/` and `docs/performance.md`.
//!
//! The library part holds what benchmarks and scripts share: the generated PIM records.

use lightspeed_sync::catalog::item::LiteMap;
use serde_json::{Value, json};

/// `count` varied PIM records with the attributes the benchmark mappings read (the same for a
/// given count).
pub fn records(count: usize) -> Vec<Value> {
    let colors = ["Rood", "Zwart", "Bruin", "Blauw", "Groen"];
    (0..count)
        .map(|i| {
            let brand = ["Castelijn", "Burkely", "Secrid"][i % 3];
            let color = colors[i % colors.len()];
            let price = if i % 2 == 0 {
                json!(1299.99 + (i % 100) as f64)
            } else {
                json!(format!("{}.{:02}", 10 + i % 900, i % 100))
            };
            json!({
                "sku": format!("SKU-{i:06}"),
                "name": format!("leather wallet model {}", i % 97),
                "brand": brand,
                "model": format!("M{}", i % 1000),
                "description": format!("<p>A <b>fine</b> wallet &amp; card holder, number {i}.</p>"),
                "description@nl": format!("<p>Een <b>mooie</b> portemonnee &amp; pasjeshouder, nummer {i}, met RFID-bescherming en muntvak.</p>"),
                "price": price,
                "cost": 12.5,
                "weight_kg": format!("0,{:03}", 100 + i % 800),
                "color": color,
                "stock": i % 4,
                "ean": format!(" 8712345{i:06} "),
                "image_url": format!("https://cdn.example/{i}.jpg"),
                "images": [format!("https://cdn.example/{i}-a.jpg")]
            })
        })
        .collect()
}

/// A catalog of `count` products for planner benchmarks: what the source wants, and what the
/// target has, equal but for every hundredth product (a changed price) — the shape of an
/// ongoing sync's reconcile. One variant, an image and a category each.
pub fn catalog(
    count: usize,
) -> (
    Vec<lightspeed_sync::catalog::item::DesiredItem>,
    Vec<lightspeed_sync::catalog::item::ActualItem>,
) {
    use lightspeed_sync::catalog::item::{
        ActualImage, ActualItem, ActualVariant, DesiredImage, DesiredItem, DesiredVariant, Refs,
    };
    use std::collections::BTreeMap;
    let mut desired = Vec::with_capacity(count);
    let mut actual = Vec::with_capacity(count);
    for i in 0..count {
        let sku = format!("SKU-{i:06}");
        let title = json!(format!("Leather wallet model {}", i % 97));
        let price = json!(10 + i % 900);
        let desired_fields = LiteMap::from_iter([
            ("price_incl".to_string(), price.clone()),
            ("stock_level".to_string(), json!(i % 40)),
        ]);
        let mut actual_fields = desired_fields.clone();
        if i % 100 == 0 {
            actual_fields.insert("price_incl".into(), json!(1));
        }
        let image = format!("https://img.example/catalog/wallet-{i}.jpg");
        desired.push(DesiredItem {
            key: sku.clone(),
            fields: LiteMap::from_iter([("title".to_string(), title.clone())]),
            texts: BTreeMap::new(),
            variants: vec![DesiredVariant {
                sku: sku.clone(),
                title: "Default".into(),
                options: BTreeMap::new(),
                fields: desired_fields,
            }],
            images: Some(vec![DesiredImage {
                src: image.clone(),
                title: None,
            }]),
            refs: BTreeMap::from([(
                "categories".to_string(),
                Refs::Paths(vec!["Accessoires > Portemonnees".into()]),
            )]),
            origin: vec![format!("pim.csv:{}", i + 2)],
        });
        actual.push(ActualItem {
            id: (1_000_000 + i).to_string(),
            updated_at: Some("2026-11-01T10:00:00+01:00".into()),
            fields: LiteMap::from_iter([("title".to_string(), title)]),
            texts: BTreeMap::new(),
            variants: vec![ActualVariant {
                id: (2_000_000 + i).to_string(),
                sku,
                title: "Default".into(),
                is_default: true,
                fields: actual_fields,
            }],
            images: vec![ActualImage {
                id: (3_000_000 + i).to_string(),
                name: format!("wallet-{i}"),
                source: Some(image),
                position: 1,
            }],
            refs: BTreeMap::from([(
                "categories".to_string(),
                LiteMap::from_iter([("77".to_string(), (4_000_000 + i).to_string())]),
            )]),
            marker: None,
            archived: false,
        });
    }
    (desired, actual)
}

/// The state a store holds after syncing `desired` into `actual`: every item with its
/// fingerprint (the input of an incremental plan).
pub fn remembered(
    desired: &[lightspeed_sync::catalog::item::DesiredItem],
    actual: &[lightspeed_sync::catalog::item::ActualItem],
) -> std::collections::BTreeMap<String, lightspeed_sync::state::ItemState> {
    desired
        .iter()
        .zip(actual)
        .map(|(d, a)| {
            (
                d.key.clone(),
                lightspeed_sync::state::ItemState {
                    actual: a.clone(),
                    fingerprint: Some(d.fingerprint()),
                },
            )
        })
        .collect()
}
