//! The audit log's tables: events (the leaves), the stored hashes the tiles
//! are made of, the head (right edge), checkpoints and verifications.

use crate::Cols;
use crate::Sqlite;
use rampart_store::auditlog::{leaves, Leaves};
use rampart_store::rows;
use rampart_store::{
    edge_from_row, AuditEvent, AuditLogStorage, Error, LoggedRow, Result, StoredCheckpoint,
    VerificationRecord,
};
use rampart_tlog::{Hash, RightEdge};
use sqlx::Row;

/// Rows per multi-row INSERT (12 parameters each stays far below SQLite's
/// 32,766-parameter limit).
const ROWS_PER_STATEMENT: usize = 256;

fn to_i64(n: u64) -> Result<i64> {
    i64::try_from(n).map_err(|_| Error::Corrupt("log index out of range".into()))
}

async fn head<'e>(executor: impl sqlx::SqliteExecutor<'e>) -> Result<RightEdge> {
    let head = sqlx::query("SELECT size, nodes FROM tlog_head WHERE id = 1")
        .fetch_one(executor)
        .await?;
    edge_from_row(head.try_get("size")?, &head.try_get::<Vec<u8>, _>("nodes")?)
}

#[async_trait::async_trait]
impl AuditLogStorage for Sqlite {
    // `BEGIN IMMEDIATE` serialises appenders across processes (a CLI
    // command may append while `serve` runs on the same data dir).
    async fn append_entries(&self, events: Vec<AuditEvent>) -> Result<u64> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut edge = head(&mut *tx).await?;
        let first = edge.size();
        // Compute everything first, then write it with a few multi-row
        // statements: per-statement overhead, not SQLite, limits throughput.
        let Leaves {
            hashes: hash_rows,
            events: event_rows,
        } = leaves(&mut edge, events)?;
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

    async fn log_edge(&self) -> Result<RightEdge> {
        head(&self.pool).await
    }

    async fn stored_hashes(&self, indexes: &[u64]) -> Result<Vec<(u64, Hash)>> {
        // One bound parameter per index; the statement text only varies in
        // the number of placeholders.
        let placeholders = vec!["?"; indexes.len()].join(",");
        let sql = format!("SELECT idx, hash FROM tlog_hashes WHERE idx IN ({placeholders})");
        let mut query = sqlx::query(&sql);
        for i in indexes {
            query = query.bind(to_i64(*i)?);
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

    async fn stored_hash_range(&self, start: u64, end: u64) -> Result<Vec<(u64, Vec<u8>)>> {
        let rows = sqlx::query(
            "SELECT idx, hash FROM tlog_hashes WHERE idx >= ? AND idx < ? ORDER BY idx",
        )
        .bind(i64::try_from(start).unwrap_or(i64::MAX))
        .bind(i64::try_from(end).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    u64::try_from(r.try_get::<i64, _>("idx")?).unwrap_or(u64::MAX),
                    r.try_get("hash")?,
                ))
            })
            .collect()
    }

    async fn log_entries(&self, from: u64, to: u64) -> Result<Vec<Vec<u8>>> {
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

    async fn logged_rows(&self, from: u64, limit: u32) -> Result<Vec<LoggedRow>> {
        let rows = sqlx::query(
            "SELECT seq, time, kind, account, session, ip, document, version, download, outcome, detail, entry
             FROM audit_events WHERE seq >= ? ORDER BY seq LIMIT ?",
        )
        .bind(i64::try_from(from).unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| rows::logged_row(&Cols(r))).collect()
    }

    async fn store_checkpoint(
        &self,
        size: u64,
        root: &Hash,
        signed: &str,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query("INSERT OR IGNORE INTO tlog_checkpoints (size, root, signed, created_at) VALUES (?, ?, ?, ?)")
            .bind(to_i64(size)?)
            .bind(&root.0[..])
            .bind(signed)
            .bind(now_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        sqlx::query("SELECT * FROM tlog_checkpoints ORDER BY size DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(|r| rows::checkpoint(&Cols(r)))
            .transpose()
    }

    async fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>> {
        sqlx::query("SELECT * FROM tlog_checkpoints ORDER BY size")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| rows::checkpoint(&Cols(r)))
            .collect()
    }

    async fn record_verification(&self, record: &VerificationRecord) -> Result<()> {
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

    async fn last_verification(&self) -> Result<Option<VerificationRecord>> {
        let row = sqlx::query(
            "SELECT time, ok, entries, problem FROM audit_verifications ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref()
            .map(|r| rows::verification(&Cols(r)))
            .transpose()
    }
}
