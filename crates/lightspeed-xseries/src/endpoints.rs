//! One request value per endpoint, built without I/O and sent with
//! [`lightspeed_core::Client::send`] (or the methods of [`crate::Client`]).
//!
//! API 2.0 lists are `GET /api/2.0/<resource>` with the version cursor (`after`, `before`,
//! `page_size`, `deleted`) answering `{"data": [...], "version": {"min", "max"}}`; single
//! records are `{"data": {...}}`. Writes use the body shape of their API generation: 2.0 JSON,
//! 2.1 `{common, details}`, 0.9 bare objects answered in an envelope (`{"register_sale": ...}`).

use std::marker::PhantomData;

use bytes::Bytes;
use http::{HeaderValue, Method};
use lightspeed_core::{Endpoint, Request, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::model::Page;

/// Query parameters of a 2.0 list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListParams {
    /// Only records with a version greater than this.
    pub after: Option<i64>,
    /// Only records with a version lower than this.
    pub before: Option<i64>,
    /// Records per page.
    pub page_size: Option<u32>,
    /// Include deleted records (tombstones with `deleted_at`).
    pub deleted: bool,
    /// Other filters (`outlet_id=...`, `sku=...`).
    pub filters: Vec<(String, String)>,
}

impl ListParams {
    fn apply(&self, mut request: Request) -> Request {
        request = request
            .query_opt("after", self.after)
            .query_opt("before", self.before)
            .query_opt("page_size", self.page_size);
        if self.deleted {
            request = request.query("deleted", "true");
        }
        for (name, value) in &self.filters {
            request = request.query(name.clone(), value);
        }
        request
    }
}

/// `GET /api/2.0/<path>`: one page of a version-paged list.
#[derive(Debug, Clone)]
pub struct ListPage<T> {
    path: String,
    params: ListParams,
    marker: PhantomData<fn() -> T>,
}

impl<T> ListPage<T> {
    /// A page of `path` (`api/2.0/products`) with `params`.
    pub fn new(path: impl Into<String>, params: ListParams) -> Self {
        Self {
            path: path.into(),
            params,
            marker: PhantomData,
        }
    }
}

impl<T: DeserializeOwned + Send> Endpoint for ListPage<T> {
    type Output = Page<T>;
    fn request(&self) -> lightspeed_core::Result<Request> {
        Ok(self.params.apply(Request::get(self.path.clone())))
    }
    fn parse(&self, response: Response) -> lightspeed_core::Result<Page<T>> {
        response.json()
    }
}

/// `GET <path>`: one record in `{"data": {...}}` (or, for `/api/2.0/user`, a list of one).
#[derive(Debug, Clone)]
pub struct GetOne<T> {
    path: String,
    marker: PhantomData<fn() -> T>,
}

impl<T> GetOne<T> {
    /// The record at `path` (`api/2.0/products/<id>`).
    pub fn new(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            marker: PhantomData,
        }
    }
}

impl<T: DeserializeOwned + Send> Endpoint for GetOne<T> {
    type Output = T;
    fn request(&self) -> lightspeed_core::Result<Request> {
        Ok(Request::get(self.path.clone()))
    }
    fn parse(&self, response: Response) -> lightspeed_core::Result<T> {
        one_or_first(response)
    }
}

/// `GET /api/2.0/product_categories`: one page of the category tree, paged by category id
/// (`after` = the previous page's `page_info.last_seen`), not by version.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListProductCategories {
    /// The `last_seen` of the previous page.
    pub after: Option<String>,
    /// Categories per page (the API's default is 1000).
    pub page_size: Option<u32>,
    /// Only the children of this category, or `none` for the roots.
    pub parent: Option<String>,
}

impl Endpoint for ListProductCategories {
    type Output = crate::model::ProductCategoryPage;
    fn request(&self) -> lightspeed_core::Result<Request> {
        Ok(Request::get("api/2.0/product_categories")
            .query_opt("after", self.after.clone())
            .query_opt("page_size", self.page_size)
            .query_opt("parent", self.parent.clone()))
    }
    fn parse(&self, response: Response) -> lightspeed_core::Result<Self::Output> {
        response.json()
    }
}

