//! eCom orders, their lines and shipments, and the bulk variant update.
//!
//! - `GET orders` (list and `count`, with `page`, `limit`, `since_id`, `created_at_min/max`,
//!   `updated_at_min/max`, `customer`, `number`), `GET orders/{id}`, `PUT orders/{id}`
//!   (`status`, `paymentStatus`, `shipmentStatus`, `customStatusId`, `memo`); no create or
//!   delete, as in the API (orders come from checkouts).
//! - `GET orders/{id}/products` (and `count`): the lines.
//! - `GET shipments` (list and `count`, `order=`), `GET shipments/{id}`, `PUT shipments/{id}`
//!   (`status`, `trackingCode`). Reading taken here, as the reference does not say: a shipment
//!   set to `shipped` marks its order `shipmentStatus: shipped`, and an order awaiting
//!   shipment becomes `completed_shipped`.
//! - `PUT variants/bulk`: `{"variant": [{"id": 1, ...changes}, ...]}` (the vendor client's
//!   key; `variants` is accepted too, the body's shape being undocumented), answered with
//!   `{"variants": [...]}`. Every id is checked before anything changes.
//!
//! Orders are placed with [`crate::EmulatorHandle::place_ecom_order`]: the API has no order
//! create, and the checkout flow is not emulated. A line's `basePriceExcl` is its unit price
//! and `priceExcl` the line's total after its discount (the reference leaves open whether
//! `priceExcl` is per unit or per line); the order's `priceExcl` sums the lines and the
//! shipping cost less the order's discount.

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode};
use chrono::{DateTime, FixedOffset, NaiveDateTime};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value, json};

use super::store::{Invalid, Store, decimal_of, number};
use super::{Kind, error};
use crate::server::{Call, Reply, Shared};
use crate::webhooks::Delivery;

const ORDER_STATUSES: &[&str] = &[
    "on_hold",
    "processing_awaiting_payment",
    "processing_awaiting_shipment",
    "processing_awaiting_pickup",
    "processing_ready_for_pickup",
    "completed",
    "completed_shipped",
    "completed_picked_up",
    "cancelled",
];
const PAYMENT_STATUSES: &[&str] = &["not_paid", "partially_paid", "paid", "cancelled"];
const SHIPMENT_STATUSES: &[&str] = &["not_shipped", "partially_shipped", "shipped", "cancelled"];

/// One order with its lines and its shipment.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    id: u64,
    created: DateTime<FixedOffset>,
    updated: DateTime<FixedOffset>,
    fields: Map<String, Value>,
    lines: Vec<Map<String, Value>>,
    shipment: Map<String, Value>,
}

/// The shop's orders.
#[derive(Debug, Default)]
pub(crate) struct Orders {
    orders: BTreeMap<u64, Order>,
    next_order: u64,
    next_line: u64,
}

