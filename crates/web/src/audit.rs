//! Building audit events from a request's context, and recording them. A
//! failure to record is a failure of the request: nothing is answered (and
//! no byte of a document leaves) without its event on disk.

use crate::{auth::Authenticated, error::AppError, state::AppState};
use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{header, request::Parts},
};
use rampart_store::{AuditEvent, Outcome};
use std::{
    convert::Infallible,
    net::{IpAddr, SocketAddr},
};

/// Who is on the other end of the connection.
#[derive(Debug, Clone)]
pub struct Client {
    /// The client's address: the socket's peer, or, when the peer is one of
    /// `[http] trusted_proxies`, the right-most `X-Forwarded-For` entry that
    /// is not a trusted proxy. This is the one place that decides it.
    pub ip: String,
    /// `User-Agent`, cleaned and truncated.
    pub user_agent: String,
}

/// The client address behind any trusted proxies. Entries are read from
/// the right, the only end a trusted proxy vouches for: the first that is
/// not itself a trusted proxy is the client. Anything unparsable there
/// stops the walk at the last trusted hop, which is then taken as the
/// client (never an address the client chose).
fn client_ip(peer: Option<IpAddr>, parts: &Parts, proxies: &[ipnet::IpNet]) -> Option<IpAddr> {
    let trusted = |ip: &IpAddr| proxies.iter().any(|net| net.contains(ip));
    let mut client = peer?;
    if !trusted(&client) {
        return Some(client);
    }
    let forwarded = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for entry in forwarded.iter().rev() {
        match entry.parse::<IpAddr>() {
            Ok(ip) if trusted(&ip) => client = ip,
            Ok(ip) => return Some(ip),
            Err(_) => break,
        }
    }
    Some(client)
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

impl FromRequestParts<AppState> for Client {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let ip = client_ip(peer, parts, &state.config.http.proxies())
            .map(|ip| ip.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(xff: &[&str]) -> Parts {
        let mut builder = axum::http::Request::builder();
        for v in xff {
            builder = builder.header("x-forwarded-for", *v);
        }
        builder
            .body(())
            .map(|r| r.into_parts().0)
            .unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxies: Vec<ipnet::IpNet> = vec![
            "127.0.0.1/32".parse().unwrap_or_else(|_| unreachable!()),
            "10.0.0.0/8".parse().unwrap_or_else(|_| unreachable!()),
        ];
        let ip = |s: &str| s.parse::<IpAddr>().ok();
        let spoofed = parts(&["6.6.6.6, 203.0.113.9, 10.1.1.1"]);
        assert_eq!(
            client_ip(ip("127.0.0.1"), &spoofed, &proxies),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_ip(ip("198.51.100.1"), &spoofed, &proxies),
            ip("198.51.100.1")
        );
        assert_eq!(
            client_ip(ip("127.0.0.1"), &parts(&[]), &proxies),
            ip("127.0.0.1")
        );
        assert_eq!(
            client_ip(ip("127.0.0.1"), &parts(&["junk"]), &proxies),
            ip("127.0.0.1")
        );
        assert_eq!(
            client_ip(ip("127.0.0.1"), &parts(&["1.2.3.4", "10.0.0.2"]), &proxies),
            ip("1.2.3.4")
        );
        assert_eq!(
            client_ip(ip("127.0.0.1"), &parts(&["1.2.3.4"]), &[]),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn networks_are_slash_24_and_slash_64() {
        assert_eq!(network_of("192.0.2.77"), "192.0.2.0/24");
        assert_eq!(network_of("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
    }
}