/// Reads `{"data": T}`, or `{"data": [T]}` (the first), or a bare `T`.
fn one_or_first<T: DeserializeOwned>(response: Response) -> lightspeed_core::Result<T> {
    let mut value: serde_json::Value = response.json()?;
    let Some(data) = value.as_object_mut().and_then(|map| map.remove("data")) else {
        return lightspeed_core::decode::from_value(value);
    };
    // The data as `T` (a record, or a list when `T` is one), decoded without path tracking;
    // else the first of a list; a failure is decoded again with tracking to name the path.
    if let Ok(record) = T::deserialize(&data) {
        return Ok(record);
    }
    match data {
        serde_json::Value::Array(items) if !items.is_empty() => {
            lightspeed_core::decode::from_value(items.into_iter().next().expect("not empty"))
        }
        other => lightspeed_core::decode::from_value(other),
    }
}

/// How a write's answer is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// `{"data": T}` (2.0).
    Data,
    /// The record under a 0.9 key (`{"register_sale": T}`), or bare.
    Key(&'static str),
    /// Nothing worth reading (`{}`, `204`): `T` is decoded from `null`.
    Nothing,
}

/// A write: `method path` with a JSON body, its answer read as `answer` says.
#[derive(Debug, Clone)]
pub struct SendJson<B, T> {
    method: Method,
    path: String,
    body: B,
    answer: Answer,
    marker: PhantomData<fn() -> T>,
}

impl<B: Serialize + Send + Sync, T> SendJson<B, T> {
    /// A JSON write.
    pub fn new(method: Method, path: impl Into<String>, body: B, answer: Answer) -> Self {
        Self {
            method,
            path: path.into(),
            body,
            answer,
            marker: PhantomData,
        }
    }

    /// The body that will be sent.
    pub fn body(&self) -> &B {
        &self.body
    }
}

impl<B: Serialize + Send + Sync, T: DeserializeOwned + Send> Endpoint for SendJson<B, T> {
    type Output = T;
    fn request(&self) -> lightspeed_core::Result<Request> {
        Request::new(self.method.clone(), self.path.clone()).json(&self.body)
    }
    fn parse(&self, response: Response) -> lightspeed_core::Result<T> {
        read_answer(response, self.answer)
    }
}

fn read_answer<T: DeserializeOwned>(
    response: Response,
    answer: Answer,
) -> lightspeed_core::Result<T> {
    match answer {
        Answer::Data => one_or_first(response),
        Answer::Key(key) => {
            let value: serde_json::Value = response.json()?;
            match value.get(key) {
                Some(inner) => lightspeed_core::decode::from_value(inner.clone()),
                None => lightspeed_core::decode::from_value(value),
            }
        }
        Answer::Nothing => lightspeed_core::decode::from_value(serde_json::Value::Null),
    }
}

/// `DELETE <path>`.
#[derive(Debug, Clone)]
pub struct Delete {
    path: String,
}

impl Delete {
    /// Deletes the record at `path`.
    pub fn new(path: impl Into<String>) -> Self {
        Self { path: path.into() }
    }
}

impl Endpoint for Delete {
    type Output = ();
    fn request(&self) -> lightspeed_core::Result<Request> {
        Ok(Request::delete(self.path.clone()))
    }
    fn parse(&self, _: Response) -> lightspeed_core::Result<()> {
        Ok(())
    }
}

/// `POST /api/2.0/products/{id}/actions/image_upload`: a JPEG or PNG file, as multipart.
#[derive(Debug, Clone)]
pub struct UploadImage {
    path: String,
    filename: String,
    content_type: String,
    bytes: Bytes,
}

impl UploadImage {
    /// Uploads `bytes` (a JPEG or PNG named `filename`) to a product.
    pub fn new(product: &str, filename: &str, bytes: impl Into<Bytes>) -> Self {
        let lower = filename.to_ascii_lowercase();
        let content_type = if lower.ends_with(".png") {
            "image/png"
        } else {
            "image/jpeg"
        };
        Self {
            path: format!("api/2.0/products/{product}/actions/image_upload"),
            filename: filename.to_owned(),
            content_type: content_type.to_owned(),
            bytes: bytes.into(),
        }
    }
}

/// The multipart boundary; it cannot occur in the part headers we write, and the API reads
/// the image by length.
const BOUNDARY: &str = "lightspeed-xseries-image-boundary-7d1f0c";

