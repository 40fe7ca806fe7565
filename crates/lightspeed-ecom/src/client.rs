//! The eCom client: credentials, cluster and language, and a handler per resource.
//!
//! ```no_run
//! # async fn run() -> lightspeed_ecom::Result<()> {
//! use futures::TryStreamExt;
//! use lightspeed_ecom::{Client, Cluster};
//!
//! let client = Client::builder("my-api-key", "my-api-secret")
//!     .cluster(Cluster::Eu1)
//!     .language("nl")
//!     .build()?;
//! let products: Vec<_> = client.products().list().stream().try_collect().await?;
//! let first = &products[0];
//! let variants = client.variants().list().product(first.id).send().await?;
//! // The same product's texts in English:
//! let english = client.products().in_language("en")?.get(first.id).await?;
//! # let _ = (variants, english);
//! # Ok(()) }
//! ```

use std::marker::PhantomData;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::{Stream, TryStreamExt};
use http::{HeaderMap, HeaderValue};
use lightspeed_core::pagination::{self, CursorPage, ECOM_MAX_LIMIT};
use lightspeed_core::{
    BaseUrl, BasicAuth, Clock, Endpoint, RateLimitPolicy, RateLimiter, RetryPolicy, SecretString,
    Transport,
};

use crate::error::{Error, Result};
use crate::language::{Cluster, Language};
use crate::model::*;
use crate::resource::*;

/// A client for one shop's eCom API.
///
/// Cloning is cheap; clones share the connection pool and the rate limiter.
#[derive(Clone, Debug)]
pub struct Client {
    http: lightspeed_core::Client,
    language: Language,
    cluster: Option<Cluster>,
}

/// Configures a [`Client`]: [`Client::builder`].
#[derive(Debug)]
pub struct ClientBuilder {
    key: SecretString,
    secret: SecretString,
    base_url: Option<std::result::Result<BaseUrl, String>>,
    cluster: Option<Cluster>,
    language: Option<String>,
    transport: Option<Arc<dyn Transport>>,
    clock: Option<Arc<dyn Clock>>,
    retry: Option<RetryPolicy>,
    policy: RateLimitPolicy,
    limiter: Option<Arc<RateLimiter>>,
}

impl ClientBuilder {
    /// Sends requests to a cluster (`eu1` or `us1`).
    pub fn cluster(mut self, cluster: Cluster) -> Self {
        self.cluster = Some(cluster);
        self.base_url = Some(Ok(cluster.parse_base_url()));
        self
    }

    /// Sends requests to any base URL (the emulator, a proxy).
    pub fn base_url(mut self, url: &str) -> Self {
        self.cluster = None;
        self.base_url = Some(BaseUrl::parse(url).map_err(|e| e.to_string()));
        self
    }

    /// The default language of requests (`nl`, `en`...); a handler can override it per call.
    pub fn language(mut self, code: &str) -> Self {
        self.language = Some(code.to_owned());
        self
    }

