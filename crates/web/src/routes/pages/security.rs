//! The security console: the audit timeline with filters (account,
//! document, kind, time), the latest signed checkpoint of the audit log,
//! and the outcome of the last verification with a button to run one now.
//!
//! Only principals the policy allows to investigate (security officers and
//! administrators) see it; to everyone else it does not exist (404), and the
//! attempt is audited. Every view is itself audited, with its filter.

use super::{may, rejected, render, Nav, PageUser};
use crate::{
    auth::Authenticated,
    error::{AppError, PageError},
    state::AppState,
};
use askama::Template;
use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    response::{IntoResponse, Redirect, Response},
};
use rampart_app::{guard, Origin};
use rampart_domain::Action;
use rampart_store::{
    auditlog::{self, StoredCheckpoint, VerificationRecord},
    event_time, AuditEvent, AuditFilter, Outcome,
};
use rampart_tlog::VerifierList;
use serde::Deserialize;
use serde_json::json;
use std::fmt::Write as _;
use time::{
    format_description::well_known::Rfc3339, macros::format_description, Date, Duration,
    OffsetDateTime, PrimitiveDateTime,
};

/// Events per page unless the filter asks otherwise.
const DEFAULT_LIMIT: u32 = 200;
/// The most events one page shows.
const MAX_LIMIT: u32 = 1000;
/// Longest filter value accepted (events must stay small).
const MAX_FILTER_LEN: usize = 256;

/// Event kinds offered as suggestions in the filter form.
const KNOWN_KINDS: &[&str] = &[
    "login",
    "logout",
    "password_change",
    "csrf",
    "token",
    "portal",
    "list",
    "view",
    "download",
    "upload",
    "admin.portal_add",
    "admin.community_add",
    "admin.account_add",
    "admin.member_set",
    "admin.member_remove",
    "admin.token_add",
    "admin.token_revoke",
    "audit.view",
    "audit.verify",
    "guard",
    "guard.step_up",
    "guard.unlock",
    "guard.keep_locked",
    "guard.alerts",
    "canary.plant",
    "canary.set",
    "canary.list",
];

/// The latest signed checkpoint, for display.
#[derive(Debug, Clone)]
pub struct CheckpointItem {
    /// Tree size.
    pub size: u64,
    /// Root hash, base64.
    pub root: String,
    /// When it was signed.
    pub time: String,
    /// The signed note, verbatim.
    pub note: String,
}

impl CheckpointItem {
    fn of(cp: &StoredCheckpoint) -> Self {
        CheckpointItem {
            size: cp.size,
            root: cp.root.to_base64(),
            time: format_ms(cp.created_at),
            note: cp.signed.clone(),
        }
    }
}

/// The last verification, for display.
#[derive(Debug, Clone)]
pub struct VerificationItem {
    /// When it ran.
    pub time: String,
    /// Whether everything held.
    pub ok: bool,
    /// Entries checked.
    pub entries: u64,
    /// The first problem, when it failed.
    pub problem: Option<String>,
}

impl VerificationItem {
    fn of(v: &VerificationRecord) -> Self {
        VerificationItem {
            time: format_ms(v.time),
            ok: v.ok,
            entries: v.entries,
            problem: v.problem.clone(),
        }
    }
}

/// An audit event as a row of the timeline.
#[derive(Debug, Clone)]
pub struct EventItem {
    /// Sequence number (leaf index in the log).
    pub seq: u64,
    /// RFC 3339 UTC time, as logged.
    pub time: String,
    /// What happened.
    pub kind: String,
    /// `ok`, `denied` or `failed`.
    pub outcome: &'static str,
    /// Acting account, or empty.
    pub account: String,
    /// Origin address, or empty.
    pub ip: String,
    /// Document id, or empty.
    pub document: String,
    /// `/d/{id}` when there is a document.
    pub document_href: Option<String>,
    /// Download id, or empty.
    pub download: String,
    /// The detail object as compact JSON.
    pub detail: String,
}

