//! The audit trail. Every sign-in, listing, view, download, upload, denial
//! and admin change becomes an [`AuditEvent`], appended through the
//! [`AuditSink`] trait and durable before the response is sent.
//!
//! The trait is deliberately small: the tamper-evident Merkle log replaces
//! the table-backed implementation here without touching any caller.

use crate::{Result, Store};
use serde::Serialize;
use sqlx::Row;

/// The one time format of audit events: RFC 3339, UTC, always with
/// milliseconds, so that times compare correctly as strings.
pub fn event_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Done.
    Ok,
    /// Refused by policy (or by missing authentication).
    Denied,
    /// Attempted and failed (bad credentials, bad input).
    Failed,
}

impl Outcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// One audit event; serialises to the canonical JSON of DESIGN.md §7 (field
/// order fixed by declaration order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEvent {
    /// Sequence number, assigned by the sink (0 before appending).
    pub seq: u64,
    /// RFC 3339 UTC time.
    pub time: String,
    /// What happened: `login`, `list`, `view`, `download`, `upload`, …
    pub kind: String,
    /// Email of the acting account, if known.
    pub account: Option<String>,
    /// Session or token id.
    pub session: Option<String>,
    /// Client address.
    pub ip: Option<String>,
    /// Document id.
    pub document: Option<String>,
    /// Version number.
    pub version: Option<i64>,
    /// Download id.
    pub download: Option<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// Anything else, as a JSON object.
    pub detail: serde_json::Value,
}

/// Where audit events go. Implementations must make the event durable
/// before returning.
#[async_trait::async_trait]
pub trait AuditSink: Send + Sync + std::fmt::Debug {
    /// Appends an event durably and returns its sequence number.
    async fn append(&self, event: AuditEvent) -> Result<u64>;
}

/// Which events to read back.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this account's events.
    pub account: Option<String>,
    /// Only this document's events.
    pub document: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only events at or after this time (an [`event_time`] string).
    pub since: Option<String>,
    /// Only events before this time (an [`event_time`] string).
    pub until: Option<String>,
    /// At most this many (newest last).
    pub limit: Option<u32>,
}

impl Store {
    /// Reads events back in sequence order.
    pub async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>> {
        self.audit_events_before(filter, None).await
    }

    /// Reads events back in sequence order, only those with a sequence
    /// number below `before_seq` when given: with [`AuditFilter::limit`],
    /// the page of events just older than `before_seq`, for paginating
    /// backwards through the trail.
    pub async fn audit_events_before(
        &self,
        filter: &AuditFilter,
        before_seq: Option<u64>,
    ) -> Result<Vec<AuditEvent>> {
        let before = before_seq.map(|s| i64::try_from(s).unwrap_or(i64::MAX));
        let rows = sqlx::query(
            "SELECT * FROM (SELECT * FROM audit_events
               WHERE (?1 IS NULL OR account = ?1) AND (?2 IS NULL OR document = ?2) AND (?3 IS NULL OR kind = ?3)
                 AND (?5 IS NULL OR time >= ?5) AND (?6 IS NULL OR time < ?6)
                 AND (?7 IS NULL OR seq < ?7)
               ORDER BY seq DESC LIMIT ?4) ORDER BY seq",
        )
        .bind(&filter.account)
        .bind(&filter.document)
        .bind(&filter.kind)
        .bind(filter.limit.map(i64::from).unwrap_or(-1))
        .bind(&filter.since)
        .bind(&filter.until)
        .bind(before)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let outcome = match r.try_get::<String, _>("outcome")?.as_str() {
                    "ok" => Outcome::Ok,
                    "denied" => Outcome::Denied,
                    _ => Outcome::Failed,
                };
                let detail: String = r.try_get("detail")?;
                Ok(AuditEvent {
                    seq: u64::try_from(r.try_get::<i64, _>("seq")?).unwrap_or_default(),
                    time: r.try_get("time")?,
                    kind: r.try_get("kind")?,
                    account: r.try_get("account")?,
                    session: r.try_get("session")?,
                    ip: r.try_get("ip")?,
                    document: r.try_get("document")?,
                    version: r.try_get("version")?,
                    download: r.try_get("download")?,
                    outcome,
                    detail: serde_json::from_str(&detail)
                        .map_err(|e| crate::Error::Corrupt(format!("audit detail: {e}")))?,
                })
            })
            .collect()
    }
}
