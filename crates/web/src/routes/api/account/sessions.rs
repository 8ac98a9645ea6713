//! `GET /api/v1/account/sessions` and `DELETE /api/v1/account/sessions/{id}`

use crate::extract::{Json, Path};
use crate::{auth::Authenticated, error::ApiError, routes::api::Items, state::AppState};
use axum::{extract::State, http::StatusCode};
use rampart_app::Origin;
use rampart_identity::account::{self, SessionView};
use rampart_store::event_time;
use serde::Serialize;
use utoipa::ToSchema;

/// One of the caller's sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionItem {
    /// Its public id.
    pub id: String,
    /// The address it was opened from.
    pub ip: String,
    /// The browser or client that opened it.
    pub user_agent: String,
    /// When it was opened.
    pub created: String,
    /// When it was last used.
    pub last_seen: String,
    /// Whether it is the session making this request.
    pub current: bool,
}

impl From<&SessionView> for SessionItem {
    fn from(s: &SessionView) -> Self {
        SessionItem {
            id: s.id.clone(),
            ip: s.ip.clone(),
            user_agent: s.user_agent.clone(),
            created: event_time(s.created_at),
            last_seen: event_time(s.last_seen),
            current: s.current,
        }
    }
}

/// The caller's signed-in sessions, most recently used first.
#[utoipa::path(
    get,
    path = "/api/v1/account/sessions",
    tag = "account",
    responses((status = 200, description = "The sessions", body = Items<SessionItem>)),
)]
pub async fn list_sessions(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Items<SessionItem>>, ApiError> {
    let items = account::sessions(&state.identity, &user)
        .await?
        .iter()
        .map(SessionItem::from)
        .collect();
    Ok(Json(Items { items }))
}

/// Ends one of the caller's sessions.
#[utoipa::path(
    delete,
    path = "/api/v1/account/sessions/{id}",
    tag = "account",
    params(("id" = String, Path, description = "The session's public id")),
    responses((status = 204, description = "Ended")),
)]
pub async fn end_session(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    account::end_session(&state.identity, &user, &client, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
