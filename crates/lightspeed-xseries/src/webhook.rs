//! Incoming webhooks: verify `X-Signature`, read the form-encoded `payload`, get a typed event.
//!
//! X-Series POSTs `application/x-www-form-urlencoded` with a `payload` field holding the
//! record's JSON in the API 0.9 shape (money as strings, space-separated timestamps), and
//! optionally `type`, `environment`, `domain_prefix` and `retailer_id`. The type decides the
//! model: `product.update`, `inventory.update`, `sale.update`, `customer.update`,
//! `register_closure.create`, `consignment.send`, `consignment.receive`.
//!
//! **The signature**: `X-Signature: signature=<digest>,algorithm=HMAC-SHA256`, an HMAC-SHA256
//! keyed with the app's client secret. The reference leaves two things open: whether the MAC is
//! over the raw form body or over the `payload` value alone, and whether the digest is hex or
//! base64. [`WebhookVerifier`] accepts all four readings (each compared in constant time), so a
//! genuine call passes whichever is right, and anything else fails. Webhooks of personal-token
//! integrations have no client secret and are presumably unsigned.
//!
//! ```
//! use lightspeed_xseries::webhook::{WebhookPayload, WebhookVerifier, sign_hex};
//!
//! let body = b"type=inventory.update&payload=%7B%22id%22%3A%22i1%22%2C%22count%22%3A%225.00000%22%7D";
//! let signature = format!("signature={},algorithm=HMAC-SHA256", sign_hex(body, "client-secret"));
//! let event = WebhookVerifier::new("client-secret").parse(Some(&signature), body, None)?;
//! assert!(matches!(event.payload, WebhookPayload::Inventory(ref i) if i.count == Some(5.into())));
//! # Ok::<(), lightspeed_xseries::Error>(())
//! ```

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use lightspeed_core::decode::Failure;

use crate::error::{Error, Result};
use crate::model::*;

type HmacSha256 = Hmac<Sha256>;

fn mac(bytes: &[u8], secret: &str) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(bytes);
    mac.finalize().into_bytes().to_vec()
}

/// HMAC-SHA256 of `bytes` with `secret`, lowercase hex (the emulator's and KL's reading).
pub fn sign_hex(bytes: &[u8], secret: &str) -> String {
    hex::encode(mac(bytes, secret))
}

/// HMAC-SHA256 of `bytes` with `secret`, base64 (the other reading).
pub fn sign_base64(bytes: &[u8], secret: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(mac(bytes, secret))
}

/// Checks `X-Signature` with the app's client secret and parses calls.
#[derive(Clone)]
pub struct WebhookVerifier {
    secret: SecretString,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookVerifier { secret: [redacted] }")
    }
}

impl WebhookVerifier {
    /// A verifier keyed with the app's client secret.
    pub fn new(client_secret: impl Into<SecretString>) -> Self {
        Self {
            secret: client_secret.into(),
        }
    }

    /// Checks an `X-Signature` header value (`signature=...,algorithm=HMAC-SHA256`, or the bare
    /// digest) against the raw form body, accepting both documented readings (see the module).
    pub fn verify(&self, header: &str, body: &[u8]) -> Result<()> {
        let (digest, algorithm) = parse_signature_header(header);
        if let Some(algorithm) = algorithm
            && !algorithm.eq_ignore_ascii_case("HMAC-SHA256")
        {
            return Err(signature_error(format!(
                "unsupported algorithm `{algorithm}`"
            )));
        }
        if digest.is_empty() {
            return Err(signature_error("`X-Signature` has no signature".into()));
        }
        let secret = self.secret.expose_secret();
        let payload = form_field(body, "payload");
        let inputs = std::iter::once(body.to_vec()).chain(payload.map(String::into_bytes));
        let mut matched = subtle::Choice::from(0u8);
        for input in inputs {
            let raw = mac(&input, secret);
            let hex = hex::encode(&raw);
            let b64 = base64::engine::general_purpose::STANDARD.encode(&raw);
            matched |= ct_eq_text(&hex, &digest.to_ascii_lowercase());
            matched |= ct_eq_text(&b64, digest);
        }
        if bool::from(matched) {
            Ok(())
        } else {
            Err(signature_error(
                "the signature does not match the body with this client secret (checked over the raw body and over `payload`, as hex and base64)".into(),
            ))
        }
    }

