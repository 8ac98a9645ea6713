//! The simulated portal: a library that grows, benign members with habits, and the
//! harness that holds the guard's states exactly as a server would persist them.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

use rampart_guard::clock::{DAY_MS, HOUR_MS};
use rampart_guard::{
    Assessment, DocumentId, Event, EventKind, Guard, IpState, PeerBaseline, PeerDelta,
    PrincipalState, Role, StoredOverrides, Timestamp,
};

use crate::weblog::{Rng, Timing};

/// Monday 2026-01-05 00:00 UTC: day 0 of the simulation (a fresh install).
pub const T0: i64 = 1_767_571_200_000;
pub const COMMUNITIES: usize = 6;
pub const PAGE_SIZE: usize = 50;

pub struct Doc {
    pub id: DocumentId,
    pub created: Timestamp,
    pub bytes: u64,
}

/// Documents per community, oldest first (some are created during the simulation).
pub struct Library {
    pub docs: Vec<Vec<Doc>>,
    pub names: Vec<String>,
    /// Popularity order per community (indices into `docs`), most popular first.
    popular: Vec<Vec<usize>>,
    zipf_cdf: Vec<f64>,
}

impl Library {
    pub fn new(rng: &mut Rng, initial: usize, days: i64) -> Self {
        let mut docs = Vec::new();
        let mut popular = Vec::new();
        for _ in 0..COMMUNITIES {
            let mut c: Vec<Doc> = Vec::new();
            for _ in 0..initial {
                let age = rng.range(0.0, 730.0 * DAY_MS as f64) as i64;
                c.push(doc(rng, Timestamp(T0 - age)));
            }
            for d in 0..days {
                if d % 7 < 5 {
                    for _ in 0..2 {
                        let at = T0 + d * DAY_MS + 8 * HOUR_MS + rng.below(9) as i64 * HOUR_MS;
                        c.push(doc(rng, Timestamp(at)));
                    }
                }
            }
            c.sort_by_key(|d| d.created);
            let mut order: Vec<usize> = (0..c.len()).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, rng.below(i + 1));
            }
            docs.push(c);
            popular.push(order);
        }
        let n = docs[0].len().max(1);
        let mut acc = 0.0;
        let mut zipf_cdf = Vec::with_capacity(n);
        for r in 0..n {
            acc += 1.0 / (r as f64 + 1.0);
            zipf_cdf.push(acc);
        }
        let names = (0..COMMUNITIES)
            .map(|c| format!("portal{c}/community"))
            .collect();
        Library {
            docs,
            names,
            popular,
            zipf_cdf,
        }
    }

    /// Documents visible at `now`, newest first (the listing order).
    /// How many documents of community `c` exist at `now` (all visible to its members).
    pub fn visible(&self, c: usize, now: Timestamp) -> u32 {
        self.docs[c].partition_point(|d| d.created <= now) as u32
    }

    pub fn listing(&self, c: usize, now: Timestamp) -> Vec<usize> {
        let mut v: Vec<usize> = (0..self.docs[c].len())
            .filter(|&i| self.docs[c][i].created <= now)
            .collect();
        v.reverse();
        v
    }

    /// A document a member would open: recent ones or popular ones.
    pub fn pick(&self, rng: &mut Rng, c: usize, now: Timestamp) -> usize {
        let docs = &self.docs[c];
        if rng.chance(0.4) {
            let visible = self.listing(c, now);
            let k = visible.len().min(30);
            return visible[rng.below(k)];
        }
        loop {
            let total = self.zipf_cdf[self.zipf_cdf.len() - 1];
            let x = rng.f() * total;
            let r = self
                .zipf_cdf
                .partition_point(|&v| v < x)
                .min(docs.len() - 1);
            let i = self.popular[c][r];
            if docs[i].created <= now {
                return i;
            }
        }
    }
}

fn doc(rng: &mut Rng, created: Timestamp) -> Doc {
    let hi = rng.next_u64();
    let lo = rng.next_u64();
    Doc {
        id: DocumentId((u128::from(hi) << 64) | u128::from(lo)),
        created,
        bytes: (rng.normal() * 1.0 + 13.0)
            .exp()
            .clamp(20_000.0, 40_000_000.0) as u64,
    }
}

pub const UA_FAMILIES: [&str; 6] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36 Edg/{v}.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{v}.0 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
];
const UA_WEIGHTS: [f64; 6] = [0.35, 0.20, 0.15, 0.10, 0.12, 0.08];

pub fn user_agent(family: usize, version: u32) -> String {
    UA_FAMILIES[family].replace("{v}", &version.to_string())
}

pub struct User {
    pub id: String,
    pub community: usize,
    pub role: Role,
    /// Offset of local time from UTC, hours.
    pub tz: i64,
    pub start_hour: f64,
    pub office_ip: IpAddr,
    pub home_ip: IpAddr,
    pub ua_family: usize,
    pub ua_phase: i64,
    pub joined_day: i64,
}

impl User {
    pub fn ua(&self, day: i64) -> String {
        user_agent(self.ua_family, 120 + ((day + self.ua_phase) / 28) as u32)
    }
}