fn money(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn text(input: &Map<String, Value>, k: &str) -> String {
    input
        .get(k)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn dec(input: &Map<String, Value>, k: &str) -> Decimal {
    input.get(k).and_then(decimal_of).unwrap_or_default()
}

impl Orders {
    /// Places an order (see the module docs for the input); answers its id.
    pub fn place(store: &mut Store, input: &Map<String, Value>) -> Result<u64, Invalid> {
        let now = store.now();
        let orders = &mut store.orders;
        orders.next_order += 1;
        let id = 30_000_000 + orders.next_order;
        let seq = orders.next_order;
        let mut lines = Vec::new();
        let (mut excl, mut incl, mut tax_total) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        let items = input
            .get("lines")
            .or_else(|| input.get("products"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if items.is_empty() {
            return Err(Invalid("An order needs lines".into()));
        }
        let mut pending = Vec::new();
        for item in &items {
            let item = item
                .as_object()
                .ok_or_else(|| Invalid("A line is an object".into()))?;
            let sku = text(item, "sku");
            let quantity = item
                .get("quantity")
                .or_else(|| item.get("quantityOrdered"))
                .and_then(Value::as_i64)
                .unwrap_or(1);
            let unit = item
                .get("priceExcl")
                .or_else(|| item.get("basePriceExcl"))
                .and_then(decimal_of)
                .unwrap_or_default();
            let rate = dec(item, "taxRate");
            let discount = dec(item, "discountExcl");
            // The variant with this SKU, if the shop has one.
            let variant = store
                .table(Kind::Variant)
                .values()
                .find(|v| v.fields.get("sku").and_then(Value::as_str) == Some(sku.as_str()))
                .map(|v| (v.id, v.fields.get("product").and_then(Value::as_u64)));
            let line_excl = money(unit * Decimal::from(quantity) - discount);
            let line_tax = money(line_excl * rate);
            excl += line_excl;
            tax_total += line_tax;
            incl += line_excl + line_tax;
            pending.push((
                item.clone(),
                sku,
                quantity,
                unit,
                rate,
                discount,
                variant,
                line_excl,
                line_tax,
            ));
        }
        let orders = &mut store.orders;
        for (item, sku, quantity, unit, rate, discount, variant, line_excl, line_tax) in pending {
            orders.next_line += 1;
            let mut line = Map::new();
            for (k, v) in [
                ("id", json!(40_000_000 + orders.next_line)),
                ("supplierTitle", json!("")),
                ("brandTitle", json!(text(&item, "brandTitle"))),
                ("productTitle", json!(text(&item, "productTitle"))),
                ("variantTitle", json!(text(&item, "variantTitle"))),
                ("taxRate", number(rate)),
                (
                    "taxRates",
                    json!([{"name": "VAT", "rate": number(rate), "amount": number(line_tax)}]),
                ),
                ("quantityOrdered", json!(quantity)),
                ("quantityInvoiced", json!(0)),
                ("quantityShipped", json!(0)),
                ("quantityRefunded", json!(0)),
                ("quantityReturned", json!(0)),
                ("articleCode", json!(text(&item, "articleCode"))),
                ("ean", json!(text(&item, "ean"))),
                ("sku", json!(sku)),
                ("weight", json!(0)),
                ("volume", json!(0)),
                ("colli", json!(0)),
                ("sizeX", json!(0)),
                ("sizeY", json!(0)),
                ("sizeZ", json!(0)),
                ("priceCost", json!(0)),
                ("customExcl", json!(0)),
                ("customIncl", json!(0)),
                ("basePriceExcl", number(unit)),
                ("basePriceIncl", number(money(unit * (Decimal::ONE + rate)))),
                ("priceExcl", number(line_excl)),
                ("priceIncl", number(line_excl + line_tax)),
                ("discountExcl", number(discount)),
                (
                    "discountIncl",
                    number(money(discount * (Decimal::ONE + rate))),
                ),
                ("customFields", json!(false)),
            ] {
                line.insert(k.into(), v);
            }
            line.insert(
                "product".into(),
                variant
                    .and_then(|(_, p)| p)
                    .map_or(json!(false), Value::from),
            );
            line.insert(
                "variant".into(),
                variant.map_or(json!(false), |(v, _)| Value::from(v)),
            );
            lines.push(line);
        }
        let shipping = dec(input, "shipmentPriceExcl");
        let shipping_rate = dec(input, "shipmentTaxRate");
        let shipping_tax = money(shipping * shipping_rate);
        let discount = dec(input, "discountAmount");
        excl += shipping - discount;
        tax_total += shipping_tax;
        incl += shipping + shipping_tax - discount;
        let mut fields = Map::new();
        let defaults = [
            ("number", json!(format!("ORD{seq:05}"))),
            ("status", json!("processing_awaiting_shipment")),
            ("customStatusId", Value::Null),
            ("channel", json!("main")),
            ("remoteIp", json!("127.0.0.1")),
            ("userAgent", json!("WebshopappApi")),
            ("referralId", json!(false)),
            ("priceCost", json!(0)),
            ("weight", json!(0)),
            ("volume", json!(0)),
            ("colli", json!(0)),
            ("gender", json!("")),
            ("birthDate", Value::Null),
            ("nationalId", json!("")),
            ("email", json!("")),
            ("firstname", json!("")),
            ("middlename", json!("")),
            ("lastname", json!("")),
            ("phone", json!("")),
            ("mobile", json!("")),
            ("newsletterSubscribed", json!(false)),
            ("isCompany", json!(false)),
            ("companyName", json!("")),
            ("companyCoCNumber", json!("")),
            ("companyVatNumber", json!("")),
            ("paymentId", json!("external")),
            ("paymentStatus", json!("not_paid")),
            ("paymentIsPost", json!(false)),
            ("paymentIsInvoiceExternal", json!(false)),
            ("paymentTaxRate", json!(0)),
            ("paymentBasePriceExcl", json!(0)),
            ("paymentBasePriceIncl", json!(0)),
            ("paymentPriceExcl", json!(0)),
            ("paymentPriceIncl", json!(0)),
            ("paymentTitle", json!("")),
            ("paymentTaxRates", json!([])),
            ("paymentData", json!({})),
            ("giftCardsPayment", json!([])),
            ("shipmentId", json!("core|1|1")),
            ("shipmentStatus", json!("not_shipped")),
            ("shipmentIsCashOnDelivery", json!(false)),
            ("shipmentIsPickup", json!(false)),
            ("shipmentTitle", json!("")),
            ("shipmentData", json!({})),
            ("shippingDate", Value::Null),
            ("deliveryDate", Value::Null),
            ("discountType", json!("amount")),
            ("discountPercentage", json!(0)),
            ("discountCouponCode", json!("")),
            ("isNewCustomer", json!(false)),
            ("comment", json!("")),
            ("memo", json!("")),
            ("allowNotifications", json!(true)),
            ("doNotifyNew", json!(true)),
            ("doNotifyReminder", json!(false)),
            ("doNotifyCancelled", json!(false)),
            ("addressShippingCompany", json!(false)),
        ];
        for (k, v) in defaults {
            fields.insert(k.into(), v);
        }
        for side in ["Billing", "Shipping"] {
            for part in [
                "Name",
                "Street",
                "Street2",
                "Number",
                "Extension",
                "Zipcode",
                "City",
                "Region",
            ] {
                fields.insert(format!("address{side}{part}"), json!(""));
            }
            fields.insert(
                format!("address{side}Country"),
                json!({"id": 150, "code": "nl", "code3": "nld", "title": "Netherlands"}),
            );
            fields.insert(
                format!("address{side}RegionData"),
                json!({"id": 0, "name": "", "code": ""}),
            );
        }
        for (k, v) in input {
            if !matches!(
                k.as_str(),
                "lines" | "products" | "id" | "createdAt" | "updatedAt"
            ) {
                fields.insert(k.clone(), v.clone());
            }
        }
        for (k, allowed) in [
            ("status", ORDER_STATUSES),
            ("paymentStatus", PAYMENT_STATUSES),
            ("shipmentStatus", SHIPMENT_STATUSES),
        ] {
            let v = fields.get(k).and_then(Value::as_str).unwrap_or("");
            if !allowed.contains(&v) {
                return Err(Invalid(format!("Invalid order {k}")));
            }
        }
        for (k, v) in [
            ("priceExcl", number(money(excl))),
            ("priceIncl", number(money(incl))),
            ("shipmentPriceExcl", number(shipping)),
            ("shipmentPriceIncl", number(shipping + shipping_tax)),
            ("shipmentBasePriceExcl", number(shipping)),
            ("shipmentBasePriceIncl", number(shipping + shipping_tax)),
            ("shipmentTaxRate", number(shipping_rate)),
            ("shipmentDiscountExcl", json!(0)),
            ("shipmentDiscountIncl", json!(0)),
            ("isDiscounted", json!(discount > Decimal::ZERO)),
            ("discountAmount", number(discount)),
            (
                "taxRates",
                json!([{"name": "VAT", "rate": 0, "amount": number(money(tax_total))}]),
            ),
            (
                "shipmentTaxRates",
                json!([{"name": "VAT", "rate": number(shipping_rate), "amount": number(shipping_tax)}]),
            ),
        ] {
            fields.insert(k.into(), v);
        }
        let shipment_status = fields
            .get("shipmentStatus")
            .cloned()
            .unwrap_or(json!("not_shipped"));
        let mut shipment = Map::new();
        for (k, v) in [
            ("id", json!(50_000_000 + seq)),
            ("number", json!(format!("SHIP{seq:05}"))),
            ("status", shipment_status),
            ("trackingCode", json!("")),
            ("doNotifyShipped", json!(false)),
            ("doNotifyReadyForPickup", json!(false)),
            ("doNotifyTrackingCode", json!(false)),
        ] {
            shipment.insert(k.into(), v);
        }
        store.orders.orders.insert(
            id,
            Order {
                id,
                created: now,
                updated: now,
                fields,
                lines,
                shipment,
            },
        );
        Ok(id)
    }

    /// How many orders the shop has.
    pub fn len(&self) -> usize {
        self.orders.len()
    }

    /// Whether the shop has no orders.
    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }
}

fn link(base: &str, lang: &str, url: &str, id: Value) -> Value {
    let (path, q) = match url.split_once('?') {
        Some((p, q)) => (p.to_string(), format!("?{q}")),
        None => (url.to_string(), String::new()),
    };
    json!({"resource": {"id": id, "url": url, "link": format!("{base}/{lang}/{path}.json{q}")}})
}

fn render_order(o: &Order, lang: &str, base: &str) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), Value::from(o.id));
    out.insert("createdAt".into(), Value::from(o.created.to_rfc3339()));
    out.insert("updatedAt".into(), Value::from(o.updated.to_rfc3339()));
    for (k, v) in &o.fields {
        out.insert(k.clone(), v.clone());
    }
    let (language_id, locale, title) = super::store::language_info(lang);
    out.insert(
        "language".into(),
        json!({"id": language_id, "code": lang, "locale": locale, "title": title}),
    );
    let id = o.id;
    out.insert("customer".into(), json!(false));
    out.insert(
        "invoices".into(),
        link(base, lang, &format!("invoices?order={id}"), json!(false)),
    );
    out.insert(
        "shipments".into(),
        link(base, lang, &format!("shipments?order={id}"), json!(false)),
    );
    out.insert(
        "products".into(),
        link(base, lang, &format!("orders/{id}/products"), json!(false)),
    );
    out.insert(
        "metafields".into(),
        link(base, lang, &format!("orders/{id}/metafields"), json!(false)),
    );
    out.insert("quote".into(), json!(false));
    out.insert(
        "events".into(),
        link(
            base,
            lang,
            &format!("orders/events?order={id}"),
            json!(false),
        ),
    );
    Value::Object(out)
}

