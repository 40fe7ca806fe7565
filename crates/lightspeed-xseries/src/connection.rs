//! `Client::test_connection`: checks the token, the store and the scopes, and names the one
//! that is wrong.

use std::fmt;

use lightspeed_core::ErrorKind;

use crate::client::Client;
use crate::error::Error;

/// What a successful connection test found.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ConnectionInfo {
    /// The store's name.
    pub store_name: Option<String>,
    /// The store's domain prefix, as the API reports it.
    pub domain_prefix: Option<String>,
    /// Whether prices are tax exclusive (decides which price a product create sends).
    pub tax_exclusive: Option<bool>,
    /// The base URL requests go to.
    pub base_url: String,
}

/// Why a connection test failed, with what to do about it.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectionProblem {
    /// 401: the token is wrong, revoked or expired (and could not be refreshed).
    BadToken {
        /// The API's message.
        message: String,
    },
    /// The host answered 404 for the API, or has no such store: the domain prefix is wrong.
    WrongDomainPrefix {
        /// Where the client went.
        base_url: String,
    },
    /// 403: the token lacks a scope.
    MissingScope {
        /// The scope, when the API named it.
        scope: Option<String>,
        /// The API's message.
        message: String,
    },
    /// The host did not answer: a wrong domain prefix (no such host), DNS, firewall.
    Unreachable {
        /// Where the client tried to connect.
        base_url: String,
        /// The transport's error.
        source: Error,
    },
    /// Anything else.
    Other(Error),
}

impl fmt::Display for ConnectionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionProblem::BadToken { message } => write!(
                f,
                "the token was refused (401: {message}): create a new personal token, or reconnect the app"
            ),
            ConnectionProblem::WrongDomainPrefix { base_url } => write!(
                f,
                "{base_url} has no X-Series store: check the domain prefix (`mystore` of https://mystore.retail.lightspeed.app/)"
            ),
            ConnectionProblem::MissingScope { scope, message } => match scope {
                Some(scope) => write!(
                    f,
                    "the token lacks the scope `{scope}` (403: {message}); reconnect the app with it"
                ),
                None => write!(
                    f,
                    "the token lacks a scope (403: {message}); reconnect the app with the scopes it needs"
                ),
            },
            ConnectionProblem::Unreachable { base_url, source } => write!(
                f,
                "cannot reach {base_url}: check the domain prefix (a wrong one is a host that does not exist), DNS and the network ({source})"
            ),
            ConnectionProblem::Other(error) => write!(f, "the connection test failed: {error}"),
        }
    }
}

impl std::error::Error for ConnectionProblem {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConnectionProblem::Unreachable { source, .. } | ConnectionProblem::Other(source) => {
                Some(source)
            }
            _ => None,
        }
    }
}

impl Client {
    /// Reads `/api/2.0/retailer` (scope `retailer:read`) and says what is wrong if it fails.
    pub async fn test_connection(&self) -> Result<ConnectionInfo, ConnectionProblem> {
        let base_url = self.http().base_url().as_str().to_owned();
        match self.retailer().await {
            Ok(retailer) => Ok(ConnectionInfo {
                store_name: retailer.name,
                domain_prefix: retailer.domain_prefix,
                tax_exclusive: retailer.tax_exclusive,
                base_url,
            }),
            Err(error) => Err(match error.kind() {
                ErrorKind::Unauthenticated => ConnectionProblem::BadToken {
                    message: error.api_message().unwrap_or("unauthorized").to_owned(),
                },
                ErrorKind::PermissionDenied => {
                    let scope = match &error {
                        Error::Api(lightspeed_core::Error::PermissionDenied {
                            permission, ..
                        }) => permission.clone().or_else(|| Some("retailer:read".into())),
                        _ => None,
                    };
                    ConnectionProblem::MissingScope {
                        scope,
                        message: error.api_message().unwrap_or("forbidden").to_owned(),
                    }
                }
                ErrorKind::NotFound => ConnectionProblem::WrongDomainPrefix { base_url },
                ErrorKind::Transport | ErrorKind::Timeout => ConnectionProblem::Unreachable {
                    base_url,
                    source: error,
                },
                _ => ConnectionProblem::Other(error),
            }),
        }
    }
}