    /// The HTTP transport (default: reqwest with rustls).
    pub fn transport(mut self, transport: impl Transport + 'static) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// A transport shared with other clients.
    pub fn shared_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The clock waits and rate limits run on (tests use a virtual one).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The retry policy (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// The key's rate limits (default: [`RateLimitPolicy::ecom`], 300/5 min, 3000/h,
    /// 12000/day, 20/s).
    pub fn rate_limit(mut self, policy: RateLimitPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// A limiter shared with other clients of the same API key (the limits are per key).
    pub fn shared_limiter(mut self, limiter: Arc<RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Builds the client; says what is missing or wrong.
    pub fn build(self) -> Result<Client> {
        use lightspeed_core::ExposeSecret;
        if self.key.expose_secret().trim().is_empty()
            || self.secret.expose_secret().trim().is_empty()
        {
            return Err(Error::config(
                "the API key and secret must not be empty (back office: Settings > Developers > API keys)",
            ));
        }
        let base_url = match self.base_url {
            Some(Ok(url)) => url,
            Some(Err(message)) => return Err(Error::config(message)),
            None => {
                return Err(Error::config(
                    "no cluster or base URL: call .cluster(Cluster::Eu1 | Cluster::Us1) or .base_url(...)",
                ));
            }
        };
        let language = match self.language {
            Some(code) => Language::new(&code)?,
            None => {
                return Err(Error::config(
                    "no language: call .language(\"nl\") with one of the shop's active languages",
                ));
            }
        };
        let mut http = lightspeed_core::Client::builder(base_url)
            .auth(BasicAuth::new(self.key, self.secret))
            .rate_limit(self.policy);
        if let Some(transport) = self.transport {
            http = http.shared_transport(transport);
        }
        if let Some(clock) = self.clock {
            http = http.clock(clock);
        }
        if let Some(retry) = self.retry {
            http = http.retry(retry);
        }
        if let Some(limiter) = self.limiter {
            http = http.shared_limiter(limiter);
        }
        Ok(Client {
            http: http.build()?,
            language,
            cluster: self.cluster,
        })
    }
}

impl Client {
    /// Starts configuring a client with an API key and secret (Basic auth).
    pub fn builder(key: impl Into<SecretString>, secret: impl Into<SecretString>) -> ClientBuilder {
        ClientBuilder {
            key: key.into(),
            secret: secret.into(),
            base_url: None,
            cluster: None,
            language: None,
            transport: None,
            clock: None,
            retry: None,
            policy: RateLimitPolicy::ecom(),
            limiter: None,
        }
    }

    /// The default language of requests.
    pub fn language(&self) -> &Language {
        &self.language
    }

    /// The cluster, when the client was built for one (not for a custom base URL).
    pub fn cluster(&self) -> Option<Cluster> {
        self.cluster
    }

    /// The HTTP client underneath: its base URL, rate limiter and clock.
    pub fn http(&self) -> &lightspeed_core::Client {
        &self.http
    }

    /// Sends any endpoint value (see [`crate::resource`]).
    pub async fn send<E: Endpoint + ?Sized>(&self, endpoint: &E) -> Result<E::Output> {
        self.http.send(endpoint).await.map_err(Error::from_core)
    }

    fn records<R: Resource>(&self, path: impl Into<String>) -> Records<'_, R> {
        Records {
            client: self,
            path: path.into(),
            language: self.language.clone(),
            keys: Keys::of::<R>(),
            marker: PhantomData,
        }
    }

    /// `products`.
    pub fn products(&self) -> Records<'_, Product> {
        self.records("products")
    }

    /// `variants` (filter by product with [`ListBuilder::product`]).
    pub fn variants(&self) -> Records<'_, Variant> {
        self.records("variants")
    }

    /// `products/{id}/images`.
    pub fn product_images(&self, product: ProductId) -> Records<'_, ProductImage> {
        self.records(format!("products/{product}/images"))
    }

