//! Fulfillment requests -> X-Series register sales (feature `xseries`), once and only once.
//!
//! Requests come from an [`OrderSource`]; sales go to a [`SaleSink`] ([`XSeriesSales`] for
//! X-Series register sales, [`MemorySaleSink`] for tests), so the logic below serves any
//! point of sale that can find and make sales.
//!
//! A request becomes a register sale with the configured register, user and tax. Its
//! customer is found by e-mail, or created with the ship-to address (address 1, city, state,
//! postcode and country are required and checked before anything is sent). SKUs resolve to
//! product ids through a cache in the state store. "Hold for X hours" and "only during
//! business hours" (in a time zone) delay requests to a later run. The request number is the
//! sale's `source_id`. Before the sale is sent, an [`Intent`] is recorded in the state store's
//! ledger; it is closed once the API confirmed the sale (or a lookup showed it never landed).
//! While it is open (a crash, a lost answer, a refusal of the retry), every run looks the sale
//! up by `source_id` before anything is sent again, so a request becomes one sale, whatever
//! happens in between.

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
use crate::state::{Intent, StateStore};

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
        let requests = serde_json::from_str(text).map_err(|e| {
            Error::source_error(
                "fulfillment requests",
                format!("line {}, column {}", e.line(), e.column()),
                Some(Box::new(e)),
            )
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

/// A sale to make: what [`send`] builds from a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaleDraft {
    /// The register.
    pub register_id: String,
    /// The user.
    pub user_id: String,
    /// The customer's id.
    pub customer_id: String,
    /// The status.
    pub status: SaleStatus,
    /// The request number.
    pub source_id: String,
    /// The note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The lines.
    pub lines: Vec<DraftLine>,
    /// A payment of the total with this payment type, if any: (payment type id, amount).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<(String, Decimal)>,
}

/// A line of a [`SaleDraft`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftLine {
    /// The product's id.
    pub product_id: String,
    /// How many.
    pub quantity: Decimal,
    /// Unit price, excluding tax (after any discount).
    pub price: Decimal,
    /// Unit tax.
    pub tax: Decimal,
    /// The tax.
    pub tax_id: String,
    /// Unit discount.
    #[serde(default)]
    pub discount: Decimal,
}

/// Where sales go.
#[async_trait]
pub trait SaleSink: Send + Sync {
    /// The id of the sale made for this request number, if there is one.
    async fn find_sale(&self, source_id: &str) -> std::result::Result<Option<String>, TargetError>;
    /// The id of the customer with this e-mail, if there is one.
    async fn find_customer(&self, email: &str) -> std::result::Result<Option<String>, TargetError>;
    /// Creates the request's customer (its ship-to address as the physical address).
    async fn create_customer(
        &self,
        request: &FulfillmentRequest,
    ) -> std::result::Result<String, TargetError>;
    /// The id of the product with this SKU, if there is one.
    async fn product_id(&self, sku: &str) -> std::result::Result<Option<String>, TargetError>;
    /// Makes the sale; answers its id.
    async fn create_sale(&self, sale: &SaleDraft) -> std::result::Result<String, TargetError>;
}

/// X-Series: customers through API 2.0, sales through 0.9 `register_sales`, lookups through
/// `/search`.
#[derive(Debug, Clone)]
pub struct XSeriesSales {
    client: Client,
}

impl XSeriesSales {
    /// Sales on the store behind `client`.
    pub fn new(client: Client) -> Self {
        XSeriesSales { client }
    }
}

#[async_trait]
impl SaleSink for XSeriesSales {
    async fn find_sale(&self, source_id: &str) -> std::result::Result<Option<String>, TargetError> {
        let found = self
            .client
            .sales()
            .find_by_source_id(source_id)
            .await
            .map_err(api)?;
        Ok(found.into_iter().find_map(|s| s.id.map(|i| i.to_string())))
    }

    async fn find_customer(&self, email: &str) -> std::result::Result<Option<String>, TargetError> {
        let found = self
            .client
            .customers()
            .find_by_email(email)
            .await
            .map_err(api)?;
        Ok(found.into_iter().find_map(|c| c.id.map(|i| i.to_string())))
    }

    async fn create_customer(
        &self,
        request: &FulfillmentRequest,
    ) -> std::result::Result<String, TargetError> {
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
        let created = self.client.customers().create(&input).await.map_err(api)?;
        Ok(created.id.map(|i| i.to_string()).unwrap_or_default())
    }

