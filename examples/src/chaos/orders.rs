//! The fulfillment side of the chaos suite: requests, the X-Series products they name, the
//! place the sales are made (register, user, tax from the emulator), and the check that each
//! request became exactly one register sale.

use std::collections::{BTreeMap, HashMap};

use chrono::{TimeZone, Utc};
use lightspeed_core::transport::ReqwestTransport;
use lightspeed_sync::fulfillment::{Address, FulfillmentOptions, FulfillmentRequest, RequestLine};
use lightspeed_xseries::model::{ProductCreate, SaleStatus};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use super::catalog::mix;
use super::{Quiet, clock, xseries_client};

/// The products the requests name: (SKU, name, price excluding tax in cents).
const PRODUCTS: &[(&str, &str, i64)] = &[
    ("FR-WALLET", "Leather Wallet", 7434),
    ("FR-WATCH", "Luxury Watch", 107_355),
    ("FR-TEE-S", "Cotton T-shirt S", 2062),
    ("FR-TEE-M", "Cotton T-shirt M", 2062),
    ("FR-SCARF", "Wool Scarf", 3999),
    ("FR-BELT", "Belt", 2450),
];

/// Creates the products the requests name in the X-Series store at `url` (run it without
/// faults); answers their SKUs.
pub async fn seed_products(url: &str) -> Result<Vec<String>, String> {
    let (wire, _) = Quiet::new(ReqwestTransport::new().map_err(|e| e.to_string())?);
    let client = xseries_client(url, wire, clock())?;
    for (sku, name, cents) in PRODUCTS {
        let product = ProductCreate {
            name: Some((*name).into()),
            sku: Some((*sku).into()),
            price_excluding_tax: Some(Decimal::new(*cents, 2)),
            ..Default::default()
        };
        client
            .products()
            .create(&product)
            .await
            .map_err(|e| format!("creating product {sku}: {e}"))?;
    }
    Ok(PRODUCTS.iter().map(|(s, _, _)| s.to_string()).collect())
}

/// `n` requests `CHAOS-00001`...: customers repeat (about one e-mail for three requests), one
/// to three lines each, some with shipping or a discount.
pub fn requests(n: u64, seed: u64, skus: &[String]) -> Vec<FulfillmentRequest> {
    let customers = (n / 3).max(1);
    let start = Utc.with_ymd_and_hms(2024, 6, 1, 9, 0, 0).single();
    (0..n)
        .map(|i| {
            let c = mix(seed, i, 30) % customers;
            let lines = 1 + mix(seed, i, 31) % 3;
            let items = (0..lines)
                .map(|l| {
                    let p = (mix(seed, i, 32 + l) % skus.len() as u64) as usize;
                    let cents = PRODUCTS.get(p).map_or(1000, |(_, _, c)| *c);
                    RequestLine {
                        sku: skus[p].clone(),
                        quantity: Decimal::from(1 + mix(seed, i, 40 + l) % 3),
                        unit_price: Decimal::new(cents, 2),
                    }
                })
                .collect();
            FulfillmentRequest {
                number: format!("CHAOS-{:05}", i + 1),
                created_at: start.unwrap_or_else(Utc::now) + chrono::Duration::minutes(i as i64),
                email: format!("customer{c}@example.com"),
                first_name: format!("Klant{c}"),
                last_name: "de Vries".into(),
                ship_to: Address {
                    address1: format!("Prinsengracht {}", 100 + c),
                    address2: None,
                    city: "Amsterdam".into(),
                    state: "Noord-Holland".into(),
                    postcode: "1016 GV".into(),
                    country_id: "NL".into(),
                },
                billing: None,
                items,
                shipping_cost: if mix(seed, i, 50).is_multiple_of(2) {
                    Decimal::new(495, 2)
                } else {
                    Decimal::ZERO
                },
                discount: if mix(seed, i, 51).is_multiple_of(5) {
                    Decimal::new(500, 2)
                } else {
                    Decimal::ZERO
                },
                note: None,
            }
        })
        .collect()
}

