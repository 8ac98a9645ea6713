//! Server-side sessions and API tokens. Only hashes of the secrets are
//! stored, so a copy of the database does not let anyone sign in.

use crate::Cols;
use crate::Postgres;
use rampart_domain::AccountId;
use rampart_store::rows;
use rampart_store::*;
use time::OffsetDateTime;

#[async_trait::async_trait]
impl Sessions for Postgres {
    async fn create_session(&self, s: &NewSession, now: OffsetDateTime) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, public_id, account_id, stage, csrf, created_at, last_seen, ip, user_agent)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&s.token_hash)
        .bind(&s.public_id)
        .bind(s.account.0)
        .bind(s.stage.as_str())
        .bind(&s.csrf)
        .bind(to_ms(now))
        .bind(to_ms(now))
        .bind(&s.ip)
        .bind(&s.user_agent)
        .execute(&self.pool)
        .await
        .map_err(conflict_as("session"))?;
        Ok(())
    }

    async fn session_by_hash(&self, token_hash: &[u8]) -> Result<Option<SessionRow>> {
        let row = sqlx::query(
            "SELECT public_id, account_id, stage, csrf, created_at, last_seen FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(|r| rows::session(&Cols(r))).transpose()
    }

    async fn touch_session(&self, token_hash: &[u8], now: OffsetDateTime) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2")
            .bind(to_ms(now))
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_sessions_of(&self, account: AccountId) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE account_id = $1")
            .bind(account.0)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    async fn purge_sessions(
        &self,
        idle_before: OffsetDateTime,
        created_before: OffsetDateTime,
    ) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM sessions WHERE last_seen < $1 OR created_at < $2")
                .bind(to_ms(idle_before))
                .bind(to_ms(created_before))
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    async fn create_token(&self, t: &NewToken, now: OffsetDateTime) -> Result<()> {
        sqlx::query(
            "INSERT INTO api_tokens (id, token_hash, account_id, name, scope, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&t.id)
        .bind(&t.token_hash)
        .bind(t.account.0)
        .bind(&t.name)
        .bind(&t.scope)
        .bind(to_ms(now))
        .bind(t.expires_at.map(to_ms))
        .execute(&self.pool)
        .await
        .map_err(conflict_as("token"))?;
        Ok(())
    }

    async fn token_by_hash(&self, token_hash: &[u8]) -> Result<Option<TokenRow>> {
        sqlx::query("SELECT * FROM api_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(|r| rows::token(&Cols(r)))
            .transpose()
    }

    async fn tokens_of(&self, account: AccountId) -> Result<Vec<TokenRow>> {
        sqlx::query("SELECT * FROM api_tokens WHERE account_id = $1 ORDER BY created_at DESC")
            .bind(account.0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| rows::token(&Cols(r)))
            .collect()
    }

    async fn touch_token(&self, id: &str, now: OffsetDateTime) -> Result<()> {
        sqlx::query("UPDATE api_tokens SET last_used = $1 WHERE id = $2")
            .bind(to_ms(now))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn revoke_token(&self, account: AccountId, id: &str, now: OffsetDateTime) -> Result<()> {
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND account_id = $3 AND revoked_at IS NULL")
            .bind(to_ms(now))
            .bind(id)
            .bind(account.0)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("token"));
        }
        Ok(())
    }
}
