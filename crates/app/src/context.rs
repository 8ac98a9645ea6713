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
    /// This node's snapshots of the guard's peer baselines.
    pub guard_peers: Arc<crate::guard_peers::PeerBaselines>,
    /// Identity (`rampart-identity`) over the same store, clock and audit
    /// sink, raising its alerts through [`crate::alerts::GuardAlerts`];
    /// its second-factor keys come with [`App::with_data_key`].
    pub identity: rampart_identity::Identity,
    /// Where the guard's and identity's alerts go.
    pub alerts: Arc<crate::alerts::GuardAlerts>,
    /// Seals directory profiles' personal fields; installed with the data
    /// key ([`App::with_data_key`]).
    pub profile_key: Option<crate::directory::seal::ProfileKey>,
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
        let audit: Arc<dyn AuditSink> = Arc::new(log.clone());
        let alerts = Arc::new(crate::alerts::GuardAlerts {
            store: store.clone(),
            clock: clock.clone(),
            webhook_url: config.guard.webhook_url.clone(),
        });
        Self {
            watermark: Arc::new(Watermarker::new(fingerprinter, config.watermark.clone())),
            guard: Arc::new(guard),
            guard_peers: Arc::default(),
            identity: rampart_identity::Identity::new(
                store.clone(),
                clock.clone(),
                audit.clone(),
                rampart_identity::Settings {
                    identity: config.identity.clone(),
                    session: config.session.clone(),
                    oidc: config.oidc.clone(),
                    public_url: config.http.public_url.clone(),
                },
                alerts.clone(),
            ),
            alerts,
            profile_key: None,
            audit,
            log,
            store,
            blobs,
            clock,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
        }
    }

    /// Installs the data key that second-factor secrets are sealed with.
    pub fn with_data_key(mut self, key: &[u8; 32]) -> Self {
        self.identity = self.identity.with_data_key(key);
        self.profile_key = Some(crate::directory::seal::ProfileKey::derive(key));
        self
    }
}

impl App {
    /// The verifier of the audit log's checkpoints.
    pub fn log_verifier(&self) -> rampart_tlog::Verifier {
        self.log.verifier()
    }
}
