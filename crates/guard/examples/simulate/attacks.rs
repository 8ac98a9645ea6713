//! Attackers: each drives one or more accounts through the guard, reacting to its
//! decisions as a real client would (waiting out throttles, failing step-ups unless
//! it is the account's owner).

use std::net::{IpAddr, Ipv4Addr};

use rampart_guard::clock::{DAY_MS, HOUR_MS, SECOND_MS};
use rampart_guard::{Decision, EventKind, Timestamp};

use crate::weblog::Rng;
use crate::world::{event, user_agent, EventSpec, Harness, Library, User, PAGE_SIZE};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Pace {
    /// Fixed 2 s ± 5%.
    Fast,
    /// Lognormal, median 6 s, sigma 0.9 (as irregular as a person).
    Jitter,
    /// 1–5 minutes uniform, office hours only.
    LowSlow,
    /// Lognormal, median 40 s, office hours only (an insider at work).
    Insider,
}

/// One compromised (or malicious) account.
pub struct Actor {
    pub user: usize,
    pub ip: IpAddr,
    pub ua: String,
    /// The owner: passes step-ups.
    pub owner: bool,
    /// Ignores refusals: neither answers a step-up nor waits out a throttle, and
    /// keeps requesting at its pace (a script that only counts what it got).
    pub persistent: bool,
    /// Documents the account can see, when it is not its whole community (a
    /// reader in a small community, or with few documents released to it).
    pub visible: Option<u32>,
    pub pace: Pace,
    /// Documents to take, in order (indices into the community's documents).
    pub targets: Vec<usize>,
    /// Listing page before each block of `PAGE_SIZE` targets.
    pub list_pages: bool,
    pub next: i64,
    pub done: bool,
    pub obtained: u64,
    pub contained_at: Option<i64>,
    pub how: String,
    pub throttles: u64,
    pub step_ups: u64,
    issued: usize,
    page: u32,
}

pub struct Outcome {
    pub obtained: u64,
    /// Time from the first request to containment of the last actor (None: never contained).
    pub containment_ms: Option<i64>,
    pub throttles: u64,
    pub how: String,
}

fn office_hours(at: i64, start_utc: i64) -> i64 {
    // Weekdays, 8 hours from start_utc; returns `at` or the next opening.
    let mut t = at;
    loop {
        let day = t.div_euclid(DAY_MS);
        let dow = (day - crate::world::T0 / DAY_MS).rem_euclid(7);
        let open = day * DAY_MS + start_utc * HOUR_MS;
        let close = open + 8 * HOUR_MS;
        if dow < 5 && t >= open && t < close {
            return t;
        }
        t = if dow < 5 && t < open {
            open
        } else {
            (day + 1) * DAY_MS + start_utc * HOUR_MS
        };
    }
}

fn gap(rng: &mut Rng, pace: Pace) -> i64 {
    match pace {
        Pace::Fast => (2_000.0 * rng.range(0.95, 1.05)) as i64,
        Pace::Jitter => (6_000.0 * (0.9 * rng.normal()).exp()) as i64,
        Pace::LowSlow => rng.range(60.0, 300.0) as i64 * SECOND_MS,
        Pace::Insider => (40_000.0 * (1.0 * rng.normal()).exp()) as i64,
    }
}

impl Actor {
    pub fn new(
        user: usize,
        ip: IpAddr,
        ua: String,
        owner: bool,
        pace: Pace,
        targets: Vec<usize>,
        start: i64,
    ) -> Self {
        Actor {
            user,
            ip,
            ua,
            owner,
            persistent: false,
            visible: None,
            pace,
            targets,
            list_pages: true,
            next: start,
            done: false,
            obtained: 0,
            contained_at: None,
            how: String::new(),
            throttles: 0,
            step_ups: 0,
            issued: 0,
            page: 0,
        }
    }
}

