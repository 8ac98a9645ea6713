//! The guard's memory: explicit, serialisable, bounded.
//!
//! Everything the engine knows between two requests lives in three values the caller
//! loads and stores (SQLite/PostgreSQL rows, shared by every node): one
//! [`PrincipalState`] per account, one [`PeerBaseline`] per (community, role) and one
//! [`crate::IpState`] per client IP. Each has a fixed upper size whatever the traffic.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::clock::{Timestamp, DAY_MS, HOUR_MS, MINUTE_MS};
use crate::event::DocumentId;
use crate::peers::PeerDelta;
use crate::sketch::{hash_u128, stable_hash, Ring, RotatingBloom};
use crate::window::SlidingWindow;

/// Version of the persisted layout; bumped on incompatible changes.
pub const STATE_VERSION: u32 = 1;
/// Request times kept for the regularity feature.
pub(crate) const RECENT_REQUESTS: usize = 17;
/// Downloads kept for the breadth and order features.
pub(crate) const RECENT_DOWNLOADS: usize = 20;
/// Distinct documents counted exactly over 7 days (the cap on the distinct budget).
pub(crate) const DISTINCT_CAPACITY: usize = 1_024;
const IP_SIGHTINGS: usize = 16;
const UA_SIGHTINGS: usize = 8;
const DAILY_HISTORY: usize = 28;
const STRIKES_KEPT: usize = 8;
/// Distinct documents remembered with their download time, for the share of
/// the visible library taken within an hour. Above this many a larger
/// library is judged on a lower bound (hourly budgets stop far below it).
pub(crate) const TAKEN_KEPT: usize = 64;
const OPENED_PER_GENERATION: u32 = 1_024;
pub(crate) const HOUR_DECAY_PER_DAY: f32 = 0.97;

/// Distinct documents per UTC day, for the 7-day distinct budget.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistinctDays {
    /// Document hash → last day (days since epoch) it was accessed.
    last_day: BTreeMap<u64, i64>,
    /// Day of the last pruning (entries older than 7 days are dropped once a day).
    pruned: i64,
}

impl DistinctDays {
    fn prune(&mut self, today: i64) {
        if today != self.pruned {
            self.last_day.retain(|_, d| *d > today - 7);
            self.pruned = today;
        }
    }

    /// Distinct documents accessed in the 7 days ending `today` (inclusive).
    pub fn count(&mut self, today: i64) -> u32 {
        self.prune(today);
        self.last_day.len() as u32
    }

    /// Whether `doc` is already counted in the window ending `today`.
    pub fn contains(&self, doc: u64, today: i64) -> bool {
        self.last_day.get(&doc).is_some_and(|d| *d > today - 7)
    }

    /// Records an access to `doc` on `today`.
    pub fn touch(&mut self, doc: u64, today: i64) {
        self.last_day.insert(doc, today);
        if self.last_day.len() > DISTINCT_CAPACITY {
            // Evict the oldest quarter at once (amortised O(log n) per insertion).
            let mut days: Vec<i64> = self.last_day.values().copied().collect();
            days.sort_unstable();
            let cut = days[days.len() / 4];
            self.last_day.retain(|_, d| *d > cut);
        }
    }

    /// Milliseconds from `now` until the count drops to `limit - 1` (room for one more).
    pub fn retry_after_ms(&self, now: Timestamp, limit: u32) -> i64 {
        let mut days: Vec<i64> = self.last_day.values().copied().collect();
        days.sort_unstable();
        let excess = days.len().saturating_sub(limit.saturating_sub(1) as usize);
        let oldest_to_drop = days
            .get(excess.saturating_sub(1))
            .copied()
            .unwrap_or(now.day());
        ((oldest_to_drop + 7) * DAY_MS - now.millis()).max(0)
    }
}

/// One IP address or user agent the account has used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sighting {
    /// Stable hash of the address, prefix or normalised user agent.
    pub key: u64,
    /// First use.
    pub first: Timestamp,
    /// Latest use.
    pub last: Timestamp,
    /// Distinct UTC days of use (saturating).
    pub days: u16,
    /// Confirmed by a passed step-up.
    pub confirmed: bool,
}

impl Sighting {
    /// Established: used on at least two days, or confirmed by a second factor.
    pub fn established(&self) -> bool {
        self.confirmed || self.days >= 2
    }
}

/// Bounded, least-recently-used set of sightings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sightings {
    cap: usize,
    items: Vec<Sighting>,
}

impl Sightings {
    fn new(cap: usize) -> Self {
        Sightings {
            cap,
            items: Vec::new(),
        }
    }

    /// The sighting of `key`, if remembered.
    pub fn get(&self, key: u64) -> Option<&Sighting> {
        self.items.iter().find(|s| s.key == key)
    }

