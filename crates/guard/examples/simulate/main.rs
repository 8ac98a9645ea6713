//! Exfiltration guard simulator (a benchmark, not a test).
//!
//! Replays benign members of six communities for eight weeks from a fresh install
//! (think times and session lengths taken from a real Apache access log) and five kinds
//! of attacker, and prints what each attacker obtained before containment and how many
//! false alerts benign members saw.
//!
//! Run (release, about a minute):
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-guard cargo run --release -p rampart-guard --example simulate
//! # options: simulate [LOG] [--users N] [--trials N] [--seed N] [--peer-merge-secs N]
//! ```
//!
//! Peer baselines are handled as the server handles them: decisions read a snapshot
//! and what requests add is merged every `--peer-merge-secs` (2, the server's
//! interval; 0 updates the baseline in place after every request).
//!
//! Assumption: a step-up is passed by the account's owner (who has the second factor)
//! and failed by an attacker who only has the password, so a step-up contains a
//! stolen-credential attacker; the malicious insider passes it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test and example code: a failed assumption fails the run

mod attacks;
mod benign;
mod weblog;
mod world;

use std::time::Instant;

use rampart_guard::clock::{DAY_MS, HOUR_MS};
use rampart_guard::{Guard, GuardConfig, Role};

use attacks::{attacker_ip, attacker_ua, run, shuffle, Actor, Outcome, Pace};
use benign::{run_days, BenignStats};
use weblog::Rng;
use world::{make_users, Harness, Library, T0};

const LOG: &str = "/work/shared/data/apache_access_2015.log";
const WARMUP_DAYS: i64 = 28;
const MEASURE_DAYS: i64 = 28;
/// Documents the small-community attacker's account can see.
const SMALL_LIBRARY: u32 = 27;

struct Args {
    log: String,
    users: usize,
    trials: usize,
    seed: u64,
    /// Peer baselines merged every this many seconds, as the server does (0: in place).
    peer_merge_secs: i64,
}

fn args() -> Args {
    let mut a = Args {
        log: LOG.into(),
        users: 1200,
        trials: 12,
        seed: 7,
        peer_merge_secs: 2,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--users" => a.users = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.users),
            "--trials" => a.trials = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.trials),
            "--seed" => a.seed = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.seed),
            "--peer-merge-secs" => {
                a.peer_merge_secs = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(a.peer_merge_secs)
            }
            other => a.log = other.to_string(),
        }
    }
    a
}

