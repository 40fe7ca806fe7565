//! What differs between a desired item and the target's: the changes a plan shows and the
//! writes an update makes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::item::{ActualItem, DesiredImage, DesiredItem, DesiredVariant, Fields, LiteMap};

/// One changed field, before and after (`variants[TS-M].price_incl`, `texts.en.title`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The field.
    pub field: String,
    /// What the target has (`null` when nothing).
    pub before: Json,
    /// What it will have.
    pub after: Json,
}

/// Ids the target gave an item's references: per reference field, the ids of the names the
/// target has, in the item's order (names it lacks are left out, and listed in `missing`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Resolved {
    /// Ids by reference field (`brand` → `["12"]`, `categories` → `["3", "4"]`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub refs: BTreeMap<String, Vec<String>>,
    /// Names the target does not have (yet): `brand "Acme"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

impl Resolved {
    /// The id a one-of reference resolved to.
    pub fn one(&self, field: &str) -> Option<&str> {
        self.refs
            .get(field)
            .and_then(|ids| ids.first())
            .map(String::as_str)
    }
}

/// The writes that bring an actual item to the desired one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemDiff<'a> {
    /// Product fields of the default language, and one-of references (`brand`, as an id).
    pub product: Vec<Change>,
    /// Texts per other language.
    pub texts: BTreeMap<String, Vec<Change>>,
    /// Variants to create.
    pub add_variants: Vec<&'a DesiredVariant>,
    /// Variants to update: (id, sku, changes).
    pub update_variants: Vec<(String, String, Vec<Change>)>,
    /// Variants to delete: (id, sku).
    pub remove_variants: Vec<(String, String)>,
    /// Images to add: (image, position).
    pub add_images: Vec<(&'a DesiredImage, i64)>,
    /// Images to delete: ids.
    pub remove_images: Vec<String>,
    /// Images to move: (id, position).
    pub move_images: Vec<(String, i64)>,
    /// Links to make: (reference field, referenced id).
    pub link: Vec<(String, String)>,
    /// Links to remove: (reference field, link id).
    pub unlink: Vec<(String, String)>,
}

