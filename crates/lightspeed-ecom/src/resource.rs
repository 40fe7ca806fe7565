//! One request value per endpoint: list, count, get, create, update, delete of any resource,
//! built without I/O and sent with [`lightspeed_core::Client::send`] (or the handlers of
//! [`crate::Client`]).
//!
//! Paths are `/{lang}/{resource}.json`; bodies and responses use the resource's envelope
//! (`{"product": {...}}`, `{"products": [...]}`, `{"count": 75}`). Responses are read
//! leniently: the singular or the plural key (the API answers `POST types/attributes` with the
//! plural), or a bare record.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use lightspeed_core::{Endpoint, Request, RequestInfo, Response};
use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::language::Language;
use crate::model::*;

/// A record type of the API and its envelope keys.
pub trait Resource: DeserializeOwned + Serialize + Send + Sync + 'static {
    /// The key of one record (`product`), also the key of write bodies.
    const SINGULAR: &'static str;
    /// The key of a list (`products`).
    const PLURAL: &'static str;
    /// The record's id type.
    type Id: Copy + fmt::Display + Send + Sync + PartialEq + 'static;
    /// The record's id.
    fn id(&self) -> Self::Id;
}

/// A resource that can be created, with the body type to send.
pub trait Creatable: Resource {
    /// The body of a create call.
    type Input: Serialize + Send + Sync;
}

/// A resource that can be updated, with the body type to send.
pub trait Updatable: Resource {
    /// The body of an update call.
    type Input: Serialize + Send + Sync;
}

/// A resource that can be deleted.
pub trait Deletable: Resource {}

macro_rules! resources {
    ($($model:ty: $id:ty, $one:literal, $many:literal $(, create = $c:ty)? $(, update = $u:ty)? $(, delete = $d:tt)?;)*) => {$(
        impl Resource for $model {
            const SINGULAR: &'static str = $one;
            const PLURAL: &'static str = $many;
            type Id = $id;
            fn id(&self) -> $id {
                self.id
            }
        }
        $(impl Creatable for $model { type Input = $c; })?
        $(impl Updatable for $model { type Input = $u; })?
        $(impl Deletable for $model {} const _: bool = $d;)?
    )*};
}

resources! {
    Product: ProductId, "product", "products", create = ProductInput, update = ProductInput, delete = true;
    Variant: VariantId, "variant", "variants", create = VariantInput, update = VariantInput, delete = true;
    ProductImage: ProductImageId, "productImage", "productImages", create = ProductImageInput, update = ProductImageInput, delete = true;
    Category: CategoryId, "category", "categories", create = CategoryInput, update = CategoryInput, delete = true;
    CategoriesProduct: CategoriesProductId, "categoriesProduct", "categoriesProducts", create = CategoriesProductInput, delete = true;
    Brand: BrandId, "brand", "brands", create = BrandInput, update = BrandInput, delete = true;
    Supplier: SupplierId, "supplier", "suppliers", create = SupplierInput, update = SupplierInput, delete = true;
    ProductType: TypeId, "type", "types", create = ProductTypeInput, update = ProductTypeInput, delete = true;
    Attribute: AttributeId, "attribute", "attributes", create = AttributeInput, update = AttributeInput, delete = true;
    TypesAttribute: TypesAttributeId, "typesAttribute", "typesAttributes", create = TypesAttributeInput, delete = true;
    ProductAttribute: AttributeId, "productAttribute", "productAttributes", update = ProductAttributeInput, delete = true;
    Tag: TagId, "tag", "tags", create = TagInput, update = TagInput, delete = true;
    TagsProduct: TagsProductId, "tagsProduct", "tagsProducts", create = TagsProductInput, delete = true;
    VariantMovement: MovementId, "variantsMovement", "variantsMovements";
    Order: OrderId, "order", "orders", update = OrderInput;
    OrderProduct: OrderProductId, "orderProduct", "orderProducts";
    Customer: CustomerId, "customer", "customers", update = CustomerInput;
    Invoice: InvoiceId, "invoice", "invoices";
    Shipment: ShipmentId, "shipment", "shipments", update = ShipmentInput;
    ShopLanguage: LanguageId, "language", "languages";
    Webhook: WebhookId, "webhook", "webhooks", create = WebhookInput, update = WebhookInput, delete = true;
}

