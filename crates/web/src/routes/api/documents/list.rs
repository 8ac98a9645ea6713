//! `GET /api/v1/portals/{portal}/communities/{community}/documents`

use super::DocumentView;
use crate::extract::{Json, Path, Query};
use crate::{auth::Authenticated, error::ApiError, state::AppState};
use axum::extract::State;
use rampart_app::{
    documents::{self, CommunityAction},
    Origin,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Listing query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Where the previous page ended (its `next`; empty: the first page).
    #[param(pattern = r"^([0-9]{1,18}\.[0-9a-f]{32})?$")]
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50; larger asks get 200).
    limit: Option<u32>,
}

/// One page of a community's documents, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentPage {
    /// The documents the caller may see.
    pub items: Vec<DocumentView>,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
}

/// The documents of a community the caller is a member of.
#[utoipa::path(
    get,
    path = "/api/v1/portals/{portal}/communities/{community}/documents",
    tag = "documents",
    params(
        ("portal" = String, Path, description = "Portal slug"),
        ("community" = String, Path, description = "Community slug"),
        ListQuery,
    ),
    responses((status = 200, description = "One page of documents", body = DocumentPage,
        links(
            ("GetDocument" = (operation_id = "get_document",
                parameters(("id" = "$response.body#/items/0/id")))),
            ("DownloadDocument" = (operation_id = "download_document",
                parameters(("id" = "$response.body#/items/0/id")))),
            ("UploadVersion" = (operation_id = "upload_version",
                parameters(("id" = "$response.body#/items/0/id")))),
        ))),
)]
pub async fn list_documents(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path((portal, community)): Path<(String, String)>,
    Query(query): Query<ListQuery>,
) -> Result<Json<DocumentPage>, ApiError> {
    let community = documents::community_for(
        &state,
        &user,
        &client,
        &portal,
        &community,
        CommunityAction::Read,
    )
    .await?;
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let (page, next) = documents::list_page(
        &state,
        &user,
        &client,
        &community,
        query.cursor.as_deref(),
        limit,
    )
    .await?;
    Ok(Json(DocumentPage {
        items: page.iter().map(|d| DocumentView::of(d, &user)).collect(),
        next: next.map(|c| c.encode()),
    }))
}
