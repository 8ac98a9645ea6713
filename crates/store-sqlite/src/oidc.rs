//! OIDC sign-ins in flight: what the callback needs to finish one (the
//! provider, nonce and PKCE verifier), keyed by the hash of the `state`
//! sent to the provider. Taking a row deletes it, so a state is good once.

use crate::Sqlite;
use rampart_store::*;
use sqlx::Row;
use time::OffsetDateTime;

#[async_trait::async_trait]
impl OidcLogins for Sqlite {
    async fn begin_oidc_login(
        &self,
        login: &OidcLogin,
        stale_before: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM oidc_logins WHERE created_at < ?")
            .bind(to_ms(stale_before))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO oidc_logins (state_hash, provider, nonce, pkce_verifier, created_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&login.state_hash)
        .bind(&login.provider)
        .bind(&login.nonce)
        .bind(&login.pkce_verifier)
        .bind(to_ms(login.created_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn take_oidc_login(&self, state_hash: &[u8]) -> Result<Option<OidcLogin>> {
        let row = sqlx::query(
            "DELETE FROM oidc_logins WHERE state_hash = ?
             RETURNING state_hash, provider, nonce, pkce_verifier, created_at",
        )
        .bind(state_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(OidcLogin {
                state_hash: row.try_get("state_hash")?,
                provider: row.try_get("provider")?,
                nonce: row.try_get("nonce")?,
                pkce_verifier: row.try_get("pkce_verifier")?,
                created_at: from_ms(row.try_get("created_at")?)?,
            })
        })
        .transpose()
    }
}
