//! Rampart's HTTP surface: the JSON API under `/api/v1`, the server-rendered
//! web UI, `/healthz`, `/readyz` and `/metrics` (to a token, or on its own
//! address), served by an accept loop that bounds slow and greedy clients.
//!
//! Every request passes the same layers (request id, metrics, security
//! headers); every handler that touches a portal object authenticates with
//! [`auth::Authenticated`], asks [`rampart_domain::authorize`], and writes an
//! audit event before it answers.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo)]

mod audit;
pub mod auth;
pub mod config;
pub mod datadir;
mod error;
pub mod install;
mod metrics;
mod middleware;
mod routes;
mod server;
pub mod services;
mod state;

pub use audit::Client;
pub use config::Config;
pub use error::AppError;
pub use state::AppState;

use std::future::Future;

/// Builds the router with every route and layer.
pub fn router(state: AppState) -> axum::Router {
    routes::router(state)
}

/// Serves until `shutdown` resolves, then stops accepting and lets in-flight
/// requests finish. Connections are bounded by `[http]` (see
/// [`config::HttpConfig`]): header and body deadlines, an idle timeout and
/// caps on connections in all and per client address.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let http = state.config.http.clone();
    let metrics = state.metrics.clone();
    server::run(listener, router(state), &http, metrics, shutdown).await
}

/// Serves `/metrics` alone, without a token, on the `[http]
/// metrics_listen` address, with the same connection bounds as [`serve`].
pub async fn serve_metrics(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let http = state.config.http.clone();
    let metrics = state.metrics.clone();
    server::run(
        listener,
        routes::metrics_router(state),
        &http,
        metrics,
        shutdown,
    )
    .await
}
