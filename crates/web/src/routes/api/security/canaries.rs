//! Canaries: `GET`/`POST /api/v1/security/canaries` and
//! `PUT /api/v1/security/canaries/{id}`.

use crate::extract::{Json, Multipart, Path};
use crate::{
    auth::Authenticated,
    error::ApiError,
    routes::api::{
        documents::{Created, DocumentView},
        Items,
    },
    state::AppState,
    upload::{check_declared_length, read_canary_upload},
};
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
};
use rampart_app::{canaries, AuditKind, Origin};
use serde::Deserialize;
use utoipa::ToSchema;

/// The multipart form planting a canary (schema only).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CanaryForm {
    /// `portal/community` to plant it in.
    community: String,
    /// The decoy file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Its title (as for any document).
    #[schema(
        pattern = r"^[^\s/\\\u0000-\u001F\u007F-\u009F][^/\\\u0000-\u001F\u007F-\u009F]{0,199}$"
    )]
    title: String,
    /// Its marking label.
    label: Option<String>,
    /// Nations and communities it is releasable to.
    releasable: Option<String>,
    /// An email the canary is attributed to as uploader.
    attributed_to: Option<String>,
}

/// Every canary, with `canary: true`.
#[utoipa::path(
    get,
    path = "/api/v1/security/canaries",
    tag = "security",
    responses((status = 200, description = "The canaries", body = Items<DocumentView>)),
)]
pub async fn list_canaries(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
) -> Result<Json<Items<DocumentView>>, ApiError> {
    let canaries = canaries::list(&state, &user, &client).await?;
    Ok(Json(Items {
        items: canaries
            .iter()
            .map(|d| DocumentView::of(d, &user))
            .collect(),
    }))
}

/// Plants a canary: a decoy document that raises an alert on any access.
#[utoipa::path(
    post,
    path = "/api/v1/security/canaries",
    tag = "security",
    request_body(content = CanaryForm, content_type = "multipart/form-data"),
    responses((status = 201, description = "Planted", body = Created)),
)]
pub async fn plant_canary(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    headers: HeaderMap,
    Multipart(multipart): Multipart,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    // Nobody else's body is read at all.
    canaries::require_officer(&state, &user, &client, AuditKind::CanaryPlant).await?;
    check_declared_length(&state, &headers)?;
    let upload = read_canary_upload(multipart, &state.blobs, state.config.upload.max_bytes).await?;
    let (id, version) = canaries::plant(&state, &user, &client, upload).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: id.to_string(),
            version,
        }),
    ))
}

/// `PUT /api/v1/security/canaries/{id}` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetCanary {
    /// Make the document a canary (`true`) or a real document again.
    canary: bool,
}

/// Turns a document into a canary or back.
#[utoipa::path(
    put,
    path = "/api/v1/security/canaries/{id}",
    tag = "security",
    params(("id" = String, Path, description = "Document id")),
    request_body = SetCanary,
    responses((status = 200, description = "The document", body = DocumentView)),
)]
pub async fn set_canary(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(id): Path<String>,
    Json(body): Json<SetCanary>,
) -> Result<Json<DocumentView>, ApiError> {
    let doc = canaries::set(&state, &user, &client, &id, body.canary).await?;
    Ok(Json(DocumentView::of(&doc, &user)))
}
