//! The exfiltration guard's memory.
//!
//! The guard engine (`rampart-guard`) is pure; its states are serialised to
//! JSON by the application layer and kept by the backend, one row per
//! account, per (community, role) peer group and per client IP.
//! [`Store::guard_update`] reads an account's (and an IP's) rows, lets the
//! caller assess, and writes back what changed; backends take the write
//! lock before the read, so concurrent requests (and several processes or
//! nodes sharing the database) never lose each other's updates, and the
//! caller goes on only once its update is durable. Peer baselines are not
//! part of it: they are read from a snapshot and merged every few seconds
//! with [`Store::merge_guard_peers`].

use crate::guard_writer::{write_batch, Job};
use crate::{Error, Result, Store};
use rampart_domain::AccountId;
use std::collections::HashMap;
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

/// The work of one guard update: reads and replaces the states it is
/// handed. An error discards that update's changes only.
pub type GuardUpdate = Box<dyn FnOnce(&mut GuardStates) -> Result<()> + Send>;

/// Merges the stored baseline of a peer group (if any) with new
/// observations and returns the baseline to store.
pub type PeerMerge = Box<dyn FnOnce(Option<String>) -> Result<String> + Send>;

/// Stored guard states by key: accounts' `PrincipalState`s and client
/// addresses' `IpState`s, as JSON.
#[derive(Debug, Clone, Default)]
pub struct GuardRows {
    /// By account key.
    pub principals: HashMap<i64, String>,
    /// By client address.
    pub ips: HashMap<String, String>,
}

/// The work of one group commit: given the stored rows of the batch's
/// accounts and addresses, the rows to write back (those that changed).
pub type GuardBatch = Box<dyn FnOnce(GuardRows) -> GuardRows + Send>;

/// Guard state operations of a storage backend.
#[async_trait::async_trait]
pub trait GuardState: Send + Sync {
    /// One group commit (see `guard_writer`): in one transaction that
    /// serialises with every other guard write, whichever process or node
    /// makes it, reads the stored states of `accounts` and `ips` (those that
    /// exist), hands them to `batch`, writes back the rows it returns
    /// (updated at `at_ms`) and commits. Returns once durable.
    async fn guard_batch(
        &self,
        accounts: &[i64],
        ips: &[String],
        at_ms: i64,
        batch: GuardBatch,
    ) -> Result<()>;

    /// Reads the stored baseline of the peer group (`community`, `role`),
    /// hands it to `merge` and stores what it returns, atomically.
    async fn merge_peer_baseline(
        &self,
        community: &str,
        role: &str,
        now: OffsetDateTime,
        merge: PeerMerge,
    ) -> Result<String>;

    /// The stored baseline of the peer group (`community`, `role`), if any.
    async fn guard_peers(&self, community: &str, role: &str) -> Result<Option<String>>;
}

impl Store {
    /// Reads the guard states of `account` (and of the client `ip`, when
    /// given), hands them to `assess`, and writes back what it changed; the
    /// call returns once that write is durable. Concurrent calls are group
    /// committed (see `guard_writer`): they run in order, and a call sees
    /// the states earlier calls left. An error from `assess` discards that
    /// call's changes only.
    pub async fn guard_update<T: Send + 'static>(
        &self,
        account: AccountId,
        ip: Option<&str>,
        now: OffsetDateTime,
        assess: impl FnOnce(&mut GuardStates) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (answer, answered) = oneshot::channel();
        let update: GuardUpdate = Box::new(move |states: &mut GuardStates| {
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
        if let Some(job) = self.guard_writer.submit(&self.backend, job).await {
            write_batch(&*self.backend, vec![job]).await;
        }
        finished
            .await
            .map_err(|_| Error::Guard("the guard state writer stopped".into()))??;
        answered
            .await
            .map_err(|_| Error::Guard("the guard update gave no answer".into()))
    }

    /// Merges a peer group's baseline (see
    /// [`GuardState::merge_peer_baseline`]). Deltas from every node are
    /// merged this way, every few seconds, outside the request path.
    pub async fn merge_guard_peers(
        &self,
        community: &str,
        role: &str,
        now: OffsetDateTime,
        merge: impl FnOnce(Option<String>) -> Result<String> + Send + 'static,
    ) -> Result<String> {
        self.merge_peer_baseline(community, role, now, Box::new(merge))
            .await
    }
}
