//! Group commit for the guard's per-account state, over any backend.
//!
//! Every guarded request reads its account's state, assesses, and must have
//! the new state (its budget counts) durable before any content leaves. One
//! serialised transaction per request pays one commit each (measured on
//! SQLite: ~800 req/s, p99 over half a second). Here one writer task per
//! [`Store`](crate::Store) takes whatever updates are waiting (up to
//! [`MAX_BATCH`]) and hands them to the backend's
//! [`GuardState::guard_batch`]: in one transaction that serialises with
//! every other guard write (whichever process or node makes it), the
//! batch's rows are read, the updates run one after another on them — a
//! later update of the same account sees the earlier one's state — the
//! rows that changed are written back, and only after the commit are the
//! callers released. Durability, ordering and the read inside the write
//! lock are those of one transaction per request; the commit is shared.

use crate::{Backend, Error, GuardRows, GuardStates, GuardUpdate, Result};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

/// Largest number of updates committed together.
pub const MAX_BATCH: usize = 128;

/// One queued update.
pub(crate) struct Job {
    pub(crate) account: i64,
    pub(crate) ip: Option<String>,
    pub(crate) now: OffsetDateTime,
    pub(crate) update: GuardUpdate,
    /// Answered once the batch holding the update has committed (or failed).
    pub(crate) done: oneshot::Sender<Result<()>>,
}

/// The queue to the writer task, started on first use (inside the runtime
/// that first needs it).
#[derive(Default)]
pub(crate) struct GuardWriter {
    queue: OnceLock<mpsc::Sender<Job>>,
}

impl GuardWriter {
    /// Queues `job`; if no writer task can take it (its runtime is gone),
    /// hands it back so the caller can run it alone.
    pub(crate) async fn submit(&self, backend: &Arc<dyn Backend>, job: Job) -> Option<Job> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
            tokio::spawn(write_batches(backend.clone(), rx));
            tx
        });
        match queue.send(job).await {
            Ok(()) => None,
            Err(mpsc::error::SendError(job)) => Some(job),
        }
    }
}

async fn write_batches(backend: Arc<dyn Backend>, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        write_batch(&*backend, batch).await;
    }
}

/// Runs `batch` in one guard transaction and answers every job.
pub(crate) async fn write_batch(backend: &dyn Backend, batch: Vec<Job>) {
    let mut accounts: Vec<i64> = batch.iter().map(|j| j.account).collect();
    accounts.sort_unstable();
    accounts.dedup();
    let mut ips: Vec<String> = batch.iter().filter_map(|j| j.ip.clone()).collect();
    ips.sort_unstable();
    ips.dedup();
    let at = batch
        .iter()
        .map(|j| crate::to_ms(j.now))
        .max()
        .unwrap_or_default();
    let mut replies = Vec::with_capacity(batch.len());
    let mut jobs = Vec::with_capacity(batch.len());
    for job in batch {
        replies.push(job.done);
        jobs.push((job.account, job.ip, job.update));
    }
    // The outcomes are decided inside the transaction and told only after
    // it committed.
    let outcomes: Arc<Mutex<Vec<Result<()>>>> = Arc::default();
    let decided = outcomes.clone();
    let run = Box::new(move |stored: GuardRows| {
        let mut current = stored.clone();
        let mut told = Vec::with_capacity(jobs.len());
        for (account, ip, update) in jobs {
            let mut states = GuardStates {
                principal: current.principals.get(&account).cloned(),
                peers: None,
                ip: ip.as_ref().and_then(|ip| current.ips.get(ip)).cloned(),
            };
            // An update that fails leaves the batch as if it never ran.
            let outcome = update(&mut states);
            if outcome.is_ok() {
                if let Some(state) = states.principal {
                    current.principals.insert(account, state);
                }
                if let (Some(ip), Some(state)) = (ip, states.ip) {
                    current.ips.insert(ip, state);
                }
            }
            told.push(outcome);
        }
        if let Ok(mut slot) = decided.lock() {
            *slot = told;
        }
        changed(&stored, current)
    });
    let result = backend.guard_batch(&accounts, &ips, at, run).await;
    let outcomes: Option<Vec<Result<()>>> = match outcomes.lock() {
        Ok(mut told) => Some(std::mem::take(&mut *told)),
        Err(_) => None,
    };
    match (result, outcomes) {
        (Ok(()), Some(outcomes)) => {
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(outcome);
            }
        }
        (result, _) => {
            let failure = match result {
                Err(e) => e,
                Ok(()) => Error::Guard("the guard batch lost its outcomes".into()),
            };
            tracing::error!(error = %failure, "guard state batch failed");
            for reply in replies {
                let _ = reply.send(Err(failure.for_batch(Error::Guard)));
            }
        }
    }
}

/// The rows of `current` that differ from `stored`: only those are written
/// (an IP's state changes only when an account uses it for the first time).
fn changed(stored: &GuardRows, current: GuardRows) -> GuardRows {
    let keep_principals: HashMap<i64, String> = current
        .principals
        .into_iter()
        .filter(|(k, v)| stored.principals.get(k) != Some(v))
        .collect();
    let keep_ips: HashMap<String, String> = current
        .ips
        .into_iter()
        .filter(|(k, v)| stored.ips.get(k) != Some(v))
        .collect();
    GuardRows {
        principals: keep_principals,
        ips: keep_ips,
    }
}