impl EventItem {
    fn of(e: AuditEvent) -> Self {
        let outcome = match e.outcome {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        };
        EventItem {
            seq: e.seq,
            time: e.time,
            kind: e.kind,
            outcome,
            account: e.account.unwrap_or_default(),
            ip: e.ip.unwrap_or_default(),
            document_href: e.document.as_deref().map(|d| format!("/d/{}", encode(d))),
            document: e.document.unwrap_or_default(),
            download: e.download.unwrap_or_default(),
            detail: e.detail.to_string(),
        }
    }
}

/// What the filter form shows: the values as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterForm {
    /// Account email.
    pub account: String,
    /// Document id.
    pub document: String,
    /// Event kind.
    pub kind: String,
    /// Lower time bound as typed.
    pub since: String,
    /// Upper time bound as typed.
    pub until: String,
    /// Events per page.
    pub limit: u32,
}

/// `GET /security`
#[derive(Template)]
#[template(path = "security.html")]
pub struct SecurityConsolePage {
    /// Header navigation.
    pub nav: Nav,
    /// Open alerts of the exfiltration guard, newest first.
    pub alerts: Vec<AlertItem>,
    /// The latest signed checkpoint, if any.
    pub checkpoint: Option<CheckpointItem>,
    /// The last verification, if any ran.
    pub verification: Option<VerificationItem>,
    /// The filter as typed.
    pub filter: FilterForm,
    /// Whether any filter is set (other than the page size).
    pub filtered: bool,
    /// Suggestions for the kind field.
    pub kinds: &'static [&'static str],
    /// Matching events, newest first.
    pub events: Vec<EventItem>,
    /// Whether this page starts below the newest events.
    pub paged: bool,
    /// Link to the newest matching events.
    pub newest: String,
    /// Link to the next older page, when there is one.
    pub older: Option<String>,
}

/// An open alert of the exfiltration guard, for display: one per account
/// and episode, with everything the episode gathered.
#[derive(Debug, Clone)]
pub struct AlertItem {
    /// Key (for the unlock and keep-locked forms).
    pub id: i64,
    /// When it was raised.
    pub time: String,
    /// When the episode last added to it.
    pub updated: String,
    /// The account.
    pub account: String,
    /// `critical`, `high` or `medium`.
    pub severity: String,
    /// The strongest decision of the episode.
    pub decision: String,
    /// Refused requests counted.
    pub decisions: i64,
    /// The reasons in words.
    pub reasons: Vec<String>,
    /// Credentials, addresses and user agents used, in words.
    pub sources: Vec<String>,
    /// Titles of the documents the requests were for.
    pub documents: Vec<String>,
    /// The timeline filtered to the account.
    pub activity: String,
}

impl AlertItem {
    fn of(a: rampart_store::AlertRow) -> Self {
        let mut sources = a.credentials;
        sources.extend(a.ips.into_iter().map(|ip| format!("from {ip}")));
        sources.extend(a.user_agents.into_iter().map(|ua| format!("as \"{ua}\"")));
        AlertItem {
            id: a.id,
            time: event_time(a.time),
            updated: event_time(a.updated),
            activity: format!("/security?account={}", encode(&a.account)),
            account: a.account,
            severity: a.severity,
            decision: a.decision,
            decisions: a.decisions,
            reasons: a.reasons,
            sources,
            documents: a.documents.into_iter().map(|d| d.title).collect(),
        }
    }
}

/// `GET /security` query. Every field is optional and an empty one (as an
/// empty form field sends) means no filter.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleQuery {
    account: Option<String>,
    document: Option<String>,
    kind: Option<String>,
    since: Option<String>,
    until: Option<String>,
    limit: Option<String>,
    before_seq: Option<String>,
}

/// A checked query: what the form shows, and what the store is asked.
#[derive(Debug, Clone)]
struct Timeline {
    form: FilterForm,
    filter: AuditFilter,
    before_seq: Option<u64>,
}

/// Which end of a time range a typed time bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    /// At or after.
    Since,
    /// Up to and including what was typed (a whole day for a date, a
    /// whole minute for a time without seconds).
    Until,
}

