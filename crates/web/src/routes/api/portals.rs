//! Portals and communities as the principal sees them: only those where it
//! is a member (administrators see all, to manage them).

use crate::{auth::Authenticated, error::ApiError, state::AppState};
use axum::{
    extract::{Path, State},
    Json,
};
use rampart_app::{
    documents::{self, visible_communities},
    Origin,
};
use serde_json::{json, Value};

/// `GET /api/v1/portals`
pub async fn list_portals(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Value>, ApiError> {
    let communities = visible_communities(&state, &user).await?;
    let items: Vec<Value> = state
        .store
        .list_portals()
        .await?
        .into_iter()
        .filter(|p| user.principal.admin || communities.iter().any(|c| c.portal == p.slug))
        .map(|p| json!({"slug": p.slug, "name": p.name}))
        .collect();
    Ok(Json(json!({ "items": items })))
}

/// `GET /api/v1/portals/{portal}/communities`
pub async fn list_communities(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(portal): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let items: Vec<Value> = documents::portal_communities(&state, &user, &client, &portal)
        .await?
        .into_iter()
        .map(|c| {
            let role = user.principal.role_in(c.id);
            json!({"portal": c.portal, "slug": c.slug, "name": c.name, "role": role})
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}
