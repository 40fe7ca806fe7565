//! The crate's error type, its retry classification, and the mapping from HTTP statuses.
//!
//! Every status maps onto a variant in one place ([`Error::from_response`]). The API's own
//! message is extracted from whichever error body shape the API used (see [`ApiMessage`]), so
//! users see "Invalid variant title", not "422". `Display` names the method and path of the
//! request and never a credential: authentication goes in headers that are never formatted, and
//! base URLs holding credentials are refused at configuration time.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use http::{HeaderMap, Method, StatusCode};
use serde_json::Value;

use crate::transport::{TransportError, TransportErrorKind};

/// Convenient alias for results whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which request an error is about: the method and the path relative to the base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInfo {
    /// The HTTP method.
    pub method: Method,
    /// The path relative to the base URL, without the query string (e.g. `nl/products.json`).
    pub path: String,
}

impl RequestInfo {
    /// Describes a request.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
        }
    }
}

impl fmt::Display for RequestInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// Everything that can go wrong talking to a Lightspeed API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 401: the credentials were refused (wrong key or secret, revoked or expired token).
    #[error("{request}: authentication failed (401): {message}")]
    Unauthenticated {
        /// The request that failed.
        request: RequestInfo,
        /// The API's message.
        message: String,
    },

    /// 403: the credentials are valid but lack a permission (eCom) or scope (X-Series).
    #[error("{request}: permission denied (403){}: {message}", permission_suffix(.permission))]
    PermissionDenied {
        /// The request that failed.
        request: RequestInfo,
        /// The missing permission or scope, when the API names it.
        permission: Option<String>,
        /// The API's message.
        message: String,
    },

    /// 404: the record, the endpoint or (eCom) the language does not exist.
    #[error("{request}: not found (404): {message}")]
    NotFound {
        /// The request that failed.
        request: RequestInfo,
        /// The API's message.
        message: String,
    },

    /// 400 or 422: the API rejected the request's content.
    #[error("{request}: rejected ({status}){}: {message}", field_suffix(.field))]
    Validation {
        /// The request that failed.
        request: RequestInfo,
        /// The status the API answered (400 or 422).
        status: StatusCode,
        /// The API's message.
        message: String,
        /// The field the API blamed, when it named one.
        field: Option<String>,
    },

    /// 409: the request conflicts with existing data (e.g. a duplicate X-Series webhook).
    #[error("{request}: conflict (409): {message}")]
    Conflict {
        /// The request that failed.
        request: RequestInfo,
        /// The API's message.
        message: String,
    },

    /// 413: the request's body is larger than the API (or a proxy in front of it) accepts.
    ///
    /// The request's content is at fault, like a validation error: sending it again cannot
    /// succeed, so it is never retried (shorten the texts, send fewer images at once).
    #[error("{request}: request too large (413): {message}")]
    PayloadTooLarge {
        /// The request that failed.
        request: RequestInfo,
        /// The API's message, or the status's reason when the body had none.
        message: String,
    },

    /// 429 that could not be waited out before the retry deadline.
    #[error("{request}: rate limited (429){}", retry_at_suffix(.retry_at))]
    RateLimited {
        /// The request that failed.
        request: RequestInfo,
        /// When the API said the request may be retried, if it said.
        retry_at: Option<DateTime<Utc>>,
    },

    /// 5xx: the API failed, after any retries the method allowed.
    #[error("{request}: server error ({status}): {message}")]
    Server {
        /// The request that failed.
        request: RequestInfo,
        /// The status the API answered.
        status: StatusCode,
        /// The API's message, or the status's reason when the body had none.
        message: String,
    },

    /// Any other unsuccessful status (e.g. 405 method not allowed).
    #[error("{request}: unexpected status {status}: {message}")]
    Http {
        /// The request that failed.
        request: RequestInfo,
        /// The status the API answered.
        status: StatusCode,
        /// The API's message, or the status's reason when the body had none.
        message: String,
    },

    /// The request could not be sent or its response could not be read.
    #[error("{request}: {source}")]
    Transport {
        /// The request that failed.
        request: RequestInfo,
        /// What the transport reported.
        #[source]
        source: TransportError,
    },

    /// The request timed out, or kept failing to connect until the attempts or the deadline
    /// ran out.
    #[error("{request}: gave up after {elapsed:?}: {source}")]
    Timeout {
        /// The request that failed.
        request: RequestInfo,
        /// How long the client kept trying.
        elapsed: Duration,
        /// The last transport failure.
        #[source]
        source: TransportError,
    },

    /// A response body did not match the expected shape.
    #[error("{}could not decode the response at `{path}`: {source}", request_prefix(.request))]
    Decode {
        /// The request whose response failed to decode, when known.
        request: Option<RequestInfo>,
        /// The JSON path of the offending value, e.g. `products[3].priceExcl` (`.` for the root).
        path: String,
        /// The decoder's error.
        #[source]
        source: serde_json::Error,
    },

    /// A request body could not be encoded.
    #[error("could not encode the request body: {source}")]
    Encode {
        /// The encoder's error.
        #[source]
        source: serde_json::Error,
    },

    /// A paginated listing could not continue (e.g. a cursor that did not advance).
    #[error("{request}: pagination stopped: {message}")]
    Pagination {
        /// The listing's request.
        request: RequestInfo,
        /// Why the listing stopped.
        message: String,
    },

    /// The client was configured wrongly (base URL, credentials, options).
    #[error("configuration error: {message}")]
    Config {
        /// What is wrong and how to fix it.
        message: String,
    },
}

