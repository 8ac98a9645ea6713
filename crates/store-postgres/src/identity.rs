//! Identity state beyond the password: TOTP factors and recovery codes, the
//! sign-in throttle and the failures the credential-stuffing detector
//! counts, the devices an account signed in from, and the listing of an
//! account's own sessions. The throttle lives here rather than in memory so
//! that several nodes share it.

use crate::Postgres;
use rampart_domain::AccountId;
use rampart_store::*;
use sqlx::Row;
use time::OffsetDateTime;

#[async_trait::async_trait]
impl SignIn for Postgres {
    async fn totp_factor(&self, account: AccountId) -> Result<Option<TotpFactor>> {
        let row = sqlx::query(
            "SELECT sealed_secret, confirmed_at, last_step FROM totp_factors WHERE account_id = $1",
        )
        .bind(account.0)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(TotpFactor {
                sealed_secret: r.try_get("sealed_secret")?,
                confirmed: r.try_get::<Option<i64>, _>("confirmed_at")?.is_some(),
                last_step: r.try_get("last_step")?,
            })
        })
        .transpose()
    }

    async fn begin_totp(
        &self,
        account: AccountId,
        sealed_secret: &[u8],
        now: OffsetDateTime,
    ) -> Result<()> {
        let done = sqlx::query(
            "INSERT INTO totp_factors (account_id, sealed_secret, confirmed_at, last_step, created_at)
             VALUES ($1, $2, NULL, -1, $3)
             ON CONFLICT (account_id) DO UPDATE SET sealed_secret = excluded.sealed_secret,
                 last_step = -1, created_at = excluded.created_at
             WHERE totp_factors.confirmed_at IS NULL",
        )
        .bind(account.0)
        .bind(sealed_secret)
        .bind(to_ms(now))
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::Conflict("second factor"));
        }
        Ok(())
    }

    async fn confirm_totp(
        &self,
        account: AccountId,
        step: i64,
        recovery_hashes: &[Vec<u8>],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        crate::lock(&mut tx, crate::Area::Totp).await?;
        let done = sqlx::query(
            "UPDATE totp_factors SET confirmed_at = $1, last_step = $2
             WHERE account_id = $3 AND confirmed_at IS NULL AND last_step < $4",
        )
        .bind(to_ms(now))
        .bind(step)
        .bind(account.0)
        .bind(step)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
            .bind(account.0)
            .execute(&mut *tx)
            .await?;
        for hash in recovery_hashes {
            sqlx::query("INSERT INTO recovery_codes (account_id, code_hash) VALUES ($1, $2)")
                .bind(account.0)
                .bind(hash)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn accept_totp_step(&self, account: AccountId, step: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE totp_factors SET last_step = $1
             WHERE account_id = $2 AND confirmed_at IS NOT NULL AND last_step < $3",
        )
        .bind(step)
        .bind(account.0)
        .bind(step)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn unused_recovery_codes(&self, account: AccountId) -> Result<Vec<Vec<u8>>> {
        Ok(sqlx::query_scalar(
            "SELECT code_hash FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
        )
        .bind(account.0)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn use_recovery_code(
        &self,
        account: AccountId,
        hash: &[u8],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 WHERE account_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(to_ms(now))
        .bind(account.0)
        .bind(hash)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn reset_second_factors(&self, account: AccountId) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let mut removed = 0;
        for sql in [
            "DELETE FROM totp_factors WHERE account_id = $1",
            "DELETE FROM webauthn_credentials WHERE account_id = $1",
        ] {
            removed += sqlx::query(sql)
                .bind(account.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        for sql in [
            "DELETE FROM recovery_codes WHERE account_id = $1",
            "DELETE FROM totp_pending WHERE account_id = $1",
        ] {
            sqlx::query(sql).bind(account.0).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(removed)
    }

    async fn throttle_states(&self, keys: &[String]) -> Result<Vec<ThrottleState>> {
        let mut out = Vec::new();
        for key in keys {
            let row = sqlx::query(
                "SELECT failures, last_failure, blocked_until FROM sign_in_throttle WHERE key = $1",
            )
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(r) = row {
                out.push(ThrottleState {
                    key: key.clone(),
                    failures: r.try_get("failures")?,
                    last_failure: from_ms(r.try_get("last_failure")?)?,
                    blocked_until: from_ms(r.try_get("blocked_until")?)?,
                });
            }
        }
        Ok(out)
    }

    async fn record_throttle_failures(
        &self,
        keys: &[String],
        now: OffsetDateTime,
        reset_before: OffsetDateTime,
        blocked_for: &(dyn for<'k> Fn(&'k str, i64) -> i64 + Send + Sync),
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        crate::lock(&mut tx, crate::Area::Throttle).await?;
        for key in keys {
            let failures: i64 = sqlx::query_scalar(
                "INSERT INTO sign_in_throttle (key, failures, last_failure, blocked_until)
                 VALUES ($1, 1, $2, 0)
                 ON CONFLICT (key) DO UPDATE SET
                     failures = CASE WHEN sign_in_throttle.last_failure < $3 THEN 1
                                     ELSE sign_in_throttle.failures + 1 END,
                     last_failure = excluded.last_failure
                 RETURNING failures",
            )
            .bind(key)
            .bind(to_ms(now))
            .bind(to_ms(reset_before))
            .fetch_one(&mut *tx)
            .await?;
            // No block, no write: "blocked until now" would refuse, for a
            // few milliseconds, a check that started before this failure.
            let blocked = blocked_for(key, failures);
            if blocked <= 0 {
                continue;
            }
            let until = to_ms(now).saturating_add(blocked);
            sqlx::query(
                "UPDATE sign_in_throttle SET blocked_until = GREATEST(blocked_until, $1) WHERE key = $2",
            )
            .bind(until)
            .bind(key)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn clear_throttle(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM sign_in_throttle WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn mark_alerted(
        &self,
        key: &str,
        now: OffsetDateTime,
        since: OffsetDateTime,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO sign_in_throttle (key, failures, last_failure, blocked_until, alerted_at)
             VALUES ($1, 0, $2, 0, $3)
             ON CONFLICT (key) DO UPDATE SET alerted_at = excluded.alerted_at
             WHERE sign_in_throttle.alerted_at IS NULL OR sign_in_throttle.alerted_at < $4",
        )
        .bind(key)
        .bind(to_ms(now))
        .bind(to_ms(now))
        .bind(to_ms(since))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn record_sign_in_failure(
        &self,
        ip: &str,
        net: &str,
        account: &str,
        now: OffsetDateTime,
        since: OffsetDateTime,
    ) -> Result<StuffingCounts> {
        let mut tx = self.pool.begin().await?;
        crate::lock(&mut tx, crate::Area::Throttle).await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE time < $1")
            .bind(to_ms(since))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sign_in_failures (time, ip, net, account) VALUES ($1, $2, $3, $4)",
        )
        .bind(to_ms(now))
        .bind(ip)
        .bind(net)
        .bind(account)
        .execute(&mut *tx)
        .await?;
        let count = |sql: &'static str, value: &str| {
            sqlx::query_scalar::<_, i64>(sql).bind(value.to_owned())
        };
        let accounts_from_ip = count(
            "SELECT COUNT(DISTINCT account) FROM sign_in_failures WHERE ip = $1",
            ip,
        )
        .fetch_one(&mut *tx)
        .await?;
        let accounts_from_net = count(
            "SELECT COUNT(DISTINCT account) FROM sign_in_failures WHERE net = $1",
            net,
        )
        .fetch_one(&mut *tx)
        .await?;
        let sources_for_account = count(
            "SELECT COUNT(DISTINCT ip) FROM sign_in_failures WHERE account = $1",
            account,
        )
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(StuffingCounts {
            accounts_from_ip,
            accounts_from_net,
            sources_for_account,
        })
    }

    async fn remember_device(
        &self,
        account: AccountId,
        net: &str,
        user_agent: &str,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        crate::lock(&mut tx, crate::Area::Devices).await?;
        let known: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM known_devices WHERE account_id = $1")
                .bind(account.0)
                .fetch_one(&mut *tx)
                .await?;
        let done = sqlx::query(
            "INSERT INTO known_devices (account_id, net, user_agent, first_seen, is_new)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(account.0)
        .bind(net)
        .bind(user_agent)
        .bind(to_ms(now))
        .bind(known > 0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(known > 0 && done.rows_affected() == 1)
    }

    async fn device_notices(&self, account: AccountId) -> Result<Vec<DeviceNotice>> {
        let rows = sqlx::query(
            "SELECT net, user_agent, first_seen FROM known_devices
             WHERE account_id = $1 AND is_new ORDER BY first_seen DESC LIMIT 20",
        )
        .bind(account.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DeviceNotice {
                    net: r.try_get("net")?,
                    user_agent: r.try_get("user_agent")?,
                    first_seen: from_ms(r.try_get("first_seen")?)?,
                })
            })
            .collect()
    }

    async fn sessions_of(&self, account: AccountId) -> Result<Vec<SessionListing>> {
        let rows = sqlx::query(
            "SELECT public_id, token_hash, ip, user_agent, created_at, last_seen FROM sessions
             WHERE account_id = $1 AND stage = 'full' ORDER BY last_seen DESC",
        )
        .bind(account.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SessionListing {
                    public_id: r.try_get("public_id")?,
                    token_hash: r.try_get("token_hash")?,
                    ip: r.try_get("ip")?,
                    user_agent: r.try_get("user_agent")?,
                    created_at: from_ms(r.try_get("created_at")?)?,
                    last_seen: from_ms(r.try_get("last_seen")?)?,
                })
            })
            .collect()
    }

    async fn delete_session_of(&self, account: AccountId, public_id: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND public_id = $2")
            .bind(account.0)
            .bind(public_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("session"));
        }
        Ok(())
    }

    async fn delete_other_sessions(&self, account: AccountId, keep: &[u8]) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2")
                .bind(account.0)
                .bind(keep)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }
}
