//! `POST /api/v1/login`, then `/api/v1/login/totp` or
//! `/api/v1/login/recovery`.

use super::{answer, SignInAnswer};
use crate::extract::Json;
use crate::{auth::SigningIn, error::ApiError, state::AppState};
use axum::{extract::State, response::Response};
use rampart_app::Origin;
use rampart_identity::{login, sign_in, sign_in::Method};
use serde::Deserialize;
use utoipa::ToSchema;

/// `POST /api/v1/login` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The account's email (printable ASCII; at most 254 bytes).
    #[schema(pattern = "^[ -~]{1,254}$")]
    email: String,
    /// Its password.
    password: String,
}

/// A TOTP code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// The 6 digits the authenticator app shows.
    #[schema(pattern = "^[0-9]{6}$")]
    pub(crate) code: String,
}

/// A recovery code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryCodeRequest {
    /// One of the ten codes shown at enrollment: 10 letters and digits
    /// (spaces and dashes between them are ignored).
    #[schema(pattern = "^[A-Za-z0-9]{10}$")]
    pub(crate) code: String,
}

/// Signs in with a password; the session may still need a password change
/// or a second factor (see `status`).
#[utoipa::path(
    post,
    path = "/api/v1/login",
    tag = "session",
    security(()),
    request_body = LoginRequest,
    responses((status = 200, description = "Signed in, or the next step",
        body = SignInAnswer, headers(("set-cookie" = String, description = "The session cookie")))),
)]
pub async fn login(
    State(state): State<AppState>,
    client: Origin,
    Json(body): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    let signed =
        login::with_password(&state.identity, &client, &body.email, &body.password).await?;
    answer(&state, signed, None)
}

/// The second factor of a sign-in: a TOTP code.
#[utoipa::path(
    post,
    path = "/api/v1/login/totp",
    tag = "session",
    request_body = CodeRequest,
    responses((status = 200, description = "Signed in", body = SignInAnswer,
        headers(("set-cookie" = String, description = "The new session cookie")))),
)]
pub async fn login_totp(
    State(state): State<AppState>,
    client: Origin,
    SigningIn(user): SigningIn,
    Json(body): Json<CodeRequest>,
) -> Result<Response, ApiError> {
    let signed =
        sign_in::enter_second_factor(&state.identity, &user, &client, Method::Totp, &body.code)
            .await?;
    answer(&state, signed, None)
}

/// The second factor of a sign-in: a recovery code instead of a TOTP code.
#[utoipa::path(
    post,
    path = "/api/v1/login/recovery",
    tag = "session",
    request_body = RecoveryCodeRequest,
    responses((status = 200, description = "Signed in", body = SignInAnswer,
        headers(("set-cookie" = String, description = "The new session cookie")))),
)]
pub async fn login_recovery(
    State(state): State<AppState>,
    client: Origin,
    SigningIn(user): SigningIn,
    Json(body): Json<RecoveryCodeRequest>,
) -> Result<Response, ApiError> {
    let signed = sign_in::enter_second_factor(
        &state.identity,
        &user,
        &client,
        Method::Recovery,
        &body.code,
    )
    .await?;
    answer(&state, signed, None)
}
