//! Clients for the configured connections, and `test-connection`.
//!
//! A real connection gets a transport with the configured connect timeout (so an unreachable
//! host fails in seconds, not after minutes of retries) and the API's published rate budget;
//! under `--emulator` every connection points at the embedded emulator, with its credentials
//! and its compressed budget. Secrets are read here, when a connection is used.

use std::sync::Arc;
use std::time::Duration;

use lightspeed_core::{ExposeSecret, ReqwestTransport, RetryPolicy};
use lightspeed_ecom::model::Access;
use lightspeed_xseries::oauth::{FileTokenStore, OAuthApp, OAuthAuth, TokenEndpoint};
use serde_json::{Value, json};

use crate::config::{
    Config, Connection, EcomConnection, EcomEndpoint, JobKind, XSeriesAuth, XSeriesConnection,
    XSeriesEndpoint,
};
use crate::emulator::Embedded;
use crate::exit::{CliError, chain};

/// How a client is built.
#[derive(Debug, Clone, Copy)]
pub struct Setup<'a> {
    /// The configuration.
    pub config: &'a Config,
    /// The embedded emulator, under `--emulator`.
    pub emulator: Option<&'a Embedded>,
    /// A retry policy other than the client's default (connection tests try once).
    pub quick: bool,
}

impl Setup<'_> {
    fn transport(&self) -> Result<ReqwestTransport, CliError> {
        ReqwestTransport::builder()
            .connect_timeout(self.config.connect_timeout)
            .application(concat!("lightspeed-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CliError::Run(chain(&e)))
    }

    fn retry(&self) -> Option<RetryPolicy> {
        // One attempt: a connection test answers in at most the connect timeout.
        self.quick.then(|| {
            RetryPolicy::default()
                .max_attempts(1)
                .deadline(self.config.connect_timeout)
        })
    }

    /// The eCom client of connection `name`.
    pub fn ecom(&self, name: &str) -> Result<lightspeed_ecom::Client, CliError> {
        let Connection::Ecom(c) = self.config.connection(name).map_err(CliError::Config)? else {
            return Err(CliError::Config(format!(
                "connection `{name}` is not an eCom connection"
            )));
        };
        let mut builder = match self.emulator {
            Some(emu) => {
                let h = emu.handle();
                lightspeed_ecom::Client::builder(h.ecom_key(), h.ecom_secret())
                    .base_url(h.ecom_url())
                    .rate_limit(emu.ecom_policy())
            }
            None => {
                let key = secret(name, "key", &c.key)?;
                let secret = secret(name, "secret", &c.secret)?;
                let builder = lightspeed_ecom::Client::builder(key, secret);
                match &c.endpoint {
                    EcomEndpoint::Cluster(cluster) => builder.cluster(*cluster),
                    EcomEndpoint::BaseUrl(url) => builder.base_url(url),
                }
            }
        };
        builder = builder.language(&c.language).transport(self.transport()?);
        if let Some(retry) = self.retry() {
            builder = builder.retry(retry);
        }
        builder
            .build()
            .map_err(|e| CliError::Config(format!("connection `{name}`: {}", chain(&e))))
    }

    /// The X-Series client of connection `name`.
    pub fn xseries(&self, name: &str) -> Result<lightspeed_xseries::Client, CliError> {
        let Connection::XSeries(c) = self.config.connection(name).map_err(CliError::Config)? else {
            return Err(CliError::Config(format!(
                "connection `{name}` is not an X-Series connection"
            )));
        };
        let mut builder = lightspeed_xseries::Client::builder();
        match self.emulator {
            Some(emu) => {
                let h = emu.handle();
                builder = builder
                    .base_url(h.xseries_url())
                    .personal_token(h.xseries_token().to_string())
                    .rate_limit(emu.xseries_policy());
            }
            None => {
                builder = match &c.endpoint {
                    XSeriesEndpoint::DomainPrefix(prefix) => builder.domain_prefix(prefix),
                    XSeriesEndpoint::BaseUrl(url) => builder.base_url(url),
                };
                builder = match &c.auth {
                    XSeriesAuth::Token(t) => builder.personal_token(secret(name, "token", t)?),
                    XSeriesAuth::OAuth {
                        client_id,
                        client_secret,
                        token_store,
                    } => {
                        let secret = secret(name, "client_secret", client_secret)?;
                        let base = match &c.endpoint {
                            XSeriesEndpoint::DomainPrefix(p) => {
                                format!("https://{p}.retail.lightspeed.app")
                            }
                            XSeriesEndpoint::BaseUrl(u) => u.clone(),
                        };
                        let base = lightspeed_core::BaseUrl::parse(&base)
                            .map_err(|e| CliError::Config(format!("connection `{name}`: {e}")))?;
                        let endpoint = TokenEndpoint::with_transport(
                            base,
                            Some(Arc::new(self.transport()?)),
                            None,
                        )
                        .map_err(|e| CliError::Config(format!("connection `{name}`: {e}")))?;
                        let app = OAuthApp::new(client_id.clone(), secret, String::new());
                        let store = Arc::new(FileTokenStore::new(token_store));
                        builder.auth(OAuthAuth::new(app, endpoint, store))
                    }
                };
                builder = builder.registers(c.registers);
            }
        }
        builder = builder.transport(self.transport()?);
        if let Some(retry) = self.retry() {
            builder = builder.retry(retry);
        }
        builder
            .build()
            .map_err(|e| CliError::Config(format!("connection `{name}`: {}", chain(&e))))
    }
}

/// Reads a connection's secret; the error names where it was looked for, never a value.
fn secret(
    connection: &str,
    what: &str,
    source: &crate::config::SecretRef,
) -> Result<lightspeed_core::SecretString, CliError> {
    source
        .resolve()
        .map_err(|e| CliError::Config(format!("connection `{connection}`: {what}: {e}")))
}

/// The secrets an eCom webhook may be signed with: the API secret, and the configured
/// webhook secret (an app's secret). Under `--emulator`, the emulator's secret.
pub fn ecom_webhook_secrets(
    setup: &Setup<'_>,
    name: &str,
    c: &EcomConnection,
) -> Result<Vec<lightspeed_core::SecretString>, CliError> {
    if let Some(emu) = setup.emulator {
        return Ok(vec![emu.handle().ecom_secret().to_string().into()]);
    }
    let mut secrets = vec![secret(name, "secret", &c.secret)?];
    if let Some(w) = &c.webhook_secret {
        secrets.push(secret(name, "webhook_secret", w)?);
    }
    Ok(secrets)
}

/// The secret X-Series webhooks are signed with: the OAuth client secret, or the configured
/// webhook secret. Under `--emulator`, the emulator's client secret.
pub fn xseries_webhook_secret(
    setup: &Setup<'_>,
    name: &str,
    c: &XSeriesConnection,
) -> Result<Option<lightspeed_core::SecretString>, CliError> {
    if let Some(emu) = setup.emulator {
        let secret = emu.handle().config().xseries.client_secret.expose_secret();
        return Ok(Some(secret.to_string().into()));
    }
    if let Some(w) = &c.webhook_secret {
        return Ok(Some(secret(name, "webhook_secret", w)?));
    }
    match &c.auth {
        XSeriesAuth::OAuth { client_secret, .. } => {
            Ok(Some(secret(name, "client_secret", client_secret)?))
        }
        XSeriesAuth::Token(_) => Ok(None),
    }
}

/// The outcome of one connection test, for people and for `--json`.
#[derive(Debug)]
pub struct Tested {
    /// The connection.
    pub name: String,
    /// `ecom` or `xseries`.
    pub kind: &'static str,
    /// What was found, or why it failed (a configuration problem, such as an unset secret,
    /// or a failed test).
    pub result: Result<Value, CliError>,
    /// How long it took.
    pub took: Duration,
}

impl Tested {
    /// One line for people.
    pub fn line(&self) -> String {
        match &self.result {
            Ok(info) => format!(
                "{} ({}): connected{} ({:.1} s)",
                self.name,
                self.kind,
                info.get("summary")
                    .and_then(Value::as_str)
                    .map(|s| format!(": {s}"))
                    .unwrap_or_default(),
                self.took.as_secs_f64()
            ),
            Err(problem) => format!(
                "{} ({}): FAILED: {problem} ({:.1} s)",
                self.name,
                self.kind,
                self.took.as_secs_f64()
            ),
        }
    }

    /// The JSON form.
    pub fn json(&self) -> Value {
        match &self.result {
            Ok(info) => {
                json!({"connection": self.name, "kind": self.kind, "ok": true, "info": info, "seconds": self.took.as_secs_f64()})
            }
            Err(problem) => {
                json!({"connection": self.name, "kind": self.kind, "ok": false, "problem": problem.to_string(), "seconds": self.took.as_secs_f64()})
            }
        }
    }
}

/// Tests one connection with the client's own connection test: for eCom, with the
/// permissions its jobs need (`products:write` when a catalog job uses it).
pub async fn test(setup: &Setup<'_>, name: &str) -> Tested {
    let started = std::time::Instant::now();
    let (kind, result) = match setup.config.connection(name) {
        Err(e) => ("?", Err(CliError::Config(e))),
        Ok(Connection::Ecom(_)) => ("ecom", test_ecom(setup, name).await),
        Ok(Connection::XSeries(_)) => ("xseries", test_xseries(setup, name).await),
    };
    Tested {
        name: name.to_string(),
        kind,
        result,
        took: started.elapsed(),
    }
}

async fn test_ecom(setup: &Setup<'_>, name: &str) -> Result<Value, CliError> {
    let client = setup.ecom(name)?;
    // A catalog job writes products (brands and categories are in the same area).
    let writes = setup
        .config
        .jobs
        .values()
        .any(|job| matches!(&job.kind, JobKind::Catalog(c) if c.connection == name));
    let needed = [(
        "products",
        if writes { Access::Write } else { Access::Read },
    )];
    let info = client
        .test_connection_for(&needed)
        .await
        .map_err(|e| CliError::Run(e.to_string()))?;
    Ok(json!({
        "summary": format!("shop {} ({}), language {}, {}", info.shop_id, info.shop_domain.clone().unwrap_or_default(), info.language, info.base_url),
        "shop_id": info.shop_id.to_string(),
        "shop_domain": info.shop_domain,
        "language": info.language.to_string(),
        "base_url": info.base_url,
    }))
}

async fn test_xseries(setup: &Setup<'_>, name: &str) -> Result<Value, CliError> {
    let client = setup.xseries(name)?;
    let info = client
        .test_connection()
        .await
        .map_err(|e| CliError::Run(e.to_string()))?;
    Ok(json!({
        "summary": format!("store {} ({}), {}", info.store_name.clone().unwrap_or_default(), info.domain_prefix.clone().unwrap_or_default(), info.base_url),
        "store_name": info.store_name,
        "domain_prefix": info.domain_prefix,
        "base_url": info.base_url,
    }))
}
