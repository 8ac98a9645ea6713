//! What identity works with: the store, the clock, the audit sink, its
//! configuration, the second-factor keys, the OpenID Providers, and the
//! channel its alerts go out on.

use crate::{
    config::{IdentityConfig, SessionConfig},
    oidc::{OidcConfig, Providers},
    totp::FactorKeys,
    Authenticated, Error,
};
use futures_util::future::BoxFuture;
use rampart_domain::{AuditKind, Clock, Origin};
use rampart_store::{AuditEvent, AuditSink, Outcome, Store};
use std::sync::Arc;

/// The configuration identity reads.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `[identity]`.
    pub identity: IdentityConfig,
    /// `[session]`.
    pub session: SessionConfig,
    /// `[oidc]`.
    pub oidc: OidcConfig,
    /// `[http] public_url`: the passkeys' relying party and the OIDC
    /// redirect.
    pub public_url: String,
}

/// Where identity raises the alerts its throttle's detector decides
/// (credential stuffing, password guessing): the exfiltration guard's
/// alert channel, which `rampart-app` implements, so that officers see
/// them with the guard's.
pub trait AlertChannel: Send + Sync + std::fmt::Debug {
    /// Raises an alert about `account` (or what the detector names) with
    /// `reasons`, for a failure seen from `origin`.
    fn raise<'a>(
        &'a self,
        account: &'a str,
        origin: &'a Origin,
        reasons: Vec<String>,
    ) -> BoxFuture<'a, Result<(), Error>>;
}

/// Identity's context (cheap to clone).
#[derive(Debug, Clone)]
pub struct Identity {
    /// Accounts, sessions, tokens, factors, throttle counters.
    pub store: Store,
    /// Now.
    pub clock: Arc<dyn Clock>,
    /// Where events go (the transparency log).
    pub audit: Arc<dyn AuditSink>,
    /// The configuration.
    pub config: Arc<Settings>,
    /// Encrypts TOTP secrets and keys recovery codes (none until the data
    /// dir's key is loaded: second factors then cannot be enrolled).
    pub factor_keys: Option<Arc<FactorKeys>>,
    /// The configured OpenID Providers.
    pub oidc: Arc<Providers>,
    /// Where alerts go.
    pub alerts: Arc<dyn AlertChannel>,
}

impl Identity {
    /// A context over `store`, with no factor keys yet.
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        audit: Arc<dyn AuditSink>,
        config: Settings,
        alerts: Arc<dyn AlertChannel>,
    ) -> Self {
        Identity {
            oidc: Arc::new(Providers::new(&config)),
            store,
            clock,
            audit,
            config: Arc::new(config),
            factor_keys: None,
            alerts,
        }
    }

    /// With the second-factor keys derived from the data dir's key.
    pub fn with_data_key(mut self, key: &[u8; 32]) -> Self {
        self.factor_keys = Some(Arc::new(FactorKeys::derive(key)));
        self
    }

    /// A blank event of `kind` stamped with the current time. Only the
    /// use-case layers (this crate and `rampart-app`) build events, and
    /// only with an [`AuditKind`].
    pub fn event(&self, origin: &Origin, kind: AuditKind, outcome: Outcome) -> AuditEvent {
        AuditEvent {
            seq: 0,
            time: rampart_store::event_time(self.clock.now()),
            kind: kind.as_str().to_owned(),
            account: None,
            ip: origin.http_ip().map(str::to_owned),
            session: origin.is_console().then(|| "console".to_owned()),
            document: None,
            version: None,
            download: None,
            outcome,
            detail: serde_json::json!({}),
        }
    }

    /// An event of `kind` by `user` (account and credential filled in).
    pub fn event_for(
        &self,
        user: &Authenticated,
        origin: &Origin,
        kind: AuditKind,
        outcome: Outcome,
    ) -> AuditEvent {
        AuditEvent {
            account: Some(user.email.to_string()),
            session: Some(user.credential_id.clone()),
            ..self.event(origin, kind, outcome)
        }
    }

    /// Writes `event`; its sequence number once it is durable. A failure
    /// to record is a failure of the use case.
    pub async fn record(&self, event: AuditEvent) -> Result<u64, Error> {
        self.audit.append(event).await.map_err(|e| {
            if e.is_unavailable() {
                tracing::error!(cause = %e, "the audit log's database does not answer");
                Error::Unavailable("the database")
            } else {
                Error::Internal(anyhow::Error::new(e).context("writing audit event"))
            }
        })
    }
}
