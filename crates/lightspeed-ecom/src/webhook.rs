//! Incoming webhooks: verify `X-Signature`, then parse the call into a typed event.
//!
//! eCom POSTs the affected record in its usual envelope (`{"product": {...}}`) with headers
//! naming the event: `X-Event: products/created`, `X-Shop-Id`, `X-Cluster-Id`, `X-Language`,
//! `X-Product-Id` (the record's id; `deleted` events may carry nothing else), and
//! `X-Signature`: the MD5 (hex) of the raw body followed by a secret.
//!
//! **Which secret signs is not documented** for webhooks created with an API key: the
//! community confirms the app secret for App Store apps, and the API key's secret is the
//! presumed reading for private keys. [`WebhookVerifier`] therefore accepts several secrets:
//! give it every secret that may sign (`new(app_secret).also_accept(key_secret)`). Always verify
//! the raw bytes as received, never a re-encoded body (number formatting would differ).
//!
//! ```
//! use lightspeed_ecom::webhook::{signature, WebhookEvent, WebhookRecord, WebhookVerifier};
//!
//! let body = br#"{"product": {"id": 123, "title": "product test"}}"#;
//! let verifier = WebhookVerifier::new("app-secret").also_accept("key-secret");
//! let signed = signature(body, "key-secret");
//! verifier.verify(body, &signed)?;
//!
//! let mut headers = http::HeaderMap::new();
//! headers.insert("x-event", "products/created".parse().unwrap());
//! headers.insert("x-shop-id", "356891".parse().unwrap());
//! headers.insert("x-signature", signed.parse().unwrap());
//! let event = verifier.parse(&headers, body)?;
//! assert_eq!(event.group.as_str(), "products");
//! assert!(matches!(event.record, WebhookRecord::Product(ref p) if p.id.get() == 123));
//! # Ok::<(), lightspeed_ecom::Error>(())
//! ```

use http::HeaderMap;
use md5::{Digest, Md5};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};
use crate::model::*;

/// The `X-Signature` eCom sends for `body` signed with `secret`: MD5 hex of body + secret.
pub fn signature(body: &[u8], secret: &str) -> String {
    let mut hasher = Md5::new();
    hasher.update(body);
    hasher.update(secret.as_bytes());
    hex::encode(hasher.finalize())
}

/// Checks `X-Signature` against one or more secrets (see the module docs for why several).
#[derive(Clone)]
pub struct WebhookVerifier {
    secrets: Vec<SecretString>,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "WebhookVerifier {{ secrets: {} [redacted] }}",
            self.secrets.len()
        )
    }
}

impl WebhookVerifier {
    /// A verifier for calls signed with `secret`.
    pub fn new(secret: impl Into<SecretString>) -> Self {
        Self {
            secrets: vec![secret.into()],
        }
    }

    /// Also accepts calls signed with `secret` (the app secret and the key's secret, when it is
    /// not known which one signs).
    pub fn also_accept(mut self, secret: impl Into<SecretString>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// Checks a signature (hex, any case) against the raw body, in constant time per secret.
    pub fn verify(&self, body: &[u8], signature_hex: &str) -> Result<()> {
        let given = signature_hex.trim().to_ascii_lowercase();
        if given.len() != 32 || !given.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::WebhookSignature {
                reason: format!(
                    "`X-Signature` is not a 32-character MD5 hex digest ({} characters)",
                    given.len()
                ),
            });
        }
        let mut matched = subtle::Choice::from(0u8);
        for secret in &self.secrets {
            let expected = signature(body, secret.expose_secret());
            matched |= expected.as_bytes().ct_eq(given.as_bytes());
        }
        if bool::from(matched) {
            Ok(())
        } else {
            Err(Error::WebhookSignature {
                reason: format!(
                    "no configured secret ({} tried) signs this body; check the secret (app secret for apps, the API key's secret otherwise) and that the raw body is verified",
                    self.secrets.len()
                ),
            })
        }
    }

    /// Checks the `X-Signature` header against the raw body.
    pub fn verify_headers(&self, headers: &HeaderMap, body: &[u8]) -> Result<()> {
        let signature = header(headers, "x-signature").ok_or_else(|| Error::WebhookSignature {
            reason: "the call has no `X-Signature` header".into(),
        })?;
        self.verify(body, &signature)
    }

    /// Verifies the call, then parses it.
    pub fn parse(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookEvent> {
        self.verify_headers(headers, body)?;
        WebhookEvent::parse_unverified(headers, body)
    }
}

