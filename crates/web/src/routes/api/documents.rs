//! Documents through the JSON API: list, upload, metadata, content, new
//! versions. The flows themselves live in `rampart_app::documents`.

use crate::{
    auth::Authenticated,
    error::{ApiError, AppError},
    state::AppState,
    upload::read_upload,
};
use axum::{
    extract::{Multipart, Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::Response,
    Json,
};
use rampart_app::{
    canaries,
    documents::{self, CommunityAction, DocumentAction},
    Origin,
};
use rampart_store::{Cursor, DocumentRow};
use serde::Deserialize;
use serde_json::{json, Value};

/// Listing query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    cursor: Option<String>,
    limit: Option<u32>,
}

/// A document's description for `user`. A canary looks exactly like any
/// other document; only security officers get a `canary` field (on every
/// document, true or false).
pub fn document_json(doc: &DocumentRow, user: &Authenticated) -> Value {
    let mut body = json!({
        "id": doc.id,
        "title": doc.title,
        "community": format!("{}/{}", doc.portal_slug, doc.community_slug),
        "marking": doc.marking,
        "banner": doc.marking.banner(),
        "version": doc.current.number,
        "size": doc.current.size,
        "media_type": doc.current.media_type,
        "filename": doc.current.filename,
        "created_at": doc.created_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
    });
    if canaries::sees_canaries(user) {
        body["canary"] = json!(doc.marking.canary);
    }
    body
}

/// `GET /api/v1/portals/{portal}/communities/{community}/documents`
pub async fn list_documents(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path((portal, community)): Path<(String, String)>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let community = documents::community_for(
        &state,
        &user,
        &client,
        &portal,
        &community,
        CommunityAction::Read,
    )
    .await?;
    let cursor = match query.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => {
            Some(Cursor::decode(c).ok_or_else(|| AppError::BadRequest("malformed cursor".into()))?)
        }
    };
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let (page, next) =
        documents::list_page(&state, &user, &community, cursor.as_ref(), limit).await?;
    documents::audit_listing(
        &state,
        &user,
        &client,
        json!({"community": community.path(), "cursor": query.cursor, "count": page.len()}),
    )
    .await?;
    Ok(Json(json!({
        "items": page.iter().map(|d| document_json(d, &user)).collect::<Vec<_>>(),
        "next": next.map(|c| c.encode()),
    })))
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Refuses bodies whose declared length is already over the limit, before
/// reading a byte of them.
pub(crate) fn check_declared_length(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    let limit = state.config.upload.max_bytes;
    match content_length(headers) {
        Some(n) if n > limit.saturating_add(64 * 1024) => Err(AppError::TooLarge(limit)),
        _ => Ok(()),
    }
}

/// `POST /api/v1/portals/{portal}/communities/{community}/documents`
pub async fn upload_document(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path((portal, community)): Path<(String, String)>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<(StatusCode, Json<Value>), ApiError> {
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
        Json(json!({"id": id, "version": version})),
    ))
}

/// `GET /api/v1/documents/{id}`
pub async fn get_document(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let doc = documents::document_for(&state, &user, &client, &id, DocumentAction::Read).await?;
    let versions = state.store.versions(doc.id).await?;
    documents::audit_view(&state, &user, &client, &doc).await?;
    let mut body = document_json(&doc, &user);
    body["versions"] = json!(versions);
    Ok(Json(body))
}

/// Content query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentQuery {
    version: Option<i64>,
}

/// `GET /api/v1/documents/{id}/content`
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

/// `POST /api/v1/documents/{id}/versions`
pub async fn upload_version(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(id): Path<String>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let doc = documents::document_for(&state, &user, &client, &id, DocumentAction::Revise).await?;
    check_declared_length(&state, &headers)?;
    let upload = read_upload(multipart, &state.blobs, state.config.upload.max_bytes).await?;
    let version = documents::add_version(&state, &user, &client, &doc, upload).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": doc.id, "version": version})),
    ))
}
