//! The download registry: which principal received which copy of which
//! version, when and from where. It is what maps a leaked copy's watermark
//! back to its recipient, so a row is written before the first byte leaves.

use crate::Sqlite;
use rampart_domain::AccountId;
use rampart_store::*;
use time::OffsetDateTime;

#[async_trait::async_trait]
impl Downloads for Sqlite {
    async fn registered_downloads(&self, document: &str) -> Result<Vec<RegisteredDownload>> {
        let rows: Vec<(String, i64, String, i64, i64, String)> = sqlx::query_as(
            "SELECT d.id, d.account_id, a.email, d.version, d.time, d.scheme
             FROM downloads d JOIN accounts a ON a.id = d.account_id
             WHERE d.document_id = ? ORDER BY d.time, d.id",
        )
        .bind(document)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, account, email, version, time, scheme)| {
                Ok(RegisteredDownload {
                    id,
                    account: AccountId(account),
                    email,
                    version,
                    time: from_ms(time)?,
                    scheme,
                })
            })
            .collect()
    }

    async fn documents_served_as(&self, prefix: &str) -> Result<Vec<String>> {
        let Some(pattern) = rampart_store::download_prefix_pattern(prefix) else {
            return Ok(Vec::new());
        };
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT document_id FROM downloads WHERE id LIKE ? ORDER BY document_id LIMIT 8",
        )
        .bind(pattern)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn download_params(&self, id: &str) -> Result<Option<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT scheme, params FROM downloads WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn record_download(&self, d: &NewDownload, now: OffsetDateTime) -> Result<()> {
        sqlx::query(
            "INSERT INTO downloads (id, account_id, session, document_id, version, time, ip, user_agent, scheme, params)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(d.id.to_string())
        .bind(d.account.0)
        .bind(&d.session)
        .bind(d.document.to_string())
        .bind(d.version)
        .bind(to_ms(now))
        .bind(&d.ip)
        .bind(&d.user_agent)
        .bind(&d.scheme)
        .bind(&d.params)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn count_downloads_of(&self, account: AccountId) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM downloads WHERE account_id = ?")
                .bind(account.0)
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
