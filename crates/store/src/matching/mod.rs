//! The match index for leak triage: per-version fingerprints, LSH band keys
//! and anchors (written at upload, rebuilt by `rampart reindex`), the same
//! for registered public reference material, and the download records
//! triage cross-references. The store does not compute fingerprints (that is
//! `rampart-docmatch`'s job); it keeps the bytes and answers candidate
//! queries. Every value is bound; the only SQL text that varies is the
//! number of `?` placeholders of a batch, never input.

mod downloads;
mod reader;

pub use downloads::{DownloadRecord, MatchDownloads};
pub use reader::{IndexReader, MatchReader};

use crate::Result;
use time::OffsetDateTime;

/// What to store for one indexed file (a version or a public reference).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexEntry {
    /// SHA-256 of the file's bytes.
    pub bytes_sha256: [u8; 32],
    /// SHA-256 of the normalised text (None when unindexable).
    pub text_sha256: Option<[u8; 32]>,
    /// `Fingerprint::to_bytes()` (None when unindexable); its first four
    /// bytes are its encoding tag ([`Store::index_stats`]).
    pub fingerprint: Option<Vec<u8>>,
    /// Why the file could not be fingerprinted.
    pub problem: Option<String>,
    /// LSH band keys `(band, key)`.
    pub bands: Vec<(u16, u64)>,
    /// Anchors (sketch entries at the anchor level).
    pub anchors: Vec<u32>,
    /// What full-text search indexes (versions only; public references
    /// are not searched).
    pub search: Option<crate::SearchText>,
}

impl IndexEntry {
    /// The fingerprint's encoding tag (its first four bytes).
    pub fn encoding(&self) -> Option<&[u8]> {
        self.fingerprint.as_deref().and_then(|f| f.get(..4))
    }
}

/// An indexed item a leaked file can match.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MatchSource {
    /// A document version.
    Version {
        /// Document id (hex text).
        document: String,
        /// Version number.
        version: i64,
    },
    /// A registered public reference (`public_refs.id`).
    Public(i64),
}

/// An indexed item by its row id in its corpus: what the band and anchor
/// postings hold ([`IndexReader::fingerprints_of`] says which version it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemId {
    /// `match_versions.id`.
    Version(i64),
    /// `public_refs.id`.
    Public(i64),
}

/// A candidate and how much index evidence points to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The indexed item.
    pub item: ItemId,
    /// Shared LSH band keys.
    pub bands: u32,
    /// Shared (non-boilerplate) anchors.
    pub anchors: u32,
}

/// A stored fingerprint (None when the item was unindexable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFingerprint {
    /// The indexed item.
    pub source: MatchSource,
    /// `Fingerprint::to_bytes()` output, when indexable.
    pub fingerprint: Option<Vec<u8>>,
}

/// A registered public reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicRef {
    /// Row id.
    pub id: i64,
    /// The operator's description of where it was published.
    pub source: String,
    /// Path of the file when it was registered.
    pub path: String,
}

/// The exact hashes of everything indexed ([`Store::indexed_hashes`]).
#[derive(Debug, Clone, Default)]
pub struct IndexedHashes {
    /// SHA-256 of the bytes of every version and public reference.
    pub bytes: std::collections::HashSet<[u8; 32]>,
    /// SHA-256 of their normalised texts (those with words).
    pub texts: std::collections::HashSet<[u8; 32]>,
}

/// A version the index should cover (for `reindex`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionToIndex {
    /// Document id (hex text).
    pub document: String,
    /// Version number.
    pub version: i64,
    /// Blob hash.
    pub blob: String,
    /// Uploaded file name (a format hint).
    pub filename: String,
    /// The document's title (searched with the text).
    pub title: String,
    /// Size in bytes.
    pub size: i64,
}

/// Index coverage, for the report's notes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexStats {
    /// Versions stored.
    pub versions: i64,
    /// Versions with an index row.
    pub indexed: i64,
    /// Index rows without a fingerprint (match by bytes only).
    pub unindexable: i64,
    /// Index rows whose fingerprint an earlier matcher made (`reindex`).
    pub stale: i64,
    /// Registered public references.
    pub public_refs: i64,
    /// Public references whose fingerprint an earlier matcher made (their
    /// files are not kept: only registering them again renews it).
    pub stale_public_refs: i64,
}

/// Anchors found in more indexed items than this are boilerplate and do
/// not nominate candidates (docmatch README: "present in > 50 files").
pub const BOILERPLATE_ANCHOR_LIMIT: i64 = 50;

/// MatchIndex operations of a storage backend.
#[async_trait::async_trait]
pub trait MatchIndex: Send + Sync {
    /// Opens a read session on the match index.
    async fn index_reader(&self) -> Result<IndexReader>;

    /// Stores (replacing) the index of one document version, atomically.
    async fn index_version(
        &self,
        document: &str,
        version: i64,
        entry: &IndexEntry,
        now: OffsetDateTime,
    ) -> Result<()>;

    /// Stores (replacing) the index of several versions in one transaction
    /// (`reindex` writes batches: one commit, so one sync, per batch).
    async fn index_versions(
        &self,
        entries: &[(&str, i64, &IndexEntry)],
        now: OffsetDateTime,
    ) -> Result<()>;

    /// Registers one file of public reference material; returns its id.
    async fn add_public_ref(
        &self,
        source: &str,
        path: &str,
        entry: &IndexEntry,
        now: OffsetDateTime,
    ) -> Result<i64>;

    /// Removes the whole version index (public references stay).
    async fn clear_match_index(&self) -> Result<()>;

    /// Every stored version, oldest document first (for `reindex`).
    async fn versions_to_index(&self) -> Result<Vec<VersionToIndex>>;

    /// The byte and normalised-text hashes of every indexed version and
    /// public reference: a file whose hash is here is an exact copy (64
    /// bytes per item; 6 MB for 10⁵ versions).
    async fn indexed_hashes(&self) -> Result<IndexedHashes>;

    /// A registered public reference.
    async fn public_ref(&self, id: i64) -> Result<Option<PublicRef>>;

    /// Why a version is unindexable, if it is (None: indexed fine or absent).
    async fn index_problem(&self, document: &str, version: i64) -> Result<Option<String>>;

    /// Index coverage figures. `encoding` is the current matcher's
    /// encoding tag (the first four bytes of its fingerprints): stored
    /// fingerprints with another are counted as stale. Every count reads
    /// an index: a row has an encoding exactly when it has a fingerprint,
    /// and scanning the fingerprints themselves took 0.2–7 s at 10^5
    /// versions (warm or cold page cache), at every triage start.
    async fn index_stats(&self, encoding: &[u8]) -> Result<IndexStats>;
}
