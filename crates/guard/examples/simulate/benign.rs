//! Benign members: sessions with think times and lengths from the web log, per-role
//! habits, identity noise (home, mobile, travel, new devices) and briefing bursts.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use rampart_guard::clock::{DAY_MS, HOUR_MS};
use rampart_guard::{Decision, Event, EventKind, Role, Timestamp};

use crate::weblog::{Rng, Timing};
use crate::world::{event, think, user_agent, EventSpec, Harness, Library, User, T0};

/// Per-role habits.
struct Habits {
    active: f64,
    sessions: f64,
    length_factor: u32,
    download_after_view: f64,
    burst: f64,
}

fn habits(role: Role) -> Habits {
    match role {
        Role::Reader => Habits {
            active: 0.55,
            sessions: 1.6,
            length_factor: 3,
            download_after_view: 0.5,
            burst: 1.0 / 25.0,
        },
        Role::Contributor => Habits {
            active: 0.7,
            sessions: 2.2,
            length_factor: 4,
            download_after_view: 0.6,
            burst: 1.0 / 20.0,
        },
        Role::Manager => Habits {
            active: 0.8,
            sessions: 3.0,
            length_factor: 5,
            download_after_view: 0.7,
            burst: 1.0 / 15.0,
        },
    }
}

#[derive(Default)]
pub struct BenignStats {
    pub user_days: u64,
    pub active_user_days: u64,
    pub events: u64,
    pub downloads: u64,
    pub alerts: u64,
    pub alerted_user_days: u64,
    pub by_decision: BTreeMap<&'static str, u64>,
    pub by_reason: BTreeMap<String, u64>,
    pub bursts: u64,
    pub bursts_alerted: u64,
    pub bursts_throttled: u64,
    pub examples: Vec<String>,
}

struct Planned {
    at: Timestamp,
    user: usize,
    session: u32,
    spec: EventSpec,
    ip: IpAddr,
    ua: String,
    burst: bool,
}

/// Plans one day of every member's activity.
fn plan_day(rng: &mut Rng, t: &Timing, lib: &Library, users: &[User], day: i64) -> Vec<Planned> {
    let mut out = Vec::new();
    let weekend = day % 7 >= 5;
    for (u, user) in users.iter().enumerate() {
        if day < user.joined_day {
            continue;
        }
        let h = habits(user.role);
        let p = if weekend { h.active * 0.1 } else { h.active };
        if !rng.chance(p) {
            continue;
        }
        let travel = rng.chance(0.01);
        let travel_ip = IpAddr::V4(Ipv4Addr::new(
            185,
            rng.below(250) as u8,
            rng.below(250) as u8,
            7,
        ));
        let new_device = rng.chance(0.005);
        let ua = if new_device {
            user_agent((user.ua_family + 1 + rng.below(5)) % 6, 121)
        } else {
            user.ua(day)
        };
        let sessions = 1 + rng.poisson(h.sessions - 1.0);
        let burst_session = rng
            .chance(h.burst)
            .then(|| rng.below(sessions as usize) as u32);
        for s in 0..sessions {
            let local = if rng.chance(0.1) {
                rng.range(19.0, 23.0)
            } else {
                user.start_hour + rng.range(0.0, 9.0)
            };
            let mut at = T0 + day * DAY_MS + ((local - user.tz as f64) * HOUR_MS as f64) as i64;
            let ip = if travel {
                travel_ip
            } else {
                match rng.f() {
                    x if x < 0.8 => user.office_ip,
                    x if x < 0.95 => user.home_ip,
                    _ => IpAddr::V4(Ipv4Addr::new(
                        100,
                        70 + rng.below(4) as u8,
                        rng.below(250) as u8,
                        rng.below(250) as u8,
                    )),
                }
            };
            let c = user.community;
            let mut push = |at: i64, spec: EventSpec, burst: bool| {
                out.push(Planned {
                    at: Timestamp(at),
                    user: u,
                    session: s,
                    spec,
                    ip,
                    ua: ua.clone(),
                    burst,
                });
            };
            push(
                at,
                EventSpec {
                    kind: EventKind::ListPage { page: 0 },
                    doc: None,
                },
                false,
            );
            if burst_session == Some(s) {
                // A briefing: one folder (30 consecutive documents of the listing).
                let listing = lib.listing(c, Timestamp(at));
                let start = rng.below(listing.len().saturating_sub(30).max(1));
                let mut folder: Vec<usize> =
                    listing[start..(start + 30).min(listing.len())].to_vec();
                if rng.chance(0.4) {
                    for i in (1..folder.len()).rev() {
                        folder.swap(i, rng.below(i + 1));
                    }
                }
                for d in folder {
                    at += think(rng, t);
                    push(
                        at,
                        EventSpec {
                            kind: EventKind::Download,
                            doc: Some(d),
                        },
                        true,
                    );
                }
                continue;
            }
            let n = rng.pick(&t.session_lengths) * h.length_factor;
            let mut page = 0;
            let mut k = 1;
            while k < n {
                at += think(rng, t);
                if rng.chance(0.25) {
                    page = if rng.chance(0.3) { page + 1 } else { 0 };
                    push(
                        at,
                        EventSpec {
                            kind: EventKind::ListPage { page },
                            doc: None,
                        },
                        false,
                    );
                    k += 1;
                    continue;
                }
                let d = lib.pick(rng, c, Timestamp(at));
                push(
                    at,
                    EventSpec {
                        kind: EventKind::MetadataView,
                        doc: Some(d),
                    },
                    false,
                );
                k += 1;
                if rng.chance(h.download_after_view) {
                    at += think(rng, t);
                    push(
                        at,
                        EventSpec {
                            kind: EventKind::Download,
                            doc: Some(d),
                        },
                        false,
                    );
                    k += 1;
                }
            }
        }
    }
    out.sort_by_key(|p| p.at);
    out
}

