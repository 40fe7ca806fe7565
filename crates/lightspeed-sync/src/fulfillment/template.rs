//! Fulfillment requests through a mapping template: a request record in the integration
//! guide's attribute names, mapped (target `xseries.register_sale`) into what a register sale
//! needs: the customer's fields and addresses, the note, the source id, the status, the lines
//! and the adjustments (total discount, total shipping cost, total tax).
//!
//! # The request record
//!
//! A [`RequestRecord`] is a JSON object with the guide's names (all optional but `FR Number`
//! and `Items`): `FR Number`, `Created At`, `Email`, `First Name`, `Last Name`, `Phone`,
//! `Company`, `Customer Custom Field 1` to `4`, `Shipping Address Line 1` to `3`, `Shipping
//! City`, `Shipping State`, `Shipping Postal Code`, `Shipping Country Code`, the same six-plus
//! for `Billing ...`, `Payment Method`, `Shipping Method`, `Shipping Cost`, `Discount`, `Total
//! Tax`, `Note`, and `Items`: a list of `{"Sku", "Quantity", "Unit Price", "Tax"}` (unit price
//! and unit tax, both excluding tax). Sources add what else they have (an eCom order adds
//! `Order Id`, `Comment`...).
//!
//! # How a record is mapped
//!
//! The request's own fields and each of its items are mapped apart: the template is applied
//! to the record once for everything but `lines[]`, and once per item for `lines[]`, on the
//! record's attributes plus the item's (so a line rule may read `Sku` as well as `FR Number`,
//! and `Line Number`, the item's position from 1). An error of a rule that writes the other
//! part is not an error of this part.
//!
//! # The target `xseries.register_sale`
//!
//! | field | what it becomes |
//! |---|---|
//! | `source_id` (required) | the sale's `source_id`: how a sale already sent is found again |
//! | `status` | the sale's status (`CLOSED`, `SAVED`, `AWAITING_DISPATCH`...); default: the options' |
//! | `note` | the sale's note |
//! | `customer.<field>` | the customer's fields, by their X-Series names: `first_name`, `last_name`, `email`, `phone`, `mobile`, `company_name`, `customer_code`, `custom_field_1`..`4`, `physical_address_1`, `physical_address_2`, `physical_suburb`, `physical_city`, `physical_state`, `physical_postcode`, `physical_country_id` and the same `postal_*` (the billing address) |
//! | `lines[].sku` (required), `lines[].quantity`, `lines[].price`, `lines[].tax` | a sale line: the SKU's product, quantity, unit price excluding tax and unit tax (computed from the options' rate when not given) |
//! | `adjustments.total_discount` | comes off the first line's unit price (register sales have no order discount) |
//! | `adjustments.total_shipping_cost` | a line of the options' shipping product, or a note |
//! | `adjustments.total_tax` | the sale's tax total: the last line's unit tax takes the difference from the lines' own (less the shipping's tax at the options' rate when shipping goes in the note) |
//! | `payment_type` | a payment of the sale's total with this payment type (its id or its name in the store) |
//!
//! The default template, [`DEFAULT_TEMPLATE`] (also `examples/mappings/xseries-sale.json`),
//! follows the guide's table.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use lightspeed_mapping::{FieldSpec, FieldType, Mapping, Options, RecordError, TargetSchema};
use lightspeed_xseries::model::SaleStatus;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use crate::error::{Error, Result};

/// The name of the target a sale template writes.
pub const TARGET: &str = "xseries.register_sale";

/// The default template (the guide's table), as `examples/mappings/xseries-sale.json`.
pub const DEFAULT_TEMPLATE: &str = include_str!("xseries-sale.json");

/// The customer fields a template may write (`customer.<name>`): X-Series' names.
pub const CUSTOMER_FIELDS: &[&str] = &[
    "customer_code",
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "company_name",
    "note",
    "custom_field_1",
    "custom_field_2",
    "custom_field_3",
    "custom_field_4",
    "physical_address_1",
    "physical_address_2",
    "physical_suburb",
    "physical_city",
    "physical_state",
    "physical_postcode",
    "physical_country_id",
    "postal_address_1",
    "postal_address_2",
    "postal_suburb",
    "postal_city",
    "postal_state",
    "postal_postcode",
    "postal_country_id",
];

