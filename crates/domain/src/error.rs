//! Why a value was refused, phrased for the person who sent it.

/// A value that does not satisfy the domain's rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The input is malformed; the message says which field and why.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field (or argument) that was refused.
        field: &'static str,
        /// A human-readable reason, never echoing secrets.
        reason: String,
    },
}

impl Error {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field,
            reason: reason.into(),
        }
    }
}

/// Result alias for domain parsing.
pub type Result<T, E = Error> = std::result::Result<T, E>;
