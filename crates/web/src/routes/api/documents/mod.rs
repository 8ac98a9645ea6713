//! Documents through the JSON API: list, upload, metadata, content, new
//! versions (one action per file). The flows themselves live in
//! `rampart_app::documents`; here are the answers' types.

pub mod content;
pub mod list;
pub mod show;
pub mod upload;
pub mod versions;

use crate::auth::Authenticated;
use rampart_app::canaries;
use rampart_domain::Marking;
use rampart_store::{DocumentRow, VersionRow};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

/// A document as one caller sees it. A canary looks exactly like any other
/// document; only security officers get a `canary` field (on every
/// document, true or false).
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentView {
    /// The document's id.
    #[schema(example = "6f1c0e5a2b9d4c7e8a3f1b2c3d4e5f60")]
    pub id: String,
    /// Its title.
    pub title: String,
    /// The owning community, `portal/community`.
    pub community: String,
    /// Its marking.
    pub marking: MarkingView,
    /// The marking as one line, as shown on pages and copies, e.g.
    /// `NON-PUBLIC // REL TO FRA, NOR`.
    pub banner: String,
    /// The current version's number.
    pub version: i64,
    /// The current version's size in bytes.
    pub size: i64,
    /// The current version's media type.
    pub media_type: String,
    /// The current version's file name.
    pub filename: String,
    /// When the document was created (RFC 3339).
    pub created_at: String,
    /// Whether it is a canary: present for security officers only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canary: Option<bool>,
    /// Every version, oldest first: in the answer about one document
    /// (`GET /api/v1/documents/{id}`) only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<VersionView>>,
}

impl DocumentView {
    /// `doc` as `user` may see it.
    pub fn of(doc: &DocumentRow, user: &Authenticated) -> Self {
        DocumentView {
            id: doc.id.to_string(),
            title: doc.title.clone(),
            community: format!("{}/{}", doc.portal_slug, doc.community_slug),
            marking: MarkingView::from(&doc.marking),
            banner: doc.marking.banner(),
            version: doc.current.number,
            size: doc.current.size,
            media_type: doc.current.media_type.clone(),
            filename: doc.current.filename.clone(),
            created_at: doc.created_at.format(&Rfc3339).unwrap_or_default(),
            canary: canaries::sees_canaries(user).then_some(doc.marking.canary),
            versions: None,
        }
    }
}

/// A document's marking (never whether it is a canary).
#[derive(Debug, Serialize, ToSchema)]
pub struct MarkingView {
    /// The label, e.g. `NON-PUBLIC`.
    pub label: String,
    /// Nations whose members may see it (ISO 3166 alpha-3); with
    /// `releasable_communities` empty too, every member of the owning
    /// community may.
    pub releasable_nations: Vec<String>,
    /// Communities whose members may see it.
    pub releasable_communities: Vec<ReleasableCommunityView>,
    /// The day it was released to the public, if it was (`YYYY-MM-DD`).
    pub public_since: Option<String>,
    /// Where it was published.
    pub public_source: Option<String>,
}

/// A community a document is releasable to.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReleasableCommunityView {
    /// `portal/community`.
    pub path: String,
}

impl From<&Marking> for MarkingView {
    fn from(m: &Marking) -> Self {
        MarkingView {
            label: m.label.clone(),
            releasable_nations: m.releasable_nations.iter().map(|n| n.to_string()).collect(),
            releasable_communities: m
                .releasable_communities
                .iter()
                .map(|c| ReleasableCommunityView {
                    path: c.path.clone(),
                })
                .collect(),
            public_since: m
                .public_since
                .map(|d| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())),
            public_source: m.public_source.clone(),
        }
    }
}

/// One immutable version of a document.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    /// 1, 2, 3, …
    pub number: i64,
    /// BLAKE3 of the content as uploaded.
    pub blob: String,
    /// Bytes.
    pub size: i64,
    /// Media type.
    pub media_type: String,
    /// File name given at upload.
    pub filename: String,
    /// Who uploaded it (email).
    pub uploaded_by: String,
    /// When (RFC 3339).
    pub uploaded_at: String,
}

impl From<&VersionRow> for VersionView {
    fn from(v: &VersionRow) -> Self {
        VersionView {
            number: v.number,
            blob: v.blob.clone(),
            size: v.size,
            media_type: v.media_type.clone(),
            filename: v.filename.clone(),
            uploaded_by: v.uploaded_by.clone(),
            uploaded_at: v.uploaded_at.format(&Rfc3339).unwrap_or_default(),
        }
    }
}

/// The multipart form of a new version: the file alone (the title and the
/// marking are the document's).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct VersionForm {
    /// The file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// A document or version just stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    /// The document's id.
    pub id: String,
    /// The number of the version stored.
    pub version: i64,
}

/// The multipart form of an upload (schema only: the body is read as a
/// stream by `crate::upload`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Title: 1 to 200 characters, without control or format characters
    /// or path separators.
    #[schema(
        pattern = r"^[^\s/\\\u0000-\u001F\u007F-\u009F][^/\\\u0000-\u001F\u007F-\u009F]{0,199}$"
    )]
    title: String,
    /// Marking label (default `NON-PUBLIC`).
    label: Option<String>,
    /// Comma-separated nations (`FRA, NOR`) and communities
    /// (`portal/community`) it is releasable to.
    releasable: Option<String>,
    /// `YYYY-MM-DD`: the day it was made public, if it was.
    public_since: Option<String>,
    /// Where it was made public.
    public_source: Option<String>,
    /// `true` to store it as a canary (security officers only).
    canary: Option<String>,
}
