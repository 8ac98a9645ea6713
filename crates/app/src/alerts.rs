//! Alerts for security officers: stored for the console and the API, written
//! as one ECS (Elastic Common Schema) JSON line on stdout, and POSTed to
//! `[guard] webhook_url` (retried with exponential backoff).
//!
//! One alert per account and episode (see `rampart_store::AlertChange`): a
//! decision that only adds to an open alert updates it in the store, and
//! only a new alert or an escalation (a higher severity or a stronger
//! decision) is written to the log line and the webhook again, so that a
//! scraper refused a hundred times pages an officer once or twice, not a
//! hundred times.

use crate::{context::App, error::Error, Origin};
use futures_util::future::BoxFuture;
use rampart_domain::Clock;
use rampart_guard::AlertSeverity;
use rampart_identity::AlertChannel;
use rampart_store::Store;
use rampart_store::{AlertChange, AlertDocument, AlertRow, AlertUpdate};
use serde_json::{json, Value};
use std::sync::Arc;
use std::{sync::OnceLock, time::Duration};

/// A decision adds to the account's open alert when that was last updated
/// within this long; later, it starts a new episode.
pub const EPISODE: time::Duration = time::Duration::hours(24);

/// One decision to alert on.
pub struct Alerting<'a> {
    /// The account (its email), or what the sign-in throttle names.
    pub account: &'a str,
    /// How urgent.
    pub severity: AlertSeverity,
    /// `step_up`, `throttle` or `suspend`.
    pub decision: &'a str,
    /// New reasons in words.
    pub reasons: Vec<String>,
    /// The credential, as [`crate::identity::Authenticated::credential_name`].
    pub credential: Option<String>,
    /// The client.
    pub client: &'a Origin,
    /// The document the request was for.
    pub document: Option<AlertDocument>,
}

/// Where alerts are stored and published: the guard's decisions and
/// identity's detector (through [`AlertChannel`]) alike.
#[derive(Debug)]
pub struct GuardAlerts {
    /// Where alerts are kept.
    pub store: Store,
    /// Now.
    pub clock: Arc<dyn Clock>,
    /// `[guard] webhook_url`.
    pub webhook_url: Option<String>,
}

/// Raises an alert or adds to the account's open one; publishes new alerts
/// and escalations.
pub async fn raise(state: &App, alerting: Alerting<'_>) -> Result<AlertRow, Error> {
    Ok(state.alerts.raise_alert(alerting).await?)
}

impl GuardAlerts {
    async fn raise_alert(&self, alerting: Alerting<'_>) -> Result<AlertRow, rampart_store::Error> {
        let update = AlertUpdate {
            time: self.clock.now(),
            account: alerting.account.to_owned(),
            severity: alerting.severity.as_str().to_owned(),
            decision: alerting.decision.to_owned(),
            reasons: alerting.reasons,
            credential: alerting.credential,
            ip: Some(alerting.client.ip().to_owned()),
            user_agent: Some(alerting.client.user_agent().to_owned()).filter(|ua| !ua.is_empty()),
            document: alerting.document,
        };
        let (alert, change) = self.store.raise_alert(&update, EPISODE).await?;
        if change != AlertChange::Updated {
            self.publish(&alert);
        }
        Ok(alert)
    }

    fn publish(&self, alert: &AlertRow) {
        println!("{}", ecs_line(alert));
        tracing::warn!(alert = alert.id, account = %alert.account, severity = %alert.severity, decision = %alert.decision, "guard alert");
        if let Some(url) = self.webhook_url.clone() {
            tokio::spawn(deliver(url, alert_json(alert)));
        }
    }
}

/// The sign-in throttle's credential-stuffing detector raises its alerts
/// here, as `throttle` decisions of high severity.
impl AlertChannel for GuardAlerts {
    fn raise<'a>(
        &'a self,
        account: &'a str,
        origin: &'a Origin,
        reasons: Vec<String>,
    ) -> BoxFuture<'a, Result<(), rampart_identity::Error>> {
        Box::pin(async move {
            self.raise_alert(Alerting {
                account,
                severity: AlertSeverity::High,
                decision: "throttle",
                reasons,
                credential: None,
                client: origin,
                document: None,
            })
            .await?;
            Ok(())
        })
    }
}

/// The public form of an alert (API, webhook).
pub(crate) fn alert_json(alert: &AlertRow) -> Value {
    json!({
        "id": alert.id,
        "time": rampart_store::event_time(alert.time),
        "updated": rampart_store::event_time(alert.updated),
        "account": alert.account,
        "severity": alert.severity,
        "decision": alert.decision,
        "decisions": alert.decisions,
        "reasons": alert.reasons,
        "ip": alert.ip,
        "ips": alert.ips,
        "credentials": alert.credentials,
        "user_agents": alert.user_agents,
        "documents": alert.documents.iter().map(|d| json!({"id": d.id, "title": d.title})).collect::<Vec<_>>(),
        "state": alert.state,
    })
}

fn ecs_severity(severity: &str) -> u8 {
    match severity {
        "critical" => 99,
        "high" => 73,
        _ => 47,
    }
}

/// One ECS JSON line for an alert.
pub fn ecs_line(alert: &AlertRow) -> String {
    json!({
        "@timestamp": rampart_store::event_time(alert.updated),
        "ecs": {"version": "8.11.0"},
        "log": {"level": alert.severity},
        "event": {
            "kind": "alert",
            "category": ["intrusion_detection"],
            "action": alert.decision,
            "severity": ecs_severity(&alert.severity),
            "id": alert.id.to_string(),
            "module": "rampart",
            "dataset": "rampart.guard",
            "start": rampart_store::event_time(alert.time),
        },
        "user": {"email": alert.account},
        "source": {"ip": alert.ip},
        "user_agent": {"original": alert.user_agents.first()},
        "message": format!(
            "rampart guard {} of {}: {}",
            alert.decision,
            alert.account,
            alert.reasons.join("; ")
        ),
        "rampart": {
            "reasons": alert.reasons,
            "severity": alert.severity,
            "credentials": alert.credentials,
            "documents": alert.documents.iter().map(|d| &d.title).collect::<Vec<_>>(),
        },
    })
    .to_string()
}

/// Attempts of a webhook delivery, and the first pause between them.
const WEBHOOK_ATTEMPTS: u32 = 6;
const WEBHOOK_FIRST_BACKOFF: Duration = Duration::from_millis(500);

fn http() -> Option<&'static reqwest::Client> {
    static CLIENT: OnceLock<Option<reqwest::Client>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .ok()
        })
        .as_ref()
}

/// POSTs an alert, retrying with exponential backoff (0.5 s, 1 s, 2 s, …).
async fn deliver(url: String, body: Value) {
    let Some(client) = http() else {
        tracing::error!("no HTTP client for the alert webhook");
        return;
    };
    let mut pause = WEBHOOK_FIRST_BACKOFF;
    for attempt in 1..=WEBHOOK_ATTEMPTS {
        match client.post(&url).json(&body).send().await {
            Ok(r) if r.status().is_success() => return,
            Ok(r) => tracing::warn!(
                attempt,
                status = r.status().as_u16(),
                "alert webhook refused"
            ),
            Err(e) => tracing::warn!(attempt, error = %e, "alert webhook failed"),
        }
        if attempt < WEBHOOK_ATTEMPTS {
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
    }
    tracing::error!(id = %body["id"], "alert webhook gave up");
}
