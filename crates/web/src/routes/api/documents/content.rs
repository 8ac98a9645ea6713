//! `GET /api/v1/documents/{id}/content`

use crate::extract::{Path, Query};
use crate::{auth::Authenticated, error::ApiError, state::AppState};
use axum::{extract::State, response::Response};
use rampart_app::{
    documents::{self, DocumentAction},
    Origin,
};
use serde::Deserialize;
use utoipa::IntoParams;

/// Content query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContentQuery {
    /// A version number (default: the current version).
    version: Option<i64>,
}

/// A copy of the document marked for the caller, after the exfiltration
/// guard allowed it; every copy is audited and its fingerprint registered.
#[utoipa::path(
    get,
    path = "/api/v1/documents/{id}/content",
    tag = "documents",
    params(("id" = String, Path, description = "Document id"), ContentQuery),
    responses(
        (status = 200, description = "The marked copy, in the document's media type",
         content_type = "*/*",
         headers(
             ("x-rampart-download" = String, description = "This copy's download id"),
             ("x-rampart-watermark" = String, description = "How this copy is marked"),
         )),
    ),
)]
pub async fn download_document(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(id): Path<String>,
    Query(query): Query<ContentQuery>,
) -> Result<Response, ApiError> {
    let doc = documents::document_for(&state, &user, &client, &id, DocumentAction::Read).await?;
    let download = documents::download(&state, &user, &client, &doc, query.version).await?;
    Ok(crate::routes::download::response(download)?)
}