    /// `categories` (the tree: `parent`, `depth`, `sortOrder`).
    pub fn categories(&self) -> Records<'_, Category> {
        self.records("categories")
    }

    /// `categories/products`: which products are in which categories.
    pub fn categories_products(&self) -> Records<'_, CategoriesProduct> {
        self.records("categories/products")
    }

    /// `brands`.
    pub fn brands(&self) -> Records<'_, Brand> {
        self.records("brands")
    }

    /// `suppliers` (a product names one in `supplier`; see [`Supplier`] on its fields).
    pub fn suppliers(&self) -> Records<'_, Supplier> {
        self.records("suppliers")
    }

    /// `types` (specification sets).
    pub fn types(&self) -> Records<'_, ProductType> {
        self.records("types")
    }

    /// `attributes`.
    pub fn attributes(&self) -> Records<'_, Attribute> {
        self.records("attributes")
    }

    /// `types/attributes`: which attributes are in which types.
    pub fn types_attributes(&self) -> Records<'_, TypesAttribute> {
        self.records("types/attributes")
    }

    /// `products/{id}/attributes`: a product's attribute values (no create: `update` sets one).
    pub fn product_attributes(&self, product: ProductId) -> Records<'_, ProductAttribute> {
        self.records(format!("products/{product}/attributes"))
    }

    /// `tags`.
    pub fn tags(&self) -> Records<'_, Tag> {
        self.records("tags")
    }

    /// `tags/products`: which products carry which tags.
    pub fn tags_products(&self) -> Records<'_, TagsProduct> {
        self.records("tags/products")
    }

    /// `products/{id}/metafields`.
    pub fn product_metafields(&self, product: ProductId) -> Records<'_, Metafield> {
        let mut records = self.records(format!("products/{product}/metafields"));
        records.keys = Keys::metafields("product");
        records
    }

    /// `variants/{id}/metafields`.
    pub fn variant_metafields(&self, variant: VariantId) -> Records<'_, Metafield> {
        let mut records = self.records(format!("variants/{variant}/metafields"));
        records.keys = Keys::metafields("variant");
        records
    }

    /// `variants/movements` (read only; filter by product or variant).
    pub fn variant_movements(&self) -> Records<'_, VariantMovement> {
        self.records("variants/movements")
    }

    /// `orders` (read and update).
    pub fn orders(&self) -> Records<'_, Order> {
        self.records("orders")
    }

    /// `orders/{id}/products`: an order's lines.
    pub fn order_products(&self, order: OrderId) -> Records<'_, OrderProduct> {
        self.records(format!("orders/{order}/products"))
    }

    /// `customers` (read and update).
    pub fn customers(&self) -> Records<'_, Customer> {
        self.records("customers")
    }

    /// `invoices` (read).
    pub fn invoices(&self) -> Records<'_, Invoice> {
        self.records("invoices")
    }

    /// `shipments` (read, and update: status and tracking code).
    pub fn shipments(&self) -> Records<'_, Shipment> {
        self.records("shipments")
    }

    /// `languages`: the shop's languages.
    pub fn languages(&self) -> Records<'_, ShopLanguage> {
        self.records("languages")
    }

    /// `webhooks`.
    pub fn webhooks(&self) -> Records<'_, Webhook> {
        self.records("webhooks")
    }

    async fn singleton<R: serde::de::DeserializeOwned + Send>(
        &self,
        path: &str,
        key: &'static str,
    ) -> Result<R> {
        self.send(&GetRecord::<R>::singleton(self.language.clone(), path, key))
            .await
    }

    /// `GET shop`: the shop.
    pub async fn shop(&self) -> Result<Shop> {
        self.singleton("shop", "shop").await
    }

    /// `GET account`: the API key's account.
    pub async fn account(&self) -> Result<Account> {
        self.singleton("account", "account").await
    }

    /// `GET account/permissions`: what the key may read and write.
    pub async fn account_permissions(&self) -> Result<AccountPermissions> {
        self.singleton("account/permissions", "accountPermissions")
            .await
    }

    /// `GET account/ratelimit`: the key's three windows, as the API counts them.
    pub async fn account_ratelimit(&self) -> Result<AccountRatelimit> {
        self.singleton("account/ratelimit", "accountRatelimit")
            .await
    }

    /// Reads `account/ratelimit` and feeds it to the rate limiter, so that a process starting
    /// with a half-used budget (another process, an earlier run) paces from the first call.
    pub async fn sync_rate_limit(&self) -> Result<AccountRatelimit> {
        let limits = self.account_ratelimit().await?;
        let windows = [&limits.limit_5min, &limits.limit_hour, &limits.limit_day];
        if windows.iter().all(|w| w.is_some()) {
            let part = |f: fn(&RateLimitWindow) -> Option<i64>| {
                windows
                    .iter()
                    .map(|w| w.as_ref().and_then(f).unwrap_or(0).to_string())
                    .collect::<Vec<_>>()
                    .join("/")
            };
            let mut headers = HeaderMap::new();
            for (name, value) in [
                ("x-ratelimit-limit", part(|w| w.limit)),
                ("x-ratelimit-remaining", part(|w| w.remaining)),
                ("x-ratelimit-reset", part(|w| w.reset)),
            ] {
                if let Ok(value) = HeaderValue::from_str(&value) {
                    headers.insert(name, value);
                }
            }
            self.http.limiter().observe(&headers);
        }
        Ok(limits)
    }

    /// Creates a product and returns it with the default variant the API creates with it, so
    /// SKU, EAN, price and stock can be set in one follow-up `variants().update(...)`.
    pub async fn create_product(&self, input: &ProductInput) -> Result<(Product, Option<Variant>)> {
        let product = self.products().create(input).await?;
        let variant = self.default_variant(product.id).await?;
        Ok((product, variant))
    }

    /// The default variant of a product (`variants?product=ID`, the one with `isDefault`, else
    /// the first).
    pub async fn default_variant(&self, product: ProductId) -> Result<Option<Variant>> {
        let mut variants = self.variants().list().product(product).send().await?;
        let default = variants
            .iter()
            .position(|v| v.is_default == Some(true))
            .unwrap_or(0);
        Ok((!variants.is_empty()).then(|| variants.swap_remove(default)))
    }

    /// `PUT variants/bulk`: changes many variants in one call.
    ///
    /// The body's shape is not documented beyond its key (see the reference's open
    /// questions); this sends `{"variant": [{"id": 1, ...changes}, ...]}`, the key the vendor's
    /// own client uses. [`BulkWrite`] sends any other shape.
    pub async fn update_variants_bulk(&self, items: Vec<VariantBulkItem>) -> Result<Vec<Variant>> {
        let call = BulkWrite::<Variant, _>::new(
            self.language.clone(),
            http::Method::PUT,
            "variants/bulk",
            "variant",
            items,
        );
        self.send(&call).await
    }

    /// `POST categories/products/bulk`: puts many products in categories in one call
    /// (`{"categoriesProduct": [...]}`, the vendor client's key; the shape is undocumented).
    pub async fn link_categories_bulk(
        &self,
        links: Vec<CategoriesProductInput>,
    ) -> Result<Vec<CategoriesProduct>> {
        let call = BulkWrite::<CategoriesProduct, _>::new(
            self.language.clone(),
            http::Method::POST,
            "categories/products/bulk",
            "categoriesProduct",
            links,
        );
        self.send(&call).await
    }
}

