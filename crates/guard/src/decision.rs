//! The vocabulary of the guard's answers and its scoring configuration.
//!
//! Kept apart from the engine so the server, the audit log and the alert webhook can
//! share these types (all serde) without caring how a decision is reached.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::budgets::Budgets;
use crate::GuardError;

/// What to do with the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum Decision {
    /// Serve it.
    Allow,
    /// Ask for the second factor again, then repeat the request (after
    /// [`crate::Guard::record_step_up`]).
    StepUp,
    /// Refuse with 429 and `Retry-After`.
    Throttle {
        /// How long the client must wait.
        retry_after: Duration,
    },
    /// End every session and token of the account and lock it until a security officer
    /// unlocks it ([`crate::Guard::unlock`]).
    Suspend,
}

impl Decision {
    /// Short name: `allow`, `step_up`, `throttle`, `suspend`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::StepUp => "step_up",
            Decision::Throttle { .. } => "throttle",
            Decision::Suspend => "suspend",
        }
    }
}

/// How serious a reason is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Contributes to the score.
    Warning,
    /// A hard limit was reached.
    High,
    /// Suspends on its own (canary, persistent abuse).
    Critical,
}

/// Machine-readable kind of a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// A canary document was accessed.
    Canary,
    /// The account is already suspended.
    Suspended,
    /// The client kept requesting while throttled.
    IgnoredThrottle,
    /// Too many throttles in the strike window.
    RepeatedThrottle,
    /// Too many failed step-ups.
    StepUpFailed,
    /// A budget would be exceeded by this request.
    BudgetExceeded,
    /// A budget is nearly used up.
    BudgetPressure,
    /// IP address not established for the account.
    NewIp,
    /// User agent not established for the account.
    NewUserAgent,
    /// Many downloads from an IP address (and user agent) not yet established.
    UnconfirmedVolume,
    /// Hour of day unusual for the account (or its peers).
    UnusualHour,
    /// Several established accounts used this IP for the first time recently.
    SharedIp,
    /// Inter-request times are machine-regular.
    Regularity,
    /// Most recent downloads were never opened by the account or its peers.
    Breadth,
    /// Consecutive listing pages walked in order.
    ListWalk,
    /// Downloads follow id or date order.
    OrderedDownloads,
    /// Downloads in 24 hours well above the expected busiest day.
    Rate,
    /// Most of the documents the account can see taken within an hour.
    LibraryShare,
    /// The account is held until its owner confirms the second factor.
    Held,
}

/// One reason, in words, with its weight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// Kind of reason.
    pub code: ReasonCode,
    /// Severity.
    pub severity: Severity,
    /// Points added to the score (0 for hard rules).
    pub points: u32,
    /// Sentence for the security console, e.g. "61 of 60 downloads per hour (102% of the
    /// reader budget)".
    pub text: String,
}

/// The guard's answer for one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// What to do.
    pub decision: Decision,
    /// Total score (identity + behaviour) of the request.
    pub score: u32,
    /// Every reason that contributed, strongest first.
    pub reasons: Vec<Reason>,
}

/// How urgently a security officer should look at a decision: every
/// decision other than allow raises (or updates) an alert of this severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertSeverity {
    /// A step-up was asked: the owner may simply confirm.
    Medium,
    /// Throttled: a budget or the score said stop.
    High,
    /// Suspended (a canary, a persistent scrape, failed step-ups).
    Critical,
}

impl AlertSeverity {
    /// `medium`, `high` or `critical`, as stored and shown.
    pub const fn as_str(self) -> &'static str {
        match self {
            AlertSeverity::Medium => "medium",
            AlertSeverity::High => "high",
            AlertSeverity::Critical => "critical",
        }
    }

    /// Parses [`AlertSeverity::as_str`]; older stores said `warning` for
    /// what is now `medium`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "medium" | "warning" => Some(AlertSeverity::Medium),
            "high" => Some(AlertSeverity::High),
            "critical" => Some(AlertSeverity::Critical),
            _ => None,
        }
    }
}

