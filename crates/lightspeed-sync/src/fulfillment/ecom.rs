//! eCom orders as fulfillment requests (features `ecom` and `xseries`): webshop orders become
//! X-Series register sales, once, and each sale is written back to its order, once.
//!
//! [`EcomOrders`] is an [`OrderSource`]. Each run it lists the orders updated since its cursor
//! (less a margin, see below), keeps the paid ones that are neither cancelled nor shipped, and
//! gives each as a [`RequestRecord`] in the guide's names, for a [`SaleTemplate`](super::SaleTemplate) (the guide's
//! default maps them all). The order's number (`ORD00001`) is the request number and the
//! sale's `source_id`, so the fulfillment ledger makes each order one sale across crashes.
//!
//! # Reading an order
//!
//! | attribute | from the order |
//! |---|---|
//! | `FR Number`, `Order Id`, `Created At` | `number` (else the id), `id`, `createdAt` |
//! | `Email`, `First Name`, `Last Name`, `Phone`, `Company` | `email`, `firstname` (and `middlename`), `lastname`, `phone` (else `mobile`), `companyName` |
//! | `Shipping Address Line 1`, `2` | `addressShippingStreet` `Number` `Extension`, `addressShippingStreet2` |
//! | `Shipping City`, `State`, `Postal Code`, `Country Code` | `addressShippingCity`, `addressShippingRegion` (else the region data's code), `addressShippingZipcode`, the country's `code` in capitals |
//! | `Billing ...` | the same `addressBilling*` fields |
//! | `Payment Method`, `Shipping Method`, `Shipping Cost` | `paymentTitle`, `shipmentTitle`, `shipmentPriceExcl` |
//! | `Discount` | `discountAmount` plus the lines' `discountExcl` (read as excluding tax: the reference does not say \[?\]) |
//! | `Total Tax` | `priceIncl` less `priceExcl` |
//! | `Note`, `Comment` | `comment` |
//! | `Items`: `Sku`, `Quantity`, `Unit Price`, `Tax` | per line (`orders/{id}/products`): `sku` (else `articleCode`), `quantityOrdered`, `basePriceExcl`, and the unit price times `taxRate` |
//!
//! A line's `basePriceExcl` is its unit price before discounts; whether its `priceExcl` is
//! per unit or per line the reference leaves open, so it is read only when there is no base
//! price, as the line's total (divided by the quantity).
//!
//! # The cursor
//!
//! The cursor is the `updatedAt` of what the run settled; the next run lists from it less
//! [`EcomOrderOptions::margin_hours`] (26 by default: eCom reads `updated_at_min` in the shop's
//! time zone, which the reference does not give). It only moves at the end of a run
//! ([`OrderSource::finish`]), and never past an order that is held, waiting, pending or
//! refused, so a crash re-reads rather than skips; the ledger makes reading twice harmless.
//!
//! # Writing the result back
//!
//! Once an order has its sale, [`OrderSource::confirm`] reads the order and, when it does not
//! already say so, sets its status ([`WriteBack::status`], `processing_awaiting_shipment` by
//! default; a cancelled or completed order keeps its status) and adds `X-Series sale <id>` to
//! its memo, in one `PUT`. The state store then marks the order confirmed, and later runs
//! skip it without a call. A crash between the `PUT` and the mark costs one read on the next
//! run, which finds the order already written and writes nothing: the `PUT` is made once.
//!
//! With [`WriteBack::ship_when_dispatched`], the order is also remembered until its sale is
//! dispatched in the store: [`EcomOrders::ship_dispatched`] then marks its shipments shipped
//! (shipments come with their order in eCom and can be updated, not created).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use futures::TryStreamExt;
use lightspeed_ecom::model::{
    Order, OrderInput, OrderProduct, OrderStatus, PaymentStatus, ShipmentStatus,
};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value as Json, json};

use super::{FulfillmentReport, FulfillmentRequest, OrderSource, RequestOutcome, RequestRecord};
use crate::error::{Error, Result, TargetError};
use crate::state::StateStore;

/// The cursor of the orders read (the `updatedAt` of what was settled, RFC 3339).
pub const ORDERS_CURSOR: &str = "ecom.orders.updated_at";

fn confirmed_key(number: &str) -> String {
    format!("ecom.order:{number}")
}

