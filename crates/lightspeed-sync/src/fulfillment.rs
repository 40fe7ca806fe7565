//! Fulfillment requests -> X-Series register sales (feature `xseries`), once and only once.
//!
//! A request becomes a register sale with the configured register, user and tax. Its
//! customer is found by e-mail, or created with the ship-to address (address 1, city, state,
//! postcode and country are required and checked before anything is sent). SKUs resolve to
//! product ids through a cache in the state store. "Hold for X hours" and "only during
//! business hours" (in a time zone) delay requests to a later run. The request number is the
//! sale's `source_id`; the state store records each request once the API confirmed its sale,
//! and a request started but not recorded (a crash between the POST and the record) is looked
//! up by `source_id` before anything is sent again.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Datelike, NaiveTime, Utc, Weekday};
use lightspeed_xseries::Client;
use lightspeed_xseries::model::{
    CustomerInput, PaymentTypeId, RegisterId, RegisterSaleInput, RegisterSalePaymentInput,
    RegisterSaleProductInput, SaleStatus, TaxId, UserId,
};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorClass, Result, TargetError};
use crate::state::StateStore;

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Address {
    /// Street and number.
    #[serde(default)]
    pub address1: String,
    /// Second line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address2: Option<String>,
    /// City.
    #[serde(default)]
    pub city: String,
    /// State or province.
    #[serde(default)]
    pub state: String,
    /// Postcode.
    #[serde(default)]
    pub postcode: String,
    /// Two-letter country id (`NL`).
    #[serde(default)]
    pub country_id: String,
}

/// One line of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestLine {
    /// The SKU.
    pub sku: String,
    /// How many.
    pub quantity: Decimal,
    /// Unit price, excluding tax.
    pub unit_price: Decimal,
}

/// A fulfillment request (an order to ship).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FulfillmentRequest {
    /// Its number: the sale's `source_id`, and the key that makes it once-only.
    pub number: String,
    /// When it was placed.
    pub created_at: DateTime<Utc>,
    /// The customer's e-mail (finds or creates the customer).
    pub email: String,
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Last name.
    #[serde(default)]
    pub last_name: String,
    /// Where it ships.
    pub ship_to: Address,
    /// Billing address, when it differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<Address>,
    /// The lines.
    pub items: Vec<RequestLine>,
    /// Shipping cost, excluding tax.
    #[serde(default)]
    pub shipping_cost: Decimal,
    /// Discount on the order, excluding tax.
    #[serde(default)]
    pub discount: Decimal,
    /// A note for the sale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Opening hours: weekdays and a daily window, in a time zone.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessHours {
    /// The time zone (`Europe/Amsterdam`).
    pub zone: chrono_tz::Tz,
    /// Open days.
    pub days: Vec<Weekday>,
    /// Opening time.
    pub open: NaiveTime,
    /// Closing time.
    pub close: NaiveTime,
}

impl BusinessHours {
    /// Monday to Friday, 09:00 to 17:00 in `zone`.
    pub fn office(zone: chrono_tz::Tz) -> Self {
        BusinessHours {
            zone,
            days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            open: NaiveTime::from_hms_opt(9, 0, 0).expect("valid"),
            close: NaiveTime::from_hms_opt(17, 0, 0).expect("valid"),
        }
    }

    /// Whether `now` falls in the opening hours (in the zone's local time, daylight saving
    /// included).
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        let local = now.with_timezone(&self.zone);
        let time = local.time();
        self.days.contains(&local.weekday()) && time >= self.open && time < self.close
    }
}

/// Where and how sales are made.
#[derive(Debug, Clone)]
pub struct FulfillmentOptions {
    /// The register the sales are made on.
    pub register_id: String,
    /// The user who makes them.
    pub user_id: String,
    /// The tax of every line.
    pub tax_id: String,
    /// The tax rate of that tax (0.21 for 21%), for the lines' tax amounts.
    pub tax_rate: Decimal,
    /// Pay the total with this payment type (a closed, paid sale); `None`: no payment.
    pub payment_type_id: Option<String>,
    /// The sale's status (default `CLOSED`).
    pub status: SaleStatus,
    /// The SKU of a product that carries shipping as a line; without it, shipping and
    /// discount are written in the note.
    pub shipping_sku: Option<String>,
    /// Wait this many hours after a request was placed.
    pub hold_hours: u32,
    /// Send only during these hours.
    pub business_hours: Option<BusinessHours>,
}

