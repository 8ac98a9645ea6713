//! Building audit events from a request's context, and recording them. A
//! failure to record is a failure of the request: nothing is answered (and
//! no byte of a document leaves) without its event on disk.

use crate::{auth::Authenticated, error::AppError, state::AppState};
use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{header, request::Parts},
};
use rampart_store::{AuditEvent, Outcome};
use std::{convert::Infallible, net::SocketAddr};

/// Who is on the other end of the connection.
#[derive(Debug, Clone)]
pub struct Client {
    /// Peer address (no proxy headers are trusted).
    pub ip: String,
    /// `User-Agent`, cleaned and truncated.
    pub user_agent: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".to_owned());
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .take(256)
            .collect();
        Ok(Client { ip, user_agent })
    }
}

impl AppState {
    /// A blank event of `kind` stamped with the current time.
    pub(crate) fn event(&self, client: &Client, kind: &str, outcome: Outcome) -> AuditEvent {
        AuditEvent {
            seq: 0,
            time: rampart_store::event_time(self.clock.now()),
            kind: kind.to_owned(),
            account: None,
            session: None,
            ip: Some(client.ip.clone()),
            document: None,
            version: None,
            download: None,
            outcome,
            detail: serde_json::json!({}),
        }
    }

    /// An event for an authenticated principal.
    pub(crate) fn event_for(
        &self,
        user: &Authenticated,
        client: &Client,
        kind: &str,
        outcome: Outcome,
    ) -> AuditEvent {
        AuditEvent {
            account: Some(user.email.to_string()),
            session: Some(user.credential_id.clone()),
            ..self.event(client, kind, outcome)
        }
    }

    /// Appends an event durably.
    pub(crate) async fn record(&self, event: AuditEvent) -> Result<u64, AppError> {
        self.audit
            .append(event)
            .await
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("writing audit event")))
    }
}
