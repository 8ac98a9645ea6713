//! What every handler shares: the store, the blob store, the clock, the
//! configuration, the audit sink and the metrics registry.

use crate::{config::Config, metrics::Metrics};
use rampart_blobs::BlobStore;
use rampart_domain::Clock;
use rampart_store::{AuditSink, Store};
use std::sync::Arc;

/// Shared application state; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Database.
    pub store: Store,
    /// Document content.
    pub blobs: BlobStore,
    /// Time source (manual in tests).
    pub clock: Arc<dyn Clock>,
    /// Settings.
    pub config: Arc<Config>,
    /// Where audit events go.
    pub audit: Arc<dyn AuditSink>,
    pub(crate) metrics: Arc<Metrics>,
}

impl AppState {
    /// Assembles the state; the audit sink defaults to the store's table.
    pub fn new(store: Store, blobs: BlobStore, clock: Arc<dyn Clock>, config: Config) -> Self {
        Self {
            audit: Arc::new(store.clone()),
            store,
            blobs,
            clock,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
        }
    }
}
