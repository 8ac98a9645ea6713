//! The audit trail as a tamper-evident transparency log.
//!
//! Every event is appended through [`AuditLog`]: a sequencer task takes
//! whatever appends are waiting (up to 256), writes them as consecutive
//! leaves in one transaction, and releases each caller only when its batch
//! has committed — group commit, so that concurrent requests share one
//! fsync. A checkpointer signs a C2SP checkpoint (Ed25519 signed note) for
//! the current tree every second while it grows, after checking that the
//! tree is consistent with the previous checkpoint; it never signs size 0.
//! Tiles, entry bundles and proofs are computed from the stored hashes.

mod append;
mod read;
mod verify;

pub use append::{canonical_entry, edge_from_row, leaves, Leaves, MAX_ENTRY};
pub use read::{AuditLogStorage, LoggedRow, StoredCheckpoint, VerificationRecord};
pub use verify::{verify_log, Finding, VerifyReport};

use crate::{AuditEvent, AuditSink, Error, Result, Store};
use rampart_tlog::{check_tree, prove_tree, tree_hash, Checkpoint, Signer};
use std::{sync::Arc, time::Duration};
use tokio::sync::{mpsc, oneshot, Mutex};

/// Largest batch written in one transaction.
pub const MAX_BATCH: usize = 256;
/// How often the checkpointer looks for growth.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

struct Pending {
    event: AuditEvent,
    reply: oneshot::Sender<Result<u64>>,
}

/// The log: an [`AuditSink`] with signed checkpoints.
#[derive(Clone)]
pub struct AuditLog {
    store: Store,
    queue: mpsc::Sender<Pending>,
    signer: Arc<Signer>,
    origin: Arc<str>,
    tasks: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("origin", &self.origin)
            .finish()
    }
}

impl AuditLog {
    /// Starts the sequencer and the checkpointer on `store`, signing as
    /// `signer` (whose name is the log's origin).
    pub fn start(store: Store, signer: Signer) -> Self {
        let (queue, rx) = mpsc::channel(4 * MAX_BATCH);
        let origin: Arc<str> = signer.name().into();
        let log = Self {
            store: store.clone(),
            queue,
            signer: Arc::new(signer),
            origin,
            tasks: Arc::new(Mutex::new(Vec::new())),
        };
        let sequencer = tokio::spawn(sequence(store, rx));
        let checkpointer = {
            let log = log.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
                loop {
                    tick.tick().await;
                    if let Err(e) = log.checkpoint().await {
                        tracing::error!(error = %e, "could not sign a checkpoint");
                    }
                }
            })
        };
        if let Ok(mut tasks) = log.tasks.try_lock() {
            tasks.push(sequencer);
            tasks.push(checkpointer);
        }
        log
    }

    /// The log's origin line (also the signer's name).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The verifier of the log's checkpoints.
    pub fn verifier(&self) -> rampart_tlog::Verifier {
        self.signer.verifier()
    }

    /// The verifier key in signed-note format (`name+id+key`).
    pub fn verifier_key(&self) -> String {
        self.signer.verifier().to_key_string()
    }

    /// The underlying store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Signs a checkpoint for the current tree if it grew since the last
    /// one. Refuses to sign a tree that is not consistent with the last
    /// checkpoint, or whose stored hashes disagree with its head.
    pub async fn checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        let (size, root) = self.store.log_head().await?;
        if size == 0 {
            return Ok(None);
        }
        let latest = self.store.latest_checkpoint().await?;
        if let Some(prev) = &latest {
            if prev.size == size {
                return Ok(None);
            }
            if prev.size > size {
                return Err(Error::Log(format!(
                    "log has {size} entries but checkpoint {} was signed: truncated",
                    prev.size
                )));
            }
            let proof = self
                .store
                .with_hashes(|r| prove_tree(size, prev.size, r))
                .await?;
            check_tree(&proof, size, root, prev.size, prev.root).map_err(|e| {
                Error::Log(format!(
                    "tree {size} is not consistent with checkpoint {}: {e}",
                    prev.size
                ))
            })?;
        }
        let recomputed = self.store.with_hashes(|r| tree_hash(size, r)).await?;
        if recomputed != root {
            return Err(Error::Log(
                "stored hashes disagree with the log head".into(),
            ));
        }
        let signed = Checkpoint::new(self.origin.to_string(), size, root)
            .and_then(|c| c.sign(&[&self.signer]))
            .map_err(|e| Error::Log(e.to_string()))?;
        let now = crate::to_ms(time::OffsetDateTime::now_utc());
        self.store
            .store_checkpoint(size, &root, &signed, now)
            .await?;
        Ok(Some(StoredCheckpoint {
            size,
            root,
            signed,
            created_at: now,
        }))
    }

    /// Stops accepting appends, lets queued ones finish, and signs a final
    /// checkpoint so that a quiet log ends covered.
    pub async fn close(&self) -> Result<()> {
        let tasks = std::mem::take(&mut *self.tasks.lock().await);
        for task in &tasks {
            task.abort();
        }
        // Anything already acknowledged is committed; sign over it.
        self.checkpoint().await.map(|_| ())
    }
}

async fn sequence(store: Store, mut rx: mpsc::Receiver<Pending>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        let events = batch.iter().map(|p| p.event.clone()).collect();
        match store.append_entries(events).await {
            Ok(first_seq) => {
                for (i, p) in batch.into_iter().enumerate() {
                    let _ = p.reply.send(Ok(first_seq + i as u64));
                }
            }
            Err(e) => {
                let message = e.to_string();
                tracing::error!(error = %message, "audit batch failed");
                for p in batch {
                    let _ = p.reply.send(Err(e.for_batch(Error::Log)));
                }
            }
        }
    }
}

#[async_trait::async_trait]
impl AuditSink for AuditLog {
    async fn append(&self, event: AuditEvent) -> Result<u64> {
        // Refuse oversized events here, so one bad event cannot fail the
        // batch it would have joined.
        let probe = AuditEvent {
            seq: u64::MAX,
            ..event.clone()
        };
        canonical_entry(&probe)?;
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Pending { event, reply })
            .await
            .map_err(|_| Error::Log("the audit log is closed".into()))?;
        answer
            .await
            .map_err(|_| Error::Log("the audit sequencer stopped".into()))?
    }
}