/// The statuses a template may give a sale.
pub const STATUSES: &[&str] = &[
    "SAVED",
    "CLOSED",
    "ONACCOUNT",
    "LAYBY",
    "ONACCOUNT_CLOSED",
    "LAYBY_CLOSED",
    "AWAITING_DISPATCH",
    "AWAITING_PICKUP",
];

/// What a sale template may write (`xseries.register_sale`); see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct RegisterSaleSchema;

impl TargetSchema for RegisterSaleSchema {
    fn name(&self) -> &str {
        TARGET
    }

    fn fields(&self) -> Vec<FieldSpec> {
        use FieldType::*;
        let mut fields = vec![
            FieldSpec::new("source_id", Text)
                .required()
                .alias("fr_number"),
            FieldSpec::new("status", Text).allowed(STATUSES),
            FieldSpec::new("note", Text),
            FieldSpec::new("payment_type", Text),
            FieldSpec::new("lines", List),
            FieldSpec::new("lines[].sku", Text).required(),
            FieldSpec::new("lines[].quantity", Number),
            FieldSpec::new("lines[].price", Number).alias("lines[].unit_price"),
            FieldSpec::new("lines[].tax", Number),
            FieldSpec::new("adjustments.total_discount", Number),
            FieldSpec::new("adjustments.total_shipping_cost", Number),
            FieldSpec::new("adjustments.total_tax", Number),
        ];
        fields.extend(
            CUSTOMER_FIELDS
                .iter()
                .map(|f| FieldSpec::new(format!("customer.{f}"), Text)),
        );
        fields
    }
}

/// A fulfillment request as a record in the guide's attribute names (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// The request's number: the key of its once-only marks.
    pub number: String,
    /// When it was placed (holds and business hours count from it).
    pub created_at: DateTime<Utc>,
    /// The attributes, `Items` included.
    pub fields: Json,
}

impl RequestRecord {
    /// A record of these attributes; the number is `FR Number` and the time `Created At`
    /// (RFC 3339; now when absent or unreadable).
    pub fn from_fields(fields: Json) -> std::result::Result<Self, String> {
        let number = match fields.get("FR Number") {
            Some(Json::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            Some(Json::Number(n)) => n.to_string(),
            _ => return Err("a request record needs an `FR Number`".into()),
        };
        let created_at = fields
            .get("Created At")
            .and_then(Json::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map_or_else(Utc::now, |t| t.with_timezone(&Utc));
        Ok(RequestRecord {
            number,
            created_at,
            fields,
        })
    }

    /// The typed request, keeping what [`FulfillmentRequest`](super::FulfillmentRequest)
    /// holds: the names, email, both addresses (lines 2 and 3 joined), shipping cost, discount,
    /// note and items (SKU, quantity, unit price).
    pub fn to_request(&self) -> super::FulfillmentRequest {
        let text = |k: &str| text_of(self.fields.get(k)).unwrap_or_default();
        let address = |prefix: &str| {
            let line = |n: u8| text_of(self.fields.get(format!("{prefix} Address Line {n}")));
            let second: Vec<String> = [line(2), line(3)].into_iter().flatten().collect();
            super::Address {
                address1: line(1).unwrap_or_default(),
                address2: (!second.is_empty()).then(|| second.join(", ")),
                city: text(&format!("{prefix} City")),
                state: text(&format!("{prefix} State")),
                postcode: text(&format!("{prefix} Postal Code")),
                country_id: text(&format!("{prefix} Country Code")).to_ascii_uppercase(),
            }
        };
        let billing = address("Billing");
        super::FulfillmentRequest {
            number: self.number.clone(),
            created_at: self.created_at,
            email: text("Email"),
            first_name: text("First Name"),
            last_name: text("Last Name"),
            ship_to: address("Shipping"),
            billing: (billing != super::Address::default()).then_some(billing),
            items: self
                .items()
                .into_iter()
                .map(|i| super::RequestLine {
                    sku: text_of(i.get("Sku")).unwrap_or_default(),
                    quantity: decimal_of(i.get("Quantity")).unwrap_or(Decimal::ONE),
                    unit_price: decimal_of(i.get("Unit Price")).unwrap_or_default(),
                })
                .collect(),
            shipping_cost: decimal_of(self.fields.get("Shipping Cost")).unwrap_or_default(),
            discount: decimal_of(self.fields.get("Discount")).unwrap_or_default(),
            note: text_of(self.fields.get("Note")),
        }
    }

    /// The items (`Items`), each an object.
    pub fn items(&self) -> Vec<&Map<String, Json>> {
        self.fields
            .get("Items")
            .and_then(Json::as_array)
            .map(|items| items.iter().filter_map(Json::as_object).collect())
            .unwrap_or_default()
    }
}

/// One line of a [`MappedSale`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MappedLine {
    /// The SKU.
    pub sku: String,
    /// How many.
    pub quantity: Decimal,
    /// Unit price, excluding tax.
    pub price: Decimal,
    /// Unit tax, when the request gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<Decimal>,
}

/// A request mapped through a template: everything a register sale (and its customer) gets.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MappedSale {
    /// The sale's `source_id`.
    pub source_id: String,
    /// Its status, when the template gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<SaleStatus>,
    /// Its note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The customer's fields, by their X-Series names (`first_name`, `physical_city`...).
    pub customer: BTreeMap<String, String>,
    /// The lines.
    pub lines: Vec<MappedLine>,
    /// The discount on the whole request, excluding tax.
    pub total_discount: Decimal,
    /// The shipping cost, excluding tax.
    pub total_shipping_cost: Decimal,
    /// The tax the sale should total, when the request gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_tax: Option<Decimal>,
    /// The payment type (an id or a name), when the template gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_type: Option<String>,
}

