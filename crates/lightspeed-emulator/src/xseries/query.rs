//! The query parameters of 2.0 lists and of `/api/2.0/search`, as the official 2.0 spec lists
//! them: anything else is refused with a 400 that names it, never silently ignored.
//!
//! - Lists take the version cursor (`after`, `before`, `page_size`) and, where the spec says so,
//!   `deleted`; `GET /products` also takes `sku` (one of a product's SKUs), `name` and its alias
//!   `family_name` (every product of the family), and with one of those ignores the rest.
//! - Search (`type=sales|products|customers`) takes the attributes the spec lists per type.
//!   A parameter may be repeated (`status=CLOSED&status=SAVED`): a record matches any of its
//!   values. The product attributes and `_id` may be negated (`-sku=`, `-_id=`): a record
//!   matching any of those values is left out. Text compares without regard to case (the spec
//!   asks for SKUs in lower case; both spellings find the record). `date_from` and `date_to`
//!   bound `sale_date` (RFC 3339), both inclusive (the spec says "lower" and "upper limit";
//!   whether the upper one is inclusive is not documented). `order_by` takes the type's
//!   attributes (`date_from` / `date_to` sort by `sale_date`), `order_direction` `asc` or
//!   `desc`; `offset` and `page_size` (1 to 1000, more is capped) page the result.
//! - `source_id` on sales is served beyond the spec's list: the fulfillment flow finds the sale
//!   it may already have sent by it, and whether the real search honours it is not documented.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::store::Store;
use crate::server::{Call, Reply};

/// Tables whose list accepts `deleted` (the spec's "D" column).
const DELETED_LISTS: [&str; 6] = [
    "products",
    "variant_attributes",
    "tags",
    "outlets",
    "registers",
    "customers",
];

/// The 400 for a parameter the endpoint does not take.
fn unsupported(name: &str, endpoint: &str, supported: &[&str]) -> Reply {
    Reply::json(
        StatusCode::BAD_REQUEST,
        &json!({"error": format!(
            "unsupported query parameter \"{name}\" for {endpoint}; supported: {}",
            supported.join(", ")
        )}),
    )
}

/// The 400 for a value that cannot be read.
fn bad_value(name: &str, why: &str) -> Reply {
    Reply::json(
        StatusCode::BAD_REQUEST,
        &json!({"error": format!("query parameter \"{name}\" {why}")}),
    )
}

