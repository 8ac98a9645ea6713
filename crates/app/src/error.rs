//! One error type for every use case. The web crate maps each variant to
//! an HTTP status in one place; the CLI prints it.

use std::time::Duration;

/// Everything a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No valid credential.
    #[error("authentication required")]
    Unauthenticated,
    /// Wrong email or password.
    #[error("invalid email or password")]
    BadCredentials,
    /// The right password of a locked (suspended) account; names whom to
    /// contact (`[identity] locked_contact`). Only ever answered after the
    /// password was verified, so it tells a guesser nothing.
    #[error("this account is locked; contact {0} to have it reviewed")]
    AccountLocked(String),
    /// A cookie-authenticated unsafe request without a valid CSRF token.
    #[error("missing or invalid CSRF token")]
    Csrf,
    /// Visible but not allowed.
    #[error("{0}")]
    Forbidden(&'static str),
    /// A session part-way through sign-in asked for something its stage
    /// does not allow.
    #[error("finish signing in first ({})", crate::identity::stage::status_of(*.0))]
    SignInIncomplete(rampart_store::SessionStage),
    /// A wrong, malformed or already used second-factor code.
    #[error("invalid or already used code")]
    BadSecondFactor,
    /// Does not exist, or may not be known to exist.
    #[error("not found")]
    NotFound,
    /// Malformed request.
    #[error("{0}")]
    BadRequest(String),
    /// Well-formed but semantically invalid input.
    #[error("{0}")]
    Invalid(String),
    /// Unique value already taken.
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// Body over the limit.
    #[error("content exceeds the limit of {0} bytes")]
    TooLarge(u64),
    /// The client stopped sending the request body.
    #[error("the request body stalled; send it without pausing")]
    RequestTimeout,
    /// Slow down.
    #[error("too many requests")]
    TooManyRequests(Duration),
    /// The exfiltration guard asks the account to prove it is its owner
    /// again: with its second factor, or its password where the account is
    /// exempt from one. One message for both, since the client does not
    /// know which the account is (the page at `/account/confirm` says).
    #[error("confirm it is you with your second factor to continue (accounts exempt from one: with the password)")]
    StepUpRequired,
    /// Cannot be done in the current state.
    #[error("{0}")]
    Precondition(String),
    /// A request with two credentials (a session cookie and a bearer
    /// token): refused whatever either is worth.
    #[error("send one credential: a session cookie or an Authorization header, not both")]
    AmbiguousCredentials,
    /// A backend this request needs (the database, the blob store) does
    /// not answer; the cause goes to the log.
    #[error("{0} is unavailable; try again shortly")]
    Unavailable(&'static str),
    /// Anything else; details only in the log.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthenticated => "unauthenticated",
            Error::BadCredentials => "bad_credentials",
            Error::AccountLocked(_) => "account_locked",
            Error::Csrf => "csrf",
            Error::Forbidden(_) => "forbidden",
            Error::SignInIncomplete(_) => "sign_in_incomplete",
            Error::BadSecondFactor => "bad_second_factor",
            Error::NotFound => "not_found",
            Error::BadRequest(_) => "bad_request",
            Error::Invalid(_) => "invalid",
            Error::Conflict(_) => "conflict",
            Error::TooLarge(_) => "too_large",
            Error::RequestTimeout => "request_timeout",
            Error::TooManyRequests(_) => "throttled",
            Error::StepUpRequired => "step_up_required",
            Error::Unavailable(_) => "unavailable",
            Error::Precondition(_) => "precondition",
            Error::AmbiguousCredentials => "ambiguous_credentials",
            Error::Internal(_) => "internal",
        }
    }
}

impl From<rampart_identity::Error> for Error {
    fn from(e: rampart_identity::Error) -> Self {
        use rampart_identity::Error as I;
        match e {
            I::Unauthenticated => Error::Unauthenticated,
            I::BadCredentials => Error::BadCredentials,
            I::AccountLocked(contact) => Error::AccountLocked(contact),
            I::Csrf => Error::Csrf,
            I::Forbidden(why) => Error::Forbidden(why),
            I::SignInIncomplete(stage) => Error::SignInIncomplete(stage),
            I::BadSecondFactor => Error::BadSecondFactor,
            I::NotFound => Error::NotFound,
            I::BadRequest(why) => Error::BadRequest(why),
            I::Invalid(why) => Error::Invalid(why),
            I::Conflict(what) => Error::Conflict(what),
            I::TooManyRequests(after) => Error::TooManyRequests(after),
            I::Precondition(why) => Error::Precondition(why),
            I::Unavailable(what) => Error::Unavailable(what),
            I::Internal(e) => Error::Internal(e),
        }
    }
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

impl From<rampart_blobs::Error> for Error {
    fn from(e: rampart_blobs::Error) -> Self {
        match e {
            rampart_blobs::Error::TooLarge { limit } => Error::TooLarge(limit),
            rampart_blobs::Error::Remote(cause) => {
                tracing::error!(%cause, "the blob store does not answer");
                Error::Unavailable("the blob store")
            }
            other => Error::Internal(other.into()),
        }
    }
}
