//! The server-rendered web UI (askama templates, no JavaScript). Forms post
//! back with the session's CSRF token in a hidden `csrf` field, which
//! `middleware::form_csrf` hands to the authentication layer (it checks the
//! token of every unsafe cookie request before any handler runs); upload
//! forms (multipart) keep it in the action's query, since their bodies are
//! not read before the check.
//!
//! This module holds what every page shares: rendering, the page
//! principal extractor, the header navigation and small formatting helpers.
//! The pages themselves live in one submodule per area, and every flow runs
//! through the same services as the JSON API.

mod account;
mod admin;
mod auth;
mod canaries;
mod community;
mod community_upload;
mod confirm;
mod directory;
mod document;
mod factor;
mod home;
mod oidc;
mod search;
mod security;
mod security_export;
mod security_filter;

use askama::Template;
use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
    Router,
};
use rampart_domain::{authorize, Action, Decision};
use time::OffsetDateTime;

use crate::{
    auth::Authenticated,
    error::{AppError, PageError},
    state::AppState,
};

/// Renders a template, or a bare error if the template itself fails.
pub fn render<T: Template>(template: &T) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(request_id = %crate::middleware::current_request_id(), error = %e, "template failed");
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
            )
                .into_response()
        }
    }
}

/// Renders a template with a status other than 200.
pub(crate) fn render_with<T: Template>(status: StatusCode, template: &T) -> Response {
    (status, render(template)).into_response()
}

/// The error page: a status, a sentence, and the request id.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// HTTP status code.
    pub status: u16,
    /// What to tell the user.
    pub message: String,
    /// The id to quote to an operator.
    pub request_id: String,
    /// The signed-in header, when the request was authenticated.
    pub nav: Option<Nav>,
}

/// A signed-in principal for pages. Anonymous visitors are sent to
/// `/login`, and sessions still in the one-time-password stage to
/// `/account/password`; any other refusal is an error page.
#[derive(Debug, Clone)]
pub struct PageUser(pub Authenticated);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match Authenticated::from_request_parts(parts, state).await {
            Ok(user) => {
                crate::middleware::remember_signed_in(Nav::of(&user));
                Ok(PageUser(user))
            }
            // A valid session part-way through sign-in goes to its next step.
            Err(e) => Err(PageError(e.0).into_response()),
        }
    }
}

/// What the header of every signed-in page shows.
#[derive(Debug, Clone)]
pub struct Nav {
    /// The signed-in account.
    pub email: String,
    /// Whether to link the admin pages.
    pub admin: bool,
    /// Whether to link the security console.
    pub security: bool,
    /// For the sign-out form.
    pub csrf: String,
    /// The words in the header's search box (those searched for, on the
    /// results page).
    pub q: String,
    /// The section of the page shown (`home`, `directory`, `security`,
    /// `admin`, `account`), which the header marks as current.
    pub here: &'static str,
}

/// The header section a path belongs to.
fn section_of(path: &str) -> &'static str {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    match first {
        "" | "p" | "d" => "home",
        "directory" => "directory",
        "security" => "security",
        "admin" => "admin",
        "account" => "account",
        "search" => "search",
        _ => "",
    }
}

impl Nav {
    /// The navigation for a principal.
    pub fn of(user: &Authenticated) -> Self {
        Nav {
            email: user.email.to_string(),
            admin: user.principal.admin,
            security: may(user, Action::Investigate),
            csrf: user.csrf().to_owned(),
            q: String::new(),
            here: section_of(&crate::middleware::current_path()),
        }
    }
}

/// Whether the policy allows an action, to decide which links and forms a
/// page shows. Only a hint: the handler the form posts to enforces it.
fn may(user: &Authenticated, action: Action<'_>) -> bool {
    authorize(&user.principal, action) == Decision::Allow
}

/// A refused form, query or multipart body as a page error.
pub(crate) fn rejected(status: StatusCode, text: String) -> PageError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        PageError(AppError::BadRequest("the form is too large".into()))
    } else {
        PageError(AppError::BadRequest(text))
    }
}

/// A service message as a sentence: first letter upper case, final period.
fn capitalised(message: &str) -> String {
    let mut chars = message.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// `YYYY-MM-DD HH:MM UTC`.
pub(crate) fn format_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// Bytes for people: `512 B`, `1.5 KiB`, `2.0 MiB`.
pub(crate) fn format_size(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../static/app.css"),
    )
}

