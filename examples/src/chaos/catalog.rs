//! Deterministic PIM records for the chaos suite: `chaos generate` writes them as NDJSON, one
//! record (one row, one SKU) per line.
//!
//! Product `i` of a catalog depends only on the seed and `i`, so the first `k` products of a
//! catalog of `n` are the catalog of `k` (the `--later` scenario syncs a part first, then the
//! whole). What the records hold, to make the sync's work hard:
//!
//! - **Titles shared in pairs**: in 60% of the pairs of consecutive products (`2j`, `2j+1`) both
//!   products carry the same Dutch title, under two different SKUs: a sync that found products
//!   again by title would merge them.
//! - A **brand** from a small set (one with an `&`), **one or two category paths** (`Heren >
//!   Schoenen|Sale > Schoenen`: the same title under several parents), **one or two images**
//!   (some with a title, which names the image), an **English title** besides the Dutch one, a
//!   Dutch description.
//! - **Variants**: one product in five is a family of two or three rows sharing a `parent`, each
//!   with `size` (`S`, `M`, `L`); the others are one row whose SKU is the product's key.
//! - **Prices with comma decimals** (`24,95`, `1.299,00`) and **stock** as text.
//!
//! The later edition ([`Edition::Later`]) changes about 15% of the products as a later export
//! would: a price and stock (and a family's sizes: a size added or dropped), the English title
//! and description, the categories and images.

use std::io::Write;
use std::path::Path;

use serde_json::{Map, Value, json};

/// The mapping document the records go with (also in `examples/mappings/chaos.json`).
pub const MAPPING: &str = include_str!("../../mappings/chaos.json");

/// Which export of the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    /// The first export.
    First,
    /// A later export: the same products, some of them changed.
    Later,
}

