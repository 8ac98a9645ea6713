//! Behaviour and identity features: each turns one observation into points and a reason.
//!
//! Features are deliberately simple, bounded and explainable: every point on the score
//! comes with a sentence a security officer can check against the audit log. The table
//! of features and weights is in the crate documentation.

use crate::budgets::Limits;
use crate::clock::{describe_ms, Timestamp, MINUTE_MS};
use crate::decision::{Reason, ReasonCode, ScoringConfig, Severity};
use crate::event::{Event, EventKind};
use crate::peers::{role_busy_day, secs, IpState, PeerBaseline};
use crate::state::{ip_key, prefix_key, ua_key, PrincipalState};

/// Gap that ends a session for the regularity feature.
const SESSION_GAP_MS: i64 = 30 * MINUTE_MS;
/// Listing pages older than this no longer count as part of a walk.
const WALK_GAP_MS: i64 = 30 * MINUTE_MS;

fn scale(max: u32, x: f64) -> u32 {
    (f64::from(max) * x.clamp(0.0, 1.0)).round() as u32
}

fn reason(code: ReasonCode, points: u32, text: String) -> Reason {
    Reason {
        code,
        severity: Severity::Warning,
        points,
        text,
    }
}

/// Identity features: is this really the account's owner? Cleared by a passed step-up
/// (which confirms the IP and user agent).
pub(crate) fn identity(
    cfg: &ScoringConfig,
    state: &PrincipalState,
    peers: &PeerBaseline,
    ip_state: &mut IpState,
    event: &Event,
) -> Vec<Reason> {
    let mut out = Vec::new();
    let now = event.at;
    let cold = state.is_cold();
    let factor = if cold { cfg.cold_identity_factor } else { 1.0 };
    let weight = |w: u32| (f64::from(w) * factor).round() as u32;

    let ip = state.ips.get(ip_key(&event.ip));
    if !ip.is_some_and(|s| s.established()) {
        let prefix_known = state
            .prefixes
            .get(prefix_key(&event.ip))
            .is_some_and(|s| s.established());
        let points = weight(if prefix_known { 6 } else { 15 });
        let since = ip.map_or(String::from("first use"), |s| {
            format!("first used {} ago", describe_ms(now.since(s.first)))
        });
        let net = if prefix_known {
            "its network is known"
        } else {
            "unknown network"
        };
        out.push(reason(
            ReasonCode::NewIp,
            points,
            format!("new IP address {} ({since}, {net})", event.ip),
        ));
        if ip.is_none() && !cold {
            let n = ip_state.newcomer(&event.principal, now);
            if n >= 3 {
                out.push(reason(
                    ReasonCode::SharedIp,
                    (10 * (n as u32 - 2)).min(30),
                    format!(
                        "{n} accounts used {} for the first time within 24 hours",
                        event.ip
                    ),
                ));
            }
        }
    }

    let ua = state.agents.get(ua_key(&event.user_agent));
    let new_ip = !ip.is_some_and(|s| s.established());
    let new_ua = !ua.is_some_and(|s| s.established());
    if event.kind == EventKind::Download && new_ip {
        // Volume taken from a context the owner never confirmed: what a stolen password
        // looks like. Per download in the last hour: 3 points from a new device on a new
        // address, 1 point from a new address only (at most 15).
        let n = state.downloads_hour.total() + 1;
        let (per, cap, what) = if new_ua {
            (3, 30, "an unconfirmed device and address")
        } else {
            (1, 15, "an unconfirmed address")
        };
        let points = weight((per * n).min(cap) as u32);
        if points > 0 {
            out.push(reason(
                ReasonCode::UnconfirmedVolume,
                points,
                format!("{n} downloads within an hour from {what}"),
            ));
        }
    }
    if new_ua {
        let since = ua.map_or(String::from("first use"), |s| {
            format!("first used {} ago", describe_ms(now.since(s.first)))
        });
        let shown: String = event.user_agent.chars().take(60).collect();
        out.push(reason(
            ReasonCode::NewUserAgent,
            weight(15),
            format!("new user agent \"{shown}\" ({since})"),
        ));
    }

    let h = now.hour_utc();
    let near = |hist: &[f32; 24]| hist[(h + 23) % 24] + hist[h] + hist[(h + 1) % 24];
    let own_total = state.hours_total();
    let peer_total: f32 = peers.hours.iter().sum();
    let profile = if own_total >= 30.0 {
        Some((near(&state.hours) / own_total, 10, "this account's"))
    } else if peer_total >= 200.0 {
        Some((near(&peers.hours) / peer_total, 6, "its peers'"))
    } else {
        None
    };
    if let Some((share, points, whose)) = profile {
        if share < 0.02 {
            out.push(reason(
                ReasonCode::UnusualHour,
                points,
                format!(
                    "activity at {h:02}h UTC, {:.1}% of {whose} usual activity is within an hour of it",
                    share * 100.0
                ),
            ));
        }
    }
    out
}

