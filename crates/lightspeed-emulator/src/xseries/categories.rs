//! Product categories (`/api/2.0/product_categories`): the hierarchy products are filed under,
//! formerly called product types. Products name one with `product_category_id` (or the older
//! `product_type_id`); their `categories` field holds tags, not these.
//!
//! - `GET /api/2.0/product_categories` answers `{"page_info": {"has_next", "last_seen"},
//!   "data": {"categories": [...]}}`, sorted by the full path (the order the API documents),
//!   paged by category id: `after` is the previous page's `last_seen`, `page_size` defaults to
//!   1000. `parent=<id>` keeps the children of a category, `parent=none` the roots.
//! - `POST /api/2.0/product_categories/bulk` creates and renames: `{"categories": [{"name",
//!   "parent_category_id" | "payload_parent_category_id", "payload_id"} | {"id", "name"}]}`,
//!   answered with `{"data": [{"id", "payload_id", "name", "parent_category_id"}]}`.
//!
//! Each row is stored in the shape the list returns, `category_path` included (ids and names
//! from the root to the category itself).

use std::collections::HashMap;

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::store::{Refusal, Store};
use crate::server::{Call, Reply};

const TABLE: &str = "product_categories";

fn path_names(row: &Map<String, Value>) -> String {
    row.get("category_path")
        .and_then(Value::as_array)
        .map(|p| {
            p.iter()
                .filter_map(|e| e.get("name").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join(" / ")
        })
        .unwrap_or_default()
}

/// `GET /api/2.0/product_categories`.
pub(crate) fn list(store: &Store, call: &Call<'_>) -> Result<Reply, Refusal> {
    let size = match call.param("page_size").map(str::parse::<usize>) {
        None => 1000,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            return Err(Refusal::field("page_size", "must be a positive integer"));
        }
    };
    let parent = call.param("parent");
    let mut rows: Vec<&Map<String, Value>> = store
        .rows(TABLE)
        .filter(|r| match parent {
            None => true,
            Some("none") => r.get("parent_category_id").is_none_or(Value::is_null),
            Some(p) => r.get("parent_category_id").and_then(Value::as_str) == Some(p),
        })
        .collect();
    rows.sort_by_key(|r| path_names(r));
    let start = match call.param("after") {
        None | Some("") => 0,
        Some(after) => rows
            .iter()
            .position(|r| r.get("id").and_then(Value::as_str) == Some(after))
            .map_or(rows.len(), |i| i + 1),
    };
    let page: Vec<&Map<String, Value>> = rows.iter().skip(start).take(size).copied().collect();
    let has_next = start + page.len() < rows.len();
    let last_seen = page
        .last()
        .and_then(|r| r.get("id"))
        .cloned()
        .unwrap_or(Value::Null);
    Ok(Reply::ok(&json!({
        "page_info": {"has_next": has_next, "last_seen": last_seen},
        "data": {"categories": page},
    })))
}

/// `POST /api/2.0/product_categories/bulk`.
pub(crate) fn bulk(store: &mut Store, input: &Map<String, Value>) -> Result<Reply, Refusal> {
    let Some(items) = input.get("categories").and_then(Value::as_array) else {
        return Err(Refusal::field("categories", "is required"));
    };
    let mut payload_ids: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = |name: &str| format!("categories[{i}].{name}");
        let text = |k: &str| item.get(k).and_then(Value::as_str).map(str::to_string);
        let name = text("name")
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| Refusal::field(&field("name"), "is required"))?;
        if let Some(id) = text("id") {
            let mut row = store
                .live(TABLE, &id)
                .cloned()
                .ok_or_else(|| Refusal::field(&field("id"), "no such category"))?;
            row.insert("name".into(), Value::from(name.clone()));
            store.save(TABLE, row);
            rename_in_paths(store, &id, &name);
            out.push(json!({"id": id, "name": name,
                            "parent_category_id": store.live(TABLE, &id)
                                .and_then(|r| r.get("parent_category_id")).cloned()}));
            continue;
        }
        let parent = match (
            text("parent_category_id"),
            text("payload_parent_category_id"),
        ) {
            (Some(p), _) => Some(p),
            (None, Some(p)) => Some(payload_ids.get(&p).cloned().ok_or_else(|| {
                Refusal::field(
                    &field("payload_parent_category_id"),
                    &format!("no category with payload id {p} earlier in this payload"),
                )
            })?),
            (None, None) => None,
        };
        let mut path: Vec<Value> = Vec::new();
        let mut root = None;
        if let Some(p) = &parent {
            let row = store
                .live(TABLE, p)
                .cloned()
                .ok_or_else(|| Refusal::field(&field("parent_category_id"), "no such category"))?;
            path = row
                .get("category_path")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            root = row.get("root_category_id").cloned();
            let mut parent_row = row;
            parent_row.insert("leaf_category".into(), Value::Bool(false));
            store.save(TABLE, parent_row);
        }
        let id = store.uuid();
        path.push(json!({"id": id, "name": name}));
        let mut row = Map::new();
        row.insert("id".into(), Value::from(id.clone()));
        row.insert("name".into(), Value::from(name.clone()));
        row.insert(
            "root_category_id".into(),
            root.unwrap_or_else(|| Value::from(id.clone())),
        );
        row.insert(
            "parent_category_id".into(),
            parent.clone().map_or(Value::Null, Value::from),
        );
        row.insert("leaf_category".into(), Value::Bool(true));
        row.insert("category_path".into(), Value::Array(path));
        row.insert("deleted_at".into(), Value::Null);
        store.save(TABLE, row);
        if let Some(p) = text("payload_id") {
            payload_ids.insert(p, id.clone());
        }
        out.push(
            json!({"id": id, "payload_id": text("payload_id"), "name": name,
                        "parent_category_id": parent}),
        );
    }
    Ok(Reply::json(StatusCode::OK, &json!({"data": out})))
}

/// A renamed category's new name in the paths of its descendants.
fn rename_in_paths(store: &mut Store, id: &str, name: &str) {
    let changed: Vec<Map<String, Value>> = store
        .rows(TABLE)
        .filter(|r| {
            r.get("category_path")
                .and_then(Value::as_array)
                .is_some_and(|p| {
                    p.iter()
                        .any(|e| e.get("id").and_then(Value::as_str) == Some(id))
                })
        })
        .cloned()
        .collect();
    for mut row in changed {
        if let Some(Value::Array(path)) = row.get_mut("category_path") {
            for entry in path.iter_mut() {
                if entry.get("id").and_then(Value::as_str) == Some(id) {
                    entry["name"] = Value::from(name);
                }
            }
        }
        store.save(TABLE, row);
    }
}

/// The `type` a product embeds for its category (`{id, name, version}`), or a refusal naming
/// the field when no such category exists.
pub(crate) fn embed(store: &Store, field: &str, id: &Value) -> Result<Value, Refusal> {
    let Some(id) = id.as_str() else {
        return Ok(Value::Null);
    };
    let row = store
        .live(TABLE, id)
        .ok_or_else(|| Refusal::field(field, &format!("no product category with id {id}")))?;
    Ok(
        json!({"id": id, "name": row.get("name").cloned().unwrap_or_default(),
              "version": row.get("version").cloned().unwrap_or_default()}),
    )
}
