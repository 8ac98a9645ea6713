//! The audit log's tables: events (the leaves), the stored hashes the tiles
//! are made of, the head (right edge), checkpoints and verifications.

use crate::Cols;
use crate::Postgres;
use rampart_store::auditlog::{leaves, Leaves};
use rampart_store::rows;
use rampart_store::{
    edge_from_row, AuditEvent, AuditLogStorage, Error, LoggedRow, Result, StoredCheckpoint,
    VerificationRecord,
};
use rampart_tlog::{Hash, RightEdge};
use sqlx::Row;

/// A batch of events as columns, for one `INSERT … SELECT * FROM UNNEST`.
#[derive(Default)]
struct EventColumns {
    seq: Vec<i64>,
    time: Vec<String>,
    kind: Vec<String>,
    account: Vec<Option<String>>,
    session: Vec<Option<String>>,
    ip: Vec<Option<String>>,
    document: Vec<Option<String>>,
    version: Vec<Option<i64>>,
    download: Vec<Option<String>>,
    outcome: Vec<&'static str>,
    detail: Vec<String>,
    entry: Vec<Vec<u8>>,
}

impl EventColumns {
    fn push(&mut self, seq: i64, event: AuditEvent, entry: Vec<u8>) {
        self.seq.push(seq);
        self.time.push(event.time);
        self.kind.push(event.kind);
        self.account.push(event.account);
        self.session.push(event.session);
        self.ip.push(event.ip);
        self.document.push(event.document);
        self.version.push(event.version);
        self.download.push(event.download);
        self.outcome.push(event.outcome.as_str());
        self.detail.push(event.detail.to_string());
        self.entry.push(entry);
    }
}

fn to_i64(n: u64) -> Result<i64> {
    i64::try_from(n).map_err(|_| Error::Corrupt("log index out of range".into()))
}

async fn head<'e>(executor: impl sqlx::PgExecutor<'e>) -> Result<RightEdge> {
    let head = sqlx::query("SELECT size, nodes FROM tlog_head WHERE id = 1")
        .fetch_one(executor)
        .await?;
    edge_from_row(head.try_get("size")?, &head.try_get::<Vec<u8>, _>("nodes")?)
}

#[async_trait::async_trait]
impl AuditLogStorage for Postgres {
    // The advisory lock serialises appenders across nodes and processes
    // (the CLI may append while nodes serve); the head is read after it.
    async fn append_entries(&self, events: Vec<AuditEvent>) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        crate::lock(&mut tx, crate::Area::AuditLog).await?;
        let mut edge = head(&mut *tx).await?;
        let first = edge.size();
        // Compute everything first, then write it with a few multi-row
        // statements: per-statement overhead, not SQLite, limits throughput.
        let Leaves {
            hashes: hash_rows,
            events: event_rows,
        } = leaves(&mut edge, events)?;
        // One statement per table whatever the batch: the rows go as arrays
        // and UNNEST makes them rows again.
        let (idxs, hashes): (Vec<i64>, Vec<Vec<u8>>) = hash_rows
            .into_iter()
            .map(|(i, h)| (i, h.0.to_vec()))
            .unzip();
        sqlx::query(
            "INSERT INTO tlog_hashes (idx, hash) SELECT * FROM UNNEST($1::BIGINT[], $2::BYTEA[])",
        )
        .bind(idxs)
        .bind(hashes)
        .execute(&mut *tx)
        .await?;
        let mut columns = EventColumns::default();
        for (seq, event, entry) in event_rows {
            columns.push(seq, event, entry);
        }
        sqlx::query(
            "INSERT INTO audit_events (seq, time, kind, account, session, ip, document, version, download, outcome, detail, entry)
             SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[],
                                  $7::TEXT[], $8::BIGINT[], $9::TEXT[], $10::TEXT[], $11::TEXT[], $12::BYTEA[])",
        )
        .bind(columns.seq)
        .bind(columns.time)
        .bind(columns.kind)
        .bind(columns.account)
        .bind(columns.session)
        .bind(columns.ip)
        .bind(columns.document)
        .bind(columns.version)
        .bind(columns.download)
        .bind(columns.outcome)
        .bind(columns.detail)
        .bind(columns.entry)
        .execute(&mut *tx)
        .await?;
        let nodes: Vec<u8> = edge.nodes().iter().flat_map(|h| h.0).collect();
        sqlx::query("UPDATE tlog_head SET size = $1, nodes = $2 WHERE id = 1")
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
        let indexes = indexes
            .iter()
            .map(|i| to_i64(*i))
            .collect::<Result<Vec<i64>>>()?;
        let rows = sqlx::query("SELECT idx, hash FROM tlog_hashes WHERE idx = ANY($1)")
            .bind(indexes)
            .fetch_all(&self.pool)
            .await?;
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
            "SELECT idx, hash FROM tlog_hashes WHERE idx >= $1 AND idx < $2 ORDER BY idx",
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
            "SELECT seq, entry FROM audit_events WHERE seq >= $1 AND seq < $2 ORDER BY seq",
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
             FROM audit_events WHERE seq >= $1 ORDER BY seq LIMIT $2",
        )
        .bind(i64::try_from(from).unwrap_or(i64::MAX))
        .bind(i64::from(limit))
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
        sqlx::query("INSERT INTO tlog_checkpoints (size, root, signed, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
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
            "INSERT INTO audit_verifications (time, ok, entries, problem) VALUES ($1, $2, $3, $4)",
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