/// Usage of one budget including the request being assessed.
pub(crate) struct Usage {
    pub name: &'static str,
    pub used: u64,
    pub limit: u64,
    /// Milliseconds until the request would fit, if it does not.
    pub retry_ms: i64,
}

impl Usage {
    pub fn ratio(&self) -> f64 {
        self.used as f64 / self.limit.max(1) as f64
    }
}

/// Budget usage for the budgets this request draws on.
pub(crate) fn usage(state: &mut PrincipalState, limits: &Limits, event: &Event) -> Vec<Usage> {
    let now = event.at;
    let mut out = Vec::new();
    let mut push = |name, w: &crate::window::SlidingWindow, add: u64, limit: u64| {
        out.push(Usage {
            name,
            used: w.total() + add,
            limit,
            retry_ms: w.retry_after_ms(now, limit, add).unwrap_or(i64::MAX),
        });
    };
    match event.kind {
        EventKind::Download => {
            let l = limits;
            push(
                "downloads per minute",
                &state.downloads_minute,
                1,
                l.downloads_per_minute.into(),
            );
            push(
                "downloads per hour",
                &state.downloads_hour,
                1,
                l.downloads_per_hour.into(),
            );
            push(
                "downloads per day",
                &state.downloads_day,
                1,
                l.downloads_per_day.into(),
            );
            let b = event.bytes;
            push(
                "bytes per minute",
                &state.bytes_minute,
                b,
                l.bytes_per_minute,
            );
            push("bytes per hour", &state.bytes_hour, b, l.bytes_per_hour);
            push("bytes per day", &state.bytes_day, b, l.bytes_per_day);
        }
        EventKind::ListPage { .. } => {
            push(
                "listing pages per hour",
                &state.list_hour,
                1,
                limits.list_pages_per_hour.into(),
            );
        }
        EventKind::MetadataView => {
            let l = limits.metadata_views_per_hour.into();
            push("document views per hour", &state.views_hour, 1, l);
        }
        EventKind::ProfileViews { count } => {
            let l = limits.profile_views_per_hour.into();
            push(
                "profiles viewed per hour",
                &state.profiles_hour,
                count.into(),
                l,
            );
        }
    }
    if let (Some(doc), EventKind::Download | EventKind::MetadataView) = (event.document, event.kind)
    {
        let today = now.day();
        let key = crate::state::doc_key(&doc);
        let fresh = u64::from(!state.distinct.contains(key, today));
        let limit = limits.distinct_documents_per_7_days;
        let used = u64::from(state.distinct.count(today)) + fresh;
        let retry_ms = if used > u64::from(limit) {
            state.distinct.retry_after_ms(now, limit)
        } else {
            0
        };
        out.push(Usage {
            name: "distinct documents per 7 days",
            used,
            limit: limit.into(),
            retry_ms,
        });
    }
    out
}

