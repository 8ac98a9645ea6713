//! The [`Origin`] of a request: the client's address, decided in this one
//! place, and its user agent.

use crate::state::AppState;
use axum::{
    extract::ConnectInfo,
    http::{header, request::Parts},
};
use rampart_app::Origin;
use std::net::{IpAddr, SocketAddr};

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

/// Where the request comes from.
pub(super) fn of(parts: &Parts, state: &AppState) -> Origin {
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
    Origin::Http { ip, user_agent }
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
}