/// Parses a typed time into the [`event_time`] format. Accepts a date
/// (`2024-03-05`), a `datetime-local` value (`2024-03-05T10:30`, optionally
/// with seconds), taken as UTC, or a full RFC 3339 time.
fn parse_bound(raw: &str, bound: Bound) -> Option<String> {
    if let Ok(t) = OffsetDateTime::parse(raw, &Rfc3339) {
        return Some(event_time(t));
    }
    let seconds = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let minutes = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let day = format_description!("[year]-[month]-[day]");
    let (start, span) = if let Ok(t) = PrimitiveDateTime::parse(raw, seconds) {
        (t, Duration::SECOND)
    } else if let Ok(t) = PrimitiveDateTime::parse(raw, minutes) {
        (t, Duration::MINUTE)
    } else if let Ok(d) = Date::parse(raw, day) {
        (d.midnight(), Duration::DAY)
    } else {
        return None;
    };
    let start = start.assume_utc();
    let t = match bound {
        Bound::Since => start,
        Bound::Until => start.checked_add(span)?,
    };
    Some(event_time(t))
}

/// A trimmed field, `None` when empty, refused when too long.
fn field(value: Option<String>, name: &str) -> Result<Option<String>, AppError> {
    let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    match value {
        Some(v) if v.len() > MAX_FILTER_LEN => Err(AppError::BadRequest(format!(
            "the {name} filter is too long"
        ))),
        v => Ok(v),
    }
}

impl Timeline {
    fn parse(query: ConsoleQuery) -> Result<Self, AppError> {
        let account = field(query.account, "account")?.map(|a| a.to_lowercase());
        let document = field(query.document, "document")?;
        let kind = field(query.kind, "kind")?;
        let since_raw = field(query.since, "since")?;
        let until_raw = field(query.until, "until")?;
        let since = since_raw
            .as_deref()
            .map(|s| {
                parse_bound(s, Bound::Since).ok_or_else(|| {
                    AppError::BadRequest(format!(
                        "since: {s:?} is not a date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM)"
                    ))
                })
            })
            .transpose()?;
        let until = until_raw
            .as_deref()
            .map(|s| {
                parse_bound(s, Bound::Until).ok_or_else(|| {
                    AppError::BadRequest(format!(
                        "until: {s:?} is not a date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM)"
                    ))
                })
            })
            .transpose()?;
        let limit = match field(query.limit, "limit")? {
            None => DEFAULT_LIMIT,
            Some(l) => match l.parse::<u32>() {
                Ok(0) | Err(_) => {
                    return Err(AppError::BadRequest(format!(
                        "limit: expected a number from 1 to {MAX_LIMIT}"
                    )))
                }
                Ok(n) => n.min(MAX_LIMIT),
            },
        };
        let before_seq = field(query.before_seq, "before_seq")?
            .map(|s| {
                s.parse::<u64>()
                    .map_err(|_| AppError::BadRequest("before_seq: expected a number".into()))
            })
            .transpose()?;
        let form = FilterForm {
            account: account.clone().unwrap_or_default(),
            document: document.clone().unwrap_or_default(),
            kind: kind.clone().unwrap_or_default(),
            since: since_raw.unwrap_or_default(),
            until: until_raw.unwrap_or_default(),
            limit,
        };
        Ok(Timeline {
            form,
            filter: AuditFilter {
                account,
                document,
                kind,
                since,
                until,
                limit: Some(limit),
            },
            before_seq,
        })
    }

