//! `GET`/`POST /api/v1/account/tokens` and
//! `DELETE /api/v1/account/tokens/{id}`

use crate::extract::{Json, Path};
use crate::{auth::Authenticated, error::ApiError, routes::api::Items, state::AppState};
use axum::{extract::State, http::StatusCode};
use rampart_app::Origin;
use rampart_identity::account;
use rampart_store::{event_time, TokenRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An API token (never its secret, which is not stored).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenItem {
    /// Its id.
    pub id: String,
    /// The name its owner gave it.
    pub name: String,
    /// `read`, or the communities it may write to.
    pub scope: String,
    /// When it was created.
    pub created: String,
    /// When it expires, if it does.
    pub expires: Option<String>,
    /// When it was last used.
    pub last_used: Option<String>,
    /// When it was revoked.
    pub revoked: Option<String>,
}

impl From<&TokenRow> for TokenItem {
    fn from(t: &TokenRow) -> Self {
        TokenItem {
            id: t.id.clone(),
            name: t.name.clone(),
            scope: t.scope.clone(),
            created: event_time(t.created_at),
            expires: t.expires_at.map(event_time),
            last_used: t.last_used.map(event_time),
            revoked: t.revoked_at.map(event_time),
        }
    }
}

/// `POST /api/v1/account/tokens` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    /// A name to recognise it by.
    name: String,
    /// `read` (read-only), or a comma-separated list of `portal/community`
    /// the caller is a member of.
    scope: String,
    /// Lifetime in days (at most 365).
    expires_days: Option<u32>,
}

/// A token just created.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewToken {
    /// Its id.
    pub id: String,
    /// The secret, shown this once: send it as `Authorization: Bearer`.
    pub token: String,
}

/// The caller's API tokens, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/account/tokens",
    tag = "account",
    responses((status = 200, description = "The tokens", body = Items<TokenItem>)),
)]
pub async fn list_tokens(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Items<TokenItem>>, ApiError> {
    let items = account::tokens(&state.identity, &user)
        .await?
        .iter()
        .map(TokenItem::from)
        .collect();
    Ok(Json(Items { items }))
}

/// Creates an API token for the caller.
#[utoipa::path(
    post,
    path = "/api/v1/account/tokens",
    tag = "account",
    request_body = NewTokenRequest,
    responses((status = 201, description = "Created; the secret is shown once", body = NewToken)),
)]
pub async fn create_token(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Json(body): Json<NewTokenRequest>,
) -> Result<(StatusCode, Json<NewToken>), ApiError> {
    let (id, token) = account::create_token(
        &state.identity,
        &user,
        &client,
        &body.name,
        &body.scope,
        body.expires_days,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(NewToken { id, token })))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(
    delete,
    path = "/api/v1/account/tokens/{id}",
    tag = "account",
    params(("id" = String, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked")),
)]
pub async fn revoke_token(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    account::revoke_token(&state.identity, &user, &client, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
