//! `POST /api/v1/portals/{portal}/communities/{community}/documents`

use super::{Created, UploadForm};
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
    documents::{self, CommunityAction},
    Origin,
};

/// Uploads a new document into a community (contributors and managers).
#[utoipa::path(
    post,
    path = "/api/v1/portals/{portal}/communities/{community}/documents",
    tag = "documents",
    params(
        ("portal" = String, Path, description = "Portal slug"),
        ("community" = String, Path, description = "Community slug"),
    ),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, description = "Stored as version 1", body = Created,
        links(
            ("GetDocument" = (operation_id = "get_document",
                parameters(("id" = "$response.body#/id")))),
            ("DownloadDocument" = (operation_id = "download_document",
                parameters(("id" = "$response.body#/id")))),
        ))),
)]
pub async fn upload_document(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path((portal, community)): Path<(String, String)>,
    headers: HeaderMap,
    Multipart(multipart): Multipart,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let community = documents::community_for(
        &state,
        &user,
        &client,
        &portal,
        &community,
        CommunityAction::Contribute,
    )
    .await?;
    check_declared_length(&state, &headers)?;
    let upload = read_upload(multipart, &state.blobs, state.config.upload.max_bytes).await?;
    let (id, version) =
        documents::create_document(&state, &user, &client, &community, upload).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: id.to_string(),
            version,
        }),
    ))
}
