//! The X-Series API: `/api/2.0/...` reads and writes, `/api/2.1/products`, 0.9
//! `/api/register_sales`, OAuth at `/connect` and `/api/1.0/token`; Bearer auth.

mod categories;
mod oauth;
mod query;
mod sales;
mod store;

use axum::http::{Method, StatusCode, header};
use hmac::{Hmac, KeyInit, Mac};
use secrecy::ExposeSecret;
use serde_json::{Map, Value, json};
use sha2::Sha256;

use crate::server::{Call, Reply, Shared, lock};
use crate::webhooks::Delivery;
pub(crate) use store::Store;
use store::{Refusal, TABLES, dec};

/// Whether `path` is one of the OAuth endpoints (no Bearer auth, no budget, no faults).
pub(crate) fn is_oauth(path: &str) -> bool {
    path == "/api/1.0/token" || path == "/connect"
}

/// Serves the OAuth endpoints.
pub(crate) fn oauth(shared: &Shared, call: &Call<'_>) -> Reply {
    match (call.method, call.path) {
        (&Method::GET, "/connect") => oauth::connect(shared, call),
        (&Method::POST, "/api/1.0/token") => oauth::token(shared, call),
        _ => Reply::json(
            StatusCode::METHOD_NOT_ALLOWED,
            &json!({"error": "Method Not Allowed"}),
        ),
    }
}

/// Checks the Bearer token; answers with the application whose budget it uses.
pub(crate) fn authorize(shared: &Shared, call: &Call<'_>) -> Result<String, Reply> {
    let token = call
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let now = shared.config.clock.wall();
    match token {
        Some(t) if t == shared.config.xseries.token.expose_secret() => Ok("personal".into()),
        Some(t) if lock(&shared.xseries).oauth.valid(t, now) => {
            Ok(format!("oauth:{}", shared.config.xseries.client_id))
        }
        _ => Err(Reply::json(
            StatusCode::UNAUTHORIZED,
            &json!({"error": "Access token is not valid"}),
        )),
    }
}

fn refused(r: Refusal) -> Reply {
    Reply::json(
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST),
        &r.body,
    )
}

fn not_found(what: &str) -> Reply {
    refused(Refusal::not_found(what))
}

fn body_object(call: &Call<'_>) -> Result<Map<String, Value>, Reply> {
    match call.json() {
        Ok(Value::Object(o)) => Ok(o),
        // 2.0 schemas sometimes wrap the body in `data`; both readings are accepted.
        Ok(_) => Err(refused(Refusal::field("body", "expected a JSON object"))),
        Err(e) => Err(Reply::json(StatusCode::BAD_REQUEST, &json!({"error": e}))),
    }
    .map(|o| match o.get("data") {
        Some(Value::Object(inner)) if o.len() == 1 => inner.clone(),
        _ => o,
    })
}

fn singular(table: &str) -> &str {
    match table {
        "inventory" => "inventory",
        "taxes" => "tax",
        "variant_attributes" => "variant attribute",
        "payment_types" => "payment type",
        t => t.strip_suffix('s').unwrap_or(t),
    }
}

