//! The audit trail. Every sign-in, listing, view, download, upload, denial
//! and admin change becomes an [`AuditEvent`], appended through the
//! [`AuditSink`] trait and durable before the response is sent.
//!
//! The trait is deliberately small: the tamper-evident Merkle log replaces
//! the table-backed implementation here without touching any caller.

use crate::Result;
use serde::Serialize;

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
    /// The stored word.
    pub fn as_str(self) -> &'static str {
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

/// AuditEvents operations of a storage backend.
#[async_trait::async_trait]
pub trait AuditEvents: Send + Sync {
    /// Reads events back in sequence order.
    async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>>;

    /// Reads events back in sequence order, only those with a sequence
    /// number below `before_seq` when given: with [`AuditFilter::limit`],
    /// the page of events just older than `before_seq`, for paginating
    /// backwards through the trail.
    async fn audit_events_before(
        &self,
        filter: &AuditFilter,
        before_seq: Option<u64>,
    ) -> Result<Vec<AuditEvent>>;
}
