//! Shared baselines: what an account's peers do, and what one IP address has seen.
//!
//! An account with no history of its own is judged against its peers (same community
//! and role), and a distributed attack shows up only on state shared between accounts.
//! Both live here, as values the caller persists next to each principal's state.

use serde::{Deserialize, Serialize};

use crate::clock::{Timestamp, DAY_MS, SECOND_MS};
use crate::event::{DocumentId, Role};
use crate::sketch::{stable_hash, RotatingBloom};
use crate::state::{doc_key, HOUR_DECAY_PER_DAY};

/// Running mean and variance with exponential forgetting.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DecayedStats {
    /// Effective number of samples (saturates near 1 / (1 - decay)).
    pub weight: f64,
    /// Mean.
    pub mean: f64,
    /// Variance.
    pub var: f64,
}

impl DecayedStats {
    const DECAY: f64 = 0.995;

    /// Adds one sample.
    pub fn add(&mut self, x: f64) {
        self.weight = self.weight * Self::DECAY + 1.0;
        let alpha = 1.0 / self.weight;
        let delta = x - self.mean;
        self.mean += alpha * delta;
        self.var = (1.0 - alpha) * (self.var + alpha * delta * delta);
    }

    /// Standard deviation.
    pub fn std(&self) -> f64 {
        self.var.max(0.0).sqrt()
    }
}

/// What the peers of a principal (same community and role) do: the baseline used when
/// an account's own history is too short, and the "opened by peers" set for breadth.
///
/// The lead keeps one per (community, role), loads it with the principal's state and
/// stores it back; [`crate::Guard::assess`] updates it. It can be seeded from the audit
/// log with [`PeerBaseline::mark_opened`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerBaseline {
    /// Documents opened by any peer (rotating Bloom filter, ~1% false positives).
    pub(crate) opened: RotatingBloom,
    /// Decayed peer requests per UTC hour.
    pub hours: [f32; 24],
    pub(crate) hours_day: i64,
    /// Downloads per active member-day.
    pub daily: DecayedStats,
    /// First activity recorded (or the start of the history it was seeded from): the
    /// peer-opened filter is trusted for breadth only 14 days after it.
    pub since: Option<Timestamp>,
}

impl Default for PeerBaseline {
    fn default() -> Self {
        Self::with_capacity(8_192)
    }
}

impl PeerBaseline {
    /// A baseline whose peer-opened filter holds `documents` per generation.
    pub fn with_capacity(documents: u32) -> Self {
        PeerBaseline {
            opened: RotatingBloom::with_capacity(documents),
            hours: [0.0; 24],
            hours_day: 0,
            daily: DecayedStats::default(),
            since: None,
        }
    }

    /// Whether the peer-opened filter covers enough history (14 days) for "never opened
    /// by peers" to mean something.
    pub fn knows_library(&self, now: Timestamp) -> bool {
        self.since.is_some_and(|s| now.since(s) >= 14 * DAY_MS)
    }

    /// Records that some peer opened `doc` (to seed from history).
    pub fn mark_opened(&mut self, doc: DocumentId) {
        self.opened.insert(doc_key(&doc));
    }

    /// Whether some peer (probably) opened `doc`.
    pub fn opened_by_peers(&self, doc: DocumentId) -> bool {
        self.opened.contains(doc_key(&doc))
    }

    /// Records one finished active member-day with `downloads` downloads.
    pub fn record_member_day(&mut self, downloads: u32) {
        self.daily.add(f64::from(downloads));
    }

    pub(crate) fn record_hour(&mut self, now: Timestamp) {
        self.since.get_or_insert(now);
        let day = now.day();
        if day > self.hours_day {
            let factor = HOUR_DECAY_PER_DAY.powi((day - self.hours_day).min(400) as i32);
            self.hours.iter_mut().for_each(|h| *h *= factor);
            self.hours_day = day;
        }
        self.hours[now.hour_utc()] += 1.0;
    }

    /// Merges the additions of `delta` (see [`PeerDelta`]).
    pub fn apply(&mut self, delta: &PeerDelta) {
        for key in &delta.opened {
            self.opened.insert(*key);
        }
        for d in &delta.member_days {
            self.record_member_day(*d);
        }
        let mut hours = delta.hours.clone();
        hours.sort_unstable();
        for t in hours {
            self.record_hour(t);
        }
    }