impl MappedSale {
    /// The customer's email, if any.
    pub fn email(&self) -> Option<&str> {
        self.customer
            .get("email")
            .map(String::as_str)
            .filter(|e| !e.trim().is_empty())
    }

    /// Checks what a sale and its customer cannot do without, naming the first field missing
    /// (`request FR-1: customer.physical_city is required`): the street, city, postcode and a
    /// two-letter country of the shipping (physical) address, at least one line, a positive
    /// quantity per line, and an email that looks like one when there is an email.
    pub fn check(&self, number: &str) -> std::result::Result<(), String> {
        for field in [
            "physical_address_1",
            "physical_city",
            "physical_postcode",
            "physical_country_id",
        ] {
            if self.customer.get(field).is_none_or(|v| v.trim().is_empty()) {
                return Err(format!("request {number}: customer.{field} is required"));
            }
        }
        let country = self.customer["physical_country_id"].trim();
        if country.chars().count() != 2 {
            return Err(format!(
                "request {number}: customer.physical_country_id {country:?} is not a two-letter country code"
            ));
        }
        if let Some(email) = self.email()
            && !email.contains('@')
        {
            return Err(format!(
                "request {number}: customer.email {email:?} is not an address"
            ));
        }
        if self.lines.is_empty() {
            return Err(format!("request {number}: no items"));
        }
        for (i, line) in self.lines.iter().enumerate() {
            if line.quantity <= Decimal::ZERO {
                return Err(format!(
                    "request {number}: lines[{i}].quantity must be more than 0 (SKU {})",
                    line.sku
                ));
            }
        }
        Ok(())
    }
}

/// A compiled sale template: a mapping document with target `xseries.register_sale`.
#[derive(Debug, Clone)]
pub struct SaleTemplate {
    mapping: Mapping,
}

impl SaleTemplate {
    /// Compiles `mapping` against [`RegisterSaleSchema`]: a field the target does not have, or
    /// a document for another target, is refused with the rule's path.
    pub fn new(mapping: &Mapping) -> Result<Self> {
        let mapping = mapping
            .with_schema(&RegisterSaleSchema)
            .map_err(Error::Mapping)?;
        Ok(SaleTemplate { mapping })
    }

    /// A template from a JSON mapping document.
    pub fn from_json(text: &str) -> Result<Self> {
        let mapping = Mapping::from_json(
            text,
            &Options {
                channel: None,
                schema: Some(&RegisterSaleSchema),
            },
        )
        .map_err(Error::Mapping)?;
        Ok(SaleTemplate { mapping })
    }

    /// The default template: the guide's table ([`DEFAULT_TEMPLATE`]).
    pub fn guide() -> Self {
        Self::from_json(DEFAULT_TEMPLATE).expect("the default template compiles")
    }

