//! The `Transport` trait: send one HTTP request, get the status, headers and body back.
//!
//! A transport does nothing else: no auth, no retries, no rate limiting (the [`Client`] does
//! those). That keeps it small enough to swap: [`ReqwestTransport`] for real use,
//! [`ScriptedTransport`] for unit tests, or anything an integrator writes (a recorder, a proxy).
//!
//! [`Client`]: crate::Client

use std::fmt;

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use url::Url;

mod reqwest_impl;
mod scripted;

pub use reqwest_impl::{ReqwestTransport, ReqwestTransportBuilder};
pub use scripted::{ScriptedTransport, Step};

/// Sends HTTP requests. Implementations must be shareable between tasks.
#[async_trait]
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends `request` and returns the whole response, whatever its status.
    ///
    /// An `Err` means no complete response was received; its [`TransportErrorKind`] says
    /// whether the request can have reached the server.
    async fn send(&self, request: HttpRequest) -> Result<Response, TransportError>;
}

/// A fully resolved request, as handed to a [`Transport`].
///
/// Its `Debug` output is safe to log: header values marked sensitive (the `Authorization`
/// header set by this crate always is) print as `Sensitive`, and the body prints as its length.
#[derive(Clone)]
pub struct HttpRequest {
    /// The HTTP method.
    pub method: Method,
    /// The absolute URL, query string included.
    pub url: Url,
    /// The request headers.
    pub headers: HeaderMap,
    /// The request body, if any (its content type is in `headers`).
    pub body: Option<Bytes>,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("headers", &self.headers)
            .field("body_len", &self.body.as_ref().map(Bytes::len))
            .finish()
    }
}

/// A complete HTTP response.
#[derive(Clone)]
pub struct Response {
    /// The status code.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

impl Response {
    /// A response with the given status, no headers and an empty body.
    pub fn new(status: StatusCode) -> Self {
        Self {
            status,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// Decodes the body as JSON, reporting the JSON path of any mismatch.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> crate::Result<T> {
        crate::decode::from_slice(&self.body)
    }

    /// The body as UTF-8 text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Why a transport could not deliver a complete response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be established (DNS, refused, TLS handshake): the request was
    /// never sent, so it is safe to retry whatever its method.
    Connect,
    /// The request or the response timed out: the server may have processed the request.
    Timeout,
    /// The connection broke while sending the request or reading the response: the server may
    /// have processed the request.
    Interrupted,
    /// Anything else (e.g. the request could not be built); not worth retrying.
    Other,
}

impl TransportErrorKind {
    /// Whether the request can have reached the server.
    pub fn may_have_been_sent(self) -> bool {
        !matches!(self, TransportErrorKind::Connect)
    }
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportErrorKind::Connect => "could not connect",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Interrupted => "connection interrupted",
            TransportErrorKind::Other => "transport failure",
        })
    }
}

/// A failure to exchange a request and response, with its cause kept as the error source.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind}{}", detail_suffix(.detail))]
pub struct TransportError {
    kind: TransportErrorKind,
    detail: Option<String>,
    #[source]
    source: Option<std::sync::Arc<dyn std::error::Error + Send + Sync>>,
}

fn detail_suffix(detail: &Option<String>) -> String {
    detail
        .as_ref()
        .map(|d| format!(": {d}"))
        .unwrap_or_default()
}

impl TransportError {
    /// A transport error of `kind` caused by `source`.
    pub fn new(
        kind: TransportErrorKind,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            kind,
            detail: None,
            source: Some(std::sync::Arc::new(source)),
        }
    }

    /// A transport error of `kind` described by a message, with no underlying error.
    pub fn message(kind: TransportErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: Some(detail.into()),
            source: None,
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }
}
