//! Moving an install from one store to another (`rampart migrate`): an
//! embedded data dir (SQLite and blob files) to PostgreSQL and a bucket.
//!
//! Every table is copied row by row, parents first, the log's head last;
//! a row whose key the target has already is skipped, so a copy cut short
//! (a lost connection, Ctrl-C) resumes where it stopped when run again, and
//! a second run over a finished copy changes nothing. Every blob a version
//! names goes to the target bucket (one already there is not sent again).
//! Then the copy is checked: the same number of rows in every table, every
//! blob read back from the bucket and hashed, and the target's audit log
//! verified against the log key with the source's tree root. The source is
//! only read; stop the portal on it first, or what it does meanwhile may be
//! missing from the copy (a second run copies it).

use crate::Error;

type Result<T> = std::result::Result<T, Error>;
use futures_util::TryStreamExt;
use rampart_blobs::{BlobHash, BlobStore};
use rampart_store::auditlog::verify_log;
use rampart_store::transfer::TABLES;
use rampart_store::Store;
use rampart_tlog::VerifierList;

/// Rows written to the target per transaction.
const BATCH: usize = 2_000;

/// One table of the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopy {
    /// The table.
    pub name: &'static str,
    /// Rows in the source.
    pub source: i64,
    /// Rows this run added to the target.
    pub added: u64,
    /// Rows in the target afterwards.
    pub target: i64,
}

/// What a copy did and found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Per table.
    pub tables: Vec<TableCopy>,
    /// Blobs the source's versions name.
    pub blobs: usize,
    /// Entries in the target's audit log.
    pub log_entries: u64,
    /// The target's tree root (base64), equal to the source's.
    pub log_root: String,
    /// Signed checkpoints in the target's log.
    pub checkpoints: usize,
    /// Versions in the target's search index.
    pub searchable: i64,
}

/// The two ends of a copy.
pub struct Ends<'a> {
    /// The install copied.
    pub source: &'a Store,
    /// Its blobs.
    pub source_blobs: &'a BlobStore,
    /// Where it goes.
    pub target: &'a Store,
    /// The target's blobs (the bucket, through a cache of its own).
    pub target_blobs: &'a BlobStore,
    /// A cache with nothing in it, of the same bucket: blobs are read back
    /// through it, so each comes from the bucket and is hashed.
    pub check_blobs: &'a BlobStore,
}