/// How one request ended this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RequestOutcome {
    /// A sale was created.
    Created {
        /// The sale's id.
        sale_id: String,
    },
    /// Its sale already existed (found by `source_id` after an interrupted run).
    Found {
        /// The sale's id.
        sale_id: String,
    },
    /// Processed in an earlier run.
    AlreadyProcessed,
    /// Held: not yet `hold_hours` old.
    Held,
    /// Outside business hours.
    Waiting,
    /// Refused (a missing address field, an unknown SKU, or the API's message).
    Rejected {
        /// Why.
        message: String,
    },
    /// Failed transiently; the next run tries again.
    Pending {
        /// Why.
        message: String,
    },
}

/// What a run did, per request number.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FulfillmentReport {
    /// Per request, in the order given.
    pub requests: Vec<(String, RequestOutcome)>,
}

impl FulfillmentReport {
    /// Sales created this run.
    pub fn created(&self) -> usize {
        self.requests
            .iter()
            .filter(|(_, o)| matches!(o, RequestOutcome::Created { .. }))
            .count()
    }

    /// Requests rejected or pending.
    pub fn failed(&self) -> usize {
        self.requests
            .iter()
            .filter(|(_, o)| {
                matches!(
                    o,
                    RequestOutcome::Rejected { .. } | RequestOutcome::Pending { .. }
                )
            })
            .count()
    }

    /// Requests processed before (or found) and left alone.
    pub fn unchanged(&self) -> usize {
        self.requests
            .iter()
            .filter(|(_, o)| {
                matches!(
                    o,
                    RequestOutcome::AlreadyProcessed | RequestOutcome::Found { .. }
                )
            })
            .count()
    }
}

/// Where fulfillment requests come from.
#[async_trait]
pub trait OrderSource: Send + Sync {
    /// The open requests.
    async fn requests(&self) -> Result<Vec<FulfillmentRequest>>;
}

/// Requests held in memory (or read from a JSON file with [`MemoryOrderSource::from_json`]).
#[derive(Debug, Clone, Default)]
pub struct MemoryOrderSource {
    requests: Vec<FulfillmentRequest>,
}

impl MemoryOrderSource {
    /// These requests.
    pub fn new(requests: Vec<FulfillmentRequest>) -> Self {
        MemoryOrderSource { requests }
    }

    /// Requests from a JSON array.
    pub fn from_json(text: &str) -> Result<Self> {
        let requests = serde_json::from_str(text).map_err(|e| Error::Source {
            source_name: "fulfillment requests".into(),
            message: format!("line {}, column {}: {e}", e.line(), e.column()),
        })?;
        Ok(MemoryOrderSource { requests })
    }
}

#[async_trait]
impl OrderSource for MemoryOrderSource {
    async fn requests(&self) -> Result<Vec<FulfillmentRequest>> {
        Ok(self.requests.clone())
    }
}

/// Checks the ship-to address before anything is sent; names the first missing field.
pub fn validate(request: &FulfillmentRequest) -> std::result::Result<(), String> {
    let a = &request.ship_to;
    for (name, value) in [
        ("address1", &a.address1),
        ("city", &a.city),
        ("state", &a.state),
        ("postcode", &a.postcode),
        ("country_id", &a.country_id),
    ] {
        if value.trim().is_empty() {
            return Err(format!(
                "request {}: ship_to.{name} is required",
                request.number
            ));
        }
    }
    if a.country_id.trim().len() != 2 {
        return Err(format!(
            "request {}: ship_to.country_id {:?} is not a two-letter country code",
            request.number, a.country_id
        ));
    }
    if request.items.is_empty() {
        return Err(format!("request {}: no items", request.number));
    }
    if !request.email.contains('@') {
        return Err(format!(
            "request {}: email {:?} is not an address",
            request.number, request.email
        ));
    }
    Ok(())
}

fn api(e: lightspeed_xseries::Error) -> TargetError {
    match &e {
        lightspeed_xseries::Error::Api(core) => {
            let mut t = TargetError::from_core(core);
            t.message = e.to_string();
            t
        }
        _ => TargetError::transient(e.to_string()),
    }
}

const PROCESSED: &str = "processed";
const STARTED: &str = "started";

fn mark_key(number: &str) -> String {
    format!("fulfillment:{number}")
}

fn sku_key(sku: &str) -> String {
    format!("xseries.sku:{sku}")
}

