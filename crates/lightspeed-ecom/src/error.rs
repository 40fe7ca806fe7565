//! The crate's error: core's API errors, plus what only eCom can say (an unknown language,
//! a webhook that fails verification).

use lightspeed_core::{ErrorKind, RequestInfo};

/// The result of this crate's calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong with the eCom client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered 404 "Unknown or inactive language": the language in the URL is not
    /// active in this shop. Check the client's language (or the per-call override) against
    /// the shop's languages (back office: Settings > Languages).
    #[error(
        "{request}: the language `{language}` is unknown or inactive in this shop; use one of the shop's active languages (Settings > Languages)"
    )]
    UnknownLanguage {
        /// The request that failed.
        request: RequestInfo,
        /// The language code that was used.
        language: String,
        /// The API's error.
        #[source]
        source: Box<lightspeed_core::Error>,
    },

    /// An API or transport error (see [`lightspeed_core::Error`]).
    #[error(transparent)]
    Api(#[from] lightspeed_core::Error),

    /// An incoming webhook's `X-Signature` did not match its body.
    #[error("webhook signature mismatch: {reason}")]
    WebhookSignature {
        /// What was wrong (missing header, wrong length, no secret matched).
        reason: String,
    },

    /// An incoming webhook's body could not be read.
    #[error("could not read the webhook body at `{path}`: {source}")]
    WebhookBody {
        /// The JSON path of the offending value.
        path: String,
        /// The decoder's error.
        #[source]
        source: serde_json::Error,
    },

    /// The client was configured wrongly (language, base URL, credentials).
    #[error("configuration error: {message}")]
    Config {
        /// What is wrong and how to fix it.
        message: String,
    },
}

impl Error {
    /// A coarse classification; an unknown language is a [`ErrorKind::NotFound`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::UnknownLanguage { .. } => ErrorKind::NotFound,
            Error::Api(e) => e.kind(),
            Error::WebhookSignature { .. } => ErrorKind::Unauthenticated,
            Error::WebhookBody { .. } => ErrorKind::Decode,
            Error::Config { .. } => ErrorKind::Config,
        }
    }

    /// Whether trying the same call again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => e.is_retryable(),
            _ => false,
        }
    }

    /// The API's own message, when the API answered with one.
    pub fn api_message(&self) -> Option<&str> {
        match self {
            Error::UnknownLanguage { source, .. } => source.api_message(),
            Error::Api(e) => e.api_message(),
            _ => None,
        }
    }

    /// The core error underneath, for API errors.
    pub fn as_api(&self) -> Option<&lightspeed_core::Error> {
        match self {
            Error::UnknownLanguage { source, .. } => Some(source),
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
        }
    }

    /// Turns core's 404 "Unknown or inactive language" into [`Error::UnknownLanguage`].
    pub(crate) fn from_core(error: lightspeed_core::Error) -> Self {
        if let lightspeed_core::Error::NotFound { request, message } = &error
            && message
                .to_ascii_lowercase()
                .contains("unknown or inactive language")
        {
            let language = request
                .path
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            return Error::UnknownLanguage {
                request: request.clone(),
                language,
                source: Box::new(error),
            };
        }
        Error::Api(error)
    }
}