/// Metafields live under their owner (`products/{id}/metafields`) with an owner-qualified
/// envelope key (`productMetafield`); [`Metafield`] is decoded under any `...Metafield(s)` key.
impl Resource for Metafield {
    const SINGULAR: &'static str = "metafield";
    const PLURAL: &'static str = "metafields";
    type Id = MetafieldId;
    fn id(&self) -> MetafieldId {
        self.id
    }
}
impl Creatable for Metafield {
    type Input = MetafieldInput;
}
impl Updatable for Metafield {
    type Input = MetafieldInput;
}
impl Deletable for Metafield {}

/// The envelope keys a call uses: the resource's own, or an owner-qualified pair for
/// metafields (`productMetafield` / `productMetafields`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    /// The key of one record.
    pub singular: Cow<'static, str>,
    /// The key of a list.
    pub plural: Cow<'static, str>,
}

impl Keys {
    /// The resource's own keys.
    pub fn of<R: Resource>() -> Self {
        Self {
            singular: Cow::Borrowed(R::SINGULAR),
            plural: Cow::Borrowed(R::PLURAL),
        }
    }

    /// Metafield keys for an owner (`product` -> `productMetafield(s)`).
    pub fn metafields(owner: &str) -> Self {
        Self {
            singular: Cow::Owned(format!("{owner}Metafield")),
            plural: Cow::Owned(format!("{owner}Metafields")),
        }
    }
}

/// Filters and paging of a list call (`page`, `limit`, `since_id`, time filters, `fields`,
/// and resource filters such as `product=` or `parent=`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListParams {
    /// Page number, from 1.
    pub page: Option<u32>,
    /// Items per page (the API allows at most 250; default 50).
    pub limit: Option<u32>,
    /// Only records with an id greater than this.
    pub since_id: Option<u64>,
    /// Created at or after.
    pub created_at_min: Option<DateTime<Utc>>,
    /// Created at or before.
    pub created_at_max: Option<DateTime<Utc>>,
    /// Updated at or after.
    pub updated_at_min: Option<DateTime<Utc>>,
    /// Updated at or before.
    pub updated_at_max: Option<DateTime<Utc>>,
    /// Only these fields in each record.
    pub fields: Vec<String>,
    /// Resource filters, e.g. `("product", "123")`.
    pub filters: Vec<(String, String)>,
}

impl ListParams {
    /// Adds the parameters to a request (times as `YYYY-MM-DD HH:MM:SS`, UTC).
    pub fn apply(&self, mut request: Request) -> Request {
        use lightspeed_core::lenient::format_filter_timestamp as ts;
        request = request
            .query_opt("page", self.page)
            .query_opt("limit", self.limit)
            .query_opt("since_id", self.since_id)
            .query_opt("created_at_min", self.created_at_min.as_ref().map(ts))
            .query_opt("created_at_max", self.created_at_max.as_ref().map(ts))
            .query_opt("updated_at_min", self.updated_at_min.as_ref().map(ts))
            .query_opt("updated_at_max", self.updated_at_max.as_ref().map(ts));
        if !self.fields.is_empty() {
            request = request.query("fields", self.fields.join(","));
        }
        for (name, value) in &self.filters {
            request = request.query(name.clone(), value);
        }
        request
    }

    /// The same filters without paging (for `count`).
    pub fn without_paging(&self) -> Self {
        Self {
            page: None,
            limit: None,
            fields: Vec::new(),
            ..self.clone()
        }
    }
}

fn path(language: &Language, path: &str) -> String {
    format!("{language}/{path}.json")
}

/// `GET /{lang}/{path}.json`: one page of a list.
#[derive(Debug, Clone)]
pub struct ListRecords<R> {
    language: Language,
    path: String,
    keys: Keys,
    params: ListParams,
    marker: PhantomData<fn() -> R>,
}

