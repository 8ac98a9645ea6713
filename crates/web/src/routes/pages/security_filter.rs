//! The security console's filter: the query as typed, checked and turned
//! into an [`AuditFilter`], and the links that keep it across pages.

use crate::error::AppError;
use rampart_store::{event_time, AuditFilter};
use serde::Deserialize;
use serde_json::json;
use std::fmt::Write as _;
use time::{
    format_description::well_known::Rfc3339, macros::format_description, Date, Duration,
    OffsetDateTime, PrimitiveDateTime,
};

/// Events per page unless the filter asks otherwise.
const DEFAULT_LIMIT: u32 = 50;
/// The most events one page shows.
const MAX_LIMIT: u32 = 1000;
/// Longest filter value accepted (events must stay small).
const MAX_FILTER_LEN: usize = 256;

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
pub(super) struct Timeline {
    pub(super) form: FilterForm,
    pub(super) filter: AuditFilter,
    pub(super) before_seq: Option<u64>,
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
    pub(super) fn parse(query: ConsoleQuery) -> Result<Self, AppError> {
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
    pub(super) fn describe(&self) -> serde_json::Value {
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
    pub(super) fn link(&self, before_seq: Option<u64>) -> String {
        let mut query = self.filter_query();
        let _ = write!(query, "limit={}", self.form.limit);
        if let Some(seq) = before_seq {
            let _ = write!(query, "&before_seq={seq}");
        }
        format!("/security?{query}")
    }

    /// `/security/export.{format}?…` with this filter (all pages).
    pub(super) fn export_link(&self, format: &str) -> String {
        let query = self.filter_query();
        format!(
            "/security/export.{format}{}{}",
            if query.is_empty() { "" } else { "?" },
            query.trim_end_matches('&')
        )
    }

    /// The set filter fields as `name=value&…`.
    fn filter_query(&self) -> String {
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
        query
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub(super) fn encode(value: &str) -> String {
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
        assert_eq!(
            t.export_link("csv"),
            "/security/export.csv?account=ann%40example.org&kind=login"
        );
        let default = Timeline::parse(ConsoleQuery::default())?;
        assert_eq!(default.form.limit, DEFAULT_LIMIT);
        assert_eq!(default.export_link("json"), "/security/export.json");
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
