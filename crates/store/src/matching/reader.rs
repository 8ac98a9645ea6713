//! Reading the match index during triage: exact hashes, candidates by LSH
//! band keys and anchors, and the stored fingerprints of candidates, in one
//! read session (a backend may hold one connection for it).

use super::{Candidate, ItemId, MatchSource, StoredFingerprint};
use crate::Result;

/// A read session on the match index.
pub type IndexReader = Box<dyn MatchReader>;

/// The lookups of a read session on the match index.
#[async_trait::async_trait]
pub trait MatchReader: Send {
    /// Items whose bytes or normalised text hash equals the given ones.
    async fn exact_matches(
        &mut self,
        bytes_sha256: &[u8; 32],
        text_sha256: Option<&[u8; 32]>,
    ) -> Result<Vec<MatchSource>>;

    /// Candidates sharing band keys or non-boilerplate anchors (anchors in
    /// more than [`super::BOILERPLATE_ANCHOR_LIMIT`] items do not count), in
    /// both corpora, best evidence (bands + anchors) first, ties by item, at
    /// most `limit`.
    async fn match_candidates(
        &mut self,
        bands: &[(u16, u64)],
        anchors: &[u32],
        limit: usize,
    ) -> Result<Vec<Candidate>>;

    /// The stored fingerprints of the given items, with the version or
    /// public reference each is (unknown items are absent), by source.
    async fn fingerprints_of(&mut self, items: &[ItemId]) -> Result<Vec<StoredFingerprint>>;
}
