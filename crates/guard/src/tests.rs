//! Unit tests of every rule, driven by an explicit clock.
#![allow(clippy::panic)]

use std::net::{IpAddr, Ipv4Addr};

use crate::clock::{DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS};
use crate::*;

/// Monday 2026-01-05 09:00 UTC.
const T: i64 = 1_767_571_200_000 + 9 * HOUR_MS;
const OFFICE: IpAddr = IpAddr::V4(Ipv4Addr::new(81, 2, 3, 4));
const UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0 Safari/537.36";

struct World {
    guard: Guard,
    state: PrincipalState,
    peers: PeerBaseline,
    ip: IpState,
    next_doc: u128,
}

impl World {
    fn new(config: GuardConfig) -> Self {
        let guard = match Guard::new(config) {
            Ok(g) => g,
            Err(e) => unreachable!("{e}"),
        };
        World {
            guard,
            state: PrincipalState::new(),
            peers: PeerBaseline::default(),
            ip: IpState::default(),
            next_doc: 1,
        }
    }

    /// A guard whose score never acts, to test budgets alone.
    fn budgets_only() -> Self {
        let mut c = GuardConfig::default();
        c.scoring.step_up_at = 10_000;
        c.scoring.throttle_at = 10_000;
        c.scoring.suspend_at = 10_000;
        c.scoring.strikes_to_suspend = 1_000;
        c.scoring.ignored_throttle_to_suspend = 1_000;
        Self::new(c)
    }

    fn event(&mut self, at: i64, kind: EventKind) -> Event {
        let doc = match kind {
            EventKind::ListPage { .. } => None,
            _ => {
                self.next_doc += 1;
                Some(DocumentId(
                    self.next_doc
                        .wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835),
                ))
            }
        };
        Event {
            at: Timestamp(at),
            principal: "alice".into(),
            kind,
            document: doc,
            document_created: None,
            canary: false,
            bytes: 100_000,
            community: "nato/logistics".into(),
            role: Role::Reader,
            ip: OFFICE,
            user_agent: UA.into(),
            visible_documents: None,
        }
    }

    fn run(&mut self, e: &Event) -> Assessment {
        self.guard
            .assess(&mut self.state, &mut self.peers, &mut self.ip, e)
    }

    fn download(&mut self, at: i64) -> Assessment {
        let e = self.event(at, EventKind::Download);
        self.run(&e)
    }

    /// Three weeks of ordinary office work on the office IP: a few documents a day at
    /// irregular times, so the account has history.
    fn with_history(mut self) -> Self {
        let mut x: u64 = 12345;
        for day in -21..0i64 {
            if (day.rem_euclid(7)) >= 5 {
                continue;
            }
            let mut at = T + day * DAY_MS;
            for _ in 0..6 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                at += (20 + (x >> 33) % 3000) as i64 * SECOND_MS;
                let a = self.download(at);
                assert!(a.allowed(), "history: {}", a.summary());
            }
        }
        self
    }
}

fn has(a: &Assessment, code: ReasonCode) -> bool {
    a.reasons.iter().any(|r| r.code == code)
}

#[test]
fn window_counter_trips_and_resets() {
    let mut w = window::SlidingWindow::new(MINUTE_MS, 60);
    let now = Timestamp(T);
    for _ in 0..5 {
        w.add(now, 1);
    }
    assert_eq!(w.total(), 5);
    assert_eq!(w.retry_after_ms(now, 5, 1), Some(60 * SECOND_MS));
    w.advance(now.plus_ms(59 * SECOND_MS));
    assert_eq!(w.total(), 5);
    w.advance(now.plus_ms(60 * SECOND_MS));
    assert_eq!(w.total(), 0);
}

fn budget_trips(limit: u32, per: i64, span: i64, set: impl Fn(&mut Limits), name: &str) {
    let mut w = World::budgets_only();
    set(&mut w.guard.config.budgets.reader);
    let mut at = T;
    for i in 0..limit {
        let a = w.download(at);
        assert!(
            a.allowed(),
            "{name}: request {} should pass: {}",
            i + 1,
            a.summary()
        );
        at += per;
    }
    let a = w.download(at);
    match a.decision {
        Decision::Throttle { retry_after } => assert!(retry_after.as_millis() > 0),
        d => panic!("{name}: expected throttle, got {d:?}"),
    }
    assert!(a.reasons[0].text.contains(name), "{}", a.summary());
    // After the window, the budget is available again.
    let a = w.download(T + span + per);
    assert!(a.allowed(), "{name}: after the window: {}", a.summary());
}