impl<R: Resource> ListRecords<R> {
    /// A list of `path` (`products`, `products/1/images`) in `language`.
    pub fn new(language: Language, path: impl Into<String>, params: ListParams) -> Self {
        Self {
            language,
            path: path.into(),
            keys: Keys::of::<R>(),
            params,
            marker: PhantomData,
        }
    }

    /// Uses other envelope keys (owner-qualified metafields).
    pub fn keys(mut self, keys: Keys) -> Self {
        self.keys = keys;
        self
    }
}

impl<R: Resource> Endpoint for ListRecords<R> {
    type Output = Vec<R>;
    fn request(&self) -> lightspeed_core::Result<Request> {
        Ok(self
            .params
            .apply(Request::get(path(&self.language, &self.path))))
    }
    fn parse(&self, response: Response) -> lightspeed_core::Result<Vec<R>> {
        decode_many(&response.body, &self.keys)
    }
}

/// `GET /{lang}/{path}/count.json`: how many records match the filters.
#[derive(Debug, Clone)]
pub struct CountRecords {
    language: Language,
    path: String,
    params: ListParams,
}

impl CountRecords {
    /// A count of `path` in `language` with the filters of `params` (paging is ignored).
    pub fn new(language: Language, path: impl Into<String>, params: &ListParams) -> Self {
        Self {
            language,
            path: path.into(),
            params: params.without_paging(),
        }
    }
}

#[derive(Deserialize)]
struct CountBody {
    #[serde(with = "lightspeed_core::lenient::u64")]
    count: u64,
}

impl Endpoint for CountRecords {
    type Output = u64;
    fn request(&self) -> lightspeed_core::Result<Request> {
        let path = path(&self.language, &format!("{}/count", self.path));
        Ok(self.params.apply(Request::get(path)))
    }
    fn parse(&self, response: Response) -> lightspeed_core::Result<u64> {
        response.json::<CountBody>().map(|c| c.count)
    }
}

/// `GET /{lang}/{path}.json` of one record (`products/1`, or a singleton such as `shop`).
#[derive(Debug, Clone)]
pub struct GetRecord<R> {
    language: Language,
    path: String,
    keys: Keys,
    marker: PhantomData<fn() -> R>,
}

impl<R: Resource> GetRecord<R> {
    /// The record at `path` (`products/1`) in `language`.
    pub fn new(language: Language, path: impl Into<String>) -> Self {
        Self {
            language,
            path: path.into(),
            keys: Keys::of::<R>(),
            marker: PhantomData,
        }
    }

    /// Uses other envelope keys.
    pub fn keys(mut self, keys: Keys) -> Self {
        self.keys = keys;
        self
    }
}

impl<R: DeserializeOwned + Send> GetRecord<R> {
    /// A singleton record (`shop`, `account/ratelimit`) under the envelope key `key`.
    pub fn singleton(language: Language, path: impl Into<String>, key: &'static str) -> Self {
        Self {
            language,
            path: path.into(),
            keys: Keys {
                singular: Cow::Borrowed(key),
                plural: Cow::Borrowed(key),
            },
            marker: PhantomData,
        }
    }
}

impl<R: DeserializeOwned + Send> Endpoint for GetRecord<R> {
    type Output = R;
    fn request(&self) -> lightspeed_core::Result<Request> {
        Ok(Request::get(path(&self.language, &self.path)))
    }
    fn parse(&self, response: Response) -> lightspeed_core::Result<R> {
        decode_one(&response.body, &self.keys)
    }
}

/// `POST` (create) or `PUT` (update) of a record, its body in the singular envelope.
#[derive(Debug, Clone)]
pub struct WriteRecord<R, B> {
    language: Language,
    method: http::Method,
    path: String,
    keys: Keys,
    body: B,
    marker: PhantomData<fn() -> R>,
}

