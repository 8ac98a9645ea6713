//! The match index at upload: every stored version is extracted and
//! fingerprinted (`rampart-docmatch`) and its hashes, fingerprint, LSH band
//! keys and anchors go into the store, so that triage never re-reads the
//! corpus. Indexing never fails an upload: a file that cannot be extracted
//! gets a row saying why (it can then only match by exact bytes), and a
//! store error is logged.

use rampart_blobs::{BlobHash, BlobStore};
use rampart_docmatch::{Fingerprint, Limits, NormalizedText, Params};
use rampart_store::{IndexEntry, Store};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tokio::io::AsyncReadExt;

use crate::{search::search_text, App};

/// What is indexed of one version: where its bytes are and what it is
/// called.
#[derive(Debug, Clone, Copy)]
pub struct VersionFile<'a> {
    /// Blob hash.
    pub blob: &'a str,
    /// Uploaded file name (a format hint, and searched).
    pub filename: &'a str,
    /// The document's title (searched).
    pub title: &'a str,
}

/// Fingerprints one blob and stores the index of `document` version
/// `version`, with its search row. Errors are those of reading the blob or
/// writing the store; extraction problems are stored, not returned.
pub async fn index_version(
    store: &Store,
    blobs: &BlobStore,
    document: &str,
    version: i64,
    file: VersionFile<'_>,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let entry = read_entry(blobs, file).await?;
    store.index_version(document, version, &entry, now).await?;
    Ok(())
}

/// The index entry of one stored version (read, then fingerprinted on a
/// blocking thread), with its search row. Errors are those of reading the
/// blob; extraction problems are in the entry.
pub async fn read_entry(blobs: &BlobStore, version: VersionFile<'_>) -> anyhow::Result<IndexEntry> {
    let hash = BlobHash::parse(version.blob)?;
    let mut file = blobs.open_blob(&hash).await?;
    let limits = Limits::default();
    let mut hasher = Sha256::new();
    let mut content = Some(Vec::new());
    let mut size = 0u64;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
        if size > limits.max_input_bytes {
            content = None;
        } else if let Some(c) = content.as_mut() {
            c.extend_from_slice(&buf[..n]);
        }
    }
    let sha: [u8; 32] = hasher.finalize().into();
    let entry = match content {
        None => IndexEntry {
            bytes_sha256: sha,
            problem: Some(format!(
                "{size} bytes is over the extraction limit of {} bytes",
                limits.max_input_bytes
            )),
            // Still found by its title and file name.
            search: Some(search_text(version.title, version.filename, "")),
            ..IndexEntry::default()
        },
        Some(bytes) => {
            let (name, title) = (version.filename.to_owned(), version.title.to_owned());
            tokio::task::spawn_blocking(move || {
                let (mut entry, text) = extract(sha, &bytes, &name, &limits);
                entry.search = Some(search_text(&title, &name, &text));
                entry
            })
            .await?
        }
    };
    Ok(entry)
}

/// Extracts and fingerprints `bytes` (CPU work: call from a blocking task).
pub fn entry_for(sha: [u8; 32], bytes: &[u8], filename: &str, limits: &Limits) -> IndexEntry {
    extract(sha, bytes, filename, limits).0
}

/// The index entry of `bytes` and their extracted text (empty when none
/// could be extracted).
fn extract(sha: [u8; 32], bytes: &[u8], filename: &str, limits: &Limits) -> (IndexEntry, String) {
    let params = Params::default();
    // The bytes were hashed while read: fingerprint from the text alone.
    let extracted = rampart_docmatch::extract_text(bytes, Some(filename), limits).map(|e| {
        let fp = Fingerprint::of(sha, &NormalizedText::new(&e.text), &params);
        (fp, e.text)
    });
    let (entry, text) = match extracted {
        Ok((fp, text)) => (
            IndexEntry {
                bytes_sha256: sha,
                text_sha256: (fp.words > 0).then_some(fp.text_sha256),
                fingerprint: Some(fp.to_bytes()),
                problem: None,
                bands: fp.band_keys(&params),
                anchors: fp.anchors(&params),
                search: None,
            },
            text,
        ),
        Err(e) => (
            IndexEntry {
                bytes_sha256: sha,
                problem: Some(e.to_string()),
                ..IndexEntry::default()
            },
            String::new(),
        ),
    };
    (entry, text)
}

/// The upload hook: indexes a freshly committed version, logging (never
/// returning) failures.
pub async fn index_upload(state: &App, document: &str, version: i64, file: VersionFile<'_>) {
    let now = state.clock.now();
    if let Err(e) = index_version(&state.store, &state.blobs, document, version, file, now).await {
        tracing::warn!(document, version, error = %format!("{e:#}"), "match index not updated; run `rampart reindex`");
    }
}
