//! The decision engine: budgets and score in, one decision with reasons out.
//!
//! [`Guard::assess`] is a pure state transition `(state, event) → (state', assessment)`:
//! no I/O, no clock, no randomness, so the same events always give the same decisions on
//! every node, and a recorded event stream can be replayed to explain any decision.

use std::time::Duration;

use crate::budgets::StoredOverrides;
use crate::clock::{describe_ms, Timestamp, HOUR_MS, SECOND_MS};
use crate::decision::{Assessment, Decision, GuardConfig, Reason, ReasonCode, Severity};
use crate::event::{Event, EventKind};
use crate::peers::{IpState, PeerBaseline, PeerDelta};
use crate::score;
use crate::sketch::stable_hash;
use crate::state::{
    doc_key, ip_key, prefix_key, ua_key, Hold, ListWalk, PrincipalState, RecentDownload, Suspension,
};
use crate::GuardError;

/// The decision engine. Cheap to share (`&self` everywhere); all mutable memory is in the
/// states passed to [`Guard::assess`].
#[derive(Debug, Clone)]
pub struct Guard {
    pub(crate) config: GuardConfig,
}

/// The guard with the default configuration, which is valid (a test checks
/// that [`Guard::new`] accepts it).
impl Default for Guard {
    fn default() -> Self {
        Guard {
            config: GuardConfig::default(),
        }
    }
}

impl Guard {
    /// A guard with `config`, after checking it.
    pub fn new(config: GuardConfig) -> Result<Self, GuardError> {
        config.budgets.validate()?;
        config.scoring.validate()?;
        Ok(Guard { config })
    }

    /// The configuration in use.
    pub fn config(&self) -> &GuardConfig {
        &self.config
    }

    /// Decides on `event` and updates the states.
    ///
    /// `state` is the principal's, `peers` the baseline of the event's community and role,
    /// `ip` the state of the event's IP. The event time is "now". Only allowed requests
    /// count against budgets and enter the history.
    pub fn assess(
        &self,
        state: &mut PrincipalState,
        peers: &mut PeerBaseline,
        ip: &mut IpState,
        event: &Event,
    ) -> Assessment {
        // Roll the day first and merge the finished member-day at once, so that
        // with a baseline updated in place the decision is exactly what it was
        // before deltas existed (the simulator relies on this).
        let mut delta = PeerDelta::default();
        state.advance(event.at, &mut delta);
        peers.apply(&delta);
        let mut delta = PeerDelta::default();
        let assessment = self.assess_shared(
            state,
            peers,
            &mut delta,
            ip,
            event,
            &StoredOverrides::default(),
        );
        peers.apply(&delta);
        assessment
    }

