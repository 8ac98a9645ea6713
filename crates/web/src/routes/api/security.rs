//! The exfiltration guard's alerts through the JSON API, for security
//! officers: list them, and unlock an account the guard suspended. To
//! everyone else these endpoints do not exist (404).

use crate::{
    auth::Authenticated,
    error::{ApiError, AppError},
    state::AppState,
};
use axum::{
    extract::{Path, Query, State},
    Json,
};
use rampart_app::{alerts::alert_json, guard, AuditKind, Origin};
use serde::Deserialize;
use serde_json::{json, Value};

/// `GET /api/v1/security/alerts` query.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsQuery {
    /// Include closed alerts.
    all: Option<bool>,
}

/// `GET /api/v1/security/alerts`
pub async fn list_alerts(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    query: Result<Query<AlertsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    guard::require_investigator(&state, &user, &client, AuditKind::GuardAlerts).await?;
    let Query(query) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let alerts = guard::list_alerts(&state, &user, &client, query.all.unwrap_or(false)).await?;
    Ok(Json(
        json!({"items": alerts.iter().map(alert_json).collect::<Vec<_>>()}),
    ))
}

/// `POST /api/v1/security/accounts/{email}/unlock`
pub async fn unlock_account(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(email): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let closed = guard::unlock(&state, &user, &client, &email).await?;
    Ok(Json(json!({"account": email, "closed_alerts": closed})))
}
