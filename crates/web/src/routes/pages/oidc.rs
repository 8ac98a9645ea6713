//! Sign-in through an OpenID Provider: the redirect out and the callback.
//!
//! The callback answers with a small page that moves on to the next step
//! instead of a redirect: the session cookie is `SameSite=Strict`, and a
//! redirect chain that began at the provider counts as cross-site, so the
//! browser would not send the new cookie on it.

use super::{auth::LoginPage, render, render_with};
use crate::{
    audit::Client,
    error::PageError,
    services::oidc::{self, Callback, Refused},
    state::AppState,
};
use askama::Template;
use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

/// Where a signed-in browser goes next.
#[derive(Template)]
#[template(path = "oidc_done.html")]
pub struct OidcDonePage {
    /// The next page (the stage's page).
    pub next: &'static str,
}

/// The callback's query (`iss` and `session_state` are tolerated; the ID
/// token's issuer is what is checked).
#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

fn refused(state: &AppState, e: Refused) -> Result<Response, PageError> {
    match e {
        Refused::Oidc(e) => {
            let status = match e {
                crate::auth::oidc::OidcError::UnknownProvider => StatusCode::NOT_FOUND,
                crate::auth::oidc::OidcError::Provider(_)
                | crate::auth::oidc::OidcError::Issuer(_) => StatusCode::BAD_GATEWAY,
                _ => StatusCode::UNAUTHORIZED,
            };
            let page = LoginPage {
                email: String::new(),
                error: Some(format!("Sign-in failed: {e}.")),
                providers: crate::auth::oidc::listed(&state.config),
            };
            Ok(render_with(status, &page))
        }
        Refused::App(e) => Err(e.into()),
    }
}

/// `GET /login/oidc/{provider}`: redirects to the provider.
pub async fn start_oidc_login(
    State(state): State<AppState>,
    client: Client,
    Path(provider): Path<String>,
) -> Result<Response, PageError> {
    match oidc::begin(&state, &client, &provider).await {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(e) => refused(&state, e),
    }
}

/// `GET /login/oidc/callback`: finishes the sign-in.
pub async fn finish_oidc_login(
    State(state): State<AppState>,
    client: Client,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    // A malformed query is treated as one without a state: refused, audited.
    let query = query.ok().map(|Query(q)| q);
    let callback = Callback {
        state: query.as_ref().and_then(|q| q.state.as_deref()),
        code: query.as_ref().and_then(|q| q.code.as_deref()),
        error: query.as_ref().and_then(|q| q.error.as_deref()),
    };
    match oidc::finish(&state, &client, callback).await {
        Ok(signed) => {
            let next = crate::auth::stage::page_of(signed.stage);
            let mut response = render(&OidcDonePage { next });
            response
                .headers_mut()
                .insert(header::SET_COOKIE, signed.cookie);
            Ok(response)
        }
        Err(e) => refused(&state, e),
    }
}
