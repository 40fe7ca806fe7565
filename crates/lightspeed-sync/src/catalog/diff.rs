//! What differs between a desired item and the target's: the changes a plan shows and the
//! writes an update makes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::item::{ActualItem, DesiredItem, DesiredVariant, Fields, image_name};

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

/// Ids the target gave the item's relations: the brand's, and each category path's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Resolved {
    /// The brand's id (`None`: no brand, or one to be created first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// Category ids, in the item's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
}

/// The writes that bring an actual item to the desired one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemDiff<'a> {
    /// Product fields of the default language, with the brand as `brand` (an id).
    pub product: Vec<Change>,
    /// Texts per other language.
    pub texts: BTreeMap<String, Vec<Change>>,
    /// Variants to create.
    pub add_variants: Vec<&'a DesiredVariant>,
    /// Variants to update: (id, sku, changes).
    pub update_variants: Vec<(String, String, Vec<Change>)>,
    /// Variants to delete: (id, sku).
    pub remove_variants: Vec<(String, String)>,
    /// Images to add: (source URL, position).
    pub add_images: Vec<(String, i64)>,
    /// Images to delete: ids.
    pub remove_images: Vec<String>,
    /// Images to move: (id, position).
    pub move_images: Vec<(String, i64)>,
    /// Categories to link (ids).
    pub link_categories: Vec<String>,
    /// Category links to remove (link ids).
    pub unlink_categories: Vec<String>,
}

fn same(a: &Json, b: &Json) -> bool {
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
        if desired.brand.is_some() {
            let after = resolved.brand.clone().map_or(Json::Null, Json::from);
            let before = actual.brand.clone().map_or(Json::Null, Json::from);
            if !same(&before, &after) {
                diff.product.push(Change {
                    field: "brand".into(),
                    before,
                    after,
                });
            }
        }
        for (lang, texts) in &desired.texts {
            let none = Fields::new();
            let have = actual.texts.get(lang).unwrap_or(&none);
            let c = changes(&|| format!("texts.{lang}."), texts, have);
            if !c.is_empty() {
                diff.texts.insert(lang.clone(), c);
            }
        }
        // Variants by SKU; a variant without SKU (the default one eCom makes with a product)
        // is claimed by the first desired SKU the target lacks.
        let mut claimed: Vec<&str> = Vec::new();
        for v in &desired.variants {
            let have = actual.variant(&v.sku).or_else(|| {
                actual
                    .variants
                    .iter()
                    .find(|a| a.sku.is_empty() && !claimed.contains(&a.id.as_str()))
            });
            match have {
                None => diff.add_variants.push(v),
                Some(have) => {
                    claimed.push(have.id.as_str());
                    let mut c =
                        changes(&|| format!("variants[{}].", v.sku), &v.fields, &have.fields);
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
                        diff.update_variants
                            .push((have.id.clone(), v.sku.clone(), c));
                    }
                }
            }
        }
        for have in &actual.variants {
            if !claimed.contains(&have.id.as_str()) {
                diff.remove_variants
                    .push((have.id.clone(), have.sku.clone()));
            }
        }
        // Images by source URL where the sync created them, else by the name the target
        // derived from the file name.
        let mut kept = Vec::new();
        for (position, url) in desired.images.iter().enumerate() {
            let position = position as i64 + 1;
            let name = image_name(url);
            let found = actual.images.iter().find(|i| {
                !kept.contains(&i.id)
                    && (i.source.as_deref() == Some(url.as_str())
                        || (i.source.is_none() && i.name == name))
            });
            match found {
                Some(i) => {
                    kept.push(i.id.clone());
                    if i.position != position {
                        diff.move_images.push((i.id.clone(), position));
                    }
                }
                None => diff.add_images.push((url.clone(), position)),
            }
        }
        for i in &actual.images {
            if !kept.contains(&i.id) {
                diff.remove_images.push(i.id.clone());
            }
        }
        if !desired.categories.is_empty() || !actual.categories.is_empty() {
            for id in &resolved.categories {
                if !actual.categories.contains_key(id) {
                    diff.link_categories.push(id.clone());
                }
            }
            for (category, link) in &actual.categories {
                if !resolved.categories.contains(category) {
                    diff.unlink_categories.push(link.clone());
                }
            }
        }
        diff
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
            && self.link_categories.is_empty()
            && self.unlink_categories.is_empty()
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
        for (url, _) in &self.add_images {
            out.push(Change {
                field: "images".into(),
                before: Json::Null,
                after: Json::from(url.clone()),
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
        for id in &self.link_categories {
            out.push(Change {
                field: "categories".into(),
                before: Json::Null,
                after: Json::from(format!("category {id}")),
            });
        }
        for id in &self.unlink_categories {
            out.push(Change {
                field: "categories".into(),
                before: Json::from(format!("link {id}")),
                after: Json::Null,
            });
        }
        out
    }

    /// API calls an update takes: one per changed resource (the product, each variant, each
    /// language, each image and category link).
    pub fn update_calls(&self) -> u64 {
        (!self.product.is_empty()) as u64
            + self.texts.len() as u64
            + (self.add_variants.len()
                + self.update_variants.len()
                + self.remove_variants.len()
                + self.add_images.len()
                + self.remove_images.len()
                + self.move_images.len()
                + self.link_categories.len()
                + self.unlink_categories.len()) as u64
    }
}

/// API calls a create takes: the product, the default variant's update, one per further
/// variant, image, category link and other language.
pub fn create_calls(item: &DesiredItem, resolved: &Resolved) -> u64 {
    2 + item.variants.len().saturating_sub(1) as u64
        + item.images.len() as u64
        + resolved.categories.len().max(item.categories.len()) as u64
        + item.texts.len() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::{ActualImage, ActualVariant};
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
            images: vec!["https://x/front.jpg".into(), "https://x/back.jpg".into()],
            categories: vec!["Men".into()],
            brand: None,
            origin: vec![],
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
            categories: crate::item::LiteMap::from_iter([("c1".into(), "l1".into())]),
            ..Default::default()
        };
        let resolved = Resolved {
            brand: None,
            categories: vec!["c1".into()],
        };
        let diff = ItemDiff::new(&d, Some(&actual), &resolved);
        assert!(diff.is_empty(), "{diff:?}");
    }

    #[test]
    fn a_new_item_needs_everything_and_counts_its_calls() {
        let d = desired();
        let resolved = Resolved {
            brand: None,
            categories: vec!["c1".into()],
        };
        let diff = ItemDiff::new(&d, None, &resolved);
        assert_eq!(diff.add_variants.len(), 1);
        assert_eq!(diff.add_images.len(), 2);
        assert_eq!(diff.link_categories, ["c1"]);
        assert_eq!(create_calls(&d, &resolved), 2 + 2 + 1 + 1);
    }
}
