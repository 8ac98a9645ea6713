//! Sign-in through an OpenID Provider: the redirect out and the callback.
//!
//! The callback answers with a small page that moves on to the next step
//! instead of a redirect: the session cookie is `SameSite=Strict`, and a
//! redirect chain that began at the provider counts as cross-site, so the
//! browser would not send the new cookie on it.

use super::{auth::LoginPage, render, render_with};
use crate::{error::PageError, state::AppState};
use askama::Template;
use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use rampart_app::Origin;
use rampart_identity::oidc::flow::{self as oidc, Callback, Refused};
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
                rampart_identity::oidc::OidcError::UnknownProvider => StatusCode::NOT_FOUND,
                rampart_identity::oidc::OidcError::Provider(_)
                | rampart_identity::oidc::OidcError::Issuer(_) => StatusCode::BAD_GATEWAY,
                _ => StatusCode::UNAUTHORIZED,
            };
            let page = LoginPage {
                email: String::new(),
                error: Some(format!("Sign-in failed: {e}.")),
                providers: rampart_identity::oidc::listed(&state.config.oidc),
            };
            Ok(render_with(status, &page))
        }
        Refused::Failed(e) => Err(e.into()),
    }
}

/// `GET /login/oidc/{provider}`: redirects to the provider.
pub async fn start_oidc_login(
    State(state): State<AppState>,
    client: Origin,
    Path(provider): Path<String>,
) -> Result<Response, PageError> {
    match oidc::begin(&state.identity, &client, &provider).await {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(e) => refused(&state, e),
    }
}

/// `GET /login/oidc/callback`: finishes the sign-in.
pub async fn finish_oidc_login(
    State(state): State<AppState>,
    client: Origin,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    // A malformed query is treated as one without a state: refused, audited.
    let query = query.ok().map(|Query(q)| q);
    let callback = Callback {
        state: query.as_ref().and_then(|q| q.state.as_deref()),
        code: query.as_ref().and_then(|q| q.code.as_deref()),
        error: query.as_ref().and_then(|q| q.error.as_deref()),
    };
    match oidc::finish(&state.identity, &client, callback).await {
        Ok(signed) => {
            let next = crate::auth::stage::page_of(signed.stage);
            let mut response = render(&OidcDonePage { next });
            response.headers_mut().insert(
                header::SET_COOKIE,
                crate::auth::session_cookie(&state, &signed.secret)?,
            );
            Ok(response)
        }
        Err(e) => refused(&state, e),
    }
}
