//! Who acts from where, and building and recording audit events. A
//! failure to record is a failure of the use case: nothing is answered (and
//! no byte of a document leaves) without its event on disk.

mod kind;

pub use kind::AuditKind;

use crate::{identity::Authenticated, App, Error};
use rampart_store::{AuditEvent, Outcome};
use std::net::IpAddr;

/// Where a request comes from: what the audit log, the guard and the
/// sign-in throttle know of the other end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// An HTTP client.
    Http {
        /// The client's address, as the web layer decided it (the socket's
        /// peer, or the client behind trusted proxies).
        ip: String,
        /// `User-Agent`, cleaned and truncated.
        user_agent: String,
    },
    /// Work done at the server's console (`rampart admin`, `import`, the
    /// demo seeder, first start): no address, session `console`.
    Console,
}

impl Origin {
    /// The address as recorded with sessions, downloads and throttles
    /// (`console` for the console).
    pub fn ip(&self) -> &str {
        match self {
            Origin::Http { ip, .. } => ip,
            Origin::Console => "console",
        }
    }

    /// The HTTP client's address; none for the console.
    pub fn http_ip(&self) -> Option<&str> {
        match self {
            Origin::Http { ip, .. } => Some(ip),
            Origin::Console => None,
        }
    }

    /// The user agent (empty for the console).
    pub fn user_agent(&self) -> &str {
        match self {
            Origin::Http { user_agent, .. } => user_agent,
            Origin::Console => "",
        }
    }

    /// Whether this is the server's console.
    pub fn is_console(&self) -> bool {
        matches!(self, Origin::Console)
    }
}

/// The network an address belongs to for throttling and device notices:
/// IPv4 /24, IPv6 /64 (what one household or one attacker usually holds).
pub fn network_of(ip: &str) -> String {
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Err(_) => ip.to_owned(),
    }
}

impl App {
    /// A blank event of `kind` stamped with the current time.
    pub(crate) fn event(&self, origin: &Origin, kind: AuditKind, outcome: Outcome) -> AuditEvent {
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

    /// An event for an authenticated principal.
    pub(crate) fn event_for(
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

    /// Appends an event durably.
    pub(crate) async fn record(&self, event: AuditEvent) -> Result<u64, Error> {
        self.audit
            .append(event)
            .await
            .map_err(|e| Error::Internal(anyhow::Error::new(e).context("writing audit event")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_are_slash_24_and_slash_64() {
        assert_eq!(network_of("192.0.2.77"), "192.0.2.0/24");
        assert_eq!(network_of("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
    }
}
