//! The route table: one place that lists every endpoint.

pub mod api;
mod audit;
mod download;
mod health;
pub mod pages;

use crate::{middleware, state::AppState};
use axum::{
    extract::DefaultBodyLimit,
    routing::{delete, get, post, put},
    Router,
};

/// Small JSON and form bodies; uploads lift this on their own routes.
const BODY_LIMIT: usize = 64 * 1024;

/// Unknown paths: JSON under `/api/`, an error page elsewhere.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    crate::error::respond_to(crate::error::AppError::NotFound, uri.path())
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
        .route(
            "/api/v1/portals/{portal}/communities/{community}/documents",
            get(api::documents::list_documents).post(api::documents::upload_document),
        )
        .route(
            "/api/v1/documents/{id}/versions",
            post(api::documents::upload_version),
        )
        .route(
            "/api/v1/security/canaries",
            get(api::canaries::list_canaries).post(api::canaries::plant_canary),
        )
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
    let api = Router::new()
        .route("/api/v1/openapi.json", get(api::openapi::openapi))
        .route("/api/v1/login", post(api::session::login))
        .route("/api/v1/login/totp", post(api::session::login_totp))
        .route("/api/v1/login/recovery", post(api::session::login_recovery))
        .route("/api/v1/account/totp", post(api::totp::begin_totp))
        .route(
            "/api/v1/account/totp/confirm",
            post(api::totp::confirm_totp),
        )
        .route("/api/v1/account/sessions", get(api::account::list_sessions))
        .route(
            "/api/v1/account/sessions/{id}",
            delete(api::account::end_session),
        )
        .route(
            "/api/v1/account/tokens",
            get(api::account::list_tokens).post(api::account::create_token),
        )
        .route(
            "/api/v1/account/tokens/{id}",
            delete(api::account::revoke_token),
        )
        .route("/api/v1/logout", post(api::session::logout))
        .route("/api/v1/me", get(api::me::me))
        .route("/api/v1/account/password", post(api::me::change_password))
        .route("/api/v1/account/confirm", post(api::confirm::confirm))
        .route(
            "/api/v1/account/confirm/webauthn/start",
            post(api::confirm::start_passkey_confirm),
        )
        // Passkeys (WebAuthn).
        .route(
            "/api/v1/account/webauthn",
            get(api::passkeys::list_passkeys),
        )
        .route(
            "/api/v1/account/webauthn/{id}",
            delete(api::passkeys::remove_passkey),
        )
        .route(
            "/api/v1/account/webauthn/register/start",
            post(api::passkeys::start_registration),
        )
        .route(
            "/api/v1/account/webauthn/register/finish",
            post(api::passkeys::finish_registration),
        )
        .route(
            "/api/v1/login/webauthn/start",
            post(api::passkeys::start_sign_in),
        )
        .route(
            "/api/v1/login/webauthn/finish",
            post(api::passkeys::finish_sign_in),
        )
        .route("/api/v1/security/alerts", get(api::security::list_alerts))
        .route(
            "/api/v1/security/accounts/{email}/unlock",
            post(api::security::unlock_account),
        )
        .route(
            "/api/v1/security/canaries/{id}",
            put(api::canaries::set_canary),
        )
        .route("/api/v1/admin/budgets", get(api::budgets::list_budgets))
        .route(
            "/api/v1/admin/budgets/communities/{portal}/{community}/{role}",
            put(api::budgets::set_community_budget).delete(api::budgets::remove_community_budget),
        )
        .route(
            "/api/v1/admin/budgets/accounts/{email}",
            put(api::budgets::set_account_budget).delete(api::budgets::remove_account_budget),
        )
        .route("/api/v1/portals", get(api::portals::list_portals))
        .route(
            "/api/v1/portals/{portal}/communities",
            get(api::portals::list_communities),
        )
        .route("/api/v1/documents/{id}", get(api::documents::get_document))
        .route(
            "/api/v1/documents/{id}/content",
            get(api::documents::download_document),
        );
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/audit/checkpoint", get(audit::checkpoint))
        .route("/audit/tile/{*rest}", get(audit::tile))
        .merge(pages::routes())
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
