//! Signing in (password, then a TOTP or recovery code) and signing out.

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
use rampart_app::{
    identity::{login, sign_in, sign_in::Method, SignedIn},
    Origin,
};
use serde::Deserialize;

/// `POST /api/v1/login` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    email: String,
    password: String,
}

/// The answer to a step of sign-in: the session cookie and where sign-in
/// stands.
pub(super) fn answer(state: &AppState, signed: SignedIn) -> Result<Response, ApiError> {
    let body = signed.body();
    let mut headers = HeaderMap::new();
    headers.insert(
        header::SET_COOKIE,
        auth::session_cookie(state, &signed.secret)?,
    );
    Ok((headers, Json(body)).into_response())
}

/// `POST /api/v1/login`
pub async fn login(
    State(state): State<AppState>,
    client: Origin,
    Json(body): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    let signed = login::with_password(&state, &client, &body.email, &body.password).await?;
    answer(&state, signed)
}

/// `POST /api/v1/login/totp` and `/api/v1/login/recovery` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    pub(super) code: String,
}

/// `POST /api/v1/login/totp`: the second factor of a sign-in.
pub async fn login_totp(
    State(state): State<AppState>,
    client: Origin,
    SigningIn(user): SigningIn,
    Json(body): Json<CodeRequest>,
) -> Result<Response, ApiError> {
    let signed =
        sign_in::enter_second_factor(&state, &user, &client, Method::Totp, &body.code).await?;
    answer(&state, signed)
}

/// `POST /api/v1/login/recovery`: a recovery code instead of a TOTP code.
pub async fn login_recovery(
    State(state): State<AppState>,
    client: Origin,
    SigningIn(user): SigningIn,
    Json(body): Json<CodeRequest>,
) -> Result<Response, ApiError> {
    let signed =
        sign_in::enter_second_factor(&state, &user, &client, Method::Recovery, &body.code).await?;
    answer(&state, signed)
}

/// `POST /api/v1/logout`
pub async fn logout(
    State(state): State<AppState>,
    client: Origin,
    SigningIn(user): SigningIn,
) -> Result<Response, ApiError> {
    login::sign_out(&state, &user, &client).await?;
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, auth::clear_cookie(&state));
    Ok((headers, Json(serde_json::json!({"status": "signed_out"}))).into_response())
}
