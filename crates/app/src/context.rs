//! The one context every use case runs in: the store, the blob store, the
//! clock, the configuration, the audit sink, the guard, the keys and the
//! metrics registry.

use crate::{config::Config, metrics::Metrics, watermark::Watermarker};
use rampart_blobs::BlobStore;
use rampart_domain::Clock;
use rampart_store::{auditlog::AuditLog, AuditSink, Store};
use std::sync::Arc;

/// The application context; cheap to clone.
#[derive(Debug, Clone)]
pub struct App {
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
    /// The transparency log behind `audit` (checkpoints, tiles, proofs).
    pub log: AuditLog,
    pub metrics: Arc<Metrics>,
    /// The exfiltration guard's engine, built from `config.guard`.
    pub guard: Arc<rampart_guard::Guard>,
    /// Marks every served copy for its recipient.
    pub watermark: Arc<Watermarker>,
    /// Keys for second factors at rest, derived from `keys/data.key`
    /// (absent until [`App::with_data_key`]: no enrollment then).
    pub factor_keys: Option<Arc<crate::identity::totp::FactorKeys>>,
    /// This node's snapshots of the guard's peer baselines.
    pub guard_peers: Arc<crate::guard_peers::PeerBaselines>,
    /// The configured OpenID Providers (metadata discovered lazily).
    pub oidc: Arc<crate::identity::oidc::Providers>,
}

impl App {
    /// Assembles the state around a running audit log.
    pub fn new(
        store: Store,
        blobs: BlobStore,
        clock: Arc<dyn Clock>,
        config: Config,
        log: AuditLog,
        fingerprinter: rampart_fingerprint::Fingerprinter,
    ) -> Self {
        let guard = match rampart_guard::Guard::new(config.guard.engine()) {
            Ok(guard) => guard,
            Err(e) => {
                // Config::load refuses such a configuration; a hand-built
                // one falls back to the defaults rather than to no guard.
                tracing::error!(error = %e, "invalid [guard] configuration; using the defaults");
                rampart_guard::Guard::default()
            }
        };
        Self {
            watermark: Arc::new(Watermarker::new(fingerprinter, config.watermark.clone())),
            guard: Arc::new(guard),
            guard_peers: Arc::default(),
            oidc: Arc::new(crate::identity::oidc::Providers::new(&config)),
            audit: Arc::new(log.clone()),
            log,
            store,
            blobs,
            clock,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            factor_keys: None,
        }
    }

    /// Installs the data key that second-factor secrets are sealed with.
    pub fn with_data_key(mut self, key: &[u8; 32]) -> Self {
        self.factor_keys = Some(Arc::new(crate::identity::totp::FactorKeys::derive(key)));
        self
    }
}

impl App {
    /// The verifier of the audit log's checkpoints.
    pub fn log_verifier(&self) -> rampart_tlog::Verifier {
        self.log.verifier()
    }
}