/// What is written back to an order once it has its sale.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteBack {
    /// The order's new status (`None`: left alone). A cancelled or completed order keeps its
    /// status whatever this says.
    pub status: Option<OrderStatus>,
    /// Add `X-Series sale <id>` to the order's memo.
    pub memo: bool,
    /// Remember the order, so that [`EcomOrders::ship_dispatched`] marks its shipments
    /// shipped once its X-Series sale is dispatched or picked up.
    pub ship_when_dispatched: bool,
}

impl Default for WriteBack {
    fn default() -> Self {
        WriteBack {
            status: Some(OrderStatus::ProcessingAwaitingShipment),
            memo: true,
            ship_when_dispatched: false,
        }
    }
}

/// The orders waiting for their X-Series sale's dispatch: a JSON object, order number ->
/// `[order id, sale id]`.
pub const AWAITING_DISPATCH: &str = "ecom.orders.awaiting_dispatch";

/// What [`EcomOrders::ship_dispatched`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShipReport {
    /// Orders whose shipments were marked shipped.
    pub shipped: Vec<String>,
    /// Orders whose sale is not dispatched yet.
    pub waiting: usize,
    /// Orders no longer followed (their sale was voided or is gone), with why.
    pub dropped: Vec<(String, String)>,
}

/// Which orders are read, and what is written back.
#[derive(Debug, Clone)]
pub struct EcomOrderOptions {
    /// Orders with one of these payment statuses are taken (default: `paid`).
    pub payment_statuses: Vec<PaymentStatus>,
    /// The first run reads orders updated since this time (default: all of them).
    pub since: Option<DateTime<Utc>>,
    /// How far before its cursor a run reads again (default 26 hours; see the module docs).
    pub margin_hours: u32,
    /// What the result writes back.
    pub write_back: WriteBack,
}

impl Default for EcomOrderOptions {
    fn default() -> Self {
        EcomOrderOptions {
            payment_statuses: vec![PaymentStatus::Paid],
            since: None,
            margin_hours: 26,
            write_back: WriteBack::default(),
        }
    }
}

/// eCom orders as an [`OrderSource`] (see the module docs).
pub struct EcomOrders<'s> {
    client: lightspeed_ecom::Client,
    state: &'s dyn StateStore,
    options: EcomOrderOptions,
    /// Orders read this run: number -> (id, updatedAt).
    seen: Mutex<BTreeMap<String, (lightspeed_ecom::model::OrderId, DateTime<Utc>)>>,
}

impl std::fmt::Debug for EcomOrders<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EcomOrders")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

fn ecom(e: lightspeed_ecom::Error) -> TargetError {
    TargetError::from_ecom(e)
}

impl<'s> EcomOrders<'s> {
    /// The orders of the shop behind `client`, with the cursor and marks in `state` (share it
    /// with the fulfillment run).
    pub fn new(
        client: lightspeed_ecom::Client,
        state: &'s dyn StateStore,
        options: EcomOrderOptions,
    ) -> Self {
        EcomOrders {
            client,
            state,
            options,
            seen: Mutex::new(BTreeMap::new()),
        }
    }

    fn seen(
        &self,
    ) -> std::sync::MutexGuard<'_, BTreeMap<String, (lightspeed_ecom::model::OrderId, DateTime<Utc>)>>
    {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wanted(&self, order: &Order) -> bool {
        order
            .payment_status
            .as_ref()
            .is_some_and(|p| self.options.payment_statuses.contains(p))
            && order.status != Some(OrderStatus::Cancelled)
            && !matches!(
                order.shipment_status,
                Some(ShipmentStatus::Shipped | ShipmentStatus::Cancelled)
            )
    }

    async fn since(&self) -> Result<Option<DateTime<Utc>>> {
        let saved = self
            .state
            .cursor(ORDERS_CURSOR)
            .await?
            .and_then(|c| DateTime::parse_from_rfc3339(&c).ok())
            .map(|t| t.with_timezone(&Utc));
        Ok(match saved {
            Some(t) => Some(t - Duration::hours(i64::from(self.options.margin_hours))),
            None => self.options.since,
        })
    }
}

impl EcomOrders<'_> {
    async fn awaiting(&self) -> Result<Map<String, Json>> {
        Ok(self
            .state
            .cursor(AWAITING_DISPATCH)
            .await?
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default())
    }