/// Serves one authorized X-Series request.
pub(crate) fn dispatch(shared: &Shared, call: &Call<'_>, out: &mut Vec<Delivery>) -> Reply {
    let rest = call.path.trim_start_matches("/api/");
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let mut store = lock(&shared.xseries);
    match (call.method, segments.as_slice()) {
        (&Method::GET, ["2.0", "retailer"]) => {
            Reply::ok(&json!({"data": Value::Object(store.retailer.clone())}))
        }
        (&Method::GET, ["2.0", "user"]) => {
            // The official example answers with a list of one.
            let user = store.rows("users").next().cloned();
            Reply::ok(&json!({"data": user.into_iter().collect::<Vec<_>>()}))
        }
        (&Method::GET, ["2.0", "search"]) => query::search(&store, call),
        (&Method::GET, ["2.0", "product_categories"]) => {
            categories::list(&store, call).unwrap_or_else(refused)
        }
        (&Method::POST, ["2.0", "product_categories", "bulk"]) => match body_object(call) {
            Ok(input) => categories::bulk(&mut store, &input).unwrap_or_else(refused),
            Err(r) => r,
        },
        (&Method::GET, ["2.0", table]) if Store::has_table(table) => {
            list(&store, call, table, None)
        }
        (&Method::GET, ["2.0", "products", id, "inventory"]) => {
            if store.live("products", id).is_none() {
                not_found("product")
            } else {
                list(&store, call, "inventory", Some(id))
            }
        }
        (&Method::GET, ["2.0", table, id]) if Store::has_table(table) => {
            match store.live(table, id) {
                Some(row) => Reply::ok(&json!({"data": row})),
                None => not_found(singular(table)),
            }
        }
        (&Method::POST, ["2.0", "products"]) => match body_object(call) {
            Ok(input) => match store.create_products(&input) {
                Ok((ids, inventory)) => {
                    product_events(shared, &store, &ids, out);
                    inventory_events(shared, &store, &inventory, out);
                    Reply::ok(&json!({"data": ids}))
                }
                Err(r) => refused(r),
            },
            Err(r) => r,
        },
        (&Method::DELETE, ["2.0", "products", id, tail @ ..])
            if tail.is_empty() || tail == ["all"] =>
        {
            match store.delete_product(id, !tail.is_empty()) {
                Some(ids) => {
                    product_events(shared, &store, &ids, out);
                    Reply::ok(&json!({}))
                }
                None => not_found("product"),
            }
        }
        (&Method::POST, ["2.0", "products", id, "actions", "image_upload"]) => {
            image_upload(shared, &mut store, call, id, out)
        }
        (&Method::POST, ["2.1", "products"]) => match body_object(call) {
            Ok(input) => match store.create_v21(&input) {
                Ok((ids, inventory)) => {
                    product_events(shared, &store, &ids, out);
                    inventory_events(shared, &store, &inventory, out);
                    Reply::ok(&json!({"data": ids}))
                }
                Err(r) => refused(r),
            },
            Err(r) => r,
        },
        (&Method::PUT, ["2.1", "products", id]) => match body_object(call) {
            Ok(input) => match store.update_v21(id, &input) {
                Ok((ids, inventory)) => {
                    product_events(shared, &store, &ids, out);
                    inventory_events(shared, &store, &inventory, out);
                    Reply::ok(&json!({}))
                }
                Err(r) => refused(r),
            },
            Err(r) => r,
        },
        (&Method::POST, ["2.0", "customers"]) => match body_object(call) {
            Ok(input) => match store.write_customer(None, &input) {
                Ok(id) => {
                    customer_event(shared, &store, &id, out);
                    Reply::json(
                        StatusCode::CREATED,
                        &json!({"data": store.live("customers", &id)}),
                    )
                }
                Err(r) => refused(r),
            },
            Err(r) => r,
        },
        (&Method::PUT, ["2.0", "customers", id]) => match body_object(call) {
            Ok(input) => match store.write_customer(Some(id), &input) {
                Ok(id) => {
                    customer_event(shared, &store, &id, out);
                    Reply::ok(&json!({"data": store.live("customers", &id)}))
                }
                Err(r) => refused(r),
            },
            Err(r) => r,
        },
        (&Method::DELETE, ["2.0", "customers", id]) => {
            if store.soft_delete("customers", id) {
                customer_event(shared, &store, id, out);
                Reply::empty(StatusCode::NO_CONTENT)
            } else {
                not_found("customer")
            }
        }
        (
            &Method::POST,
            [
                "2.0",
                table @ ("brands" | "suppliers" | "tags" | "variant_attributes"),
            ],
        ) => match body_object(call) {
            Ok(input) => named_write(&mut store, table, None, &input),
            Err(r) => r,
        },
        (
            &Method::PUT,
            [
                "2.0",
                table @ ("brands" | "suppliers" | "tags" | "variant_attributes"),
                id,
            ],
        ) => match body_object(call) {
            Ok(input) => named_write(&mut store, table, Some(id), &input),
            Err(r) => r,
        },
        (
            &Method::DELETE,
            [
                "2.0",
                table @ ("brands" | "suppliers" | "tags" | "variant_attributes" | "webhooks"),
                id,
            ],
        ) => named_delete(&mut store, table, id, out, shared),
        (&Method::POST, ["2.0", "webhooks"]) => match body_object(call) {
            Ok(input) => webhook_write(&mut store, None, &input),
            Err(r) => r,
        },
        (&Method::PUT, ["2.0", "webhooks", id]) => match body_object(call) {
            Ok(input) => webhook_write(&mut store, Some(id), &input),
            Err(r) => r,
        },
        (&Method::POST, ["register_sales"]) => match call.json() {
            Ok(Value::Object(input)) => match sales::register_sale(&mut store, &input) {
                Ok(write) => {
                    let sale = store
                        .live("sales", &write.sale)
                        .cloned()
                        .unwrap_or_default();
                    let legacy = sales::legacy(&store, &sale);
                    hooks(shared, &store, "sale.update", &legacy, out);
                    inventory_events(shared, &store, &write.inventory, out);
                    Reply::ok(&json!({"register_sale": legacy}))
                }
                Err(r) => refused(r),
            },
            Ok(_) => refused(Refusal::legacy("Invalid request", "expected a JSON object")),
            Err(e) => refused(Refusal::legacy("Invalid request", &e)),
        },
        _ => Reply::json(StatusCode::NOT_FOUND, &json!({"error": "Not Found"})),
    }
}