fn render_line(line: &Map<String, Value>, lang: &str, base: &str) -> Value {
    let mut out = line.clone();
    for (k, path) in [("product", "products"), ("variant", "variants")] {
        if let Some(Value::Number(n)) = line.get(k) {
            let id = n.clone();
            out.insert(
                k.into(),
                link(base, lang, &format!("{path}/{id}"), Value::Number(id)),
            );
        }
    }
    Value::Object(out)
}

fn render_shipment(o: &Order, lang: &str, base: &str) -> Value {
    let mut out = o.shipment.clone();
    let sid = out.get("id").and_then(Value::as_u64).unwrap_or_default();
    out.insert("createdAt".into(), Value::from(o.created.to_rfc3339()));
    out.insert("updatedAt".into(), Value::from(o.updated.to_rfc3339()));
    out.insert("customer".into(), json!(false));
    out.insert(
        "order".into(),
        link(base, lang, &format!("orders/{}", o.id), Value::from(o.id)),
    );
    out.insert(
        "products".into(),
        link(
            base,
            lang,
            &format!("shipments/{sid}/products"),
            json!(false),
        ),
    );
    out.insert(
        "metafields".into(),
        link(
            base,
            lang,
            &format!("shipments/{sid}/metafields"),
            json!(false),
        ),
    );
    out.insert(
        "events".into(),
        link(
            base,
            lang,
            &format!("orders/events?shipment={sid}"),
            json!(false),
        ),
    );
    Value::Object(out)
}