    async fn product_id(&self, sku: &str) -> std::result::Result<Option<String>, TargetError> {
        let page = self
            .client
            .products()
            .list()
            .filter("sku", sku)
            .page()
            .await
            .map_err(api)?;
        Ok(page
            .items()
            .into_iter()
            .find(|p| p.sku.as_deref() == Some(sku))
            .and_then(|p| p.id)
            .map(|i| i.to_string()))
    }

    async fn create_sale(&self, sale: &SaleDraft) -> std::result::Result<String, TargetError> {
        let input = RegisterSaleInput {
            register_id: Some(RegisterId::from(sale.register_id.as_str())),
            user_id: Some(UserId::from(sale.user_id.as_str())),
            customer_id: Some(sale.customer_id.as_str().into()),
            status: Some(sale.status.clone()),
            source_id: Some(sale.source_id.clone()),
            note: sale.note.clone(),
            register_sale_products: Some(
                sale.lines
                    .iter()
                    .map(|l| RegisterSaleProductInput {
                        product_id: Some(l.product_id.as_str().into()),
                        quantity: Some(l.quantity),
                        price: Some(l.price),
                        tax: Some(l.tax),
                        tax_id: Some(TaxId::from(l.tax_id.as_str())),
                        discount: (l.discount > Decimal::ZERO).then_some(l.discount),
                        ..Default::default()
                    })
                    .collect(),
            ),
            register_sale_payments: sale.payment.as_ref().map(|(id, amount)| {
                vec![RegisterSalePaymentInput {
                    retailer_payment_type_id: Some(PaymentTypeId::from(id.as_str())),
                    amount: Some(*amount),
                    ..Default::default()
                }]
            }),
            ..Default::default()
        };
        let created = self
            .client
            .sales()
            .create_register_sale(&input)
            .await
            .map_err(api)?;
        Ok(created.id.map(|i| i.to_string()).unwrap_or_default())
    }
}

/// Sales kept in memory (tests): products are given by SKU up front.
#[derive(Debug, Default)]
pub struct MemorySaleSink {
    inner: std::sync::Mutex<MemorySales>,
}

#[derive(Debug, Default)]
struct MemorySales {
    products: BTreeMap<String, String>,
    customers: BTreeMap<String, String>,
    sales: Vec<(String, SaleDraft)>,
}

impl MemorySaleSink {
    /// A sink that knows these products (SKU → id).
    pub fn with_products(products: impl IntoIterator<Item = (String, String)>) -> Self {
        MemorySaleSink {
            inner: std::sync::Mutex::new(MemorySales {
                products: products.into_iter().collect(),
                ..Default::default()
            }),
        }
    }