    /// [`Guard::assess`] against a read-only snapshot of the peer baseline: what the
    /// assessment adds to the baseline goes to `delta`, for the caller to merge into the
    /// stored baseline later ([`PeerBaseline::apply`]). This is what lets the request
    /// path write only the account's own state. `overrides` are the budget overrides
    /// stored for this account and for the event's community and role.
    pub fn assess_shared(
        &self,
        state: &mut PrincipalState,
        peers: &PeerBaseline,
        delta: &mut PeerDelta,
        ip: &mut IpState,
        event: &Event,
        overrides: &StoredOverrides,
    ) -> Assessment {
        let cfg = &self.config.scoring;
        let now = event.at;
        state.advance(now, delta);
        state.first_seen.get_or_insert(now);

        if event.canary && matches!(event.kind, EventKind::MetadataView | EventKind::Download) {
            let doc = event.document.map(|d| d.to_string()).unwrap_or_default();
            let what = if event.kind == EventKind::Download {
                "downloaded"
            } else {
                "viewed"
            };
            let r = critical(
                ReasonCode::Canary,
                format!("canary document {doc} {what} from {}", event.ip),
            );
            return suspend(state, now, vec![r]);
        }
        if let Some(s) = &state.suspended {
            let text = format!(
                "account suspended {} ago, awaiting review: {}",
                describe_ms(now.since(s.at)),
                s.reasons.join("; ")
            );
            return Assessment {
                decision: Decision::Suspend,
                score: 0,
                reasons: vec![critical(ReasonCode::Suspended, text)],
            };
        }
        if let Some(hold) = &mut state.held {
            hold.refused = hold.refused.saturating_add(1);
            let (refused, since) = (hold.refused, describe_ms(now.since(hold.at)));
            if refused >= cfg.held_requests_to_suspend {
                let mut reasons = vec![critical(
                    ReasonCode::Held,
                    format!(
                        "{refused} requests made while held for a step-up ({since}), ignoring the refusal"
                    ),
                )];
                // The reasons of the step-up, as they were given: the
                // suspension record explains itself, and an alert that
                // already holds them does not repeat them.
                reasons.extend(hold.reasons.iter().map(|text| Reason {
                    code: ReasonCode::Held,
                    severity: Severity::Warning,
                    points: 0,
                    text: text.clone(),
                }));
                return suspend(state, now, reasons);
            }
            return Assessment {
                decision: Decision::StepUp,
                score: 0,
                reasons: vec![Reason {
                    code: ReasonCode::Held,
                    severity: Severity::High,
                    points: 0,
                    text: format!(
                        "held for a step-up for {since}; {refused} requests refused since (the account is suspended at {})",
                        cfg.held_requests_to_suspend
                    ),
                }],
            };
        }
        if let Some(until) = state.throttled_until {
            if now < until {
                state.ignored_throttle += 1;
                if state.ignored_throttle >= cfg.ignored_throttle_to_suspend {
                    let r = critical(
                        ReasonCode::IgnoredThrottle,
                        format!(
                            "{} requests made while throttled, ignoring Retry-After",
                            state.ignored_throttle
                        ),
                    );
                    return suspend(state, now, vec![r]);
                }
                return Assessment {
                    decision: throttle(until.since(now)),
                    score: 0,
                    reasons: vec![Reason {
                        code: ReasonCode::IgnoredThrottle,
                        severity: Severity::High,
                        points: 0,
                        text: format!(
                            "still throttled for {} ({} requests while throttled)",
                            describe_ms(until.since(now)),
                            state.ignored_throttle
                        ),
                    }],
                };
            }
            state.throttled_until = None;
            state.ignored_throttle = 0;
        }

        let limits = self.config.budgets.resolve_with(
            &event.principal,
            &event.community,
            event.role,
            overrides,
        );
        let usage = score::usage(state, &limits, event);
        let novel = match (event.kind, event.document) {
            (EventKind::Download, Some(doc)) => {
                let key = doc_key(&doc);
                Some(!state.opened.contains(key) && !peers.opened_by_peers(doc))
            }
            _ => None,
        };

        let mut reasons = score::identity(cfg, state, peers, ip, event);
        reasons.extend(score::behaviour(cfg, state, peers, event, novel, &usage));
        let library = score::library_share(cfg, state, event);
        reasons.extend(library.clone());
        reasons.sort_by_key(|r| std::cmp::Reverse(r.points));
        let total: u32 = reasons.iter().map(|r| r.points).sum();

        // Hard budgets first: exceeding one throttles whatever the score.
        let exceeded: Vec<_> = usage.iter().filter(|u| u.used > u.limit).collect();
        if !exceeded.is_empty() {
            let retry = exceeded.iter().map(|u| u.retry_ms).max().unwrap_or(0);
            let mut hard: Vec<Reason> = exceeded
                .iter()
                .map(|u| Reason {
                    code: ReasonCode::BudgetExceeded,
                    severity: Severity::High,
                    points: 0,
                    text: format!(
                        "{} {} would exceed the budget of {} for role {}",
                        u.used, u.name, u.limit, event.role
                    ),
                })
                .collect();
            hard.extend(reasons);
            return self.strike(state, now, retry, total, hard);
        }
        if total >= cfg.suspend_at {
            return suspend(state, now, reasons).with_score(total);
        }
        if total >= cfg.throttle_at {
            let retry = i64::try_from(cfg.throttle_secs).unwrap_or(i64::MAX / 2) * SECOND_MS;
            return self.strike(state, now, retry, total, reasons);
        }
        let grace = i64::from(cfg.step_up_grace_hours) * HOUR_MS;
        let verified = state.step_up_at.is_some_and(|t| now.since(t) < grace);
        if (total >= cfg.step_up_at || library.is_some()) && !verified {
            state.held = Some(Hold {
                at: now,
                refused: 0,
                reasons: reasons.iter().map(|r| r.text.clone()).collect(),
            });
            return Assessment {
                decision: Decision::StepUp,
                score: total,
                reasons,
            };
        }
        record(state, delta, event, novel);
        Assessment {
            decision: Decision::Allow,
            score: total,
            reasons,
        }
    }

    /// Throttles for `retry_ms`, or suspends if this is one throttle too many.
    fn strike(
        &self,
        state: &mut PrincipalState,
        now: Timestamp,
        retry_ms: i64,
        score: u32,
        mut reasons: Vec<Reason>,
    ) -> Assessment {
        let cfg = &self.config.scoring;
        let window = i64::from(cfg.strike_window_hours) * HOUR_MS;
        state.strikes.push(now);
        let strikes = state
            .strikes
            .iter()
            .filter(|t| now.since(**t) < window)
            .count() as u32;
        if strikes >= cfg.strikes_to_suspend {
            reasons.insert(
                0,
                critical(
                    ReasonCode::RepeatedThrottle,
                    format!(
                        "throttled {strikes} times within {}: persistent collection",
                        describe_ms(window)
                    ),
                ),
            );
            return suspend(state, now, reasons).with_score(score);
        }
        let retry_ms = retry_ms.max(SECOND_MS);
        state.throttled_until = Some(now.plus_ms(retry_ms));
        state.ignored_throttle = 0;
        Assessment {
            decision: throttle(retry_ms),
            score,
            reasons,
        }
    }