/// A version-paged list: `after`, `before`, `page_size`, `deleted` where the spec has it, and
/// on products `sku`, `name` and `family_name` (see [`query`]).
fn list(store: &Store, call: &Call<'_>, table: &str, product: Option<&str>) -> Reply {
    let checked = match query::check_list(call, table, product.is_some()) {
        Ok(q) => q,
        Err(reply) => return reply,
    };
    if let Some((field, wanted)) = &checked.lookup {
        // The spec: with one of these, every other parameter is ignored.
        let rows: Vec<&Map<String, Value>> = store
            .rows(table)
            .filter(|r| query::product_lookup(r, field, wanted))
            .collect();
        return versioned(&rows);
    }
    let int = |k: &str| call.param(k).map(|v| v.parse::<i64>());
    let after = match int("after") {
        None => 0,
        Some(Ok(v)) => v,
        Some(Err(_)) => return refused(Refusal::field("after", "must be an integer")),
    };
    let before = match int("before") {
        None => None,
        Some(Ok(v)) => Some(v),
        Some(Err(_)) => return refused(Refusal::field("before", "must be an integer")),
    };
    let cap: i64 = if table == "sales" { 500 } else { 10_000 };
    let size = match int("page_size") {
        None => 1000.min(cap),
        Some(Ok(v)) if v > 0 => v.min(cap),
        Some(_) => return refused(Refusal::field("page_size", "must be a positive integer")),
    } as usize;
    let deleted = matches!(call.param("deleted"), Some("true" | "1"));
    let rows = store.page(table, after, before, size, deleted, &|r| {
        product.is_none_or(|p| r.get("product_id").and_then(Value::as_str) == Some(p))
    });
    versioned(&rows)
}

/// `{"data": rows, "version": {"min", "max"}}`.
fn versioned(rows: &[&Map<String, Value>]) -> Reply {
    let versions: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.get("version").and_then(Value::as_i64))
        .collect();
    Reply::ok(&json!({
        "data": rows,
        "version": {"min": versions.iter().min(), "max": versions.iter().max()},
    }))
}