/// A webhook call: what happened, where, and the record.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// The kind of record (`X-Event`'s first half, or the body's envelope).
    pub group: WebhookGroup,
    /// What happened (`X-Event`'s second half); `None` when the call had no `X-Event`.
    pub action: Option<WebhookAction>,
    /// The shop (`X-Shop-Id`).
    pub shop_id: Option<ShopId>,
    /// The cluster (`X-Cluster-Id`: `eu1`, `us1`).
    pub cluster: Option<String>,
    /// The language of the record's texts (`X-Language`).
    pub language: Option<String>,
    /// The record's id (`X-Product-Id`, `X-Order-Id`...), or the body's `id`.
    pub record_id: Option<u64>,
    /// The record.
    pub record: WebhookRecord,
}

/// The record a webhook carries, by its envelope key.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookRecord {
    /// `{"product": ...}`.
    Product(Box<Product>),
    /// `{"variant": ...}`.
    Variant(Box<Variant>),
    /// `{"order": ...}` (related records inlined under `resource.embedded`).
    Order(Box<Order>),
    /// `{"customer": ...}`.
    Customer(Box<Customer>),
    /// `{"invoice": ...}`.
    Invoice(Box<Invoice>),
    /// `{"shipment": ...}`.
    Shipment(Box<Shipment>),
    /// Another record (`quote`, `review`, `ticket`...), kept as JSON.
    Other {
        /// The envelope key.
        key: String,
        /// The record.
        body: Value,
    },
    /// No body (e.g. some `deleted` calls): only the headers say what happened.
    Empty,
}

impl WebhookRecord {
    /// Decodes a webhook body by its envelope key; errors name the JSON path.
    pub fn from_body(body: &[u8]) -> Result<Self> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(WebhookRecord::Empty);
        }
        let value: Value = decode(body)?;
        let Value::Object(map) = value else {
            return Err(body_error("the body is not a JSON object"));
        };
        let Some((key, record)) = map.into_iter().next() else {
            return Ok(WebhookRecord::Empty);
        };
        Ok(match key.as_str() {
            "product" => WebhookRecord::Product(Box::new(from_value(&key, record)?)),
            "variant" => WebhookRecord::Variant(Box::new(from_value(&key, record)?)),
            "order" => WebhookRecord::Order(Box::new(from_value(&key, record)?)),
            "customer" => WebhookRecord::Customer(Box::new(from_value(&key, record)?)),
            "invoice" => WebhookRecord::Invoice(Box::new(from_value(&key, record)?)),
            "shipment" => WebhookRecord::Shipment(Box::new(from_value(&key, record)?)),
            _ => WebhookRecord::Other { key, body: record },
        })
    }

    /// The group this record belongs to (`product` -> `products`).
    fn group(&self) -> Option<WebhookGroup> {
        Some(match self {
            WebhookRecord::Product(_) => WebhookGroup::Products,
            WebhookRecord::Variant(_) => WebhookGroup::Variants,
            WebhookRecord::Order(_) => WebhookGroup::Orders,
            WebhookRecord::Customer(_) => WebhookGroup::Customers,
            WebhookRecord::Invoice(_) => WebhookGroup::Invoices,
            WebhookRecord::Shipment(_) => WebhookGroup::Shipments,
            WebhookRecord::Other { key, .. } => WebhookGroup::from(format!("{key}s").as_str()),
            WebhookRecord::Empty => return None,
        })
    }

    /// The record's `id`, when it has one.
    fn id(&self) -> Option<u64> {
        match self {
            WebhookRecord::Product(r) => Some(r.id.get()),
            WebhookRecord::Variant(r) => Some(r.id.get()),
            WebhookRecord::Order(r) => Some(r.id.get()),
            WebhookRecord::Customer(r) => Some(r.id.get()),
            WebhookRecord::Invoice(r) => Some(r.id.get()),
            WebhookRecord::Shipment(r) => Some(r.id.get()),
            WebhookRecord::Other { body, .. } => body.get("id").and_then(Value::as_u64),
            WebhookRecord::Empty => None,
        }
    }
}

