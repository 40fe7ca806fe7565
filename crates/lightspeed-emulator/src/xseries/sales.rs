//! `POST /api/register_sales` (API 0.9): creates or replaces a sale, assigns invoice numbers,
//! moves stock for closed sales, and answers in the 0.9 shape.

use chrono::Utc;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::store::{Refusal, Store, dec, num, timestamp};

/// Statuses whose goods have left the store: stock is decremented when a sale reaches one.
const CLOSED: [&str; 5] = [
    "CLOSED",
    "ONACCOUNT_CLOSED",
    "LAYBY_CLOSED",
    "DISPATCHED_CLOSED",
    "PICKED_UP_CLOSED",
];

const STATUSES: [&str; 13] = [
    "SAVED",
    "CLOSED",
    "ONACCOUNT",
    "LAYBY",
    "ONACCOUNT_CLOSED",
    "LAYBY_CLOSED",
    "AWAITING_DISPATCH",
    "AWAITING_PICKUP",
    "DISPATCHED_CLOSED",
    "PICKED_UP_CLOSED",
    "VOIDED",
    "SERVICE",
    "SERVICE_CLOSED",
];

/// What a register sale changed: the sale id and the inventory rows it moved.
pub(crate) struct SaleWrite {
    pub sale: String,
    pub inventory: Vec<String>,
}

fn req_str<'a>(input: &'a Map<String, Value>, key: &str) -> Result<&'a str, Refusal> {
    match input.get(key).and_then(Value::as_str) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(Refusal::legacy(
            &format!("Missing {key}"),
            &format!("{key} is required"),
        )),
    }
}

/// Quantities per product of a sale that moved stock (empty when it did not).
fn stock_lines(sale: &Map<String, Value>) -> Vec<(String, Decimal)> {
    let status = sale.get("status").and_then(Value::as_str).unwrap_or("");
    if !CLOSED.contains(&status) {
        return Vec::new();
    }
    sale.get("line_items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|l| {
            Some((
                l.get("product_id")?.as_str()?.to_string(),
                dec(l.get("quantity"))?,
            ))
        })
        .collect()
}

