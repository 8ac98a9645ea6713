//! The audit vocabulary every layer shares: what an event records
//! ([`AuditKind`]) and where the act came from ([`Origin`]). Pure values;
//! building and recording events is the application's.

mod kind;

pub use kind::AuditKind;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_are_slash_24_and_slash_64() {
        assert_eq!(network_of("192.0.2.77"), "192.0.2.0/24");
        assert_eq!(network_of("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
    }
}
