//! Identity's errors. `rampart-app` turns each into its own variant of
//! the same name (the web layer then maps those to statuses in one place).

use rampart_store::SessionStage;
use std::time::Duration;

/// Why an identity operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No valid session or token.
    #[error("authentication required")]
    Unauthenticated,
    /// Wrong email or password (never says which).
    #[error("invalid email or password")]
    BadCredentials,
    /// The right password of a suspended account; whom to contact.
    #[error("this account is locked; contact {0} to have it reviewed")]
    AccountLocked(String),
    /// An unsafe request without its session's CSRF token.
    #[error("missing or invalid CSRF token")]
    Csrf,
    /// Known, but not allowed.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The session must finish signing in first.
    #[error("finish signing in first ({})", crate::stage::status_of(*.0))]
    SignInIncomplete(SessionStage),
    /// A wrong, malformed or already used second-factor code.
    #[error("invalid or already used code")]
    BadSecondFactor,
    /// Does not exist, or the caller may not know it does.
    #[error("not found")]
    NotFound,
    /// Malformed input.
    #[error("{0}")]
    BadRequest(String),
    /// Well-formed input with a wrong value.
    #[error("{0}")]
    Invalid(String),
    /// Already exists.
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// Cannot be done in the current state (no passkey to use, a ceremony
    /// that is unknown or over, a server not set up for it).
    #[error("{0}")]
    Precondition(String),
    /// Throttled; try again after this long.
    #[error("too many requests")]
    TooManyRequests(Duration),
    /// The database does not answer (the cause goes to the log); the
    /// request may succeed later.
    #[error("{0} is unavailable; try again shortly")]
    Unavailable(&'static str),
    /// Anything else; the cause goes to the log only.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<rampart_store::Error> for Error {
    fn from(e: rampart_store::Error) -> Self {
        match e {
            rampart_store::Error::Conflict(what) => Error::Conflict(what),
            rampart_store::Error::NotFound(_) => Error::NotFound,
            e if e.is_unavailable() => {
                tracing::error!(cause = %e, "the database does not answer");
                Error::Unavailable("the database")
            }
            other => Error::Internal(other.into()),
        }
    }
}

impl From<rampart_domain::Error> for Error {
    fn from(e: rampart_domain::Error) -> Self {
        Error::Invalid(e.to_string())
    }
}