/// The parameters of a list, checked: what it filters on, and whether the version cursor
/// applies.
pub(crate) struct ListQuery {
    /// `sku`, `name` (or `family_name`) on products: the other parameters are ignored.
    pub lookup: Option<(&'static str, Vec<String>)>,
}

/// Checks a list's parameters against what `GET /api/2.0/{table}` takes (`nested`: the
/// inventory of one product, which takes the cursor only).
pub(crate) fn check_list(call: &Call<'_>, table: &str, nested: bool) -> Result<ListQuery, Reply> {
    let mut supported = vec!["after", "before", "page_size"];
    if !nested && DELETED_LISTS.contains(&table) {
        supported.push("deleted");
    }
    if !nested && table == "products" {
        supported.extend(["sku", "name", "family_name"]);
    }
    let endpoint = if nested {
        "GET /api/2.0/products/{id}/inventory".to_string()
    } else {
        format!("GET /api/2.0/{table}")
    };
    if let Some((name, _)) = call
        .query
        .iter()
        .find(|(k, _)| !supported.contains(&k.as_str()))
    {
        return Err(unsupported(name, &endpoint, &supported));
    }
    let values = |key: &str| -> Vec<String> {
        call.query
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let lookup = if table != "products" || nested {
        None
    } else if !values("sku").is_empty() {
        Some(("sku", values("sku")))
    } else {
        let names: Vec<String> = values("name")
            .into_iter()
            .chain(values("family_name"))
            .collect();
        (!names.is_empty()).then_some(("name", names))
    };
    Ok(ListQuery { lookup })
}

/// Whether a product row is found by `sku` (its SKU or one of its product codes) or `name`.
pub(crate) fn product_lookup(row: &Map<String, Value>, field: &str, wanted: &[String]) -> bool {
    let text = |k: &str| row.get(k).and_then(Value::as_str).unwrap_or("");
    match field {
        "sku" => wanted.iter().any(|w| {
            text("sku") == w
                || row
                    .get("product_codes")
                    .and_then(Value::as_array)
                    .is_some_and(|codes| {
                        codes
                            .iter()
                            .any(|c| c.get("code").and_then(Value::as_str) == Some(w))
                    })
        }),
        _ => wanted.iter().any(|w| text("name") == w),
    }
}

/// A search attribute: the query name and how it reads a record.
#[derive(Clone, Copy)]
enum Attr {
    /// A text field compared without regard to case.
    Text(&'static str),
    /// An id among a list of ids (`tag_id` in `tag_ids`).
    In(&'static str),
    /// `sale_date` at or after the value.
    From,
    /// `sale_date` at or before the value.
    To,
}

/// The attributes of each search type: (query name, attribute, may be negated).
fn attributes(kind: &str) -> &'static [(&'static str, Attr, bool)] {
    match kind {
        "sales" => &[
            ("date_from", Attr::From, false),
            ("date_to", Attr::To, false),
            ("status", Attr::Text("status"), false),
            ("invoice_number", Attr::Text("invoice_number"), false),
            ("customer_id", Attr::Text("customer_id"), false),
            ("user_id", Attr::Text("user_id"), false),
            ("outlet_id", Attr::Text("outlet_id"), false),
            ("source_id", Attr::Text("source_id"), false),
        ],
        "products" => &[
            ("sku", Attr::Text("sku"), true),
            ("supplier_id", Attr::Text("supplier_id"), true),
            ("brand_id", Attr::Text("brand_id"), true),
            ("tag_id", Attr::In("tag_ids"), true),
            ("product_type_id", Attr::Text("product_type_id"), true),
            ("variant_parent_id", Attr::Text("variant_parent_id"), true),
        ],
        _ => &[
            ("customer_code", Attr::Text("customer_code"), false),
            ("first_name", Attr::Text("first_name"), false),
            ("last_name", Attr::Text("last_name"), false),
            ("company_name", Attr::Text("company_name"), false),
            ("mobile", Attr::Text("mobile"), false),
            ("phone", Attr::Text("phone"), false),
            ("email", Attr::Text("email"), false),
        ],
    }
}

const COMMON: [&str; 8] = [
    "type",
    "order_by",
    "order_direction",
    "page_size",
    "offset",
    "deleted",
    "_id",
    "-_id",
];

fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A wanted value, and for a date attribute the instant it names.
type Wanted<'a> = (&'a str, Option<DateTime<Utc>>);

/// Whether `row` has `attr` equal to (or, for dates, within) `value`.
fn matches(
    row: &Map<String, Value>,
    attr: Attr,
    value: &str,
    bound: Option<DateTime<Utc>>,
) -> bool {
    match attr {
        Attr::Text(field) => text_of(row.get(field)).is_some_and(|t| t.eq_ignore_ascii_case(value)),
        Attr::In(field) => row.get(field).and_then(Value::as_array).is_some_and(|ids| {
            ids.iter()
                .any(|id| id.as_str().is_some_and(|id| id.eq_ignore_ascii_case(value)))
        }),
        Attr::From | Attr::To => {
            let Some(date) = row
                .get("sale_date")
                .and_then(Value::as_str)
                .and_then(instant)
            else {
                return false;
            };
            match (attr, bound) {
                (Attr::From, Some(b)) => date >= b,
                (Attr::To, Some(b)) => date <= b,
                _ => false,
            }
        }
    }
}

/// `GET /api/2.0/search`.
pub(crate) fn search(store: &Store, call: &Call<'_>) -> Reply {
    let kind = match call.param("type") {
        Some(t @ ("sales" | "customers" | "products")) => t,
        None => return bad_value("type", "is required: sales, products or customers"),
        Some(other) => {
            return bad_value(
                "type",
                &format!("must be sales, products or customers, not \"{other}\""),
            );
        }
    };
    let attrs = attributes(kind);
    let mut supported: Vec<String> = COMMON.iter().map(|s| s.to_string()).collect();
    for (name, _, negatable) in attrs {
        supported.push(name.to_string());
        if *negatable {
            supported.push(format!("-{name}"));
        }
    }
    let endpoint = format!("GET /api/2.0/search?type={kind}");
    let supported_refs: Vec<&str> = supported.iter().map(String::as_str).collect();
    if let Some((name, _)) = call
        .query
        .iter()
        .find(|(k, _)| !supported.iter().any(|s| s == k))
    {
        return unsupported(name, &endpoint, &supported_refs);
    }

    // Values per parameter, repeated ones together.
    let mut values: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (k, v) in &call.query {
        values.entry(k.as_str()).or_default().push(v.as_str());
    }
    let mut include: Vec<(Attr, Vec<Wanted<'_>>)> = Vec::new();
    let mut exclude: Vec<(Attr, Vec<&str>)> = Vec::new();
    for (name, attr, _) in attrs {
        if let Some(vs) = values.get(name) {
            let mut parsed = Vec::new();
            for v in vs {
                let bound = match attr {
                    Attr::From | Attr::To => match instant(v) {
                        Some(b) => Some(b),
                        None => {
                            return bad_value(
                                name,
                                "must be a UTC timestamp such as 2016-08-08T12:00:00Z",
                            );
                        }
                    },
                    _ => None,
                };
                parsed.push((*v, bound));
            }
            include.push((*attr, parsed));
        }
        if let Some(vs) = values.get(format!("-{name}").as_str()) {
            exclude.push((*attr, vs.clone()));
        }
    }
    let ids = values.get("_id").cloned().unwrap_or_default();
    let not_ids = values.get("-_id").cloned().unwrap_or_default();

    let deleted = match call.param("deleted") {
        None | Some("false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => return bad_value("deleted", "must be true or false"),
    };
    let offset: usize = match call.param("offset").map(str::parse) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return bad_value("offset", "must be a whole number"),
    };
    let size: usize = match call.param("page_size").map(str::parse::<usize>) {
        None => 1000,
        Some(Ok(n)) if n > 0 => n.min(1000),
        Some(_) => return bad_value("page_size", "must be a positive whole number"),
    };
    let order_by = match call.param("order_by") {
        None => None,
        Some(name) => match attrs.iter().find(|(n, _, _)| *n == name) {
            Some((_, Attr::From | Attr::To, _)) => Some("sale_date"),
            Some((_, Attr::Text(field) | Attr::In(field), _)) => Some(*field),
            None => {
                let names: Vec<&str> = attrs.iter().map(|(n, _, _)| *n).collect();
                return bad_value(
                    "order_by",
                    &format!(
                        "cannot sort {kind} by \"{name}\"; it sorts by {}",
                        names.join(", ")
                    ),
                );
            }
        },
    };
    let descending = match call.param("order_direction").map(str::to_ascii_lowercase) {
        None => false,
        Some(d) if d == "asc" => false,
        Some(d) if d == "desc" => true,
        Some(_) => return bad_value("order_direction", "must be asc or desc"),
    };

    let text_id = |r: &Map<String, Value>| text_of(r.get("id")).unwrap_or_default();
    let mut rows: Vec<&Map<String, Value>> = store.page(kind, 0, None, usize::MAX, deleted, &|r| {
        include
            .iter()
            .all(|(attr, vs)| vs.iter().any(|(v, bound)| matches(r, *attr, v, *bound)))
            && !exclude
                .iter()
                .any(|(attr, vs)| vs.iter().any(|v| matches(r, *attr, v, None)))
            && (ids.is_empty() || ids.iter().any(|i| text_id(r).eq_ignore_ascii_case(i)))
            && !not_ids.iter().any(|i| text_id(r).eq_ignore_ascii_case(i))
    });
    if let Some(field) = order_by {
        let key = |r: &Map<String, Value>| match r.get(field) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|i| text_of(Some(i)))
                .collect::<Vec<_>>()
                .join(","),
            other => text_of(other).unwrap_or_default(),
        };
        rows.sort_by(|a, b| {
            let order = key(a).cmp(&key(b));
            if descending { order.reverse() } else { order }
        });
    } else if descending {
        rows.reverse();
    }
    let page: Vec<&Map<String, Value>> = rows.into_iter().skip(offset).take(size).collect();
    Reply::ok(&json!({"data": page}))
}
