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

#[cfg(feature = "ecom")]
pub mod ecom;
pub mod template;

pub use template::{MappedLine, MappedSale, RegisterSaleSchema, RequestRecord, SaleTemplate};

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

impl FulfillmentRequest {
    /// The request as a record in the guide's attribute names (see [`template`]): `FR
    /// Number`, `Created At`, `Email`, `First Name`, `Last Name`, `Shipping Address Line 1`
    /// and `2`, `Shipping City`, `Shipping State`, `Shipping Postal Code`, `Shipping Country
    /// Code`, the billing address likewise, `Shipping Cost`, `Discount`, `Note` and `Items`
    /// (`Sku`, `Quantity`, `Unit Price`).
    pub fn to_record(&self) -> RequestRecord {
        let number = |d: Decimal| {
            serde_json::from_str::<serde_json::Value>(&d.normalize().to_string())
                .unwrap_or(serde_json::Value::Null)
        };
        let mut fields = serde_json::Map::new();
        let mut put = |k: &str, v: serde_json::Value| {
            if !v.is_null() && v != serde_json::Value::String(String::new()) {
                fields.insert(k.to_string(), v);
            }
        };
        put("FR Number", self.number.clone().into());
        put("Created At", self.created_at.to_rfc3339().into());
        put("Email", self.email.clone().into());
        put("First Name", self.first_name.clone().into());
        put("Last Name", self.last_name.clone().into());
        for (prefix, address) in [
            ("Shipping", Some(&self.ship_to)),
            ("Billing", self.billing.as_ref()),
        ] {
            let Some(a) = address else { continue };
            put(
                &format!("{prefix} Address Line 1"),
                a.address1.clone().into(),
            );
            put(
                &format!("{prefix} Address Line 2"),
                a.address2
                    .clone()
                    .map_or(serde_json::Value::Null, Into::into),
            );
            put(&format!("{prefix} City"), a.city.clone().into());
            put(&format!("{prefix} State"), a.state.clone().into());
            put(&format!("{prefix} Postal Code"), a.postcode.clone().into());
            put(
                &format!("{prefix} Country Code"),
                a.country_id.clone().into(),
            );
        }
        if self.shipping_cost != Decimal::ZERO {
            put("Shipping Cost", number(self.shipping_cost));
        }
        if self.discount != Decimal::ZERO {
            put("Discount", number(self.discount));
        }
        put(
            "Note",
            self.note
                .clone()
                .map_or(serde_json::Value::Null, Into::into),
        );
        put(
            "Items",
            self.items
                .iter()
                .map(|l| {
                    serde_json::json!({"Sku": l.sku, "Quantity": number(l.quantity),
                                       "Unit Price": number(l.unit_price)})
                })
                .collect(),
        );
        RequestRecord {
            number: self.number.clone(),
            created_at: self.created_at,
            fields: serde_json::Value::Object(fields),
        }
    }
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
    /// Requests whose source could not take its result back ([`OrderSource::confirm`]), with
    /// why; the next run tries again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unconfirmed: Vec<(String, String)>,
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
///
/// Only [`requests`](Self::requests) must be written. A source whose requests carry more than
/// [`FulfillmentRequest`] holds (the guide's phone, company, custom fields, payment and
/// shipping methods...) gives them as records ([`records`](Self::records)), which a
/// [`SaleTemplate`] maps. A source that wants to hear how its requests ended (to write the
/// result back, or to move a cursor) overrides [`confirm`](Self::confirm) and
/// [`finish`](Self::finish).
#[async_trait]
pub trait OrderSource: Send + Sync {
    /// The open requests.
    async fn requests(&self) -> Result<Vec<FulfillmentRequest>>;

    /// The open requests as records in the guide's attribute names (see [`template`]);
    /// by default [`requests`](Self::requests), each through [`FulfillmentRequest::to_record`].
    async fn records(&self) -> Result<Vec<RequestRecord>> {
        Ok(self
            .requests()
            .await?
            .iter()
            .map(FulfillmentRequest::to_record)
            .collect())
    }