    /// The filter as recorded in the `audit.view` event: only what is set.
    fn describe(&self) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        let f = &self.filter;
        for (name, value) in [
            ("account", &f.account),
            ("document", &f.document),
            ("kind", &f.kind),
            ("since", &f.since),
            ("until", &f.until),
        ] {
            if let Some(v) = value {
                out.insert(name.into(), json!(v));
            }
        }
        out.insert("limit".into(), json!(self.form.limit));
        if let Some(seq) = self.before_seq {
            out.insert("before_seq".into(), json!(seq));
        }
        serde_json::Value::Object(out)
    }

    /// `/security?…` with this filter, starting below `before_seq`.
    fn link(&self, before_seq: Option<u64>) -> String {
        let f = &self.form;
        let mut query = String::new();
        for (name, value) in [
            ("account", f.account.as_str()),
            ("document", &f.document),
            ("kind", &f.kind),
            ("since", &f.since),
            ("until", &f.until),
        ] {
            if !value.is_empty() {
                let _ = write!(query, "{name}={}&", encode(value));
            }
        }
        let _ = write!(query, "limit={}", f.limit);
        if let Some(seq) = before_seq {
            let _ = write!(query, "&before_seq={seq}");
        }
        format!("/security?{query}")
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Unix milliseconds as `YYYY-MM-DD HH:MM:SS UTC`.
fn format_ms(ms: i64) -> String {
    match OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => format!("{ms} ms"),
    }
}

/// Lets investigators through; for anyone else the console does not exist
/// (404), and the attempt is audited as a denied `kind`.
async fn require_investigator(
    state: &AppState,
    user: &Authenticated,
    client: &Origin,
    kind: &str,
) -> Result<(), PageError> {
    if may(user, Action::Investigate) {
        return Ok(());
    }
    state
        .record(state.event_for(user, client, kind, Outcome::Denied))
        .await?;
    Err(PageError(AppError::NotFound))
}

/// `GET /security`
pub async fn show_console(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    query: Result<Query<ConsoleQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    require_investigator(&state, &user, &client, "audit.view").await?;
    let Query(query) = query.map_err(|e| rejected(e.status(), e.body_text()))?;
    let timeline = Timeline::parse(query)?;

    // The view is on disk before anything of the trail is shown.
    let mut event = state.event_for(&user, &client, "audit.view", Outcome::Ok);
    event.detail = json!({ "filter": timeline.describe() });
    state.record(event).await?;

    let alerts = state
        .store
        .alerts(false, 100)
        .await?
        .into_iter()
        .map(AlertItem::of)
        .collect();
    let checkpoint = state.store.latest_checkpoint().await?;
    let verification = state.store.last_verification().await?;
    // One more than shown, to know whether there is an older page.
    let limit = timeline.form.limit;
    let probe = AuditFilter {
        limit: Some(limit + 1),
        ..timeline.filter.clone()
    };
    let mut events = state
        .store
        .audit_events_before(&probe, timeline.before_seq)
        .await?;
    let mut older = None;
    if events.len() > limit as usize {
        events.remove(0);
        older = events.first().map(|e| timeline.link(Some(e.seq)));
    }
    let events: Vec<EventItem> = events.into_iter().rev().map(EventItem::of).collect();
    let f = &timeline.filter;
    let page = SecurityConsolePage {
        nav: Nav::of(&user),
        alerts,
        checkpoint: checkpoint.as_ref().map(CheckpointItem::of),
        verification: verification.as_ref().map(VerificationItem::of),
        filtered: f.account.is_some()
            || f.document.is_some()
            || f.kind.is_some()
            || f.since.is_some()
            || f.until.is_some(),
        filter: timeline.form.clone(),
        kinds: KNOWN_KINDS,
        events,
        paged: timeline.before_seq.is_some(),
        newest: timeline.link(None),
        older,
    };
    Ok(render(&page))
}

/// The first problem is kept to a line or so; events must stay small.
fn shorten(problem: String) -> String {
    const MAX: usize = 1000;
    if problem.len() <= MAX {
        return problem;
    }
    let mut end = MAX;
    while !problem.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &problem[..end])
}

