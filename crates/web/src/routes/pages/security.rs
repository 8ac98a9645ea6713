//! The security console: the audit timeline with filters (account,
//! document, kind, time), the latest signed checkpoint of the audit log,
//! and the outcome of the last verification with a button to run one now.
//!
//! Only principals the policy allows to investigate (security officers and
//! administrators) see it; to everyone else it does not exist (404), and the
//! attempt is audited. Every view is itself audited, with its filter.

use super::{rejected, render, Nav, PageUser};
use crate::{error::PageError, state::AppState};
use askama::Template;
use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    response::{IntoResponse, Redirect, Response},
};
use rampart_app::{guard, security, AuditKind, Origin};

use rampart_store::{
    auditlog::{StoredCheckpoint, VerificationRecord},
    event_time, AuditEvent, Outcome,
};

use super::security_filter::{encode, ConsoleQuery, FilterForm, Timeline};
use time::OffsetDateTime;

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
    pub kinds: &'static [AuditKind],
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

/// `GET /security`
pub async fn show_console(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    query: Result<Query<ConsoleQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    // Refused before the filter is read: a bad filter from someone who may
    // not see the console must not tell them it exists.
    guard::require_investigator(&state, &user, &client, AuditKind::AuditView).await?;
    let Query(query) = query.map_err(|e| rejected(e.status(), e.body_text()))?;
    let timeline = Timeline::parse(query)?;
    let view = security::console(
        &state,
        &user,
        &client,
        &timeline.filter,
        &timeline.describe(),
        timeline.before_seq,
        timeline.form.limit,
    )
    .await?;
    let older = view.older_than.map(|seq| timeline.link(Some(seq)));
    let alerts = view.alerts.into_iter().map(AlertItem::of).collect();
    let checkpoint = view.checkpoint;
    let verification = view.verification;
    let events: Vec<EventItem> = view.events.into_iter().map(EventItem::of).collect();
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
        kinds: AuditKind::ALL,
        events,
        paged: timeline.before_seq.is_some(),
        newest: timeline.link(None),
        older,
    };
    Ok(render(&page))
}

/// `POST /security/verify`: recomputes the whole log from the stored
/// entries and checks every stored checkpoint, records the outcome, audits
/// the run, and goes back to the console.
pub async fn verify_now(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    security::verify_log(&state, &user, &client).await?;
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
    security::unlock_alert(&state, &user, &client, id).await?;
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
