//! The production transport: reqwest with rustls, timeouts, gzip and an identifying User-Agent.

use std::time::Duration;

use async_trait::async_trait;
use http::HeaderValue;

use super::{HttpRequest, Response, Transport, TransportError, TransportErrorKind};
use crate::Error;

/// The `User-Agent` product token of this crate, e.g. `lightspeed-core/0.1.0`.
pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// A [`Transport`] backed by a `reqwest::Client` (rustls, gzip, HTTP/2 when offered).
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport with the default settings (see [`ReqwestTransportBuilder`]).
    pub fn new() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// Starts configuring a transport.
    pub fn builder() -> ReqwestTransportBuilder {
        ReqwestTransportBuilder::default()
    }

    /// Wraps a `reqwest::Client` you configured yourself (proxies, custom roots, ...).
    ///
    /// Its own timeouts and User-Agent apply; nothing is added.
    pub fn from_client(client: reqwest::Client) -> Self {
        Self { client }
    }
}

/// Settings for a [`ReqwestTransport`].
#[derive(Debug, Clone)]
pub struct ReqwestTransportBuilder {
    connect_timeout: Duration,
    timeout: Duration,
    application: Option<String>,
}

impl Default for ReqwestTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            application: None,
        }
    }
}

impl ReqwestTransportBuilder {
    /// How long to wait for a connection to be established (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one request may take in total, body included (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Names your application in the `User-Agent` (X-Series asks integrations to identify
    /// themselves): `my-app/2.1` gives `my-app/2.1 lightspeed-core/0.1.0`.
    pub fn application(mut self, product: impl Into<String>) -> Self {
        self.application = Some(product.into());
        self
    }

    /// The `User-Agent` this builder will send.
    pub fn user_agent(&self) -> String {
        match &self.application {
            Some(app) => format!("{app} {USER_AGENT}"),
            None => USER_AGENT.to_owned(),
        }
    }

    /// Builds the transport.
    pub fn build(self) -> Result<ReqwestTransport, Error> {
        let user_agent = HeaderValue::from_str(&self.user_agent()).map_err(|_| {
            Error::config("the application name must be visible ASCII (it goes in the User-Agent)")
        })?;
        let client = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(user_agent)
            .gzip(true)
            .build()
            .map_err(|e| Error::config(format!("could not build the HTTP client: {e}")))?;
        Ok(ReqwestTransport { client })
    }
}

#[async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<Response, TransportError> {
        let mut builder = self
            .client
            .request(request.method, request.url)
            .headers(request.headers);
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let response = builder.send().await.map_err(classify)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(classify)?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

/// Sorts a reqwest error by whether the request can have reached the server.
fn classify(error: reqwest::Error) -> TransportError {
    // The URL is in our own error context already; dropping it here keeps query strings out of
    // messages.
    let error = error.without_url();
    let kind = if error.is_builder() {
        TransportErrorKind::Other
    } else if error.is_connect() {
        TransportErrorKind::Connect
    } else if error.is_timeout() {
        TransportErrorKind::Timeout
    } else if error.is_request() || error.is_body() || error.is_decode() {
        TransportErrorKind::Interrupted
    } else {
        TransportErrorKind::Other
    };
    TransportError::new(kind, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agent_names_the_crate_and_version() {
        let builder = ReqwestTransport::builder();
        assert_eq!(
            builder.user_agent(),
            format!("lightspeed-core/{}", env!("CARGO_PKG_VERSION"))
        );
        let builder = builder.application("acme-sync/2.1");
        assert!(
            builder
                .user_agent()
                .starts_with("acme-sync/2.1 lightspeed-core/")
        );
    }

    #[test]
    fn a_non_ascii_application_name_is_a_config_error() {
        let err = ReqwestTransport::builder()
            .application("bad\nname")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }));
    }
}
