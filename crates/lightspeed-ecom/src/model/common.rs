//! Building blocks shared by the models: newtype ids, relation links, vendor enums, files.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

macro_rules! id_types {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            /// The number itself.
            pub fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<$name> for u64 {
            fn from(id: $name) -> u64 {
                id.0
            }
        }

        impl From<u64> for $name {
            fn from(id: u64) -> Self {
                Self(id)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse().map(Self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(IdVisitor).map(Self)
            }
        }
    )*};
}

/// Reads an id written as a number or a numeric string (category `path` entries are strings).
struct IdVisitor;

impl Visitor<'_> for IdVisitor {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id (a positive integer or its text)")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::custom(format!("expected an id, found {v}")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
        if v.fract() == 0.0 && (0.0..9.0e15).contains(&v) {
            Ok(v as u64)
        } else {
            Err(E::custom(format!("expected an id, found {v}")))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        v.trim()
            .parse()
            .map_err(|_| E::custom(format!("expected an id, found {v:?}")))
    }
}

id_types! {
    /// A product's id.
    ProductId;
    /// A variant's id.
    VariantId;
    /// A product image's id.
    ProductImageId;
    /// A category's id.
    CategoryId;
    /// The id of a category-product link (`categories/products`).
    CategoriesProductId;
    /// A brand's id.
    BrandId;
    /// A type's ("specification set") id.
    TypeId;
    /// An attribute's id.
    AttributeId;
    /// The id of a type-attribute link (`types/attributes`).
    TypesAttributeId;
    /// A tag's id.
    TagId;
    /// The id of a tag-product link (`tags/products`).
    TagsProductId;
    /// A metafield's id.
    MetafieldId;
    /// A stock movement's id.
    MovementId;
    /// An order's id.
    OrderId;
    /// An order line's id (`orders/{id}/products`).
    OrderProductId;
    /// A customer's id.
    CustomerId;
    /// An invoice's id.
    InvoiceId;
    /// A shipment's id.
    ShipmentId;
    /// A webhook's id.
    WebhookId;
    /// A language's id.
    LanguageId;
    /// A shop's id.
    ShopId;
    /// An API account's id.
    AccountId;
    /// A tax's id.
    TaxId;
    /// A supplier's id.
    SupplierId;
    /// A delivery date's id.
    DeliveryDateId;
    /// A product set's ("matrix") id.
    SetId;
    /// The id of another record the API links to without a dedicated type here.
    RecordId;
}

/// A link to one related record: `{"resource": {"id": 123, "url": "brands/123", "link": "..."}}`.
///
/// Webhook and order payloads may inline the record under `embedded`; [`Link::embedded_as`]
/// decodes it.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Link<I> {
    /// The related record's id.
    pub id: Option<I>,
    /// The API path of the record, without language or `.json` (`brands/123`).
    pub url: Option<String>,
    /// The absolute URL of the record (`https://api.webshopapp.com/nl/brands/123.json`).
    pub link: Option<String>,
    /// The record inlined by webhooks and order payloads.
    pub embedded: Option<Value>,
}

impl<I> Link<I> {
    /// A link to the record with this id (as used in tests and emulators).
    pub fn to(id: I) -> Self {
        Self {
            id: Some(id),
            url: None,
            link: None,
            embedded: None,
        }
    }

    /// Decodes the inlined record, if there is one.
    pub fn embedded_as<T: DeserializeOwned>(&self) -> Option<Result<T, serde_json::Error>> {
        self.embedded
            .as_ref()
            .and_then(lightspeed_core::fields::value_as)
    }
}

/// A link to a list of related records (`"variants": {"resource": {"id": false, "url":
/// "variants?product=1", ...}}`): the list's path and, in webhooks, the inlined records.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct ListLink {
    /// The API path of the list, filters included (`variants?product=1`).
    pub url: Option<String>,
    /// The absolute URL of the list.
    pub link: Option<String>,
    /// The records inlined by webhooks and order payloads.
    pub embedded: Option<Value>,
}

impl ListLink {
    /// Decodes the inlined records (an empty list when none were inlined).
    pub fn embedded_as<T: DeserializeOwned>(&self) -> Result<Vec<T>, serde_json::Error> {
        match &self.embedded {
            Some(Value::Array(items)) => items.iter().map(T::deserialize).collect(),
            Some(Value::Object(map)) if map.is_empty() => Ok(Vec::new()),
            Some(Value::Object(_)) => {
                T::deserialize(self.embedded.as_ref().expect("matched")).map(|one| vec![one])
            }
            _ => Ok(Vec::new()),
        }
    }
}

