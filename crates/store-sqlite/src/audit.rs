//! Reading the audit trail back, by account, document, kind and time.

use crate::{Cols, Sqlite};
use rampart_store::*;

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
        rows.iter().map(|r| rows::audit_event(&Cols(r))).collect()
    }
}