    /// Verifies the call (`X-Signature` header value, raw body), then parses it. `kind` is the
    /// type when the caller knows it (for example from the URL it registered); otherwise the
    /// form's `type` field or the payload's shape decides.
    pub fn parse(
        &self,
        header: Option<&str>,
        body: &[u8],
        kind: Option<WebhookType>,
    ) -> Result<WebhookEvent> {
        let header =
            header.ok_or_else(|| signature_error("the call has no `X-Signature` header".into()))?;
        self.verify(header, body)?;
        WebhookEvent::parse_unverified(body, kind)
    }
}

fn ct_eq_text(a: &str, b: &str) -> subtle::Choice {
    if a.len() == b.len() {
        a.as_bytes().ct_eq(b.as_bytes())
    } else {
        subtle::Choice::from(0u8)
    }
}

fn signature_error(reason: String) -> Error {
    Error::WebhookSignature { reason }
}

/// Splits `signature=<digest>,algorithm=<name>` (either order, spaces allowed); a header with
/// no `=` is a bare digest.
fn parse_signature_header(header: &str) -> (&str, Option<&str>) {
    let mut digest = None;
    let mut algorithm = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("signature") => {
                digest = Some(value.trim())
            }
            Some((name, value)) if name.trim().eq_ignore_ascii_case("algorithm") => {
                algorithm = Some(value.trim())
            }
            _ => {}
        }
    }
    (digest.unwrap_or_else(|| header.trim()), algorithm)
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// A webhook call, parsed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// The event type.
    pub kind: WebhookType,
    /// The store (`domain_prefix` form field), when sent.
    pub domain_prefix: Option<String>,
    /// The environment (`environment` form field), when sent.
    pub environment: Option<String>,
    /// The record.
    pub payload: WebhookPayload,
}

impl WebhookEvent {
    /// Parses a call without checking its signature (use [`WebhookVerifier::parse`]).
    pub fn parse_unverified(body: &[u8], kind: Option<WebhookType>) -> Result<Self> {
        let payload = form_field(body, "payload").ok_or_else(|| Error::WebhookBody {
            path: ".".into(),
            message: "the form has no `payload` field".into(),
        })?;
        let json: Value = serde_json::from_str(&payload).map_err(|e| Error::WebhookBody {
            path: "payload".into(),
            message: format!("not JSON: {e}"),
        })?;
        let kind = kind
            .or_else(|| form_field(body, "type").map(|t| WebhookType::from(t.as_str())))
            .unwrap_or_else(|| WebhookPayload::guess_type(&json));
        let payload = WebhookPayload::from_json(&kind, json).map_err(|f| Error::WebhookBody {
            path: format!("payload.{}", f.path).replace("payload..", "payload"),
            message: f.message,
        })?;
        Ok(Self {
            kind,
            domain_prefix: form_field(body, "domain_prefix"),
            environment: form_field(body, "environment"),
            payload,
        })
    }
}

/// A webhook's record, by type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookPayload {
    /// `product.update`.
    Product(Box<WebhookProduct>),
    /// `inventory.update`.
    Inventory(Box<WebhookInventory>),
    /// `sale.update` (a 0.9 register sale).
    Sale(Box<RegisterSale>),
    /// `customer.update`.
    Customer(Box<WebhookCustomer>),
    /// `register_closure.create`.
    RegisterClosure(Box<RegisterClosure>),
    /// `consignment.send` and `consignment.receive`.
    ConsignmentProduct(Box<WebhookConsignmentProduct>),
    /// Another type, kept as JSON.
    Other(Value),
}

impl WebhookPayload {
    /// Decodes a payload of type `kind`; errors name the JSON path.
    pub fn from_json(kind: &WebhookType, json: Value) -> std::result::Result<Self, Failure> {
        fn typed<T: serde::de::DeserializeOwned>(
            json: Value,
        ) -> std::result::Result<Box<T>, Failure> {
            serde_path_to_error::deserialize(json)
                .map(Box::new)
                .map_err(|e| Failure {
                    path: e.path().to_string(),
                    message: e.into_inner().to_string(),
                })
        }
        Ok(match kind {
            WebhookType::ProductUpdate => WebhookPayload::Product(typed(json)?),
            WebhookType::InventoryUpdate => WebhookPayload::Inventory(typed(json)?),
            WebhookType::SaleUpdate => WebhookPayload::Sale(typed(json)?),
            WebhookType::CustomerUpdate => WebhookPayload::Customer(typed(json)?),
            WebhookType::RegisterClosureCreate => WebhookPayload::RegisterClosure(typed(json)?),
            WebhookType::ConsignmentSend | WebhookType::ConsignmentReceive => {
                WebhookPayload::ConsignmentProduct(typed(json)?)
            }
            _ => WebhookPayload::Other(json),
        })
    }

