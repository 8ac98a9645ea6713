//! The API's extractors: axum's `Json`, `Query`, `Path` and `Multipart`,
//! whose refusals answer like every other API error
//! (`{"error": {"code", "message"}}`, 400 or 422) instead of axum's plain
//! text, so that every API answer is the one documented.

use crate::error::{ApiError, AppError};
use axum::{
    extract::{
        rejection::{JsonRejection, PathRejection, QueryRejection},
        FromRequest, FromRequestParts, Request,
    },
    http::{request::Parts, StatusCode},
    response::{IntoResponse, Response},
};
use serde::{de::DeserializeOwned, Serialize};

/// A JSON body in, or a JSON answer out.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

/// A JSON body that failed to parse: 422 for well-formed JSON with wrong
/// values (negative numbers, unknown fields), 400 for anything else
/// (malformed JSON, no `Content-Type: application/json`).
fn json_refused(e: JsonRejection) -> AppError {
    match e.status() {
        StatusCode::UNPROCESSABLE_ENTITY => AppError::Invalid(e.body_text()),
        // A body sent without a declared length that outgrows the limit.
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge(crate::routes::BODY_LIMIT as u64),
        _ => AppError::BadRequest(e.body_text()),
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Through a `Value` first: JSON Schema counts `30.0` as an integer,
        // so integral numbers written as floats are taken as integers here,
        // in one place, for every body the API reads.
        let axum::Json(value) = axum::Json::<serde_json::Value>::from_request(req, state)
            .await
            .map_err(|e| ApiError(json_refused(e)))?;
        from_value(value).map(Json)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::OptionalFromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        let value =
            <axum::Json<serde_json::Value> as axum::extract::OptionalFromRequest<S>>::from_request(
                req, state,
            )
            .await
            .map_err(|e| ApiError(json_refused(e)))?;
        match value {
            Some(axum::Json(value)) => from_value(value).map(|v| Some(Json(v))),
            None => Ok(None),
        }
    }
}

/// A parsed body as `T`: 422 with serde's reason when it does not fit.
fn from_value<T: DeserializeOwned>(mut value: serde_json::Value) -> Result<T, ApiError> {
    integral_floats_as_integers(&mut value);
    // Named like axum's own refusals: the field's path, then the reason.
    serde_path_to_error::deserialize(value).map_err(|e| {
        ApiError(AppError::Invalid(format!(
            "Failed to deserialize the JSON body into the target type: {e}"
        )))
    })
}

fn integral_floats_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64() {
                // Exactly representable integers only (|f| < 2^53).
                if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
                    *value = Value::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        Value::Object(map) => map.values_mut().for_each(integral_floats_as_integers),
        _ => {}
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// A query string.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Query(v))
            .map_err(|e: QueryRejection| ApiError(AppError::BadRequest(e.body_text())))
    }
}

/// Path parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(|e: PathRejection| ApiError(AppError::BadRequest(e.body_text())))
    }
}

/// A multipart body (read by `crate::upload`).
pub struct Multipart(pub axum::extract::Multipart);

impl<S: Send + Sync> FromRequest<S> for Multipart {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Multipart::from_request(req, state)
            .await
            .map(Multipart)
            .map_err(|e| ApiError(AppError::BadRequest(e.body_text())))
    }
}
