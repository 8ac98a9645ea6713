//! Reading the audit trail back, by account, document, kind and time.

use crate::Sqlite;
use rampart_store::*;
use sqlx::Row;

#[async_trait::async_trait]
impl AuditEvents for Sqlite {
    async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>> {
        self.audit_events_before(filter, None).await
    }

    async fn audit_events_before(
        &self,
        filter: &AuditFilter,
        before_seq: Option<u64>,
    ) -> Result<Vec<AuditEvent>> {
        let before = before_seq.map(|s| i64::try_from(s).unwrap_or(i64::MAX));
        let rows = sqlx::query(
            "SELECT * FROM (SELECT * FROM audit_events
               WHERE (?1 IS NULL OR account = ?1) AND (?2 IS NULL OR document = ?2) AND (?3 IS NULL OR kind = ?3)
                 AND (?5 IS NULL OR time >= ?5) AND (?6 IS NULL OR time < ?6)
                 AND (?7 IS NULL OR seq < ?7)
               ORDER BY seq DESC LIMIT ?4) ORDER BY seq",
        )
        .bind(&filter.account)
        .bind(&filter.document)
        .bind(&filter.kind)
        .bind(filter.limit.map(i64::from).unwrap_or(-1))
        .bind(&filter.since)
        .bind(&filter.until)
        .bind(before)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let outcome = match r.try_get::<String, _>("outcome")?.as_str() {
                    "ok" => Outcome::Ok,
                    "denied" => Outcome::Denied,
                    _ => Outcome::Failed,
                };
                let detail: String = r.try_get("detail")?;
                Ok(AuditEvent {
                    seq: u64::try_from(r.try_get::<i64, _>("seq")?).unwrap_or_default(),
                    time: r.try_get("time")?,
                    kind: r.try_get("kind")?,
                    account: r.try_get("account")?,
                    session: r.try_get("session")?,
                    ip: r.try_get("ip")?,
                    document: r.try_get("document")?,
                    version: r.try_get("version")?,
                    download: r.try_get("download")?,
                    outcome,
                    detail: serde_json::from_str(&detail)
                        .map_err(|e| crate::Error::Corrupt(format!("audit detail: {e}")))?,
                })
            })
            .collect()
    }
}
