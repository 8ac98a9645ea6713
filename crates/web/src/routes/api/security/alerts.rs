//! `GET /api/v1/security/alerts`

use crate::extract::{Json, Query};
use crate::{auth::Authenticated, error::ApiError, routes::api::Items, state::AppState};
use axum::extract::State;
use rampart_app::{guard, AuditKind, Origin};
use rampart_store::{event_time, AlertRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Alerts query.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AlertsQuery {
    /// Include closed alerts.
    all: Option<bool>,
}

/// One alert: every refusal and hold of one account, grouped while open.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertItem {
    /// Its id.
    pub id: i64,
    /// When it was raised.
    pub time: String,
    /// When a decision was last added.
    pub updated: String,
    /// The account (email).
    pub account: String,
    /// `medium`, `high` or `critical`.
    pub severity: String,
    /// The latest decision: `throttle`, `step_up`, `hold`, `suspend`, …
    pub decision: String,
    /// How many decisions it groups.
    pub decisions: i64,
    /// Why, in words.
    pub reasons: Vec<String>,
    /// The address of the latest decision.
    pub ip: Option<String>,
    /// Every address seen.
    pub ips: Vec<String>,
    /// Every credential used (session, token ids).
    pub credentials: Vec<String>,
    /// Every user agent seen.
    pub user_agents: Vec<String>,
    /// The documents involved.
    pub documents: Vec<AlertDocumentItem>,
    /// `open` or `closed`.
    pub state: String,
}

/// A document an alert involves.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertDocumentItem {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
}

impl From<&AlertRow> for AlertItem {
    fn from(a: &AlertRow) -> Self {
        AlertItem {
            id: a.id,
            time: event_time(a.time),
            updated: event_time(a.updated),
            account: a.account.clone(),
            severity: a.severity.clone(),
            decision: a.decision.clone(),
            decisions: a.decisions,
            reasons: a.reasons.clone(),
            ip: a.ip.clone(),
            ips: a.ips.clone(),
            credentials: a.credentials.clone(),
            user_agents: a.user_agents.clone(),
            documents: a
                .documents
                .iter()
                .map(|d| AlertDocumentItem {
                    id: d.id.clone(),
                    title: d.title.clone(),
                })
                .collect(),
            state: a.state.clone(),
        }
    }
}

/// The guard's alerts, newest first (open ones only unless `all`).
#[utoipa::path(
    get,
    path = "/api/v1/security/alerts",
    tag = "security",
    params(AlertsQuery),
    responses((status = 200, description = "The alerts", body = Items<AlertItem>)),
)]
pub async fn list_alerts(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    query: Result<Query<AlertsQuery>, ApiError>,
) -> Result<Json<Items<AlertItem>>, ApiError> {
    guard::require_investigator(&state, &user, &client, AuditKind::GuardAlerts).await?;
    let Query(query) = query?;
    let alerts = guard::list_alerts(&state, &user, &client, query.all.unwrap_or(false)).await?;
    Ok(Json(Items {
        items: alerts.iter().map(AlertItem::from).collect(),
    }))
}
