//! `GET /api/v1/documents/{id}`

use super::{DocumentView, VersionView};
use crate::extract::{Json, Path};
use crate::{auth::Authenticated, error::ApiError, state::AppState};
use axum::extract::State;
use rampart_app::{
    documents::{self, DocumentAction},
    Origin,
};

/// A document's description with all its versions (viewing it is audited
/// and counted by the guard).
#[utoipa::path(
    get,
    path = "/api/v1/documents/{id}",
    tag = "documents",
    params(("id" = String, Path, description = "Document id")),
    responses((status = 200, description = "The document, with `versions`", body = DocumentView)),
)]
pub async fn get_document(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<DocumentView>, ApiError> {
    let doc = documents::document_for(&state, &user, &client, &id, DocumentAction::Read).await?;
    let versions = state.store.versions(doc.id).await?;
    documents::audit_view(&state, &user, &client, &doc).await?;
    Ok(Json(DocumentView {
        versions: Some(versions.iter().map(VersionView::from).collect()),
        ..DocumentView::of(&doc, &user)
    }))
}
