//! Peer baselines for the guard, kept off the request path.
//!
//! A peer group's baseline (what members of one community with one role
//! usually do; ~10 kB with its "opened by peers" filter) is shared by every
//! member. Rewriting it inside every request's transaction serialised all
//! of a group's requests on one row. Instead each node assesses against a
//! snapshot of the stored baseline and keeps what its requests add as a
//! [`PeerDelta`]; at most every [`REFRESH`] a background task merges the
//! node's delta into the stored row (one immediate transaction, so deltas
//! from several nodes add up) and reloads the merged baseline.
//!
//! What a decision can miss is therefore bounded: peer activity from this
//! or any other node reaches the baselines used for decisions within about
//! two [`REFRESH`] intervals (merge on one node, reload on the other), and
//! at most the last interval's additions are lost if a node dies. Budgets
//! never depend on the peer baseline (they are in the account's own state,
//! written durably before content leaves), only the behaviour score does,
//! through features that already need days of history.

use crate::Error;
use rampart_domain::Clock;
use rampart_guard::{PeerBaseline, PeerDelta};
use rampart_store::Store;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// How often a node merges its peer deltas and reloads the baselines.
pub const REFRESH: Duration = Duration::from_secs(2);

type Key = (String, String);

struct Group {
    snapshot: Arc<PeerBaseline>,
    loaded: Instant,
    pending: PeerDelta,
    merging: bool,
}

/// The node's snapshots of peer baselines and its unmerged deltas.
#[derive(Default)]
pub struct PeerBaselines {
    groups: Mutex<HashMap<Key, Group>>,
}

impl std::fmt::Debug for PeerBaselines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerBaselines").finish_non_exhaustive()
    }
}

fn parse(json: Option<&str>) -> rampart_store::Result<PeerBaseline> {
    match json {
        None => Ok(PeerBaseline::default()),
        Some(text) => serde_json::from_str(text)
            .map_err(|e| rampart_store::Error::Corrupt(format!("guard peer state: {e}"))),
    }
}

fn internal(what: &str) -> Error {
    Error::Internal(anyhow::anyhow!("{what}"))
}

impl PeerBaselines {
    /// The baseline of (`community`, `role`) to assess against: the node's
    /// snapshot, loaded from the store on first use.
    pub async fn snapshot(
        &self,
        store: &Store,
        community: &str,
        role: &str,
    ) -> Result<Arc<PeerBaseline>, Error> {
        let key = (community.to_owned(), role.to_owned());
        {
            let groups = self
                .groups
                .lock()
                .map_err(|_| internal("peer baselines lock poisoned"))?;
            if let Some(group) = groups.get(&key) {
                return Ok(group.snapshot.clone());
            }
        }
        let stored = store.guard_peers(community, role).await?;
        let snapshot = Arc::new(parse(stored.as_deref())?);
        let mut groups = self
            .groups
            .lock()
            .map_err(|_| internal("peer baselines lock poisoned"))?;
        let group = groups.entry(key).or_insert_with(|| Group {
            snapshot: snapshot.clone(),
            loaded: Instant::now(),
            pending: PeerDelta::default(),
            merging: false,
        });
        Ok(group.snapshot.clone())
    }

    /// Adds what one committed assessment contributes to the group's
    /// baseline; starts a merge if the snapshot is older than [`REFRESH`].
    pub fn add(
        self: &Arc<Self>,
        store: &Store,
        clock: &Arc<dyn Clock>,
        community: &str,
        role: &str,
        delta: PeerDelta,
    ) {
        let key = (community.to_owned(), role.to_owned());
        let Ok(mut groups) = self.groups.lock() else {
            return;
        };
        let Some(group) = groups.get_mut(&key) else {
            return;
        };
        group.pending.extend(delta);
        if group.merging || group.loaded.elapsed() < REFRESH {
            return;
        }
        group.merging = true;
        let pending = std::mem::take(&mut group.pending);
        let this = Arc::clone(self);
        let (store, clock) = (store.clone(), Arc::clone(clock));
        tokio::spawn(async move { this.merge(store, clock, key, pending).await });
    }

    /// Merges every group's pending additions now (on shutdown, so that a
    /// clean stop loses none).
    pub async fn flush(self: &Arc<Self>, store: &Store, clock: &Arc<dyn Clock>) {
        let pending: Vec<(Key, PeerDelta)> = match self.groups.lock() {
            Ok(mut groups) => groups
                .iter_mut()
                .filter(|(_, g)| !g.merging && !g.pending.is_empty())
                .map(|(key, g)| {
                    g.merging = true;
                    (key.clone(), std::mem::take(&mut g.pending))
                })
                .collect(),
            Err(_) => return,
        };
        for (key, delta) in pending {
            Arc::clone(self)
                .merge(store.clone(), Arc::clone(clock), key, delta)
                .await;
        }
    }

    /// Merges `pending` into the stored baseline and reloads it.
    async fn merge(
        self: Arc<Self>,
        store: Store,
        clock: Arc<dyn Clock>,
        key: Key,
        pending: PeerDelta,
    ) {
        let result = if pending.is_empty() {
            store
                .guard_peers(&key.0, &key.1)
                .await
                .and_then(|json| parse(json.as_deref()))
        } else {
            let delta = pending.clone();
            store
                .merge_guard_peers(&key.0, &key.1, clock.now(), move |json| {
                    let mut baseline = parse(json.as_deref())?;
                    baseline.apply(&delta);
                    serde_json::to_string(&baseline).map_err(|e| {
                        rampart_store::Error::Corrupt(format!("guard peer state: {e}"))
                    })
                })
                .await
                .and_then(|json| parse(Some(&json)))
        };
        let Ok(mut groups) = self.groups.lock() else {
            return;
        };
        let Some(group) = groups.get_mut(&key) else {
            return;
        };
        group.merging = false;
        group.loaded = Instant::now();
        match result {
            Ok(baseline) => group.snapshot = Arc::new(baseline),
            Err(e) => {
                tracing::error!(error = %e, community = %key.0, role = %key.1, "could not merge a peer baseline");
                // Keep the additions for the next attempt.
                let later = std::mem::take(&mut group.pending);
                group.pending = pending;
                group.pending.extend(later);
            }
        }
    }
}
