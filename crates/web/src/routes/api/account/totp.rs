//! Enrolling a TOTP second factor: `POST /api/v1/account/totp` (the secret
//! being enrolled) and `POST /api/v1/account/totp/confirm` (a first code,
//! which returns the recovery codes once).

use crate::extract::Json;
use crate::{
    auth::SigningIn,
    error::ApiError,
    routes::api::session::{answer, login::CodeRequest, SignInAnswer},
    state::AppState,
};
use axum::{extract::State, response::Response};
use rampart_app::Origin;
use rampart_identity::sign_in;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /api/v1/account/totp` body (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BeginTotpRequest {
    /// Replace the pending secret by a new one.
    #[serde(default)]
    new: bool,
}

/// A TOTP secret being enrolled.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotpEnrollment {
    /// Base32, for typing into an authenticator app.
    pub secret: String,
    /// The `otpauth://` URI, for a QR code.
    pub uri: String,
}

/// The secret being enrolled: the same one on every call from this session
/// until it is confirmed, or a new one with `{"new": true}` (the old one
/// then stops working).
#[utoipa::path(
    post,
    path = "/api/v1/account/totp",
    tag = "account",
    request_body(content = Option<BeginTotpRequest>),
    responses((status = 200, description = "The secret", body = TotpEnrollment)),
)]
pub async fn begin_totp(
    State(state): State<AppState>,
    client: Origin,
    SigningIn(user): SigningIn,
    // No body, `null` and `{}` all ask for the pending secret.
    body: Option<Json<Option<BeginTotpRequest>>>,
) -> Result<Json<TotpEnrollment>, ApiError> {
    let body = body.and_then(|Json(b)| b).unwrap_or_default();
    let key = if body.new {
        sign_in::EnrollmentKey::New
    } else {
        sign_in::EnrollmentKey::Pending
    };
    let e = sign_in::begin_enrollment(&state.identity, &user, &client, key).await?;
    Ok(Json(TotpEnrollment {
        secret: e.secret,
        uri: e.uri,
    }))
}

/// Completes enrollment with a first code; the answer carries the recovery
/// codes, shown this once.
#[utoipa::path(
    post,
    path = "/api/v1/account/totp/confirm",
    tag = "account",
    request_body = CodeRequest,
    responses((status = 200, description = "Enrolled and signed in, with `recovery_codes`",
        body = SignInAnswer, headers(("set-cookie" = String, description = "The new session cookie")))),
)]
pub async fn confirm_totp(
    State(state): State<AppState>,
    client: Origin,
    SigningIn(user): SigningIn,
    Json(body): Json<CodeRequest>,
) -> Result<Response, ApiError> {
    let (signed, codes) =
        sign_in::confirm_enrollment(&state.identity, &user, &client, &body.code).await?;
    answer(&state, signed, Some(codes))
}
