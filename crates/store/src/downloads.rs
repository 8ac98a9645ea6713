//! The download registry: which principal received which copy of which
//! version, when and from where. It is what maps a leaked copy's watermark
//! back to its recipient, so a row is written before the first byte leaves.

use crate::Result;
use rampart_domain::{AccountId, DocumentId, DownloadId};
use time::OffsetDateTime;

/// One download to register.
#[derive(Debug, Clone)]
pub struct NewDownload {
    /// Id carried by the copy.
    pub id: DownloadId,
    /// Recipient.
    pub account: AccountId,
    /// Session or token id.
    pub session: String,
    /// Document.
    pub document: DocumentId,
    /// Version number.
    pub version: i64,
    /// Client address.
    pub ip: String,
    /// Client user agent.
    pub user_agent: String,
    /// Watermark scheme (`none` until watermarking lands).
    pub scheme: String,
    /// Scheme parameters as JSON.
    pub params: String,
}

/// A registered download, as the watermark decoder needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredDownload {
    /// Download id (hex).
    pub id: String,
    /// Recipient's account id.
    pub account: AccountId,
    /// Recipient's email.
    pub email: String,
    /// Version served.
    pub version: i64,
    /// When.
    pub time: OffsetDateTime,
    /// Watermark scheme (`unmarkable` when the copy carries none).
    pub scheme: String,
}

/// Downloads operations of a storage backend.
#[async_trait::async_trait]
pub trait Downloads: Send + Sync {
    /// Every registered download of `document`, oldest first: the
    /// candidates when a leaked copy of it is decoded.
    async fn registered_downloads(&self, document: &str) -> Result<Vec<RegisteredDownload>>;

    /// The documents (at most 8) that downloads whose id begins with
    /// `prefix` (lowercase hex, as a served copy's layer sentinel names
    /// it) served. Anything but 1–32 lowercase hex digits matches nothing.
    async fn documents_served_as(&self, prefix: &str) -> Result<Vec<String>>;

    /// The watermark scheme and parameters (JSON) registered for a download.
    async fn download_params(&self, id: &str) -> Result<Option<(String, String)>>;

    /// Registers a download durably.
    async fn record_download(&self, d: &NewDownload, now: OffsetDateTime) -> Result<()>;

    /// How many downloads an account has made (for tests and reports).
    async fn count_downloads_of(&self, account: AccountId) -> Result<i64>;
}

/// The `LIKE` pattern of a download-id prefix, if it is one (hex only, so
/// the pattern holds no wildcard of the caller's).
pub fn download_prefix_pattern(prefix: &str) -> Option<String> {
    let hex = (1..=32).contains(&prefix.len())
        && prefix
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    hex.then(|| format!("{prefix}%"))
}
