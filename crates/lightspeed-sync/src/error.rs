//! The sync's errors, with the classification the executor acts on.

/// How an error affects a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// The target refused this item (validation): the item fails with the API's message, the
    /// run goes on.
    Rejected,
    /// The target could not be reached or kept failing after retries: the item stays pending
    /// for the next run, the run goes on.
    Transient,
    /// Credentials, permissions or configuration: nothing else would succeed, the run stops.
    Fatal,
}

/// An error from a catalog target.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct TargetError {
    /// What the executor should do about it.
    pub class: ErrorClass,
    /// The message, with the API's own words where it gave some.
    pub message: String,
}

impl TargetError {
    /// A refused item.
    pub fn rejected(message: impl Into<String>) -> Self {
        Self {
            class: ErrorClass::Rejected,
            message: message.into(),
        }
    }

    /// A failure worth retrying later.
    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            class: ErrorClass::Transient,
            message: message.into(),
        }
    }

    /// A failure that stops the run.
    pub fn fatal(message: impl Into<String>) -> Self {
        Self {
            class: ErrorClass::Fatal,
            message: message.into(),
        }
    }

    /// Classifies a core client error: validation, conflict and not-found are the item's;
    /// authentication, permission and configuration stop the run; the rest is transient.
    pub fn from_core(error: &lightspeed_core::Error) -> Self {
        use lightspeed_core::ErrorKind::*;
        let class = match error.kind() {
            Validation | Conflict | NotFound | Encode | Decode => ErrorClass::Rejected,
            Unauthenticated | PermissionDenied | Config => ErrorClass::Fatal,
            RateLimited | Server | Http | Transport | Timeout | Pagination => ErrorClass::Transient,
            _ => ErrorClass::Transient,
        };
        Self {
            class,
            message: error.to_string(),
        }
    }
}

impl TargetError {
    /// Classifies a client's error: by its core error when it has one (the API answered),
    /// else as `otherwise`. The message is the client's, with the API's own words.
    pub fn from_client(
        core: Option<&lightspeed_core::Error>,
        message: String,
        otherwise: ErrorClass,
    ) -> Self {
        let class = core.map_or(otherwise, |c| Self::from_core(c).class);
        Self { class, message }
    }

    /// Classifies an X-Series client error (anything but an API answer is transient).
    #[cfg(feature = "xseries")]
    pub fn from_xseries(e: &lightspeed_xseries::Error) -> Self {
        let core = match e {
            lightspeed_xseries::Error::Api(core) => Some(core),
            _ => None,
        };
        Self::from_client(core, e.to_string(), ErrorClass::Transient)
    }
}

/// Everything that can stop a sync (per-item problems are reported, not raised).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A source could not be read at all (a missing file, an unknown format).
    #[error("source {source_name}: {message}")]
    Source {
        /// The source (a file path).
        source_name: String,
        /// What went wrong.
        message: String,
    },
    /// The mapping document does not compile; the message names the rule paths.
    #[error("mapping: {0}")]
    Mapping(String),
    /// The state store failed.
    #[error("state store: {0}")]
    State(String),
    /// The target failed in a way that stops the run.
    #[error("target: {0}")]
    Target(TargetError),
    /// A plan cannot be applied (another format version, another target).
    #[error("plan: {0}")]
    Plan(String),
    /// The archive guard stopped the run.
    #[error(
        "refusing to archive {count} of {total} items (more than {max_percent}% of the catalog); check the source, or force it"
    )]
    ArchiveGuard {
        /// Items that would be archived.
        count: usize,
        /// Items known.
        total: usize,
        /// The limit, in percent.
        max_percent: u32,
    },
}

/// The sync's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