#[test]
fn download_budgets_trip_at_the_limit_and_reset() {
    budget_trips(
        10,
        SECOND_MS,
        MINUTE_MS,
        |l| l.downloads_per_minute = 10,
        "downloads per minute",
    );
    budget_trips(
        12,
        MINUTE_MS,
        HOUR_MS,
        |l| l.downloads_per_hour = 12,
        "downloads per hour",
    );
    budget_trips(
        15,
        20 * MINUTE_MS,
        DAY_MS,
        |l| l.downloads_per_day = 15,
        "downloads per day",
    );
}

#[test]
fn byte_budgets_trip_at_the_limit() {
    // 100 kB per download.
    budget_trips(
        5,
        SECOND_MS,
        MINUTE_MS,
        |l| l.bytes_per_minute = 500_000,
        "bytes per minute",
    );
    budget_trips(
        7,
        MINUTE_MS,
        HOUR_MS,
        |l| l.bytes_per_hour = 700_000,
        "bytes per hour",
    );
    budget_trips(
        9,
        HOUR_MS,
        DAY_MS,
        |l| l.bytes_per_day = 900_000,
        "bytes per day",
    );
}

#[test]
fn distinct_documents_per_seven_days() {
    let mut w = World::budgets_only();
    w.guard.config.budgets.reader.distinct_documents_per_7_days = 20;
    for d in 0..20 {
        let a = w.download(T + (d / 4) * DAY_MS + d * MINUTE_MS);
        assert!(a.allowed(), "{}", a.summary());
    }
    // Re-reading an already counted document is not a new distinct document.
    let again = Event {
        document: w.state.downloads.last().map(|d| d.document),
        ..w.event(T + 4 * DAY_MS + 30 * MINUTE_MS, EventKind::Download)
    };
    let a = w.run(&again);
    assert!(a.allowed(), "{}", a.summary());
    // Day 4: the 21st distinct document is refused until the documents of day 0 age out.
    let a = w.download(T + 4 * DAY_MS + HOUR_MS);
    let Decision::Throttle { retry_after } = a.decision else {
        panic!("{}", a.summary())
    };
    assert!(a.summary().contains("distinct documents per 7 days"));
    assert!(retry_after.as_secs() >= 2 * 86_400, "{retry_after:?}");
    // Seven days after day 0, its documents no longer count.
    let a = w.download(T + 7 * DAY_MS + HOUR_MS);
    assert!(a.allowed(), "{}", a.summary());
}

#[test]
fn listing_pages_per_hour_and_walks() {
    let mut w = World::budgets_only();
    w.guard.config.budgets.reader.list_pages_per_hour = 8;
    let mut last = None;
    for p in 0..8 {
        let e = w.event(
            T + i64::from(p) * 30 * SECOND_MS,
            EventKind::ListPage { page: p },
        );
        last = Some(w.run(&e));
        assert!(last.as_ref().is_some_and(Assessment::allowed));
    }
    let a = last.unwrap_or_else(|| unreachable!());
    assert!(has(&a, ReasonCode::ListWalk), "{}", a.summary());
    assert!(a.summary().contains("walked 8 consecutive listing pages"));
    let e = w.event(T + 5 * MINUTE_MS, EventKind::ListPage { page: 8 });
    assert!(matches!(w.run(&e).decision, Decision::Throttle { .. }));
    // A new walk after a pause starts from one page.
    let e = w.event(T + 2 * HOUR_MS, EventKind::ListPage { page: 0 });
    let a = w.run(&e);
    assert!(a.allowed() && !has(&a, ReasonCode::ListWalk));
}

