//! Criterion benchmarks for the Lightspeed crates; see `benches/` and `docs/performance.md`.
//!
//! The library part holds what benchmarks and scripts share: the generated PIM records.

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