impl Endpoint for UploadImage {
    type Output = serde_json::Value;
    fn request(&self) -> lightspeed_core::Result<Request> {
        let filename = self.filename.replace(['"', '\r', '\n'], "_");
        let mut body = Vec::with_capacity(self.bytes.len() + 256);
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        body.extend_from_slice(
            format!("Content-Disposition: form-data; name=\"image\"; filename=\"{filename}\"\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(format!("Content-Type: {}\r\n\r\n", self.content_type).as_bytes());
        body.extend_from_slice(&self.bytes);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        let content_type =
            HeaderValue::from_str(&format!("multipart/form-data; boundary={BOUNDARY}"))
                .map_err(|_| lightspeed_core::Error::config("invalid multipart boundary"))?;
        Ok(Request::post(self.path.clone()).body(content_type, body))
    }
    fn parse(&self, response: Response) -> lightspeed_core::Result<serde_json::Value> {
        if response.body.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        response.json()
    }
}

#[cfg(test)]
mod tests {
    use http::StatusCode;

    use super::*;
    use crate::model::*;

    fn response(body: &str) -> Response {
        Response {
            status: StatusCode::OK,
            headers: Default::default(),
            body: body.as_bytes().to_vec().into(),
        }
    }

    #[test]
    fn lists_carry_the_version_cursor() {
        let params = ListParams {
            after: Some(100),
            page_size: Some(500),
            deleted: true,
            filters: vec![("outlet_id".into(), "o1".into())],
            ..Default::default()
        };
        let request = ListPage::<Product>::new("api/2.0/products", params)
            .request()
            .unwrap();
        assert_eq!(request.path(), "api/2.0/products");
        assert_eq!(request.query_value("after"), Some("100"));
        assert_eq!(request.query_value("page_size"), Some("500"));
        assert_eq!(request.query_value("deleted"), Some("true"));
        assert_eq!(request.query_value("outlet_id"), Some("o1"));
        let page = ListPage::<Brand>::new("api/2.0/brands", ListParams::default())
            .parse(response(
                r#"{"data": [{"id": "b", "version": 7}], "version": {"min": 7, "max": 7}}"#,
            ))
            .unwrap();
        assert_eq!(page.version.unwrap().max, Some(7));
        assert_eq!(page.items().len(), 1);
    }

    #[test]
    fn single_records_as_data_or_a_list_of_one() {
        let user: User = GetOne::new("api/2.0/user")
            .parse(response(r#"{"data": [{"id": "u1"}]}"#))
            .unwrap();
        assert_eq!(user.id, Some(UserId("u1".into())));
        let user: User = GetOne::new("api/2.0/users/u2")
            .parse(response(r#"{"data": {"id": "u2"}}"#))
            .unwrap();
        assert_eq!(user.id, Some(UserId("u2".into())));
        let err = GetOne::<User>::new("api/2.0/users/u3")
            .parse(response(r#"{"data": {"id": "u3", "version": "v"}}"#))
            .unwrap_err();
        assert!(err.to_string().contains("version"), "{err}");
    }

    #[test]
    fn register_sales_are_bare_and_answered_under_their_key() {
        let sale = RegisterSaleInput {
            register_id: Some("r1".into()),
            user_id: Some("u1".into()),
            status: Some(SaleStatus::Closed),
            ..Default::default()
        };
        let call = SendJson::<_, RegisterSale>::new(
            Method::POST,
            "api/register_sales",
            &sale,
            Answer::Key("register_sale"),
        );
        let request = call.request().unwrap();
        let body: serde_json::Value =
            serde_json::from_slice(request.body_bytes().unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"register_id": "r1", "user_id": "u1", "status": "CLOSED"})
        );
        let made = call
            .parse(response(
                r#"{"register_sale": {"id": "s1", "status": "CLOSED"}}"#,
            ))
            .unwrap();
        assert_eq!(made.id, Some(SaleId("s1".into())));
    }

    #[test]
    fn image_uploads_are_multipart() {
        let request = UploadImage::new("p1", "front.png", b"\x89PNG".to_vec())
            .request()
            .unwrap();
        let content_type = request
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.starts_with("multipart/form-data; boundary="));
        let body = String::from_utf8_lossy(request.body_bytes().unwrap()).into_owned();
        assert!(body.contains("name=\"image\"; filename=\"front.png\""));
        assert!(body.contains("Content-Type: image/png"));
    }
}
