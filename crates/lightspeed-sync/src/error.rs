//! The sync's errors: [`Error`] for what stops a run, [`TargetError`] for what a target (or a
//! sale sink) answers about one write, with the classification the executor acts on.
//!
//! Both keep the error they come from as their [`source`](std::error::Error::source), so a
//! caller can walk the chain down to the HTTP status or the SQLite code.

use std::sync::Arc;

/// The error a [`TargetError`] or [`Error`] was made from.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// How a target's error affects a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// The target refused this item (validation): the item fails with the API's message, the
    /// run goes on, and the next run tries again.
    Rejected,
    /// The target could not be reached or kept failing after retries: the item stays pending
    /// for the next run, the run goes on.
    Transient,
    /// Credentials, permissions or configuration: nothing else would succeed, the run stops.
    Fatal,
}

/// An error from a catalog target or a sale sink about one operation.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct TargetError {
    /// What the executor should do about it.
    pub class: ErrorClass,
    /// The message, with the API's own words where it gave some.
    pub message: String,
    /// The error it comes from (shared, so that a report can be cloned).
    #[source]
    pub source: Option<Arc<dyn std::error::Error + Send + Sync + 'static>>,
}

impl PartialEq for TargetError {
    /// Errors compare by class and message; their sources are not compared.
    fn eq(&self, other: &Self) -> bool {
        self.class == other.class && self.message == other.message
    }
}

impl TargetError {
    fn new(class: ErrorClass, message: impl Into<String>) -> Self {
        Self {
            class,
            message: message.into(),
            source: None,
        }
    }

    /// A refused item.
    pub fn rejected(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Rejected, message)
    }

    /// A failure worth retrying later.
    pub fn transient(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Transient, message)
    }

    /// A failure that stops the run.
    pub fn fatal(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Fatal, message)
    }

    /// The same error, with `source` as its cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// The class of a core client error: validation, conflict, not-found and a body too large
    /// (413) are the item's;
    /// authentication, permission and configuration stop the run; the rest is transient.
    pub fn class_of(error: &lightspeed_core::Error) -> ErrorClass {
        use lightspeed_core::ErrorKind::*;
        match error.kind() {
            Validation | Conflict | NotFound | PayloadTooLarge | Encode | Decode => {
                ErrorClass::Rejected
            }
            Unauthenticated | PermissionDenied | Config => ErrorClass::Fatal,
            _ => ErrorClass::Transient,
        }
    }

    /// Classifies a core client error, keeping it as the source.
    pub fn from_core(error: lightspeed_core::Error) -> Self {
        Self::new(Self::class_of(&error), error.to_string()).with_source(error)
    }

    /// Whether the next run may succeed where this one failed without anything changing.
    pub fn is_retryable(&self) -> bool {
        self.class == ErrorClass::Transient
    }

    /// Classifies an eCom client error (feature `ecom`): by its API answer when it has one;
    /// an unknown language stops the run; anything else is transient when the client says it
    /// is retryable, else the item's.
    #[cfg(feature = "ecom")]
    pub fn from_ecom(error: lightspeed_ecom::Error) -> Self {
        let class = match &error {
            lightspeed_ecom::Error::Api(core) => Self::class_of(core),
            lightspeed_ecom::Error::UnknownLanguage { .. } => ErrorClass::Fatal,
            e if e.is_retryable() => ErrorClass::Transient,
            _ => ErrorClass::Rejected,
        };
        Self::new(class, error.to_string()).with_source(error)
    }

    /// Classifies an X-Series client error (feature `xseries`): by its API answer when it has
    /// one, anything else is transient.
    #[cfg(feature = "xseries")]
    pub fn from_xseries(error: lightspeed_xseries::Error) -> Self {
        let class = match &error {
            lightspeed_xseries::Error::Api(core) => Self::class_of(core),
            _ => ErrorClass::Transient,
        };
        Self::new(class, error.to_string()).with_source(error)
    }
}