fn permission_suffix(permission: &Option<String>) -> String {
    permission
        .as_ref()
        .map(|p| format!(", missing `{p}`"))
        .unwrap_or_default()
}

fn field_suffix(field: &Option<String>) -> String {
    field
        .as_ref()
        .map(|f| format!(" on field `{f}`"))
        .unwrap_or_default()
}

fn retry_at_suffix(retry_at: &Option<DateTime<Utc>>) -> String {
    retry_at
        .map(|at| format!("; the API allows a retry at {}", at.to_rfc3339()))
        .unwrap_or_default()
}

fn request_prefix(request: &Option<RequestInfo>) -> String {
    request
        .as_ref()
        .map(|r| format!("{r}: "))
        .unwrap_or_default()
}

/// A coarse classification of [`Error`], stable across variants' fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`Error::Unauthenticated`].
    Unauthenticated,
    /// See [`Error::PermissionDenied`].
    PermissionDenied,
    /// See [`Error::NotFound`].
    NotFound,
    /// See [`Error::Validation`].
    Validation,
    /// See [`Error::Conflict`].
    Conflict,
    /// See [`Error::PayloadTooLarge`].
    PayloadTooLarge,
    /// See [`Error::RateLimited`].
    RateLimited,
    /// See [`Error::Server`].
    Server,
    /// See [`Error::Http`].
    Http,
    /// See [`Error::Transport`].
    Transport,
    /// See [`Error::Timeout`].
    Timeout,
    /// See [`Error::Decode`].
    Decode,
    /// See [`Error::Encode`].
    Encode,
    /// See [`Error::Pagination`].
    Pagination,
    /// See [`Error::Config`].
    Config,
}