#[test]
fn regular_timing_is_scored_irregular_is_not() {
    let mut w = World::budgets_only();
    let mut last = None;
    for i in 0..12 {
        last = Some(w.download(T + i * 3 * SECOND_MS));
    }
    let a = last.unwrap_or_else(|| unreachable!());
    assert!(has(&a, ReasonCode::Regularity), "{}", a.summary());
    let mut w = World::budgets_only();
    let gaps = [3, 40, 7, 120, 2, 65, 15, 300, 9, 31, 4, 200];
    let mut at = T;
    let mut last = None;
    for g in gaps {
        at += g * SECOND_MS;
        last = Some(w.download(at));
    }
    let a = last.unwrap_or_else(|| unreachable!());
    assert!(!has(&a, ReasonCode::Regularity), "{}", a.summary());
}

#[test]
fn new_ip_and_user_agent_are_scored_and_step_up_confirms_them() {
    let mut w = World::new(GuardConfig::default()).with_history();
    let mut e = w.event(T + HOUR_MS, EventKind::Download);
    let a = w.run(&e);
    assert!(a.allowed() && !has(&a, ReasonCode::NewIp) && !has(&a, ReasonCode::NewUserAgent));
    e = w.event(T + 2 * HOUR_MS, EventKind::Download);
    e.ip = IpAddr::V4(Ipv4Addr::new(45, 140, 1, 2));
    e.user_agent = "python-requests/2.31".into();
    let a = w.run(&e);
    assert!(
        has(&a, ReasonCode::NewIp) && has(&a, ReasonCode::NewUserAgent),
        "{}",
        a.summary()
    );
    // Keep downloading from the new device: the unconfirmed volume asks for a step-up.
    let mut at = T + 2 * HOUR_MS;
    let mut decision = a.decision;
    let mut n = 0;
    while decision == Decision::Allow && n < 40 {
        at += 17 * SECOND_MS + (n % 5) * 7 * SECOND_MS;
        let mut e = w.event(at, EventKind::Download);
        e.ip = IpAddr::V4(Ipv4Addr::new(45, 140, 1, 2));
        e.user_agent = "python-requests/2.31".into();
        let a = w.run(&e);
        decision = a.decision;
        n += 1;
        if decision == Decision::StepUp {
            assert!(w.guard.record_step_up(&mut w.state, &e, true).is_none());
            let a = w.run(&e);
            assert!(a.allowed(), "after step-up: {}", a.summary());
            assert!(!has(&a, ReasonCode::NewIp) && !has(&a, ReasonCode::NewUserAgent));
        }
    }
    assert_eq!(
        decision,
        Decision::StepUp,
        "{n} downloads from a new device without step-up"
    );
    assert!(n < 15, "step-up after {n} downloads");
}

#[test]
fn failed_step_ups_suspend() {
    let mut w = World::new(GuardConfig::default());
    let e = w.event(T, EventKind::Download);
    assert!(w.guard.record_step_up(&mut w.state, &e, false).is_none());
    assert!(w.guard.record_step_up(&mut w.state, &e, false).is_none());
    let a = w.guard.record_step_up(&mut w.state, &e, false);
    assert!(a.is_some_and(|a| a.decision == Decision::Suspend));
    assert_eq!(w.run(&e).decision, Decision::Suspend);
    w.guard.unlock(&mut w.state);
    assert!(w.run(&e).allowed());
}

#[test]
fn unusual_hour_against_own_history() {
    let mut w = World::new(GuardConfig::default()).with_history();
    // 02:00 UTC, never used before.
    let a = w.download(T + DAY_MS - 7 * HOUR_MS + DAY_MS);
    assert!(has(&a, ReasonCode::UnusualHour), "{}", a.summary());
    let a = w.download(T + 2 * DAY_MS + 30 * MINUTE_MS);
    assert!(!has(&a, ReasonCode::UnusualHour), "{}", a.summary());
}

#[test]
fn many_accounts_new_on_one_ip() {
    let guard = match Guard::new(GuardConfig::default()) {
        Ok(g) => g,
        Err(e) => unreachable!("{e}"),
    };
    let proxy = IpAddr::V4(Ipv4Addr::new(45, 141, 7, 7));
    let mut ip_state = IpState::default();
    let mut last = None;
    for k in 0..5 {
        let mut w = World::new(GuardConfig::default()).with_history();
        let mut e = w.event(T + HOUR_MS + k * MINUTE_MS, EventKind::MetadataView);
        e.principal = format!("victim{k}");
        e.ip = proxy;
        last = Some(guard.assess(&mut w.state, &mut w.peers, &mut ip_state, &e));
    }
    let a = last.unwrap_or_else(|| unreachable!());
    assert!(
        a.summary()
            .contains("5 accounts used 45.141.7.7 for the first time"),
        "{}",
        a.summary()
    );
}

