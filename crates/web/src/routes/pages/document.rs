//! A document's page — marking banner above and below, marking details,
//! versions with their download links, and the new-version form for
//! contributors — plus the download and the new-version upload. Views and
//! downloads are audited exactly as through the API.

use super::{format_size, format_time, may, rejected, render, Nav, PageUser};
use crate::{
    error::PageError, state::AppState, upload::check_declared_length, upload::read_upload,
};
use askama::Template;
use axum::{
    extract::{
        multipart::MultipartRejection, rejection::QueryRejection, Multipart, Path, Query, State,
    },
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use rampart_app::{
    documents::{self, DocumentAction},
    Origin,
};
use rampart_domain::{Action, Marking};
use rampart_store::VersionRow;
use serde::Deserialize;

/// A version as a row of the versions table.
#[derive(Debug, Clone)]
pub struct VersionItem {
    /// 1, 2, 3, …
    pub number: i64,
    /// File name given at upload.
    pub filename: String,
    /// Size.
    pub size: String,
    /// The file type in words (`PDF document`, `Plain text`, …).
    pub file_type: String,
    /// The uploader's name (their email when the account is gone).
    pub uploaded_by: String,
    /// Upload time.
    pub uploaded_at: String,
    /// The download link.
    pub href: String,
}

impl VersionItem {
    fn of(id: &str, v: &VersionRow, uploader: String) -> Self {
        VersionItem {
            number: v.number,
            filename: v.filename.clone(),
            size: format_size(v.size),
            file_type: file_type(&v.media_type),
            uploaded_by: uploader,
            uploaded_at: format_time(v.uploaded_at),
            href: format!("/d/{id}/content?version={}", v.number),
        }
    }
}

/// A media type in words, for people.
pub(super) fn file_type(media_type: &str) -> String {
    let known = match media_type.split(';').next().unwrap_or("").trim() {
        "application/pdf" => "PDF document",
        "text/plain" => "Plain text",
        "text/markdown" => "Markdown text",
        "text/html" => "Web page (HTML)",
        "text/csv" => "Spreadsheet (CSV)",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
            "Word document"
        }
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "Excel workbook",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => {
            "PowerPoint presentation"
        }
        "application/vnd.oasis.opendocument.text" => "OpenDocument text",
        "application/vnd.oasis.opendocument.spreadsheet" => "OpenDocument spreadsheet",
        "application/zip" => "ZIP archive",
        "image/png" => "PNG image",
        "image/jpeg" => "JPEG image",
        _ => return media_type.to_owned(),
    };
    known.to_owned()
}

/// `GET /d/{id}`
#[derive(Template)]
#[template(path = "document.html")]
pub struct DocumentPage {
    /// Header navigation.
    pub nav: Nav,
    /// Document id.
    pub id: String,
    /// Title.
    pub title: String,
    /// The marking banner text.
    pub banner: String,
    /// Owning portal's display name.
    pub portal_name: String,
    /// Owning community's display name.
    pub community_name: String,
    /// Owning community's `portal/community`.
    pub community_path: String,
    /// Link to the owning community.
    pub community_href: String,
    /// Marking label.
    pub label: String,
    /// Who may see it, in words.
    pub releasable: String,
    /// Public release date, `YYYY-MM-DD`.
    pub public_since: Option<String>,
    /// Where it was published.
    pub public_source: Option<String>,
    /// Whether the viewer may know about canaries (security officers).
    pub show_canary: bool,
    /// The canary flag (shown only with `show_canary`).
    pub canary: bool,
    /// Current version number.
    pub current: i64,
    /// Every version, oldest first.
    pub versions: Vec<VersionItem>,
    /// The current version, for the download button.
    pub latest: Option<VersionItem>,
    /// Whether to show the new-version form.
    pub can_revise: bool,
    /// Just uploaded: `document` or `version`, for the success message.
    pub uploaded: Option<&'static str>,
}

/// `GET /d/{id}` query. Unknown parameters are ignored, as before there
/// was one (links to documents are shared).
#[derive(Debug, Default, Deserialize)]
pub struct DocumentQuery {
    uploaded: Option<String>,
}

