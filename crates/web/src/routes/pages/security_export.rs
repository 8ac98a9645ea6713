//! The security console's export: the filtered timeline as CSV (for a
//! spreadsheet) or JSON (for scripts), as an attachment. The same filter as
//! the console; at most `security::EXPORT_LIMIT` events, newest first.
//!
//! Titles, accounts and user agents in the log are typed by whoever the
//! log records, attackers included, so CSV cells that a spreadsheet would
//! run as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) are
//! prefixed with `'` (OWASP's advice on CSV injection).

use super::security_filter::{ConsoleQuery, Timeline};
use super::{rejected, PageUser};
use crate::{error::PageError, state::AppState};
use axum::{
    extract::{rejection::QueryRejection, Query, State},
    http::header,
    response::{IntoResponse, Response},
};
use rampart_app::{guard, security, AuditKind, Origin};
use rampart_store::AuditEvent;
use serde_json::json;
use std::collections::HashMap;

/// The two formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Json,
}

/// `GET /security/export.csv`
pub async fn export_csv(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    query: Result<Query<ConsoleQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    export(state, client, user, query, Format::Csv).await
}

/// `GET /security/export.json`
pub async fn export_json(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    query: Result<Query<ConsoleQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    export(state, client, user, query, Format::Json).await
}

/// The filtered timeline as a file in `format`.
async fn export(
    state: AppState,
    client: Origin,
    user: crate::auth::Authenticated,
    query: Result<Query<ConsoleQuery>, QueryRejection>,
    format: Format,
) -> Result<Response, PageError> {
    // Refused before the filter is read, as the console is.
    guard::require_investigator(&state, &user, &client, AuditKind::AuditExport).await?;
    let Query(query) = query.map_err(|e| rejected(e.status(), e.body_text()))?;
    let timeline = Timeline::parse(query)?;
    let mut described = timeline.describe();
    if let Some(map) = described.as_object_mut() {
        // The page size and position are the console's, not the export's.
        map.remove("limit");
        map.remove("before_seq");
    }
    let name = if format == Format::Csv { "csv" } else { "json" };
    let filter = rampart_store::AuditFilter {
        limit: None,
        ..timeline.filter.clone()
    };
    let (events, titles, cut) =
        security::export(&state, &user, &client, &filter, &described, name).await?;
    let stamp = state.clock.now();
    let filename = format!(
        "rampart-audit-{:04}{:02}{:02}-{:02}{:02}{:02}.{name}",
        stamp.year(),
        u8::from(stamp.month()),
        stamp.day(),
        stamp.hour(),
        stamp.minute(),
        stamp.second()
    );
    let (content_type, body) = match format {
        Format::Csv => ("text/csv; charset=utf-8", csv(&events, &titles)),
        Format::Json => (
            "application/json",
            serde_json::to_string_pretty(&json!({
                "filter": described,
                "exported_at": rampart_store::event_time(stamp),
                "exported_by": user.email.as_str(),
                "cut": cut,
                "limit": security::EXPORT_LIMIT,
                "events": events.iter().map(|e| event_json(e, &titles)).collect::<Vec<_>>(),
            }))
            .unwrap_or_default(),
        ),
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

fn event_json(e: &AuditEvent, titles: &HashMap<String, String>) -> serde_json::Value {
    json!({
        "seq": e.seq,
        "time": e.time,
        "kind": e.kind,
        "outcome": e.outcome.as_str(),
        "account": e.account,
        "session": e.session,
        "ip": e.ip,
        "document": e.document,
        "title": e.document.as_ref().and_then(|d| titles.get(d)),
        "version": e.version,
        "download": e.download,
        "detail": e.detail,
    })
}

const CSV_HEADER: &str =
    "seq,time,kind,outcome,account,session,ip,document,title,version,download,detail\r\n";

/// The events as RFC 4180 CSV, one row each, newest first.
fn csv(events: &[AuditEvent], titles: &HashMap<String, String>) -> String {
    let mut out = String::from(CSV_HEADER);
    for e in events {
        let title = e.document.as_ref().and_then(|d| titles.get(d));
        let cells = [
            e.seq.to_string(),
            e.time.clone(),
            e.kind.clone(),
            e.outcome.as_str().to_owned(),
            e.account.clone().unwrap_or_default(),
            e.session.clone().unwrap_or_default(),
            e.ip.clone().unwrap_or_default(),
            e.document.clone().unwrap_or_default(),
            title.cloned().unwrap_or_default(),
            e.version.map(|v| v.to_string()).unwrap_or_default(),
            e.download.clone().unwrap_or_default(),
            if e.detail == json!({}) {
                String::new()
            } else {
                e.detail.to_string()
            },
        ];
        let row: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// One CSV cell: defused against formulas, quoted when it must be.
fn cell(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_store::Outcome;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-2"), "'-2");
    }

    #[test]
    fn rows_carry_titles_and_detail() {
        let event = AuditEvent {
            seq: 7,
            time: "2026-12-04T10:00:00.000Z".into(),
            kind: "download".into(),
            account: Some("ann@example.org".into()),
            session: None,
            ip: Some("192.0.2.1".into()),
            document: Some("doc1".into()),
            version: Some(2),
            download: Some("dl1".into()),
            outcome: Outcome::Ok,
            detail: json!({"scheme": "pdf"}),
        };
        let titles = HashMap::from([("doc1".to_owned(), "Plan, draft".to_owned())]);
        let text = csv(&[event], &titles);
        let mut lines = text.split("\r\n");
        assert_eq!(lines.next(), Some(CSV_HEADER.trim_end()));
        assert_eq!(
            lines.next(),
            Some("7,2026-12-04T10:00:00.000Z,download,ok,ann@example.org,,192.0.2.1,doc1,\"Plan, draft\",2,dl1,\"{\"\"scheme\"\":\"\"pdf\"\"}\"")
        );
    }
}
