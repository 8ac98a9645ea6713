//! Rampart's HTTP surface: the JSON API under `/api/v1`, the server-rendered
//! web UI, `/healthz`, `/readyz` and `/metrics` (to a token, or on its own
//! address), served by an accept loop that bounds slow and greedy clients.
//!
//! Every request passes the same layers (request id, metrics, security
//! headers); every handler that touches a portal object authenticates with
//! [`auth::Authenticated`], asks [`rampart_domain::authorize`], and writes an
//! audit event before it answers.
//!
//! Use cases live in `rampart_app`; this crate maps requests onto them and
//! their errors onto statuses (in [`error`]), and nothing else.

pub mod auth;
mod error;
mod extract;
mod middleware;
mod routes;
mod server;
mod state;
mod upload;

pub use error::{ApiError, AppError, PageError};
pub use state::AppState;
pub use upload::MULTIPART_OVERHEAD;

use rampart_app::App;

use std::future::Future;

/// The OpenAPI document of the JSON API, generated from the handlers (the
/// one served at `/api/v1/openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes::api::document()
}

/// Builds the router with every route and layer.
pub fn router(app: App) -> axum::Router {
    routes::router(AppState(app))
}

/// Serves until `shutdown` resolves, then stops accepting and lets in-flight
/// requests finish. Connections are bounded by `[http]` (see
/// [`config::HttpConfig`]): header and body deadlines, an idle timeout and
/// caps on connections in all and per client address.
pub async fn serve(
    app: App,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let http = app.config.http.clone();
    let metrics = app.metrics.clone();
    server::run(listener, router(app), &http, metrics, shutdown).await
}

/// Serves `/metrics` alone, without a token, on the `[http]
/// metrics_listen` address, with the same connection bounds as [`serve`].
pub async fn serve_metrics(
    app: App,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let http = app.config.http.clone();
    let metrics = app.metrics.clone();
    server::run(
        listener,
        routes::metrics_router(AppState(app)),
        &http,
        metrics,
        shutdown,
    )
    .await
}
