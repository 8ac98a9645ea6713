//! Alerts for security officers: one per account and episode.
//!
//! Every decision of the guard other than allow (and every credential
//! stuffing the sign-in throttle detects) raises an alert. A scrape is an
//! episode, not one event: the decisions that follow the first while its
//! alert is open (and was last updated within the episode window) update
//! that alert — its severity and decision only ever rise, and the reasons,
//! credentials, addresses, user agents and documents gathered are added to
//! it — so that an officer reads one alert that tells the whole story
//! instead of a hundred that each tell one request.

use crate::Result;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// A document an alert's episode touched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertDocument {
    /// Its id.
    pub id: String,
    /// Its title when the alert was raised.
    pub title: String,
}

/// One decision to raise an alert for, or to add to the open one.
#[derive(Debug, Clone)]
pub struct AlertUpdate {
    /// When.
    pub time: OffsetDateTime,
    /// The account's email (or what the sign-in throttle names).
    pub account: String,
    /// `medium`, `high` or `critical`.
    pub severity: String,
    /// The decision: `step_up`, `throttle` or `suspend`.
    pub decision: String,
    /// Reasons in words (may be empty when the decision only repeats an
    /// earlier one of the episode).
    pub reasons: Vec<String>,
    /// The credential used: a token's name or a session.
    pub credential: Option<String>,
    /// Client address.
    pub ip: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// The document the request was for, if any.
    pub document: Option<AlertDocument>,
}

/// An alert as stored.
#[derive(Debug, Clone)]
pub struct AlertRow {
    /// Key.
    pub id: i64,
    /// When it was raised.
    pub time: OffsetDateTime,
    /// When the episode last added to it.
    pub updated: OffsetDateTime,
    /// The account's email.
    pub account: String,
    /// Client address of the request that raised it.
    pub ip: Option<String>,
    /// The highest severity of the episode: `critical`, `high` or `medium`.
    pub severity: String,
    /// The strongest decision of the episode.
    pub decision: String,
    /// Decisions the episode counted (refused requests).
    pub decisions: i64,
    /// The reasons in words, in the order they were first given.
    pub reasons: Vec<String>,
    /// Credentials used in the episode.
    pub credentials: Vec<String>,
    /// Client addresses of the episode.
    pub ips: Vec<String>,
    /// User agents of the episode.
    pub user_agents: Vec<String>,
    /// Documents the episode's requests were for.
    pub documents: Vec<AlertDocument>,
    /// `open` or `closed`.
    pub state: String,
    /// Who closed it.
    pub resolved_by: Option<String>,
    /// When it was closed.
    pub resolved_at: Option<OffsetDateTime>,
}

/// What [`Store::raise_alert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertChange {
    /// A new alert: a new episode.
    Raised,
    /// The open alert's severity or decision rose.
    Escalated,
    /// The open alert gathered more of the same.
    Updated,
}

/// At most this many reasons are kept on one alert (the first ones: what
/// started the episode matters most).
const MAX_REASONS: usize = 40;
/// At most this many credentials, addresses and user agents.
const MAX_SOURCES: usize = 20;
/// At most this many documents.
const MAX_DOCUMENTS: usize = 100;

fn severity_rank(severity: &str) -> u8 {
    match severity {
        "critical" => 3,
        "high" => 2,
        _ => 1,
    }
}

fn decision_rank(decision: &str) -> u8 {
    match decision {
        "suspend" => 3,
        "throttle" => 2,
        "step_up" => 1,
        _ => 0,
    }
}

fn add_unique<T: PartialEq>(list: &mut Vec<T>, item: T, cap: usize) {
    if list.len() < cap && !list.contains(&item) {
        list.push(item);
    }
}

/// Adds one decision to an open alert; says whether it escalated.
pub fn merge_update(alert: &mut AlertRow, update: &AlertUpdate) -> AlertChange {
    let mut change = AlertChange::Updated;
    if severity_rank(&update.severity) > severity_rank(&alert.severity) {
        alert.severity = update.severity.clone();
        change = AlertChange::Escalated;
    }
    if decision_rank(&update.decision) > decision_rank(&alert.decision) {
        alert.decision = update.decision.clone();
        change = AlertChange::Escalated;
    }
    alert.updated = update.time;
    alert.decisions = alert.decisions.saturating_add(1);
    for reason in &update.reasons {
        add_unique(&mut alert.reasons, reason.clone(), MAX_REASONS);
    }
    let sources = [
        (&mut alert.credentials, &update.credential),
        (&mut alert.ips, &update.ip),
        (&mut alert.user_agents, &update.user_agent),
    ];
    for (list, item) in sources {
        if let Some(item) = item {
            add_unique(list, item.clone(), MAX_SOURCES);
        }
    }
    if let Some(doc) = &update.document {
        if !alert.documents.iter().any(|d| d.id == doc.id) {
            add_unique(&mut alert.documents, doc.clone(), MAX_DOCUMENTS);
        }
    }
    change
}

