//! WebAuthn (passkey) state: an account's registered credentials and the
//! ceremonies in progress. The credential itself (public key, algorithm)
//! is the web layer's serialised form, opaque here; the store owns what
//! must hold across nodes: a credential id belongs to one account, a
//! challenge is answered at most once and never after it expires, and the
//! signature counter only moves forward.

use crate::Cols;
use crate::Sqlite;
use rampart_domain::AccountId;
use rampart_store::rows;
use rampart_store::*;
use sqlx::Row;
use time::OffsetDateTime;

#[async_trait::async_trait]
impl Passkeys for Sqlite {
    async fn add_webauthn_credential(
        &self,
        account: AccountId,
        new: &NewWebauthnCredential,
        now: OffsetDateTime,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO webauthn_credentials
                 (account_id, credential_id, name, passkey, sign_count, created_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(account.0)
        .bind(&new.credential_id)
        .bind(&new.name)
        .bind(&new.passkey)
        .bind(i64::from(new.sign_count))
        .bind(to_ms(now))
        .fetch_one(&self.pool)
        .await
        .map_err(conflict_as("passkey"))?;
        Ok(row.try_get("id")?)
    }

    async fn webauthn_credentials(&self, account: AccountId) -> Result<Vec<WebauthnCredential>> {
        let rows = sqlx::query(
            "SELECT id, credential_id, name, passkey, sign_count, created_at, last_used_at
             FROM webauthn_credentials WHERE account_id = ? ORDER BY id",
        )
        .bind(account.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| rows::passkey(&Cols(r))).collect()
    }

    async fn remove_webauthn_credential(&self, account: AccountId, id: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM webauthn_credentials WHERE id = ? AND account_id = ?")
            .bind(id)
            .bind(account.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn use_webauthn_credential(
        &self,
        account: AccountId,
        credential_id: &[u8],
        count: u32,
        passkey: &str,
        now: OffsetDateTime,
    ) -> Result<CounterCheck> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let stored: Option<i64> = sqlx::query_scalar(
            "SELECT sign_count FROM webauthn_credentials WHERE account_id = ? AND credential_id = ?",
        )
        .bind(account.0)
        .bind(credential_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(stored) = stored else {
            return Ok(CounterCheck::Unknown);
        };
        let count = i64::from(count);
        // Authenticators without a counter always send 0.
        let check = if (count == 0 && stored == 0) || count > stored {
            CounterCheck::Advanced
        } else {
            CounterCheck::Regressed
        };
        sqlx::query(
            "UPDATE webauthn_credentials SET sign_count = MAX(sign_count, ?), passkey = ?,
                 last_used_at = ?
             WHERE account_id = ? AND credential_id = ?",
        )
        .bind(count)
        .bind(passkey)
        .bind(to_ms(now))
        .bind(account.0)
        .bind(credential_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(check)
    }

    async fn put_webauthn_challenge(
        &self,
        handle_hash: &[u8],
        account: AccountId,
        purpose: &str,
        state: &str,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO webauthn_challenges (handle_hash, account_id, purpose, state, expires_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(handle_hash)
        .bind(account.0)
        .bind(purpose)
        .bind(state)
        .bind(to_ms(expires_at))
        .execute(&self.pool)
        .await
        .map_err(conflict_as("challenge"))?;
        Ok(())
    }

    async fn take_webauthn_challenge(
        &self,
        handle_hash: &[u8],
        account: AccountId,
        purpose: &str,
        now: OffsetDateTime,
    ) -> Result<Option<String>> {
        let now = to_ms(now);
        let row = sqlx::query(
            "DELETE FROM webauthn_challenges
             WHERE handle_hash = ? AND account_id = ? AND purpose = ?
             RETURNING state, expires_at",
        )
        .bind(handle_hash)
        .bind(account.0)
        .bind(purpose)
        .fetch_optional(&self.pool)
        .await?;
        sqlx::query("DELETE FROM webauthn_challenges WHERE expires_at <= ?")
            .bind(now)
            .execute(&self.pool)
            .await?;
        match row {
            Some(r) if r.try_get::<i64, _>("expires_at")? > now => Ok(Some(r.try_get("state")?)),
            _ => Ok(None),
        }
    }
}
