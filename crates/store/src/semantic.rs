//! The passage index for recognising rewritten leaks: each version's (and
//! each public reference's) extracted text cut into passages, each with its
//! sentence embedding quantised to bytes. The store does not embed (that is
//! `rampart-semantic`'s job); it keeps passages and says which versions
//! still need theirs.
//!
//! The queue of versions to embed is not a table of its own: a version is
//! pending until a row of `semantic_versions` says it was embedded by the
//! current model. Nothing can be lost between an upload and its embedding
//! (the version row is the queue entry), a restart resumes where it
//! stopped, and a new model makes every version pending again.

use crate::{MatchSource, Result};
use time::OffsetDateTime;

/// One passage as stored: its text (shown beside the leaked passage it
/// aligns with) and its embedding (one signed byte per dimension).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPassage {
    /// The passage's text.
    pub text: String,
    /// The quantised embedding.
    pub embedding: Vec<i8>,
}

/// A version waiting for its passages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionToEmbed {
    /// Document id (hex text).
    pub document: String,
    /// Version number.
    pub version: i64,
    /// Blob hash.
    pub blob: String,
    /// Uploaded file name (a format hint).
    pub filename: String,
}

/// Every stored embedding of a model, in one buffer: what triage searches
/// in memory. One buffer, filled as rows stream in, because a vector per
/// passage doubled triage's peak memory (measured: 1,048 MiB at 784,000
/// passages, over the 1 GiB goal).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmbeddedItems {
    /// The items, each with its number of passages, in the order of `rows`.
    pub items: Vec<(MatchSource, usize)>,
    /// The embeddings, `width` bytes each, item after item, each item's in
    /// passage order.
    pub rows: Vec<i8>,
    /// The length of an embedding (rows of another length are skipped).
    pub width: usize,
}

impl EmbeddedItems {
    /// Adds a row of `source` (rows of one item arrive together).
    pub fn push(&mut self, source: MatchSource, embedding: &[u8]) {
        if self.width == 0 {
            self.width = embedding.len();
        }
        if embedding.len() != self.width || self.width == 0 {
            return;
        }
        self.rows.extend(embedding_from_bytes(embedding));
        match self.items.last_mut() {
            Some((last, n)) if *last == source => *n += 1,
            _ => self.items.push((source, 1)),
        }
    }
}

/// How far the passage index covers the store, for triage's notes and
/// what `serve` and `reindex` print.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SemanticCoverage {
    /// Versions stored.
    pub versions: i64,
    /// Versions embedded by the given model (with or without passages).
    pub embedded: i64,
    /// Passages of those versions and of public references.
    pub passages: i64,
    /// Public references with no passages by the model (registered
    /// without it, or with no text).
    pub public_refs_without: i64,
}

/// Passage index operations of a storage backend.
#[async_trait::async_trait]
pub trait SemanticIndex: Send + Sync {
    /// Versions not yet embedded by `model`, oldest upload first, at most
    /// `limit`.
    async fn versions_to_embed(&self, model: &str, limit: i64) -> Result<Vec<VersionToEmbed>>;

    /// Claims up to `limit` versions not yet embedded by `model`, oldest
    /// upload first, skipping those another embedder holds a claim on
    /// that lasts past `now`: each is held until `until`, or until its
    /// passages are stored. Embedders calling at once (several nodes, or
    /// `serve` beside `reindex`) get disjoint sets, so none embeds a
    /// version another is embedding; a claim left by an embedder that
    /// stopped is free again after `until`.
    async fn claim_versions_to_embed(
        &self,
        model: &str,
        limit: i64,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<VersionToEmbed>>;

    /// Replaces a version's passages and records that `model` embedded
    /// it, in one transaction, dropping its claim (an empty list records a
    /// version with no text: it is not pending again). A version deleted
    /// meanwhile is skipped.
    async fn set_version_passages(
        &self,
        document: &str,
        version: i64,
        model: &str,
        passages: &[StoredPassage],
        now: OffsetDateTime,
    ) -> Result<()>;

    /// Replaces a public reference's passages, embedded by `model`.
    async fn set_public_passages(
        &self,
        id: i64,
        model: &str,
        passages: &[StoredPassage],
    ) -> Result<()>;

    /// Every item's embeddings (versions embedded by `model`, and public
    /// references), for an exact nearest-neighbour search in memory: 384
    /// bytes a passage, 300 MB at 784,000.
    async fn embedded_items(&self, model: &str) -> Result<EmbeddedItems>;

    /// One item's passages, in order (empty when it has none).
    async fn passages_of(&self, source: &MatchSource) -> Result<Vec<StoredPassage>>;

    /// How far the passage index covers the store for `model`.
    async fn semantic_coverage(&self, model: &str) -> Result<SemanticCoverage>;
}

/// An embedding as the bytes a backend stores (two's complement).
pub fn embedding_bytes(embedding: &[i8]) -> Vec<u8> {
    embedding.iter().map(|&v| v.to_ne_bytes()[0]).collect()
}

/// An embedding from its stored bytes.
pub fn embedding_from_bytes(bytes: &[u8]) -> Vec<i8> {
    bytes.iter().map(|&b| i8::from_ne_bytes([b])).collect()
}
