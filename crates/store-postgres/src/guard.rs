//! The guard's state rows: per-account and per-IP states written a group
//! commit at a time (the store's `guard_writer` batches them), peer
//! baselines merged one transaction each.

use crate::{to_ms, Postgres};
use rampart_store::{GuardBatch, GuardRows, GuardState, PeerMerge, Result};
use time::OffsetDateTime;

#[async_trait::async_trait]
impl GuardState for Postgres {
    // The write lock is taken before the read (the Guard advisory lock), so
    // batches of every process and node run one after another on the rows
    // the previous ones left.
    async fn guard_batch(
        &self,
        accounts: &[i64],
        ips: &[String],
        at_ms: i64,
        batch: GuardBatch,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        crate::lock(&mut tx, crate::Area::Guard).await?;
        let mut stored = GuardRows::default();
        let principals: Vec<(i64, String)> = sqlx::query_as(
            "SELECT account_id, state FROM guard_principals WHERE account_id = ANY($1)",
        )
        .bind(accounts)
        .fetch_all(&mut *tx)
        .await?;
        stored.principals.extend(principals);
        let addresses: Vec<(String, String)> =
            sqlx::query_as("SELECT ip, state FROM guard_ips WHERE ip = ANY($1)")
                .bind(ips)
                .fetch_all(&mut *tx)
                .await?;
        stored.ips.extend(addresses);
        let changed = batch(stored);
        for (account, state) in &changed.principals {
            sqlx::query(
                "INSERT INTO guard_principals (account_id, state, updated_at) VALUES ($1, $2, $3)
                 ON CONFLICT (account_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            )
            .bind(account)
            .bind(state)
            .bind(at_ms)
            .execute(&mut *tx)
            .await?;
        }
        for (ip, state) in &changed.ips {
            sqlx::query(
                "INSERT INTO guard_ips (ip, state, updated_at) VALUES ($1, $2, $3)
                 ON CONFLICT (ip) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            )
            .bind(ip)
            .bind(state)
            .bind(at_ms)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn merge_peer_baseline(
        &self,
        community: &str,
        role: &str,
        now: OffsetDateTime,
        merge: PeerMerge,
    ) -> Result<String> {
        let mut tx = self.pool.begin().await?;
        crate::lock(&mut tx, crate::Area::Guard).await?;
        let stored: Option<String> =
            sqlx::query_scalar("SELECT state FROM guard_peers WHERE community = $1 AND role = $2")
                .bind(community)
                .bind(role)
                .fetch_optional(&mut *tx)
                .await?;
        let state = merge(stored)?;
        sqlx::query(
            "INSERT INTO guard_peers (community, role, state, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (community, role) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        )
        .bind(community)
        .bind(role)
        .bind(&state)
        .bind(to_ms(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(state)
    }

    async fn guard_peers(&self, community: &str, role: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT state FROM guard_peers WHERE community = $1 AND role = $2")
                .bind(community)
                .bind(role)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}