/// Sends the requests that are due as register sales; `now` decides holds and business
/// hours (inject it in tests).
pub async fn send(
    client: &Client,
    source: &dyn OrderSource,
    state: &dyn StateStore,
    options: &FulfillmentOptions,
    now: DateTime<Utc>,
) -> Result<FulfillmentReport> {
    let mut report = FulfillmentReport::default();
    let mut customers: BTreeMap<String, String> = BTreeMap::new();
    for request in source.requests().await? {
        let outcome = match one(client, &request, state, options, now, &mut customers).await {
            Ok(o) => o,
            Err(e) if e.class == ErrorClass::Fatal => return Err(Error::Target(e)),
            Err(e) if e.class == ErrorClass::Rejected => {
                RequestOutcome::Rejected { message: e.message }
            }
            Err(e) => RequestOutcome::Pending { message: e.message },
        };
        if let RequestOutcome::Rejected { message } = &outcome {
            state
                .set_cursor(&mark_key(&request.number), &format!("rejected: {message}"))
                .await?;
        }
        report.requests.push((request.number.clone(), outcome));
    }
    Ok(report)
}

async fn one(
    client: &Client,
    request: &FulfillmentRequest,
    state: &dyn StateStore,
    options: &FulfillmentOptions,
    now: DateTime<Utc>,
    customers: &mut BTreeMap<String, String>,
) -> std::result::Result<RequestOutcome, TargetError> {
    let store = |e: Error| TargetError::fatal(e.to_string());
    let key = mark_key(&request.number);
    let mark = state.cursor(&key).await.map_err(store)?;
    if mark.as_deref().is_some_and(|m| m.starts_with(PROCESSED)) {
        return Ok(RequestOutcome::AlreadyProcessed);
    }
    if now < request.created_at + chrono::Duration::hours(i64::from(options.hold_hours)) {
        return Ok(RequestOutcome::Held);
    }
    if options
        .business_hours
        .as_ref()
        .is_some_and(|h| !h.is_open(now))
    {
        return Ok(RequestOutcome::Waiting);
    }
    validate(request).map_err(TargetError::rejected)?;
    // Started before but never recorded: the sale may exist.
    if mark.as_deref() == Some(STARTED) {
        let found = client
            .sales()
            .find_by_source_id(&request.number)
            .await
            .map_err(api)?;
        if let Some(sale) = found.into_iter().next() {
            let id = sale.id.map(|i| i.to_string()).unwrap_or_default();
            state
                .set_cursor(&key, &format!("{PROCESSED}:{id}"))
                .await
                .map_err(store)?;
            return Ok(RequestOutcome::Found { sale_id: id });
        }
    }
    // The customer: by e-mail, or created with the ship-to address.
    let customer = match customers.get(&request.email) {
        Some(id) => id.clone(),
        None => {
            let found = client
                .customers()
                .find_by_email(&request.email)
                .await
                .map_err(api)?;
            let id = match found.into_iter().next().and_then(|c| c.id) {
                Some(id) => id.to_string(),
                None => {
                    let a = &request.ship_to;
                    let input = CustomerInput {
                        first_name: Some(request.first_name.clone()),
                        last_name: Some(request.last_name.clone()),
                        email: Some(request.email.clone()),
                        physical_address_1: Some(a.address1.clone()),
                        physical_address_2: a.address2.clone(),
                        physical_city: Some(a.city.clone()),
                        physical_state: Some(a.state.clone()),
                        physical_postcode: Some(a.postcode.clone()),
                        physical_country_id: Some(a.country_id.clone()),
                        ..Default::default()
                    };
                    let created = client.customers().create(&input).await.map_err(api)?;
                    created.id.map(|i| i.to_string()).unwrap_or_default()
                }
            };
            customers.insert(request.email.clone(), id.clone());
            id
        }
    };
    // SKUs to product ids, cached in the state store.
    let mut lines = Vec::new();
    let mut items: Vec<(String, Decimal, Decimal)> = request
        .items
        .iter()
        .map(|l| (l.sku.clone(), l.quantity, l.unit_price))
        .collect();
    let mut note = request.note.clone().unwrap_or_default();
    match &options.shipping_sku {
        Some(sku) if request.shipping_cost > Decimal::ZERO => {
            items.push((sku.clone(), Decimal::ONE, request.shipping_cost));
        }
        None if request.shipping_cost > Decimal::ZERO => {
            note = format!("{note} Shipping: {}.", request.shipping_cost)
                .trim()
                .to_string();
        }
        _ => {}
    }
    for (sku, quantity, price) in items {
        let product = match state.cursor(&sku_key(&sku)).await.map_err(store)? {
            Some(id) => id,
            None => {
                let found = client
                    .products()
                    .list()
                    .filter("sku", &sku)
                    .page()
                    .await
                    .map_err(api)?;
                let id = found
                    .items()
                    .into_iter()
                    .find(|p| p.sku.as_deref() == Some(sku.as_str()))
                    .and_then(|p| p.id)
                    .ok_or_else(|| {
                        TargetError::rejected(format!(
                            "request {}: no product with SKU {sku}",
                            request.number
                        ))
                    })?
                    .to_string();
                state.set_cursor(&sku_key(&sku), &id).await.map_err(store)?;
                id
            }
        };
        let tax = (price * options.tax_rate)
            .round_dp_with_strategy(5, RoundingStrategy::MidpointAwayFromZero);
        lines.push(RegisterSaleProductInput {
            product_id: Some(product.as_str().into()),
            quantity: Some(quantity),
            price: Some(price),
            tax: Some(tax),
            tax_id: Some(TaxId::from(options.tax_id.as_str())),
            ..Default::default()
        });
    }
    // The discount comes off the first line's unit price, tax recomputed.
    if request.discount > Decimal::ZERO
        && let Some(first) = lines.first_mut()
    {
        let quantity = first.quantity.unwrap_or(Decimal::ONE).max(Decimal::ONE);
        let per_unit = (request.discount / quantity)
            .round_dp_with_strategy(5, RoundingStrategy::MidpointAwayFromZero);
        first.discount = Some(per_unit);
        let price = first.price.unwrap_or_default() - per_unit;
        first.price = Some(price);
        first.tax = Some(
            (price * options.tax_rate)
                .round_dp_with_strategy(5, RoundingStrategy::MidpointAwayFromZero),
        );
    }
    let total: Decimal = lines
        .iter()
        .map(|l| {
            (l.price.unwrap_or_default() + l.tax.unwrap_or_default())
                * l.quantity.unwrap_or_default()
        })
        .sum::<Decimal>()
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let sale = RegisterSaleInput {
        register_id: Some(RegisterId::from(options.register_id.as_str())),
        user_id: Some(UserId::from(options.user_id.as_str())),
        customer_id: Some(customer.as_str().into()),
        status: Some(options.status.clone()),
        source_id: Some(request.number.clone()),
        note: (!note.is_empty()).then_some(note),
        register_sale_products: Some(lines),
        register_sale_payments: options.payment_type_id.as_ref().map(|p| {
            vec![RegisterSalePaymentInput {
                retailer_payment_type_id: Some(PaymentTypeId::from(p.as_str())),
                amount: Some(total),
                ..Default::default()
            }]
        }),
        ..Default::default()
    };
    // Recorded before the POST: a crash after it leaves a trail to look the sale up by.
    state.set_cursor(&key, STARTED).await.map_err(store)?;
    let created = client
        .sales()
        .create_register_sale(&sale)
        .await
        .map_err(api)?;
    let id = created.id.map(|i| i.to_string()).unwrap_or_default();
    state
        .set_cursor(&key, &format!("{PROCESSED}:{id}"))
        .await
        .map_err(store)?;
    Ok(RequestOutcome::Created { sale_id: id })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn request() -> FulfillmentRequest {
        FulfillmentRequest {
            number: "FR-1".into(),
            created_at: Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap(),
            email: "tony@stark.com".into(),
            first_name: "Tony".into(),
            last_name: "Stark".into(),
            ship_to: Address {
                address1: "Damrak 1".into(),
                address2: None,
                city: "Amsterdam".into(),
                state: "NH".into(),
                postcode: "1012 LG".into(),
                country_id: "NL".into(),
            },
            billing: None,
            items: vec![RequestLine {
                sku: "W-1".into(),
                quantity: Decimal::ONE,
                unit_price: Decimal::new(4000, 2),
            }],
            shipping_cost: Decimal::ZERO,
            discount: Decimal::ZERO,
            note: None,
        }
    }

    #[test]
    fn the_address_is_checked_field_by_field() {
        assert!(validate(&request()).is_ok());
        let mut r = request();
        r.ship_to.postcode = " ".into();
        assert_eq!(
            validate(&r).unwrap_err(),
            "request FR-1: ship_to.postcode is required"
        );
        let mut r = request();
        r.ship_to.country_id = "NLD".into();
        assert!(validate(&r).unwrap_err().contains("two-letter"));
    }

    #[test]
    fn business_hours_follow_the_zone_and_its_daylight_saving() {
        let hours = BusinessHours::office(chrono_tz::Europe::Amsterdam);
        // Monday 23 November 2026 (winter time, UTC+1): 08:30 UTC is 09:30 local.
        assert!(hours.is_open(Utc.with_ymd_and_hms(2026, 11, 23, 8, 30, 0).unwrap()));
        assert!(!hours.is_open(Utc.with_ymd_and_hms(2026, 11, 23, 7, 30, 0).unwrap()));
        // Summer time (UTC+2): 07:30 UTC is 09:30 local.
        assert!(hours.is_open(Utc.with_ymd_and_hms(2026, 6, 1, 7, 30, 0).unwrap()));
        // Saturday.
        assert!(!hours.is_open(Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0).unwrap()));
    }
}