#[test]
fn canary_suspends_at_once() {
    let mut w = World::new(GuardConfig::default()).with_history();
    let mut e = w.event(T + HOUR_MS, EventKind::MetadataView);
    e.canary = true;
    let a = w.run(&e);
    assert_eq!(a.decision, Decision::Suspend);
    assert_eq!(a.reasons[0].severity, Severity::Critical);
    assert!(a.reasons[0].text.starts_with("canary document"));
    assert_eq!(w.download(T + 2 * HOUR_MS).decision, Decision::Suspend);
    w.guard.unlock(&mut w.state);
    assert!(w.download(T + 3 * HOUR_MS).allowed());
}

#[test]
fn cold_start_uses_role_then_peer_baselines() {
    // Brand-new account, new install: the rate is judged against the role baseline.
    let mut w = World::budgets_only();
    let mut last = None;
    for i in 0..40 {
        last = Some(w.download(T + i * 97 * SECOND_MS + (i % 7) * 11 * SECOND_MS));
    }
    let a = last.unwrap_or_else(|| unreachable!());
    assert!(
        a.summary().contains("the role's baseline (25)"),
        "{}",
        a.summary()
    );
    // With mature peers whose busy days exceed the role floor, the peers are the basis.
    let mut w = World::budgets_only();
    for d in 0..60 {
        w.peers.record_member_day(20 + d % 10);
    }
    let mut last = None;
    for i in 0..40 {
        last = Some(w.download(T + i * 97 * SECOND_MS + (i % 7) * 11 * SECOND_MS));
    }
    let a = last.unwrap_or_else(|| unreachable!());
    assert!(
        a.summary().contains("what its peers do on a busy day"),
        "{}",
        a.summary()
    );
    // The new account's identity points are halved while it has no history.
    let mut w = World::new(GuardConfig::default());
    let a = w.download(T);
    let ip = a
        .reasons
        .iter()
        .find(|r| r.code == ReasonCode::NewIp)
        .map(|r| r.points);
    assert_eq!(ip, Some(8), "{}", a.summary());
    assert!(a.allowed());
}

#[test]
fn briefing_burst_of_thirty_from_one_folder_is_allowed() {
    let mut w = World::new(GuardConfig::default()).with_history();
    let start = T + 2 * HOUR_MS;
    let e = w.event(start, EventKind::ListPage { page: 0 });
    assert!(w.run(&e).allowed());
    let gaps = [
        4, 9, 3, 6, 12, 5, 2, 8, 4, 15, 3, 7, 5, 6, 2, 10, 4, 3, 9, 5, 6, 2, 4, 11, 3, 5, 8, 4, 6,
        3,
    ];
    let mut at = start;
    for (i, g) in gaps.iter().enumerate() {
        at += g * SECOND_MS;
        let mut e = w.event(at, EventKind::Download);
        // One folder, clicked top-down (creation date order).
        e.document_created = Some(Timestamp(T - (i as i64) * DAY_MS));
        let a = w.run(&e);
        assert!(
            a.allowed(),
            "download {} of the burst: {}",
            i + 1,
            a.summary()
        );
    }
}

#[test]
fn persistent_collection_escalates_to_suspend() {
    let mut w = World::new(GuardConfig::default()).with_history();
    let mut at = T + HOUR_MS;
    let mut throttles = 0;
    let mut allowed = 0;
    let mut gap = 0;
    loop {
        gap = (gap * 7 + 13) % 50;
        at += (20 + gap) * SECOND_MS;
        let a = w.download(at);
        match a.decision {
            Decision::Allow => allowed += 1,
            Decision::StepUp => {
                let e = w.event(at, EventKind::Download);
                w.guard.record_step_up(&mut w.state, &e, true);
            }
            Decision::Throttle { retry_after } => {
                throttles += 1;
                at += retry_after.as_millis() as i64;
            }
            Decision::Suspend => break,
        }
        assert!(allowed < 400, "never suspended");
    }
    assert!(throttles >= 2, "{throttles}");
    assert!(allowed <= 160, "{allowed}");
}

