//! The route table: one place that lists every endpoint.

pub mod api;
mod audit;
mod download;
mod health;
pub mod pages;

use crate::{middleware, state::AppState};
use axum::{extract::DefaultBodyLimit, routing::get, Router};

/// Small JSON and form bodies; uploads lift this on their own routes.
pub(crate) const BODY_LIMIT: usize = 64 * 1024;

/// Unknown paths: JSON under `/api/`, an error page elsewhere, which keeps
/// the signed-in header for someone signed in (on safe requests only: they
/// need no CSRF check, so a mistyped address records no refusal).
async fn not_found(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
) -> axum::response::Response {
    let path = request.uri().path().to_owned();
    if !path.starts_with("/api/") && request.method().is_safe() {
        let (mut parts, _) = request.into_parts();
        let _ = <pages::PageUser as axum::extract::FromRequestParts<AppState>>::from_request_parts(
            &mut parts, &state,
        )
        .await;
    }
    crate::error::respond_to(crate::error::AppError::NotFound, &path)
}

/// What `/metrics` is served on a separate `[http] metrics_listen`
/// address: that and nothing else.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(health::metrics_unguarded))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(middleware::request_id))
        .with_state(state)
}

pub fn router(state: AppState) -> Router {
    let uploads = Router::new()
        .merge(api::upload_routes())
        .merge(pages::upload_routes())
        .layer(DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(
            state
                .config
                .upload
                .max_bytes
                .saturating_add(crate::upload::MULTIPART_OVERHEAD),
            middleware::refuse_oversized,
        ));
    let api = Router::from(api::routes());
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/audit/checkpoint", get(audit::checkpoint))
        .route("/audit/tile/{*rest}", get(audit::tile))
        .merge(pages::routes().layer(axum::middleware::from_fn(middleware::form_csrf)))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .merge(api.layer(DefaultBodyLimit::max(BODY_LIMIT)))
        .fallback(not_found)
        // Every route but the uploads (limited above), and unknown paths.
        .layer(axum::middleware::from_fn_with_state(
            BODY_LIMIT as u64,
            middleware::refuse_oversized,
        ))
        .merge(uploads)
        .layer(axum::middleware::from_fn(middleware::body_deadline))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::metrics,
        ))
        .layer(axum::middleware::from_fn(middleware::request_id))
        .with_state(state)
}
