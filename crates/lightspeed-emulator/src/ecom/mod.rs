//! The eCom API: `/{lang}/{resource}[/{id}][/count].json` with Basic auth.

mod orders;
mod spec;
mod store;

use axum::http::{Method, StatusCode, header};
use base64::Engine;
use md5::{Digest, Md5};
use secrecy::ExposeSecret;
use serde_json::{Map, Value, json};

use crate::server::{Call, Reply, Shared, lock};
use crate::webhooks::Delivery;
pub(crate) use orders::Orders;
pub(crate) use spec::Kind;
pub(crate) use store::{Store, decimal_of, number};

/// An error in the API's envelope: `{"error": {code, method, request, message}}`.
pub(crate) fn error(call: &Call<'_>, status: StatusCode, message: &str) -> Reply {
    let request = call.path.trim_start_matches('/');
    Reply::json(
        status,
        &json!({"error": {
            "code": status.as_u16(),
            "method": call.method.as_str(),
            "request": request,
            "message": message,
        }}),
    )
}

/// Checks Basic auth against the configured key and secret.
pub(crate) fn authorize(shared: &Shared, call: &Call<'_>) -> Result<(), Reply> {
    let expected = &shared.config.ecom;
    let given = call
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok());
    let ok = given.is_some_and(|pair| {
        pair.split_once(':')
            .is_some_and(|(k, s)| k == expected.key && s == expected.secret.expose_secret())
    });
    if ok {
        Ok(())
    } else {
        Err(error(
            call,
            StatusCode::UNAUTHORIZED,
            "Invalid API key or secret",
        ))
    }
}

fn parse_id(s: &str) -> Option<u64> {
    s.parse().ok().filter(|id| *id > 0)
}

/// A matched route: the resource, its parent product, and the rest of the path.
struct Route<'a> {
    kind: Kind,
    parent: Option<u64>,
    rest: &'a [&'a str],
}