impl<R: Resource, B: Serialize + Send + Sync> WriteRecord<R, B> {
    /// `POST /{lang}/{path}.json` with `{"<singular>": body}`.
    pub fn create(language: Language, path: impl Into<String>, body: B) -> Self {
        Self::new(language, http::Method::POST, path, body)
    }

    /// `PUT /{lang}/{path}.json` with `{"<singular>": body}`.
    pub fn update(language: Language, path: impl Into<String>, body: B) -> Self {
        Self::new(language, http::Method::PUT, path, body)
    }

    fn new(language: Language, method: http::Method, path: impl Into<String>, body: B) -> Self {
        Self {
            language,
            method,
            path: path.into(),
            keys: Keys::of::<R>(),
            body,
            marker: PhantomData,
        }
    }

    /// Uses other envelope keys.
    pub fn keys(mut self, keys: Keys) -> Self {
        self.keys = keys;
        self
    }

    /// The body that will be sent.
    pub fn body(&self) -> &B {
        &self.body
    }
}

impl<R: Resource, B: Serialize + Send + Sync> Endpoint for WriteRecord<R, B> {
    type Output = R;
    fn request(&self) -> lightspeed_core::Result<Request> {
        let envelope = Envelope {
            key: &self.keys.singular,
            body: &self.body,
        };
        Request::new(self.method.clone(), path(&self.language, &self.path)).json(&envelope)
    }
    fn parse(&self, response: Response) -> lightspeed_core::Result<R> {
        decode_one(&response.body, &self.keys)
    }
}

/// A write of many records at once (`variants/bulk`, `categories/products/bulk`): a list in
/// the envelope, answered by a list (or nothing).
#[derive(Debug, Clone)]
pub struct BulkWrite<R, B> {
    language: Language,
    method: http::Method,
    path: String,
    key: String,
    items: Vec<B>,
    marker: PhantomData<fn() -> R>,
}

impl<R: Resource, B: Serialize + Send + Sync> BulkWrite<R, B> {
    /// `method /{lang}/{path}.json` with `{"<key>": [items...]}`.
    pub fn new(
        language: Language,
        method: http::Method,
        path: impl Into<String>,
        key: impl Into<String>,
        items: Vec<B>,
    ) -> Self {
        Self {
            language,
            method,
            path: path.into(),
            key: key.into(),
            items,
            marker: PhantomData,
        }
    }
}

impl<R: Resource, B: Serialize + Send + Sync> Endpoint for BulkWrite<R, B> {
    type Output = Vec<R>;
    fn request(&self) -> lightspeed_core::Result<Request> {
        let envelope = Envelope {
            key: &self.key,
            body: &self.items,
        };
        Request::new(self.method.clone(), path(&self.language, &self.path)).json(&envelope)
    }
    fn parse(&self, response: Response) -> lightspeed_core::Result<Vec<R>> {
        if response.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Vec::new());
        }
        decode_many(&response.body, &Keys::of::<R>())
    }
}

/// `DELETE /{lang}/{path}.json`; the API answers with an empty body.
#[derive(Debug, Clone)]
pub struct DeleteRecord {
    language: Language,
    path: String,
}

impl DeleteRecord {
    /// Deletes the record at `path` (`products/1`).
    pub fn new(language: Language, path: impl Into<String>) -> Self {
        Self {
            language,
            path: path.into(),
        }
    }
}

impl Endpoint for DeleteRecord {
    type Output = ();
    fn request(&self) -> lightspeed_core::Result<Request> {
        Ok(Request::delete(path(&self.language, &self.path)))
    }
    fn parse(&self, _: Response) -> lightspeed_core::Result<()> {
        Ok(())
    }
}

struct Envelope<'a, B> {
    key: &'a str,
    body: &'a B,
}

impl<B: Serialize> Serialize for Envelope<'_, B> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(self.key, self.body)?;
        map.end()
    }
}