#[test]
fn ignoring_retry_after_suspends() {
    let mut w = World::budgets_only();
    w.guard.config.budgets.reader.downloads_per_minute = 2;
    w.guard.config.scoring.ignored_throttle_to_suspend = 5;
    let mut decisions = Vec::new();
    for i in 0..10 {
        decisions.push(w.download(T + i * 100).decision);
    }
    assert_eq!(decisions.last(), Some(&Decision::Suspend));
}

#[test]
fn config_rejects_unknown_fields_and_bad_values() {
    let bad = r#"{"budgets": {"reader": {"downloads_per_minute": 1}}}"#;
    assert!(serde_json::from_str::<GuardConfig>(bad).is_err());
    let unknown = r#"{"scoring": {"step_up": 3}}"#;
    assert!(serde_json::from_str::<GuardConfig>(unknown).is_err());
    let ok = r#"{"budgets": {"communities": {"nato/logistics": {"reader": {"downloads_per_day": 5}}},
                 "accounts": {"alice": {"downloads_per_hour": 3}}}}"#;
    let c: GuardConfig = match serde_json::from_str(ok) {
        Ok(c) => c,
        Err(e) => unreachable!("{e}"),
    };
    let l = c.budgets.resolve("alice", "nato/logistics", Role::Reader);
    assert_eq!(
        (
            l.downloads_per_day,
            l.downloads_per_hour,
            l.downloads_per_minute
        ),
        (5, 3, 40)
    );
    let l = c.budgets.resolve("bob", "other", Role::Manager);
    assert_eq!(l, Limits::for_role(Role::Manager));
    let mut c = GuardConfig::default();
    c.budgets.reader.downloads_per_day = 0;
    assert!(Guard::new(c).is_err());
}

#[test]
fn state_round_trips_through_json() {
    let mut w = World::new(GuardConfig::default()).with_history();
    w.download(T + HOUR_MS);
    let json = serde_json::to_string(&w.state).unwrap_or_default();
    let back: PrincipalState = serde_json::from_str(&json).unwrap_or_default();
    assert_eq!(back, w.state);
    let peers = serde_json::to_string(&w.peers).unwrap_or_default();
    assert_eq!(
        serde_json::from_str::<PeerBaseline>(&peers).ok(),
        Some(w.peers.clone())
    );
    let ip = serde_json::to_string(&w.ip).unwrap_or_default();
    assert_eq!(
        serde_json::from_str::<IpState>(&ip).ok(),
        Some(w.ip.clone())
    );
    // The restored state decides exactly like the original.
    let e = w.event(T + 2 * HOUR_MS, EventKind::Download);
    let mut restored = back;
    let mut p2 = w.peers.clone();
    let mut i2 = w.ip.clone();
    let a = w.guard.assess(&mut restored, &mut p2, &mut i2, &e);
    assert_eq!(a, w.run(&e));
}

#[test]
fn memory_per_principal_stays_bounded() {
    let mut c = GuardConfig::default();
    c.scoring.step_up_at = 1_000_000;
    c.scoring.throttle_at = 1_000_000;
    c.scoring.suspend_at = 1_000_000;
    let limits = Limits {
        downloads_per_minute: u32::MAX,
        downloads_per_hour: u32::MAX,
        downloads_per_day: u32::MAX,
        bytes_per_minute: u64::MAX,
        bytes_per_hour: u64::MAX,
        bytes_per_day: u64::MAX,
        distinct_documents_per_7_days: budgets::MAX_DISTINCT_LIMIT,
        list_pages_per_hour: u32::MAX,
        metadata_views_per_hour: u32::MAX,
        profile_views_per_hour: u32::MAX,
    };
    c.budgets.reader = limits;
    let mut w = World::new(c);
    w.guard.config.scoring.strikes_to_suspend = u32::MAX;
    let mut size_at_1e5 = 0;
    for i in 0..1_000_000i64 {
        let kind = match i % 10 {
            0 => EventKind::ListPage {
                page: (i % 1000) as u32,
            },
            1 | 2 => EventKind::MetadataView,
            _ => EventKind::Download,
        };
        let mut e = w.event(T + i * 700, kind);
        e.ip = IpAddr::V4(Ipv4Addr::new(10, (i % 251) as u8, (i % 241) as u8, 1));
        e.user_agent = format!("agent {}", i % 97);
        w.run(&e);
        if i == 100_000 {
            size_at_1e5 = serde_json::to_string(&w.state)
                .map(|s| s.len())
                .unwrap_or(0);
        }
    }
    let size = serde_json::to_string(&w.state)
        .map(|s| s.len())
        .unwrap_or(0);
    assert!(size < 80_000, "state is {size} bytes");
    assert!(
        size <= size_at_1e5 + 4_000,
        "grew from {size_at_1e5} to {size}"
    );
    assert!(w.state.footprint() < 1_200 + crate::state::TAKEN_KEPT);
}

