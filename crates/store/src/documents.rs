//! Documents, their markings and their immutable versions.

use crate::Result;
use rampart_domain::{AccountId, CommunityId, DocumentId, Marking, Nation};
use time::OffsetDateTime;

/// A document with its marking and current version.
#[derive(Debug, Clone)]
pub struct DocumentRow {
    /// Id.
    pub id: DocumentId,
    /// Owning community.
    pub community: CommunityId,
    /// Owning portal's slug.
    pub portal_slug: String,
    /// Owning community's slug.
    pub community_slug: String,
    /// Title.
    pub title: String,
    /// Marking.
    pub marking: Marking,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// The current version.
    pub current: VersionRow,
}

/// One immutable version of a document.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VersionRow {
    /// 1, 2, 3, …
    pub number: i64,
    /// BLAKE3 of the content.
    pub blob: String,
    /// Bytes.
    pub size: i64,
    /// MIME type.
    pub media_type: String,
    /// File name given at upload.
    pub filename: String,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub uploaded_at: OffsetDateTime,
}

/// A version to store.
#[derive(Debug, Clone)]
pub struct NewVersion {
    /// BLAKE3 of the content (the blob must already be durable).
    pub blob: String,
    /// Bytes.
    pub size: i64,
    /// MIME type.
    pub media_type: String,
    /// Sanitised file name.
    pub filename: String,
    /// Uploader.
    pub uploaded_by: AccountId,
}

/// A document to store with its first version.
#[derive(Debug, Clone)]
pub struct NewDocument {
    /// Fresh random id.
    pub id: DocumentId,
    /// Owning community.
    pub community: CommunityId,
    /// Title.
    pub title: String,
    /// Resolved marking.
    pub marking: Marking,
    /// First version.
    pub version: NewVersion,
}

/// Position in a listing: newest first, ties broken by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The last item's creation time (Unix ms).
    pub created_at_ms: i64,
    /// The last item's id.
    pub id: String,
}

impl Cursor {
    /// The opaque text form handed to clients.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.created_at_ms, self.id)
    }

    /// Parses a client's cursor; `None` if malformed.
    pub fn decode(s: &str) -> Option<Self> {
        let (ms, id) = s.split_once('.')?;
        let id: DocumentId = id.parse().ok()?;
        Some(Self {
            created_at_ms: ms.parse().ok()?,
            id: id.to_string(),
        })
    }
}

/// How a community's library is shown: an order and two filters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LibraryView<'a> {
    /// The order.
    pub sort: LibrarySort,
    /// Only documents with this marking label.
    pub label: Option<&'a str>,
    /// Only documents whose current version has this media type.
    pub media_type: Option<&'a str>,
}

/// The orders of a library.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LibrarySort {
    /// Newest first.
    #[default]
    Newest,
    /// Oldest first.
    Oldest,
    /// By title, A to Z (case ignored).
    Title,
    /// Largest current version first.
    Largest,
}

/// Documents operations of a storage backend.
#[async_trait::async_trait]
pub trait Documents: Send + Sync {
    /// Stores a document, its marking and its first version atomically.
    async fn create_document(&self, new: &NewDocument, now: OffsetDateTime) -> Result<()>;

    /// Adds a version and makes it current; returns its number.
    async fn add_version(
        &self,
        document: DocumentId,
        v: &NewVersion,
        now: OffsetDateTime,
    ) -> Result<i64>;

    /// A document by id, whoever asks (the caller must run the policy).
    async fn document(&self, id: DocumentId) -> Result<Option<DocumentRow>>;

    /// Every version of a document, oldest first.
    async fn versions(&self, id: DocumentId) -> Result<Vec<VersionRow>>;

    /// One page of a community's documents that `account` (of `nation`) may
    /// see, newest first, and the cursor of the next page.
    async fn list_documents_for_member(
        &self,
        community: CommunityId,
        account: AccountId,
        nation: &Nation,
        after: Option<&Cursor>,
        limit: u32,
    ) -> Result<(Vec<DocumentRow>, Option<Cursor>)>;

    /// One page of a community's documents that `account` (of `nation`)
    /// may see, narrowed and ordered by `view`, after `offset`; and how
    /// many match the view in all.
    async fn browse_documents(
        &self,
        community: CommunityId,
        account: AccountId,
        nation: &Nation,
        view: &LibraryView<'_>,
        offset: u32,
        limit: u32,
    ) -> Result<(Vec<DocumentRow>, u64)>;

    /// The labels and media types of a community's documents that
    /// `account` may see (what its filters offer), each sorted.
    async fn library_facets(
        &self,
        community: CommunityId,
        account: AccountId,
        nation: &Nation,
    ) -> Result<(Vec<String>, Vec<String>)>;

    /// How many documents of `community` are releasable to the account (the
    /// count of what [`Store::list_documents_for_member`] walks).
    async fn count_documents_for_member(
        &self,
        community: CommunityId,
        account: AccountId,
        nation: &Nation,
    ) -> Result<u64>;

    /// Makes a document a canary, or a real document again; false if there
    /// is no such document.
    async fn set_canary(&self, id: DocumentId, canary: bool) -> Result<bool>;

    /// Every canary, newest first (at most `limit`).
    async fn canaries(&self, limit: u32) -> Result<Vec<DocumentRow>>;

    /// Who uploaded the newest version of `community`'s documents, if any:
    /// whom a planted canary is attributed to unless told otherwise, so that
    /// it looks like the community's other documents.
    async fn latest_uploader(&self, community: CommunityId) -> Result<Option<AccountId>>;

    /// Every blob hash that a version references (for garbage collection).
    async fn referenced_blobs(&self) -> Result<std::collections::HashSet<String>>;
}