/// `POST /security/verify`: recomputes the whole log from the stored
/// entries and checks every stored checkpoint, records the outcome, audits
/// the run, and goes back to the console.
pub async fn verify_now(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    require_investigator(&state, &user, &client, "audit.verify").await?;
    let now = state.clock.now();
    let now_ms = i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
    let verifiers = VerifierList::from(state.log_verifier());
    let mut record =
        match auditlog::verify_log(&state.store, &verifiers, state.log.origin(), None).await {
            Ok(report) => report.record(now_ms),
            Err(e) => {
                tracing::error!(
                    request_id = %crate::middleware::current_request_id(),
                    error = %e,
                    "audit verification could not complete"
                );
                VerificationRecord {
                    time: now_ms,
                    ok: false,
                    entries: 0,
                    problem: Some(format!("verification could not complete: {e}")),
                }
            }
        };
    record.problem = record.problem.map(shorten);
    state.store.record_verification(&record).await?;
    let outcome = if record.ok {
        Outcome::Ok
    } else {
        Outcome::Failed
    };
    let mut event = state.event_for(&user, &client, "audit.verify", outcome);
    event.detail = json!({
        "ok": record.ok,
        "entries": record.entries,
        "problem": record.problem,
    });
    state.record(event).await?;
    Ok(Redirect::to("/security").into_response())
}

/// `POST /security/alerts/{id}/unlock`: unlocks the alert's account (and
/// closes its open alerts), then back to the console.
pub async fn unlock_alert(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    require_investigator(&state, &user, &client, "guard.unlock").await?;
    let alert = state.store.alert(id).await?.ok_or(AppError::NotFound)?;
    guard::unlock(&state, &user, &client, &alert.account).await?;
    Ok(Redirect::to("/security").into_response())
}

/// `POST /security/alerts/{id}/close`: keeps the account locked and closes
/// the alert, then back to the console.
pub async fn keep_locked(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    guard::keep_locked(&state, &user, &client, id).await?;
    Ok(Redirect::to("/security").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_times_become_event_times() {
        assert_eq!(
            parse_bound("2024-03-05", Bound::Since).as_deref(),
            Some("2024-03-05T00:00:00.000Z")
        );
        assert_eq!(
            parse_bound("2024-03-05", Bound::Until).as_deref(),
            Some("2024-03-06T00:00:00.000Z"),
            "a date includes its whole day"
        );
        assert_eq!(
            parse_bound("2024-03-05T10:30", Bound::Until).as_deref(),
            Some("2024-03-05T10:31:00.000Z")
        );
        assert_eq!(
            parse_bound("2024-03-05T10:30:15", Bound::Since).as_deref(),
            Some("2024-03-05T10:30:15.000Z")
        );
        assert_eq!(
            parse_bound("2024-03-05T12:30:00+02:00", Bound::Since).as_deref(),
            Some("2024-03-05T10:30:00.000Z")
        );
        for bad in [
            "yesterday",
            "2024-13-01",
            "2024-03-05T25:00",
            "05/03/2024",
            "",
        ] {
            assert_eq!(parse_bound(bad, Bound::Since), None, "{bad}");
        }
    }

    #[test]
    fn queries_are_checked_and_links_keep_the_filter() -> Result<(), AppError> {
        let t = Timeline::parse(ConsoleQuery {
            account: Some(" Ann@Example.org ".into()),
            kind: Some("login".into()),
            since: Some("".into()),
            limit: Some("5000".into()),
            ..Default::default()
        })?;
        assert_eq!(t.filter.account.as_deref(), Some("ann@example.org"));
        assert_eq!(t.filter.since, None, "empty fields are no filter");
        assert_eq!(t.form.limit, MAX_LIMIT);
        assert_eq!(
            t.link(Some(42)),
            "/security?account=ann%40example.org&kind=login&limit=1000&before_seq=42"
        );
        let default = Timeline::parse(ConsoleQuery::default())?;
        assert_eq!(default.form.limit, DEFAULT_LIMIT);
        for bad in [
            ConsoleQuery {
                since: Some("tomorrow".into()),
                ..Default::default()
            },
            ConsoleQuery {
                limit: Some("0".into()),
                ..Default::default()
            },
            ConsoleQuery {
                before_seq: Some("-1".into()),
                ..Default::default()
            },
            ConsoleQuery {
                account: Some("a".repeat(300)),
                ..Default::default()
            },
        ] {
            assert!(matches!(Timeline::parse(bad), Err(AppError::BadRequest(_))));
        }
        Ok(())
    }

    #[test]
    fn document_links_are_encoded() {
        assert_eq!(encode("abc-123"), "abc-123");
        assert_eq!(encode("../x y"), "..%2Fx%20y");
    }
}