/// Runs benign days `from..to`, counting every non-allow decision as a false alert.
#[allow(clippy::too_many_arguments)]
pub fn run_days(
    rng: &mut Rng,
    t: &Timing,
    lib: &Library,
    users: &[User],
    h: &mut Harness,
    from: i64,
    to: i64,
    stats: &mut BenignStats,
) {
    for day in from..to {
        let plan = plan_day(rng, t, lib, users, day);
        let mut aborted: std::collections::HashSet<(usize, u32)> = Default::default();
        let mut active = std::collections::HashSet::new();
        let mut alerted = std::collections::HashSet::new();
        let mut burst_flags: BTreeMap<usize, (bool, bool)> = BTreeMap::new();
        for p in &plan {
            let user = &users[p.user];
            active.insert(p.user);
            if p.burst {
                burst_flags.entry(p.user).or_default();
            }
            if aborted.contains(&(p.user, p.session)) {
                continue;
            }
            let e: Event = event(
                lib,
                &user.id,
                user.community,
                user.role,
                p.at,
                &p.spec,
                p.ip,
                &p.ua,
            );
            stats.events += 1;
            let mut a = h.assess(&e);
            let mut tries = 0;
            while a.decision != Decision::Allow && tries < 2 {
                tries += 1;
                stats.alerts += 1;
                alerted.insert(p.user);
                *stats.by_decision.entry(a.decision.as_str()).or_default() += 1;
                if let Some(r) = a.reasons.first() {
                    *stats.by_reason.entry(format!("{:?}", r.code)).or_default() += 1;
                }
                if stats.examples.len() < 8 {
                    stats.examples.push(format!(
                        "day {day} {} ({}): {}",
                        user.id,
                        user.role,
                        a.summary()
                    ));
                }
                if p.burst {
                    let f = burst_flags.entry(p.user).or_default();
                    f.0 = true;
                    f.1 |= matches!(a.decision, Decision::Throttle { .. } | Decision::Suspend);
                }
                match a.decision {
                    Decision::StepUp => {
                        // A member has the second factor: the step-up passes, the request is repeated.
                        h.step_up(&e, true);
                        a = h.assess(&e);
                    }
                    Decision::Throttle { .. } => {
                        aborted.insert((p.user, p.session));
                        break;
                    }
                    _ => {
                        // Suspended: a security officer unlocks the member (the next morning).
                        for s in 0..64 {
                            aborted.insert((p.user, s));
                        }
                        h.unlock(&user.id);
                        break;
                    }
                }
            }
            if a.decision == Decision::Allow && p.spec.kind == EventKind::Download {
                stats.downloads += 1;
            }
        }
        stats.user_days += users.iter().filter(|u| u.joined_day <= day).count() as u64;
        stats.active_user_days += active.len() as u64;
        stats.alerted_user_days += alerted.len() as u64;
        for (_, (alerted, throttled)) in burst_flags {
            stats.bursts += 1;
            stats.bursts_alerted += u64::from(alerted);
            stats.bursts_throttled += u64::from(throttled);
        }
    }
}