pub fn make_users(rng: &mut Rng, n: usize, days: i64) -> Vec<User> {
    let mut users = Vec::with_capacity(n);
    for i in 0..n {
        let community = i % COMMUNITIES;
        let role = match rng.f() {
            x if x < 0.7 => Role::Reader,
            x if x < 0.9 => Role::Contributor,
            _ => Role::Manager,
        };
        // Organisations of ~8 members behind one office NAT address.
        let org = i / 8;
        let office_ip = IpAddr::V4(Ipv4Addr::new(81, (org / 200) as u8, (org % 200) as u8, 1));
        let home_ip = IpAddr::V4(Ipv4Addr::new(
            90,
            rng.below(250) as u8,
            rng.below(250) as u8,
            rng.below(250) as u8 + 1,
        ));
        let x = rng.f();
        let mut acc = 0.0;
        let mut ua_family = 0;
        for (k, w) in UA_WEIGHTS.iter().enumerate() {
            acc += w;
            if x < acc {
                ua_family = k;
                break;
            }
        }
        // 5% join after the install, to exercise cold start of single accounts.
        let joined_day = if rng.chance(0.05) {
            rng.below(days as usize) as i64
        } else {
            0
        };
        users.push(User {
            id: format!("acc{i:04}"),
            community,
            role,
            tz: [-5, -4, 0, 1, 1, 1, 2, 2, 3][rng.below(9)],
            start_hour: rng.range(7.0, 9.5),
            office_ip,
            home_ip,
            ua_family,
            ua_phase: rng.below(28) as i64,
            joined_day,
        });
    }
    users
}

/// The guard and everything a server would persist for it.
#[derive(Clone)]
pub struct Harness {
    pub guard: Guard,
    pub principals: HashMap<String, PrincipalState>,
    pub peers: HashMap<(String, Role), PeerBaseline>,
    pub ips: HashMap<IpAddr, IpState>,
    pub assessed: u64,
    /// As the server does: assess against a snapshot of the peer baseline and merge
    /// what requests add every `merge_ms` (0: update the baseline in place).
    pub merge_ms: i64,
    /// Per peer group: additions not merged yet, and the time of the last merge.
    pub pending: HashMap<(String, Role), (PeerDelta, i64)>,
}

impl Harness {
    pub fn new(guard: Guard, merge_ms: i64) -> Self {
        Harness {
            guard,
            principals: HashMap::new(),
            peers: HashMap::new(),
            ips: HashMap::new(),
            assessed: 0,
            merge_ms,
            pending: HashMap::new(),
        }
    }

    pub fn assess(&mut self, e: &Event) -> Assessment {
        self.assessed += 1;
        let state = self.principals.entry(e.principal.clone()).or_default();
        let key = (e.community.clone(), e.role);
        let peers = self.peers.entry(key.clone()).or_default();
        let ip = self.ips.entry(e.ip).or_default();
        if self.merge_ms <= 0 {
            return self.guard.assess(state, peers, ip, e);
        }
        let (pending, merged) = self
            .pending
            .entry(key)
            .or_insert_with(|| (PeerDelta::default(), e.at.0));
        // Members are simulated one after another, so time is not monotonic across
        // events of a group: any jump of the interval either way is a merge.
        if (e.at.0 - *merged).abs() >= self.merge_ms {
            peers.apply(pending);
            *pending = PeerDelta::default();
            *merged = e.at.0;
        }
        let mut delta = PeerDelta::default();
        let a =
            self.guard
                .assess_shared(state, peers, &mut delta, ip, e, &StoredOverrides::default());
        pending.extend(delta);
        a
    }

    pub fn step_up(&mut self, e: &Event, passed: bool) -> Option<Assessment> {
        let state = self.principals.entry(e.principal.clone()).or_default();
        self.guard.record_step_up(state, e, passed)
    }

    pub fn unlock(&mut self, principal: &str) {
        if let Some(s) = self.principals.get_mut(principal) {
            self.guard.unlock(s);
        }
    }
}

pub struct EventSpec {
    pub kind: EventKind,
    pub doc: Option<usize>,
}

#[allow(clippy::too_many_arguments)]
pub fn event(
    lib: &Library,
    principal: &str,
    c: usize,
    role: Role,
    at: Timestamp,
    spec: &EventSpec,
    ip: IpAddr,
    ua: &str,
) -> Event {
    let d = spec.doc.map(|i| &lib.docs[c][i]);
    Event {
        at,
        principal: principal.to_string(),
        kind: spec.kind,
        document: d.map(|d| d.id),
        document_created: d.map(|d| d.created),
        canary: false,
        bytes: match spec.kind {
            EventKind::Download => d.map_or(0, |d| d.bytes),
            _ => 0,
        },
        community: lib.names[c].clone(),
        role,
        ip,
        user_agent: ua.to_string(),
        visible_documents: (spec.kind == EventKind::Download).then(|| lib.visible(c, at)),
    }
}

/// Samples a think time from the log.
pub fn think(rng: &mut Rng, t: &Timing) -> i64 {
    *rng.pick(&t.gaps_ms)
}