/// The orders a list asks for: `since_id`, time bounds, `customer`, `number`.
fn select<'a>(store: &'a Store, call: &Call<'_>) -> Result<Vec<&'a Order>, Invalid> {
    let since: u64 = match call.param("since_id") {
        Some(v) => v
            .parse()
            .map_err(|_| Invalid(format!("Invalid since_id: {v}")))?,
        None => 0,
    };
    let mut bounds = Vec::new();
    for (name, created, min) in [
        ("created_at_min", true, true),
        ("created_at_max", true, false),
        ("updated_at_min", false, true),
        ("updated_at_max", false, false),
    ] {
        if let Some(v) = call.param(name) {
            let at = NaiveDateTime::parse_from_str(v.trim(), "%Y-%m-%d %H:%M:%S")
                .ok()
                .and_then(|n| n.and_local_timezone(store.offset).single())
                .ok_or_else(|| Invalid(format!("Invalid {name}: expected YYYY-MM-DD HH:MM:SS")))?;
            bounds.push((created, min, at));
        }
    }
    let number = call.param("number");
    Ok(store
        .orders
        .orders
        .range(since.saturating_add(1)..)
        .map(|(_, o)| o)
        .filter(|o| {
            bounds.iter().all(|(created, min, at)| {
                let t = if *created { o.created } else { o.updated };
                if *min { t >= *at } else { t <= *at }
            })
        })
        .filter(|o| {
            number.is_none_or(|n| o.fields.get("number").and_then(Value::as_str) == Some(n))
        })
        .collect())
}