/// Whether two values are the same as far as a target is concerned: numbers by decimal value
/// (the target may write `"0.250"` for `0.25`), `null` as the empty text.
pub fn same(a: &Json, b: &Json) -> bool {
    if a == b {
        return true;
    }
    let number = |v: &Json| -> Option<rust_decimal::Decimal> {
        match v {
            Json::Number(n) => n.to_string().parse().ok(),
            // eCom writes some decimals as text (`weightValue: "0.250"`).
            Json::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    match (a, b) {
        (Json::Number(_), Json::Number(_) | Json::String(_))
        | (Json::String(_), Json::Number(_)) => {
            matches!((number(a), number(b)), (Some(x), Some(y)) if x == y)
        }
        // `null` (empty) equals the empty text the target writes for it.
        (Json::Null, Json::String(s)) | (Json::String(s), Json::Null) => s.is_empty(),
        _ => false,
    }
}

fn changes(prefix: &dyn Fn() -> String, desired: &Fields, actual: &Fields) -> Vec<Change> {
    let mut out = Vec::new();
    for (k, after) in desired {
        let before = actual.get(k);
        if same(before.unwrap_or(&Json::Null), after) {
            continue;
        }
        out.push(Change {
            field: format!("{}{k}", prefix()),
            before: before.cloned().unwrap_or(Json::Null),
            after: after.clone(),
        });
    }
    out
}

impl<'a> ItemDiff<'a> {
    /// Compares a desired item with the target's (`actual`: `None` when it does not exist yet).
    pub fn new(desired: &'a DesiredItem, actual: Option<&ActualItem>, resolved: &Resolved) -> Self {
        let empty = ActualItem::default();
        let actual = actual.unwrap_or(&empty);
        let mut diff = ItemDiff {
            product: changes(&String::new, &desired.fields, &actual.fields),
            ..ItemDiff::default()
        };
        diff.references(desired, actual, resolved);
        for (lang, texts) in &desired.texts {
            let none = Fields::new();
            let have = actual.texts.get(lang).unwrap_or(&none);
            let c = changes(&|| format!("texts.{lang}."), texts, have);
            if !c.is_empty() {
                diff.texts.insert(lang.clone(), c);
            }
        }
        diff.variants(desired, actual);
        if let Some(images) = &desired.images {
            diff.images(images, actual);
        }
        diff
    }

    /// References the item names: one-of references are product fields, lists are links. A
    /// reference field the item does not name is left as the target has it; a name the
    /// target lacks changes nothing (the item stays incomplete until it exists).
    fn references(&mut self, desired: &DesiredItem, actual: &ActualItem, resolved: &Resolved) {
        let none = LiteMap::new();
        for (field, refs) in &desired.refs {
            let have = actual.refs.get(field).unwrap_or(&none);
            let ids = resolved.refs.get(field).map_or(&[][..], Vec::as_slice);
            if !refs.is_list() {
                let Some(after) = ids.first() else { continue };
                let before = have.iter().next().map(|(id, _)| id.clone());
                if before.as_deref() != Some(after.as_str()) {
                    self.product.push(Change {
                        field: field.clone(),
                        before: before.map_or(Json::Null, Json::from),
                        after: Json::from(after.clone()),
                    });
                }
                continue;
            }
            for id in ids {
                if !have.contains_key(id) {
                    self.link.push((field.clone(), id.clone()));
                }
            }
            // Links to records the item no longer names; kept while a name is unresolved,
            // since it may be the one that resolves to it.
            let complete = ids.len() == refs.names().len();
            for (id, link) in have.iter() {
                if complete && !ids.contains(id) {
                    self.unlink.push((field.clone(), link.clone()));
                }
            }
        }
    }

    /// Variants by SKU; a variant without SKU (the default one eCom makes with a product) is
    /// claimed by the first desired SKU the target lacks.
    fn variants(&mut self, desired: &'a DesiredItem, actual: &ActualItem) {
        let mut claimed: Vec<&str> = Vec::new();
        for v in &desired.variants {
            let have = actual.variant(&v.sku).or_else(|| {
                actual
                    .variants
                    .iter()
                    .find(|a| a.sku.is_empty() && !claimed.contains(&a.id.as_str()))
            });
            let Some(have) = have else {
                self.add_variants.push(v);
                continue;
            };
            claimed.push(have.id.as_str());
            let mut c = changes(&|| format!("variants[{}].", v.sku), &v.fields, &have.fields);
            if have.title != v.title {
                c.push(Change {
                    field: format!("variants[{}].title", v.sku),
                    before: Json::from(have.title.clone()),
                    after: Json::from(v.title.clone()),
                });
            }
            if have.sku != v.sku {
                c.insert(
                    0,
                    Change {
                        field: format!("variants[{}].sku", v.sku),
                        before: Json::from(have.sku.clone()),
                        after: Json::from(v.sku.clone()),
                    },
                );
            }
            if !c.is_empty() {
                self.update_variants
                    .push((have.id.clone(), v.sku.clone(), c));
            }
        }
        for have in &actual.variants {
            if !claimed.contains(&have.id.as_str()) {
                self.remove_variants
                    .push((have.id.clone(), have.sku.clone()));
            }
        }
    }

    /// Images by source URL where the sync created them, else by the name the target derived
    /// from the file name.
    fn images(&mut self, images: &'a [DesiredImage], actual: &ActualItem) {
        let mut kept = Vec::new();
        for (position, image) in images.iter().enumerate() {
            let position = position as i64 + 1;
            let name = image.name();
            let found = actual.images.iter().find(|i| {
                // By name (the title, or the file's stem), and by source where it is known.
                !kept.contains(&i.id)
                    && i.name == name
                    && i.source.as_deref().is_none_or(|src| src == image.src)
            });
            match found {
                Some(i) => {
                    kept.push(i.id.clone());
                    if i.position != position {
                        self.move_images.push((i.id.clone(), position));
                    }
                }
                None => self.add_images.push((image, position)),
            }
        }
        for i in &actual.images {
            if !kept.contains(&i.id) {
                self.remove_images.push(i.id.clone());
            }
        }
    }

    /// Whether nothing needs writing.
    pub fn is_empty(&self) -> bool {
        self.product.is_empty()
            && self.texts.is_empty()
            && self.add_variants.is_empty()
            && self.update_variants.is_empty()
            && self.remove_variants.is_empty()
            && self.add_images.is_empty()
            && self.remove_images.is_empty()
            && self.move_images.is_empty()
            && self.link.is_empty()
            && self.unlink.is_empty()
    }

    /// Every change as (field, before, after), for plans and reports.
    pub fn changes(&self) -> Vec<Change> {
        let mut out = self.product.clone();
        for c in self.texts.values() {
            out.extend(c.iter().cloned());
        }
        for v in &self.add_variants {
            let mut after = serde_json::to_value(&v.fields).unwrap_or_default();
            if let Some(o) = after.as_object_mut() {
                o.insert("title".into(), Json::from(v.title.clone()));
            }
            out.push(Change {
                field: format!("variants[{}]", v.sku),
                before: Json::Null,
                after,
            });
        }
        for (_, _, c) in &self.update_variants {
            out.extend(c.iter().cloned());
        }
        for (_, sku) in &self.remove_variants {
            out.push(Change {
                field: format!("variants[{sku}]"),
                before: Json::from("present"),
                after: Json::Null,
            });
        }
        for (image, _) in &self.add_images {
            out.push(Change {
                field: "images".into(),
                before: Json::Null,
                after: Json::from(image.src.clone()),
            });
        }
        for id in &self.remove_images {
            out.push(Change {
                field: "images".into(),
                before: Json::from(format!("image {id}")),
                after: Json::Null,
            });
        }
        if !self.move_images.is_empty() {
            out.push(Change {
                field: "images.order".into(),
                before: Json::Null,
                after: Json::from(self.move_images.len()),
            });
        }
        for (field, id) in &self.link {
            out.push(Change {
                field: field.clone(),
                before: Json::Null,
                after: Json::from(format!("link to {id}")),
            });
        }
        for (field, link) in &self.unlink {
            out.push(Change {
                field: field.clone(),
                before: Json::from(format!("link {link}")),
                after: Json::Null,
            });
        }
        out
    }

    /// API calls an update takes: one per changed resource (the product, each variant, each
    /// language, each image and link).
    pub fn update_calls(&self) -> u64 {
        (!self.product.is_empty()) as u64
            + self.texts.len() as u64
            + (self.add_variants.len()
                + self.update_variants.len()
                + self.remove_variants.len()
                + self.add_images.len()
                + self.remove_images.len()
                + self.move_images.len()
                + self.link.len()
                + self.unlink.len()) as u64
    }
}

/// API calls a create takes: the product, the default variant's update, one per further
/// variant, image, link and other language.
pub fn create_calls(item: &DesiredItem) -> u64 {
    let links: usize = item
        .refs
        .values()
        .filter(|r| r.is_list())
        .map(|r| r.names().len())
        .sum();
    2 + item.variants.len().saturating_sub(1) as u64
        + item.images.as_ref().map_or(0, Vec::len) as u64
        + links as u64
        + item.texts.len() as u64
}

/// Whether an item names a reference whose id is not known yet.
pub fn is_resolved(item: &DesiredItem, resolved: &Resolved) -> bool {
    item.refs
        .iter()
        .all(|(field, refs)| resolved.refs.get(field).map_or(0, Vec::len) == refs.names().len())
}

/// Refs of one kind by name, to compare in tests and checks.
pub fn names(item: &DesiredItem, field: &str) -> Vec<String> {
    item.refs
        .get(field)
        .map(|r| r.names().to_vec())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::item::{ActualImage, ActualVariant, Refs};
    use serde_json::json;

    fn desired() -> DesiredItem {
        DesiredItem {
            key: "TS".into(),
            fields: Fields::from_iter([("title".into(), json!("Tee"))]),
            texts: BTreeMap::from([(
                "en".into(),
                Fields::from_iter([("title".into(), json!("Tee EN"))]),
            )]),
            variants: vec![DesiredVariant {
                sku: "TS-S".into(),
                title: "S".into(),
                options: BTreeMap::new(),
                fields: Fields::from_iter([("price_incl".into(), json!(19.9))]),
            }],
            images: Some(vec![
                DesiredImage {
                    src: "https://x/front.jpg".into(),
                    title: None,
                },
                DesiredImage {
                    src: "https://x/back.jpg".into(),
                    title: None,
                },
            ]),
            refs: BTreeMap::from([
                ("categories".into(), Refs::Paths(vec!["Men".into()])),
                ("brand".into(), Refs::One("Acme".into())),
            ]),
            origin: vec![],
        }
    }

    fn resolved() -> Resolved {
        Resolved {
            refs: BTreeMap::from([
                ("categories".into(), vec!["c1".into()]),
                ("brand".into(), vec!["b1".into()]),
            ]),
            missing: vec![],
        }
    }

    #[test]
    fn equal_items_have_no_diff_and_decimals_compare_by_value() {
        let d = desired();
        let actual = ActualItem {
            id: "1".into(),
            fields: Fields::from_iter([("title".into(), json!("Tee"))]),
            texts: BTreeMap::from([(
                "en".into(),
                Fields::from_iter([("title".into(), json!("Tee EN"))]),
            )]),
            variants: vec![ActualVariant {
                id: "10".into(),
                sku: "TS-S".into(),
                title: "S".into(),
                is_default: true,
                fields: Fields::from_iter([("price_incl".into(), json!(19.90))]),
            }],
            images: vec![
                ActualImage {
                    id: "i1".into(),
                    name: "front".into(),
                    source: None,
                    position: 1,
                },
                ActualImage {
                    id: "i2".into(),
                    name: "back".into(),
                    source: Some("https://x/back.jpg".into()),
                    position: 2,
                },
            ],
            refs: BTreeMap::from([
                (
                    "categories".into(),
                    LiteMap::from_iter([("c1".into(), "l1".into())]),
                ),
                (
                    "brand".into(),
                    LiteMap::from_iter([("b1".into(), String::new())]),
                ),
            ]),
            ..Default::default()
        };
        let diff = ItemDiff::new(&d, Some(&actual), &resolved());
        assert!(diff.is_empty(), "{diff:?}");
    }

    #[test]
    fn a_new_item_needs_everything_and_counts_its_calls() {
        let d = desired();
        let diff = ItemDiff::new(&d, None, &resolved());
        assert_eq!(diff.add_variants.len(), 1);
        assert_eq!(diff.add_images.len(), 2);
        assert_eq!(diff.link, [("categories".to_string(), "c1".to_string())]);
        assert!(
            diff.product
                .iter()
                .any(|c| c.field == "brand" && c.after == "b1")
        );
        assert_eq!(create_calls(&d), 2 + 2 + 1 + 1);
        assert!(is_resolved(&d, &resolved()));
        assert!(!is_resolved(&d, &Resolved::default()));
    }

    #[test]
    fn unnamed_references_and_unmapped_images_are_left_alone() {
        let mut d = desired();
        d.refs.clear();
        d.images = None;
        let actual = ActualItem {
            images: vec![ActualImage {
                id: "i9".into(),
                name: "by-hand".into(),
                source: None,
                position: 1,
            }],
            refs: BTreeMap::from([(
                "categories".into(),
                LiteMap::from_iter([("c9".into(), "l9".into())]),
            )]),
            ..Default::default()
        };
        let diff = ItemDiff::new(&d, Some(&actual), &Resolved::default());
        assert!(
            diff.remove_images.is_empty() && diff.unlink.is_empty(),
            "{diff:?}"
        );
    }
}
