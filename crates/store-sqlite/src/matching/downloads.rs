//! The download records triage cross-references: every download of the
//! documents a dump matched, and everything an accused account downloaded.

use super::sql::BATCH;
use crate::Sqlite;
use rampart_store::*;
use std::collections::HashMap;
use time::OffsetDateTime;

#[async_trait::async_trait]
impl MatchDownloads for Sqlite {
    async fn downloads_of_documents(
        &self,
        documents: &[String],
        limit: i64,
    ) -> Result<HashMap<String, (Vec<DownloadRecord>, i64)>> {
        let mut out: HashMap<String, (Vec<DownloadRecord>, i64)> = HashMap::new();
        for chunk in documents.chunks(BATCH) {
            let mut q = sqlx::QueryBuilder::new(
                "SELECT document_id, id, email, version, time, total FROM (
                   SELECT d.document_id, d.id, a.email, d.version, d.time,
                          row_number() OVER (PARTITION BY d.document_id ORDER BY d.time, d.id) AS n,
                          count(*) OVER (PARTITION BY d.document_id) AS total
                   FROM downloads d JOIN accounts a ON a.id = d.account_id
                   WHERE d.document_id IN (",
            );
            let mut ids = q.separated(", ");
            for doc in chunk {
                ids.push_bind(doc);
            }
            // At least one row per document, for its total.
            q.push(")) WHERE n <= max(1, ")
                .push_bind(limit)
                .push(") ORDER BY document_id, time, id");
            let rows: Vec<(String, String, String, i64, i64, i64)> =
                q.build_query_as().fetch_all(&self.pool).await?;
            for (document, id, account, version, time, total) in rows {
                let (records, count) = out.entry(document).or_default();
                *count = total;
                if (records.len() as i64) < limit {
                    records.push(DownloadRecord {
                        id,
                        account,
                        version,
                        time: from_ms(time)?,
                    });
                }
            }
        }
        Ok(out)
    }

    async fn downloads_of_account(
        &self,
        email: &str,
    ) -> Result<Vec<(String, String, i64, OffsetDateTime)>> {
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT d.document_id, doc.title, d.version, d.time FROM downloads d
             JOIN accounts a ON a.id = d.account_id JOIN documents doc ON doc.id = d.document_id
             WHERE a.email = ? ORDER BY d.time, d.id",
        )
        .bind(email)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(d, t, v, time)| Ok((d, t, v, from_ms(time)?)))
            .collect()
    }
}
