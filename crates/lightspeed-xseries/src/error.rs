//! The crate's error: core's API errors, plus what only X-Series can say (a bad domain prefix,
//! OAuth, webhooks).

use lightspeed_core::ErrorKind;

/// The result of this crate's calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong with the X-Series client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An API or transport error (see [`lightspeed_core::Error`]); it carries the API's message.
    #[error(transparent)]
    Api(#[from] lightspeed_core::Error),

    /// The OAuth token endpoint refused a code or a refresh token.
    #[error("OAuth token request failed: {message}")]
    OAuth {
        /// What the token endpoint said (`invalid_grant`...), or what was wrong with its answer.
        message: String,
        /// The API error underneath, when the endpoint answered with an error status.
        #[source]
        source: Option<Box<lightspeed_core::Error>>,
    },

    /// An incoming webhook's `X-Signature` did not match its body.
    #[error("webhook signature mismatch: {reason}")]
    WebhookSignature {
        /// What was wrong.
        reason: String,
    },

    /// An incoming webhook's form or payload could not be read.
    #[error("could not read the webhook at `{path}`: {message}")]
    WebhookBody {
        /// Where (`payload.balance`, `.` for the form).
        path: String,
        /// What was wrong.
        message: String,
    },

    /// The client was configured wrongly (domain prefix, base URL, token).
    #[error("configuration error: {message}")]
    Config {
        /// What is wrong and how to fix it.
        message: String,
    },
}

impl Error {
    /// A coarse classification.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Api(e) => e.kind(),
            Error::OAuth { .. } | Error::WebhookSignature { .. } => ErrorKind::Unauthenticated,
            Error::WebhookBody { .. } => ErrorKind::Decode,
            Error::Config { .. } => ErrorKind::Config,
        }
    }

    /// Whether trying the same call again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => e.is_retryable(),
            Error::OAuth {
                source: Some(e), ..
            } => e.is_retryable(),
            _ => false,
        }
    }

    /// The API's own message, when the API answered with one.
    pub fn api_message(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.api_message(),
            Error::OAuth {
                source: Some(e), ..
            } => e.api_message(),
            _ => None,
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
        }
    }
}
