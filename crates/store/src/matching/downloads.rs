//! The download records triage cross-references: every download of the
//! documents a dump matched, and everything an accused account downloaded.

use crate::Result;
use std::collections::HashMap;
use time::OffsetDateTime;

/// One recorded download of a document, for triage's cross-reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadRecord {
    /// Download id.
    pub id: String,
    /// Recipient's email.
    pub account: String,
    /// Version downloaded.
    pub version: i64,
    /// When.
    pub time: OffsetDateTime,
}

/// MatchDownloads operations of a storage backend.
#[async_trait::async_trait]
pub trait MatchDownloads: Send + Sync {
    /// The downloads of each of `documents` (every version), oldest first,
    /// at most `limit` per document, with each document's total count; a
    /// document nobody downloaded is absent. A few statements for any
    /// number of documents: the report lists the downloads of every
    /// matched document, and a statement per document was a tenth of a
    /// second after the last file of a large dump.
    async fn downloads_of_documents(
        &self,
        documents: &[String],
        limit: i64,
    ) -> Result<HashMap<String, (Vec<DownloadRecord>, i64)>>;

    /// Every download of an account as (document, title, version, time),
    /// oldest first: an accused account's "also downloaded" list is this
    /// minus the documents found in the dump.
    async fn downloads_of_account(
        &self,
        email: &str,
    ) -> Result<Vec<(String, String, i64, OffsetDateTime)>>;
}