impl Error {
    /// Maps an unsuccessful response onto a variant, with the API's own message.
    ///
    /// `retry_at` is used for 429 (when the caller knows when the API allows a retry).
    pub fn from_response(
        request: RequestInfo,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        retry_at: Option<DateTime<Utc>>,
    ) -> Self {
        let api = ApiMessage::parse(body);
        let message = api
            .message
            .clone()
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("no message").to_owned());
        match status.as_u16() {
            400 | 422 => Error::Validation {
                request,
                status,
                message,
                field: api.field,
            },
            401 => Error::Unauthenticated { request, message },
            403 => Error::PermissionDenied {
                request,
                permission: api
                    .permission
                    .or_else(|| scope_from_www_authenticate(headers))
                    .or_else(|| scope_in_message(&message)),
                message,
            },
            404 => Error::NotFound { request, message },
            409 => Error::Conflict { request, message },
            413 => Error::PayloadTooLarge { request, message },
            429 => Error::RateLimited { request, retry_at },
            500..=599 => Error::Server {
                request,
                status,
                message,
            },
            _ => Error::Http {
                request,
                status,
                message,
            },
        }
    }

    /// The variant's kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Unauthenticated { .. } => ErrorKind::Unauthenticated,
            Error::PermissionDenied { .. } => ErrorKind::PermissionDenied,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Validation { .. } => ErrorKind::Validation,
            Error::Conflict { .. } => ErrorKind::Conflict,
            Error::PayloadTooLarge { .. } => ErrorKind::PayloadTooLarge,
            Error::RateLimited { .. } => ErrorKind::RateLimited,
            Error::Server { .. } => ErrorKind::Server,
            Error::Http { .. } => ErrorKind::Http,
            Error::Transport { .. } => ErrorKind::Transport,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::Encode { .. } => ErrorKind::Encode,
            Error::Pagination { .. } => ErrorKind::Pagination,
            Error::Config { .. } => ErrorKind::Config,
        }
    }

    /// Whether trying the same request again later may succeed.
    ///
    /// This is about the failure, not the method: the client itself never resends a POST after
    /// a 5xx or a timeout, because the API may have processed it; a caller who knows the
    /// operation is safe to repeat (or can look it up first) may use this to decide.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Server { .. } | Error::Timeout { .. } => true,
            Error::Transport { source, .. } => !matches!(source.kind(), TransportErrorKind::Other),
            _ => false,
        }
    }

    /// The HTTP status the API answered, for errors that come from a response.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Unauthenticated { .. } => Some(StatusCode::UNAUTHORIZED),
            Error::PermissionDenied { .. } => Some(StatusCode::FORBIDDEN),
            Error::NotFound { .. } => Some(StatusCode::NOT_FOUND),
            Error::Conflict { .. } => Some(StatusCode::CONFLICT),
            Error::PayloadTooLarge { .. } => Some(StatusCode::PAYLOAD_TOO_LARGE),
            Error::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            Error::Validation { status, .. }
            | Error::Server { status, .. }
            | Error::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The request the error is about, when there is one.
    pub fn request(&self) -> Option<&RequestInfo> {
        match self {
            Error::Unauthenticated { request, .. }
            | Error::PermissionDenied { request, .. }
            | Error::NotFound { request, .. }
            | Error::Validation { request, .. }
            | Error::Conflict { request, .. }
            | Error::PayloadTooLarge { request, .. }
            | Error::RateLimited { request, .. }
            | Error::Server { request, .. }
            | Error::Http { request, .. }
            | Error::Transport { request, .. }
            | Error::Timeout { request, .. }
            | Error::Pagination { request, .. } => Some(request),
            Error::Decode { request, .. } => request.as_ref(),
            Error::Encode { .. } | Error::Config { .. } => None,
        }
    }

    /// The API's own message, for errors that come from a response body.
    pub fn api_message(&self) -> Option<&str> {
        match self {
            Error::Unauthenticated { message, .. }
            | Error::PermissionDenied { message, .. }
            | Error::NotFound { message, .. }
            | Error::Validation { message, .. }
            | Error::Conflict { message, .. }
            | Error::PayloadTooLarge { message, .. }
            | Error::Server { message, .. }
            | Error::Http { message, .. } => Some(message),
            _ => None,
        }
    }

    /// A configuration error with the given explanation.
    pub fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
        }
    }
}

/// The longest API message kept in an error; longer bodies (HTML error pages) are cut.
const MAX_MESSAGE_CHARS: usize = 500;

/// What an API error body says, whichever of the known shapes it used.
///
/// Shapes understood (from `reference/`):
/// - eCom: `{"error": {"code": 404, "method": "GET", "request": "...", "message": "..."}}`,
///   possibly with a per-field `errors` map on 422;
/// - X-Series: `{"error": "..."}`, `{"error": "...", "message": "..."}` (429),
///   `{"status": "error", "error": "<title>", "details": "..."}` (0.9),
///   `{"errors": {"global": ["..."], "<field>": ["..."]}, "reference": "..."}` (2.1, bulk),
///   `{"error": {"code": 1, "message": "..."}}` (dated payment endpoints);
/// - anything else: a bare `{"message": "..."}`, or the body's text when it is short plain text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiMessage {
    /// The human-readable message.
    pub message: Option<String>,
    /// The API's error code, when it sent one.
    pub code: Option<String>,
    /// The field the API blamed, when it named one.
    pub field: Option<String>,
    /// The permission or scope the API said is missing, when it named one.
    pub permission: Option<String>,
}

