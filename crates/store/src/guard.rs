//! The exfiltration guard's memory and its alerts.
//!
//! The guard engine (`rampart-guard`) is pure; its states are serialised to
//! JSON by the web layer and kept here, one row per account, per
//! (community, role) peer group and per client IP. [`Store::guard_update`]
//! reads an account's (and an IP's) rows, lets the caller assess, and
//! writes back what changed inside an immediate transaction shared with the
//! other updates waiting at that moment (group commit): the write lock is
//! taken before the read, so concurrent requests (and several processes
//! sharing the database) never lose each other's updates, and the caller
//! goes on only once its update is durable. Peer baselines are not part of
//! it: they are read from a snapshot and merged every few seconds with
//! [`Store::merge_guard_peers`].

use crate::guard_writer::{write_batch, Job, Update};
use crate::{to_ms, Error, Result, Store};
use rampart_domain::AccountId;
use time::OffsetDateTime;
use tokio::sync::oneshot;

/// The stored JSON of the states one assessment touches. `None` when there
/// is no row yet (or, for `ip`, when the caller did not ask). Whatever the
/// caller leaves `Some` and changed is written back. `peers` is never filled
/// by [`Store::guard_update`] (peer baselines are merged apart, see
/// [`Store::merge_guard_peers`]); it stays for callers that build states
/// themselves.
#[derive(Debug, Clone, Default)]
pub struct GuardStates {
    /// The account's `PrincipalState`.
    pub principal: Option<String>,
    /// The `PeerBaseline` of the request's (community, role).
    pub peers: Option<String>,
    /// The `IpState` of the request's client address.
    pub ip: Option<String>,
}

impl Store {
    /// Reads the guard states of `account` (and of the client `ip`, when
    /// given), hands them to `assess`, and writes back what it changed; the
    /// call returns once that write is durable. Concurrent calls are group
    /// committed in one immediate transaction (see `guard_writer`): the
    /// write lock is taken before the read, calls run in order, and a call
    /// sees the states earlier calls left. An error from `assess` discards
    /// that call's changes only.
    pub async fn guard_update<T: Send + 'static>(
        &self,
        account: AccountId,
        ip: Option<&str>,
        now: OffsetDateTime,
        assess: impl FnOnce(&mut GuardStates) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (answer, answered) = oneshot::channel();
        let update: Update = Box::new(move |states: &mut GuardStates| {
            let value = assess(states)?;
            let _ = answer.send(value);
            Ok(())
        });
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
            .map_err(|_| Error::Guard("the guard state writer stopped".into()))??;
        answered
            .await
            .map_err(|_| Error::Guard("the guard update gave no answer".into()))
    }

    /// Reads the stored baseline of the peer group (`community`, `role`),
    /// hands it to `merge` and stores what it returns, in one immediate
    /// transaction. Deltas from every node are merged this way, every few
    /// seconds, outside the request path.
    pub async fn merge_guard_peers(
        &self,
        community: &str,
        role: &str,
        now: OffsetDateTime,
        merge: impl FnOnce(Option<String>) -> Result<String>,
    ) -> Result<String> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let stored: Option<String> =
            sqlx::query_scalar("SELECT state FROM guard_peers WHERE community = ? AND role = ?")
                .bind(community)
                .bind(role)
                .fetch_optional(&mut *tx)
                .await?;
        let state = merge(stored)?;
        sqlx::query(
            "INSERT INTO guard_peers (community, role, state, updated_at) VALUES (?, ?, ?, ?)
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

    /// The stored baseline of the peer group (`community`, `role`), if any.
    pub async fn guard_peers(&self, community: &str, role: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT state FROM guard_peers WHERE community = ? AND role = ?")
                .bind(community)
                .bind(role)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}