    /// The model a type decodes into.
    pub fn model_name(kind: &WebhookType) -> &'static str {
        match kind {
            WebhookType::ProductUpdate => "WebhookProduct",
            WebhookType::InventoryUpdate => "WebhookInventory",
            WebhookType::SaleUpdate => "RegisterSale",
            WebhookType::CustomerUpdate => "WebhookCustomer",
            WebhookType::RegisterClosureCreate => "RegisterClosure",
            WebhookType::ConsignmentSend | WebhookType::ConsignmentReceive => {
                "WebhookConsignmentProduct"
            }
            _ => "serde_json::Value",
        }
    }

    /// The record encoded back as JSON (the shape it was decoded from).
    pub fn to_json(&self) -> serde_json::Result<Value> {
        match self {
            WebhookPayload::Product(r) => serde_json::to_value(r),
            WebhookPayload::Inventory(r) => serde_json::to_value(r),
            WebhookPayload::Sale(r) => serde_json::to_value(r),
            WebhookPayload::Customer(r) => serde_json::to_value(r),
            WebhookPayload::RegisterClosure(r) => serde_json::to_value(r),
            WebhookPayload::ConsignmentProduct(r) => serde_json::to_value(r),
            WebhookPayload::Other(v) => Ok(v.clone()),
        }
    }

    /// Guesses a type from the payload's fields, for calls that do not say it.
    pub fn guess_type(json: &Value) -> WebhookType {
        let has = |key: &str| json.get(key).is_some();
        if has("register_sale_products") {
            WebhookType::SaleUpdate
        } else if has("consignment_id") {
            WebhookType::ConsignmentReceive
        } else if has("register_open_time") {
            WebhookType::RegisterClosureCreate
        } else if has("restock_level") || (has("outlet_id") && has("count")) {
            WebhookType::InventoryUpdate
        } else if has("handle") || has("sku") {
            WebhookType::ProductUpdate
        } else {
            WebhookType::CustomerUpdate
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(kind: &str, payload: &str) -> Vec<u8> {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("type", kind)
            .append_pair("payload", payload)
            .append_pair("domain_prefix", "mystore")
            .finish()
            .into_bytes()
    }

    #[test]
    fn all_four_signature_readings_are_accepted_and_nothing_else() {
        let payload = r#"{"id":"i1","product_id":"p1","outlet_id":"o1","count":"5.00000"}"#;
        let body = form("inventory.update", payload);
        let verifier = WebhookVerifier::new("s3cret");
        for digest in [
            sign_hex(&body, "s3cret"),
            sign_base64(&body, "s3cret"),
            sign_hex(payload.as_bytes(), "s3cret"),
            sign_base64(payload.as_bytes(), "s3cret"),
        ] {
            let header = format!("signature={digest},algorithm=HMAC-SHA256");
            verifier.verify(&header, &body).unwrap();
        }
        assert!(
            verifier
                .verify(&format!("signature={}", sign_hex(&body, "other")), &body)
                .is_err()
        );
        assert!(
            verifier
                .verify("signature=abc,algorithm=HMAC-MD5", &body)
                .is_err()
        );
        let event = verifier
            .parse(Some(&sign_hex(&body, "s3cret")), &body, None)
            .unwrap();
        assert_eq!(event.kind, WebhookType::InventoryUpdate);
        assert_eq!(event.domain_prefix.as_deref(), Some("mystore"));
        assert!(!format!("{verifier:?}").contains("s3cret"));
    }

    #[test]
    fn payload_errors_name_the_path() {
        let body = form("customer.update", r#"{"id":"c","balance":"lots"}"#);
        let err = WebhookEvent::parse_unverified(&body, None).unwrap_err();
        assert!(err.to_string().contains("payload.balance"), "{err}");
    }
}
