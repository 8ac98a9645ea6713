//! The security console: the audit timeline with filters (account,
//! document, kind, time), the latest signed checkpoint of the audit log,
//! and the outcome of the last verification with a button to run one now.
//!
//! Only principals the policy allows to investigate (security officers and
//! administrators) see it; to everyone else it does not exist (404), and the
//! attempt is audited. Every view is itself audited, with its filter.

use super::{capitalised, rejected, render, render_with, Nav, PageUser};
use crate::{
    auth::Authenticated,
    error::{AppError, PageError},
    state::AppState,
};
use askama::Template;
use axum::{
    extract::{
        rejection::{FormRejection, QueryRejection},
        Path, Query, State,
    },
    response::{IntoResponse, Redirect, Response},
    Form,
};
use rampart_app::{guard, security, AuditKind, Origin};
use serde::Deserialize;
use std::collections::HashMap;

use rampart_store::{
    auditlog::{StoredCheckpoint, VerificationRecord},
    AuditEvent,
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
    /// The document's title, or empty (none named, or deleted since).
    pub title: String,
    /// `/d/{id}` when there is a document.
    pub document_href: Option<String>,
    /// Download id, or empty.
    pub download: String,
    /// The detail object as compact JSON.
    pub detail: String,
}

impl EventItem {
    fn of(e: AuditEvent, titles: &HashMap<String, String>) -> Self {
        let outcome = e.outcome.as_str();
        EventItem {
            seq: e.seq,
            time: readable(&e.time),
            kind: e.kind,
            outcome,
            account: e.account.unwrap_or_default(),
            ip: e.ip.unwrap_or_default(),
            document_href: e.document.as_deref().map(|d| format!("/d/{}", encode(d))),
            title: e
                .document
                .as_ref()
                .and_then(|d| titles.get(d))
                .cloned()
                .unwrap_or_default(),
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
    /// The filtered timeline as CSV and as JSON.
    pub export_csv: String,
    /// See `export_csv`.
    pub export_json: String,
    /// A review refused: the alert, why, and the note as typed.
    pub review: Option<ReviewError>,
}

/// A review form sent back: which alert's, why, and what was typed.
#[derive(Debug, Clone)]
pub struct ReviewError {
    /// The alert.
    pub alert: i64,
    /// Why it was refused.
    pub message: String,
    /// The note as typed.
    pub note: String,
}

impl SecurityConsolePage {
    /// The note typed for `alert`'s review forms, if one was sent back.
    pub fn typed_note(&self, alert: &i64) -> &str {
        match &self.review {
            Some(r) if r.alert == *alert => &r.note,
            _ => "",
        }
    }

    /// Why `alert`'s review was refused, if it was.
    pub fn review_error(&self, alert: &i64) -> Option<&str> {
        match &self.review {
            Some(r) if r.alert == *alert => Some(&r.message),
            _ => None,
        }
    }
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
            time: format_seconds(a.time),
            updated: format_seconds(a.updated),
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

/// An event time (`2026-12-04T23:06:55.577Z`) as people read it:
/// `2026-12-04 23:06:55 UTC`. Anything else is shown as stored.
fn readable(time: &str) -> String {
    match (time.get(..10), time.get(11..19), time.get(10..11)) {
        (Some(date), Some(clock), Some("T")) if time.ends_with('Z') => {
            format!("{date} {clock} UTC")
        }
        _ => time.to_owned(),
    }
}

/// A time as `YYYY-MM-DD HH:MM:SS UTC`.
fn format_seconds(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Unix milliseconds as `YYYY-MM-DD HH:MM:SS UTC`.
fn format_ms(ms: i64) -> String {
    match OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) {
        Ok(t) => format_seconds(t),
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
    let page = console_page(&state, &user, &client, query, None).await?;
    Ok(render(&page))
}

/// The console as `query` filters it, with a refused review if any.
async fn console_page(
    state: &AppState,
    user: &Authenticated,
    client: &Origin,
    query: ConsoleQuery,
    review: Option<ReviewError>,
) -> Result<SecurityConsolePage, PageError> {
    let timeline = Timeline::parse(query)?;
    let view = security::console(
        state,
        user,
        client,
        &timeline.filter,
        &timeline.describe(),
        timeline.before_seq,
        timeline.form.limit,
    )
    .await?;
    let older = view.older_than.map(|seq| timeline.link(Some(seq)));
    let alerts = view.alerts.into_iter().map(AlertItem::of).collect();
    let titles = view.titles;
    let events: Vec<EventItem> = view
        .events
        .into_iter()
        .map(|e| EventItem::of(e, &titles))
        .collect();
    let f = &timeline.filter;
    Ok(SecurityConsolePage {
        nav: Nav::of(user),
        alerts,
        checkpoint: view.checkpoint.as_ref().map(CheckpointItem::of),
        verification: view.verification.as_ref().map(VerificationItem::of),
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
        export_csv: timeline.export_link("csv"),
        export_json: timeline.export_link("json"),
        review,
    })
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

/// `POST /security/alerts/{id}/unlock` and `…/close` body: the officer's
/// note on the decision (required; it goes into the audit event).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewForm {
    note: String,
}

/// After a review: back to the console, or the console again with the
/// reason beside the alert's forms and the note as typed.
async fn after_review(
    state: &AppState,
    user: &Authenticated,
    client: &Origin,
    id: i64,
    note: String,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to("/security").into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let review = ReviewError {
                alert: id,
                message: capitalised(&e.to_string()),
                note,
            };
            let page =
                console_page(state, user, client, ConsoleQuery::default(), Some(review)).await?;
            Ok(render_with(crate::error::status(&e), &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /security/alerts/{id}/unlock`: unlocks the alert's account (and
/// closes its open alerts), then back to the console.
pub async fn unlock_alert(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    form: Result<Form<ReviewForm>, FormRejection>,
) -> Result<Response, PageError> {
    // Refused before the form is read, so that nobody else learns it exists.
    guard::require_investigator(&state, &user, &client, AuditKind::GuardUnlock).await?;
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    let result = security::unlock_alert(&state, &user, &client, id, Some(&form.note)).await;
    after_review(&state, &user, &client, id, form.note, result).await
}

/// `POST /security/alerts/{id}/close`: keeps the account locked and closes
/// the alert, then back to the console.
pub async fn keep_locked(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    form: Result<Form<ReviewForm>, FormRejection>,
) -> Result<Response, PageError> {
    // Refused before the form is read, so that nobody else learns it exists.
    guard::require_investigator(&state, &user, &client, AuditKind::GuardKeepLocked).await?;
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    let result = guard::keep_locked(&state, &user, &client, id, Some(&form.note))
        .await
        .map(|_| ());
    after_review(&state, &user, &client, id, form.note, result).await
}
