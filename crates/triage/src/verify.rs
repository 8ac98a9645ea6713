//! Near-whole matches checked word by word against the version's own text.
//!
//! A file that holds (nearly) all of a version and nothing much else, yet
//! not its exact text, is what another text extractor or a re-save makes
//! of a genuine copy — or a copy someone edited. Fingerprints cannot tell
//! the two apart on a long document, so such a file is compared with the
//! text of the version itself, read from its blob
//! ([`rampart_docmatch::compare`]): extraction's splits, joins, moves and
//! scattered losses are set aside, and what is left decides between
//! `genuine` and `altered`, and is shown in the report.
//!
//! Only files whose shingles are at least [`MIN_CONTAINMENT`] contained in
//! the version and the other way round are compared — or
//! [`MIN_CONTAINMENT_SERVED`] for a file whose layer sentinels name one of
//! the document's downloads: a served copy another tool has read. Each
//! comparison costs a second extraction (of the version), and an edited
//! copy shares less than other tools' text of a whole copy does.

use rampart_blobs::{BlobHash, BlobStore};
use rampart_docmatch::Differences;
use rampart_store::Store;
use std::{collections::HashMap, sync::Arc, time::Duration};

/// Containment both ways above which an `altered` match is compared word
/// by word: other extractors' whole-text output of real PDFs shares ≥ 0.93
/// both ways with ours; a copy with 5 % of its words edited about 0.75.
pub const MIN_CONTAINMENT: f64 = 0.9;

/// The same for a served copy another tool has read (its layer sentinels
/// name a download of the document): such text of reference cards and
/// groff manuals shares as little as 0.48 of its shingles with ours
/// (columns and hyphenation cut them), yet differs only in order and
/// splits. Comparing every altered match this way made the triage
/// benchmark's text files three times slower (600 edited copies, each
/// version extracted again), for files no sentinel ties to a download.
pub const MIN_CONTAINMENT_SERVED: f64 = 0.4;

/// How long one comparison may take; a comparison cut short leaves the
/// verdict `altered` (and says so). Measured: 2–170 ms for Debian manuals
/// of 600–140,000 words through other extractors, so the limit is only
/// met by texts that share little, and a busy machine does not change a
/// verdict.
const DEADLINE: Duration = Duration::from_secs(10);

/// Bytes of version texts kept for further files of the same version: a
/// dump of thousands of near-whole copies must not hold every text.
const CACHE_BYTES: usize = 64 << 20;

/// A version's normalised text by (document, version); `None` when it
/// could not be read or extracted.
type TextCache = tokio::sync::Mutex<HashMap<(String, i64), Option<Arc<String>>>>;

/// The stored versions' texts, read once per version for every file that
/// needs them.
pub struct VersionTexts {
    blobs: BlobStore,
    limits: rampart_docmatch::Limits,
    cache: TextCache,
}

impl VersionTexts {
    /// Texts read from `blobs` with the extraction `limits` of the index.
    pub fn new(blobs: BlobStore, limits: rampart_docmatch::Limits) -> Self {
        Self {
            blobs,
            limits,
            cache: Default::default(),
        }
    }

    /// The normalised text of `document`'s `version`, if it can be read
    /// and extracted.
    async fn text(
        &self,
        store: &Store,
        document: &str,
        version: i64,
    ) -> Result<Option<Arc<String>>, crate::Error> {
        let key = (document.to_owned(), version);
        if let Some(text) = self.cache.lock().await.get(&key) {
            return Ok(text.clone());
        }
        let text = self.read(store, document, version).await?;
        let mut cache = self.cache.lock().await;
        let held: usize = cache.values().flatten().map(|t| t.len()).sum();
        if held + text.as_ref().map_or(0, |t| t.len()) > CACHE_BYTES {
            cache.clear();
        }
        cache.insert(key, text.clone());
        Ok(text)
    }

    async fn read(
        &self,
        store: &Store,
        document: &str,
        version: i64,
    ) -> Result<Option<Arc<String>>, crate::Error> {
        let Ok(id) = document.parse::<rampart_domain::DocumentId>() else {
            return Ok(None);
        };
        let Some(row) = store
            .versions(id)
            .await?
            .into_iter()
            .find(|v| v.number == version)
        else {
            return Ok(None);
        };
        let Ok(hash) = BlobHash::parse(&row.blob) else {
            return Ok(None);
        };
        let mut bytes = Vec::new();
        match self.blobs.open_blob(&hash).await {
            Ok(mut file) => {
                use tokio::io::AsyncReadExt;
                if file.read_to_end(&mut bytes).await.is_err() {
                    return Ok(None);
                }
            }
            Err(_) => return Ok(None),
        }
        let limits = self.limits.clone();
        let filename = row.filename;
        let text = tokio::task::spawn_blocking(move || {
            rampart_docmatch::extract_text(&bytes, Some(&filename), &limits)
                .ok()
                .map(|e| Arc::new(rampart_docmatch::normalize(&e.text)))
        })
        .await
        .map_err(|e| crate::Error::Task("version text", e.to_string()))?;
        Ok(text)
    }

    /// Compares a file's extracted `text` with the version's.
    pub async fn compare(
        &self,
        store: &Store,
        document: &str,
        version: i64,
        text: Arc<String>,
    ) -> Result<Option<Differences>, crate::Error> {
        let Some(ours) = self.text(store, document, version).await? else {
            return Ok(None);
        };
        tokio::task::spawn_blocking(move || {
            let theirs = rampart_docmatch::normalize(&text);
            Some(rampart_docmatch::compare(&ours, &theirs, DEADLINE))
        })
        .await
        .map_err(|e| crate::Error::Task("comparison", e.to_string()))
    }
}