    /// Records a use of `key` at `now`.
    pub fn see(&mut self, key: u64, now: Timestamp, confirm: bool) {
        if let Some(s) = self.items.iter_mut().find(|s| s.key == key) {
            if s.last.day() != now.day() {
                s.days = s.days.saturating_add(1);
            }
            s.last = s.last.max(now);
            s.confirmed |= confirm;
            return;
        }
        if self.items.len() >= self.cap {
            // Forget the least recently used.
            if let Some(i) = (0..self.items.len()).min_by_key(|&i| self.items[i].last) {
                self.items.swap_remove(i);
            }
        }
        self.items.push(Sighting {
            key,
            first: now,
            last: now,
            days: 1,
            confirmed: confirm,
        });
    }

    /// Number of sightings held.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing was seen yet.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Key of an IP address.
pub(crate) fn ip_key(ip: &IpAddr) -> u64 {
    match ip {
        IpAddr::V4(v4) => stable_hash(&v4.octets()),
        IpAddr::V6(v6) => stable_hash(&v6.octets()),
    }
}

/// Key of the IP's network (/24 for IPv4, /48 for IPv6).
pub(crate) fn prefix_key(ip: &IpAddr) -> u64 {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            stable_hash(&[4, o[0], o[1], o[2]])
        }
        IpAddr::V6(v6) => {
            let o = v6.octets();
            stable_hash(&[6, o[0], o[1], o[2], o[3], o[4], o[5]])
        }
    }
}

/// Key of a user agent, with version numbers folded (`Chrome/124.0.1` ≡ `Chrome/125.0.3`)
/// so browser updates do not look like a new device.
pub(crate) fn ua_key(ua: &str) -> u64 {
    let mut norm = Vec::with_capacity(ua.len());
    let mut in_digits = false;
    for b in ua.bytes() {
        if b.is_ascii_digit() {
            if !in_digits {
                norm.push(b'0');
            }
            in_digits = true;
        } else {
            in_digits = false;
            norm.push(b.to_ascii_lowercase());
        }
    }
    stable_hash(&norm)
}

/// Document key.
pub(crate) fn doc_key(doc: &DocumentId) -> u64 {
    hash_u128(doc.0)
}

/// A download remembered for the breadth and order features.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentDownload {
    /// The document.
    pub document: DocumentId,
    /// Its creation time, if the caller gave it.
    pub created: Option<Timestamp>,
    /// Never opened before by this account nor by its peers.
    pub novel: bool,
}

/// Where the current walk through listing pages stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListWalk {
    /// Hash of the community being listed.
    pub community: u64,
    /// Last page ordinal.
    pub page: u32,
    /// Consecutive pages walked in order (page, page + 1, …).
    pub run: u32,
    /// Time of the last page.
    pub at: Option<Timestamp>,
}

/// Why and since when an account is suspended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspension {
    /// When the guard suspended the account.
    pub at: Timestamp,
    /// The reasons given then.
    pub reasons: Vec<String>,
}

/// A hold: the guard asked for the second factor again and refuses every
/// listing, view and download of the account (all its credentials) until
/// the owner confirms it or a security officer releases it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    /// When the step-up was asked.
    pub at: Timestamp,
    /// Requests refused since (the first refusal included).
    pub refused: u32,
    /// The reasons of the step-up.
    pub reasons: Vec<String>,
}

/// A distinct document downloaded (its key), and when it was last: a pair,
/// so that the state written on every request stays small.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taken(pub u64, pub Timestamp);

/// Everything the guard remembers about one account (a few kilobytes at most).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrincipalState {
    /// Layout version ([`STATE_VERSION`]).
    pub version: u32,
    /// First request ever seen.
    pub first_seen: Option<Timestamp>,
    /// Requests allowed so far (saturating).
    pub allowed: u64,
    pub(crate) downloads_minute: SlidingWindow,
    pub(crate) downloads_hour: SlidingWindow,
    pub(crate) downloads_day: SlidingWindow,
    pub(crate) bytes_minute: SlidingWindow,
    pub(crate) bytes_hour: SlidingWindow,
    pub(crate) bytes_day: SlidingWindow,
    pub(crate) list_hour: SlidingWindow,
    pub(crate) views_hour: SlidingWindow,
    pub(crate) distinct: DistinctDays,
    pub(crate) opened: RotatingBloom,
    pub(crate) requests: Ring<Timestamp>,
    pub(crate) downloads: Ring<RecentDownload>,
    pub(crate) walk: ListWalk,
    pub(crate) ips: Sightings,
    pub(crate) prefixes: Sightings,
    pub(crate) agents: Sightings,
    /// Decayed count of allowed requests per UTC hour.
    pub(crate) hours: [f32; 24],
    pub(crate) hours_day: i64,
    /// Downloads per active UTC day, newest last (the current day is `today`).
    pub(crate) daily: Ring<u32>,
    pub(crate) today: i64,
    pub(crate) today_downloads: u32,
    /// Last passed step-up.
    pub step_up_at: Option<Timestamp>,
    /// Failed step-ups since the last passed one.
    pub step_up_failures: u32,
    /// Throttled until this time.
    pub throttled_until: Option<Timestamp>,
    /// Requests made while throttled since the throttle began.
    pub ignored_throttle: u32,
    pub(crate) strikes: Ring<Timestamp>,
    /// Set when suspended; cleared only by [`crate::Guard::unlock`].
    pub suspended: Option<Suspension>,
    /// Set by a step-up; cleared by a passed step-up or an unlock.
    #[serde(default)]
    pub held: Option<Hold>,
    /// Distinct documents downloaded lately, newest last.
    #[serde(default = "taken_ring")]
    pub(crate) taken: Ring<Taken>,
    /// Member profiles shown in the last hour.
    #[serde(default = "hour_window")]
    pub(crate) profiles_hour: SlidingWindow,
}

