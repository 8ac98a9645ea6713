//! Exfiltration guard: contains bulk collection by one principal, and says why.
//!
//! One stolen account (or one malicious insider) must not be able to walk out with the
//! library, fast or slow, while members doing their normal work are left alone. For
//! every listing page, document page and download the server asks
//! [`Guard::assess`] *before* anything leaves; the answer is a [`Decision`] —
//! `Allow`, `StepUp` (ask for the second factor again), `Throttle { retry_after }` (429)
//! or `Suspend` (end every session and token, lock until a security officer unlocks) —
//! with [`Reason`]s in words, e.g. "61 downloads per hour would exceed the budget of 60
//! for role reader".
//!
//! The engine is pure: no I/O, no clock (the event carries its time), no randomness.
//! All memory is in three serialisable, bounded values the caller persists and shares
//! between nodes: [`PrincipalState`] per account (a few kB), [`PeerBaseline`] per
//! (community, role) and [`IpState`] per client IP. A server uses
//! [`Guard::assess_shared`]: it reads a snapshot of the peer baseline and returns what
//! the request adds to it as a [`PeerDelta`], so that a request writes only its own
//! account's state and the shared baseline is merged apart, every few seconds.
//!
//! # Order of rules
//! 1. **Canary**: a metadata view or download of a canary document suspends at once
//!    (critical). Listing pages that merely contain a canary do not.
//! 2. **Suspended** accounts stay suspended until [`Guard::unlock`].
//! 3. **Held** accounts (a step-up was asked and not yet passed) get a step-up again,
//!    whatever they ask for: the hold is in the account's state, so every session and
//!    token shares it. 10 requests made while held suspend (`held_requests_to_suspend`):
//!    a script that ignores the refusal does not get to probe on. A passed step-up
//!    ([`Guard::record_step_up`]) or [`Guard::unlock`] lifts the hold.
//! 4. **Throttled** accounts get the remaining `Retry-After`; 20 requests made while
//!    throttled suspend.
//! 5. **Budgets** ([`Budgets`]): a request that would exceed any windowed or cumulative
//!    budget is throttled until it fits (`retry_after` computed from the windows).
//! 6. **Score** = identity points + behaviour points (below):
//!    `≥ suspend_at` (120) suspends, `≥ throttle_at` (80) throttles for 10 minutes,
//!    `≥ step_up_at` (50) asks for a step-up (and holds) unless one was passed in the
//!    last 8 hours.
//! 7. **Share of the visible library**: a download that brings the distinct documents
//!    taken within the hour to ≥ 50 % of what the account can see
//!    ([`Event::visible_documents`]) and ≥ 10 documents asks for a step-up whatever the
//!    score (same grace period). In a small community every other feature stays quiet
//!    until the library is gone.
//! 8. **Escalation**: every throttle (budget or score) is a strike; 3 strikes within
//!    7 days suspend ("persistent collection"); 3 failed step-ups in a row suspend.
//!
//! Every decision other than allow carries an [`AlertSeverity`]: step-up medium,
//! throttle high, suspension critical.
//!
//! Only allowed requests count against budgets and enter the history.
//!
//! # Default budgets
//! | per role | reader | contributor | manager |
//! |---|---|---|---|
//! | downloads / minute, hour, day | 40, 60, 100 | 40, 80, 150 | 50, 120, 250 |
//! | MB / minute, hour, day | 200, 600, 1000 | 250, 800, 1500 | 300, 1200, 2500 |
//! | distinct documents / 7 days | 150 | 250 | 400 |
//! | listing pages / hour | 60 | 90 | 120 |
//! | metadata views / hour | 120 | 180 | 240 |
//!
//! Overridden per community (per role) and per account in config, and at run time by
//! administrators ([`StoredOverrides`]): account > community > role default.
//!
//! # Score
//! Identity (is this the owner?) — cleared for the IP and user agent of a passed step-up:
//! | feature | points |
//! |---|---|
//! | new IP address (not used on 2 days, not confirmed) | 15, or 6 if its /24 (/48) is established |
//! | new user agent (versions folded, so browser updates do not count) | 15 |
//! | downloads in the last hour from a new IP *and* new user agent | 3 each, at most 30 |
//! | downloads in the last hour from a new IP only | 1 each, at most 15 |
//! | hour of day (±1 h) holds < 2% of the account's activity (own profile ≥ 30 requests; else peers', 6 points) | 10 |
//! | ≥ 3 established accounts used this IP for the first time within 24 h | 10 per account beyond 2, at most 30 |
//!
//! While an account is cold (< 20 allowed requests or < 3 active days) the new-IP,
//! new-agent and unconfirmed-volume points are halved.
//!
//! Behaviour (does it look like collection?):
//! | feature | points |
//! |---|---|
//! | budget pressure: highest use of a budget this request draws on, above 60% | 0 → 25 at 100% |
//! | regularity: coefficient of variation of ≥ 8 inter-request gaps in the session | 0 at CV 0.5 → 35 at CV ≤ 0.15 |
//! | breadth: share of the last ≤ 20 downloads never opened by the account nor its peers (≥ 8 downloads; only once the peer baseline has 14 days of history) | 0 at 50% → 25 at 100% |
//! | listing walk: consecutive listing pages in order (run ≥ 3) | 5 per page beyond 2, at most 20 |
//! | last 10 downloads strictly in id or creation-date order | 10 |
//! | downloads in 24 h above the expected busiest day | 0 → 15 at 2× |
//!
//! The expected busiest day is the largest of: the account's own busiest active day in
//! 4 weeks (once it is no longer cold), its peers' mean + 3σ of downloads per active
//! member-day (once 20 member-days were seen), and a role floor (25 / 35 / 50). This is
//! the cold-start rule: a new account is judged against its peers, a new install against
//! the role.
//!
//! # Tuning
//! The defaults were tuned with the simulator (`examples/simulate`, run with
//! `cargo run --release -p rampart-guard --example simulate`), which replays benign
//! members with think times from a real web server log against fast, jittered,
//! low-and-slow, distributed and insider attackers.

pub mod budgets;
pub mod clock;
pub mod decision;
pub mod engine;
pub mod error;
pub mod event;
pub mod peers;
mod score;
pub mod sketch;
pub mod state;
pub mod window;

#[cfg(test)]
mod tests;

pub use budgets::{Budgets, CommunityOverrides, Limits, LimitsOverride, StoredOverrides};
pub use clock::Timestamp;
pub use decision::{
    AlertSeverity, Assessment, Decision, GuardConfig, Reason, ReasonCode, ScoringConfig, Severity,
};
pub use engine::Guard;
pub use error::GuardError;
pub use event::{DocumentId, Event, EventKind, Role};
pub use peers::{IpState, PeerBaseline, PeerDelta};
pub use state::PrincipalState;
