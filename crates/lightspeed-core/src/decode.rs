//! JSON decoding that reports where a payload did not match: `products[3].priceExcl`.

use serde::de::DeserializeOwned;

use crate::error::{Error, RequestInfo, Result};

/// Decodes `bytes` as `T`; a mismatch becomes [`Error::Decode`] with the offending JSON path.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    decode(bytes, None)
}

/// Like [`from_slice`], naming the request whose response is being decoded.
pub fn from_response_body<T: DeserializeOwned>(bytes: &[u8], request: &RequestInfo) -> Result<T> {
    decode(bytes, Some(request))
}

/// Decodes an already parsed JSON value, with the same path reporting.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        Error::Decode {
            request: None,
            path,
            source: e.into_inner(),
        }
    })
}

/// Why a body did not decode: where and what (a webhook payload's, a fixture's).
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The JSON path of the offending value (`data[0].price_including_tax`), `.` for the root.
    pub path: String,
    /// What was wrong.
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at `{}`: {}", self.path, self.message)
    }
}

fn decode<T: DeserializeOwned>(bytes: &[u8], request: Option<&RequestInfo>) -> Result<T> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        Error::Decode {
            request: request.cloned(),
            path,
            source: e.into_inner(),
        }
    })?;
    deserializer.end().map_err(|source| Error::Decode {
        request: request.cloned(),
        path: ".".to_owned(),
        source,
    })?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Product {
        id: u64,
        #[serde(rename = "priceExcl")]
        price_excl: Decimal,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Products {
        products: Vec<Product>,
    }

    #[test]
    fn a_mismatch_names_its_json_path() {
        let body = br#"{"products":[{"id":1,"priceExcl":1.5},{"id":2,"priceExcl":{"oops":true}}]}"#;
        let err = from_slice::<Products>(body).unwrap_err();
        match &err {
            Error::Decode { path, .. } => assert_eq!(path, "products[1].priceExcl"),
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().contains("`products[1].priceExcl`"));
    }

    #[test]
    fn trailing_garbage_is_an_error() {
        assert!(from_slice::<serde_json::Value>(b"{} x").is_err());
    }
}