impl Assessment {
    /// The severity of the alert this decision raises; `None` for allow.
    pub fn alert_severity(&self) -> Option<AlertSeverity> {
        match self.decision {
            Decision::Allow => None,
            Decision::StepUp => Some(AlertSeverity::Medium),
            Decision::Throttle { .. } => Some(AlertSeverity::High),
            Decision::Suspend => Some(AlertSeverity::Critical),
        }
    }

    /// Whether the decision is [`Decision::Allow`].
    pub fn allowed(&self) -> bool {
        self.decision == Decision::Allow
    }

    /// The reasons as one line: "throttle (score 72): reason; reason".
    pub fn summary(&self) -> String {
        let texts: Vec<&str> = self.reasons.iter().map(|r| r.text.as_str()).collect();
        format!(
            "{} (score {}): {}",
            self.decision.as_str(),
            self.score,
            texts.join("; ")
        )
    }
}

/// Score thresholds and escalation rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScoringConfig {
    /// Score at which the second factor is asked again.
    pub step_up_at: u32,
    /// Score at which requests are throttled.
    pub throttle_at: u32,
    /// Score at which the account is suspended.
    pub suspend_at: u32,
    /// `Retry-After` of a score throttle, in seconds.
    pub throttle_secs: u64,
    /// After a passed step-up, no new step-up is asked for this many hours.
    pub step_up_grace_hours: u32,
    /// Throttles (budget or score) within the strike window that suspend the account.
    pub strikes_to_suspend: u32,
    /// Strike window, in hours.
    pub strike_window_hours: u32,
    /// Requests made while throttled that suspend the account.
    pub ignored_throttle_to_suspend: u32,
    /// Failed step-ups in a row that suspend the account.
    pub failed_step_ups_to_suspend: u32,
    /// Requests refused while the account is held for a step-up that suspend
    /// the account: a scraper that ignores the refusal is not let to probe
    /// on.
    pub held_requests_to_suspend: u32,
    /// Share (percent) of the documents an account can see that, downloaded
    /// within an hour, asks for a step-up whatever the score: a small
    /// library must not go whole in seconds.
    pub library_share_percent: u32,
    /// ...once at least this many distinct documents were downloaded within
    /// the hour (a member reading a five-document community is no scrape).
    pub library_share_min_documents: u32,
    /// Minimum inter-request gaps before regularity is judged.
    pub regularity_min_gaps: u32,
    /// Factor on new-IP/new-agent points while the account has no history.
    pub cold_identity_factor: f64,
}

impl Default for ScoringConfig {
    fn default() -> Self {
        ScoringConfig {
            step_up_at: 50,
            throttle_at: 80,
            suspend_at: 120,
            throttle_secs: 600,
            step_up_grace_hours: 8,
            strikes_to_suspend: 3,
            strike_window_hours: 7 * 24,
            ignored_throttle_to_suspend: 20,
            failed_step_ups_to_suspend: 3,
            held_requests_to_suspend: 10,
            library_share_percent: 50,
            library_share_min_documents: 10,
            regularity_min_gaps: 8,
            cold_identity_factor: 0.5,
        }
    }
}

impl ScoringConfig {
    pub(crate) fn validate(&self) -> Result<(), GuardError> {
        if !(self.step_up_at <= self.throttle_at && self.throttle_at <= self.suspend_at) {
            return Err(GuardError::InvalidConfig(
                "scoring thresholds must satisfy step_up_at <= throttle_at <= suspend_at".into(),
            ));
        }
        if self.strikes_to_suspend == 0
            || self.failed_step_ups_to_suspend == 0
            || self.held_requests_to_suspend == 0
        {
            return Err(GuardError::InvalidConfig(
                "strikes_to_suspend, failed_step_ups_to_suspend and held_requests_to_suspend must be at least 1".into(),
            ));
        }
        if !(1..=100).contains(&self.library_share_percent) {
            return Err(GuardError::InvalidConfig(
                "library_share_percent must be between 1 and 100".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.cold_identity_factor) {
            return Err(GuardError::InvalidConfig(
                "cold_identity_factor must be between 0 and 1".into(),
            ));
        }
        Ok(())
    }
}

/// The whole guard configuration (`[guard]` in `rampart.toml`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GuardConfig {
    /// Budgets per role, community and account.
    pub budgets: Budgets,
    /// Score thresholds and escalation.
    pub scoring: ScoringConfig,
}