/// The passkey script (the CSP allows scripts from 'self' only).
async fn passkey_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../static/passkey.js"),
    )
}

/// Page routes with small bodies.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/app.css", get(stylesheet))
        .route("/static/passkey.js", get(passkey_script))
        .route(
            "/account/passkeys/{id}/remove",
            post(account::remove_passkey),
        )
        .route("/login", get(auth::show_login).post(auth::submit_login))
        .route("/login/oidc/callback", get(oidc::finish_oidc_login))
        .route("/login/oidc/{provider}", get(oidc::start_oidc_login))
        .route(
            "/account/password",
            get(auth::show_password_change).post(auth::submit_password_change),
        )
        .route(
            "/account/confirm",
            get(confirm::show_confirm).post(confirm::submit_confirm),
        )
        .route(
            "/account/second-factor",
            get(factor::show_enrollment).post(factor::submit_enrollment),
        )
        .route(
            "/account/second-factor/new",
            post(factor::replace_enrollment_key),
        )
        .route(
            "/login/second-factor",
            get(factor::show_second_factor).post(factor::submit_second_factor),
        )
        .route("/account", get(account::show_account))
        .route("/account/sessions/{id}/end", post(account::end_session))
        .route(
            "/account/sessions/end-others",
            post(account::end_other_sessions),
        )
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/logout", post(auth::submit_logout))
        .route("/", get(home::show_home))
        .route("/p/{portal}/{community}", get(community::show_community))
        .route(
            "/p/{portal}/{community}/members",
            post(community::add_member),
        )
        .route(
            "/p/{portal}/{community}/members/remove",
            post(community::remove_member),
        )
        .route("/search", get(search::show_search))
        .route("/directory", get(directory::show_directory))
        .route("/account/profile", post(account::update_profile))
        .route("/d/{id}", get(document::show_document))
        .route("/d/{id}/content", get(document::download_document))
        .route("/admin", get(admin::accounts::show_accounts))
        .route("/admin/accounts", post(admin::accounts::create_account))
        .route("/admin/accounts/{id}", get(admin::accounts::show_account))
        .route(
            "/admin/accounts/{id}/memberships",
            post(admin::accounts::account_membership),
        )
        .route(
            "/admin/accounts/{id}/tokens/{token}/revoke",
            post(admin::accounts::revoke_account_token),
        )
        .route(
            "/admin/accounts/{id}/{action}",
            post(admin::accounts::account_action),
        )
        .route(
            "/admin/portals",
            get(admin::show_portals).post(admin::create_portal),
        )
        .route("/admin/communities", post(admin::create_community))
        .route(
            "/admin/memberships",
            get(admin::show_memberships).post(admin::set_membership),
        )
        .route(
            "/admin/budgets",
            get(admin::budgets::show_budgets).post(admin::budgets::set_budget),
        )
        .route("/admin/budgets/remove", post(admin::budgets::remove_budget))
        .route(
            "/admin/tokens",
            get(admin::tokens::show_tokens).post(admin::tokens::issue_token),
        )
        .route("/security", get(security::show_console))
        .route("/security/verify", post(security::verify_now))
        .route("/security/export.csv", get(security_export::export_csv))
        .route("/security/export.json", get(security_export::export_json))
        .route("/security/alerts/{id}/unlock", post(security::unlock_alert))
        .route("/security/alerts/{id}/close", post(security::keep_locked))
        .route("/security/canaries/set", post(canaries::set_canary))
}

/// Page routes that accept uploads.
pub fn upload_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/p/{portal}/{community}/documents",
            post(community_upload::upload_documents),
        )
        .route("/d/{id}/versions", post(document::upload_version))
        .route(
            "/security/canaries",
            get(canaries::show_canaries).post(canaries::plant_canary),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(format_size(0), "0 B");
        assert_eq!(format_size(1023), "1023 B");
        assert_eq!(format_size(1536), "1.5 KiB");
        assert_eq!(format_size(2 * 1024 * 1024), "2.0 MiB");
    }

    #[test]
    fn messages_become_sentences() {
        assert_eq!(
            capitalised("new password must have at least 12 characters"),
            "New password must have at least 12 characters."
        );
        assert_eq!(capitalised(""), ".");
    }

    #[test]
    fn times_are_shown_in_utc() {
        let t = time::macros::datetime!(2024-03-05 07:08:09 +02:00);
        assert_eq!(format_time(t), "2024-03-05 05:08 UTC");
    }
}