impl WebhookEvent {
    /// Parses a call without checking its signature (use [`WebhookVerifier::parse`]).
    pub fn parse_unverified(headers: &HeaderMap, body: &[u8]) -> Result<Self> {
        if header(headers, "x-format").is_some_and(|f| f.eq_ignore_ascii_case("xml")) {
            return Err(body_error(
                "the webhook sends XML; create it with format `json` to parse it here",
            ));
        }
        let record = WebhookRecord::from_body(body)?;
        let (group, action) = match header(headers, "x-event") {
            Some(event) => {
                let (group, action) = event.split_once('/').unwrap_or((event.as_str(), ""));
                let action = (!action.is_empty()).then(|| WebhookAction::from(action));
                (WebhookGroup::from(group), action)
            }
            None => (
                record.group().ok_or_else(|| {
                    body_error("the call has neither an `X-Event` header nor a body")
                })?,
                None,
            ),
        };
        let id_header = format!("x-{}-id", singular(group.as_str()));
        let record_id = header(headers, &id_header)
            .and_then(|id| id.trim().parse().ok())
            .or_else(|| record.id());
        Ok(WebhookEvent {
            group,
            action,
            shop_id: header(headers, "x-shop-id").and_then(|id| id.parse().ok()),
            cluster: header(headers, "x-cluster-id"),
            language: header(headers, "x-language"),
            record_id,
            record,
        })
    }
}

fn singular(group: &str) -> &str {
    group.strip_suffix('s').unwrap_or(group)
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
}

fn body_error(message: &str) -> Error {
    Error::WebhookBody {
        path: ".".into(),
        source: <serde_json::Error as serde::de::Error>::custom(message),
    }
}

fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| Error::WebhookBody {
        path: e.path().to_string(),
        source: e.into_inner(),
    })
}

fn from_value<T: serde::de::DeserializeOwned>(key: &str, value: Value) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| Error::WebhookBody {
        path: format!("{key}.{}", e.path()),
        source: e.into_inner(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_md5_of_body_then_secret() {
        // md5("{}secret")
        assert_eq!(
            signature(b"{}", "secret"),
            hex::encode(Md5::digest(b"{}secret"))
        );
        let verifier = WebhookVerifier::new("secret");
        assert!(
            verifier
                .verify(b"{}", &signature(b"{}", "secret").to_uppercase())
                .is_ok()
        );
        let err = verifier
            .verify(b"{} ", &signature(b"{}", "secret"))
            .unwrap_err();
        assert!(err.to_string().contains("raw body"), "{err}");
        assert!(
            verifier
                .verify(b"{}", "abc")
                .unwrap_err()
                .to_string()
                .contains("32-character")
        );
        assert!(!format!("{verifier:?}").contains("secret\""));
    }

    #[test]
    fn both_secret_readings_can_be_accepted() {
        let verifier = WebhookVerifier::new("app-secret").also_accept("key-secret");
        assert!(
            verifier
                .verify(b"x", &signature(b"x", "app-secret"))
                .is_ok()
        );
        assert!(
            verifier
                .verify(b"x", &signature(b"x", "key-secret"))
                .is_ok()
        );
        assert!(verifier.verify(b"x", &signature(b"x", "other")).is_err());
    }

    #[test]
    fn deleted_calls_without_a_body_use_the_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("x-event", "products/deleted".parse().unwrap());
        headers.insert("x-product-id", "42".parse().unwrap());
        let event = WebhookEvent::parse_unverified(&headers, b"").unwrap();
        assert_eq!(event.action, Some(WebhookAction::Deleted));
        assert_eq!(event.record_id, Some(42));
        assert_eq!(event.record, WebhookRecord::Empty);
    }

    #[test]
    fn body_errors_name_the_path() {
        let err = WebhookRecord::from_body(br#"{"variant": {"id": 1, "priceExcl": "cheap"}}"#)
            .unwrap_err();
        assert!(err.to_string().contains("variant.priceExcl"), "{err}");
    }
}
