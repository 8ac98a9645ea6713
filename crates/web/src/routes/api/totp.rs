//! Enrolling a TOTP second factor: the secret being enrolled, and its
//! confirmation with a first code (which returns the recovery codes once).

use super::session::CodeRequest;
use crate::{
    auth::{self, SigningIn},
    error::ApiError,
    state::AppState,
};
use axum::{
    extract::State,
    http::{header, HeaderMap},
    response::{IntoResponse, Response},
    Json,
};
use rampart_app::{identity::sign_in, Origin};
use serde::Deserialize;

/// `POST /api/v1/account/totp` body (optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeginTotpRequest {
    /// Replace the pending secret by a new one.
    #[serde(default)]
    new: bool,
}

/// `POST /api/v1/account/totp`: the secret being enrolled, `{secret, uri}`;
/// the same one on every call from this session until it is confirmed, or
/// a new one with `{"new": true}` (the old one then stops working).
pub async fn begin_totp(
    State(state): State<AppState>,
    client: Origin,
    SigningIn(user): SigningIn,
    body: Option<Json<BeginTotpRequest>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Json(body) = body.unwrap_or_default();
    let key = if body.new {
        sign_in::EnrollmentKey::New
    } else {
        sign_in::EnrollmentKey::Pending
    };
    let e = sign_in::begin_enrollment(&state, &user, &client, key).await?;
    Ok(Json(serde_json::json!({"secret": e.secret, "uri": e.uri})))
}

/// `POST /api/v1/account/totp/confirm`: completes enrollment; the answer
/// carries the recovery codes, shown this once.
pub async fn confirm_totp(
    State(state): State<AppState>,
    client: Origin,
    SigningIn(user): SigningIn,
    Json(body): Json<CodeRequest>,
) -> Result<Response, ApiError> {
    let (signed, codes) = sign_in::confirm_enrollment(&state, &user, &client, &body.code).await?;
    let mut body = signed.body();
    body["recovery_codes"] = serde_json::json!(codes);
    let mut headers = HeaderMap::new();
    headers.insert(
        header::SET_COOKIE,
        auth::session_cookie(&state, &signed.secret)?,
    );
    Ok((headers, Json(body)).into_response())
}