/// `GET /d/{id}`
pub async fn show_document(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    query: Result<Query<DocumentQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let uploaded = match query.ok().and_then(|Query(q)| q.uploaded).as_deref() {
        Some("1") => Some("document"),
        Some("version") => Some("version"),
        _ => None,
    };
    let doc = documents::document_for(&state, &user, &client, &id, DocumentAction::Read).await?;
    let versions = state.store.versions(doc.id).await?;
    let community_name = state
        .store
        .community_by_id(doc.community)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let portal_name = state
        .store
        .portal_by_slug(&doc.portal_slug)
        .await?
        .map(|p| p.name)
        .unwrap_or_else(|| doc.portal_slug.clone());
    documents::audit_view(&state, &user, &client, &doc).await?;
    let id = doc.id.to_string();
    let mut items = Vec::with_capacity(versions.len());
    for v in &versions {
        items.push(VersionItem::of(
            &id,
            v,
            uploader_name(&state, &v.uploaded_by).await?,
        ));
    }
    let marking = &doc.marking;
    // Canaries must look like any other document to everyone who is not
    // watching for them (administrators included: an insider is who a
    // canary catches).
    let show_canary = rampart_app::canaries::sees_canaries(&user);
    let page = DocumentPage {
        nav: Nav::of(&user),
        title: doc.title.clone(),
        banner: marking.banner(),
        portal_name,
        community_name,
        community_path: format!("{}/{}", doc.portal_slug, doc.community_slug),
        community_href: format!("/p/{}/{}", doc.portal_slug, doc.community_slug),
        label: marking.label.clone(),
        releasable: releasable_text(marking),
        public_since: marking
            .public_since
            .map(|d| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())),
        public_source: marking.public_source.clone(),
        show_canary,
        canary: show_canary && marking.canary,
        current: doc.current.number,
        latest: items.last().cloned(),
        versions: items,
        can_revise: may(&user, Action::ReviseDocument(doc.community, marking)),
        uploaded,
        id,
    };
    Ok(render(&page))
}

/// The uploader's display name, or the email as stored when the account
/// cannot be found.
async fn uploader_name(state: &AppState, email: &str) -> Result<String, PageError> {
    let Ok(parsed) = email.parse() else {
        return Ok(email.to_owned());
    };
    Ok(state
        .store
        .account_by_email(&parsed)
        .await?
        .map(|a| a.name)
        .unwrap_or_else(|| email.to_owned()))
}

/// `nations: FRA, NOR; communities: nato/intel`, or who else may see an
/// unrestricted document.
fn releasable_text(marking: &Marking) -> String {
    let mut parts = Vec::new();
    if !marking.releasable_nations.is_empty() {
        let nations: Vec<String> = marking
            .releasable_nations
            .iter()
            .map(|n| n.to_string())
            .collect();
        parts.push(format!("nations: {}", nations.join(", ")));
    }
    if !marking.releasable_communities.is_empty() {
        let communities: Vec<&str> = marking
            .releasable_communities
            .iter()
            .map(|c| c.path.as_str())
            .collect();
        parts.push(format!("communities: {}", communities.join(", ")));
    }
    if parts.is_empty() {
        "every member of the community".to_owned()
    } else {
        parts.join("; ")
    }
}

/// Content query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentQuery {
    version: Option<i64>,
}

/// `GET /d/{id}/content[?version=N]`
pub async fn download_document(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    query: Result<Query<ContentQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query.map_err(|e| rejected(e.status(), e.body_text()))?;
    let doc = documents::document_for(&state, &user, &client, &id, DocumentAction::Read).await?;
    let download = documents::download(&state, &user, &client, &doc, query.version).await?;
    Ok(crate::routes::download::response(download)?)
}

/// `POST /d/{id}/versions`: stores the upload as the next version and shows
/// the document again.
pub async fn upload_version(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let doc = documents::document_for(&state, &user, &client, &id, DocumentAction::Revise).await?;
    check_declared_length(&state, &headers)?;
    let multipart = multipart.map_err(|e| rejected(e.status(), e.body_text()))?;
    let upload = read_upload(multipart, &state.blobs, state.config.upload.max_bytes).await?;
    documents::add_version(&state, &user, &client, &doc, upload).await?;
    Ok(Redirect::to(&format!("/d/{}?uploaded=version", doc.id)).into_response())
}
