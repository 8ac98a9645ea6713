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

use crate::App;

/// Fingerprints one blob and stores the index of `document` version
/// `version`. Errors are those of reading the blob or writing the store;
/// extraction problems are stored, not returned.
pub async fn index_version(
    store: &Store,
    blobs: &BlobStore,
    document: &str,
    version: i64,
    blob: &str,
    filename: &str,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let entry = read_entry(blobs, blob, filename).await?;
    store.index_version(document, version, &entry, now).await?;
    Ok(())
}

/// The index entry of one stored blob (read, then fingerprinted on a
/// blocking thread). Errors are those of reading the blob; extraction
/// problems are in the entry.
pub async fn read_entry(
    blobs: &BlobStore,
    blob: &str,
    filename: &str,
) -> anyhow::Result<IndexEntry> {
    let hash = BlobHash::parse(blob)?;
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
            ..IndexEntry::default()
        },
        Some(bytes) => {
            let name = filename.to_owned();
            tokio::task::spawn_blocking(move || entry_for(sha, &bytes, &name, &limits)).await?
        }
    };
    Ok(entry)
}

/// Extracts and fingerprints `bytes` (CPU work: call from a blocking task).
pub fn entry_for(sha: [u8; 32], bytes: &[u8], filename: &str, limits: &Limits) -> IndexEntry {
    let params = Params::default();
    // The bytes were hashed while read: fingerprint from the text alone.
    let fingerprint = rampart_docmatch::extract_text(bytes, Some(filename), limits)
        .map(|e| Fingerprint::of(sha, &NormalizedText::new(&e.text), &params));
    match fingerprint {
        Ok(fp) => IndexEntry {
            bytes_sha256: sha,
            text_sha256: (fp.words > 0).then_some(fp.text_sha256),
            fingerprint: Some(fp.to_bytes()),
            problem: None,
            bands: fp.band_keys(&params),
            anchors: fp.anchors(&params),
        },
        Err(e) => IndexEntry {
            bytes_sha256: sha,
            problem: Some(e.to_string()),
            ..IndexEntry::default()
        },
    }
}

/// The upload hook: indexes a freshly committed version, logging (never
/// returning) failures.
pub async fn index_upload(state: &App, document: &str, version: i64, blob: &str, filename: &str) {
    let now = state.clock.now();
    if let Err(e) = index_version(
        &state.store,
        &state.blobs,
        document,
        version,
        blob,
        filename,
        now,
    )
    .await
    {
        tracing::warn!(document, version, error = %format!("{e:#}"), "match index not updated; run `rampart reindex`");
    }
}
