//! The account's own sessions and API tokens (`/api/v1/account/…`).

use crate::{auth::Authenticated, error::ApiError, state::AppState};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use rampart_app::{identity::account, Origin};
use serde::Deserialize;
use serde_json::{json, Value};

/// `GET /api/v1/account/sessions`
pub async fn list_sessions(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Value>, ApiError> {
    let items: Vec<Value> = account::sessions(&state, &user)
        .await?
        .iter()
        .map(account::SessionView::json)
        .collect();
    Ok(Json(json!({ "items": items })))
}

/// `DELETE /api/v1/account/sessions/{id}`
pub async fn end_session(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    account::end_session(&state, &user, &client, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/account/tokens`
pub async fn list_tokens(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Value>, ApiError> {
    let items: Vec<Value> = account::tokens(&state, &user)
        .await?
        .iter()
        .map(account::token_json)
        .collect();
    Ok(Json(json!({ "items": items })))
}

/// `POST /api/v1/account/tokens` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    name: String,
    scope: String,
    expires_days: Option<u32>,
}

/// `POST /api/v1/account/tokens`: 201 with the secret, shown this once.
pub async fn create_token(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Json(body): Json<NewTokenRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (id, token) = account::create_token(
        &state,
        &user,
        &client,
        &body.name,
        &body.scope,
        body.expires_days,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "token": token })),
    ))
}

/// `DELETE /api/v1/account/tokens/{id}`
pub async fn revoke_token(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    account::revoke_token(&state, &user, &client, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
