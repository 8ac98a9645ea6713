//! Liveness, readiness and metrics for operators and load balancers.
//! `/healthz` and `/readyz` are public; `/metrics` is not (see [`metrics`]).

use crate::{
    error::{ApiError, AppError, PageError},
    state::AppState,
};
use axum::{
    extract::State,
    http::{header, HeaderMap},
    response::{IntoResponse, Response},
};
use subtle::ConstantTimeEq;

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// The database and the blob store answer (503 and the cause in the log
/// when one does not, so a load balancer takes the node out).
pub async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    if let Err(e) = state.store.check().await {
        tracing::error!(error = %e, "readiness: the database does not answer");
        return Err(AppError::Unavailable("the database").into());
    }
    if let Err(e) = state.blobs.check().await {
        tracing::error!(error = %e, "readiness: the blob store does not answer");
        return Err(AppError::Unavailable("the blob store").into());
    }
    Ok("ready\n")
}

/// Prometheus text exposition on the public listener: only to a request
/// bearing `[http] metrics_token`. Without a token configured, or without
/// the right one, `/metrics` is not there (404 like any unknown path), so
/// the public listener tells nobody what the portal is doing.
pub async fn metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let Some(expected) = state.config.http.metrics_token.as_deref() else {
        return Err(PageError(AppError::NotFound));
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !bool::from(presented.as_bytes().ct_eq(expected.trim().as_bytes())) {
        return Err(PageError(AppError::NotFound));
    }
    Ok(exposition(&state)?)
}

/// Prometheus text exposition on the `[http] metrics_listen` address,
/// which only those who can reach it can ask.
pub async fn metrics_unguarded(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(exposition(&state)?)
}

fn exposition(state: &AppState) -> Result<Response, AppError> {
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
    )
        .into_response())
}