impl ApiMessage {
    /// Reads an error body; never fails (an unknown shape gives an empty message).
    pub fn parse(body: &[u8]) -> Self {
        let Ok(value) = serde_json::from_slice::<Value>(body) else {
            return Self {
                message: plain_text_message(body),
                ..Self::default()
            };
        };
        let mut out = Self::default();
        let mut parts: Vec<String> = Vec::new();
        match value.get("error") {
            Some(Value::Object(inner)) => {
                if let Some(m) = inner.get("message").and_then(text) {
                    parts.push(m);
                }
                out.code = inner.get("code").and_then(text);
            }
            Some(other) => {
                if let Some(m) = text(other) {
                    parts.push(m);
                }
            }
            None => {}
        }
        for key in ["message", "details"] {
            if let Some(m) = value.get(key).and_then(text)
                && !parts.contains(&m)
            {
                parts.push(m);
            }
        }
        if let Some(errors) = value.get("errors") {
            let (messages, field) = field_errors(errors);
            parts.extend(messages);
            out.field = field;
        }
        if out.code.is_none() {
            out.code = value.get("code").and_then(text);
        }
        out.permission = [
            "scope",
            "required_scope",
            "permission",
            "missing_permission",
        ]
        .iter()
        .find_map(|k| value.get(*k).and_then(text));
        if !parts.is_empty() {
            out.message = Some(truncate(&parts.join(": ")));
        }
        out
    }
}

/// A JSON scalar as text; objects and arrays are not messages.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Messages from an `errors` value (a field map or a list) and the first field it blames.
fn field_errors(errors: &Value) -> (Vec<String>, Option<String>) {
    let mut messages = Vec::new();
    let mut field = None;
    match errors {
        Value::Object(map) => {
            for (key, v) in map {
                let texts = flatten_texts(v);
                if key == "global" || key == "base" {
                    messages.extend(texts);
                } else {
                    field.get_or_insert_with(|| key.clone());
                    messages.extend(texts.into_iter().map(|t| format!("{key}: {t}")));
                }
            }
        }
        other => messages.extend(flatten_texts(other)),
    }
    (messages, field)
}

fn flatten_texts(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().flat_map(flatten_texts).collect(),
        Value::Object(map) => map.get("message").and_then(text).into_iter().collect(),
        other => text(other).into_iter().collect(),
    }
}

fn plain_text_message(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?.trim();
    if text.is_empty() || text.starts_with('<') {
        // Empty, or an HTML error page from a proxy: the status says more.
        return None;
    }
    Some(truncate(text))
}

fn truncate(message: &str) -> String {
    if message.chars().count() <= MAX_MESSAGE_CHARS {
        return message.to_owned();
    }
    let cut: String = message.chars().take(MAX_MESSAGE_CHARS).collect();
    format!("{cut}…")
}

/// The `scope` of an RFC 6750 `WWW-Authenticate: Bearer error="insufficient_scope", scope="..."`.
fn scope_from_www_authenticate(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(http::header::WWW_AUTHENTICATE)?.to_str().ok()?;
    let start = value.find("scope=\"")? + "scope=\"".len();
    let rest = &value[start..];
    let end = rest.find('"')?;
    Some(rest[..end].to_owned()).filter(|s| !s.is_empty())
}