fn page<T: Clone>(call: &Call<'_>, items: Vec<T>) -> Result<Vec<T>, Invalid> {
    let limit = match call.param("limit").map(str::parse::<usize>) {
        None => 50,
        Some(Ok(n)) => n.clamp(1, 250),
        Some(Err(_)) => return Err(Invalid("Invalid limit".into())),
    };
    let page = match call.param("page").map(str::parse::<usize>) {
        None => 1,
        Some(Ok(n)) => n.max(1),
        Some(Err(_)) => return Err(Invalid("Invalid page".into())),
    };
    Ok(items
        .into_iter()
        .skip((page - 1).saturating_mul(limit))
        .take(limit)
        .collect())
}

/// Applies the fields of an order update; answers whether anything changed.
fn update_order(order: &mut Order, input: &Map<String, Value>) -> Result<bool, Invalid> {
    let mut changed = false;
    for (k, v) in input {
        let allowed: Option<&[&str]> = match k.as_str() {
            "status" => Some(ORDER_STATUSES),
            "paymentStatus" => Some(PAYMENT_STATUSES),
            "shipmentStatus" => Some(SHIPMENT_STATUSES),
            "customStatusId" | "memo" => None,
            other => return Err(Invalid(format!("Invalid order field {other}"))),
        };
        if let Some(allowed) = allowed
            && !v.as_str().is_some_and(|s| allowed.contains(&s))
        {
            return Err(Invalid(format!("Invalid order {k}")));
        }
        if order.fields.get(k) != Some(v) {
            order.fields.insert(k.clone(), v.clone());
            changed = true;
        }
    }
    Ok(changed)
}