    /// Called for every request that has its sale (made this run, found, or made in an
    /// earlier run), with the sale's id, on every run: an implementation that writes the
    /// result back must make that once-only itself (the default does nothing).
    async fn confirm(&self, _number: &str, _sale_id: &str) -> std::result::Result<(), TargetError> {
        Ok(())
    }

    /// Called once at the end of a run that completed, with its report (to move a cursor
    /// past what is settled; the default does nothing).
    async fn finish(&self, _report: &FulfillmentReport) -> Result<()> {
        Ok(())
    }
}

/// Requests held in memory (or read from a JSON file with [`MemoryOrderSource::from_json`]),
/// typed or as records in the guide's names ([`MemoryOrderSource::from_records`]).
#[derive(Debug, Clone, Default)]
pub struct MemoryOrderSource {
    requests: Vec<FulfillmentRequest>,
    records: Option<Vec<RequestRecord>>,
}

impl MemoryOrderSource {
    /// These requests.
    pub fn new(requests: Vec<FulfillmentRequest>) -> Self {
        MemoryOrderSource {
            requests,
            records: None,
        }
    }

    /// These request records (their typed requests keep what [`FulfillmentRequest`] holds).
    pub fn from_records(records: Vec<RequestRecord>) -> Self {
        MemoryOrderSource {
            requests: records.iter().map(RequestRecord::to_request).collect(),
            records: Some(records),
        }
    }

    /// Request records from a JSON array of objects in the guide's names, each with an `FR
    /// Number`.
    pub fn records_from_json(text: &str) -> Result<Self> {
        let values: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|e| {
            Error::source_error(
                "fulfillment requests",
                format!("line {}, column {}", e.line(), e.column()),
                Some(Box::new(e)),
            )
        })?;
        let records = values
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                RequestRecord::from_fields(v).map_err(|m| {
                    Error::source_error("fulfillment requests", format!("[{i}]: {m}"), None)
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self::from_records(records))
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
        Ok(MemoryOrderSource::new(requests))
    }
}

#[async_trait]
impl OrderSource for MemoryOrderSource {
    async fn requests(&self) -> Result<Vec<FulfillmentRequest>> {
        Ok(self.requests.clone())
    }

    async fn records(&self) -> Result<Vec<RequestRecord>> {
        Ok(match &self.records {
            Some(records) => records.clone(),
            None => self
                .requests
                .iter()
                .map(FulfillmentRequest::to_record)
                .collect(),
        })
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

    /// Creates a customer from a template's fields (X-Series names: `first_name`,
    /// `physical_city`, `custom_field_1`...). The default keeps what a [`FulfillmentRequest`]
    /// holds (names, email, the physical address) and calls
    /// [`create_customer`](Self::create_customer); sinks that can store more override it.
    async fn create_customer_from(
        &self,
        number: &str,
        fields: &BTreeMap<String, String>,
    ) -> std::result::Result<String, TargetError> {
        let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
        let request = FulfillmentRequest {
            number: number.to_string(),
            created_at: Utc::now(),
            email: get("email"),
            first_name: get("first_name"),
            last_name: get("last_name"),
            ship_to: Address {
                address1: get("physical_address_1"),
                address2: fields.get("physical_address_2").cloned(),
                city: get("physical_city"),
                state: get("physical_state"),
                postcode: get("physical_postcode"),
                country_id: get("physical_country_id"),
            },
            billing: None,
            items: Vec::new(),
            shipping_cost: Decimal::ZERO,
            discount: Decimal::ZERO,
            note: None,
        };
        self.create_customer(&request).await
    }

    /// The id of the customer with this customer code, if there is one: how a customer
    /// without an email is found again (the default finds none).
    async fn find_customer_by_code(
        &self,
        _code: &str,
    ) -> std::result::Result<Option<String>, TargetError> {
        Ok(None)
    }

    /// The id of a payment type given by its id or its name, or `None` when the sink has no
    /// such payment type (the default takes the text as the id).
    async fn payment_type_id(
        &self,
        name_or_id: &str,
    ) -> std::result::Result<Option<String>, TargetError> {
        Ok(Some(name_or_id.to_string()))
    }

    /// Checks, before the first write of a run, that the register, user and tax exist; a
    /// wrong one is a [`Fatal`](ErrorClass::Fatal) error naming it (the default accepts all).
    async fn check_place(&self, _place: &Place) -> std::result::Result<(), TargetError> {
        Ok(())
    }
}

/// Where sales are made: the configured register, user and tax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// A register.
    pub register_id: String,
    /// A user.
    pub user_id: String,
    /// A tax.
    pub tax_id: String,
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