#[derive(Deserialize)]
struct LinkWire<I> {
    resource: LinkBody<I>,
}

#[derive(Deserialize)]
#[serde(bound = "I: Deserialize<'de>")]
struct LinkBody<I> {
    #[serde(default, with = "lightspeed_core::fields::opt")]
    id: Option<I>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    link: Option<String>,
    #[serde(default)]
    embedded: Option<Value>,
}

struct LinkBodyOut<'a, I> {
    id: Option<&'a I>,
    url: &'a Option<String>,
    link: &'a Option<String>,
    embedded: &'a Option<Value>,
}

impl<I: Serialize> Serialize for LinkBodyOut<'_, I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("resource", 4)?;
        match self.id {
            Some(id) => st.serialize_field("id", id)?,
            None => st.serialize_field("id", &false)?,
        }
        if let Some(url) = self.url {
            st.serialize_field("url", url)?;
        }
        if let Some(link) = self.link {
            st.serialize_field("link", link)?;
        }
        if let Some(embedded) = self.embedded {
            st.serialize_field("embedded", embedded)?;
        }
        st.end()
    }
}

fn serialize_link<S: Serializer, I: Serialize>(
    body: LinkBodyOut<'_, I>,
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut st = s.serialize_struct("Link", 1)?;
    st.serialize_field("resource", &body)?;
    st.end()
}

impl<I: Serialize> Serialize for Link<I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_link(
            LinkBodyOut {
                id: self.id.as_ref(),
                url: &self.url,
                link: &self.link,
                embedded: &self.embedded,
            },
            s,
        )
    }
}

impl<'de, I: Deserialize<'de>> Deserialize<'de> for Link<I> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = LinkWire::<I>::deserialize(d)?;
        Ok(Self {
            id: wire.resource.id,
            url: wire.resource.url,
            link: wire.resource.link,
            embedded: wire.resource.embedded,
        })
    }
}

impl Serialize for ListLink {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_link::<S, u64>(
            LinkBodyOut {
                id: None,
                url: &self.url,
                link: &self.link,
                embedded: &self.embedded,
            },
            s,
        )
    }
}

impl<'de> Deserialize<'de> for ListLink {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = LinkWire::<de::IgnoredAny>::deserialize(d)?;
        Ok(Self {
            url: wire.resource.url,
            link: wire.resource.link,
            embedded: wire.resource.embedded,
        })
    }
}

lightspeed_core::string_enum! {
    /// When a product shows in the shop (`visibility`).
    Visibility {
        /// Hidden.
        Hidden = "hidden",
        /// Always visible.
        Visible = "visible",
        /// Visible when in stock.
        Auto = "auto",
    }
}

lightspeed_core::string_enum! {
    /// How a variant's stock is tracked (`stockTracking`).
    StockTracking {
        /// Not tracked.
        Disabled = "disabled",
        /// Tracked; no sale when out of stock.
        Enabled = "enabled",
        /// Tracked; sales allowed when out of stock.
        Indicator = "indicator",
    }
}

lightspeed_core::string_enum! {
    /// The unit of `weightValue`.
    WeightUnit {
        /// Grams.
        G = "g",
        /// Kilograms.
        Kg = "kg",
        /// Ounces.
        Oz = "oz",
        /// Pounds.
        Lb = "lb",
    }
}

lightspeed_core::string_enum! {
    /// The unit of `volumeValue`.
    VolumeUnit {
        /// Millilitres.
        Ml = "ml",
        /// Litres.
        L = "l",
        /// US fluid ounces.
        FlOz = "fl_oz",
    }
}

lightspeed_core::string_enum! {
    /// The unit of `sizeXValue` / `sizeYValue` / `sizeZValue`.
    SizeUnit {
        /// Centimetres.
        Cm = "cm",
        /// Millimetres.
        Mm = "mm",
        /// Metres.
        M = "m",
        /// Inches.
        In = "in",
    }
}

lightspeed_core::string_enum! {
    /// An order's status.
    OrderStatus {
        /// On hold.
        OnHold = "on_hold",
        /// Awaiting payment.
        ProcessingAwaitingPayment = "processing_awaiting_payment",
        /// Awaiting shipment.
        ProcessingAwaitingShipment = "processing_awaiting_shipment",
        /// Awaiting pickup.
        ProcessingAwaitingPickup = "processing_awaiting_pickup",
        /// Ready for pickup.
        ProcessingReadyForPickup = "processing_ready_for_pickup",
        /// Completed.
        Completed = "completed",
        /// Completed and shipped.
        CompletedShipped = "completed_shipped",
        /// Completed and picked up.
        CompletedPickedUp = "completed_picked_up",
        /// Cancelled.
        Cancelled = "cancelled",
    }
}

