//! One error type for every handler, mapped to an HTTP status in one place.
//! API routes answer `{"error": {"code", "message"}}`; pages show an error
//! page with only the request id. The full cause chain goes to the log with
//! the same request id, never to the client.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use std::time::Duration;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
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
    #[error("finish signing in first ({})", crate::auth::stage::status_of(*.0))]
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
    /// Anything else; details only in the log.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated
            | AppError::BadCredentials
            | AppError::BadSecondFactor
            | AppError::StepUpRequired => StatusCode::UNAUTHORIZED,
            AppError::Csrf
            | AppError::Forbidden(_)
            | AppError::SignInIncomplete(_)
            | AppError::AccountLocked(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::BadCredentials => "bad_credentials",
            AppError::AccountLocked(_) => "account_locked",
            AppError::Csrf => "csrf",
            AppError::Forbidden(_) => "forbidden",
            AppError::SignInIncomplete(_) => "sign_in_incomplete",
            AppError::BadSecondFactor => "bad_second_factor",
            AppError::NotFound => "not_found",
            AppError::BadRequest(_) => "bad_request",
            AppError::Invalid(_) => "invalid",
            AppError::Conflict(_) => "conflict",
            AppError::TooLarge(_) => "too_large",
            AppError::RequestTimeout => "request_timeout",
            AppError::TooManyRequests(_) => "throttled",
            AppError::StepUpRequired => "step_up_required",
            AppError::Internal(_) => "internal",
        }
    }

    fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => format!(
                "internal error; quote request id {}",
                crate::middleware::current_request_id()
            ),
            other => other.to_string(),
        }
    }

    fn log(&self) {
        let request_id = crate::middleware::current_request_id();
        if let AppError::Internal(e) = self {
            tracing::error!(%request_id, error = format!("{e:#}"), "request failed");
        } else {
            tracing::debug!(%request_id, code = self.code(), "request refused");
        }
    }

    fn retry_after(&self, response: &mut Response) {
        if let AppError::TooManyRequests(after) = self {
            let secs = after.as_secs().max(1).to_string();
            if let Ok(v) = HeaderValue::from_str(&secs) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
    }
}

impl From<rampart_store::Error> for AppError {
    fn from(e: rampart_store::Error) -> Self {
        match e {
            rampart_store::Error::Conflict(what) => AppError::Conflict(what),
            rampart_store::Error::NotFound(_) => AppError::NotFound,
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<rampart_domain::Error> for AppError {
    fn from(e: rampart_domain::Error) -> Self {
        AppError::Invalid(e.to_string())
    }
}

impl From<rampart_blobs::Error> for AppError {
    fn from(e: rampart_blobs::Error) -> Self {
        match e {
            rampart_blobs::Error::TooLarge { limit } => AppError::TooLarge(limit),
            other => AppError::Internal(other.into()),
        }
    }
}

impl AppError {
    /// The answer for a request to `path` that no handler renders: JSON
    /// under `/api/`, an error page elsewhere.
    pub(crate) fn respond_to(self, path: &str) -> Response {
        if path.starts_with("/api/") {
            self.into_response()
        } else {
            PageError(self).into_response()
        }
    }
}

/// JSON rendering, used by API routes.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let body =
            serde_json::json!({"error": {"code": self.code(), "message": self.public_message()}});
        let mut response = (self.status(), Json(body)).into_response();
        self.retry_after(&mut response);
        response
    }
}

/// The same errors rendered as an HTML page, used by web UI routes.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let error = self.0;
        error.log();
        if matches!(error, AppError::Unauthenticated) {
            return axum::response::Redirect::to("/login").into_response();
        }
        if matches!(error, AppError::StepUpRequired) {
            return axum::response::Redirect::to("/account/confirm").into_response();
        }
        if let AppError::SignInIncomplete(stage) = error {
            return axum::response::Redirect::to(crate::auth::stage::page_of(stage))
                .into_response();
        }
        let status = error.status();
        let message = match &error {
            AppError::Internal(_) => "Something went wrong on our side.".to_owned(),
            AppError::NotFound => "There is nothing here.".to_owned(),
            other => other.to_string(),
        };
        let page = crate::routes::pages::ErrorPage {
            status: status.as_u16(),
            message,
            request_id: crate::middleware::current_request_id(),
        };
        let mut response = (status, crate::routes::pages::render(&page)).into_response();
        error.retry_after(&mut response);
        response
    }
}