/// Decodes one record from `{"<singular>": {...}}`, `{"<plural>": {...} or [{...}]}` or a bare
/// record; decode errors carry the JSON path (`product.variants.priceExcl`).
pub fn decode_one<R: DeserializeOwned>(body: &[u8], keys: &Keys) -> lightspeed_core::Result<R> {
    let found: Found<R> = decode_envelope(body, keys)?;
    match found {
        Found::One(record) => Ok(record),
        Found::Many(mut list) if !list.is_empty() => Ok(list.remove(0)),
        _ => lightspeed_core::decode::from_slice(body),
    }
}

/// Decodes a list from `{"<plural>": [...]}` (or the singular key, or a bare list).
pub fn decode_many<R: DeserializeOwned>(
    body: &[u8],
    keys: &Keys,
) -> lightspeed_core::Result<Vec<R>> {
    let found: Found<R> = decode_envelope(body, keys)?;
    match found {
        Found::One(record) => Ok(vec![record]),
        Found::Many(list) => Ok(list),
        Found::Nothing => lightspeed_core::decode::from_slice(body),
    }
}

fn decode_envelope<R: DeserializeOwned>(
    body: &[u8],
    keys: &Keys,
) -> lightspeed_core::Result<Found<R>> {
    let starts_with_object = body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    if !starts_with_object {
        return Ok(Found::Nothing);
    }
    let seed = || EnvelopeSeed::<R> {
        keys,
        marker: PhantomData,
    };
    // Fast path without path tracking (which costs an allocation per key); a body that fails
    // is decoded again with tracking, so the error names the JSON path.
    let mut de = serde_json::Deserializer::from_slice(body);
    if let Ok(found) =
        de::DeserializeSeed::deserialize(seed(), &mut de).and_then(|found| de.end().map(|()| found))
    {
        return Ok(found);
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let mut track = serde_path_to_error::Track::new();
    let tracked = serde_path_to_error::Deserializer::new(&mut de, &mut track);
    match de::DeserializeSeed::deserialize(seed(), tracked)
        .and_then(|found| de.end().map(|()| found))
    {
        Ok(found) => Ok(found),
        Err(source) => Err(lightspeed_core::Error::Decode {
            request: None,
            path: track.path().to_string(),
            source,
        }),
    }
}

enum Found<R> {
    One(R),
    Many(Vec<R>),
    Nothing,
}

struct EnvelopeSeed<'a, R> {
    keys: &'a Keys,
    marker: PhantomData<R>,
}