/// SplitMix64: a small, well-mixed, deterministic generator step.
pub fn mix(seed: u64, i: u64, salt: u64) -> u64 {
    let mut z = seed
        .wrapping_add(i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(salt.wrapping_mul(0xD1B5_4A32_D192_ED03));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const BRANDS: &[&str] = &[
    "Maison Cuir",
    "Horloges & Co",
    "Green Thread",
    "Nordic Wool",
    "Van Dijk",
    "Atelier Noor",
];

const TOPS: &[&str] = &["Heren", "Dames", "Kinderen", "Sale"];
const SUBS: &[&str] = &["Schoenen", "Jassen", "T-shirts", "Tassen", "Horloges"];

const NOUNS: &[(&str, &str)] = &[
    ("portemonnee", "wallet"),
    ("horloge", "watch"),
    ("T-shirt", "T-shirt"),
    ("sneaker", "sneaker"),
    ("jas", "coat"),
    ("sjaal", "scarf"),
    ("tas", "bag"),
    ("riem", "belt"),
];
const ADJECTIVES: &[(&str, &str)] = &[
    ("Leren", "Leather"),
    ("Katoenen", "Cotton"),
    ("Wollen", "Woollen"),
    ("Klassieke", "Classic"),
    ("Sportieve", "Sporty"),
];

const SIZES: &[&str] = &["S", "M", "L"];

/// A price as a Dutch PIM writes it: `24,95`, `1.299,00`.
fn dutch_price(cents: u64) -> String {
    let euros = cents / 100;
    let rest = cents % 100;
    let whole = if euros >= 1000 {
        format!("{}.{:03}", euros / 1000, euros % 1000)
    } else {
        euros.to_string()
    };
    format!("{whole},{rest:02}")
}

/// The title pair `j`'s products share, or product `i`'s own.
fn titles(seed: u64, i: u64) -> (String, String) {
    let pair = i / 2;
    // 60% of the pairs share their title.
    let shared = mix(seed, pair, 1) % 10 < 6;
    let n = if shared { pair * 2 } else { i };
    let (noun_nl, noun_en) = NOUNS[(mix(seed, n, 2) % NOUNS.len() as u64) as usize];
    let (adj_nl, adj_en) = ADJECTIVES[(mix(seed, n, 3) % ADJECTIVES.len() as u64) as usize];
    let model = mix(seed, n, 4) % 900 + 100;
    (
        format!("{adj_nl} {noun_nl} {model}"),
        format!("{adj_en} {noun_en} {model}"),
    )
}

/// Whether product `i` is changed in the later edition, and how (0, 1 or 2).
pub fn change_of(seed: u64, i: u64) -> Option<u64> {
    let h = mix(seed, i, 20) % 20;
    (h < 3).then_some(h)
}

/// The records (rows) of product `i`.
pub fn product(seed: u64, i: u64, edition: Edition) -> Vec<Value> {
    let change = match edition {
        Edition::First => None,
        Edition::Later => change_of(seed, i),
    };
    let (title_nl, mut title_en) = titles(seed, i);
    let mut description = format!("{title_nl}: duurzaam gemaakt, model {i}.");
    if change == Some(1) {
        title_en.push_str(" (new)");
        description.push_str(" Nu vernieuwd.");
    }
    let brand = BRANDS[(mix(seed, i, 5) % BRANDS.len() as u64) as usize];
    let path = |salt: u64| {
        let h = mix(seed, i, salt);
        format!(
            "{} > {}",
            TOPS[(h % TOPS.len() as u64) as usize],
            SUBS[((h >> 8) % SUBS.len() as u64) as usize]
        )
    };
    let mut categories = vec![path(6)];
    let two_categories = mix(seed, i, 7).is_multiple_of(3);
    if two_categories != (change == Some(2)) {
        let second = path(8);
        if second != categories[0] {
            categories.push(second);
        }
    }
    let key = format!("CH-{i:06}");
    let slug = key.to_lowercase();
    let mut images = vec![(
        format!("https://images.example.com/chaos/{slug}-front.jpg"),
        mix(seed, i, 9)
            .is_multiple_of(3)
            .then(|| "Vooraanzicht".to_string()),
    )];
    let two_images = mix(seed, i, 10).is_multiple_of(2);
    if two_images != (change == Some(2)) {
        images.push((
            format!("https://images.example.com/chaos/{slug}-back.jpg"),
            mix(seed, i, 11)
                .is_multiple_of(2)
                .then(|| format!("Achterkant {}", i % 7)),
        ));
    }
    let mut cents = mix(seed, i, 12) % 20_000 + 495;
    if mix(seed, i, 13).is_multiple_of(25) {
        // Now and then a price in the thousands: `1.299,00`.
        cents = (mix(seed, i, 14) % 3 + 1) * 100_000 + 29_900;
    }
    let mut stock = mix(seed, i, 15) % 60;
    if change == Some(0) {
        cents += 100;
        stock += 7;
    }
    let mut base = Map::new();
    base.insert("name_nl".into(), json!(title_nl));
    base.insert("name_en".into(), json!(title_en));
    base.insert("description_nl".into(), json!(description));
    base.insert("brand".into(), json!(brand));
    base.insert("category".into(), json!(categories.join("|")));
    for (n, (src, title)) in images.iter().enumerate() {
        base.insert(format!("image{}", n + 1), json!(src));
        if let Some(title) = title {
            base.insert(format!("image{}_title", n + 1), json!(title));
        }
    }
    // One product in five is a family of two or three sizes.
    let family = mix(seed, i, 16).is_multiple_of(5);
    if !family {
        let mut row = base;
        row.insert("sku".into(), json!(key));
        row.insert("price".into(), json!(dutch_price(cents)));
        row.insert("stock".into(), json!(stock.to_string()));
        return vec![Value::Object(row)];
    }
    let mut sizes = 2 + (mix(seed, i, 17) % 2) as usize;
    if change == Some(0) {
        // A size added (two become three) or dropped (three become two).
        sizes = 5 - sizes;
    }
    SIZES[..sizes]
        .iter()
        .enumerate()
        .map(|(n, size)| {
            let mut row = base.clone();
            row.insert("sku".into(), json!(format!("{key}-{size}")));
            row.insert("parent".into(), json!(key));
            row.insert("size".into(), json!(size));
            row.insert("price".into(), json!(dutch_price(cents + n as u64 * 250)));
            row.insert(
                "stock".into(),
                json!(((stock + n as u64 * 3) % 60).to_string()),
            );
            Value::Object(row)
        })
        .collect()
}

/// The records of products `0..products`.
pub fn records(products: u64, seed: u64, edition: Edition) -> Vec<Value> {
    (0..products)
        .flat_map(|i| product(seed, i, edition))
        .collect()
}

/// Writes the records of `products` products as NDJSON to `out`, and the mapping beside it
/// (`mapping.json` in the same folder). Answers the number of records.
pub fn write(out: &Path, products: u64, seed: u64, edition: Edition) -> std::io::Result<usize> {
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let records = records(products, seed, edition);
    let mut file = std::io::BufWriter::new(std::fs::File::create(out)?);
    for r in &records {
        serde_json::to_writer(&mut file, r)?;
        file.write_all(b"\n")?;
    }
    file.flush()?;
    std::fs::write(mapping_beside(out), MAPPING)?;
    Ok(records.len())
}

/// Where [`write()`] puts the mapping: `mapping.json` beside the catalog.
pub fn mapping_beside(catalog: &Path) -> std::path::PathBuf {
    catalog.with_file_name("mapping.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_catalog_is_a_prefix_of_a_larger_one_and_titles_pair_up() {
        let small = records(20, 7, Edition::First);
        let large = records(40, 7, Edition::First);
        assert_eq!(small[..], large[..small.len()]);
        let shared = (0..20u64)
            .filter(|j| titles(7, 2 * j) == titles(7, 2 * j + 1))
            .count();
        assert!((6..=18).contains(&shared), "{shared} of 20 pairs share");
        assert_eq!(dutch_price(129_900), "1.299,00");
        assert_eq!(dutch_price(2495), "24,95");
    }

    #[test]
    fn the_later_edition_changes_some_products() {
        let changed = (0..200)
            .filter(|&i| product(3, i, Edition::First) != product(3, i, Edition::Later))
            .count();
        assert!(changed > 10 && changed < 60, "{changed}");
        let resized = (0..200)
            .filter(|&i| product(3, i, Edition::First).len() != product(3, i, Edition::Later).len())
            .count();
        assert!(resized > 0, "some family gains or loses a size");
    }
}
