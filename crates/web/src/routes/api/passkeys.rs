//! Passkeys (WebAuthn) over JSON: registration, listing and removal from
//! the account, and the passkey step of a sign-in. The ceremonies and their
//! checks live in `rampart_app::identity::passkeys`.

use crate::{
    auth::{Authenticated, SigningIn},
    error::ApiError,
    state::AppState,
};
use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use rampart_app::{identity::passkeys, Origin};
use serde::Deserialize;
use serde_json::{json, Value};

/// `.../register/finish` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterFinish {
    challenge: String,
    name: String,
    credential: Value,
}

/// `.../webauthn/finish` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInFinish {
    challenge: String,
    credential: Value,
}

/// `POST /api/v1/account/webauthn/register/start`
pub async fn start_registration(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(passkeys::start_registration(&state, &user).await?))
}

/// `POST /api/v1/account/webauthn/register/finish`: 201 `{id, name}`.
pub async fn finish_registration(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Json(body): Json<RegisterFinish>,
) -> Result<Response, ApiError> {
    let (id, name) = passkeys::finish_registration(
        &state,
        &user,
        &client,
        &body.challenge,
        &body.name,
        body.credential,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id, "name": name}))).into_response())
}

/// `GET /api/v1/account/webauthn`: `{items: [{id, name, created_at, last_used_at}]}`.
pub async fn list_passkeys(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Value>, ApiError> {
    let items = passkeys::list(&state, user.principal.account).await?;
    Ok(Json(json!({ "items": items })))
}

/// `DELETE /api/v1/account/webauthn/{id}`: 204.
pub async fn remove_passkey(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    passkeys::remove(&state, &user, &client, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/login/webauthn/start`
pub async fn start_sign_in(
    State(state): State<AppState>,
    SigningIn(user): SigningIn,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(passkeys::start_sign_in(&state, &user).await?))
}

/// `POST /api/v1/login/webauthn/finish`: like `/api/v1/login/totp`.
pub async fn finish_sign_in(
    State(state): State<AppState>,
    client: Origin,
    SigningIn(user): SigningIn,
    Json(body): Json<SignInFinish>,
) -> Result<Response, ApiError> {
    let signed =
        passkeys::finish_sign_in(&state, &user, &client, &body.challenge, body.credential).await?;
    let mut headers = HeaderMap::new();
    let body = signed.body();
    headers.insert(
        header::SET_COOKIE,
        crate::auth::session_cookie(&state, &signed.secret)?,
    );
    Ok((headers, Json(body)).into_response())
}