fn route<'a>(segments: &'a [&'a str]) -> Option<Route<'a>> {
    // Longer literal patterns first (`categories/products` before `categories/{id}`).
    const ORDER: [Kind; 13] = [
        Kind::ProductImage,
        Kind::CategoriesProduct,
        Kind::TypesAttribute,
        Kind::TagsProduct,
        Kind::Product,
        Kind::Variant,
        Kind::Category,
        Kind::Brand,
        Kind::Supplier,
        Kind::Type,
        Kind::Attribute,
        Kind::Tag,
        Kind::Webhook,
    ];
    for kind in ORDER {
        let pattern = kind.pattern();
        if segments.len() < pattern.len() {
            continue;
        }
        let mut parent = None;
        let matched = pattern.iter().zip(segments).all(|(p, s)| {
            if *p == "{p}" {
                parent = parse_id(s);
                parent.is_some()
            } else {
                p == s
            }
        });
        if matched {
            return Some(Route {
                kind,
                parent,
                rest: &segments[pattern.len()..],
            });
        }
    }
    None
}

/// The body's record under the singular envelope key (or, leniently, bare).
fn envelope(body: &Value, kind: Kind) -> Option<&Map<String, Value>> {
    match body.get(kind.single()) {
        Some(Value::Object(o)) => Some(o),
        Some(_) => None,
        None => body.as_object(),
    }
}

/// Serves one authorized eCom request.
pub(crate) fn dispatch(shared: &Shared, call: &Call<'_>, out: &mut Vec<Delivery>) -> Reply {
    let path = call.path.trim_start_matches('/');
    let Some((lang, rest)) = path.split_once('/') else {
        return error(call, StatusCode::NOT_FOUND, "Not found");
    };
    let Some(rest) = rest.strip_suffix(".json") else {
        return error(call, StatusCode::NOT_FOUND, "Not found");
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let mut store = lock(&shared.ecom);
    if !store.languages.iter().any(|l| l == lang) {
        return error(call, StatusCode::NOT_FOUND, "Unknown or inactive language");
    }
    let base = shared.base.as_str();
    match segments.as_slice() {
        ["shop"] => return only_get(call, || json!({"shop": shop(shared, &store, lang)})),
        ["account"] => return only_get(call, || json!({"account": account(shared, lang)})),
        ["account", "permissions"] => {
            return only_get(call, || {
                let areas = [
                    "content",
                    "products",
                    "customers",
                    "orders",
                    "settings",
                    "tracking",
                ];
                let map: Map<String, Value> = areas
                    .iter()
                    .map(|a| ((*a).to_string(), json!({"read": true, "write": true})))
                    .collect();
                json!({"accountPermissions": map})
            });
        }
        ["account", "ratelimit"] => {
            let windows = lock(&shared.ecom_budget).report(shared.config.clock.now());
            let now = store.now();
            let window = |(limit, remaining, reset): (u32, i64, u64)| {
                let at = now + chrono::Duration::seconds(reset as i64);
                json!({"limit": limit, "remaining": remaining, "reset": reset,
                       "resetTime": at.format("%Y-%m-%dT%H:%M:%S%:z").to_string()})
            };
            return only_get(call, || {
                json!({"accountRatelimit": {
                    "limit5Min": window(windows[0]),
                    "limitHour": window(windows[1]),
                    "limitDay": window(windows[2]),
                }})
            });
        }
        ["languages", tail @ ..] => return languages(call, &store, tail),
        _ => {}
    }
    if let Some(reply) = orders::dispatch(shared, &mut store, call, &segments, lang, out) {
        return reply;
    }
    let Some(route) = route(&segments) else {
        return error(call, StatusCode::NOT_FOUND, "Not found");
    };
    let kind = route.kind;
    if let Some(p) = route.parent
        && store.get(Kind::Product, p).is_none()
    {
        return error(call, StatusCode::NOT_FOUND, "Not found");
    }
    match (call.method, route.rest) {
        (&Method::GET, []) => {
            let limit = match call.param("limit").map(str::parse::<usize>) {
                None => 50,
                Some(Ok(n)) => n.clamp(1, 250),
                Some(Err(_)) => return error(call, StatusCode::BAD_REQUEST, "Invalid limit"),
            };
            let page = match call.param("page").map(str::parse::<usize>) {
                None => 1,
                Some(Ok(n)) => n.max(1),
                Some(Err(_)) => return error(call, StatusCode::BAD_REQUEST, "Invalid page"),
            };
            let records = match store.select(kind, route.parent, &call.query) {
                Ok(r) => r,
                Err(e) => return error(call, StatusCode::BAD_REQUEST, &e.0),
            };
            let fields = field_filter(call);
            let ids: Vec<u64> = records
                .into_iter()
                .skip((page - 1).saturating_mul(limit))
                .take(limit)
                .map(|r| r.id)
                .collect();
            if fields.is_some() {
                let items: Vec<Value> = ids
                    .iter()
                    .filter_map(|id| store.get(kind, *id))
                    .map(|r| pick(store.render(kind, r, lang, base), &fields))
                    .collect();
                return Reply::ok(&json!({ kind.plural(): items }));
            }
            let items: Vec<_> = ids
                .iter()
                .filter_map(|id| store.rendered(kind, *id, lang, base))
                .collect();
            Reply::enveloped_list(kind.plural(), &items)
        }
        (&Method::GET, ["count"]) => match store.select(kind, route.parent, &call.query) {
            Ok(r) => Reply::ok(&json!({"count": r.len()})),
            Err(e) => error(call, StatusCode::BAD_REQUEST, &e.0),
        },
        (&Method::GET, [id]) => {
            let Some(id) = existing(&store, &route, id) else {
                return error(call, StatusCode::NOT_FOUND, "Not found");
            };
            let fields = field_filter(call);
            if fields.is_some() {
                let rec = store.get(kind, id).expect("checked");
                let one = pick(store.render(kind, rec, lang, base), &fields);
                return Reply::ok(&json!({ kind.single(): one }));
            }
            match store.rendered(kind, id, lang, base) {
                Some(bytes) => Reply::enveloped(StatusCode::OK, kind.single(), &bytes),
                None => error(call, StatusCode::NOT_FOUND, "Not found"),
            }
        }
        (&Method::POST, []) => {
            let body = match call.json() {
                Ok(b) => b,
                Err(e) => return error(call, StatusCode::BAD_REQUEST, &e),
            };
            let Some(input) = envelope(&body, kind) else {
                return error(
                    call,
                    StatusCode::BAD_REQUEST,
                    &format!("Expected a \"{}\" object", kind.single()),
                );
            };
            let id = match store.create(kind, route.parent, input, lang, None) {
                Ok(id) => id,
                Err(e) => return error(call, StatusCode::BAD_REQUEST, &e.0),
            };
            if kind == Kind::Product {
                // Creating a product creates its default variant.
                let title = store
                    .get(Kind::Product, id)
                    .and_then(|r| r.texts.get(lang))
                    .and_then(|t| t.get("title"))
                    .cloned()
                    .unwrap_or_default();
                let default =
                    json!({"product": id, "isDefault": true, "sortOrder": 1, "title": title});
                if let Some(v) = default.as_object()
                    && let Ok(vid) = store.create(Kind::Variant, None, v, lang, None)
                {
                    events(shared, &store, Kind::Variant, vid, "created", out);
                }
            }
            events(shared, &store, kind, id, "created", out);
            let rec = store.get(kind, id).expect("just created");
            Reply::json(
                StatusCode::CREATED,
                &json!({ kind.created_key(): store.render(kind, rec, lang, base) }),
            )
        }
        (&Method::PUT, [id]) => {
            if !kind.updatable() {
                return error(call, StatusCode::METHOD_NOT_ALLOWED, "Method not allowed");
            }
            let Some(id) = existing(&store, &route, id) else {
                return error(call, StatusCode::NOT_FOUND, "Not found");
            };
            let body = match call.json() {
                Ok(b) => b,
                Err(e) => return error(call, StatusCode::BAD_REQUEST, &e),
            };
            let Some(input) = envelope(&body, kind) else {
                return error(
                    call,
                    StatusCode::BAD_REQUEST,
                    &format!("Expected a \"{}\" object", kind.single()),
                );
            };
            match store.update(kind, id, input, lang) {
                Ok(changed) => {
                    if changed {
                        events(shared, &store, kind, id, "updated", out);
                    }
                    let rec = store.get(kind, id).expect("exists");
                    Reply::ok(&json!({ kind.single(): store.render(kind, rec, lang, base) }))
                }
                Err(e) => error(call, StatusCode::BAD_REQUEST, &e.0),
            }
        }
        (&Method::DELETE, [id]) => {
            let Some(id) = existing(&store, &route, id) else {
                return error(call, StatusCode::NOT_FOUND, "Not found");
            };
            if let Some(removed) = store.delete(kind, id) {
                for (k, rec) in removed {
                    deleted_event(shared, &store, k, &rec, out);
                }
            }
            Reply::empty(StatusCode::NO_CONTENT)
        }
        (&Method::PUT | &Method::DELETE, []) | (&Method::POST, [_]) => {
            error(call, StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
        }
        _ => error(call, StatusCode::NOT_FOUND, "Not found"),
    }
}

/// The id in a path segment, if that record exists (under the route's product, for images).
fn existing(store: &Store, route: &Route<'_>, segment: &str) -> Option<u64> {
    parse_id(segment).filter(|id| {
        store
            .get(route.kind, *id)
            .is_some_and(|r| route.parent.is_none() || r.parent == route.parent)
    })
}

fn only_get(call: &Call<'_>, body: impl FnOnce() -> Value) -> Reply {
    if *call.method == Method::GET {
        Reply::ok(&body())
    } else {
        error(call, StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
    }
}

/// The `fields` whitelist of a request, if any.
fn field_filter(call: &Call<'_>) -> Option<Vec<String>> {
    call.param("fields").map(|f| {
        f.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    })
}

fn pick(value: Value, fields: &Option<Vec<String>>) -> Value {
    match (value, fields) {
        (Value::Object(mut o), Some(keep)) => {
            o.retain(|k, _| keep.iter().any(|f| f == k));
            Value::Object(o)
        }
        (v, _) => v,
    }
}

fn languages(call: &Call<'_>, store: &Store, tail: &[&str]) -> Reply {
    let one = |i: usize, code: &str| {
        let (id, locale, title) = store::language_info(code);
        json!({"id": id, "isActive": true, "isDefault": i == 0, "code": code,
               "locale": locale, "title": title})
    };
    if *call.method != Method::GET {
        return error(call, StatusCode::METHOD_NOT_ALLOWED, "Method not allowed");
    }
    match tail {
        [] => Reply::ok(&json!({"languages": store.languages.iter().enumerate()
            .map(|(i, c)| one(i, c)).collect::<Vec<_>>()})),
        ["count"] => Reply::ok(&json!({"count": store.languages.len()})),
        [id] => store
            .languages
            .iter()
            .enumerate()
            .find(|(_, c)| store::language_info(c).0.to_string() == *id)
            .map(|(i, c)| Reply::ok(&json!({"language": one(i, c)})))
            .unwrap_or_else(|| error(call, StatusCode::NOT_FOUND, "Not found")),
        _ => error(call, StatusCode::NOT_FOUND, "Not found"),
    }
}

fn shop(shared: &Shared, store: &Store, lang: &str) -> Value {
    let base = &shared.base;
    let link = |url: &str| json!({"resource": {"id": false, "url": url, "link": format!("{base}/{lang}/{url}.json")}});
    json!({
        "id": store.shop_id,
        "createdAt": "2020-01-01T00:00:00+01:00",
        "status": "test",
        "isB2b": false,
        "isRetail": true,
        "subDomain": "emulator",
        "mainDomain": "emulator.webshopapp.com",
        "email": "shop@example.com",
        "phone": "",
        "fax": "",
        "street": "Emulatorstraat 1",
        "street2": "",
        "zipcode": "1000 AA",
        "city": "Amsterdam",
        "region": "",
        "country": {"id": 150, "code": "nl", "code3": "nld", "title": "Netherlands, The"},
        "vatNumber": "",
        "cocNumber": "",
        "industry": "",
        "currency": {"shortcode": "EUR", "symbol": "€", "title": "Euro", "isDefault": true,
                     "currencyRate": "1.000000"},
        "company": link("shop/company"),
        "limits": link("shop/limits"),
    })
}

fn account(shared: &Shared, lang: &str) -> Value {
    let base = &shared.base;
    let link = |url: &str| json!({"resource": {"id": false, "url": url, "link": format!("{base}/{lang}/{url}.json")}});
    json!({
        "id": 389_694,
        "appId": false,
        "apiKey": shared.config.ecom.key,
        "signout": link("account/signout"),
        "permissions": link("account/permissions"),
        "ratelimit": link("account/ratelimit"),
        "metafields": link("account/metafields"),
    })
}

/// Webhooks subscribed to `group/action`.
fn subscribers<'s>(store: &'s Store, group: &str, action: &str) -> Vec<&'s store::Rec> {
    store
        .table(Kind::Webhook)
        .values()
        .filter(|w| {
            let f = &w.fields;
            f.get("isActive") == Some(&Value::Bool(true))
                && f.get("itemGroup").and_then(Value::as_str) == Some(group)
                && matches!(f.get("itemAction").and_then(Value::as_str), Some(a) if a == action || a == "*")
        })
        .collect()
}

fn delivery(
    shared: &Shared,
    hook: &store::Rec,
    group: &str,
    action: &str,
    id: u64,
    body: Vec<u8>,
) -> Delivery {
    let lang = hook
        .fields
        .get("language")
        .and_then(Value::as_str)
        .unwrap_or("nl");
    let mut signed = body.clone();
    signed.extend_from_slice(shared.config.ecom.secret.expose_secret().as_bytes());
    let signature = hex::encode(Md5::digest(&signed));
    let singular = group.trim_end_matches('s');
    let id_header = format!("X-{}{}-Id", singular[..1].to_uppercase(), &singular[1..]);
    Delivery {
        url: hook
            .fields
            .get("address")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        content_type: "application/json",
        headers: vec![
            ("X-Shop-Id".into(), shared.config.ecom.shop_id.to_string()),
            ("X-Cluster-Id".into(), shared.config.ecom.cluster.clone()),
            ("X-Event".into(), format!("{group}/{action}")),
            ("X-Format".into(), "json".into()),
            ("X-Language".into(), lang.to_string()),
            (id_header, id.to_string()),
            ("X-Signature".into(), signature),
        ],
        body,
    }
}

/// Queues the webhooks of a created or updated record: its singular envelope in the
/// webhook's language, slashes escaped as PHP writes them.
fn events(
    shared: &Shared,
    store: &Store,
    kind: Kind,
    id: u64,
    action: &str,
    out: &mut Vec<Delivery>,
) {
    let Some(group) = kind.item_group() else {
        return;
    };
    let Some(rec) = store.get(kind, id) else {
        return;
    };
    for hook in subscribers(store, group, action) {
        let lang = hook
            .fields
            .get("language")
            .and_then(Value::as_str)
            .unwrap_or(store.default_language());
        let body = json!({ kind.single(): store.render(kind, rec, lang, &shared.base) });
        let text = serde_json::to_string(&body)
            .unwrap_or_default()
            .replace('/', "\\/");
        out.push(delivery(shared, hook, group, action, id, text.into_bytes()));
    }
}

/// Queues the webhooks of a deleted record: an empty body, the id in the headers.
fn deleted_event(
    shared: &Shared,
    store: &Store,
    kind: Kind,
    rec: &store::Rec,
    out: &mut Vec<Delivery>,
) {
    let Some(group) = kind.item_group() else {
        return;
    };
    for hook in subscribers(store, group, "deleted") {
        out.push(delivery(shared, hook, group, "deleted", rec.id, Vec::new()));
    }
}

/// Seed documents: `{"products": [...], "variants": [...], ...}` in the stored shape.
pub(crate) fn load(
    shared: &Shared,
    doc: &Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    for key in doc.keys() {
        if !Kind::ALL.iter().any(|k| k.seed_name() == key) {
            return Err(format!("ecom.{key}: not a resource the emulator serves"));
        }
    }
    let mut store = lock(&shared.ecom);
    let mut counts = Map::new();
    for kind in Kind::LOAD_ORDER {
        let Some(records) = doc.get(kind.seed_name()) else {
            continue;
        };
        let records = records
            .as_array()
            .ok_or_else(|| format!("ecom.{}: expected a list", kind.seed_name()))?;
        for (i, r) in records.iter().enumerate() {
            store
                .import(kind, r)
                .map_err(|e| format!("ecom.{}[{i}]: {}", kind.seed_name(), e.0))?;
        }
        counts.insert(kind.seed_name().into(), Value::from(records.len()));
    }
    Ok(counts)
}

/// Everything stored, in the seed shape.
pub(crate) fn dump(shared: &Shared) -> Value {
    let store = lock(&shared.ecom);
    let mut out = Map::new();
    for kind in Kind::LOAD_ORDER {
        let records: Vec<Value> = store
            .table(kind)
            .values()
            .map(|r| store.export(r))
            .collect();
        out.insert(kind.seed_name().into(), Value::Array(records));
    }
    Value::Object(out)
}

/// Records per resource.
pub(crate) fn counts(shared: &Shared) -> Value {
    let store = lock(&shared.ecom);
    let mut counts = json!(store.counts());
    if !store.orders.is_empty()
        && let Some(map) = counts.as_object_mut()
    {
        map.insert("orders".into(), json!(store.orders.len()));
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_try_longer_patterns_first_and_match_nested_paths() {
        let r = route(&["categories", "products", "12"]).unwrap();
        assert_eq!((r.kind, r.rest), (Kind::CategoriesProduct, &["12"][..]));
        let r = route(&["categories", "12"]).unwrap();
        assert_eq!((r.kind, r.rest), (Kind::Category, &["12"][..]));
        let r = route(&["products", "7", "images", "count"]).unwrap();
        assert_eq!(
            (r.kind, r.parent, r.rest),
            (Kind::ProductImage, Some(7), &["count"][..])
        );
        assert!(route(&["orders"]).is_none());
    }
}