    /// Whether enough member-days were seen (20) for the baseline to be trusted; a new
    /// install starts immature and falls back to role baselines.
    pub fn is_mature(&self) -> bool {
        self.daily.weight >= 20.0
    }

    /// Expected busiest day for a member, if the baseline is mature.
    pub fn expected_busy_day(&self) -> Option<f64> {
        self.is_mature()
            .then(|| self.daily.mean + 3.0 * self.daily.std())
    }
}

/// What one or more assessments would add to a [`PeerBaseline`], kept apart so that the
/// baseline can be read from a shared snapshot and the additions merged later.
///
/// The request path must not rewrite a whole peer group's baseline (a ~10 kB value
/// shared by every member) on every request: that serialises all members of a group on
/// one row. Instead [`crate::Guard::assess_shared`] reads a snapshot and records what it
/// would have changed here; the caller merges deltas into the stored baseline every few
/// seconds with [`PeerBaseline::apply`]. Every addition commutes except the order of
/// hour samples across a day boundary, which only shifts a decayed profile slightly.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PeerDelta {
    /// Keys of documents opened.
    opened: Vec<u64>,
    /// Times of allowed requests (for the hour-of-day profile).
    hours: Vec<Timestamp>,
    /// Downloads of finished active member-days.
    member_days: Vec<u32>,
}

impl PeerDelta {
    /// Most additions of each kind held before further ones are dropped; the baseline is
    /// a statistical profile, so losing samples under extreme load only slows learning.
    pub const CAP: usize = 100_000;

    /// Whether there is nothing to merge.
    pub fn is_empty(&self) -> bool {
        self.opened.is_empty() && self.hours.is_empty() && self.member_days.is_empty()
    }

    /// Records that a peer opened `doc`.
    pub fn mark_opened(&mut self, doc: DocumentId) {
        if self.opened.len() < Self::CAP {
            self.opened.push(doc_key(&doc));
        }
    }

    /// Records one finished active member-day with `downloads` downloads.
    pub fn record_member_day(&mut self, downloads: u32) {
        if self.member_days.len() < Self::CAP {
            self.member_days.push(downloads);
        }
    }

    pub(crate) fn record_hour(&mut self, now: Timestamp) {
        if self.hours.len() < Self::CAP {
            self.hours.push(now);
        }
    }

    /// Adds `other`'s additions after this one's.
    pub fn extend(&mut self, other: PeerDelta) {
        for key in other.opened {
            if self.opened.len() < Self::CAP {
                self.opened.push(key);
            }
        }
        for t in other.hours {
            self.record_hour(t);
        }
        for d in other.member_days {
            self.record_member_day(d);
        }
    }
}

/// What the guard remembers about one client IP address: the accounts that used it for
/// the first time recently (many accounts new on one IP is a distributed attack).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpState {
    /// (principal hash, time the IP was first used by it), last 24 hours, at most 64.
    newcomers: Vec<(u64, Timestamp)>,
}

impl IpState {
    const CAP: usize = 64;

    /// Records that `principal` used this IP for the first time at `now`; returns how many
    /// distinct accounts did so in the last 24 hours (including this one).
    pub(crate) fn newcomer(&mut self, principal: &str, now: Timestamp) -> usize {
        let key = stable_hash(principal.as_bytes());
        self.newcomers.retain(|(_, t)| now.since(*t) < DAY_MS);
        if !self.newcomers.iter().any(|(k, _)| *k == key) {
            if self.newcomers.len() >= Self::CAP {
                self.newcomers.remove(0);
            }
            self.newcomers.push((key, now));
        }
        self.newcomers.len()
    }

    /// Accounts new on this IP in the 24 hours before `now`.
    pub fn recent_newcomers(&self, now: Timestamp) -> usize {
        self.newcomers
            .iter()
            .filter(|(_, t)| now.since(*t) < DAY_MS && now.since(*t) >= 0)
            .count()
    }
}

/// Seconds, for messages.
pub(crate) fn secs(ms: i64) -> f64 {
    ms as f64 / SECOND_MS as f64
}

/// Role-level fallback for the busiest expected day when neither the account nor its
/// peers have history.
pub(crate) fn role_busy_day(role: Role) -> f64 {
    match role {
        Role::Reader => 25.0,
        Role::Contributor => 35.0,
        Role::Manager => 50.0,
    }
}
