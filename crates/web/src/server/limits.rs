//! Caps on open connections, in all and per client address, so that one
//! host holding many half-open connections cannot use up the process's
//! file descriptors. The address is the socket's peer, never a header: a
//! client cannot claim to be someone else to get more connections.
//! IPv6 clients are counted by /64, the block one subscriber usually gets.

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv6Addr},
    sync::{Arc, Mutex, PoisonError},
};

/// Why a connection was closed at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// `max_connections` are open.
    Total,
    /// `max_connections_per_ip` are open from the client's address.
    PerClient,
}

impl Refusal {
    /// The label in metrics.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Refusal::Total => "max_connections",
            Refusal::PerClient => "max_connections_per_ip",
        }
    }
}

/// The open-connection counts of one listener.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionLimits {
    max_total: usize,
    max_per_client: usize,
    /// Reverse proxies: many clients behind one address.
    exempt: Arc<[ipnet::IpNet]>,
    counts: Arc<Mutex<Counts>>,
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_client: HashMap<IpAddr, usize>,
}

/// An admitted connection; dropping it frees its place.
#[derive(Debug)]
pub(crate) struct Permit {
    counts: Arc<Mutex<Counts>>,
    /// `None` for an exempt proxy, counted in the total only.
    client: Option<IpAddr>,
}

impl ConnectionLimits {
    pub(crate) fn new(max_total: usize, max_per_client: usize, exempt: Vec<ipnet::IpNet>) -> Self {
        Self {
            max_total,
            max_per_client,
            exempt: exempt.into(),
            counts: Arc::default(),
        }
    }

    /// Admits a connection from `peer`, or says why not.
    pub(crate) fn admit(&self, peer: IpAddr) -> Result<Permit, Refusal> {
        let peer = peer.to_canonical();
        let client = (!self.exempt.iter().any(|net| net.contains(&peer))).then(|| client_of(peer));
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.total >= self.max_total {
            return Err(Refusal::Total);
        }
        if let Some(client) = client {
            let open = counts.per_client.entry(client).or_default();
            if *open >= self.max_per_client {
                return Err(Refusal::PerClient);
            }
            *open += 1;
        }
        counts.total += 1;
        Ok(Permit {
            counts: self.counts.clone(),
            client,
        })
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.total = counts.total.saturating_sub(1);
        if let Some(client) = self.client {
            if let Some(open) = counts.per_client.get_mut(&client) {
                *open = open.saturating_sub(1);
                if *open == 0 {
                    counts.per_client.remove(&client);
                }
            }
        }
    }
}

/// The key a client is counted under: its IPv4 address, or its IPv6 /64.
fn client_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn caps_per_client_and_in_all_and_frees_places_on_drop() {
        let limits = ConnectionLimits::new(3, 2, vec!["10.0.0.1/32".parse().unwrap()]);
        let a1 = limits.admit(ip("192.0.2.1")).unwrap();
        let _a2 = limits.admit(ip("::ffff:192.0.2.1")).unwrap();
        assert_eq!(
            limits.admit(ip("192.0.2.1")).unwrap_err(),
            Refusal::PerClient,
            "an IPv4-mapped address is the same client"
        );
        let _b = limits.admit(ip("10.0.0.1")).unwrap();
        assert_eq!(limits.admit(ip("10.0.0.1")).unwrap_err(), Refusal::Total);
        drop(a1);
        let _proxy = limits.admit(ip("10.0.0.1")).unwrap();
        assert_eq!(
            limits.admit(ip("198.51.100.7")).unwrap_err(),
            Refusal::Total
        );
    }

    #[test]
    fn ipv6_clients_are_counted_by_slash_64() {
        let limits = ConnectionLimits::new(10, 1, Vec::new());
        let _a = limits.admit(ip("2001:db8:1:2::1")).unwrap();
        assert!(limits.admit(ip("2001:db8:1:2:ffff::9")).is_err());
        assert!(limits.admit(ip("2001:db8:1:3::1")).is_ok());
    }
}
