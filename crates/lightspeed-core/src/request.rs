//! Request values: what an endpoint builds, with no I/O, before the client sends it.
//!
//! A [`Request`] holds a path relative to the client's base URL, query parameters, extra
//! headers and an optional body. Endpoint crates build one per call (and unit-test the result
//! without a server); the [`Client`](crate::Client) resolves it against the base URL, adds
//! authentication and sends it.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use serde::Serialize;
use url::Url;

use crate::error::{Error, RequestInfo, Result};

/// A request relative to a base URL.
#[derive(Debug, Clone)]
pub struct Request {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Option<Bytes>,
}

impl Request {
    /// A request with `method` for `path` (relative to the base URL; a leading `/` is ignored).
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        let path = path.into();
        let path = path.trim_start_matches('/').to_owned();
        Self {
            method,
            path,
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
        }
    }

    /// A `GET` request.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    /// A `POST` request.
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }

    /// A `PUT` request.
    pub fn put(path: impl Into<String>) -> Self {
        Self::new(Method::PUT, path)
    }

    /// A `DELETE` request.
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path)
    }

    /// Adds a query parameter (repeated names are kept in order).
    pub fn query(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.query.push((name.into(), value.to_string()));
        self
    }

    /// Adds a query parameter when `value` is `Some`.
    pub fn query_opt(self, name: impl Into<String>, value: Option<impl ToString>) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }

    /// Sets a header, replacing any earlier value of the same name.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Sets a JSON body (and `Content-Type: application/json`).
    pub fn json<T: Serialize + ?Sized>(self, body: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(body).map_err(|source| Error::Encode { source })?;
        Ok(self.body(HeaderValue::from_static("application/json"), bytes))
    }

    /// Sets an `application/x-www-form-urlencoded` body from name/value pairs.
    pub fn form<K: AsRef<str>, V: AsRef<str>>(self, pairs: &[(K, V)]) -> Self {
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in pairs {
            serializer.append_pair(name.as_ref(), value.as_ref());
        }
        self.body(
            HeaderValue::from_static("application/x-www-form-urlencoded"),
            serializer.finish(),
        )
    }

    /// Sets a raw body with its content type (multipart uploads, XML, ...).
    pub fn body(mut self, content_type: HeaderValue, body: impl Into<Bytes>) -> Self {
        self.headers.insert(header::CONTENT_TYPE, content_type);
        self.body = Some(body.into());
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path relative to the base URL.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query parameters, in order.
    pub fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }

    /// The value of the first query parameter called `name`.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The extra headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body, if any.
    pub fn body_bytes(&self) -> Option<&Bytes> {
        self.body.as_ref()
    }

    /// The method and path, as errors report them.
    pub fn info(&self) -> RequestInfo {
        RequestInfo::new(self.method.clone(), self.path.clone())
    }

    /// The absolute URL of this request under `base`.
    pub fn url(&self, base: &BaseUrl) -> Result<Url> {
        let mut url = base.0.join(&self.path).map_err(|e| {
            Error::config(format!(
                "the path `{}` is not a valid URL path: {e}",
                self.path
            ))
        })?;
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        Ok(url)
    }

    pub(crate) fn into_parts(self) -> (Method, HeaderMap, Option<Bytes>) {
        (self.method, self.headers, self.body)
    }
}

/// A validated base URL: `http` or `https`, with a host, without credentials, query or fragment,
/// and with a path ending in `/` so that request paths are appended, not substituted.
///
/// The real hosts (`https://api.webshopapp.com/`, `https://mystore.retail.lightspeed.app/`)
/// and any other (the emulator on loopback, a proxy) are accepted alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(Url);

impl BaseUrl {
    /// Parses and validates a base URL.
    pub fn parse(input: &str) -> Result<Self> {
        let url = Url::parse(input.trim()).map_err(|e| {
            Error::config(format!(
                "the base URL is not a valid URL ({e}); expected e.g. https://api.webshopapp.com/"
            ))
        })?;
        Self::try_from(url)
    }

    /// The URL.
    pub fn as_url(&self) -> &Url {
        &self.0
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl TryFrom<Url> for BaseUrl {
    type Error = Error;

    fn try_from(mut url: Url) -> Result<Self> {
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(Error::config(format!(
                "the base URL must use http or https, not `{}`",
                url.scheme()
            )));
        }
        if url.host().is_none() {
            return Err(Error::config("the base URL has no host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            // Deliberately not echoing the URL: it holds a credential.
            return Err(Error::config(
                "the base URL must not contain credentials; pass them as the client's credentials",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::config(
                "the base URL must not have a query string or fragment",
            ));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Self(url))
    }
}

impl std::str::FromStr for BaseUrl {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl std::fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_appended_to_the_base_path() {
        let base = BaseUrl::parse("http://127.0.0.1:8080/ecom").unwrap();
        assert_eq!(base.as_str(), "http://127.0.0.1:8080/ecom/");
        let url = Request::get("/nl/products.json")
            .query("limit", 250)
            .query("page", 2)
            .url(&base)
            .unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8080/ecom/nl/products.json?limit=250&page=2"
        );
    }

    #[test]
    fn query_values_are_encoded() {
        let base = BaseUrl::parse("https://api.webshopapp.com/").unwrap();
        let url = Request::get("nl/products.json")
            .query("updated_at_min", "2026-01-02 03:04:05")
            .url(&base)
            .unwrap();
        assert_eq!(url.query(), Some("updated_at_min=2026-01-02+03%3A04%3A05"));
    }

    #[test]
    fn base_urls_with_credentials_are_refused_without_echoing_them() {
        let err = BaseUrl::parse("https://key123:supersecret@api.webshopapp.com/").unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(text.contains("must not contain credentials"));
        assert!(!text.contains("supersecret"));
        assert!(!text.contains("key123"));
    }

    #[test]
    fn other_bad_base_urls_are_explained() {
        assert!(BaseUrl::parse("ftp://example.com/").is_err());
        assert!(BaseUrl::parse("https://example.com/?a=1").is_err());
        assert!(BaseUrl::parse("not a url").is_err());
    }

    #[test]
    fn bodies_set_their_content_type() {
        let json = Request::post("nl/products.json")
            .json(&serde_json::json!({"product": {"title": "Shirt"}}))
            .unwrap();
        assert_eq!(json.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(
            json.body_bytes().unwrap().as_ref(),
            br#"{"product":{"title":"Shirt"}}"#
        );
        let form =
            Request::post("api/1.0/token").form(&[("grant_type", "refresh_token"), ("a", "b c")]);
        assert_eq!(
            form.body_bytes().unwrap().as_ref(),
            b"grant_type=refresh_token&a=b+c"
        );
    }
}
