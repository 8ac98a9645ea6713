//! The guard's state rows: per-account and per-IP states through the group
//! committing writer (`guard_writer`), peer baselines merged in one
//! immediate transaction.

use crate::guard_writer::{write_batch, Job};
use crate::{to_ms, Postgres};
use rampart_domain::AccountId;
use rampart_store::{Error, GuardState, GuardUpdate, PeerMerge, Result};
use time::OffsetDateTime;
use tokio::sync::oneshot;

#[async_trait::async_trait]
impl GuardState for Postgres {
    // Concurrent calls are group committed in one immediate transaction
    // (see `guard_writer`): the write lock is taken before the read, calls
    // run in order, and a call sees the states earlier calls left.
    async fn apply_guard_update(
        &self,
        account: AccountId,
        ip: Option<&str>,
        now: OffsetDateTime,
        update: GuardUpdate,
    ) -> Result<()> {
        let (done, finished) = oneshot::channel();
        let job = Job {
            account: account.0,
            ip: ip.map(str::to_owned),
            now,
            update,
            done,
        };
        if let Some(job) = self.guard_writer.submit(&self.pool, job).await {
            write_batch(&self.pool, vec![job]).await;
        }
        finished
            .await
            .map_err(|_| Error::Guard("the guard state writer stopped".into()))?
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