    /// Records the outcome of a step-up asked by [`Decision::StepUp`].
    ///
    /// A pass confirms the IP address and user agent of the request (they stop counting as
    /// new) and suppresses further step-ups for the grace period; repeated failures
    /// suspend the account (returned as the assessment to act on).
    pub fn record_step_up(
        &self,
        state: &mut PrincipalState,
        event: &Event,
        passed: bool,
    ) -> Option<Assessment> {
        let now = event.at;
        if passed {
            state.step_up_at = Some(now);
            state.step_up_failures = 0;
            state.held = None;
            state.ips.see(ip_key(&event.ip), now, true);
            state.prefixes.see(prefix_key(&event.ip), now, true);
            state.agents.see(ua_key(&event.user_agent), now, true);
            return None;
        }
        state.step_up_failures += 1;
        if state.step_up_failures >= self.config.scoring.failed_step_ups_to_suspend {
            let r = critical(
                ReasonCode::StepUpFailed,
                format!("{} failed step-ups in a row", state.step_up_failures),
            );
            return Some(suspend(state, now, vec![r]));
        }
        None
    }

    /// Lifts a suspension and any throttle (a security officer's decision). History and
    /// budget windows are kept.
    pub fn unlock(&self, state: &mut PrincipalState) {
        state.suspended = None;
        state.held = None;
        state.throttled_until = None;
        state.ignored_throttle = 0;
        state.step_up_failures = 0;
        state.strikes = crate::sketch::Ring::new(8);
    }
}

impl Assessment {
    fn with_score(mut self, score: u32) -> Self {
        self.score = score;
        self
    }
}

fn throttle(ms: i64) -> Decision {
    let secs = (ms.max(0) as u64).div_ceil(SECOND_MS as u64).max(1);
    Decision::Throttle {
        retry_after: Duration::from_secs(secs),
    }
}

fn critical(code: ReasonCode, text: String) -> Reason {
    Reason {
        code,
        severity: Severity::Critical,
        points: 0,
        text,
    }
}

fn suspend(state: &mut PrincipalState, now: Timestamp, reasons: Vec<Reason>) -> Assessment {
    state.suspended = Some(Suspension {
        at: now,
        reasons: reasons.iter().map(|r| r.text.clone()).collect(),
    });
    state.throttled_until = None;
    Assessment {
        decision: Decision::Suspend,
        score: 0,
        reasons,
    }
}

/// Enters an allowed request into the history.
fn record(state: &mut PrincipalState, peers: &mut PeerDelta, event: &Event, novel: Option<bool>) {
    let now = event.at;
    let today = now.day();
    match event.kind {
        EventKind::Download => {
            state.downloads_minute.add(now, 1);
            state.downloads_hour.add(now, 1);
            state.downloads_day.add(now, 1);
            state.bytes_minute.add(now, event.bytes);
            state.bytes_hour.add(now, event.bytes);
            state.bytes_day.add(now, event.bytes);
            state.today_downloads = state.today_downloads.saturating_add(1);
            if let Some(doc) = event.document {
                state.note_taken(doc_key(&doc), now);
                state.opened.insert(doc_key(&doc));
                peers.mark_opened(doc);
                state.downloads.push(RecentDownload {
                    document: doc,
                    created: event.document_created,
                    novel: novel.unwrap_or(false),
                });
            }
        }
        EventKind::MetadataView => state.views_hour.add(now, 1),
        EventKind::ProfileViews { count } => state.profiles_hour.add(now, count.into()),
        EventKind::ListPage { page } => {
            let run = score::walk_run(state, event);
            state.list_hour.add(now, 1);
            state.walk = ListWalk {
                community: stable_hash(event.community.as_bytes()),
                page,
                run,
                at: Some(now),
            };
        }
    }
    if let (Some(doc), EventKind::Download | EventKind::MetadataView) = (event.document, event.kind)
    {
        state.distinct.touch(doc_key(&doc), today);
    }
    state.requests.push(now);
    state.ips.see(ip_key(&event.ip), now, false);
    state.prefixes.see(prefix_key(&event.ip), now, false);
    state.agents.see(ua_key(&event.user_agent), now, false);
    state.hours[now.hour_utc()] += 1.0;
    peers.record_hour(now);
    state.allowed = state.allowed.saturating_add(1);
}