    /// Every sale made, with its id.
    pub fn sales(&self) -> Vec<(String, SaleDraft)> {
        self.lock().sales.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemorySales> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl SaleSink for MemorySaleSink {
    async fn find_sale(&self, source_id: &str) -> std::result::Result<Option<String>, TargetError> {
        Ok(self
            .lock()
            .sales
            .iter()
            .find(|(_, s)| s.source_id == source_id)
            .map(|(id, _)| id.clone()))
    }
    async fn find_customer(&self, email: &str) -> std::result::Result<Option<String>, TargetError> {
        Ok(self.lock().customers.get(email).cloned())
    }
    async fn create_customer(
        &self,
        request: &FulfillmentRequest,
    ) -> std::result::Result<String, TargetError> {
        let mut inner = self.lock();
        let id = format!("customer-{}", inner.customers.len() + 1);
        inner.customers.insert(request.email.clone(), id.clone());
        Ok(id)
    }
    async fn product_id(&self, sku: &str) -> std::result::Result<Option<String>, TargetError> {
        Ok(self.lock().products.get(sku).cloned())
    }
    async fn create_sale(&self, sale: &SaleDraft) -> std::result::Result<String, TargetError> {
        let mut inner = self.lock();
        let id = format!("sale-{}", inner.sales.len() + 1);
        inner.sales.push((id.clone(), sale.clone()));
        Ok(id)
    }
}

/// The conformance suite every [`SaleSink`] passes; `sku` names a product the sink knows.
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod conformance {
    use super::*;

    /// Where the suite's sale is made: register, user and tax ids the sink accepts.
    #[derive(Debug, Clone)]
    pub struct Place {
        /// A register.
        pub register_id: String,
        /// A user.
        pub user_id: String,
        /// A tax.
        pub tax_id: String,
    }

    /// Runs the suite; panics with what failed.
    pub async fn check(sink: &dyn SaleSink, sku: &str, place: &Place) {
        let product = sink
            .product_id(sku)
            .await
            .unwrap()
            .expect("the given SKU resolves");
        assert!(sink.product_id("NO-SUCH-SKU").await.unwrap().is_none());
        let request = FulfillmentRequest {
            number: "CONF-1".into(),
            created_at: Utc::now(),
            email: "conformance@example.com".into(),
            first_name: "Con".into(),
            last_name: "Formance".into(),
            ship_to: Address {
                address1: "Damrak 1".into(),
                address2: None,
                city: "Amsterdam".into(),
                state: "NH".into(),
                postcode: "1012 LG".into(),
                country_id: "NL".into(),
            },
            billing: None,
            items: vec![],
            shipping_cost: Decimal::ZERO,
            discount: Decimal::ZERO,
            note: None,
        };
        assert!(sink.find_customer(&request.email).await.unwrap().is_none());
        let customer = sink.create_customer(&request).await.unwrap();
        assert_eq!(
            sink.find_customer(&request.email).await.unwrap(),
            Some(customer.clone())
        );
        assert!(sink.find_sale("CONF-1").await.unwrap().is_none());
        let draft = SaleDraft {
            register_id: place.register_id.clone(),
            user_id: place.user_id.clone(),
            customer_id: customer.clone(),
            status: SaleStatus::Closed,
            source_id: "CONF-1".into(),
            note: None,
            lines: vec![DraftLine {
                product_id: product.clone(),
                quantity: Decimal::ONE,
                price: Decimal::TEN,
                tax: Decimal::new(21, 1),
                tax_id: place.tax_id.clone(),
                discount: Decimal::ZERO,
            }],
            payment: None,
        };
        let id = sink.create_sale(&draft).await.unwrap();
        assert!(!id.is_empty());
        assert_eq!(sink.find_sale("CONF-1").await.unwrap(), Some(id));
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
    TargetError::from_xseries(e)
}

const PROCESSED: &str = "processed";
/// The mark of a request sent by a version before the ledger: treated as an open intent.
const STARTED: &str = "started";
/// The ledger's name for a sale.
pub const SALE: &str = "sale";

fn mark_key(number: &str) -> String {
    format!("fulfillment:{number}")
}

fn sku_key(sku: &str) -> String {
    format!("xseries.sku:{sku}")
}

/// Sends the requests that are due as sales; `now` decides holds and business hours (inject
/// it in tests).
pub async fn send(
    sink: &dyn SaleSink,
    source: &dyn OrderSource,
    state: &dyn StateStore,
    options: &FulfillmentOptions,
    now: DateTime<Utc>,
) -> Result<FulfillmentReport> {
    let mut report = FulfillmentReport::default();
    let mut customers: BTreeMap<String, String> = BTreeMap::new();
    let open: std::collections::BTreeSet<String> = state
        .intents()
        .await?
        .into_iter()
        .filter(|i| i.op == SALE)
        .map(|i| i.key)
        .collect();
    for request in source.requests().await? {
        let intent = open.contains(&mark_key(&request.number));
        let outcome = match one(sink, &request, state, options, now, intent, &mut customers).await {
            Ok(o) => o,
            Err(e) if e.class == ErrorClass::Fatal => return Err(Error::Target(e)),
            Err(e) if e.class == ErrorClass::Rejected => {
                RequestOutcome::Rejected { message: e.message }
            }
            Err(e) => RequestOutcome::Pending { message: e.message },
        };
        if let RequestOutcome::Rejected { message } = &outcome {
            // A note for people; it never stands in for the ledger's intent.
            state
                .set_cursor(&mark_key(&request.number), &format!("rejected: {message}"))
                .await?;
        }
        report.requests.push((request.number.clone(), outcome));
    }
    Ok(report)
}

fn round5(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(5, RoundingStrategy::MidpointAwayFromZero)
}

#[allow(clippy::too_many_arguments)]
async fn one(
    sink: &dyn SaleSink,
    request: &FulfillmentRequest,
    state: &dyn StateStore,
    options: &FulfillmentOptions,
    now: DateTime<Utc>,
    intent: bool,
    customers: &mut BTreeMap<String, String>,
) -> std::result::Result<RequestOutcome, TargetError> {
    let store = |e: Error| TargetError::fatal(e.to_string()).with_source(e);
    let key = mark_key(&request.number);
    let mark = state.cursor(&key).await.map_err(store)?;
    if mark.as_deref().is_some_and(|m| m.starts_with(PROCESSED)) {
        return Ok(RequestOutcome::AlreadyProcessed);
    }
    // Sent before, its answer unknown: the sale may exist. Looked up before anything else,
    // whatever else happened to the request since (a refusal, a change of hours).
    if intent || mark.as_deref() == Some(STARTED) {
        if let Some(id) = sink.find_sale(&request.number).await? {
            state
                .set_cursor(&key, &format!("{PROCESSED}:{id}"))
                .await
                .map_err(store)?;
            state.close_intent(&key, SALE).await.map_err(store)?;
            return Ok(RequestOutcome::Found { sale_id: id });
        }
        state.close_intent(&key, SALE).await.map_err(store)?;
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
    // The customer: by e-mail, or created with the ship-to address.
    let customer = match customers.get(&request.email) {
        Some(id) => id.clone(),
        None => {
            let id = match sink.find_customer(&request.email).await? {
                Some(id) => id,
                None => sink.create_customer(request).await?,
            };
            customers.insert(request.email.clone(), id.clone());
            id
        }
    };
    // Lines: SKUs to product ids (cached in the state store), shipping as a line or a note.
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
    let mut lines = Vec::new();
    for (sku, quantity, price) in items {
        let product = match state.cursor(&sku_key(&sku)).await.map_err(store)? {
            Some(id) => id,
            None => {
                let id = sink.product_id(&sku).await?.ok_or_else(|| {
                    TargetError::rejected(format!(
                        "request {}: no product with SKU {sku}",
                        request.number
                    ))
                })?;
                state.set_cursor(&sku_key(&sku), &id).await.map_err(store)?;
                id
            }
        };
        lines.push(DraftLine {
            product_id: product,
            quantity,
            price,
            tax: round5(price * options.tax_rate),
            tax_id: options.tax_id.clone(),
            discount: Decimal::ZERO,
        });
    }
    // The discount comes off the first line's unit price, its tax recomputed.
    if request.discount > Decimal::ZERO
        && let Some(first) = lines.first_mut()
    {
        let per_unit = round5(request.discount / first.quantity.max(Decimal::ONE));
        first.discount = per_unit;
        first.price -= per_unit;
        first.tax = round5(first.price * options.tax_rate);
    }
    let total = lines
        .iter()
        .map(|l| (l.price + l.tax) * l.quantity)
        .sum::<Decimal>()
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let draft = SaleDraft {
        register_id: options.register_id.clone(),
        user_id: options.user_id.clone(),
        customer_id: customer,
        status: options.status.clone(),
        source_id: request.number.clone(),
        note: (!note.is_empty()).then_some(note),
        lines,
        payment: options.payment_type_id.clone().map(|p| (p, total)),
    };
    // Recorded before the POST: whatever happens to the answer, the next run looks the sale
    // up by its `source_id` before sending again.
    state
        .open_intent(&Intent {
            key: key.clone(),
            op: SALE.into(),
            marker: request.number.clone(),
            at: now.to_rfc3339(),
            after: None,
        })
        .await
        .map_err(store)?;
    let id = sink.create_sale(&draft).await?;
    state
        .set_cursor(&key, &format!("{PROCESSED}:{id}"))
        .await
        .map_err(store)?;
    state.close_intent(&key, SALE).await.map_err(store)?;
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

    #[tokio::test]
    async fn the_memory_sink_conforms_and_sends_once() {
        let sink = MemorySaleSink::with_products([("W-1".to_string(), "p-1".to_string())]);
        let place = conformance::Place {
            register_id: "r".into(),
            user_id: "u".into(),
            tax_id: "t".into(),
        };
        conformance::check(&sink, "W-1", &place).await;
        let options = FulfillmentOptions {
            register_id: "r".into(),
            user_id: "u".into(),
            tax_id: "t".into(),
            tax_rate: Decimal::new(21, 2),
            payment_type_id: Some("cash".into()),
            status: SaleStatus::Closed,
            shipping_sku: None,
            hold_hours: 0,
            business_hours: None,
        };
        let mut r = request();
        r.discount = Decimal::new(500, 2);
        r.shipping_cost = Decimal::new(495, 2);
        let source = MemoryOrderSource::new(vec![r]);
        let state = crate::state::MemoryStateStore::new();
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
        let report = send(&sink, &source, &state, &options, now).await.unwrap();
        assert_eq!(report.created(), 1);
        let (_, sale) = sink.sales().pop().unwrap();
        let line = &sale.lines[0];
        assert_eq!(
            (line.price, line.discount, line.tax),
            (
                Decimal::new(3500, 2),
                Decimal::new(500, 2),
                Decimal::new(735, 2)
            )
        );
        assert_eq!(sale.payment, Some(("cash".into(), Decimal::new(4235, 2))));
        assert_eq!(sale.note.as_deref(), Some("Shipping: 4.95."));
        let again = send(&sink, &source, &state, &options, now).await.unwrap();
        assert_eq!(again.requests[0].1, RequestOutcome::AlreadyProcessed);
        assert_eq!(sink.sales().len(), 2, "the conformance sale and this one");
    }

    /// A sink whose next sale lands but whose answer is lost, and whose next lookups fail.
    struct Lossy {
        inner: MemorySaleSink,
        lose_answer: std::sync::atomic::AtomicBool,
        failing_lookups: std::sync::atomic::AtomicUsize,
    }

    #[async_trait]
    impl SaleSink for Lossy {
        async fn find_sale(
            &self,
            source_id: &str,
        ) -> std::result::Result<Option<String>, TargetError> {
            use std::sync::atomic::Ordering::SeqCst;
            let failing = self.failing_lookups.load(SeqCst);
            if failing > 0 {
                self.failing_lookups.store(failing - 1, SeqCst);
                return Err(TargetError::transient("503 Service Unavailable"));
            }
            self.inner.find_sale(source_id).await
        }
        async fn find_customer(
            &self,
            email: &str,
        ) -> std::result::Result<Option<String>, TargetError> {
            self.inner.find_customer(email).await
        }
        async fn create_customer(
            &self,
            request: &FulfillmentRequest,
        ) -> std::result::Result<String, TargetError> {
            self.inner.create_customer(request).await
        }
        async fn product_id(&self, sku: &str) -> std::result::Result<Option<String>, TargetError> {
            self.inner.product_id(sku).await
        }
        async fn create_sale(&self, sale: &SaleDraft) -> std::result::Result<String, TargetError> {
            let id = self.inner.create_sale(sale).await?;
            if self
                .lose_answer
                .swap(false, std::sync::atomic::Ordering::SeqCst)
            {
                return Err(TargetError::transient("connection interrupted"));
            }
            Ok(id)
        }
    }

    /// Issue 13, observation 5: a sale whose answer was lost, then whose request is refused
    /// (a lookup that fails, a request edited into an invalid one), is looked up again and
    /// never sent twice.
    #[tokio::test]
    async fn a_lost_sale_then_a_refusal_is_still_found_and_never_sent_twice() {
        let sink = Lossy {
            inner: MemorySaleSink::with_products([("W-1".to_string(), "p-1".to_string())]),
            lose_answer: true.into(),
            failing_lookups: 0.into(),
        };
        let options = FulfillmentOptions {
            register_id: "r".into(),
            user_id: "u".into(),
            tax_id: "t".into(),
            tax_rate: Decimal::new(21, 2),
            payment_type_id: None,
            status: SaleStatus::Closed,
            shipping_sku: None,
            hold_hours: 0,
            business_hours: None,
        };
        let state = crate::state::MemoryStateStore::new();
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
        let source = MemoryOrderSource::new(vec![request()]);
        let first = send(&sink, &source, &state, &options, now).await.unwrap();
        assert!(matches!(
            first.requests[0].1,
            RequestOutcome::Pending { .. }
        ));
        assert_eq!(
            sink.inner.sales().len(),
            1,
            "the sale landed, its answer did not"
        );

        // The lookup fails once: the request stays pending and keeps its intent.
        sink.failing_lookups
            .store(1, std::sync::atomic::Ordering::SeqCst);
        let second = send(&sink, &source, &state, &options, now).await.unwrap();
        assert!(
            matches!(second.requests[0].1, RequestOutcome::Pending { .. }),
            "{second:?}"
        );
        // The request was edited meanwhile into one that would be refused: the sale is found
        // before the request is checked.
        let mut edited = request();
        edited.ship_to.city = String::new();
        let edited = MemoryOrderSource::new(vec![edited]);
        let third = send(&sink, &edited, &state, &options, now).await.unwrap();
        assert!(
            matches!(third.requests[0].1, RequestOutcome::Found { .. }),
            "{third:?}"
        );
        let fourth = send(&sink, &source, &state, &options, now).await.unwrap();
        assert_eq!(fourth.requests[0].1, RequestOutcome::AlreadyProcessed);
        assert_eq!(sink.inner.sales().len(), 1, "one sale for one request");
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
