//! Appending a batch of events to the log in one transaction: each event
//! gets the next leaf index as its `seq`, its canonical JSON becomes the
//! leaf, the new stored hashes and the new right edge are written, and the
//! whole batch commits (durably) or not at all.

use crate::{AuditEvent, Error, Result, Store};
use rampart_tlog::{leaf_hash, stored_hash_index, Hash, RightEdge, HASH_SIZE};
use sqlx::Row;

/// Rows per multi-row INSERT (12 parameters each stays far below SQLite's
/// 32,766-parameter limit).
const ROWS_PER_STATEMENT: usize = 256;

/// The longest canonical entry the log accepts (tile entry bundles carry a
/// uint16 length; events must stay small).
pub const MAX_ENTRY: usize = 65_535;

/// The canonical JSON bytes of an event: field order fixed by the struct.
pub fn canonical_entry(event: &AuditEvent) -> Result<Vec<u8>> {
    let bytes =
        serde_json::to_vec(event).map_err(|e| Error::Corrupt(format!("serialising event: {e}")))?;
    if bytes.len() > MAX_ENTRY {
        return Err(Error::EntryTooLarge(bytes.len()));
    }
    Ok(bytes)
}

pub(crate) fn edge_from_row(size: i64, nodes: &[u8]) -> Result<RightEdge> {
    let size = u64::try_from(size).map_err(|_| Error::Corrupt("negative log size".into()))?;
    if !nodes.len().is_multiple_of(HASH_SIZE) {
        return Err(Error::Corrupt("log head has a partial hash".into()));
    }
    let nodes = nodes
        .chunks_exact(HASH_SIZE)
        .map(|c| Hash::from_slice(c).map_err(|e| Error::Corrupt(e.to_string())))
        .collect::<Result<Vec<_>>>()?;
    RightEdge::from_parts(size, nodes).map_err(|e| Error::Corrupt(format!("log head: {e}")))
}

fn to_i64(n: u64) -> Result<i64> {
    i64::try_from(n).map_err(|_| Error::Corrupt("log index out of range".into()))
}

impl Store {
    /// Appends events as consecutive leaves; returns the first one's `seq`.
    /// `BEGIN IMMEDIATE` serialises appenders across processes (a CLI
    /// command may append while `serve` runs on the same data dir).
    pub async fn append_entries(&self, events: Vec<AuditEvent>) -> Result<u64> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let head = sqlx::query("SELECT size, nodes FROM tlog_head WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let mut edge = edge_from_row(head.try_get("size")?, &head.try_get::<Vec<u8>, _>("nodes")?)?;
        let first = edge.size();
        // Compute everything first, then write it with a few multi-row
        // statements: per-statement overhead, not SQLite, limits throughput.
        let mut hash_rows: Vec<(i64, Hash)> = Vec::new();
        let mut event_rows: Vec<(i64, AuditEvent, Vec<u8>)> = Vec::with_capacity(events.len());
        for mut event in events {
            let seq = edge.size();
            event.seq = seq;
            let entry = canonical_entry(&event)?;
            let hashes = edge
                .append(leaf_hash(&entry))
                .map_err(|e| Error::Corrupt(format!("appending to the log: {e}")))?;
            let start = stored_hash_index(0, seq);
            for (i, h) in hashes.into_iter().enumerate() {
                hash_rows.push((to_i64(start + i as u64)?, h));
            }
            event_rows.push((to_i64(seq)?, event, entry));
        }
        for chunk in hash_rows.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO tlog_hashes (idx, hash) VALUES {}",
                vec!["(?, ?)"; chunk.len()].join(",")
            );
            let mut q = sqlx::query(&sql);
            for (idx, h) in chunk {
                q = q.bind(*idx).bind(h.0.to_vec());
            }
            q.execute(&mut *tx).await?;
        }
        for chunk in event_rows.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO audit_events (seq, time, kind, account, session, ip, document, version, download, outcome, detail, entry) VALUES {}",
                vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(",")
            );
            let mut q = sqlx::query(&sql);
            for (seq, event, entry) in chunk {
                q = q
                    .bind(*seq)
                    .bind(event.time.clone())
                    .bind(event.kind.clone())
                    .bind(event.account.clone())
                    .bind(event.session.clone())
                    .bind(event.ip.clone())
                    .bind(event.document.clone())
                    .bind(event.version)
                    .bind(event.download.clone())
                    .bind(event.outcome.as_str())
                    .bind(event.detail.to_string())
                    .bind(entry.clone());
            }
            q.execute(&mut *tx).await?;
        }
        let nodes: Vec<u8> = edge.nodes().iter().flat_map(|h| h.0).collect();
        sqlx::query("UPDATE tlog_head SET size = ?, nodes = ? WHERE id = 1")
            .bind(to_i64(edge.size())?)
            .bind(nodes)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(first)
    }

    /// The current tree size and root.
    pub async fn log_head(&self) -> Result<(u64, Hash)> {
        let head = sqlx::query("SELECT size, nodes FROM tlog_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        let edge = edge_from_row(head.try_get("size")?, &head.try_get::<Vec<u8>, _>("nodes")?)?;
        Ok((edge.size(), edge.root()))
    }
}