/// Serves orders, order lines, shipments and `variants/bulk`; `None` for other paths.
pub(crate) fn dispatch(
    shared: &Shared,
    store: &mut Store,
    call: &Call<'_>,
    segments: &[&str],
    lang: &str,
    out: &mut Vec<Delivery>,
) -> Option<Reply> {
    let base = shared.base.as_str();
    let bad = |e: Invalid| error(call, StatusCode::BAD_REQUEST, &e.0);
    let not_found = || error(call, StatusCode::NOT_FOUND, "Not found");
    let body = |key: &str| -> Result<Map<String, Value>, Reply> {
        let body = call
            .json()
            .map_err(|e| error(call, StatusCode::BAD_REQUEST, &e))?;
        match body.get(key) {
            Some(Value::Object(o)) => Ok(o.clone()),
            _ => Err(error(
                call,
                StatusCode::BAD_REQUEST,
                &format!("Expected a \"{key}\" object"),
            )),
        }
    };
    let id_of = |s: &str| s.parse::<u64>().ok();
    let reply = match (call.method, segments) {
        (&Method::GET, ["orders"]) => match select(store, call).and_then(|o| page(call, o)) {
            Ok(orders) => Reply::ok(&json!({"orders": orders
                .iter()
                .map(|o| render_order(o, lang, base))
                .collect::<Vec<_>>()})),
            Err(e) => bad(e),
        },
        (&Method::GET, ["orders", "count"]) => match select(store, call) {
            Ok(o) => Reply::ok(&json!({"count": o.len()})),
            Err(e) => bad(e),
        },
        (&Method::GET, ["orders", id]) => match id_of(id).and_then(|i| store.orders.orders.get(&i))
        {
            Some(o) => Reply::ok(&json!({"order": render_order(o, lang, base)})),
            None => not_found(),
        },
        (&Method::PUT, ["orders", id]) => {
            let input = match body("order") {
                Ok(i) => i,
                Err(r) => return Some(r),
            };
            let now = store.now();
            match id_of(id).and_then(|i| store.orders.orders.get_mut(&i)) {
                Some(o) => match update_order(o, &input) {
                    Ok(changed) => {
                        if changed {
                            o.updated = now;
                        }
                        Reply::ok(&json!({"order": render_order(o, lang, base)}))
                    }
                    Err(e) => bad(e),
                },
                None => not_found(),
            }
        }
        (&Method::GET, ["orders", id, "products", tail @ ..]) => {
            let Some(o) = id_of(id).and_then(|i| store.orders.orders.get(&i)) else {
                return Some(not_found());
            };
            match tail {
                [] => match page(call, o.lines.clone()) {
                    Ok(lines) => Reply::ok(&json!({"orderProducts": lines
                        .iter()
                        .map(|l| render_line(l, lang, base))
                        .collect::<Vec<_>>()})),
                    Err(e) => bad(e),
                },
                ["count"] => Reply::ok(&json!({"count": o.lines.len()})),
                [line] => match o
                    .lines
                    .iter()
                    .find(|l| l.get("id").and_then(Value::as_u64) == id_of(line))
                {
                    Some(l) => Reply::ok(&json!({"orderProduct": render_line(l, lang, base)})),
                    None => not_found(),
                },
                _ => not_found(),
            }
        }
        (&Method::GET, ["shipments", tail @ ..]) => {
            let order = call.param("order").and_then(id_of);
            let shipments: Vec<&Order> = store
                .orders
                .orders
                .values()
                .filter(|o| order.is_none_or(|id| o.id == id))
                .collect();
            match tail {
                [] => match page(call, shipments) {
                    Ok(list) => Reply::ok(&json!({"shipments": list
                        .iter()
                        .map(|o| render_shipment(o, lang, base))
                        .collect::<Vec<_>>()})),
                    Err(e) => bad(e),
                },
                ["count"] => Reply::ok(&json!({"count": shipments.len()})),
                [sid] => match store
                    .orders
                    .orders
                    .values()
                    .find(|o| o.shipment.get("id").and_then(Value::as_u64) == id_of(sid))
                {
                    Some(o) => Reply::ok(&json!({"shipment": render_shipment(o, lang, base)})),
                    None => not_found(),
                },
                _ => not_found(),
            }
        }
        (&Method::PUT, ["shipments", sid]) => {
            let input = match body("shipment") {
                Ok(i) => i,
                Err(r) => return Some(r),
            };
            let now = store.now();
            let Some(o) = store
                .orders
                .orders
                .values_mut()
                .find(|o| o.shipment.get("id").and_then(Value::as_u64) == id_of(sid))
            else {
                return Some(not_found());
            };
            let mut changed = false;
            for (k, v) in &input {
                match k.as_str() {
                    "status" if v.as_str().is_some_and(|s| SHIPMENT_STATUSES.contains(&s)) => {}
                    "status" => return Some(bad(Invalid("Invalid shipment status".into()))),
                    "trackingCode" | "doNotifyShipped" | "doNotifyTrackingCode" => {}
                    other => {
                        return Some(bad(Invalid(format!("Invalid shipment field {other}"))));
                    }
                }
                if o.shipment.get(k) != Some(v) {
                    o.shipment.insert(k.clone(), v.clone());
                    changed = true;
                }
            }
            if input.get("status").and_then(Value::as_str) == Some("shipped") {
                o.fields.insert("shipmentStatus".into(), json!("shipped"));
                if o.fields.get("status").and_then(Value::as_str)
                    == Some("processing_awaiting_shipment")
                {
                    o.fields.insert("status".into(), json!("completed_shipped"));
                }
            }
            if changed {
                o.updated = now;
            }
            Reply::ok(&json!({"shipment": render_shipment(o, lang, base)}))
        }
        (&Method::PUT, ["variants", "bulk"]) => {
            let body = match call.json() {
                Ok(b) => b,
                Err(e) => return Some(error(call, StatusCode::BAD_REQUEST, &e)),
            };
            let Some(items) = body
                .get("variant")
                .or_else(|| body.get("variants"))
                .and_then(Value::as_array)
                .cloned()
            else {
                return Some(error(
                    call,
                    StatusCode::BAD_REQUEST,
                    "Expected a \"variant\" list",
                ));
            };
            let mut changes = Vec::new();
            for item in &items {
                let Some(o) = item.as_object() else {
                    return Some(bad(Invalid("A variant is an object".into())));
                };
                let Some(id) = o.get("id").and_then(Value::as_u64) else {
                    return Some(bad(Invalid("Invalid variant id".into())));
                };
                if store.get(Kind::Variant, id).is_none() {
                    return Some(bad(Invalid(format!("Invalid variant id {id}"))));
                }
                let mut fields = o.clone();
                fields.remove("id");
                changes.push((id, fields));
            }
            let mut rendered = Vec::new();
            for (id, fields) in changes {
                match store.update(Kind::Variant, id, &fields, lang) {
                    Ok(true) => super::events(shared, store, Kind::Variant, id, "updated", out),
                    Ok(false) => {}
                    Err(e) => return Some(bad(e)),
                }
                if let Some(rec) = store.get(Kind::Variant, id) {
                    rendered.push(store.render(Kind::Variant, rec, lang, base));
                }
            }
            Reply::ok(&json!({"variants": rendered}))
        }
        (&Method::POST | &Method::DELETE, ["orders" | "shipments", ..]) => {
            error(call, StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
        }
        _ => return None,
    };
    Some(reply)
}