fn named_write(
    store: &mut Store,
    table: &str,
    id: Option<&str>,
    input: &Map<String, Value>,
) -> Reply {
    let Some(name) = input
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
    else {
        return refused(Refusal::field("name", "is required"));
    };
    let mut row = match id {
        Some(id) => match store.live(table, id) {
            Some(r) => r.clone(),
            None => return not_found(singular(table)),
        },
        None => {
            let mut r = Map::new();
            r.insert("deleted_at".into(), Value::Null);
            if table == "suppliers" {
                for (k, v) in [
                    ("source", json!("USER")),
                    ("description", json!("")),
                    ("default_markup", json!(0)),
                    ("contact", json!({})),
                ] {
                    r.insert(k.into(), v);
                }
            }
            r
        }
    };
    row.insert("name".into(), Value::from(name));
    for (k, v) in input {
        if !matches!(k.as_str(), "id" | "version" | "deleted_at" | "name") {
            row.insert(k.clone(), v.clone());
        }
    }
    let created = id.is_none();
    let id = store.save(table, row);
    // The answers of the official 2.0 spec, which differ per resource (no fixture shows a
    // real one; where the spec's shapes look odd, such as a supplier update answering a bare
    // `{"id"}`, they are still followed, since a client must read them anyway).
    match (table, created) {
        ("variant_attributes", true) => {
            let now = store::timestamp(store.now());
            Reply::json(
                StatusCode::CREATED,
                &json!({"data": {"id": id, "name": name, "created_at": now, "updated_at": now}}),
            )
        }
        ("variant_attributes", false) => Reply::ok(&json!({"data": {"id": id, "name": name}})),
        (_, true) | ("tags", false) => Reply::ok(&json!({"data": id})),
        ("suppliers", false) => Reply::ok(&json!({"id": id})),
        _ => Reply::ok(&json!({"data": {"id": id}})),
    }
}

/// `DELETE /api/2.0/{brands,suppliers,tags,variant_attributes,webhooks}/{id}`. Deleting a
/// brand, supplier or tag takes it off its products (the spec: an asynchronous job, whose id
/// the answer carries; here it is done at once) and answers as the spec does per resource.
fn named_delete(
    store: &mut Store,
    table: &str,
    id: &str,
    out: &mut Vec<Delivery>,
    shared: &Shared,
) -> Reply {
    if !store.soft_delete(table, id) {
        return not_found(singular(table));
    }
    let (field, object, list) = match table {
        "brands" => ("brand_id", "brand", false),
        "suppliers" => ("supplier_id", "supplier", false),
        "tags" => ("tag_ids", "categories", true),
        "variant_attributes" => return Reply::ok(&json!({"data": {"id": id}})),
        _ => return Reply::ok(&json!({})),
    };
    let products: Vec<String> = store
        .rows("products")
        .filter(|p| match p.get(field) {
            Some(Value::String(s)) => s == id,
            Some(Value::Array(ids)) => ids.iter().any(|t| t.as_str() == Some(id)),
            _ => false,
        })
        .filter_map(|p| p.get("id").and_then(Value::as_str).map(str::to_string))
        .collect();
    for product in &products {
        if let Some(mut row) = store.live("products", product).cloned() {
            if list {
                for key in [field, object] {
                    if let Some(Value::Array(items)) = row.get_mut(key) {
                        items.retain(|t| {
                            t.as_str() != Some(id)
                                && t.get("id").and_then(Value::as_str) != Some(id)
                        });
                    }
                }
            } else {
                row.insert(field.into(), Value::Null);
                row.insert(object.into(), Value::Null);
            }
            store.save("products", row);
        }
    }
    product_events(shared, store, &products, out);
    let job = store.uuid();
    let data = json!({"data": {"id": id, "job_id": job}});
    if table == "brands" {
        Reply::ok(&json!({"payload": data}))
    } else {
        Reply::ok(&data)
    }
}

