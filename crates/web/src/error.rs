//! The one mapping from application errors to HTTP: a status per
//! [`AppError`] variant, `{"error": {"code", "message"}}` for API routes,
//! an error page (or a redirect to where sign-in continues) for pages. The
//! full cause chain goes to the log with the request id, never to the
//! client.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
pub use rampart_app::Error as AppError;
use serde::Serialize;
use utoipa::ToSchema;

/// Every refusal and failure of the JSON API.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The error itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable code to branch on: `not_found`, `unauthenticated`,
    /// `step_up_required`, `too_many_requests`, …
    pub code: &'static str,
    /// For people; an internal error quotes the request id instead of its
    /// cause.
    pub message: String,
}

/// An application error answered as JSON (API routes).
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

/// The HTTP status of each application error.
pub fn status(error: &AppError) -> StatusCode {
    match error {
        AppError::Unauthenticated
        | AppError::BadCredentials
        | AppError::BadSecondFactor
        | AppError::StepUpRequired
        | AppError::AmbiguousCredentials => StatusCode::UNAUTHORIZED,
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
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Precondition(_) => StatusCode::CONFLICT,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn public_message(error: &AppError) -> String {
    match error {
        AppError::Internal(_) => format!(
            "internal error; quote request id {}",
            crate::middleware::current_request_id()
        ),
        other => other.to_string(),
    }
}

fn log(error: &AppError) {
    let request_id = crate::middleware::current_request_id();
    if let AppError::Internal(e) = error {
        tracing::error!(%request_id, error = format!("{e:#}"), "request failed");
    } else {
        tracing::debug!(%request_id, code = error.code(), "request refused");
    }
}

fn retry_after(error: &AppError, response: &mut Response) {
    if let AppError::TooManyRequests(after) = error {
        let secs = after.as_secs().max(1).to_string();
        if let Ok(v) = HeaderValue::from_str(&secs) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
}

/// The answer for a request to `path` that no handler renders: JSON
/// under `/api/`, an error page elsewhere.
pub(crate) fn respond_to(error: AppError, path: &str) -> Response {
    if path.starts_with("/api/") {
        ApiError(error).into_response()
    } else {
        PageError(error).into_response()
    }
}

/// JSON rendering, used by API routes.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error = self.0;
        log(&error);
        let body = ErrorBody {
            error: ErrorDetail {
                code: error.code(),
                message: public_message(&error),
            },
        };
        let mut response = (status(&error), Json(body)).into_response();
        retry_after(&error, &mut response);
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

/// A refused extractor (`Authenticated`, `SigningIn`) on a page: rendered
/// as a page, not as JSON.
impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError(e.0)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let error = self.0;
        log(&error);
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
        let status = status(&error);
        let message = match &error {
            AppError::Internal(_) => "Something went wrong on our side.".to_owned(),
            AppError::NotFound => "There is nothing here.".to_owned(),
            other => other.to_string(),
        };
        let page = crate::routes::pages::ErrorPage {
            status: status.as_u16(),
            message,
            request_id: crate::middleware::current_request_id(),
            nav: crate::middleware::signed_in(),
        };
        let mut response = (status, crate::routes::pages::render(&page)).into_response();
        retry_after(&error, &mut response);
        response
    }
}