/// What kind of failure stopped a run, for callers that branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The source could not be read at all.
    Source,
    /// The mapping does not compile against the target's schema.
    Mapping,
    /// The state store failed.
    State,
    /// The target failed in a way that stops the run.
    Target,
    /// A plan cannot be applied.
    Plan,
}

/// Everything that can stop a sync (problems with single items are reported, not raised).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A source could not be read at all (a missing file, an unknown format).
    #[error("source {name}: {message}")]
    Source {
        /// The source (a file path).
        name: String,
        /// What went wrong.
        message: String,
        /// The error it comes from.
        #[source]
        source: Option<BoxError>,
    },
    /// The mapping does not compile against the target's schema; each error names its rule
    /// path.
    #[error("mapping: {0}")]
    Mapping(#[source] lightspeed_mapping::CompileErrors),
    /// The state store failed; the message names its file.
    #[error("state store {path}: {message}")]
    State {
        /// The store's file (`:memory:` for one in memory).
        path: String,
        /// What went wrong.
        message: String,
        /// The error it comes from (SQLite's, or a record that does not decode).
        #[source]
        source: Option<BoxError>,
    },
    /// The target failed in a way that stops the run (credentials, permissions).
    #[error("target: {0}")]
    Target(#[from] TargetError),
    /// A plan cannot be applied (another format version, another target, a hand edit that
    /// does not hold together).
    #[error("plan: {0}")]
    Plan(String),
}

impl Error {
    /// What kind of failure it is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Source { .. } => ErrorKind::Source,
            Error::Mapping(_) => ErrorKind::Mapping,
            Error::State { .. } => ErrorKind::State,
            Error::Target(_) => ErrorKind::Target,
            Error::Plan(_) => ErrorKind::Plan,
        }
    }

    /// Whether running again unchanged may succeed (the target was unreachable); a source, a
    /// mapping, a plan or credentials need fixing first.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Target(e) => e.is_retryable(),
            _ => false,
        }
    }

    /// A source error with its cause.
    pub fn source_error(
        name: impl Into<String>,
        message: impl Into<String>,
        source: Option<BoxError>,
    ) -> Self {
        Error::Source {
            name: name.into(),
            message: message.into(),
            source,
        }
    }

    /// A state store error with its cause.
    pub fn state(
        path: impl Into<String>,
        message: impl Into<String>,
        source: Option<BoxError>,
    ) -> Self {
        Error::State {
            path: path.into(),
            message: message.into(),
            source,
        }
    }
}

/// The sync's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn the_source_chain_is_kept_and_classified() {
        let io = std::io::Error::other("disk full");
        let e = Error::state("state.db", "cannot write", Some(Box::new(io)));
        assert_eq!(e.kind(), ErrorKind::State);
        assert!(!e.is_retryable());
        assert_eq!(e.to_string(), "state store state.db: cannot write");
        assert_eq!(e.source().unwrap().to_string(), "disk full");

        let t = TargetError::transient("502").with_source(std::io::Error::other("bad gateway"));
        assert!(t.is_retryable());
        let e = Error::from(t.clone());
        assert!(e.is_retryable());
        assert_eq!(e.kind(), ErrorKind::Target);
        let inner = e.source().and_then(|s| s.source()).unwrap();
        assert_eq!(inner.to_string(), "bad gateway");
        assert_eq!(t, TargetError::transient("502"));
    }

    #[test]
    fn a_body_too_large_is_the_items_fault_with_the_apis_message() {
        // reqwest (a dev-dependency) re-exports the `http` types the core's API takes.
        let core = lightspeed_core::Error::from_response(
            lightspeed_core::RequestInfo::new(reqwest::Method::POST, "nl/products.json"),
            reqwest::StatusCode::PAYLOAD_TOO_LARGE,
            &reqwest::header::HeaderMap::new(),
            br#"{"error":{"code":413,"message":"Request entity too large"}}"#,
            None,
        );
        let e = TargetError::from_core(core);
        assert_eq!(e.class, ErrorClass::Rejected);
        assert!(!e.is_retryable());
        assert!(
            e.message.contains("Request entity too large"),
            "{}",
            e.message
        );
    }
}