/// Drives all actors until each is contained, finished, or `horizon` passes.
pub fn run(
    h: &mut Harness,
    lib: &Library,
    users: &[User],
    actors: &mut [Actor],
    rng: &mut Rng,
    horizon_ms: i64,
    office_start_utc: i64,
) -> Outcome {
    let start = actors.iter().map(|a| a.next).min().unwrap_or(0);
    let end = start + horizon_ms;
    while let Some(i) = (0..actors.len())
        .filter(|&i| !actors[i].done)
        .min_by_key(|&i| actors[i].next)
    {
        let a = &mut actors[i];
        if a.pace == Pace::LowSlow || a.pace == Pace::Insider {
            a.next = office_hours(a.next, office_start_utc);
        }
        if a.next > end || a.issued >= a.targets.len() {
            a.done = true;
            continue;
        }
        let user = &users[a.user];
        let at = Timestamp(a.next);
        let spec = if a.list_pages
            && a.issued.is_multiple_of(PAGE_SIZE)
            && a.page as usize == a.issued / PAGE_SIZE
        {
            EventSpec {
                kind: EventKind::ListPage { page: a.page },
                doc: None,
            }
        } else {
            EventSpec {
                kind: EventKind::Download,
                doc: Some(a.targets[a.issued]),
            }
        };
        let mut e = event(
            lib,
            &user.id,
            user.community,
            user.role,
            at,
            &spec,
            a.ip,
            &a.ua,
        );
        if e.visible_documents.is_some() {
            e.visible_documents = a.visible.or(e.visible_documents);
        }
        let mut d = h.assess(&e);
        if d.decision == Decision::StepUp {
            a.step_ups += 1;
            if a.owner {
                h.step_up(&e, true);
                d = h.assess(&e);
            } else if a.persistent {
                // Asks again later, as if nothing had happened.
                a.next += gap(rng, a.pace);
                continue;
            } else {
                h.step_up(&e, false);
                a.done = true;
                a.contained_at = Some(a.next);
                a.how = format!("failed step-up: {}", d.summary());
                continue;
            }
        }
        match d.decision {
            Decision::Allow => {
                if spec.kind == EventKind::Download {
                    a.obtained += 1;
                    a.issued += 1;
                } else {
                    a.page += 1;
                }
                a.next += gap(rng, a.pace);
            }
            Decision::Throttle { retry_after } => {
                a.throttles += 1;
                a.next += if a.persistent {
                    gap(rng, a.pace)
                } else {
                    (retry_after.as_millis() as i64).max(SECOND_MS)
                };
            }
            Decision::Suspend => {
                a.done = true;
                a.contained_at = Some(a.next);
                a.how = format!("suspended: {}", d.summary());
            }
            Decision::StepUp => {
                // Owner asked again within the grace period: cannot happen; stop to be safe.
                a.done = true;
                a.how = "step-up loop".into();
            }
        }
    }
    let obtained = actors.iter().map(|a| a.obtained).sum();
    let all_contained = actors.iter().all(|a| a.contained_at.is_some());
    let containment_ms = all_contained.then(|| {
        actors
            .iter()
            .filter_map(|a| a.contained_at)
            .max()
            .unwrap_or(start)
            - start
    });
    let how = actors
        .iter()
        .find(|a| !a.how.is_empty())
        .map(|a| a.how.clone())
        .unwrap_or_else(|| "not contained".into());
    Outcome {
        obtained,
        containment_ms,
        throttles: actors.iter().map(|a| a.throttles).sum(),
        how,
    }
}

pub fn attacker_ip(rng: &mut Rng) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(
        45,
        140 + rng.below(10) as u8,
        rng.below(250) as u8,
        rng.below(250) as u8 + 1,
    ))
}

/// A stolen-password attacker's user agent: a current Chrome on Windows, the most common
/// browser (it matches the victim's own browser family for about a third of victims).
pub fn attacker_ua() -> String {
    user_agent(0, 123)
}

pub fn shuffle(rng: &mut Rng, v: &mut [usize]) {
    for i in (1..v.len()).rev() {
        v.swap(i, rng.below(i + 1));
    }
}