    /// The compiled mapping.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// Maps one request; the error names every field that failed, with its rule.
    pub fn map(&self, record: &RequestRecord) -> std::result::Result<MappedSale, String> {
        let mut header = match &record.fields {
            Json::Object(o) => o.clone(),
            _ => return Err(format!("request {}: not a JSON object", record.number)),
        };
        header.remove("Items");
        let mut errors: Vec<RecordError> = Vec::new();
        let mut fields = Map::new();
        // The request's own fields are mapped with its first item's attributes beside them,
        // so that a line rule marked `required` does not fail this part (its lines are
        // dropped: each item is mapped below).
        let mut first = header.clone();
        for (k, v) in record.items().first().copied().into_iter().flatten() {
            first.entry(k.clone()).or_insert_with(|| v.clone());
        }
        match self.mapping.apply(&Json::Object(first)) {
            Ok(mapped) => {
                if let Json::Object(o) = mapped.nested().to_json() {
                    fields = o;
                }
            }
            Err(e) => errors.extend(e.into_iter().filter(|e| !is_line(&e.field))),
        }
        fields.remove("lines");
        let mut lines = Vec::new();
        for (i, item) in record.items().into_iter().enumerate() {
            let mut line_record = header.clone();
            line_record.insert("Line Number".into(), Json::from(i + 1));
            for (k, v) in item {
                line_record.insert(k.clone(), v.clone());
            }
            match self.mapping.apply(&Json::Object(line_record)) {
                Ok(mapped) => {
                    let line = mapped
                        .nested()
                        .to_json()
                        .get("lines")
                        .and_then(|l| l.get(0))
                        .cloned()
                        .unwrap_or(Json::Null);
                    lines.push((i, line));
                }
                Err(e) => {
                    errors.extend(e.into_iter().filter(|e| is_line(&e.field)).map(|mut e| {
                        e.field = e.field.replacen("lines[]", &format!("lines[{i}]"), 1);
                        e
                    }))
                }
            }
        }
        if !errors.is_empty() {
            let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
            return Err(format!("request {}: {}", record.number, text.join("; ")));
        }
        sale_of(&record.number, &fields, &lines)
    }
}

fn is_line(field: &str) -> bool {
    field == "lines" || field.starts_with("lines[")
}