pub fn open_episode(update: &AlertUpdate) -> AlertRow {
    let mut alert = AlertRow {
        id: 0,
        time: update.time,
        updated: update.time,
        account: update.account.clone(),
        ip: update.ip.clone(),
        severity: update.severity.clone(),
        decision: update.decision.clone(),
        decisions: 0,
        reasons: Vec::new(),
        credentials: Vec::new(),
        ips: Vec::new(),
        user_agents: Vec::new(),
        documents: Vec::new(),
        state: "open".into(),
        resolved_by: None,
        resolved_at: None,
    };
    merge_update(&mut alert, update);
    alert
}

/// Alerts operations of a storage backend.
#[async_trait::async_trait]
pub trait Alerts: Send + Sync {
    /// Raises an alert for `update`, or adds it to the account's open alert
    /// when that was updated within `episode`; returns the alert as it now
    /// stands and what changed. One immediate transaction, so concurrent
    /// decisions (and nodes) add to one alert instead of each raising one.
    async fn raise_alert(
        &self,
        update: &AlertUpdate,
        episode: Duration,
    ) -> Result<(AlertRow, AlertChange)>;

    /// Alerts, newest first: only open ones unless `all`, at most `limit`.
    async fn alerts(&self, all: bool, limit: u32) -> Result<Vec<AlertRow>>;

    /// One alert by id.
    async fn alert(&self, id: i64) -> Result<Option<AlertRow>>;

    /// Closes one open alert; returns whether it was open.
    async fn close_alert(&self, id: i64, by: &str, now: OffsetDateTime) -> Result<bool>;

    /// Closes every open alert of an account; returns how many.
    async fn close_alerts_of(&self, account: &str, by: &str, now: OffsetDateTime) -> Result<u64>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(severity: &str, decision: &str, reason: &str) -> AlertUpdate {
        AlertUpdate {
            time: OffsetDateTime::UNIX_EPOCH,
            account: "ann@example.org".into(),
            severity: severity.into(),
            decision: decision.into(),
            reasons: vec![reason.into()],
            credential: Some("token scraper".into()),
            ip: Some("192.0.2.1".into()),
            user_agent: Some("curl/8".into()),
            document: Some(AlertDocument {
                id: "d1".into(),
                title: "Plan".into(),
            }),
        }
    }

    #[test]
    fn an_episode_only_rises_and_gathers_without_repeating() {
        let mut alert = open_episode(&update("medium", "step_up", "score 55"));
        assert_eq!(alert.decisions, 1);
        let mut same = update("medium", "step_up", "score 55");
        same.credential = Some("session 1a2b".into());
        assert_eq!(merge_update(&mut alert, &same), AlertChange::Updated);
        assert_eq!(alert.reasons, ["score 55"]);
        assert_eq!(alert.credentials, ["token scraper", "session 1a2b"]);
        assert_eq!(alert.documents.len(), 1);
        let worse = update("critical", "suspend", "10 requests while held");
        assert_eq!(merge_update(&mut alert, &worse), AlertChange::Escalated);
        // A later, milder decision does not lower what the episode reached.
        assert_eq!(
            merge_update(&mut alert, &update("high", "throttle", "budget")),
            AlertChange::Updated
        );
        assert_eq!(
            (alert.severity.as_str(), alert.decision.as_str()),
            ("critical", "suspend")
        );
        assert_eq!(alert.reasons.len(), 3);
        assert_eq!(alert.decisions, 4);
        for i in 0..200 {
            merge_update(&mut alert, &update("high", "throttle", &format!("r{i}")));
        }
        assert_eq!(alert.reasons.len(), MAX_REASONS);
        assert_eq!(alert.reasons[0], "score 55");
    }
}