    async fn create_customer_from(
        &self,
        _number: &str,
        fields: &BTreeMap<String, String>,
    ) -> std::result::Result<String, TargetError> {
        let mut body: serde_json::Map<String, serde_json::Value> = fields
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::from(v.clone())))
            .collect();
        // X-Series requires both keys, even empty.
        for key in ["first_name", "last_name"] {
            body.entry(key).or_insert_with(|| "".into());
        }
        let input: CustomerInput = serde_json::from_value(serde_json::Value::Object(body))
            .map_err(|e| TargetError::rejected(format!("customer fields: {e}")))?;
        let created = self.client.customers().create(&input).await.map_err(api)?;
        Ok(created.id.map(|i| i.to_string()).unwrap_or_default())
    }

    async fn find_customer_by_code(
        &self,
        code: &str,
    ) -> std::result::Result<Option<String>, TargetError> {
        let found = self
            .client
            .customers()
            .find_by_code(code)
            .await
            .map_err(api)?;
        Ok(found.into_iter().find_map(|c| c.id.map(|i| i.to_string())))
    }

    async fn payment_type_id(
        &self,
        name_or_id: &str,
    ) -> std::result::Result<Option<String>, TargetError> {
        let types = self.client.payment_types().all().await.map_err(api)?;
        let wanted = name_or_id.trim();
        Ok(types
            .iter()
            .find(|t| t.id.as_ref().is_some_and(|i| i.as_str() == wanted))
            .or_else(|| {
                types.iter().find(|t| {
                    t.name
                        .as_deref()
                        .is_some_and(|n| n.trim().eq_ignore_ascii_case(wanted))
                })
            })
            .and_then(|t| t.id.as_ref())
            .map(|i| i.to_string()))
    }

    async fn check_place(&self, place: &Place) -> std::result::Result<(), TargetError> {
        let missing = |e: &lightspeed_xseries::Error| {
            matches!(e, lightspeed_xseries::Error::Api(core)
                if core.kind() == lightspeed_core::ErrorKind::NotFound)
        };
        let names = |items: Vec<(Option<String>, Option<String>)>| {
            items
                .into_iter()
                .map(|(id, name)| {
                    format!("{} ({})", name.unwrap_or_default(), id.unwrap_or_default())
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let fatal = |m: String| TargetError::fatal(m);
        match self
            .client
            .register(&RegisterId::from(place.register_id.as_str()))
            .await
        {
            Ok(_) => {}
            Err(e) if missing(&e) || place.register_id.trim().is_empty() => {
                let known = self.client.registers().all().await.map_err(api)?;
                return Err(fatal(format!(
                    "the configured register_id {:?} is not a register of this store; its registers: {}",
                    place.register_id,
                    names(
                        known
                            .into_iter()
                            .map(|r| (r.id.map(|i| i.to_string()), r.name))
                            .collect()
                    )
                )));
            }
            Err(e) => return Err(api(e)),
        }
        match self
            .client
            .user(&UserId::from(place.user_id.as_str()))
            .await
        {
            Ok(_) => {}
            Err(e) if missing(&e) || place.user_id.trim().is_empty() => {
                let known = self.client.users().all().await.map_err(api)?;
                return Err(fatal(format!(
                    "the configured user_id {:?} is not a user of this store; its users: {}",
                    place.user_id,
                    names(
                        known
                            .into_iter()
                            .map(|u| (u.id.map(|i| i.to_string()), u.display_name.or(u.username)))
                            .collect()
                    )
                )));
            }
            Err(e) => return Err(api(e)),
        }
        // API 2.0 has no single-tax read: the list says whether the tax exists.
        let taxes = self.client.taxes().all().await.map_err(api)?;
        if !taxes
            .iter()
            .any(|t| t.id.as_ref().is_some_and(|i| i.as_str() == place.tax_id))
        {
            return Err(fatal(format!(
                "the configured tax_id {:?} is not a tax of this store; its taxes: {}",
                place.tax_id,
                names(
                    taxes
                        .into_iter()
                        .map(|t| (t.id.map(|i| i.to_string()), t.name))
                        .collect()
                )
            )));
        }
        Ok(())
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
    codes: BTreeMap<String, String>,
    customer_fields: Vec<(String, BTreeMap<String, String>)>,
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

    /// Every customer made from a template's fields, with its id.
    pub fn customers(&self) -> Vec<(String, BTreeMap<String, String>)> {
        self.lock().customer_fields.clone()
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
    async fn create_customer_from(
        &self,
        _number: &str,
        fields: &BTreeMap<String, String>,
    ) -> std::result::Result<String, TargetError> {
        let mut inner = self.lock();
        let id = format!("customer-{}", inner.customers.len() + inner.codes.len() + 1);
        match (fields.get("email"), fields.get("customer_code")) {
            (Some(email), _) if !email.is_empty() => {
                inner.customers.insert(email.clone(), id.clone());
            }
            (_, Some(code)) => {
                inner.codes.insert(code.clone(), id.clone());
            }
            _ => {}
        }
        inner.customer_fields.push((id.clone(), fields.clone()));
        Ok(id)
    }
    async fn find_customer_by_code(
        &self,
        code: &str,
    ) -> std::result::Result<Option<String>, TargetError> {
        Ok(self.lock().codes.get(code).cloned())
    }
}

/// The conformance suite every [`SaleSink`] passes; `sku` names a product the sink knows.
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod conformance {
    use super::*;

    /// Where the suite's sale is made: register, user and tax ids the sink accepts.
    pub use super::Place;

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
/// it in tests). The same as [`Fulfillment::new`]`(...).run(now)`: typed requests, checked
/// with [`validate`], mapped with the guide's template ([`SaleTemplate::guide`]).
pub async fn send(
    sink: &dyn SaleSink,
    source: &dyn OrderSource,
    state: &dyn StateStore,
    options: &FulfillmentOptions,
    now: DateTime<Utc>,
) -> Result<FulfillmentReport> {
    Fulfillment::new(sink, source, state, options)
        .run(now)
        .await
}

/// A fulfillment run: requests from a source, through a template, to sales, once.
///
/// ```
/// # use lightspeed_sync::fulfillment::*;
/// # use lightspeed_sync::MemoryStateStore;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let record = RequestRecord::from_fields(serde_json::json!({
///     "FR Number": "FR-1", "Email": "anna@example.com", "Phone": "+31 20 555 0101",
///     "Shipping Address Line 1": "Prinsengracht 263", "Shipping City": "Amsterdam",
///     "Shipping Postal Code": "1016 GV", "Shipping Country Code": "NL",
///     "Items": [{"Sku": "W-1", "Quantity": 2, "Unit Price": 40}]}))?;
/// let source = MemoryOrderSource::from_records(vec![record]);
/// let sink = MemorySaleSink::with_products([("W-1".to_string(), "p-1".to_string())]);
/// let options = FulfillmentOptions {
///     register_id: "r".into(), user_id: "u".into(), tax_id: "t".into(),
///     tax_rate: rust_decimal::Decimal::new(21, 2), payment_type_id: None,
///     status: lightspeed_xseries::model::SaleStatus::Closed, shipping_sku: None,
///     hold_hours: 0, business_hours: None,
/// };
/// let state = MemoryStateStore::new();
/// let report = Fulfillment::new(&sink, &source, &state, &options)
///     .with_template(&SaleTemplate::guide())
///     .run(chrono::Utc::now())
///     .await?;
/// assert_eq!(report.created(), 1);
/// assert_eq!(sink.customers()[0].1["phone"], "+31 20 555 0101");
/// # Ok(()) }
/// ```
pub struct Fulfillment<'a> {
    sink: &'a dyn SaleSink,
    source: &'a dyn OrderSource,
    state: &'a dyn StateStore,
    options: &'a FulfillmentOptions,
    template: Option<&'a SaleTemplate>,
}

impl std::fmt::Debug for Fulfillment<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fulfillment")
            .field("options", self.options)
            .field("template", &self.template.is_some())
            .finish_non_exhaustive()
    }
}

/// One request on its way: its number, when it was placed, and its sale mapped (or why not).
struct Pending {
    number: String,
    created_at: DateTime<Utc>,
    sale: std::result::Result<MappedSale, String>,
}

/// What a run caches and remembers across its requests.
#[derive(Default)]
struct RunContext {
    customers: BTreeMap<String, String>,
    payment_types: BTreeMap<String, Option<String>>,
    place_checked: bool,
}

impl<'a> Fulfillment<'a> {
    /// A run with the default: typed requests ([`OrderSource::requests`]), checked with
    /// [`validate`], mapped with the guide's template.
    pub fn new(
        sink: &'a dyn SaleSink,
        source: &'a dyn OrderSource,
        state: &'a dyn StateStore,
        options: &'a FulfillmentOptions,
    ) -> Self {
        Fulfillment {
            sink,
            source,
            state,
            options,
            template: None,
        }
    }

    /// Maps the source's records ([`OrderSource::records`]) with `template` instead: every
    /// field the template writes reaches the sale or its customer.
    pub fn with_template(mut self, template: &'a SaleTemplate) -> Self {
        self.template = Some(template);
        self
    }

    async fn pending(&self) -> Result<Vec<Pending>> {
        Ok(match self.template {
            None => {
                let guide = SaleTemplate::guide();
                self.source
                    .requests()
                    .await?
                    .into_iter()
                    .map(|r| Pending {
                        number: r.number.clone(),
                        created_at: r.created_at,
                        sale: validate(&r).and_then(|()| guide.map(&r.to_record())),
                    })
                    .collect()
            }
            Some(template) => self
                .source
                .records()
                .await?
                .into_iter()
                .map(|r| Pending {
                    number: r.number.clone(),
                    created_at: r.created_at,
                    sale: template
                        .map(&r)
                        .and_then(|s| s.check(&r.number).map(|()| s)),
                })
                .collect(),
        })
    }

    /// Sends the requests that are due; `now` decides holds and business hours.
    pub async fn run(&self, now: DateTime<Utc>) -> Result<FulfillmentReport> {
        let mut report = FulfillmentReport::default();
        let mut context = RunContext::default();
        let open: BTreeMap<String, String> = self
            .state
            .intents()
            .await?
            .into_iter()
            .filter(|i| i.op == SALE)
            .map(|i| (i.key, i.marker))
            .collect();
        for request in self.pending().await? {
            let marker = open.get(&mark_key(&request.number)).cloned();
            let outcome = match self.one(&request, now, marker, &mut context).await {
                Ok(o) => o,
                Err(e) if e.class == ErrorClass::Fatal => return Err(Error::Target(e)),
                Err(e) if e.class == ErrorClass::Rejected => {
                    RequestOutcome::Rejected { message: e.message }
                }
                Err(e) => RequestOutcome::Pending { message: e.message },
            };
            if let RequestOutcome::Rejected { message } = &outcome {
                // A note for people; it never stands in for the ledger's intent.
                self.state
                    .set_cursor(&mark_key(&request.number), &format!("rejected: {message}"))
                    .await?;
            }
            let sale_id = match &outcome {
                RequestOutcome::Created { sale_id } | RequestOutcome::Found { sale_id } => {
                    Some(sale_id.clone())
                }
                RequestOutcome::AlreadyProcessed => self
                    .state
                    .cursor(&mark_key(&request.number))
                    .await?
                    .and_then(|m| m.strip_prefix(&format!("{PROCESSED}:")).map(str::to_string)),
                _ => None,
            };
            if let Some(id) = sale_id {
                match self.source.confirm(&request.number, &id).await {
                    Ok(()) => {}
                    Err(e) if e.class == ErrorClass::Fatal => return Err(Error::Target(e)),
                    Err(e) => report.unconfirmed.push((request.number.clone(), e.message)),
                }
            }
            report.requests.push((request.number, outcome));
        }
        self.source.finish(&report).await?;
        Ok(report)
    }

    async fn one(
        &self,
        request: &Pending,
        now: DateTime<Utc>,
        intent: Option<String>,
        context: &mut RunContext,
    ) -> std::result::Result<RequestOutcome, TargetError> {
        let (sink, state, options) = (self.sink, self.state, self.options);
        let store = |e: Error| TargetError::fatal(e.to_string()).with_source(e);
        let key = mark_key(&request.number);
        let mark = state.cursor(&key).await.map_err(store)?;
        if mark.as_deref().is_some_and(|m| m.starts_with(PROCESSED)) {
            return Ok(RequestOutcome::AlreadyProcessed);
        }
        // Sent before, its answer unknown: the sale may exist. Looked up (by the source id the
        // intent recorded) before anything else, whatever else happened to the request since
        // (a refusal, an edit, a change of hours).
        if intent.is_some() || mark.as_deref() == Some(STARTED) {
            let marker = intent.unwrap_or_else(|| request.number.clone());
            if let Some(id) = sink.find_sale(&marker).await? {
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
        let sale = request.sale.clone().map_err(TargetError::rejected)?;
        // The register, user and tax exist, or nothing is sent (once per run, before the
        // first write).
        if !context.place_checked {
            sink.check_place(&Place {
                register_id: options.register_id.clone(),
                user_id: options.user_id.clone(),
                tax_id: options.tax_id.clone(),
            })
            .await?;
            context.place_checked = true;
        }
        // Lines: SKUs to product ids (cached in the state store), shipping as a line or a note.
        let mut items: Vec<(String, Decimal, Decimal, Option<Decimal>)> = sale
            .lines
            .iter()
            .map(|l| (l.sku.clone(), l.quantity, l.price, l.tax))
            .collect();
        let mut note = sale.note.clone().unwrap_or_default();
        let shipping = sale.total_shipping_cost;
        match &options.shipping_sku {
            Some(sku) if shipping > Decimal::ZERO => {
                items.push((sku.clone(), Decimal::ONE, shipping, None));
            }
            None if shipping > Decimal::ZERO => {
                note = format!("{note} Shipping: {shipping}.").trim().to_string();
            }
            _ => {}
        }
        let mut lines = Vec::new();
        let mut explicit = Vec::new();
        for (sku, quantity, price, tax) in items {
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
            explicit.push(tax.is_some());
            lines.push(DraftLine {
                product_id: product,
                quantity,
                price,
                tax: tax.unwrap_or_else(|| round5(price * options.tax_rate)),
                tax_id: options.tax_id.clone(),
                discount: Decimal::ZERO,
            });
        }
        // The discount comes off the first line's unit price; a computed tax is recomputed.
        if sale.total_discount > Decimal::ZERO
            && let Some(first) = lines.first_mut()
        {
            let per_unit = round5(sale.total_discount / first.quantity.max(Decimal::ONE));
            first.discount = per_unit;
            first.price -= per_unit;
            if !explicit[0] {
                first.tax = round5(first.price * options.tax_rate);
            }
        }
        // The request's total tax: the last line's unit tax takes the difference. Shipping
        // written in the note (no shipping line) takes its tax out of the total with it.
        if let Some(mut total_tax) = sale.total_tax {
            if options.shipping_sku.is_none() && shipping > Decimal::ZERO {
                total_tax -= round5(shipping * options.tax_rate);
            }
            reconcile_tax(&mut lines, total_tax)
                .map_err(|m| TargetError::rejected(format!("request {}: {m}", request.number)))?;
        }
        let total = lines
            .iter()
            .map(|l| (l.price + l.tax) * l.quantity)
            .sum::<Decimal>()
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        // The payment type: the template's, else the options'; a name is looked up.
        let payment = match sale
            .payment_type
            .clone()
            .or_else(|| options.payment_type_id.clone())
        {
            None => None,
            Some(wanted) => {
                let id = match context.payment_types.get(&wanted) {
                    Some(found) => found.clone(),
                    None => {
                        let found = sink.payment_type_id(&wanted).await?;
                        context.payment_types.insert(wanted.clone(), found.clone());
                        found
                    }
                };
                let id = id.ok_or_else(|| {
                    TargetError::rejected(format!(
                        "request {}: {wanted:?} is not a payment type of this store",
                        request.number
                    ))
                })?;
                Some((id, total))
            }
        };
        // The customer: by e-mail, else by a code made from the request number; created with
        // the template's fields when not found.
        let customer = self.customer(request, &sale, context).await?;
        let draft = SaleDraft {
            register_id: options.register_id.clone(),
            user_id: options.user_id.clone(),
            customer_id: customer,
            status: sale
                .status
                .clone()
                .unwrap_or_else(|| options.status.clone()),
            source_id: sale.source_id.clone(),
            note: (!note.is_empty()).then_some(note),
            lines,
            payment,
        };
        // Recorded before the POST: whatever happens to the answer, the next run looks the sale
        // up by its `source_id` before sending again.
        state
            .open_intent(&Intent {
                key: key.clone(),
                op: SALE.into(),
                marker: sale.source_id.clone(),
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

    async fn customer(
        &self,
        request: &Pending,
        sale: &MappedSale,
        context: &mut RunContext,
    ) -> std::result::Result<String, TargetError> {
        let mut fields = sale.customer.clone();
        let (cache_key, found) = match sale.email() {
            Some(email) => {
                let email = email.to_string();
                if let Some(id) = context.customers.get(&format!("email:{email}")) {
                    return Ok(id.clone());
                }
                (
                    format!("email:{email}"),
                    self.sink.find_customer(&email).await?,
                )
            }
            None => {
                let code = fields
                    .entry("customer_code".into())
                    .or_insert_with(|| format!("lsync-{}", request.number))
                    .clone();
                if let Some(id) = context.customers.get(&format!("code:{code}")) {
                    return Ok(id.clone());
                }
                (
                    format!("code:{code}"),
                    self.sink.find_customer_by_code(&code).await?,
                )
            }
        };
        let id = match found {
            Some(id) => id,
            None => {
                self.sink
                    .create_customer_from(&request.number, &fields)
                    .await?
            }
        };
        context.customers.insert(cache_key, id.clone());
        Ok(id)
    }
}

fn round5(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(5, RoundingStrategy::MidpointAwayFromZero)
}

/// Gives the last line the unit tax that makes the lines' tax (unit tax × quantity) come to
/// `total` (rounded to five decimals, as X-Series keeps unit amounts); refuses a total that
/// would need a negative unit tax.
fn reconcile_tax(lines: &mut [DraftLine], total: Decimal) -> std::result::Result<(), String> {
    let Some((last, others)) = lines.split_last_mut() else {
        return Ok(());
    };
    let rest: Decimal = others.iter().map(|l| l.tax * l.quantity).sum();
    if last.quantity <= Decimal::ZERO {
        return Ok(());
    }
    let unit = round5((total - rest) / last.quantity);
    if unit < Decimal::ZERO {
        return Err(format!(
            "the total tax {total} is less than the other lines' tax {rest}"
        ));
    }
    last.tax = unit;
    Ok(())
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