const WEBHOOK_TYPES: [&str; 7] = [
    "product.update",
    "inventory.update",
    "sale.update",
    "customer.update",
    "register_closure.create",
    "consignment.send",
    "consignment.receive",
];

fn webhook_write(store: &mut Store, id: Option<&str>, input: &Map<String, Value>) -> Reply {
    let url = input.get("url").and_then(Value::as_str).unwrap_or("");
    let kind = input.get("type").and_then(Value::as_str).unwrap_or("");
    let Some(active) = input.get("active").and_then(Value::as_bool) else {
        return refused(Refusal::field("active", "is required"));
    };
    if url.len() < 3 {
        return refused(Refusal::field("url", "is required"));
    }
    if !WEBHOOK_TYPES.contains(&kind) {
        return refused(Refusal::field(
            "type",
            &format!("unknown webhook type \"{kind}\""),
        ));
    }
    let duplicate = store.rows("webhooks").any(|w| {
        w.get("url").and_then(Value::as_str) == Some(url)
            && w.get("type").and_then(Value::as_str) == Some(kind)
            && w.get("id").and_then(Value::as_str) != id
    });
    if duplicate {
        return Reply::json(
            StatusCode::CONFLICT,
            &json!({"error": "a webhook with this type and URL already exists"}),
        );
    }
    let retailer = store.retailer.get("id").cloned().unwrap_or_default();
    let mut row = match id {
        Some(id) => match store.live("webhooks", id) {
            Some(r) => r.clone(),
            None => return not_found("webhook"),
        },
        None => {
            let mut r = Map::new();
            r.insert("retailer_id".into(), retailer);
            r.insert("deleted_at".into(), Value::Null);
            r
        }
    };
    row.insert("url".into(), Value::from(url));
    row.insert("type".into(), Value::from(kind));
    row.insert("active".into(), Value::Bool(active));
    let new_id = store.save("webhooks", row);
    let status = if id.is_some() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Reply::json(status, &json!({"data": store.live("webhooks", &new_id)}))
}

