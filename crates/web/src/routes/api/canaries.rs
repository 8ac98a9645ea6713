//! Canaries through the JSON API, for security officers only: list them,
//! plant one, turn a document into one or back. To everyone else these
//! endpoints do not exist (404).

use super::documents::{check_declared_length, document_json};
use crate::{auth::Authenticated, error::ApiError, state::AppState, upload::read_canary_upload};
use axum::{
    extract::{Multipart, Path, State},
    http::{HeaderMap, StatusCode},
    Json,
};
use rampart_app::{canaries, AuditKind, Origin};
use serde::Deserialize;
use serde_json::{json, Value};

/// `GET /api/v1/security/canaries`
pub async fn list_canaries(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
) -> Result<Json<Value>, ApiError> {
    let canaries = canaries::list(&state, &user, &client).await?;
    Ok(Json(json!({
        "items": canaries.iter().map(|d| document_json(d, &user)).collect::<Vec<_>>(),
    })))
}

/// `POST /api/v1/security/canaries`: multipart `community`, `file`,
/// `title`, `label`, `releasable`, and optionally `attributed_to`.
pub async fn plant_canary(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    // Nobody else's body is read at all.
    canaries::require_officer(&state, &user, &client, AuditKind::CanaryPlant).await?;
    check_declared_length(&state, &headers)?;
    let upload = read_canary_upload(multipart, &state.blobs, state.config.upload.max_bytes).await?;
    let (id, version) = canaries::plant(&state, &user, &client, upload).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "version": version})),
    ))
}

/// `PUT /api/v1/security/canaries/{id}` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetCanary {
    /// Make the document a canary (`true`) or a real document again.
    canary: bool,
}

/// `PUT /api/v1/security/canaries/{id}`
pub async fn set_canary(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(id): Path<String>,
    Json(body): Json<SetCanary>,
) -> Result<Json<Value>, ApiError> {
    let doc = canaries::set(&state, &user, &client, &id, body.canary).await?;
    Ok(Json(document_json(&doc, &user)))
}
