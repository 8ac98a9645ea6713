//! `POST /api/v1/documents/{id}/versions`

use super::{Created, VersionForm};
use crate::extract::{Json, Multipart, Path};
use crate::{
    auth::Authenticated,
    error::ApiError,
    state::AppState,
    upload::{check_declared_length, read_upload},
};
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
};
use rampart_app::{
    documents::{self, DocumentAction},
    Origin,
};

/// Adds a new version of a document (contributors and managers of its
/// community).
#[utoipa::path(
    post,
    path = "/api/v1/documents/{id}/versions",
    tag = "documents",
    params(("id" = String, Path, description = "Document id")),
    request_body(content = VersionForm, content_type = "multipart/form-data"),
    responses((status = 201, description = "The version stored", body = Created)),
)]
pub async fn upload_version(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
    Multipart(multipart): Multipart,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let doc = documents::document_for(&state, &user, &client, &id, DocumentAction::Revise).await?;
    check_declared_length(&state, &headers)?;
    let upload = read_upload(multipart, &state.blobs, state.config.upload.max_bytes).await?;
    let version = documents::add_version(&state, &user, &client, &doc, upload).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: doc.id.to_string(),
            version,
        }),
    ))
}