/// The calls of one resource, in the client's language or a per-call one.
#[derive(Debug)]
pub struct Records<'c, R> {
    client: &'c Client,
    path: String,
    language: Language,
    keys: Keys,
    marker: PhantomData<fn() -> R>,
}

impl<R> Clone for Records<'_, R> {
    fn clone(&self) -> Self {
        Self {
            client: self.client,
            path: self.path.clone(),
            language: self.language.clone(),
            keys: self.keys.clone(),
            marker: PhantomData,
        }
    }
}

impl<'c, R: Resource> Records<'c, R> {
    /// The same calls in another language (`en`): translatable fields are read and written
    /// in it.
    pub fn in_language(mut self, code: &str) -> Result<Self> {
        self.language = Language::new(code)?;
        Ok(self)
    }

    /// The same calls in another language.
    pub fn with_language(mut self, language: Language) -> Self {
        self.language = language;
        self
    }

    /// The path of the collection (`products`, `products/1/images`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// A list call, to filter and then send, stream or count.
    pub fn list(&self) -> ListBuilder<'c, R> {
        ListBuilder {
            records: self.clone(),
            params: ListParams::default(),
        }
    }

    /// How many records there are (`count.json`).
    pub async fn count(&self) -> Result<u64> {
        self.list().count().await
    }

    /// The request value of `get`.
    pub fn get_request(&self, id: R::Id) -> GetRecord<R> {
        GetRecord::new(self.language.clone(), format!("{}/{id}", self.path)).keys(self.keys.clone())
    }

    /// One record.
    pub async fn get(&self, id: R::Id) -> Result<R> {
        self.client.send(&self.get_request(id)).await
    }

    /// One record, or `None` when the API answers 404.
    pub async fn get_opt(&self, id: R::Id) -> Result<Option<R>> {
        match self.get(id).await {
            Ok(record) => Ok(Some(record)),
            Err(Error::Api(lightspeed_core::Error::NotFound { .. })) => Ok(None),
            Err(other) => Err(other),
        }
    }
}

impl<R: Creatable> Records<'_, R> {
    /// The request value of `create`.
    pub fn create_request<'i>(&self, input: &'i R::Input) -> WriteRecord<R, &'i R::Input> {
        WriteRecord::create(self.language.clone(), self.path.clone(), input).keys(self.keys.clone())
    }

    /// Creates a record (`POST`); only the input's fields that are set are sent.
    pub async fn create(&self, input: &R::Input) -> Result<R> {
        self.client.send(&self.create_request(input)).await
    }
}

impl<R: Updatable> Records<'_, R> {
    /// The request value of `update`.
    pub fn update_request<'i>(
        &self,
        id: R::Id,
        input: &'i R::Input,
    ) -> WriteRecord<R, &'i R::Input> {
        WriteRecord::update(self.language.clone(), format!("{}/{id}", self.path), input)
            .keys(self.keys.clone())
    }

    /// Changes a record (`PUT`); only the input's fields that are set are sent. Translatable
    /// fields are written in the handler's language.
    pub async fn update(&self, id: R::Id, input: &R::Input) -> Result<R> {
        self.client.send(&self.update_request(id, input)).await
    }
}