struct Row {
    name: &'static str,
    outcomes: Vec<Outcome>,
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn fmt_ms(ms: f64) -> String {
    if ms.is_nan() {
        "never".into()
    } else if ms < 60_000.0 {
        format!("{:.0} s", ms / 1000.0)
    } else if ms < HOUR_MS as f64 {
        format!("{:.1} min", ms / 60_000.0)
    } else if ms < 2.0 * DAY_MS as f64 {
        format!("{:.1} h", ms / HOUR_MS as f64)
    } else {
        format!("{:.1} d", ms / DAY_MS as f64)
    }
}

fn main() {
    let args = args();
    let started = Instant::now();
    let timing = match weblog::load(&args.log) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("simulate: {e}");
            std::process::exit(1);
        }
    };
    let mut rng = Rng::new(args.seed);
    let total_days = WARMUP_DAYS + MEASURE_DAYS;
    let lib = Library::new(&mut rng, 450, total_days + 8);
    let users = make_users(&mut rng, args.users, total_days);
    let guard = match Guard::new(GuardConfig::default()) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("simulate: {e}");
            std::process::exit(1);
        }
    };
    let mut h = Harness::new(guard, args.peer_merge_secs * 1_000);

    // Fresh install: the first week is the cold start for everyone.
    let mut cold = BenignStats::default();
    run_days(&mut rng, &timing, &lib, &users, &mut h, 0, 7, &mut cold);
    let mut warm = BenignStats::default();
    run_days(
        &mut rng,
        &timing,
        &lib,
        &users,
        &mut h,
        7,
        WARMUP_DAYS,
        &mut warm,
    );
    let snapshot = h.clone();
    let mut steady = BenignStats::default();
    run_days(
        &mut rng,
        &timing,
        &lib,
        &users,
        &mut h,
        WARMUP_DAYS,
        total_days,
        &mut steady,
    );

    // Attacks start on day 28 (a Monday) against the state persisted at that point.
    let day0 = T0 + WARMUP_DAYS * DAY_MS;
    let veterans: Vec<usize> = (0..users.len())
        .filter(|&i| users[i].role == Role::Reader && users[i].joined_day == 0)
        .collect();
    let mut rows = Vec::new();
    for (name, pace) in [
        ("fast scraper (1 doc / 2 s)", Pace::Fast),
        ("jittered scraper (lognormal, median 6 s)", Pace::Jitter),
        (
            "low-and-slow (1 doc / 1-5 min, office hours, 7 d)",
            Pace::LowSlow,
        ),
    ] {
        let mut outcomes = Vec::new();
        for k in 0..args.trials {
            let mut sim = snapshot.clone();
            let v = veterans[(k * 7919 + 13) % veterans.len()];
            let c = users[v].community;
            let mut targets = lib.listing(c, world_time(day0));
            if pace == Pace::Jitter {
                for chunk in targets.chunks_mut(world::PAGE_SIZE) {
                    shuffle(&mut rng, chunk);
                }
            }
            let start = match pace {
                Pace::LowSlow => day0 + 6 * HOUR_MS,
                _ => day0 + (10 + k as i64 % 8) * HOUR_MS,
            };
            let mut actors = vec![Actor::new(
                v,
                attacker_ip(&mut rng),
                attacker_ua(),
                false,
                pace,
                targets,
                start,
            )];
            outcomes.push(run(
                &mut sim,
                &lib,
                &users,
                &mut actors,
                &mut rng,
                7 * DAY_MS,
                6,
            ));
        }
        rows.push(Row { name, outcomes });
    }

    // `trials` runs of one attacker each, against the state persisted at day 28.
    let mut one_actor = |name: &'static str,
                         office_start_utc: i64,
                         make: &mut dyn FnMut(usize, &mut Rng) -> Actor| {
        let mut outcomes = Vec::new();
        for k in 0..args.trials {
            let mut sim = snapshot.clone();
            let mut actors = vec![make(k, &mut rng)];
            outcomes.push(run(
                &mut sim,
                &lib,
                &users,
                &mut actors,
                &mut rng,
                7 * DAY_MS,
                office_start_utc,
            ));
        }
        Row { name, outcomes }
    };
    let fast_start = |k: usize| day0 + (10 + k as i64 % 8) * HOUR_MS;

    // Persistent: a fast scraper that ignores every refusal (step-ups and throttles)
    // and keeps requesting the next document at its pace.
    rows.push(one_actor(
        "persistent (fast, ignores every refusal)",
        6,
        &mut |k, rng| {
            let v = veterans[(k * 7919 + 29) % veterans.len()];
            let targets = lib.listing(users[v].community, world_time(day0));
            let mut a = Actor::new(
                v,
                attacker_ip(rng),
                attacker_ua(),
                false,
                Pace::Fast,
                targets,
                fast_start(k),
            );
            a.persistent = true;
            a
        },
    ));

    // Small community: the victim can see only 27 documents (its community is
    // small, or few are released to it); a fast scrape that answers nothing.
    rows.push(one_actor(
        "small community (27 visible, fast, persistent)",
        6,
        &mut |k, rng| {
            let v = veterans[(k * 7919 + 41) % veterans.len()];
            let mut targets = lib.listing(users[v].community, world_time(day0));
            targets.truncate(SMALL_LIBRARY as usize);
            let mut a = Actor::new(
                v,
                attacker_ip(rng),
                attacker_ua(),
                false,
                Pace::Fast,
                targets,
                fast_start(k),
            );
            a.visible = Some(SMALL_LIBRARY);
            a.persistent = true;
            a
        },
    ));

    // The same small library taken from the victim's own device (malware riding its
    // session: its address and browser, jittered like a person), so that only the
    // share of the visible library taken gives it away.
    rows.push(one_actor(
        "small community from the victim's device",
        6,
        &mut |k, _| {
            let v = veterans[(k * 7919 + 53) % veterans.len()];
            let u = &users[v];
            let mut targets = lib.listing(u.community, world_time(day0));
            targets.truncate(SMALL_LIBRARY as usize);
            let start = day0 + (8 - u.tz).rem_euclid(24) * HOUR_MS + HOUR_MS;
            let mut a = Actor::new(
                v,
                u.office_ip,
                u.ua(WARMUP_DAYS),
                false,
                Pace::Jitter,
                targets,
                start,
            );
            a.visible = Some(SMALL_LIBRARY);
            a.list_pages = false;
            a
        },
    ));

    // Distributed: 20 stolen reader accounts, four proxies, disjoint slices, jittered.
    let mut outcomes = Vec::new();
    for k in 0..args.trials.div_ceil(3) {
        let mut sim = snapshot.clone();
        let chosen: Vec<usize> = (0..20)
            .map(|j| veterans[(k * 131 + j * 37 + 5) % veterans.len()])
            .collect();
        let proxies: Vec<_> = (0..4).map(|_| attacker_ip(&mut rng)).collect();
        let mut actors = Vec::new();
        for (j, &v) in chosen.iter().enumerate() {
            let c = users[v].community;
            let peers: Vec<usize> = chosen
                .iter()
                .copied()
                .filter(|&x| users[x].community == c)
                .collect();
            let slot = peers.iter().position(|&x| x == v).unwrap_or(0);
            let mut targets: Vec<usize> = lib
                .listing(c, world_time(day0))
                .into_iter()
                .enumerate()
                .filter(|(i, _)| i % peers.len() == slot)
                .map(|(_, d)| d)
                .collect();
            shuffle(&mut rng, &mut targets);
            let mut a = Actor::new(
                v,
                proxies[j % 4],
                attacker_ua(),
                false,
                Pace::Jitter,
                targets,
                day0 + 10 * HOUR_MS + j as i64 * 1_000,
            );
            a.list_pages = false;
            actors.push(a);
        }
        outcomes.push(run(
            &mut sim,
            &lib,
            &users,
            &mut actors,
            &mut rng,
            7 * DAY_MS,
            6,
        ));
    }
    rows.push(Row {
        name: "distributed (20 accounts, 4 IPs, jittered)",
        outcomes,
    });

    // Malicious insider: own account, own office IP and browser, passes step-ups.
    let mut outcomes = Vec::new();
    for k in 0..args.trials {
        let mut sim = snapshot.clone();
        let v = veterans[(k * 104_729 + 3) % veterans.len()];
        let u = &users[v];
        let mut targets: Vec<usize> = lib.listing(u.community, world_time(day0));
        shuffle(&mut rng, &mut targets);
        let office = (8 - u.tz).rem_euclid(24);
        let mut actors = vec![Actor::new(
            v,
            u.office_ip,
            u.ua(WARMUP_DAYS),
            true,
            Pace::Insider,
            targets,
            day0 + office * HOUR_MS,
        )];
        actors[0].list_pages = false;
        outcomes.push(run(
            &mut sim,
            &lib,
            &users,
            &mut actors,
            &mut rng,
            7 * DAY_MS,
            office,
        ));
    }
    rows.push(Row {
        name: "malicious insider (own account, 2FA, ~40 s)",
        outcomes,
    });

    print_report(&args, &timing, &h, &cold, &warm, &steady, &rows, started);
}

