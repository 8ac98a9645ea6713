//! The JSON API under `/api/v1` (DESIGN.md §6): one resource per folder,
//! one action (or a small family of them) per file.
//!
//! Every handler carries its `#[utoipa::path]` and returns a typed answer,
//! and the routes below are registered from those annotations
//! (`utoipa_axum::routes!`), so the OpenAPI document served at
//! `/api/v1/openapi.json` is generated from the code that answers: a route
//! cannot be added without being described, nor described with another
//! path than the one it is served on.

pub mod account;
pub mod admin;
pub mod directory;
pub mod documents;
mod openapi;
pub mod portals;
pub mod search;
pub mod security;
pub mod session;

use crate::state::AppState;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub use openapi::document;

/// A list of items.
#[derive(Debug, Serialize, ToSchema)]
pub struct Items<T> {
    /// The items.
    pub items: Vec<T>,
}

/// An action's outcome in one word.
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// `ok`, `signed_out`, …
    pub status: &'static str,
}

impl Status {
    fn new(status: &'static str) -> Self {
        Status { status }
    }
}

/// The API routes that take small JSON bodies (or none).
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(openapi::openapi))
        .routes(routes!(session::login::login))
        .routes(routes!(session::login::login_totp))
        .routes(routes!(session::login::login_recovery))
        .routes(routes!(session::passkey::start_sign_in))
        .routes(routes!(session::passkey::finish_sign_in))
        .routes(routes!(session::logout::logout))
        .routes(routes!(account::me::me))
        .routes(routes!(account::password::change_password))
        .routes(routes!(account::totp::begin_totp))
        .routes(routes!(account::totp::confirm_totp))
        .routes(routes!(account::sessions::list_sessions))
        .routes(routes!(account::sessions::end_session))
        .routes(routes!(
            account::tokens::list_tokens,
            account::tokens::create_token
        ))
        .routes(routes!(account::tokens::revoke_token))
        .routes(routes!(account::confirm::confirm))
        .routes(routes!(account::confirm::start_passkey_confirm))
        .routes(routes!(account::passkeys::list_passkeys))
        .routes(routes!(account::passkeys::remove_passkey))
        .routes(routes!(account::passkeys::start_registration))
        .routes(routes!(account::passkeys::finish_registration))
        .routes(routes!(portals::list_portals))
        .routes(routes!(portals::list_communities))
        .routes(routes!(documents::show::get_document))
        .routes(routes!(search::search_documents))
        .routes(routes!(directory::list_directory))
        .routes(routes!(directory::get_profile, directory::put_profile))
        .routes(routes!(documents::content::download_document))
        .routes(routes!(security::alerts::list_alerts))
        .routes(routes!(security::unlock::unlock_account))
        .routes(routes!(security::canaries::set_canary))
        .routes(routes!(admin::budgets::list_budgets))
        .routes(routes!(
            admin::budgets::set_community_budget,
            admin::budgets::remove_community_budget
        ))
        .routes(routes!(
            admin::budgets::set_account_budget,
            admin::budgets::remove_account_budget
        ))
}

/// The API routes that take uploads; the caller lifts the small-body limit
/// on them.
pub(crate) fn upload_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            documents::list::list_documents,
            documents::upload::upload_document
        ))
        .routes(routes!(documents::versions::upload_version))
        .routes(routes!(
            security::canaries::list_canaries,
            security::canaries::plant_canary
        ))
}