/// The request path assesses against a snapshot and merges deltas later:
/// with the delta merged after every event the decisions and the baseline
/// are those of the in-place path, and a stored override resolves account >
/// community > role default.
#[test]
fn shared_assessment_with_merged_deltas_matches_in_place_and_overrides_apply() {
    let mut inplace = World::new(GuardConfig::default());
    let mut shared = World::new(GuardConfig::default());
    for i in 0..300 {
        let at = T + i * 7 * MINUTE_MS + (i % 5) * 13 * SECOND_MS + (i / 40) * DAY_MS;
        let e = inplace.event(at, EventKind::Download);
        let _ = shared.event(at, EventKind::Download);
        let a = inplace.run(&e);
        let mut delta = PeerDelta::default();
        let b = shared.guard.assess_shared(
            &mut shared.state,
            &shared.peers,
            &mut delta,
            &mut shared.ip,
            &e,
            &StoredOverrides::default(),
        );
        shared.peers.apply(&delta);
        assert_eq!(a.decision, b.decision, "event {i}");
    }
    assert_eq!(inplace.state, shared.state);
    assert!(inplace.peers.is_mature() == shared.peers.is_mature());

    let budgets = Budgets::default();
    let community = LimitsOverride {
        downloads_per_hour: Some(7),
        downloads_per_day: Some(9),
        ..LimitsOverride::default()
    };
    let account = LimitsOverride {
        downloads_per_hour: Some(3),
        ..LimitsOverride::default()
    };
    let both = StoredOverrides {
        community: Some(community),
        account: Some(account),
    };
    let limits = budgets.resolve_with("a", "p/c", Role::Reader, &both);
    assert_eq!(
        limits.downloads_per_hour, 3,
        "the account's beats the community's"
    );
    assert_eq!(
        limits.downloads_per_day, 9,
        "the community's beats the role's"
    );
    assert_eq!(limits.downloads_per_minute, 40, "the role default");
    assert!(account.check().is_ok());
    assert!(LimitsOverride {
        downloads_per_minute: Some(0),
        ..LimitsOverride::default()
    }
    .check()
    .is_err());
    assert!(LimitsOverride {
        distinct_documents_per_7_days: Some(budgets::MAX_DISTINCT_LIMIT + 1),
        ..LimitsOverride::default()
    }
    .check()
    .is_err());
}

/// A step-up holds the account: every request after it is refused (a step-up
/// again, whatever it asks for) until the second factor is confirmed, and a
/// client that keeps requesting is suspended at the configured count.
#[test]
fn a_step_up_holds_every_request_until_confirmed_and_persisting_suspends() {
    let mut w = World::new(GuardConfig::default()).with_history();
    let mut at = T;
    // A machine-regular scrape from a new address raises the score to a step-up.
    let mut e = w.event(at, EventKind::Download);
    e.ip = IpAddr::V4(Ipv4Addr::new(45, 1, 2, 3));
    e.user_agent = "python-requests/2.31".into();
    let mut first = None;
    for _ in 0..60 {
        at += 2 * SECOND_MS;
        let mut next = w.event(at, EventKind::Download);
        next.ip = e.ip;
        next.user_agent = e.user_agent.clone();
        let a = w.run(&next);
        if !a.allowed() {
            first = Some(a);
            break;
        }
    }
    let Some(first) = first else {
        panic!("the scrape was never refused")
    };
    assert_eq!(first.decision, Decision::StepUp, "{}", first.summary());
    assert!(w.state.held.is_some());
    // Listing pages, views and downloads alike are held now, even ones the
    // score alone would allow.
    for (i, kind) in [
        EventKind::ListPage { page: 0 },
        EventKind::MetadataView,
        EventKind::Download,
    ]
    .into_iter()
    .cycle()
    .take(9)
    .enumerate()
    {
        at += 5 * MINUTE_MS;
        let e = w.event(at, kind);
        let a = w.run(&e);
        assert_eq!(a.decision, Decision::StepUp, "request {i}: {}", a.summary());
        assert!(has(&a, ReasonCode::Held));
    }
    at += MINUTE_MS;
    let a = w.download(at);
    assert_eq!(a.decision, Decision::Suspend, "{}", a.summary());
    assert!(a.reasons[0].text.contains("10 requests made while held"));
    // The step-up's own reasons come along, as they were given.
    assert!(first
        .reasons
        .iter()
        .all(|r| a.reasons.iter().any(|s| s.text == r.text)));
    assert!(w.state.held.is_none() || w.state.suspended.is_some());
}

