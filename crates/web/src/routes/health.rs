//! Liveness, readiness and metrics for operators and load balancers.

use crate::{error::AppError, state::AppState};
use axum::{extract::State, http::header, response::IntoResponse};

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// The database and the blob store answer.
pub async fn readyz(State(state): State<AppState>) -> Result<&'static str, AppError> {
    state.store.check().await?;
    state.blobs.check().await?;
    Ok("ready\n")
}

/// Prometheus text exposition.
pub async fn metrics(State(state): State<AppState>) -> Result<impl IntoResponse, AppError> {
    let body = state
        .metrics
        .render()
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    ))
}
