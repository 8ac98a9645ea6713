//! TOTP secrets being enrolled, kept per signing-in session until the first
//! code confirms one (migration 0012 says why a table of their own). Before,
//! every load of the enrollment page made a new secret, so the key a user
//! had scanned stopped working after a reload or a wrong code.

use crate::Sqlite;
use rampart_domain::AccountId;
use rampart_store::*;
use time::OffsetDateTime;

#[async_trait::async_trait]
impl PendingTotp for Sqlite {
    async fn pending_totp(
        &self,
        session_hash: &[u8],
        account: AccountId,
    ) -> Result<Option<Vec<u8>>> {
        Ok(sqlx::query_scalar(
            "SELECT sealed_secret FROM totp_pending WHERE session_hash = ? AND account_id = ?",
        )
        .bind(session_hash)
        .bind(account.0)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn keep_pending_totp(
        &self,
        session_hash: &[u8],
        account: AccountId,
        sealed_secret: &[u8],
        now: OffsetDateTime,
    ) -> Result<(Vec<u8>, bool)> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let created = sqlx::query(
            "INSERT INTO totp_pending (session_hash, account_id, sealed_secret, created_at)
             VALUES (?, ?, ?, ?) ON CONFLICT (session_hash) DO NOTHING",
        )
        .bind(session_hash)
        .bind(account.0)
        .bind(sealed_secret)
        .bind(to_ms(now))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let kept: Vec<u8> = sqlx::query_scalar(
            "SELECT sealed_secret FROM totp_pending WHERE session_hash = ? AND account_id = ?",
        )
        .bind(session_hash)
        .bind(account.0)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((kept, created))
    }

    async fn replace_pending_totp(
        &self,
        session_hash: &[u8],
        account: AccountId,
        sealed_secret: &[u8],
        now: OffsetDateTime,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO totp_pending (session_hash, account_id, sealed_secret, created_at)
             VALUES (?, ?, ?, ?)
             ON CONFLICT (session_hash) DO UPDATE SET sealed_secret = excluded.sealed_secret,
                 created_at = excluded.created_at
             WHERE totp_pending.account_id = excluded.account_id",
        )
        .bind(session_hash)
        .bind(account.0)
        .bind(sealed_secret)
        .bind(to_ms(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn confirm_pending_totp(
        &self,
        session_hash: &[u8],
        account: AccountId,
        sealed_secret: &[u8],
        step: i64,
        recovery_hashes: &[Vec<u8>],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let taken = sqlx::query(
            "DELETE FROM totp_pending
             WHERE session_hash = ? AND account_id = ? AND sealed_secret = ?",
        )
        .bind(session_hash)
        .bind(account.0)
        .bind(sealed_secret)
        .execute(&mut *tx)
        .await?;
        if taken.rows_affected() != 1 {
            return Ok(false);
        }
        let confirmed = sqlx::query(
            "INSERT INTO totp_factors (account_id, sealed_secret, confirmed_at, last_step, created_at)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (account_id) DO UPDATE SET sealed_secret = excluded.sealed_secret,
                 confirmed_at = excluded.confirmed_at, last_step = excluded.last_step,
                 created_at = excluded.created_at
             WHERE totp_factors.confirmed_at IS NULL",
        )
        .bind(account.0)
        .bind(sealed_secret)
        .bind(to_ms(now))
        .bind(step)
        .bind(to_ms(now))
        .execute(&mut *tx)
        .await?;
        if confirmed.rows_affected() != 1 {
            // Dropping the transaction rolls the deletion back.
            return Ok(false);
        }
        sqlx::query("DELETE FROM totp_pending WHERE account_id = ?")
            .bind(account.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE account_id = ?")
            .bind(account.0)
            .execute(&mut *tx)
            .await?;
        for hash in recovery_hashes {
            sqlx::query("INSERT INTO recovery_codes (account_id, code_hash) VALUES (?, ?)")
                .bind(account.0)
                .bind(hash)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}