fn hour_window() -> SlidingWindow {
    SlidingWindow::new(HOUR_MS, 60)
}

fn taken_ring() -> Ring<Taken> {
    Ring::new(TAKEN_KEPT)
}

impl Default for PrincipalState {
    fn default() -> Self {
        PrincipalState {
            version: STATE_VERSION,
            first_seen: None,
            allowed: 0,
            downloads_minute: SlidingWindow::new(MINUTE_MS, 60),
            downloads_hour: SlidingWindow::new(HOUR_MS, 60),
            downloads_day: SlidingWindow::new(DAY_MS, 96),
            bytes_minute: SlidingWindow::new(MINUTE_MS, 60),
            bytes_hour: SlidingWindow::new(HOUR_MS, 60),
            bytes_day: SlidingWindow::new(DAY_MS, 96),
            list_hour: SlidingWindow::new(HOUR_MS, 60),
            views_hour: SlidingWindow::new(HOUR_MS, 60),
            distinct: DistinctDays::default(),
            opened: RotatingBloom::with_capacity(OPENED_PER_GENERATION),
            requests: Ring::new(RECENT_REQUESTS),
            downloads: Ring::new(RECENT_DOWNLOADS),
            walk: ListWalk::default(),
            ips: Sightings::new(IP_SIGHTINGS),
            prefixes: Sightings::new(IP_SIGHTINGS),
            agents: Sightings::new(UA_SIGHTINGS),
            hours: [0.0; 24],
            hours_day: 0,
            daily: Ring::new(DAILY_HISTORY),
            today: i64::MIN,
            today_downloads: 0,
            step_up_at: None,
            step_up_failures: 0,
            throttled_until: None,
            ignored_throttle: 0,
            strikes: Ring::new(STRIKES_KEPT),
            suspended: None,
            held: None,
            taken: taken_ring(),
            profiles_hour: hour_window(),
        }
    }
}

impl PrincipalState {
    /// A fresh state (an account never seen).
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves every window to `now` and rolls the day; feeds finished days to `peers`.
    pub(crate) fn advance(&mut self, now: Timestamp, peers: &mut PeerDelta) {
        for w in [
            &mut self.downloads_minute,
            &mut self.downloads_hour,
            &mut self.downloads_day,
            &mut self.bytes_minute,
            &mut self.bytes_hour,
            &mut self.bytes_day,
            &mut self.list_hour,
            &mut self.views_hour,
            &mut self.profiles_hour,
        ] {
            w.advance(now);
        }
        let day = now.day();
        if day > self.today {
            if self.today != i64::MIN && self.today_downloads > 0 {
                self.daily.push(self.today_downloads);
                peers.record_member_day(self.today_downloads);
            }
            self.today = day;
            self.today_downloads = 0;
        }
        if day > self.hours_day {
            let factor = HOUR_DECAY_PER_DAY.powi((day - self.hours_day).min(400) as i32);
            self.hours.iter_mut().for_each(|h| *h *= factor);
            self.hours_day = day;
        }
    }

    /// Downloads on the busiest active day of the last four weeks (0 without history).
    pub fn busiest_day(&self) -> u32 {
        self.daily.iter().copied().max().unwrap_or(0)
    }

    /// Weighted number of past requests behind the hour-of-day profile.
    pub(crate) fn hours_total(&self) -> f32 {
        self.hours.iter().sum()
    }

    /// Whether the account has too little history to judge it against itself.
    pub fn is_cold(&self) -> bool {
        self.allowed < 20 || self.daily.len() < 3
    }

    /// Distinct documents downloaded within the hour before `now`, counting
    /// `also` (the document about to be downloaded) once.
    pub(crate) fn taken_within_hour(&self, now: Timestamp, also: Option<u64>) -> u32 {
        let recent = self
            .taken
            .iter()
            .filter(|Taken(document, at)| now.since(*at) < HOUR_MS && Some(*document) != also)
            .count();
        (recent + usize::from(also.is_some())) as u32
    }

    /// Notes a download of `document` at `now`.
    pub(crate) fn note_taken(&mut self, document: u64, now: Timestamp) {
        self.taken.retain(|Taken(d, _)| *d != document);
        self.taken.push(Taken(document, now));
    }

    /// Approximate serialised size driver: items held in the bounded collections.
    pub fn footprint(&self) -> usize {
        self.distinct.last_day.len()
            + self.requests.len()
            + self.downloads.len()
            + self.ips.len()
            + self.prefixes.len()
            + self.agents.len()
            + self.daily.len()
            + self.strikes.len()
            + self.taken.len()
    }
}