/// Creates (or, with `id`, replaces) a sale.
pub(crate) fn register_sale(
    store: &mut Store,
    input: &Map<String, Value>,
) -> Result<SaleWrite, Refusal> {
    let register_id = req_str(input, "register_id")?;
    let user_id = req_str(input, "user_id")?;
    let status = req_str(input, "status")?;
    if !STATUSES.contains(&status) {
        return Err(Refusal::legacy(
            "Invalid status",
            &format!("{status} is not a sale status"),
        ));
    }
    let Some(register) = store.live("registers", register_id).cloned() else {
        return Err(Refusal::legacy(
            "Invalid register_id",
            &format!("no register with id {register_id}"),
        ));
    };
    if store.live("users", user_id).is_none() {
        return Err(Refusal::legacy(
            "Invalid user_id",
            &format!("no user with id {user_id}"),
        ));
    }
    let given_customer = input
        .get("customer_id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    if let Some(c) = given_customer
        && store.live("customers", c).is_none()
    {
        return Err(Refusal::legacy(
            "Invalid customer_id",
            &format!("no customer with id {c}"),
        ));
    }
    // No customer: the sale is the walk-in customer's, as in real payloads.
    let customer_id = given_customer
        .map(str::to_string)
        .or_else(|| store.walk_in_customer());
    let outlet_id = register
        .get("outlet_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let existing = match input.get("id").and_then(Value::as_str) {
        Some(id) => Some(
            store
                .live("sales", id)
                .cloned()
                .ok_or_else(|| Refusal::legacy("Invalid id", &format!("no sale with id {id}")))?,
        ),
        None => None,
    };

    let lines_in = input
        .get("register_sale_products")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if lines_in.is_empty() && status != "VOIDED" {
        return Err(Refusal::legacy(
            "Missing register_sale_products",
            "a sale needs at least one product",
        ));
    }
    let mut lines = Vec::new();
    let mut total_price = Decimal::ZERO;
    let mut total_tax = Decimal::ZERO;
    let mut total_loyalty = Decimal::ZERO;
    let mut taxes: Vec<(String, Decimal)> = Vec::new();
    for (i, line) in lines_in.iter().enumerate() {
        let at = |k: &str| format!("register_sale_products[{i}].{k}");
        let product_id = line.get("product_id").and_then(Value::as_str).unwrap_or("");
        if store.live("products", product_id).is_none() {
            return Err(Refusal::legacy(
                "Invalid product_id",
                &format!("{}: no product with id \"{product_id}\"", at("product_id")),
            ));
        }
        let number = |k: &str, required: bool| -> Result<Decimal, Refusal> {
            match line.get(k) {
                None | Some(Value::Null) if !required => Ok(Decimal::ZERO),
                v => dec(v).ok_or_else(|| {
                    Refusal::legacy(
                        &format!("Invalid {k}"),
                        &format!("{} must be a number", at(k)),
                    )
                }),
            }
        };
        let quantity = number("quantity", true)?;
        let price = number("price", true)?;
        let tax = number("tax", true)?;
        let discount = number("discount", false)?;
        let loyalty = number("loyalty_value", false)?;
        let cost = number("cost", false)?;
        let tax_id = line.get("tax_id").and_then(Value::as_str).unwrap_or("");
        if store.tax_rate(tax_id).is_none() {
            return Err(Refusal::legacy(
                "Invalid tax_id",
                &format!("{}: no tax with id \"{tax_id}\"", at("tax_id")),
            ));
        }
        let line_status = line
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("CONFIRMED");
        let price_total = (price * quantity).round_dp(5);
        let tax_total = (tax * quantity).round_dp(5);
        let discount_total = (discount * quantity).round_dp(5);
        let cost_total = (cost * quantity).round_dp(5);
        let loyalty_total = (loyalty * quantity).round_dp(5);
        if line_status != "VOIDED" {
            total_price += price_total;
            total_tax += tax_total;
            total_loyalty += loyalty_total;
            match taxes.iter_mut().find(|(id, _)| id == tax_id) {
                Some((_, amount)) => *amount += tax_total,
                None => taxes.push((tax_id.to_string(), tax_total)),
            }
        }
        let rate_id = store
            .live("taxes", tax_id)
            .and_then(|t| t.get("rates"))
            .and_then(|r| r.get(0))
            .and_then(|r| r.get("id"))
            .cloned()
            .unwrap_or(Value::Null);
        let id = line
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| store.uuid());
        lines.push(json!({
            "id": id, "product_id": product_id, "tax_id": tax_id,
            "discount_total": num(discount_total), "discount": num(discount),
            "price_total": num(price_total), "price": num(price),
            "cost_total": num(cost_total), "cost": num(cost),
            "tax_total": num(tax_total), "tax": num(tax),
            "quantity": num(quantity), "loyalty_value": num(loyalty),
            "price_set": matches!(line.get("price_set"), Some(Value::Bool(true)))
                || line.get("price_set").and_then(Value::as_i64) == Some(1),
            "status": line_status,
            "sequence": line.get("sequence").and_then(|s| s.as_i64().or_else(|| s.as_str()?.parse().ok())).unwrap_or(i as i64),
            "note": line.get("attributes").and_then(Value::as_array)
                .and_then(|a| a.iter().find(|x| x.get("name").and_then(Value::as_str) == Some("line_note")))
                .and_then(|x| x.get("value")).cloned().unwrap_or(Value::Null),
            "tax_components": [{"rate_id": rate_id, "total_tax": num(tax_total)}],
            "unit_cost": num(cost), "unit_discount": num(discount),
            "unit_loyalty_value": num(loyalty), "unit_price": num(price), "unit_tax": num(tax),
            "total_cost": num(cost_total), "total_discount": num(discount_total),
            "total_loyalty_value": num(loyalty_total), "total_price": num(price_total),
            "total_tax": num(tax_total), "is_return": quantity < Decimal::ZERO,
        }));
    }

    let now = store.now();
    let mut payments = Vec::new();
    for (i, p) in input
        .get("register_sale_payments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let type_id = p
            .get("retailer_payment_type_id")
            .and_then(Value::as_str)
            .unwrap_or("");
        let Some(pt) = store.live("payment_types", type_id).cloned() else {
            return Err(Refusal::legacy(
                "Invalid retailer_payment_type_id",
                &format!("register_sale_payments[{i}]: no payment type with id \"{type_id}\""),
            ));
        };
        let amount = dec(p.get("amount")).ok_or_else(|| {
            Refusal::legacy(
                "Invalid amount",
                &format!("register_sale_payments[{i}].amount must be a number"),
            )
        })?;
        let id = p
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| store.uuid());
        payments.push(json!({
            "id": id, "register_id": register_id, "outlet_id": outlet_id,
            "retailer_payment_type_id": type_id,
            "payment_type_id": pt.get("type_id").map(|t| t.to_string()).unwrap_or_default(),
            "name": pt.get("name").cloned().unwrap_or_default(),
            "amount": num(amount),
            "payment_date": p.get("payment_date").cloned().unwrap_or_else(|| Value::from(timestamp(now))),
            "external_attributes": [],
        }));
    }

    // Invoice numbers come from the register: prefix, sequence, suffix.
    let (invoice_number, invoice_sequence) = match (
        existing.as_ref(),
        input.get("invoice_number").and_then(Value::as_str),
    ) {
        (_, Some(n)) if !n.is_empty() => (n.to_string(), Value::Null),
        (Some(old), _) => (
            old.get("invoice_number")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            old.get("invoice_sequence").cloned().unwrap_or(Value::Null),
        ),
        (None, _) => {
            let mut reg = register.clone();
            let seq = reg
                .get("invoice_sequence")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                + 1;
            reg.insert("invoice_sequence".into(), Value::from(seq));
            let number = format!(
                "{}{seq}{}",
                reg.get("invoice_prefix")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
                reg.get("invoice_suffix")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            );
            store.save("registers", reg);
            (number, Value::from(seq))
        }
    };

    let id = existing
        .as_ref()
        .and_then(|e| e.get("id").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| store.uuid());
    // A short code sent with the sale is kept (as the 0.9 API does); otherwise the stored
    // one, or a new one.
    let short_code = input
        .get("short_code")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .map(Value::from)
        .or_else(|| existing.as_ref().and_then(|e| e.get("short_code").cloned()))
        .unwrap_or_else(|| Value::from(store.code(6, b"abcdefghijklmnopqrstuvwxyz")));
    let created_at = existing
        .as_ref()
        .and_then(|e| e.get("created_at").cloned())
        .unwrap_or_else(|| Value::from(timestamp(now)));
    let sale_date = match input.get("sale_date").and_then(Value::as_str) {
        Some(d) if !d.is_empty() => Value::from(normalise_date(d)),
        _ => existing
            .as_ref()
            .and_then(|e| e.get("sale_date").cloned())
            .unwrap_or_else(|| Value::from(timestamp(now))),
    };
    let sale = json!({
        "id": id,
        "outlet_id": outlet_id,
        "register_id": register_id,
        "user_id": user_id,
        "customer_id": customer_id,
        "invoice_number": invoice_number,
        "receipt_number": invoice_number,
        "invoice_sequence": invoice_sequence,
        "source": input.get("source").cloned().unwrap_or_else(|| Value::from("USER")),
        "source_id": input.get("source_id").cloned().unwrap_or(Value::Null),
        "status": status,
        "note": input.get("note").cloned().unwrap_or_else(|| Value::from("")),
        "short_code": short_code,
        "return_for": input.get("return_for").cloned().unwrap_or(Value::Null),
        "total_price": num(total_price),
        "total_tax": num(total_tax),
        "total_loyalty": num(total_loyalty),
        "created_at": created_at,
        "updated_at": timestamp(now),
        "sale_date": sale_date,
        "deleted_at": null,
        "line_items": lines,
        "payments": payments,
        "adjustments": [],
        "taxes": taxes.iter().map(|(id, amount)| json!({"id": id, "amount": num(*amount)})).collect::<Vec<_>>(),
    });
    let sale = sale.as_object().cloned().unwrap_or_default();

    // Stock: undo what the previous version of the sale moved, then apply this one.
    let mut moved = Vec::new();
    if let Some(old) = &existing {
        for (product, qty) in stock_lines(old) {
            moved.extend(store.adjust_level(&product, &outlet_id, qty));
        }
    }
    for (product, qty) in stock_lines(&sale) {
        moved.extend(store.adjust_level(&product, &outlet_id, -qty));
    }
    let sale_id = store.save("sales", sale);
    moved.sort();
    moved.dedup();
    Ok(SaleWrite {
        sale: sale_id,
        inventory: moved,
    })
}