/// Copies `ends.source` to `ends.target` and checks the copy; `progress`
/// hears a line per step. The log is verified with `verifiers` under
/// `origin` (the install's own log key).
pub async fn migrate(
    ends: &Ends<'_>,
    verifiers: &VerifierList,
    origin: &str,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Report> {
    let (source_size, source_root) = ends.source.log_head().await?;
    refuse_another_log(ends.source, ends.target, source_size).await?;
    let mut report = Report::default();
    for table in TABLES {
        let mut rows = ends.source.read_rows(table);
        let mut batch = Vec::with_capacity(BATCH);
        let mut added = 0;
        while let Some(row) = rows.try_next().await? {
            batch.push(row);
            if batch.len() == BATCH {
                added += ends.target.write_rows(table, &batch).await?;
                batch.clear();
            }
        }
        added += ends.target.write_rows(table, &batch).await?;
        let copy = TableCopy {
            name: table.name,
            source: ends.source.count_rows(table).await?,
            added,
            target: ends.target.count_rows(table).await?,
        };
        progress(&format!(
            "{}: {} rows, {} new",
            copy.name, copy.source, copy.added
        ));
        report.tables.push(copy);
    }
    ends.target.after_copy().await?;
    report.searchable = copy_search_index(ends, progress).await?;

    let hashes: Vec<BlobHash> = ends
        .source
        .referenced_blobs()
        .await?
        .iter()
        .map(|h| {
            BlobHash::parse(h)
                .map_err(|e| Error::Internal(anyhow::anyhow!("stored blob name: {e}")))
        })
        .collect::<Result<_>>()?;
    for (i, hash) in hashes.iter().enumerate() {
        copy_blob(ends.source_blobs, ends.target_blobs, hash).await?;
        if (i + 1) % 100 == 0 || i + 1 == hashes.len() {
            progress(&format!(
                "blobs: {} of {} in the bucket",
                i + 1,
                hashes.len()
            ));
        }
    }
    report.blobs = hashes.len();

    // The checks.
    let short: Vec<String> = report
        .tables
        .iter()
        // Verifying the copy (`rampart audit verify` on it) records its
        // own outcome there; every other table holds what the source does.
        .filter(|t| {
            t.source != t.target && !(t.name == "audit_verifications" && t.target > t.source)
        })
        .map(|t| format!("{} ({} rows, {} in the target)", t.name, t.source, t.target))
        .collect();
    if !short.is_empty() {
        return Err(Error::Precondition(format!(
            "the copy differs from the source: {}",
            short.join(", ")
        )));
    }
    for hash in &hashes {
        check_blob(ends.check_blobs, hash).await?;
    }
    progress(&format!("blobs: all {} read back and hashed", hashes.len()));
    let verified = verify_log(ends.target, verifiers, origin, None).await?;
    if let Some(problem) = verified.first_problem() {
        return Err(Error::Precondition(format!(
            "the copied audit log does not verify: {problem}"
        )));
    }
    if (verified.entries, verified.root) != (source_size, source_root) {
        return Err(Error::Precondition(format!(
            "the copied audit log has {} entries and another root than the source's {source_size}",
            verified.entries
        )));
    }
    report.log_entries = verified.entries;
    report.log_root = verified.root.to_base64();
    report.checkpoints = verified.checkpoints;
    Ok(report)
}

/// Rebuilds the search index in the target from the source's stored texts
/// (folded again: the backends keep the index in forms of their own);
/// returns how many versions are searchable there, which must be as many
/// as in the source.
async fn copy_search_index(ends: &Ends<'_>, progress: &(dyn Fn(&str) + Sync)) -> Result<i64> {
    let versions = ends.source.versions_to_index().await?;
    let mut batch: Vec<(String, i64, rampart_store::SearchText)> = Vec::with_capacity(256);
    let mut written = 0usize;
    for (i, v) in versions.iter().enumerate() {
        if let Some(body) = ends.source.search_body(&v.document, v.version).await? {
            let text = crate::search::search_text(&v.title, &v.filename, &body);
            batch.push((v.document.clone(), v.version, text));
        }
        if batch.len() == 256 || i + 1 == versions.len() {
            let rows: Vec<(&str, i64, &rampart_store::SearchText)> =
                batch.iter().map(|(d, n, t)| (d.as_str(), *n, t)).collect();
            ends.target.set_search_texts(&rows).await?;
            written += batch.len();
            batch.clear();
        }
    }
    let (_, source) = ends.source.search_coverage().await?;
    let (_, target) = ends.target.search_coverage().await?;
    progress(&format!(
        "search index: {written} versions, {target} in the target"
    ));
    if source != target {
        return Err(Error::Precondition(format!(
            "the copied search index has {target} versions, the source's {source}"
        )));
    }
    Ok(target)
}

/// A target whose log is not a prefix of the source's belongs to another
/// install (or was written to since a first copy): copying into it would
/// splice two logs.
async fn refuse_another_log(source: &Store, target: &Store, source_size: u64) -> Result<()> {
    let (size, root) = target.log_head().await?;
    if size == 0 {
        return Ok(());
    }
    let same = size <= source_size
        && source
            .with_hashes(|r| rampart_tlog::tree_hash(size, r))
            .await?
            == root;
    if !same {
        return Err(Error::Precondition(format!(
            "the target's audit log ({size} entries) is not the start of this install's: it holds another install, or was used since the copy began"
        )));
    }
    Ok(())
}

async fn copy_blob(from: &BlobStore, to: &BlobStore, hash: &BlobHash) -> Result<()> {
    use tokio::io::AsyncReadExt;
    let mut file = from.open_blob(hash).await?;
    let mut writer = to.writer(u64::MAX).await?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buf)
            .await
            .map_err(|e| Error::Internal(e.into()))?;
        if n == 0 {
            break;
        }
        writer.write(&buf[..n]).await?;
    }
    let stored = writer.finish().await?;
    if stored.hash != *hash {
        return Err(Error::Precondition(format!(
            "blob {} does not hash to its name in the source",
            hash.as_str()
        )));
    }
    Ok(())
}

async fn check_blob(check: &BlobStore, hash: &BlobHash) -> Result<()> {
    // Fetching into an empty cache reads the bucket's copy and refuses one
    // that does not hash to its name.
    check.open_blob(hash).await?;
    Ok(())
}