impl<R: Deletable> Records<'_, R> {
    /// Deletes a record.
    pub async fn delete(&self, id: R::Id) -> Result<()> {
        let call = DeleteRecord::new(self.language.clone(), format!("{}/{id}", self.path));
        self.client.send(&call).await
    }
}

impl Records<'_, ProductImage> {
    /// Adds an image from a public http(s) URL; the API downloads it.
    pub async fn create_from_url(&self, url: &str, filename: &str) -> Result<ProductImage> {
        self.create(&ProductImageInput {
            attachment: Some(url.to_owned()),
            filename: Some(filename.to_owned()),
            ..Default::default()
        })
        .await
    }

    /// Adds an image from its bytes (sent base64-encoded).
    pub async fn create_from_bytes(&self, bytes: &[u8], filename: &str) -> Result<ProductImage> {
        use base64::Engine as _;
        self.create(&ProductImageInput {
            attachment: Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
            filename: Some(filename.to_owned()),
            ..Default::default()
        })
        .await
    }

    /// Moves an image; the image with the lowest sort order is the product's main image.
    pub async fn set_sort_order(
        &self,
        id: ProductImageId,
        sort_order: i64,
    ) -> Result<ProductImage> {
        self.update(
            id,
            &ProductImageInput {
                sort_order: Some(sort_order),
                ..Default::default()
            },
        )
        .await
    }
}

impl Records<'_, ProductAttribute> {
    /// Sets many attribute values of the product in one `PUT` on the collection
    /// (`{"productAttributes": [...]}`).
    pub async fn update_all(
        &self,
        values: Vec<ProductAttributeValue>,
    ) -> Result<Vec<ProductAttribute>> {
        let call = BulkWrite::<ProductAttribute, _>::new(
            self.language.clone(),
            http::Method::PUT,
            self.path.clone(),
            "productAttributes",
            values,
        );
        self.client.send(&call).await
    }
}

/// One value for [`Records::update_all`] on product attributes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProductAttributeValue {
    /// The attribute.
    pub id: AttributeId,
    /// The product's value.
    pub value: String,
}

/// A list call being built: filters, then [`send`](Self::send) (one page),
/// [`stream`](Self::stream) (every page), [`stream_by_id`](Self::stream_by_id) (deep listings)
/// or [`count`](Self::count).
#[derive(Debug)]
pub struct ListBuilder<'c, R> {
    records: Records<'c, R>,
    params: ListParams,
}

impl<R> Clone for ListBuilder<'_, R> {
    fn clone(&self) -> Self {
        Self {
            records: self.records.clone(),
            params: self.params.clone(),
        }
    }
}

impl<'c, R: Resource> ListBuilder<'c, R> {
    /// The page to fetch with [`send`](Self::send) (from 1), or to start streaming at.
    pub fn page(mut self, page: u32) -> Self {
        self.params.page = Some(page.max(1));
        self
    }

    /// Items per page; the API allows at most 250 (streams use 250 unless told otherwise).
    pub fn limit(mut self, limit: u32) -> Self {
        self.params.limit = Some(limit.clamp(1, ECOM_MAX_LIMIT));
        self
    }

    /// Only records with an id greater than `id`.
    pub fn since_id(mut self, id: u64) -> Self {
        self.params.since_id = Some(id);
        self
    }

    /// Created at or after `time`.
    pub fn created_at_min(mut self, time: DateTime<Utc>) -> Self {
        self.params.created_at_min = Some(time);
        self
    }

    /// Created at or before `time`.
    pub fn created_at_max(mut self, time: DateTime<Utc>) -> Self {
        self.params.created_at_max = Some(time);
        self
    }

    /// Updated at or after `time` (incremental reads).
    pub fn updated_at_min(mut self, time: DateTime<Utc>) -> Self {
        self.params.updated_at_min = Some(time);
        self
    }

    /// Updated at or before `time`.
    pub fn updated_at_max(mut self, time: DateTime<Utc>) -> Self {
        self.params.updated_at_max = Some(time);
        self
    }

    /// Only these fields of each record (`fields=id,title`).
    pub fn fields(mut self, fields: &[&str]) -> Self {
        self.params.fields = fields.iter().map(|f| (*f).to_owned()).collect();
        self
    }

    /// Any resource filter (`product=123`, `email=...`).
    pub fn filter(mut self, name: &str, value: impl ToString) -> Self {
        self.params
            .filters
            .push((name.to_owned(), value.to_string()));
        self
    }

