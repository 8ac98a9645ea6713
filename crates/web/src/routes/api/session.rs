//! Sign-in, sign-out, who-am-I and the password change that completes a
//! one-time-password sign-in.

use crate::{
    auth::{self, Authenticated, Credential, SigningIn},
    error::{ApiError, AppError},
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
use rampart_domain::InstallRole;
use serde::Deserialize;

/// `POST /api/v1/login` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    email: String,
    password: String,
}

fn answer(state: &AppState, signed: SignedIn) -> Result<Response, ApiError> {
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
    code: String,
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

/// `GET /api/v1/me`
pub async fn me(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<serde_json::Value>, ApiError> {
    let mut memberships = Vec::new();
    for (community, role) in &user.principal.memberships {
        if let Some(c) = state.store.community_by_id(*community).await? {
            memberships
                .push(serde_json::json!({"community": c.path(), "name": c.name, "role": role}));
        }
    }
    let mut roles = Vec::new();
    if user.principal.admin {
        roles.push(InstallRole::Admin);
    }
    if user.principal.security {
        roles.push(InstallRole::Security);
    }
    Ok(Json(serde_json::json!({
        "email": user.email,
        "name": user.name,
        "nation": user.principal.nation,
        "roles": roles,
        "memberships": memberships,
    })))
}

/// `POST /api/v1/account/password` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    current: String,
    new: String,
}

/// `POST /api/v1/account/password`
pub async fn change_password(
    State(state): State<AppState>,
    client: Origin,
    SigningIn(user): SigningIn,
    Json(body): Json<PasswordChange>,
) -> Result<Response, ApiError> {
    if matches!(user.credential, Credential::Token) {
        return Err(AppError::Forbidden("sign in with a password to change it").into());
    }
    let signed = login::change_password(&state, &user, &client, &body.current, &body.new).await?;
    answer(&state, signed)
}