/// `POST /api/2.0/products/{id}/actions/image_upload`: a multipart body with a file field
/// `image` (JPEG or PNG).
fn image_upload(
    shared: &Shared,
    store: &mut Store,
    call: &Call<'_>,
    id: &str,
    out: &mut Vec<Delivery>,
) -> Reply {
    let Some(mut product) = store.live("products", id).cloned() else {
        return not_found("product");
    };
    let multipart = call
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let body = String::from_utf8_lossy(call.body);
    let filename = body
        .split("name=\"image\"")
        .nth(1)
        .and_then(|rest| rest.split("filename=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .map(str::to_string);
    let Some(filename) = filename.filter(|_| multipart) else {
        return refused(Refusal::field(
            "image",
            "expected a multipart file field named image",
        ));
    };
    let lower = filename.to_ascii_lowercase();
    if ![".jpg", ".jpeg", ".png"].iter().any(|e| lower.ends_with(e)) {
        return refused(Refusal::field(
            "image",
            "only JPEG and PNG images are accepted",
        ));
    }
    let image_id = store.uuid();
    let url = format!("https://images.emulator.invalid/{image_id}/{filename}");
    let position = product
        .get("images")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let image = store.image(&image_id, &url, position);
    let mut images = product
        .get("images")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    images.push(image.clone());
    if images.len() == 1 {
        product.insert("image_url".into(), Value::from(url.clone()));
        product.insert("image_thumbnail_url".into(), Value::from(url));
    }
    product.insert("images".into(), Value::Array(images));
    store.save("products", product);
    product_events(shared, store, &[id.to_string()], out);
    let mut data = image;
    if let Some(o) = data.as_object_mut() {
        o.insert("product_id".into(), Value::from(id));
        o.insert("status".into(), Value::from("processing"));
    }
    Reply::json(StatusCode::CREATED, &json!({"data": data}))
}

// ---- Outgoing webhooks -------------------------------------------------------------------

/// Queues `payload` to every active webhook of `kind`: a form body `payload=<json>` signed
/// with HMAC-SHA256 of the raw body under the app's client secret, hex encoded. (The docs
/// leave open whether the body or the payload is signed and in which encoding; this is one
/// reading, and the client checks all four.)
fn hooks(shared: &Shared, store: &Store, kind: &str, payload: &Value, out: &mut Vec<Delivery>) {
    let targets: Vec<String> = store
        .rows("webhooks")
        .filter(|w| {
            w.get("type").and_then(Value::as_str) == Some(kind)
                && w.get("active") == Some(&Value::Bool(true))
        })
        .filter_map(|w| w.get("url").and_then(Value::as_str).map(str::to_string))
        .collect();
    if targets.is_empty() {
        return;
    }
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .append_pair("environment", "production")
        .append_pair("domain_prefix", &shared.config.xseries.domain_prefix)
        .finish();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(
        shared
            .config
            .xseries
            .client_secret
            .expose_secret()
            .as_bytes(),
    )
    .expect("HMAC takes any key length");
    mac.update(body.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    for url in targets {
        out.push(Delivery {
            url,
            content_type: "application/x-www-form-urlencoded",
            headers: vec![(
                "X-Signature".into(),
                format!("signature={signature},algorithm=HMAC-SHA256"),
            )],
            body: body.clone().into_bytes(),
        });
    }
}

fn money_text(v: Option<&Value>) -> Value {
    dec(v)
        .map(|d| Value::from(format!("{:.5}", d.round_dp(5))))
        .unwrap_or(Value::Null)
}

/// `product.update`: the product in the 0.9 shape (money as text), with its inventory.
/// Whether an active webhook listens for `kind`.
fn subscribed(store: &Store, kind: &str) -> bool {
    store.rows("webhooks").any(|w| {
        w.get("type").and_then(Value::as_str) == Some(kind)
            && w.get("active") == Some(&Value::Bool(true))
    })
}

fn product_events(shared: &Shared, store: &Store, ids: &[String], out: &mut Vec<Delivery>) {
    if !subscribed(store, "product.update") {
        return;
    }
    for id in ids {
        let Some(p) = store.row("products", id) else {
            continue;
        };
        let inventory: Vec<Value> = store
            .stock_ids(id)
            .iter()
            .filter_map(|i| store.row("inventory", i))
            .map(|i| {
                json!({"id": i.get("id"), "outlet_id": i.get("outlet_id"), "product_id": id,
                       "count": i.get("inventory_level"), "reorder_point": "0",
                       "restock_level": "0", "attributed_cost": money_text(i.get("average_cost"))})
            })
            .collect();
        let get = |k: &str| p.get(k).cloned().unwrap_or(Value::Null);
        let payload = json!({
            "id": id, "retailer_id": store.retailer.get("id"), "name": get("variant_name"),
            "base_name": get("name"), "handle": get("handle"), "sku": get("sku"),
            "description": get("description"), "active": get("is_active"),
            "source": get("source"), "source_id": get("source_id"),
            "source_variant_id": get("source_variant_id"),
            "variant_parent_id": get("variant_parent_id"), "variant_options": get("variant_options"),
            "brand": get("brand"), "supplier": get("supplier"), "product_type": get("type"),
            "categories": get("categories"), "button_order": get("button_order"),
            "supply_price": money_text(p.get("supply_price")),
            "attributed_cost": null, "price_book_entries": [], "taxes": [],
            "inventory": inventory, "deleted_at": get("deleted_at"), "version": get("version"),
        });
        hooks(shared, store, "product.update", &payload, out);
    }
}

/// `inventory.update`: one record per changed row, with its outlet and product.
fn inventory_events(shared: &Shared, store: &Store, ids: &[String], out: &mut Vec<Delivery>) {
    if !subscribed(store, "inventory.update") {
        return;
    }
    for id in ids {
        let Some(i) = store.row("inventory", id) else {
            continue;
        };
        let outlet = i
            .get("outlet_id")
            .and_then(Value::as_str)
            .and_then(|o| store.row("outlets", o));
        let product = i
            .get("product_id")
            .and_then(Value::as_str)
            .and_then(|p| store.row("products", p));
        let payload = json!({
            "id": id, "product_id": i.get("product_id"), "outlet_id": i.get("outlet_id"),
            "count": i.get("inventory_level"),
            "reorder_point": i.get("reorder_point").map(|v| v.to_string()),
            "restock_level": i.get("reorder_amount").map(|v| v.to_string()),
            "attributed_cost": money_text(i.get("average_cost")),
            "outlet": outlet.map(|o| json!({"id": o.get("id"), "name": o.get("name"),
                "tax_id": o.get("default_tax_id"), "time_zone": o.get("time_zone")})),
            "product": product.map(|p| json!({"id": p.get("id"), "name": p.get("variant_name"),
                "handle": p.get("handle"), "sku": p.get("sku"), "active": p.get("is_active"),
                "supply_price": money_text(p.get("supply_price")), "version": p.get("version")})),
            "version": i.get("version"),
        });
        hooks(shared, store, "inventory.update", &payload, out);
    }
}

/// `customer.update`: the customer in the 0.9 shape (`sex`, money as text, `contact`).
fn customer_event(shared: &Shared, store: &Store, id: &str, out: &mut Vec<Delivery>) {
    let Some(c) = store.row("customers", id) else {
        return;
    };
    let mut payload = c.clone();
    payload.insert(
        "retailer_id".into(),
        store.retailer.get("id").cloned().unwrap_or_default(),
    );
    if let Some(g) = payload.remove("gender") {
        payload.insert("sex".into(), g);
    }
    for k in ["balance", "loyalty_balance", "year_to_date"] {
        let v = money_text(c.get(k));
        payload.insert(k.into(), v);
    }
    payload.insert("points".into(), Value::from(0));
    payload.insert(
        "contact_first_name".into(),
        c.get("first_name").cloned().unwrap_or_default(),
    );
    payload.insert(
        "contact_last_name".into(),
        c.get("last_name").cloned().unwrap_or_default(),
    );
    payload.insert(
        "contact".into(),
        json!({"first_name": c.get("first_name"), "last_name": c.get("last_name"),
               "email": c.get("email"), "phone": c.get("phone"), "mobile": c.get("mobile")}),
    );
    hooks(
        shared,
        store,
        "customer.update",
        &Value::Object(payload),
        out,
    );
}

/// Seed rows per table, in the 2.0 read shape.
pub(crate) fn load(
    shared: &Shared,
    doc: &Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    for key in doc.keys() {
        if !TABLES.contains(&key.as_str()) {
            return Err(format!("xseries.{key}: not a resource the emulator serves"));
        }
    }
    let mut store = lock(&shared.xseries);
    let mut counts = Map::new();
    for table in TABLES {
        let Some(rows) = doc.get(table) else {
            continue;
        };
        let rows = rows
            .as_array()
            .ok_or_else(|| format!("xseries.{table}: expected a list"))?;
        for (i, row) in rows.iter().enumerate() {
            if let Err(e) = store.import(table, row) {
                // What was loaded before the bad record stays, and is never reused either.
                store.loaded();
                return Err(format!("xseries.{table}[{i}]: {e}"));
            }
        }
        counts.insert(table.into(), Value::from(rows.len()));
    }
    store.loaded();
    Ok(counts)
}

/// Every row, deleted ones included.
pub(crate) fn dump(shared: &Shared) -> Value {
    Value::Object(lock(&shared.xseries).export())
}

/// Rows per table.
pub(crate) fn counts(shared: &Shared) -> Value {
    Value::Object(lock(&shared.xseries).counts())
}

/// The retailer-wide version counter.
pub(crate) fn version(shared: &Shared) -> i64 {
    lock(&shared.xseries).version()
}