    /// The parameters so far.
    pub fn params(&self) -> &ListParams {
        &self.params
    }

    /// The request value of one page.
    pub fn request(&self) -> ListRecords<R> {
        ListRecords::new(
            self.records.language.clone(),
            self.records.path.clone(),
            self.params.clone(),
        )
        .keys(self.records.keys.clone())
    }

    /// Fetches one page (`page` and `limit` as set, else the API's defaults: page 1, 50).
    pub async fn send(&self) -> Result<Vec<R>> {
        self.records.client.send(&self.request()).await
    }

    /// How many records match the filters.
    pub async fn count(&self) -> Result<u64> {
        let call = CountRecords::new(
            self.records.language.clone(),
            self.records.path.clone(),
            &self.params,
        );
        self.records.client.send(&call).await
    }

    /// Every matching record, page by page (`limit=250` unless set), until a short page.
    pub fn stream(self) -> impl Stream<Item = Result<R>> + 'c {
        let limit = self.params.limit.unwrap_or(ECOM_MAX_LIMIT);
        let first = self.params.page.unwrap_or(1);
        let info = info(&self.records.language, &self.records.path);
        let builder = self;
        pagination::page_numbered(
            info,
            limit,
            |r: &R| r.id(),
            move |page| {
                let mut call = builder.clone();
                call.params.page = Some(first + page - 1);
                call.params.limit = Some(limit);
                async move { call.records.client.http.send(&call.request()).await }
            },
        )
        .map_err(Error::from_core)
    }

    /// Every matching record, walking `since_id` in ascending id order (`limit=250` unless
    /// set): stable and cheap for deep listings where high page numbers get slow. Starts after
    /// the `since_id` set, if any.
    pub fn stream_by_id(self) -> impl Stream<Item = Result<R>> + 'c
    where
        R::Id: Into<u64>,
    {
        let limit = self.params.limit.unwrap_or(ECOM_MAX_LIMIT);
        let start = self.params.since_id.unwrap_or(0);
        let info = info(&self.records.language, &self.records.path);
        let builder = self;
        pagination::cursor_items(info, start, move |since| {
            let mut call = builder.clone();
            call.params.page = None;
            call.params.since_id = Some(since);
            call.params.limit = Some(limit);
            async move {
                let items = call.records.client.http.send(&call.request()).await?;
                let full = items.len() >= limit as usize;
                let next = items.iter().map(|r| r.id().into()).max().filter(|_| full);
                Ok(CursorPage { items, next })
            }
        })
        .map_err(Error::from_core)
    }

    /// Every matching record, collected.
    pub async fn all(self) -> Result<Vec<R>> {
        self.stream().try_collect().await
    }
}

macro_rules! filters {
    ($model:ty { $($(#[$doc:meta])* $method:ident($name:literal, $ty:ty);)* }) => {
        impl ListBuilder<'_, $model> {
            $($(#[$doc])* pub fn $method(self, value: $ty) -> Self {
                self.filter($name, value)
            })*
        }
    };
}

filters!(Product {
    /// Products of a brand.
    brand("brand", BrandId);
    /// Products of a supplier.
    supplier("supplier", SupplierId);
    /// Products of a type.
    product_type("type", TypeId);
});
filters!(Variant {
    /// The variants of a product.
    product("product", ProductId);
});
filters!(Category {
    /// The children of a category.
    parent("parent", CategoryId);
});
filters!(CategoriesProduct {
    /// The category links of a product.
    product("product", ProductId);
    /// The product links of a category.
    category("category", CategoryId);
});
filters!(TagsProduct {
    /// The tag links of a product.
    product("product", ProductId);
    /// The product links of a tag.
    tag("tag", TagId);
});
filters!(TypesAttribute {
    /// The attributes of a type.
    product_type("type", TypeId);
});
filters!(VariantMovement {
    /// The movements of a product's variants.
    product("product", ProductId);
    /// The movements of a variant.
    variant("variant", VariantId);
});
filters!(Order {
    /// A customer's orders.
    customer("customer", CustomerId);
    /// The order with this number (`ORD00001`).
    number("number", &str);
});
filters!(Customer {
    /// Customers with this email.
    email("email", &str);
});
filters!(Invoice {
    /// An order's invoices.
    order("order", OrderId);
});
filters!(Shipment {
    /// An order's shipments.
    order("order", OrderId);
});