/// Behaviour features: does this look like collection rather than work?
pub(crate) fn behaviour(
    cfg: &ScoringConfig,
    state: &PrincipalState,
    peers: &PeerBaseline,
    event: &Event,
    novel: Option<bool>,
    usage: &[Usage],
) -> Vec<Reason> {
    let mut out = Vec::new();
    let now = event.at;
    let role = event.role;

    // Budget pressure: approaching any budget raises suspicion before it trips.
    if let Some(u) = usage.iter().max_by(|a, b| a.ratio().total_cmp(&b.ratio())) {
        let r = u.ratio();
        if r > 0.6 && r <= 1.0 {
            out.push(reason(
                ReasonCode::BudgetPressure,
                scale(25, (r - 0.6) / 0.4),
                format!(
                    "{} of {} {} ({:.0}% of the {role} budget)",
                    u.used,
                    u.limit,
                    u.name,
                    r * 100.0
                ),
            ));
        }
    }

    // Regularity of inter-request times within the current session.
    let mut times: Vec<Timestamp> = state.requests.iter().copied().collect();
    times.push(now);
    let mut start = 0;
    for i in 1..times.len() {
        if times[i].since(times[i - 1]) > SESSION_GAP_MS {
            start = i;
        }
    }
    let gaps: Vec<f64> = times[start..]
        .windows(2)
        .map(|w| w[1].since(w[0]).max(0) as f64)
        .collect();
    if gaps.len() >= cfg.regularity_min_gaps as usize {
        let n = gaps.len() as f64;
        let mean = gaps.iter().sum::<f64>() / n;
        let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / n;
        let cv = if mean > 0.0 { var.sqrt() / mean } else { 0.0 };
        let points = scale(35, (0.5 - cv) / 0.35);
        if points > 0 {
            out.push(reason(
                ReasonCode::Regularity,
                points,
                format!(
                    "inter-request times as regular as a script: {} gaps, mean {:.1} s, coefficient of variation {cv:.2}",
                    gaps.len(),
                    secs(mean as i64)
                ),
            ));
        }
    }

    if event.kind == EventKind::Download {
        // Breadth: documents never opened before by this account nor by its peers.
        let mut total = 0u32;
        let mut fresh = 0u32;
        for d in state.downloads.iter() {
            total += 1;
            fresh += u32::from(d.novel);
        }
        if let Some(n) = novel {
            total += 1;
            fresh += u32::from(n);
        }
        // Meaningless on a new install: nothing was opened by anyone yet.
        if total >= 8 && peers.knows_library(now) {
            let share = f64::from(fresh) / f64::from(total);
            let points = scale(25, (share - 0.5) / 0.5);
            if points > 0 {
                out.push(reason(
                    ReasonCode::Breadth,
                    points,
                    format!(
                        "{fresh} of the last {total} documents downloaded were never opened before by this account or its peers"
                    ),
                ));
            }
        }

        // Downloads following a listing in id or date order.
        if let Some(doc) = event.document {
            let mut ids: Vec<u128> = state.downloads.iter().map(|d| d.document.0).collect();
            ids.push(doc.0);
            let mut dates: Vec<Option<Timestamp>> =
                state.downloads.iter().map(|d| d.created).collect();
            dates.push(event.document_created);
            let k = 10.min(ids.len());
            if k >= 10 {
                let ids = &ids[ids.len() - k..];
                let dates = &dates[dates.len() - k..];
                let by_id = monotone(ids);
                let by_date = dates.iter().all(Option::is_some) && {
                    let d: Vec<i64> = dates.iter().map(|d| d.map_or(0, |t| t.0)).collect();
                    monotone(&d)
                };
                if by_id || by_date {
                    let order = if by_id { "identifier" } else { "creation date" };
                    out.push(reason(
                        ReasonCode::OrderedDownloads,
                        10,
                        format!(
                            "the last {k} downloads follow {order} order, as a listing walk does"
                        ),
                    ));
                }
            }
        }

        // Rate against the account's own busiest day, its peers, or the role.
        let count = state.downloads_day.total() + 1;
        let own = (!state.is_cold()).then(|| f64::from(state.busiest_day()));
        let peer = peers.expected_busy_day();
        let floor = role_busy_day(role);
        let expected = own.unwrap_or(0.0).max(peer.unwrap_or(0.0)).max(floor);
        let basis = if own.is_some_and(|o| o >= expected) {
            "the account's busiest day in 4 weeks"
        } else if peer.is_some_and(|p| p >= expected) {
            "what its peers do on a busy day"
        } else {
            "the role's baseline"
        };
        let r = count as f64 / expected;
        let points = scale(15, r - 1.0);
        if points > 0 {
            out.push(reason(
                ReasonCode::Rate,
                points,
                format!("{count} downloads in 24 hours, {r:.1}× {basis} ({expected:.0})"),
            ));
        }
    }

    // Listing walk.
    let run = walk_run(state, event);
    if run >= 3 {
        out.push(reason(
            ReasonCode::ListWalk,
            (5 * (run - 2)).min(20),
            format!("walked {run} consecutive listing pages in order"),
        ));
    }
    out
}

/// Length of the listing walk including this request.
pub(crate) fn walk_run(state: &PrincipalState, event: &Event) -> u32 {
    let w = &state.walk;
    let recent = w.at.is_some_and(|t| event.at.since(t) <= WALK_GAP_MS);
    match event.kind {
        EventKind::ListPage { page } => {
            let same = w.community == crate::sketch::stable_hash(event.community.as_bytes());
            if recent && same && page == w.page.saturating_add(1) {
                w.run + 1
            } else {
                1
            }
        }
        _ if recent => w.run,
        _ => 0,
    }
}

fn monotone<T: PartialOrd>(xs: &[T]) -> bool {
    xs.windows(2).all(|w| w[0] < w[1]) || xs.windows(2).all(|w| w[0] > w[1])
}

/// Breadth against the visible library: most of what the account can see,
/// downloaded within an hour. A hard reason (it asks for a step-up whatever
/// the score), because in a small community every other feature stays quiet
/// until the library is gone.
pub(crate) fn library_share(
    cfg: &ScoringConfig,
    state: &PrincipalState,
    event: &Event,
) -> Option<Reason> {
    let (EventKind::Download, Some(doc), Some(visible)) =
        (event.kind, event.document, event.visible_documents)
    else {
        return None;
    };
    let taken = state.taken_within_hour(event.at, Some(crate::state::doc_key(&doc)));
    let share = u64::from(taken) * 100;
    if visible == 0
        || taken < cfg.library_share_min_documents
        || share < u64::from(cfg.library_share_percent) * u64::from(visible)
    {
        return None;
    }
    Some(Reason {
        code: ReasonCode::LibraryShare,
        severity: Severity::Warning,
        points: 0,
        text: format!(
            "{taken} of the {visible} documents the account can see downloaded within an hour ({}%)",
            share / u64::from(visible)
        ),
    })
}