fn text_of(v: Option<&Json>) -> Option<String> {
    match v? {
        Json::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn decimal_of(v: Option<&Json>) -> Option<Decimal> {
    match v? {
        Json::Number(n) => n.to_string().parse().ok(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn sale_of(
    number: &str,
    fields: &Map<String, Json>,
    lines: &[(usize, Json)],
) -> std::result::Result<MappedSale, String> {
    let adjustments = fields.get("adjustments");
    let adjustment = |k: &str| decimal_of(adjustments.and_then(|a| a.get(k)));
    let status = match text_of(fields.get("status")) {
        None => None,
        Some(s) => Some(
            serde_json::from_value::<SaleStatus>(Json::from(s.to_ascii_uppercase()))
                .map_err(|_| format!("request {number}: status {s:?} is not a sale status"))?,
        ),
    };
    let customer = fields
        .get("customer")
        .and_then(Json::as_object)
        .map(|c| {
            c.iter()
                .filter_map(|(k, v)| Some((k.clone(), text_of(Some(v))?)))
                .collect()
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    for (i, line) in lines {
        let sku = text_of(line.get("sku"))
            .ok_or_else(|| format!("request {number}: lines[{i}].sku is required"))?;
        let quantity = decimal_of(line.get("quantity")).unwrap_or(Decimal::ONE);
        let price = decimal_of(line.get("price"))
            .ok_or_else(|| format!("request {number}: lines[{i}].price is required (SKU {sku})"))?;
        out.push(MappedLine {
            sku,
            quantity,
            price,
            tax: decimal_of(line.get("tax")),
        });
    }
    Ok(MappedSale {
        source_id: text_of(fields.get("source_id")).unwrap_or_else(|| number.to_string()),
        status,
        note: text_of(fields.get("note")),
        customer,
        lines: out,
        total_discount: adjustment("total_discount").unwrap_or_default(),
        total_shipping_cost: adjustment("total_shipping_cost").unwrap_or_default(),
        total_tax: adjustment("total_tax"),
        payment_type: text_of(fields.get("payment_type")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record() -> RequestRecord {
        RequestRecord::from_fields(json!({
            "FR Number": "FR-1001", "Created At": "2026-11-23T09:00:00Z",
            "Email": "anna@example.com", "First Name": "Anna", "Last Name": "de Vries",
            "Phone": "+31 20 555 0101", "Company": "Vries BV",
            "Customer Custom Field 1": "VIP", "Customer Custom Field 2": "NL-42",
            "Customer Custom Field 3": "newsletter", "Customer Custom Field 4": "B2B",
            "Shipping Address Line 1": "Prinsengracht 263", "Shipping Address Line 2": "3rd floor",
            "Shipping Address Line 3": "Back entrance", "Shipping City": "Amsterdam",
            "Shipping State": "NH", "Shipping Postal Code": "1016 GV", "Shipping Country Code": "nl",
            "Billing Address Line 1": "Damrak 1", "Billing City": "Amsterdam",
            "Billing Postal Code": "1012 LG", "Billing Country Code": "NL",
            "Payment Method": "Credit Card", "Shipping Method": "DHL Express",
            "Shipping Cost": "4.95", "Discount": 5, "Total Tax": 20.12, "Note": "Gift wrap",
            "Items": [{"Sku": "LW-001", "Quantity": 1, "Unit Price": 74.34, "Tax": 15.61},
                      {"Sku": "TS-S", "Quantity": "2", "Unit Price": "20.62"}]
        }))
        .unwrap()
    }

    #[test]
    fn the_guide_template_maps_every_field_of_the_table() {
        let sale = SaleTemplate::guide().map(&record()).unwrap();
        assert_eq!(sale.source_id, "FR-1001");
        assert_eq!(
            sale.note.as_deref(),
            Some("Gift wrap Shipping method: DHL Express.")
        );
        for (k, v) in [
            ("first_name", "Anna"),
            ("last_name", "de Vries"),
            ("email", "anna@example.com"),
            ("phone", "+31 20 555 0101"),
            ("company_name", "Vries BV"),
            ("custom_field_1", "VIP"),
            ("custom_field_4", "B2B"),
            ("physical_address_1", "Prinsengracht 263"),
            ("physical_address_2", "3rd floor, Back entrance"),
            ("physical_postcode", "1016 GV"),
            ("physical_country_id", "NL"),
            ("postal_address_1", "Damrak 1"),
            ("postal_postcode", "1012 LG"),
        ] {
            assert_eq!(sale.customer.get(k).map(String::as_str), Some(v), "{k}");
        }
        assert_eq!(sale.lines.len(), 2);
        assert_eq!(sale.lines[0].tax, Some(Decimal::new(1561, 2)));
        assert_eq!(sale.lines[1].quantity, Decimal::TWO);
        assert_eq!(sale.lines[1].price, Decimal::new(2062, 2));
        assert_eq!(sale.lines[1].tax, None);
        assert_eq!(sale.total_shipping_cost, Decimal::new(495, 2));
        assert_eq!(sale.total_discount, Decimal::new(5, 0));
        assert_eq!(sale.total_tax, Some(Decimal::new(2012, 2)));
        assert_eq!(sale.payment_type.as_deref(), Some("Credit Card"));
        assert!(sale.check("FR-1001").is_ok());
    }

    #[test]
    fn a_line_without_a_sku_is_named_with_its_index() {
        let mut r = record();
        r.fields["Items"][1].as_object_mut().unwrap().remove("Sku");
        let err = SaleTemplate::guide().map(&r).unwrap_err();
        assert!(err.contains("lines[1].sku"), "{err}");
        assert!(!err.contains("source_id"), "{err}");
    }

    #[test]
    fn a_template_for_another_target_or_field_is_refused() {
        let err = SaleTemplate::from_json(
            r#"{"target": "xseries.register_sale", "product_mappings": [
                {"pim_attribute": "FR Number", "lightspeed_field": "source_id"},
                {"pim_attribute": "Email", "lightspeed_field": "customer.emial"}]}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("customer.emial"), "{err}");
        assert!(
            SaleTemplate::from_json(r#"{"target": "pool.item", "product_mappings": []}"#).is_err()
        );
    }

    #[test]
    fn the_address_is_checked_before_anything_is_sent() {
        let mut r = record();
        r.fields.as_object_mut().unwrap().remove("Shipping City");
        let sale = SaleTemplate::guide().map(&r).unwrap();
        assert_eq!(
            sale.check("FR-1001").unwrap_err(),
            "request FR-1001: customer.physical_city is required"
        );
    }
}