    async fn save_awaiting(&self, awaiting: &Map<String, Json>) -> Result<()> {
        self.state
            .set_cursor(
                AWAITING_DISPATCH,
                &Json::Object(awaiting.clone()).to_string(),
            )
            .await
    }

    /// Carries X-Series' fulfillment back to the webshop: for each order remembered by
    /// [`WriteBack::ship_when_dispatched`], reads its sale (one call), and once the sale is
    /// `DISPATCHED_CLOSED` or `PICKED_UP_CLOSED` sets the order's shipments that are not
    /// shipped yet to `shipped` (one read, and one `PUT` per such shipment). A voided or
    /// deleted sale stops the following. Each order is forgotten once done, so a rerun after a
    /// crash reads the shipments again and writes only what is not shipped.
    pub async fn ship_dispatched(
        &self,
        xseries: &lightspeed_xseries::Client,
    ) -> Result<ShipReport> {
        use lightspeed_xseries::model::{SaleId, SaleStatus};
        let mut report = ShipReport::default();
        let mut awaiting = self.awaiting().await?;
        let entries: Vec<(String, Json)> = awaiting
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (number, entry) in entries {
            let (Some(order_id), Some(sale_id)) = (
                entry.get(0).and_then(Json::as_u64),
                entry.get(1).and_then(Json::as_str),
            ) else {
                awaiting.remove(&number);
                continue;
            };
            let sale = match xseries.sales().get(&SaleId::from(sale_id)).await {
                Ok(sale) => sale,
                Err(e)
                    if matches!(&e, lightspeed_xseries::Error::Api(core)
                    if core.kind() == lightspeed_core::ErrorKind::NotFound) =>
                {
                    report
                        .dropped
                        .push((number.clone(), format!("sale {sale_id} is gone")));
                    awaiting.remove(&number);
                    self.save_awaiting(&awaiting).await?;
                    continue;
                }
                Err(e) => return Err(Error::Target(TargetError::from_xseries(e))),
            };
            match sale.status {
                Some(SaleStatus::DispatchedClosed | SaleStatus::PickedUpClosed) => {}
                Some(SaleStatus::Voided) => {
                    report
                        .dropped
                        .push((number.clone(), format!("sale {sale_id} was voided")));
                    awaiting.remove(&number);
                    self.save_awaiting(&awaiting).await?;
                    continue;
                }
                _ => {
                    report.waiting += 1;
                    continue;
                }
            }
            let order = lightspeed_ecom::model::OrderId(order_id);
            let shipments = self
                .client
                .shipments()
                .list()
                .order(order)
                .send()
                .await
                .map_err(|e| Error::Target(ecom(e)))?;
            for shipment in shipments {
                if matches!(
                    shipment.status,
                    Some(ShipmentStatus::Shipped | ShipmentStatus::Cancelled)
                ) {
                    continue;
                }
                let input = lightspeed_ecom::model::ShipmentInput {
                    status: Some(ShipmentStatus::Shipped),
                    ..Default::default()
                };
                self.client
                    .shipments()
                    .update(shipment.id, &input)
                    .await
                    .map_err(|e| Error::Target(ecom(e)))?;
            }
            report.shipped.push(number.clone());
            awaiting.remove(&number);
            self.save_awaiting(&awaiting).await?;
        }
        Ok(report)
    }
}

fn number_of(order: &Order) -> String {
    order
        .number
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| order.id.to_string())
}

fn dec_json(d: Decimal) -> Json {
    serde_json::from_str(&d.normalize().to_string()).unwrap_or(Json::Null)
}

