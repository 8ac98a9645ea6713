//! Time as a plain value.
//!
//! The guard never reads a clock: every decision is a function of the state and of the
//! event's own timestamp. This keeps the engine deterministic (tests drive it with a fake
//! clock, the simulator replays weeks in seconds) and lets several server nodes share one
//! persisted state without agreeing on anything but the event time.

use serde::{Deserialize, Serialize};

/// Milliseconds in one second.
pub const SECOND_MS: i64 = 1_000;
/// Milliseconds in one minute.
pub const MINUTE_MS: i64 = 60 * SECOND_MS;
/// Milliseconds in one hour.
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
/// Milliseconds in one day.
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// A point in time: milliseconds since the Unix epoch, UTC.
///
/// Convert from `time::OffsetDateTime` with
/// `Timestamp((dt.unix_timestamp_nanos() / 1_000_000) as i64)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// A timestamp from whole seconds since the epoch.
    pub const fn from_secs(secs: i64) -> Self {
        Timestamp(secs * SECOND_MS)
    }

    /// Milliseconds since the epoch.
    pub const fn millis(self) -> i64 {
        self.0
    }

    /// This instant plus `ms` milliseconds (saturating).
    pub const fn plus_ms(self, ms: i64) -> Self {
        Timestamp(self.0.saturating_add(ms))
    }

    /// Milliseconds from `earlier` to `self` (negative if `earlier` is later).
    pub const fn since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// Days since the epoch (UTC calendar days).
    pub const fn day(self) -> i64 {
        self.0.div_euclid(DAY_MS)
    }

    /// Hour of the day, 0–23, UTC.
    pub const fn hour_utc(self) -> usize {
        (self.0.rem_euclid(DAY_MS) / HOUR_MS) as usize
    }
}

/// Human-readable span for reasons ("3 min", "2.5 h", "4 days").
pub(crate) fn describe_ms(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < MINUTE_MS {
        format!("{:.1} s", ms as f64 / SECOND_MS as f64)
    } else if ms < HOUR_MS {
        format!("{} min", ms / MINUTE_MS)
    } else if ms < 2 * DAY_MS {
        format!("{:.1} h", ms as f64 / HOUR_MS as f64)
    } else {
        format!("{} days", ms / DAY_MS)
    }
}