/// `2016-05-05 23:35:34` (0.9, UTC) and RFC 3339 both become RFC 3339.
fn normalise_date(d: &str) -> String {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(d) {
        return timestamp(t.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(d, "%Y-%m-%d %H:%M:%S")
        .map(|n| timestamp(n.and_utc()))
        .unwrap_or_else(|_| d.to_string())
}

fn legacy_time(v: Option<&Value>) -> Value {
    v.and_then(Value::as_str)
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| {
            Value::from(
                t.with_timezone(&Utc)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
            )
        })
        .unwrap_or(Value::Null)
}

/// A sale in the 0.9 `register_sale` shape (the answer of `POST /api/register_sales` and the
/// `sale.update` webhook payload).
pub(crate) fn legacy(store: &Store, sale: &Map<String, Value>) -> Value {
    let get = |k: &str| sale.get(k).cloned().unwrap_or(Value::Null);
    let customer = sale
        .get("customer_id")
        .and_then(Value::as_str)
        .and_then(|c| store.live("customers", c));
    let user = sale
        .get("user_id")
        .and_then(Value::as_str)
        .and_then(|u| store.live("users", u));
    let register_id = get("register_id");
    let mut tax_names = Vec::new();
    let lines: Vec<Value> = sale
        .get("line_items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|l| {
            let product = l
                .get("product_id")
                .and_then(Value::as_str)
                .and_then(|p| store.row("products", p));
            let (tax_name, rate) = l
                .get("tax_id")
                .and_then(Value::as_str)
                .and_then(|t| store.tax_rate(t))
                .unwrap_or_default();
            if !tax_names.contains(&tax_name) {
                tax_names.push(tax_name.clone());
            }
            let p = |k: &str| {
                product
                    .and_then(|p| p.get(k))
                    .cloned()
                    .unwrap_or(Value::Null)
            };
            json!({
                "id": l.get("id"), "product_id": l.get("product_id"), "register_id": register_id,
                "sequence": l.get("sequence").map(|s| s.to_string()).unwrap_or_default(),
                "handle": p("handle"), "sku": p("sku"), "name": p("variant_name"),
                "quantity": l.get("quantity"), "price": l.get("price"),
                "price_set": i64::from(l.get("price_set") == Some(&Value::Bool(true))),
                "discount": l.get("discount"), "loyalty_value": l.get("loyalty_value"),
                "tax": l.get("tax"), "tax_id": l.get("tax_id"), "tax_name": tax_name,
                "tax_rate": num(rate), "tax_total": l.get("tax_total"),
                "price_total": l.get("price_total"),
                "display_retail_price_tax_inclusive": "0",
                "status": l.get("status"),
                "attributes": [{"name": "line_note", "value": l.get("note").and_then(Value::as_str).unwrap_or("")}],
            })
        })
        .collect();
    let payments: Vec<Value> = sale
        .get("payments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| {
            json!({
                "id": p.get("id"), "payment_type_id": p.get("payment_type_id"),
                "register_id": p.get("register_id"),
                "retailer_payment_type_id": p.get("retailer_payment_type_id"),
                "name": p.get("name"), "label": p.get("name"),
                "payment_date": legacy_time(p.get("payment_date")),
                "amount": p.get("amount"),
            })
        })
        .collect();
    let total_price = dec(sale.get("total_price")).unwrap_or_default();
    let total_tax = dec(sale.get("total_tax")).unwrap_or_default();
    let paid: Decimal = payments.iter().filter_map(|p| dec(p.get("amount"))).sum();
    let total_cost: Decimal = sale
        .get("line_items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|l| dec(l.get("cost_total")))
        .sum();
    let customer_json = customer
        .map(|c| {
            json!({"id": c.get("id"), "name": c.get("name"), "customer_code": c.get("customer_code"),
                   "first_name": c.get("first_name"), "last_name": c.get("last_name"),
                   "email": c.get("email"), "phone": c.get("phone")})
        })
        .unwrap_or_else(|| json!({}));
    json!({
        "id": get("id"),
        "register_id": register_id,
        "market_id": "1",
        "customer_id": get("customer_id"),
        "customer_name": customer.and_then(|c| c.get("name")).cloned().unwrap_or_else(|| Value::from("")),
        "customer": customer_json,
        "user_id": get("user_id"),
        "user_name": user.and_then(|u| u.get("display_name")).cloned().unwrap_or_else(|| Value::from("")),
        "sale_date": legacy_time(sale.get("sale_date")),
        "created_at": legacy_time(sale.get("created_at")),
        "updated_at": legacy_time(sale.get("updated_at")),
        "total_price": num(total_price),
        "total_cost": num(total_cost),
        "total_tax": num(total_tax),
        "tax_name": tax_names.join(", "),
        "note": get("note"),
        "status": get("status"),
        "short_code": get("short_code"),
        "invoice_number": get("invoice_number"),
        "source": get("source"),
        "source_id": get("source_id"),
        "return_for": get("return_for"),
        "version": get("version"),
        "register_sale_products": lines,
        "totals": {
            "total_tax": num(total_tax),
            "total_price": num(total_price),
            "total_payment": num(paid),
            "total_to_pay": num(total_price + total_tax - paid),
        },
        "register_sale_payments": payments,
        "taxes": sale.get("taxes").and_then(Value::as_array).into_iter().flatten().map(|t| {
            let (name, rate) = t.get("id").and_then(Value::as_str).and_then(|id| store.tax_rate(id)).unwrap_or_default();
            json!({"id": t.get("id"), "tax": t.get("amount"), "name": name, "rate": num(rate)})
        }).collect::<Vec<_>>(),
    })
}