impl<'de, R: DeserializeOwned> de::DeserializeSeed<'de> for EnvelopeSeed<'_, R> {
    type Value = Found<R>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Found<R>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, R: DeserializeOwned> Visitor<'de> for EnvelopeSeed<'_, R> {
    type Value = Found<R>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "an object with `{}` or `{}`",
            self.keys.singular, self.keys.plural
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Found<R>, A::Error> {
        let mut found = Found::Nothing;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let ours = matches!(found, Found::Nothing)
                && (key == self.keys.singular || key == self.keys.plural);
            if ours {
                found = map.next_value::<OneOrMany<R>>()?.into_found();
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// A record or a list of records, whichever the key holds.
enum OneOrMany<R> {
    One(R),
    Many(Vec<R>),
}

impl<R> OneOrMany<R> {
    fn into_found(self) -> Found<R> {
        match self {
            OneOrMany::One(r) => Found::One(r),
            OneOrMany::Many(list) => Found::Many(list),
        }
    }
}

impl<'de, R: DeserializeOwned> Deserialize<'de> for OneOrMany<R> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<R>(PhantomData<R>);
        impl<'de, R: DeserializeOwned> Visitor<'de> for V<R> {
            type Value = OneOrMany<R>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a record or a list of records")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<OneOrMany<R>, A::Error> {
                R::deserialize(de::value::MapAccessDeserializer::new(map)).map(OneOrMany::One)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<OneOrMany<R>, A::Error> {
                Vec::<R>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(OneOrMany::Many)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<OneOrMany<R>, E> {
                // `false` for "no records".
                Ok(OneOrMany::Many(Vec::new()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<OneOrMany<R>, E> {
                Ok(OneOrMany::Many(Vec::new()))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// The request's description for errors and streams.
pub(crate) fn info(language: &Language, path_: &str) -> RequestInfo {
    RequestInfo::new(http::Method::GET, path(language, path_))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    fn lang() -> Language {
        Language::new("nl").unwrap()
    }

    fn response(body: &str) -> Response {
        Response {
            status: StatusCode::OK,
            headers: Default::default(),
            body: body.as_bytes().to_vec().into(),
        }
    }

    #[test]
    fn list_requests_carry_language_filters_and_paging() {
        let params = ListParams {
            page: Some(2),
            limit: Some(250),
            since_id: Some(10),
            updated_at_min: Some("2026-01-02T03:04:05Z".parse().unwrap()),
            fields: vec!["id".into(), "title".into()],
            filters: vec![("product".into(), "5".into())],
            ..Default::default()
        };
        let request = ListRecords::<Variant>::new(lang(), "variants", params)
            .request()
            .unwrap();
        assert_eq!(request.path(), "nl/variants.json");
        assert_eq!(request.query_value("page"), Some("2"));
        assert_eq!(request.query_value("limit"), Some("250"));
        assert_eq!(request.query_value("since_id"), Some("10"));
        assert_eq!(
            request.query_value("updated_at_min"),
            Some("2026-01-02 03:04:05")
        );
        assert_eq!(request.query_value("fields"), Some("id,title"));
        assert_eq!(request.query_value("product"), Some("5"));

        let count = CountRecords::new(
            lang(),
            "variants",
            &ListParams {
                page: Some(3),
                filters: vec![("product".into(), "5".into())],
                ..Default::default()
            },
        );
        let request = count.request().unwrap();
        assert_eq!(request.path(), "nl/variants/count.json");
        assert_eq!(request.query_value("page"), None);
        assert_eq!(count.parse(response(r#"{"count": 75}"#)).unwrap(), 75);
    }

    #[test]
    fn writes_use_the_singular_envelope_and_only_the_fields_set() {
        let input = ProductInput {
            title: Some("Shirt".into()),
            visibility: Some(Visibility::Auto),
            ..Default::default()
        };
        let request = WriteRecord::<Product, _>::create(lang(), "products", input)
            .request()
            .unwrap();
        assert_eq!(request.method(), http::Method::POST);
        let body: serde_json::Value =
            serde_json::from_slice(request.body_bytes().unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"product": {"title": "Shirt", "visibility": "auto"}})
        );
    }

    #[test]
    fn responses_decode_under_either_key_or_bare() {
        let keys = Keys::of::<TypesAttribute>();
        let plural = r#"{"typesAttributes": {"id": 5, "sortOrder": null}}"#;
        assert_eq!(
            decode_one::<TypesAttribute>(plural.as_bytes(), &keys)
                .unwrap()
                .id,
            TypesAttributeId(5)
        );
        let bare = r#"{"id": 6}"#;
        assert_eq!(
            decode_one::<TypesAttribute>(bare.as_bytes(), &keys)
                .unwrap()
                .id,
            TypesAttributeId(6)
        );
        let list = r#"{"typesAttributes": [{"id": 1}, {"id": 2}]}"#;
        assert_eq!(
            decode_many::<TypesAttribute>(list.as_bytes(), &keys)
                .unwrap()
                .len(),
            2
        );
        let empty = r#"{"typesAttributes": []}"#;
        assert!(
            decode_many::<TypesAttribute>(empty.as_bytes(), &keys)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn decode_errors_name_the_path() {
        let body = r#"{"products": [{"id": 1}, {"id": 2, "createdAt": "soon"}]}"#;
        let err = decode_many::<Product>(body.as_bytes(), &Keys::of::<Product>()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("products[1].createdAt"), "{text}");
    }

    #[test]
    fn metafields_use_owner_keys() {
        let keys = Keys::metafields("variant");
        let body = r#"{"variantMetafields": [{"id": 3, "key": "k", "value": 12}]}"#;
        let list = decode_many::<Metafield>(body.as_bytes(), &keys).unwrap();
        assert_eq!(list[0].value.as_deref(), Some("12"));
    }
}