lightspeed_core::string_enum! {
    /// An order's payment status.
    PaymentStatus {
        /// Not paid.
        NotPaid = "not_paid",
        /// Partially paid.
        PartiallyPaid = "partially_paid",
        /// Paid.
        Paid = "paid",
        /// Cancelled.
        Cancelled = "cancelled",
    }
}

lightspeed_core::string_enum! {
    /// An order's or a shipment's shipment status.
    ShipmentStatus {
        /// Not shipped.
        NotShipped = "not_shipped",
        /// Partially shipped.
        PartiallyShipped = "partially_shipped",
        /// Shipped.
        Shipped = "shipped",
        /// Cancelled.
        Cancelled = "cancelled",
    }
}

lightspeed_core::string_enum! {
    /// The records a webhook fires for (`itemGroup`).
    WebhookGroup {
        /// Customers.
        Customers = "customers",
        /// Invoices.
        Invoices = "invoices",
        /// Orders.
        Orders = "orders",
        /// Products.
        Products = "products",
        /// Quotes.
        Quotes = "quotes",
        /// Reviews.
        Reviews = "reviews",
        /// Shipments.
        Shipments = "shipments",
        /// Subscriptions.
        Subscriptions = "subscriptions",
        /// Tickets.
        Tickets = "tickets",
        /// Variants.
        Variants = "variants",
        /// Returns.
        Returns = "returns",
        /// Contacts.
        Contacts = "contacts",
    }
}

lightspeed_core::string_enum! {
    /// What happened to the record (`itemAction`).
    WebhookAction {
        /// Created.
        Created = "created",
        /// Updated.
        Updated = "updated",
        /// Deleted.
        Deleted = "deleted",
        /// Paid (orders).
        Paid = "paid",
        /// Shipped (orders).
        Shipped = "shipped",
        /// Answered (tickets).
        Answered = "answered",
        /// Every action.
        All = "*",
    }
}

lightspeed_core::string_enum! {
    /// The body format of a webhook's calls.
    WebhookFormat {
        /// JSON.
        Json = "json",
        /// XML.
        Xml = "xml",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_decode_false_ids_and_encode_back() {
        let json = r#"{"resource":{"id":false,"url":"variants?product=1","link":"https://x/nl/variants.json?product=1"}}"#;
        let list: ListLink = serde_json::from_str(json).unwrap();
        assert_eq!(list.url.as_deref(), Some("variants?product=1"));
        assert_eq!(serde_json::to_string(&list).unwrap(), json);

        let json = r#"{"resource":{"id":1207266,"url":"taxes/1207266","link":"https://x"}}"#;
        let tax: Link<TaxId> = serde_json::from_str(json).unwrap();
        assert_eq!(tax.id, Some(TaxId(1207266)));
        assert_eq!(serde_json::to_string(&tax).unwrap(), json);
    }

    #[test]
    fn ids_accept_numeric_strings() {
        let ids: Vec<CategoryId> = serde_json::from_str(r#"["13881645", 13881644]"#).unwrap();
        assert_eq!(ids, vec![CategoryId(13881645), CategoryId(13881644)]);
        assert!(serde_json::from_str::<CategoryId>(r#""abc""#).is_err());
    }

    #[test]
    fn unknown_enum_values_are_kept() {
        let v: Visibility = serde_json::from_str(r#""sometimes""#).unwrap();
        assert_eq!(v, Visibility::Other("sometimes".into()));
        assert_eq!(serde_json::to_string(&v).unwrap(), r#""sometimes""#);
        let v: WeightUnit = serde_json::from_str(r#""kg""#).unwrap();
        assert_eq!(v, WeightUnit::Kg);
    }

    #[test]
    fn embedded_records_decode() {
        let json = r#"{"resource":{"id":false,"url":"x","embedded":[{"id":1},{"id":2}]}}"#;
        #[derive(Deserialize)]
        struct One {
            id: u64,
        }
        let list: ListLink = serde_json::from_str(json).unwrap();
        let ids: Vec<u64> = list
            .embedded_as::<One>()
            .unwrap()
            .iter()
            .map(|o| o.id)
            .collect();
        assert_eq!(ids, vec![1, 2]);
    }
}