#[test]
fn a_passed_step_up_or_an_unlock_releases_the_hold() {
    let mut c = GuardConfig::default();
    c.scoring.step_up_at = 0;
    let mut w = World::new(c);
    let a = w.download(T);
    assert_eq!(a.decision, Decision::StepUp);
    let e = w.event(T + SECOND_MS, EventKind::Download);
    assert_eq!(w.run(&e).decision, Decision::StepUp);
    assert!(w.guard.record_step_up(&mut w.state, &e, true).is_none());
    assert!(w.state.held.is_none());
    assert!(w.run(&e).allowed());

    let mut w = World::new({
        let mut c = GuardConfig::default();
        c.scoring.step_up_at = 0;
        c
    });
    assert_eq!(w.download(T).decision, Decision::StepUp);
    // A failed step-up keeps the hold.
    let e = w.event(T + SECOND_MS, EventKind::Download);
    assert!(w.guard.record_step_up(&mut w.state, &e, false).is_none());
    assert!(w.state.held.is_some());
    w.guard.unlock(&mut w.state);
    assert!(w.state.held.is_none());
}

/// Most of a small visible library within an hour asks for a step-up, even
/// when nothing else about the requests looks wrong; the same number of
/// documents out of a large library does not.
#[test]
fn most_of_a_small_visible_library_within_an_hour_asks_for_a_step_up() {
    let mut w = World::new(GuardConfig::default()).with_history();
    let mut at = T;
    let mut refused_at = None;
    for i in 1..=27u32 {
        at += (40 + u64::from(i * 37 % 90)) as i64 * SECOND_MS;
        let mut e = w.event(at, EventKind::Download);
        e.visible_documents = Some(27);
        let a = w.run(&e);
        if !a.allowed() {
            assert_eq!(a.decision, Decision::StepUp, "{}", a.summary());
            assert!(has(&a, ReasonCode::LibraryShare), "{}", a.summary());
            let text = &a
                .reasons
                .iter()
                .find(|r| r.code == ReasonCode::LibraryShare)
                .map(|r| r.text.clone())
                .unwrap_or_default();
            assert!(text.contains("of the 27 documents"), "{text}");
            refused_at = Some(i);
            break;
        }
    }
    // 14 of 27 is the first download at or above half.
    assert_eq!(refused_at, Some(14));

    let mut w = World::new(GuardConfig::default()).with_history();
    let mut at = T;
    for i in 1..=30u32 {
        at += (40 + u64::from(i * 37 % 90)) as i64 * SECOND_MS;
        let mut e = w.event(at, EventKind::Download);
        e.visible_documents = Some(500);
        let a = w.run(&e);
        assert!(!has(&a, ReasonCode::LibraryShare), "{}", a.summary());
    }
    // A five-document community read whole is no scrape.
    let mut w = World::new(GuardConfig::default()).with_history();
    for i in 1..=5 {
        let mut e = w.event(T + i * MINUTE_MS, EventKind::Download);
        e.visible_documents = Some(5);
        assert!(w.run(&e).allowed());
    }
}

#[test]
fn the_default_configuration_is_valid() {
    assert!(Guard::new(GuardConfig::default()).is_ok());
}
