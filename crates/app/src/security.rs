//! The security console's use cases: the audit trail with its filter, the
//! latest checkpoint and verification, and verifying the whole log now.
//! Only investigators (security officers and administrators) reach them;
//! to anyone else they do not exist, and the attempt is audited. Every
//! view is itself audited, with its filter, before anything is shown.

use crate::{guard::require_investigator, identity::Authenticated, App, AuditKind, Error, Origin};
use rampart_domain::DocumentId;
use rampart_store::{
    auditlog::{self, StoredCheckpoint, VerificationRecord},
    AlertRow, AuditEvent, AuditFilter, Outcome,
};
use rampart_tlog::VerifierList;
use serde_json::json;
use std::collections::HashMap;

/// One page of the console.
#[derive(Debug)]
pub struct ConsoleView {
    /// The latest open alerts, newest first.
    pub alerts: Vec<AlertRow>,
    /// The latest signed checkpoint.
    pub checkpoint: Option<StoredCheckpoint>,
    /// The last verification of the whole log.
    pub verification: Option<VerificationRecord>,
    /// The page of the trail, oldest first.
    pub events: Vec<AuditEvent>,
    /// The sequence number to page back from, when there are older events.
    pub older_than: Option<u64>,
    /// The titles of the documents the page's events name, by id (a
    /// document deleted since has none).
    pub titles: HashMap<String, String>,
}

/// The console: its filter (`described` in words for the audit event),
/// `limit` events before `before_seq` (the newest without it).
pub async fn console(
    state: &App,
    user: &Authenticated,
    origin: &Origin,
    filter: &AuditFilter,
    described: &serde_json::Value,
    before_seq: Option<u64>,
    limit: u32,
) -> Result<ConsoleView, Error> {
    require_investigator(state, user, origin, AuditKind::AuditView).await?;
    let mut event = state.event_for(user, origin, AuditKind::AuditView, Outcome::Ok);
    event.detail = json!({ "filter": described });
    state.record(event).await?;

    let alerts = state.store.alerts(false, 100).await?;
    let checkpoint = state.store.latest_checkpoint().await?;
    let verification = state.store.last_verification().await?;
    // One more than shown, to know whether there is an older page.
    let probe = AuditFilter {
        limit: Some(limit + 1),
        ..filter.clone()
    };
    let mut events = state.store.audit_events_before(&probe, before_seq).await?;
    let mut older_than = None;
    if events.len() > limit as usize {
        events.remove(0);
        older_than = events.first().map(|e| e.seq);
    }
    events.reverse();
    let titles = titles_of(state, &events).await?;
    Ok(ConsoleView {
        alerts,
        checkpoint,
        verification,
        events,
        older_than,
        titles,
    })
}

/// The titles of the documents `events` name, one read per distinct id.
async fn titles_of(state: &App, events: &[AuditEvent]) -> Result<HashMap<String, String>, Error> {
    let mut titles = HashMap::new();
    for id in events.iter().filter_map(|e| e.document.as_deref()) {
        if titles.contains_key(id) {
            continue;
        }
        let Ok(doc) = id.parse::<DocumentId>() else {
            continue;
        };
        if let Some(row) = state.store.document(doc).await? {
            titles.insert(id.to_owned(), row.title);
        }
    }
    Ok(titles)
}

/// The most events one export holds; a longer trail is exported in parts
/// by narrowing the filter (the time range).
pub const EXPORT_LIMIT: u32 = 10_000;

/// The trail as the filter selects it, newest first, at most
/// [`EXPORT_LIMIT`] events, with the titles of the documents it names;
/// audited (with the filter and the count) before it is returned. The
/// third value says whether older events were left out.
pub async fn export(
    state: &App,
    user: &Authenticated,
    origin: &Origin,
    filter: &AuditFilter,
    described: &serde_json::Value,
    format: &str,
) -> Result<(Vec<AuditEvent>, HashMap<String, String>, bool), Error> {
    require_investigator(state, user, origin, AuditKind::AuditExport).await?;
    let probe = AuditFilter {
        limit: Some(EXPORT_LIMIT + 1),
        ..filter.clone()
    };
    let mut events = state.store.audit_events_before(&probe, None).await?;
    let cut = events.len() > EXPORT_LIMIT as usize;
    if cut {
        events.remove(0);
    }
    events.reverse();
    let mut event = state.event_for(user, origin, AuditKind::AuditExport, Outcome::Ok);
    event.detail = json!({
        "filter": described,
        "format": format,
        "events": events.len(),
        "cut": cut,
    });
    state.record(event).await?;
    let titles = titles_of(state, &events).await?;
    Ok((events, titles, cut))
}

/// Recomputes the whole log from the stored entries and checks every
/// stored checkpoint, records the outcome and audits the run.
pub async fn verify_log(
    state: &App,
    user: &Authenticated,
    origin: &Origin,
) -> Result<VerificationRecord, Error> {
    require_investigator(state, user, origin, AuditKind::AuditVerify).await?;
    let now = state.clock.now();
    let now_ms = i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
    let verifiers = VerifierList::from(state.log_verifier());
    let mut record =
        match auditlog::verify_log(&state.store, &verifiers, state.log.origin(), None).await {
            Ok(report) => report.record(now_ms),
            Err(e) => {
                tracing::error!(error = %e, "audit verification could not complete");
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
    let mut event = state.event_for(user, origin, AuditKind::AuditVerify, outcome);
    event.detail = json!({
        "ok": record.ok,
        "entries": record.entries,
        "problem": record.problem,
    });
    state.record(event).await?;
    Ok(record)
}

/// Unlocks the account of alert `id` (and closes its open alerts), with
/// the officer's note.
pub async fn unlock_alert(
    state: &App,
    user: &Authenticated,
    origin: &Origin,
    id: i64,
    note: Option<&str>,
) -> Result<(), Error> {
    require_investigator(state, user, origin, AuditKind::GuardUnlock).await?;
    let alert = state.store.alert(id).await?.ok_or(Error::NotFound)?;
    crate::guard::unlock(state, user, origin, &alert.account, note)
        .await
        .map(|_| ())
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
