//! Reading the log back: stored hashes for proofs and tiles, entry bundles,
//! checkpoints.
//!
//! The tlog crate's algorithms take a synchronous [`HashReader`]; our
//! hashes live behind an async pool. [`Store::with_hashes`] bridges the two
//! by running the algorithm against what has been fetched so far, noting
//! which indexes it asked for and did not get, fetching those, and trying
//! again — each algorithm asks for all it needs in one or two rounds.

use crate::{Error, Result, Store};
use rampart_tlog::{Hash, HashReader};
use sqlx::Row;
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

fn checkpoint_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<StoredCheckpoint> {
    let root: Vec<u8> = r.try_get("root")?;
    Ok(StoredCheckpoint {
        size: u64::try_from(r.try_get::<i64, _>("size")?)
            .map_err(|_| Error::Corrupt("checkpoint size".into()))?,
        root: Hash::from_slice(&root)
            .map_err(|e| Error::Corrupt(format!("checkpoint root: {e}")))?,
        signed: r.try_get("signed")?,
        created_at: r.try_get("created_at")?,
    })
}

impl Store {
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

    async fn stored_hashes(&self, indexes: &[u64]) -> Result<Vec<(u64, Hash)>> {
        // One bound parameter per index; the statement text only varies in
        // the number of placeholders.
        let placeholders = vec!["?"; indexes.len()].join(",");
        let sql = format!("SELECT idx, hash FROM tlog_hashes WHERE idx IN ({placeholders})");
        let mut query = sqlx::query(&sql);
        for i in indexes {
            query = query.bind(i64::try_from(*i).map_err(|_| Error::Corrupt("hash index".into()))?);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let idx: i64 = r.try_get("idx")?;
                let hash: Vec<u8> = r.try_get("hash")?;
                Ok((
                    u64::try_from(idx).map_err(|_| Error::Corrupt("hash index".into()))?,
                    Hash::from_slice(&hash)
                        .map_err(|e| Error::Corrupt(format!("stored hash {idx}: {e}")))?,
                ))
            })
            .collect()
    }

    /// Canonical entries `from..to` (leaf indexes), in order.
    pub async fn log_entries(&self, from: u64, to: u64) -> Result<Vec<Vec<u8>>> {
        let rows = sqlx::query(
            "SELECT seq, entry FROM audit_events WHERE seq >= ? AND seq < ? ORDER BY seq",
        )
        .bind(i64::try_from(from).unwrap_or(i64::MAX))
        .bind(i64::try_from(to).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        if rows.len() as u64 != to.saturating_sub(from) {
            return Err(Error::Log(format!(
                "entries {from}..{to} are not all stored"
            )));
        }
        rows.iter().map(|r| Ok(r.try_get("entry")?)).collect()
    }

    /// Stores a signed checkpoint.
    pub async fn store_checkpoint(
        &self,
        size: u64,
        root: &Hash,
        signed: &str,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query("INSERT OR IGNORE INTO tlog_checkpoints (size, root, signed, created_at) VALUES (?, ?, ?, ?)")
            .bind(i64::try_from(size).map_err(|_| Error::Corrupt("size".into()))?)
            .bind(&root.0[..])
            .bind(signed)
            .bind(now_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The newest checkpoint, if any.
    pub async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        sqlx::query("SELECT * FROM tlog_checkpoints ORDER BY size DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(checkpoint_from_row)
            .transpose()
    }

    /// Every checkpoint, oldest first.
    pub async fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>> {
        sqlx::query("SELECT * FROM tlog_checkpoints ORDER BY size")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(checkpoint_from_row)
            .collect()
    }
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

impl Store {
    /// Records a verification outcome.
    pub async fn record_verification(&self, record: &VerificationRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_verifications (time, ok, entries, problem) VALUES (?, ?, ?, ?)",
        )
        .bind(record.time)
        .bind(record.ok)
        .bind(i64::try_from(record.entries).unwrap_or(i64::MAX))
        .bind(&record.problem)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The most recent verification, if any ran.
    pub async fn last_verification(&self) -> Result<Option<VerificationRecord>> {
        let row = sqlx::query(
            "SELECT time, ok, entries, problem FROM audit_verifications ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(VerificationRecord {
                time: r.try_get("time")?,
                ok: r.try_get("ok")?,
                entries: u64::try_from(r.try_get::<i64, _>("entries")?).unwrap_or_default(),
                problem: r.try_get("problem")?,
            })
        })
        .transpose()
    }
}