/// An order (and its lines) as a request record in the guide's names (see the module docs).
pub fn record_of(order: &Order, lines: &[OrderProduct]) -> RequestRecord {
    let raw = serde_json::to_value(order).unwrap_or_default();
    let text = |k: &str| {
        raw.get(k)
            .and_then(Json::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let mut fields = Map::new();
    let mut put = |k: &str, v: Option<Json>| {
        if let Some(v) = v.filter(|v| !v.is_null()) {
            fields.insert(k.to_string(), v);
        }
    };
    let number = number_of(order);
    put("FR Number", Some(number.clone().into()));
    put("Order Id", Some(json!(order.id.0)));
    put(
        "Created At",
        order
            .created_at
            .map(|t| t.with_timezone(&Utc).to_rfc3339().into()),
    );
    put("Email", text("email").map(Into::into));
    let first = [text("firstname"), text("middlename")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    put("First Name", (!first.is_empty()).then(|| first.into()));
    put("Last Name", text("lastname").map(Into::into));
    put(
        "Phone",
        text("phone").or_else(|| text("mobile")).map(Into::into),
    );
    put("Company", text("companyName").map(Into::into));
    for (prefix, side) in [("Shipping", "Shipping"), ("Billing", "Billing")] {
        let part = |p: &str| text(&format!("address{side}{p}"));
        let line1 = [part("Street"), part("Number"), part("Extension")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        put(
            &format!("{prefix} Address Line 1"),
            (!line1.is_empty()).then(|| line1.into()),
        );
        put(
            &format!("{prefix} Address Line 2"),
            part("Street2").map(Into::into),
        );
        put(&format!("{prefix} City"), part("City").map(Into::into));
        let region = part("Region").or_else(|| {
            raw.get(format!("address{side}RegionData"))
                .and_then(|r| r.get("code"))
                .and_then(Json::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        });
        put(&format!("{prefix} State"), region.map(Into::into));
        put(
            &format!("{prefix} Postal Code"),
            part("Zipcode").map(Into::into),
        );
        let country = raw
            .get(format!("address{side}Country"))
            .and_then(|c| c.get("code"))
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
            .map(|c| Json::from(c.to_ascii_uppercase()));
        put(&format!("{prefix} Country Code"), country);
    }
    put("Payment Method", text("paymentTitle").map(Into::into));
    put("Shipping Method", text("shipmentTitle").map(Into::into));
    put(
        "Shipping Cost",
        order
            .shipment_price_excl
            .filter(|d| !d.is_zero())
            .map(dec_json),
    );
    let discount = order.discount_amount.unwrap_or_default()
        + lines
            .iter()
            .filter_map(|l| l.discount_excl)
            .sum::<Decimal>();
    put(
        "Discount",
        (discount > Decimal::ZERO).then(|| dec_json(discount)),
    );
    if let (Some(incl), Some(excl)) = (order.price_incl, order.price_excl) {
        put("Total Tax", Some(dec_json(incl - excl)));
    }
    put("Note", text("comment").map(Into::into));
    put("Comment", text("comment").map(Into::into));
    let items: Vec<Json> = lines
        .iter()
        .map(|l| {
            let quantity = Decimal::from(l.quantity_ordered.unwrap_or(1));
            let unit = l
                .base_price_excl
                .filter(|d| !d.is_zero())
                .or_else(|| l.price_excl.map(|p| p / quantity.max(Decimal::ONE)))
                .unwrap_or_default();
            let tax = (unit * l.tax_rate.unwrap_or_default())
                .round_dp_with_strategy(5, RoundingStrategy::MidpointAwayFromZero);
            let sku = l
                .sku
                .clone()
                .filter(|s| !s.trim().is_empty())
                .or_else(|| l.article_code.clone())
                .unwrap_or_default();
            json!({"Sku": sku, "Quantity": dec_json(quantity), "Unit Price": dec_json(unit),
                   "Tax": dec_json(tax), "Title": l.product_title})
        })
        .collect();
    put("Items", Some(Json::Array(items)));
    RequestRecord {
        number,
        created_at: order
            .created_at
            .map_or_else(Utc::now, |t| t.with_timezone(&Utc)),
        fields: Json::Object(fields),
    }
}

#[async_trait]
impl OrderSource for EcomOrders<'_> {
    async fn requests(&self) -> Result<Vec<FulfillmentRequest>> {
        Ok(self
            .records()
            .await?
            .iter()
            .map(RequestRecord::to_request)
            .collect())
    }

    async fn records(&self) -> Result<Vec<RequestRecord>> {
        let mut list = self.client.orders().list().limit(250);
        if let Some(since) = self.since().await? {
            list = list.updated_at_min(since);
        }
        let orders: Vec<Order> = list
            .stream()
            .try_collect()
            .await
            .map_err(|e| Error::Target(ecom(e)))?;
        let mut out = Vec::new();
        for order in orders {
            if !self.wanted(&order) {
                continue;
            }
            let number = number_of(&order);
            let updated = order
                .updated_at
                .or(order.created_at)
                .map_or_else(Utc::now, |t| t.with_timezone(&Utc));
            self.seen().insert(number.clone(), (order.id, updated));
            if self.state.cursor(&confirmed_key(&number)).await?.is_some() {
                // Settled for good: its sale exists and the order says so.
                continue;
            }
            let processed = self
                .state
                .cursor(&super::mark_key(&number))
                .await?
                .is_some_and(|m| m.starts_with(super::PROCESSED));
            // A processed order only needs its confirmation: its lines are not read again.
            let lines = if processed {
                Vec::new()
            } else {
                self.client
                    .order_products(order.id)
                    .list()
                    .limit(250)
                    .all()
                    .await
                    .map_err(|e| Error::Target(ecom(e)))?
            };
            out.push(record_of(&order, &lines));
        }
        Ok(out)
    }

    async fn confirm(&self, number: &str, sale_id: &str) -> std::result::Result<(), TargetError> {
        let store = |e: Error| TargetError::fatal(e.to_string()).with_source(e);
        let key = confirmed_key(number);
        if self.state.cursor(&key).await.map_err(store)?.is_some() {
            return Ok(());
        }
        let known = self.seen().get(number).map(|(id, _)| *id);
        let order = match known {
            Some(id) => self.client.orders().get(id).await.map_err(ecom)?,
            None => {
                let found = self
                    .client
                    .orders()
                    .list()
                    .number(number)
                    .send()
                    .await
                    .map_err(ecom)?;
                found.into_iter().next().ok_or_else(|| {
                    TargetError::rejected(format!("order {number} is not in the shop"))
                })?
            }
        };
        let write_back = &self.options.write_back;
        let mut input = OrderInput::default();
        let mut change = false;
        let settled = matches!(
            order.status,
            Some(
                OrderStatus::Cancelled
                    | OrderStatus::Completed
                    | OrderStatus::CompletedShipped
                    | OrderStatus::CompletedPickedUp
            )
        );
        if let Some(status) = &write_back.status
            && order.status.as_ref() != Some(status)
            && !settled
        {
            input.status = Some(status.clone());
            change = true;
        }
        if write_back.memo {
            let memo = order.memo.clone().unwrap_or_default();
            if !memo.contains(sale_id) {
                let line = format!("X-Series sale {sale_id}");
                input.memo = Some(if memo.trim().is_empty() {
                    line
                } else {
                    format!("{}\n{line}", memo.trim_end())
                });
                change = true;
            }
        }
        if change {
            self.client
                .orders()
                .update(order.id, &input)
                .await
                .map_err(ecom)?;
        }
        if write_back.ship_when_dispatched {
            // Remembered before the order is marked confirmed: a crash in between adds it
            // again next run, which changes nothing.
            let mut awaiting = self.awaiting().await.map_err(store)?;
            awaiting.insert(number.to_string(), json!([order.id.0, sale_id]));
            self.save_awaiting(&awaiting).await.map_err(store)?;
        }
        self.state
            .set_cursor(&key, &format!("confirmed:{sale_id}"))
            .await
            .map_err(store)?;
        Ok(())
    }

    async fn finish(&self, report: &FulfillmentReport) -> Result<()> {
        let unsettled: BTreeSet<&str> = report
            .requests
            .iter()
            .filter(|(_, o)| {
                !matches!(
                    o,
                    RequestOutcome::Created { .. }
                        | RequestOutcome::Found { .. }
                        | RequestOutcome::AlreadyProcessed
                )
            })
            .map(|(n, _)| n.as_str())
            .chain(report.unconfirmed.iter().map(|(n, _)| n.as_str()))
            .collect();
        let next = {
            let seen = self.seen();
            let oldest_open = seen
                .iter()
                .filter(|(n, _)| unsettled.contains(n.as_str()))
                .map(|(_, (_, t))| *t)
                .min();
            oldest_open.or_else(|| seen.values().map(|(_, t)| *t).max())
        };
        let Some(next) = next else {
            return Ok(());
        };
        let current = self
            .state
            .cursor(ORDERS_CURSOR)
            .await?
            .and_then(|c| DateTime::parse_from_rfc3339(&c).ok())
            .map(|t| t.with_timezone(&Utc));
        if current.is_none_or(|c| next > c) {
            self.state
                .set_cursor(ORDERS_CURSOR, &next.to_rfc3339())
                .await?;
        }
        self.seen().clear();
        Ok(())
    }
}