/// An X-Series style scope (`products:write`) mentioned in a message.
fn scope_in_message(message: &str) -> Option<String> {
    let is_scope = |word: &str| {
        word.contains(':')
            && word.split(':').all(|part| {
                !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            })
    };
    message
        .split(|c: char| c.is_whitespace() || matches!(c, '`' | '\'' | '"' | ',' | '(' | ')'))
        .map(|word| word.trim_end_matches(['.', ';']))
        .find(|word| is_scope(word))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> RequestInfo {
        RequestInfo::new(Method::PUT, "nl/variants/1.json")
    }

    #[test]
    fn ecom_error_body_gives_its_message_and_code() {
        let body = br#"{"error":{"code":400,"method":"PUT","request":"/nl/variants/1.json","message":"Invalid variant title"}}"#;
        let parsed = ApiMessage::parse(body);
        assert_eq!(parsed.message.as_deref(), Some("Invalid variant title"));
        assert_eq!(parsed.code.as_deref(), Some("400"));
    }

    #[test]
    fn xseries_error_shapes_give_their_messages() {
        assert_eq!(
            ApiMessage::parse(br#"{"error":"Access token is not valid"}"#).message,
            Some("Access token is not valid".into())
        );
        assert_eq!(
            ApiMessage::parse(
                br#"{"error":"Too Many Requests","message":"Rate limiting enforced"}"#
            )
            .message,
            Some("Too Many Requests: Rate limiting enforced".into())
        );
        assert_eq!(
            ApiMessage::parse(
                br#"{"status":"error","error":"Invalid sale","details":"register_id is required"}"#
            )
            .message,
            Some("Invalid sale: register_id is required".into())
        );
        let bulk = ApiMessage::parse(
            br#"{"errors":{"global":["Product could not be saved"],"sku":["SKU already in use"]},"reference":"abc"}"#,
        );
        assert_eq!(
            bulk.message.as_deref(),
            Some("Product could not be saved: sku: SKU already in use")
        );
        assert_eq!(bulk.field.as_deref(), Some("sku"));
        assert_eq!(
            ApiMessage::parse(br#"{"error":{"code":1002,"message":"Payment declined"}}"#).message,
            Some("Payment declined".into())
        );
    }

    #[test]
    fn unknown_bodies_fall_back_to_text_or_nothing() {
        assert_eq!(
            ApiMessage::parse(b"upstream connect error").message,
            Some("upstream connect error".into())
        );
        assert_eq!(
            ApiMessage::parse(b"<html><body>502</body></html>").message,
            None
        );
        assert_eq!(ApiMessage::parse(b"").message, None);
        assert_eq!(ApiMessage::parse(br#"{"data":[]}"#).message, None);
        let long = "x".repeat(2000);
        let parsed = ApiMessage::parse(long.as_bytes()).message.unwrap();
        assert_eq!(parsed.chars().count(), MAX_MESSAGE_CHARS + 1);
    }

    #[test]
    fn statuses_map_onto_semantic_variants() {
        let h = HeaderMap::new();
        let kind = |code: u16| {
            Error::from_response(info(), StatusCode::from_u16(code).unwrap(), &h, b"{}", None)
                .kind()
        };
        assert_eq!(kind(400), ErrorKind::Validation);
        assert_eq!(kind(422), ErrorKind::Validation);
        assert_eq!(kind(401), ErrorKind::Unauthenticated);
        assert_eq!(kind(403), ErrorKind::PermissionDenied);
        assert_eq!(kind(404), ErrorKind::NotFound);
        assert_eq!(kind(405), ErrorKind::Http);
        assert_eq!(kind(409), ErrorKind::Conflict);
        assert_eq!(kind(413), ErrorKind::PayloadTooLarge);
        assert_eq!(kind(429), ErrorKind::RateLimited);
        assert_eq!(kind(500), ErrorKind::Server);
        assert_eq!(kind(503), ErrorKind::Server);
    }

    #[test]
    fn display_names_method_path_and_message() {
        let err = Error::from_response(
            info(),
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            br#"{"error":{"code":400,"message":"Invalid variant title"}}"#,
            None,
        );
        assert_eq!(
            err.to_string(),
            "PUT nl/variants/1.json: rejected (400 Bad Request): Invalid variant title"
        );
        assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
        assert_eq!(err.api_message(), Some("Invalid variant title"));
        assert!(!err.is_retryable());
    }

    #[test]
    fn missing_permission_is_found_in_headers_body_or_message() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::WWW_AUTHENTICATE,
            r#"Bearer error="insufficient_scope", scope="products:write""#
                .parse()
                .unwrap(),
        );
        let err = Error::from_response(info(), StatusCode::FORBIDDEN, &headers, b"{}", None);
        assert!(
            matches!(&err, Error::PermissionDenied { permission: Some(p), .. } if p == "products:write")
        );
        assert!(err.to_string().contains("missing `products:write`"));

        let err = Error::from_response(
            info(),
            StatusCode::FORBIDDEN,
            &HeaderMap::new(),
            br#"{"error":"This action requires the sales:write scope."}"#,
            None,
        );
        assert!(
            matches!(&err, Error::PermissionDenied { permission: Some(p), .. } if p == "sales:write")
        );

        let err = Error::from_response(
            info(),
            StatusCode::FORBIDDEN,
            &HeaderMap::new(),
            br#"{"error":"permission denied"}"#,
            None,
        );
        assert!(matches!(
            &err,
            Error::PermissionDenied {
                permission: None,
                ..
            }
        ));
    }

    #[test]
    fn retry_classification() {
        let h = HeaderMap::new();
        let e = |code: u16| {
            Error::from_response(info(), StatusCode::from_u16(code).unwrap(), &h, b"", None)
        };
        assert!(e(429).is_retryable());
        assert!(e(502).is_retryable());
        assert!(!e(404).is_retryable());
        assert!(!e(401).is_retryable());
        assert!(!Error::config("x").is_retryable());
    }
}
