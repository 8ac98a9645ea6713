//! The log's storage operations, and reading the log back: stored hashes
//! for proofs and tiles, entry bundles, checkpoints.
//!
//! The tlog crate's algorithms take a synchronous [`HashReader`]; our
//! hashes live behind an async pool. [`Store::with_hashes`] bridges the two
//! by running the algorithm against what has been fetched so far, noting
//! which indexes it asked for and did not get, fetching those, and trying
//! again — each algorithm asks for all it needs in one or two rounds.

use crate::{AuditEvent, Error, Result, Store};
use rampart_tlog::{Hash, HashReader, RightEdge};
use std::{cell::RefCell, collections::HashMap};

struct FetchedHashes<'a> {
    known: &'a HashMap<u64, Hash>,
    missing: RefCell<Vec<u64>>,
}

impl HashReader for FetchedHashes<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> rampart_tlog::Result<Vec<Hash>> {
        let mut out = Vec::with_capacity(indexes.len());
        for i in indexes {
            match self.known.get(i) {
                Some(h) => out.push(*h),
                None => self.missing.borrow_mut().push(*i),
            }
        }
        if self.missing.borrow().is_empty() {
            Ok(out)
        } else {
            Err(rampart_tlog::Error::InvalidInput("hash not fetched yet"))
        }
    }
}

/// A signed checkpoint as stored.
#[derive(Debug, Clone)]
pub struct StoredCheckpoint {
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
    /// The signed note text.
    pub signed: String,
    /// When it was signed (Unix ms).
    pub created_at: i64,
}

/// The outcome of one `audit verify` run.
#[derive(Debug, Clone)]
pub struct VerificationRecord {
    /// When it ran (Unix ms).
    pub time: i64,
    /// Whether everything held.
    pub ok: bool,
    /// Entries checked.
    pub entries: u64,
    /// The first problem, when it failed.
    pub problem: Option<String>,
}

/// An event row as stored: the columns investigators query, and the
/// canonical entry the tree is made of. `audit verify` checks that the two
/// agree.
#[derive(Debug, Clone)]
pub struct LoggedRow {
    /// Leaf index.
    pub seq: i64,
    /// Column `time`.
    pub time: Option<String>,
    /// Column `kind`.
    pub kind: Option<String>,
    /// Column `account`.
    pub account: Option<String>,
    /// Column `session`.
    pub session: Option<String>,
    /// Column `ip`.
    pub ip: Option<String>,
    /// Column `document`.
    pub document: Option<String>,
    /// Column `version`.
    pub version: Option<i64>,
    /// Column `download`.
    pub download: Option<String>,
    /// Column `outcome`.
    pub outcome: Option<String>,
    /// Column `detail` (JSON text).
    pub detail: String,
    /// The canonical entry (the leaf).
    pub entry: Vec<u8>,
}

/// Audit log storage operations of a storage backend.
#[async_trait::async_trait]
pub trait AuditLogStorage: Send + Sync {
    /// Appends events as consecutive leaves in one durable transaction:
    /// each event gets the next leaf index as its `seq`, its canonical JSON
    /// becomes the leaf, and the new stored hashes and right edge are
    /// written with it. Returns the first one's `seq`. Appenders are
    /// serialised, across processes too.
    async fn append_entries(&self, events: Vec<AuditEvent>) -> Result<u64>;

    /// The tree's right edge as stored in the log head.
    async fn log_edge(&self) -> Result<RightEdge>;

    /// The stored hashes at these indexes (those that exist).
    async fn stored_hashes(&self, indexes: &[u64]) -> Result<Vec<(u64, Hash)>>;

    /// Stored hashes with `start <= idx < end`, raw, in index order.
    async fn stored_hash_range(&self, start: u64, end: u64) -> Result<Vec<(u64, Vec<u8>)>>;

    /// Canonical entries `from..to` (leaf indexes), in order.
    async fn log_entries(&self, from: u64, to: u64) -> Result<Vec<Vec<u8>>>;

    /// Up to `limit` event rows from leaf index `from` on, in order.
    async fn logged_rows(&self, from: u64, limit: u32) -> Result<Vec<LoggedRow>>;

    /// Stores a signed checkpoint (a second one of the same size is
    /// ignored).
    async fn store_checkpoint(
        &self,
        size: u64,
        root: &Hash,
        signed: &str,
        now_ms: i64,
    ) -> Result<()>;

    /// The newest checkpoint, if any.
    async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>>;

    /// Every checkpoint, oldest first.
    async fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>>;

    /// Records a verification outcome.
    async fn record_verification(&self, record: &VerificationRecord) -> Result<()>;

    /// The most recent verification, if any ran.
    async fn last_verification(&self) -> Result<Option<VerificationRecord>>;
}

impl Store {
    /// The current tree size and root.
    pub async fn log_head(&self) -> Result<(u64, Hash)> {
        let edge = self.log_edge().await?;
        Ok((edge.size(), edge.root()))
    }

    /// Runs a tlog algorithm against the stored hashes, fetching what it
    /// asks for.
    pub async fn with_hashes<T>(
        &self,
        f: impl Fn(&dyn HashReader) -> rampart_tlog::Result<T>,
    ) -> Result<T> {
        let mut known = HashMap::new();
        for _ in 0..8 {
            let reader = FetchedHashes {
                known: &known,
                missing: RefCell::new(Vec::new()),
            };
            let result = f(&reader);
            let missing = reader.missing.into_inner();
            match result {
                Ok(v) => return Ok(v),
                Err(e) if missing.is_empty() => return Err(Error::Log(e.to_string())),
                Err(_) => {
                    for chunk in missing.chunks(500) {
                        for (idx, hash) in self.stored_hashes(chunk).await? {
                            known.insert(idx, hash);
                        }
                    }
                    if missing.iter().any(|i| !known.contains_key(i)) {
                        return Err(Error::Log("a stored hash is missing from the log".into()));
                    }
                }
            }
        }
        Err(Error::Log("hash reads did not converge".into()))
    }
}