fn world_time(ms: i64) -> rampart_guard::Timestamp {
    rampart_guard::Timestamp(ms)
}

#[allow(clippy::too_many_arguments)]
fn print_report(
    args: &Args,
    timing: &weblog::Timing,
    h: &Harness,
    cold: &BenignStats,
    warm: &BenignStats,
    steady: &BenignStats,
    rows: &[Row],
    started: Instant,
) {
    let gaps = {
        let mut g = timing.gaps_ms.clone();
        g.sort_unstable();
        g
    };
    println!(
        "Rampart exfiltration guard — simulation (seed {}, {} members, {} trials, peer baselines merged every {} s)",
        args.seed, args.users, args.trials, args.peer_merge_secs
    );
    println!(
        "benign timing: {} ({} lines, {} clients) → {} think times (median {:.0} s, p90 {:.0} s), {} sessions (mean {:.1} page requests)",
        args.log,
        timing.lines,
        timing.clients,
        gaps.len(),
        gaps[gaps.len() / 2] as f64 / 1000.0,
        gaps[gaps.len() * 9 / 10] as f64 / 1000.0,
        timing.session_lengths.len(),
        timing.session_lengths.iter().map(|&x| f64::from(x)).sum::<f64>() / timing.session_lengths.len() as f64
    );
    println!();
    println!(
        "{:<50} {:>8} {:>8} {:>10} {:>10} {:>9}",
        "attack scenario", "docs med", "docs max", "contain", "time med", "throttles"
    );
    for r in rows {
        let docs: Vec<f64> = r.outcomes.iter().map(|o| o.obtained as f64).collect();
        let contained = r
            .outcomes
            .iter()
            .filter(|o| o.containment_ms.is_some())
            .count();
        let times: Vec<f64> = r
            .outcomes
            .iter()
            .filter_map(|o| o.containment_ms.map(|t| t as f64))
            .collect();
        let thr: u64 = r.outcomes.iter().map(|o| o.throttles).sum();
        println!(
            "{:<50} {:>8.0} {:>8.0} {:>7}/{:<2} {:>10} {:>9}",
            r.name,
            median(docs.clone()),
            docs.iter().copied().fold(0.0, f64::max),
            contained,
            r.outcomes.len(),
            fmt_ms(median(times)),
            thr
        );
    }
    println!();
    println!(
        "{:<34} {:>10} {:>10} {:>9} {:>8} {:>14} {:>10}",
        "benign members", "user-days", "active", "events", "alerts", "per 1k active", "bursts"
    );
    for (name, s) in [
        ("cold install (days 0-6)", cold),
        ("warming (days 7-27)", warm),
        ("steady state (days 28-55)", steady),
    ] {
        println!(
            "{:<34} {:>10} {:>10} {:>9} {:>8} {:>14.2} {:>4} ({} alerted, {} throttled)",
            name,
            s.user_days,
            s.active_user_days,
            s.events,
            s.alerts,
            1000.0 * s.alerts as f64 / s.active_user_days.max(1) as f64,
            s.bursts,
            s.bursts_alerted,
            s.bursts_throttled
        );
    }
    let all = [cold, warm, steady];
    let alerts: u64 = all.iter().map(|s| s.alerts).sum();
    let active: u64 = all.iter().map(|s| s.active_user_days).sum();
    let user_days: u64 = all.iter().map(|s| s.user_days).sum();
    let bursts: u64 = all.iter().map(|s| s.bursts).sum();
    let bursts_throttled: u64 = all.iter().map(|s| s.bursts_throttled).sum();
    println!();
    println!("goals:");
    let fast = rows[0]
        .outcomes
        .iter()
        .map(|o| o.obtained)
        .max()
        .unwrap_or(0);
    let slow = rows[2]
        .outcomes
        .iter()
        .map(|o| o.obtained)
        .max()
        .unwrap_or(0);
    let worst = |name: &str| {
        rows.iter()
            .filter(|r| r.name.starts_with(name))
            .flat_map(|r| r.outcomes.iter().map(|o| o.obtained))
            .max()
            .unwrap_or(0)
    };
    let persistent = worst("persistent");
    let small = worst("small community");
    let small_contained = rows
        .iter()
        .filter(|r| r.name.starts_with("small community"))
        .all(|r| r.outcomes.iter().all(|o| o.containment_ms.is_some()));
    let rate = 1000.0 * alerts as f64 / active.max(1) as f64;
    println!(
        "  fast scraper ≤ 25 documents (worst trial):       {fast:>6}  {}",
        ok(fast <= 25)
    );
    println!(
        "  low-and-slow ≤ 100 documents (worst trial):      {slow:>6}  {}",
        ok(slow <= 100)
    );
    println!(
        "  persistent ≤ 25 documents (worst trial):        {persistent:>6}  {}",
        ok(persistent <= 25)
    );
    println!(
        "  small community contained before it is taken:  {small:>6}  {} (of {SMALL_LIBRARY}, every trial contained: {small_contained})",
        ok(small_contained && u64::from(SMALL_LIBRARY) > small)
    );
    println!("  ≤ 1 false alert / 1,000 benign active user-days: {rate:>6.2}  {} ({alerts} alerts, {active} active user-days, {user_days} member-days)", ok(rate <= 1.0));
    println!("  no benign burst of 30 from one folder throttled: {bursts_throttled:>6}  {} ({bursts} bursts)", ok(bursts_throttled == 0));
    for s in all {
        for (k, v) in &s.by_reason {
            println!("  false alert top reason {k}: {v}");
        }
        for e in &s.examples {
            println!("  e.g. {e}");
        }
    }
    println!();
    for r in rows {
        let per: Vec<String> = r.outcomes.iter().map(|o| o.obtained.to_string()).collect();
        println!("{}: documents per trial {}", r.name, per.join(" "));
    }
    println!();
    for r in rows {
        if let Some(o) = r.outcomes.iter().max_by_key(|o| o.obtained) {
            println!("{}: {}", r.name, truncate(&o.how, 400));
        }
    }
    println!();
    println!(
        "{} guard decisions, {:.1} s",
        h.assessed,
        started.elapsed().as_secs_f64()
    );
}

fn ok(b: bool) -> &'static str {
    if b {
        "met"
    } else {
        "NOT MET"
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}