/// Where the sales are made: the emulator's first register, user and tax, paid in cash.
/// Reads only.
pub async fn options(client: &lightspeed_xseries::Client) -> Result<FulfillmentOptions, String> {
    let text = |e: lightspeed_xseries::Error| e.to_string();
    let register = client.registers().all().await.map_err(text)?;
    let user = client.users().all().await.map_err(text)?;
    let tax = client.taxes().all().await.map_err(text)?;
    let cash = client
        .payment_types()
        .all()
        .await
        .map_err(text)?
        .into_iter()
        .find(|p| p.name.as_deref() == Some("Cash"))
        .and_then(|p| p.id)
        .map(|i| i.to_string());
    let register = register
        .first()
        .and_then(|r| r.id.as_ref())
        .ok_or("no register")?;
    let user = user.first().and_then(|u| u.id.as_ref()).ok_or("no user")?;
    let tax = tax.first().ok_or("no tax")?;
    let rate = tax
        .rates
        .as_ref()
        .and_then(|r| r.first())
        .and_then(|r| r.rate)
        .unwrap_or_default();
    Ok(FulfillmentOptions {
        register_id: register.to_string(),
        user_id: user.to_string(),
        tax_id: tax.id.as_ref().ok_or("no tax id")?.to_string(),
        tax_rate: rate,
        payment_type_id: cash,
        status: SaleStatus::Closed,
        shipping_sku: None,
        hold_hours: 0,
        business_hours: None,
    })
}

/// The result of a fulfillment check.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SaleCheck {
    /// Requests.
    pub requests: usize,
    /// Sales in the store.
    pub sales: usize,
    /// Requests without a sale.
    pub missing: usize,
    /// Extra sales: one more for each further sale with a request's `source_id`, each sale
    /// whose `source_id` is no request's, and each further customer with the same e-mail.
    pub duplicated: usize,
    /// Sales whose lines are not the request's (products, quantities).
    pub different: usize,
    /// The first request numbers, `source_id`s or e-mails behind the counts.
    pub keys: Vec<String>,
}

impl SaleCheck {
    /// Whether every count is zero.
    pub fn is_clean(&self) -> bool {
        self.missing == 0 && self.duplicated == 0 && self.different == 0
    }

    fn note(&mut self, what: String) {
        if self.keys.len() < 20 {
            self.keys.push(what);
        }
    }
}

/// Compares the store's sales (an emulator dump) with the requests.
pub fn check(dump: &Value, requests: &[FulfillmentRequest]) -> SaleCheck {
    let x = &dump["xseries"];
    let rows = |name: &str| x[name].as_array().cloned().unwrap_or_default();
    let sales = rows("sales");
    let mut check = SaleCheck {
        requests: requests.len(),
        sales: sales.len(),
        ..SaleCheck::default()
    };
    let product_of: HashMap<String, String> = rows("products")
        .iter()
        .filter_map(|p| {
            Some((
                p["id"].as_str()?.to_string(),
                p["sku"].as_str()?.to_string(),
            ))
        })
        .collect();
    let mut by_source: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for s in &sales {
        let source = s["source_id"].as_str().unwrap_or("").to_string();
        by_source.entry(source).or_default().push(s);
    }
    for r in requests {
        match by_source.remove(&r.number) {
            None => {
                check.missing += 1;
                check.note(format!("{} has no sale", r.number));
            }
            Some(found) => {
                if found.len() > 1 {
                    check.duplicated += found.len() - 1;
                    check.note(format!("{} has {} sales", r.number, found.len()));
                }
                let mut want: BTreeMap<&str, Decimal> = BTreeMap::new();
                for l in &r.items {
                    *want.entry(&l.sku).or_default() += l.quantity;
                }
                for sale in found {
                    let mut have: BTreeMap<&str, Decimal> = BTreeMap::new();
                    for line in sale["line_items"].as_array().into_iter().flatten() {
                        let sku = line["product_id"]
                            .as_str()
                            .and_then(|p| product_of.get(p))
                            .map_or("?", String::as_str);
                        let q = super::check::decimal(&line["quantity"]);
                        *have.entry(sku).or_default() += q.unwrap_or_default();
                    }
                    if have != want {
                        check.different += 1;
                        check.note(format!("{}: lines {have:?}, not {want:?}", r.number));
                    }
                }
            }
        }
    }
    for (source, extra) in by_source {
        check.duplicated += extra.len();
        check.note(format!(
            "{} sales with source_id {source:?}, no request's",
            extra.len()
        ));
    }
    let mut emails: BTreeMap<String, usize> = BTreeMap::new();
    for c in rows("customers") {
        if let Some(e) = c["email"].as_str().filter(|e| e.starts_with("customer")) {
            *emails.entry(e.to_lowercase()).or_default() += 1;
        }
    }
    for (email, n) in emails.into_iter().filter(|(_, n)| *n > 1) {
        check.duplicated += n - 1;
        check.note(format!("customer {email} {n} times"));
    }
    check
}
