//! `Client::test_connection`: checks credentials, cluster or host, language and permissions,
//! and names the one that is wrong.

use std::fmt;

use lightspeed_core::ErrorKind;

use crate::client::Client;
use crate::error::Error;
use crate::model::{Access, AccountPermissions, ShopId};

/// What a successful connection test found.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ConnectionInfo {
    /// The shop's id.
    pub shop_id: ShopId,
    /// The shop's main domain.
    pub shop_domain: Option<String>,
    /// The language requests are made in.
    pub language: String,
    /// The base URL requests go to.
    pub base_url: String,
    /// What the key may read and write.
    pub permissions: AccountPermissions,
}

/// Why a connection test failed, with what to do about it.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectionProblem {
    /// 401: the API key or secret is wrong (or the key was deleted).
    BadCredentials {
        /// The API's message.
        message: String,
    },
    /// The host could not be reached: wrong cluster or base URL, DNS, firewall.
    Unreachable {
        /// Where the client tried to connect.
        base_url: String,
        /// The transport's error.
        source: Error,
    },
    /// The key lacks permissions the caller needs (`products:write`...).
    MissingPermission {
        /// The missing permissions, as `area:access`.
        missing: Vec<String>,
        /// The API's message, when a call was refused (403).
        message: Option<String>,
    },
    /// The language is not active in the shop.
    UnknownLanguage {
        /// The language used.
        language: String,
    },
    /// Anything else (a server error, an unexpected answer).
    Other(Error),
}

impl fmt::Display for ConnectionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionProblem::BadCredentials { message } => write!(
                f,
                "the API key or secret is wrong (401: {message}); copy both again from the back office (Settings > Developers > API keys)"
            ),
            ConnectionProblem::Unreachable { base_url, source } => write!(
                f,
                "cannot reach {base_url}: check the cluster (eu1 = api.webshopapp.com, us1 = api.shoplightspeed.com) or the base URL, and the network ({source})"
            ),
            ConnectionProblem::MissingPermission { missing, message } => {
                write!(
                    f,
                    "the API key lacks the permission(s) {}; enable them for the key in the back office (Settings > Developers > API keys)",
                    missing.join(", ")
                )?;
                if let Some(message) = message {
                    write!(f, " (403: {message})")?;
                }
                Ok(())
            }
            ConnectionProblem::UnknownLanguage { language } => write!(
                f,
                "the language `{language}` is unknown or inactive in this shop; use one of its active languages (Settings > Languages)"
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
    /// Checks the connection with read access to products (see
    /// [`test_connection_for`](Self::test_connection_for)).
    pub async fn test_connection(&self) -> Result<ConnectionInfo, ConnectionProblem> {
        self.test_connection_for(&[("products", Access::Read)])
            .await
    }

    /// Checks credentials, host, language and the permissions a job needs (e.g.
    /// `[("products", Access::Write)]` for a catalog sync) with two calls:
    /// `account/permissions` and `shop`.
    pub async fn test_connection_for(
        &self,
        needed: &[(&str, Access)],
    ) -> Result<ConnectionInfo, ConnectionProblem> {
        let permissions = self
            .account_permissions()
            .await
            .map_err(|e| self.problem(e, None))?;
        let missing = permissions.missing(needed);
        if !missing.is_empty() {
            return Err(ConnectionProblem::MissingPermission {
                missing,
                message: None,
            });
        }
        let shop = self
            .shop()
            .await
            .map_err(|e| self.problem(e, Some(&permissions)))?;
        Ok(ConnectionInfo {
            shop_id: shop.id,
            shop_domain: shop.main_domain,
            language: self.language().to_string(),
            base_url: self.http().base_url().as_str().to_owned(),
            permissions,
        })
    }

    fn problem(&self, error: Error, permissions: Option<&AccountPermissions>) -> ConnectionProblem {
        match (&error, error.kind()) {
            (Error::UnknownLanguage { language, .. }, _) => ConnectionProblem::UnknownLanguage {
                language: language.clone(),
            },
            (_, ErrorKind::Unauthenticated) => ConnectionProblem::BadCredentials {
                message: error.api_message().unwrap_or("unauthorized").to_owned(),
            },
            (_, ErrorKind::PermissionDenied) => {
                let mut missing = permissions
                    .map(|p| p.missing(&[("settings", Access::Read)]))
                    .unwrap_or_default();
                if let Error::Api(lightspeed_core::Error::PermissionDenied {
                    permission: Some(named),
                    ..
                }) = &error
                {
                    missing.push(named.clone());
                }
                if missing.is_empty() {
                    missing.push("(not named by the API)".into());
                }
                ConnectionProblem::MissingPermission {
                    missing,
                    message: error.api_message().map(str::to_owned),
                }
            }
            (_, ErrorKind::Transport | ErrorKind::Timeout) => ConnectionProblem::Unreachable {
                base_url: self.http().base_url().as_str().to_owned(),
                source: error,
            },
            _ => ConnectionProblem::Other(error),
        }
    }
}
