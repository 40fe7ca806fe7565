//! Authentication: HTTP Basic for eCom, Bearer for X-Series, and a hook for token refresh.
//!
//! Credentials are `secrecy` types: they are exposed only to build the `Authorization` header,
//! which is marked sensitive so that `http`'s `Debug` prints `Sensitive` instead of its value.
//! No type here prints a secret, and no error carries one.

use std::fmt;

use async_trait::async_trait;
use base64::Engine as _;
use http::{HeaderValue, header};
use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};
use crate::transport::{HttpRequest, Response};

/// Adds credentials to requests, and may renew them when the API answers 401.
///
/// The client calls [`authorize`](Authenticator::authorize) before every attempt, so a
/// refreshed token is picked up by the next attempt. X-Series OAuth implements
/// [`refresh`](Authenticator::refresh) to exchange its refresh token.
#[async_trait]
pub trait Authenticator: Send + Sync + fmt::Debug {
    /// Adds the credentials to a request about to be sent.
    async fn authorize(&self, request: &mut HttpRequest) -> Result<()>;

    /// Called when the API answered 401 to a request authorized by `authorize`.
    ///
    /// Return `Ok(true)` when new credentials were obtained: the client then retries the
    /// request once. The default has nothing to renew.
    async fn refresh(&self, unauthorized: &Response) -> Result<bool> {
        let _ = unauthorized;
        Ok(false)
    }
}

fn sensitive(value: String) -> Result<HeaderValue> {
    let mut header = HeaderValue::try_from(value)
        .map_err(|_| Error::config("the credentials contain characters not allowed in a header"))?;
    header.set_sensitive(true);
    Ok(header)
}

/// HTTP Basic authentication (eCom: API key as user name, API secret as password).
pub struct BasicAuth {
    key: SecretString,
    secret: SecretString,
}

impl BasicAuth {
    /// Credentials from an API key and secret.
    pub fn new(key: impl Into<SecretString>, secret: impl Into<SecretString>) -> Self {
        Self {
            key: key.into(),
            secret: secret.into(),
        }
    }

    /// The `Authorization` header value, marked sensitive.
    pub fn header_value(&self) -> Result<HeaderValue> {
        let pair = format!(
            "{}:{}",
            self.key.expose_secret(),
            self.secret.expose_secret()
        );
        sensitive(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        ))
    }
}

impl fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicAuth")
            .field("key", &"[REDACTED]")
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

#[async_trait]
impl Authenticator for BasicAuth {
    async fn authorize(&self, request: &mut HttpRequest) -> Result<()> {
        request
            .headers
            .insert(header::AUTHORIZATION, self.header_value()?);
        Ok(())
    }
}

/// Bearer token authentication (X-Series personal tokens and OAuth access tokens).
pub struct BearerAuth {
    token: SecretString,
}

impl BearerAuth {
    /// Authentication with a fixed token.
    pub fn new(token: impl Into<SecretString>) -> Self {
        Self {
            token: token.into(),
        }
    }

    /// The `Authorization` header value for `token`, marked sensitive.
    pub fn header_value_for(token: &SecretString) -> Result<HeaderValue> {
        sensitive(format!("Bearer {}", token.expose_secret()))
    }
}

impl fmt::Debug for BearerAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerAuth")
            .field("token", &"[REDACTED]")
            .finish()
    }
}

#[async_trait]
impl Authenticator for BearerAuth {
    async fn authorize(&self, request: &mut HttpRequest) -> Result<()> {
        request
            .headers
            .insert(header::AUTHORIZATION, Self::header_value_for(&self.token)?);
        Ok(())
    }
}

/// No authentication (token endpoints that take credentials in the body, tests).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuth;

#[async_trait]
impl Authenticator for NoAuth {
    async fn authorize(&self, _request: &mut HttpRequest) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, Method};
    use url::Url;

    use super::*;

    fn request() -> HttpRequest {
        HttpRequest {
            method: Method::GET,
            url: Url::parse("https://api.webshopapp.com/nl/shop.json").unwrap(),
            headers: HeaderMap::new(),
            body: None,
        }
    }

    #[tokio::test]
    async fn basic_auth_sets_the_standard_header() {
        let mut req = request();
        BasicAuth::new("key", "secret")
            .authorize(&mut req)
            .await
            .unwrap();
        // base64("key:secret")
        assert_eq!(req.headers[header::AUTHORIZATION], "Basic a2V5OnNlY3JldA==");
        assert!(req.headers[header::AUTHORIZATION].is_sensitive());
    }

    #[tokio::test]
    async fn bearer_auth_sets_the_standard_header() {
        let mut req = request();
        BearerAuth::new("tok-123")
            .authorize(&mut req)
            .await
            .unwrap();
        assert_eq!(req.headers[header::AUTHORIZATION], "Bearer tok-123");
        assert!(req.headers[header::AUTHORIZATION].is_sensitive());
    }

    #[tokio::test]
    async fn a_token_with_a_newline_is_a_config_error_that_does_not_echo_it() {
        let mut req = request();
        let err = BearerAuth::new("abc\ndef")
            .authorize(&mut req)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }));
        assert!(!format!("{err} {err:?}").contains("abc"));
    }
}
