//! Who is asking, read off the request: the client's address and user
//! agent ([`Origin`]), and the principal behind the session cookie or the
//! `Authorization: Bearer` token ([`Authenticated`]). Cookie-authenticated
//! unsafe requests must also carry the session's CSRF token. What a secret
//! is worth is decided by `rampart_identity`; this module only finds it
//! in the request.

mod cookie;
mod origin;
pub(crate) mod stage;

pub use cookie::{clear_cookie, session_cookie, SESSION_COOKIE};
pub use rampart_identity::{Authenticated, Credential};

use crate::{
    error::{ApiError, AppError},
    state::AppState,
};
use axum::{extract::FromRequestParts, http::request::Parts};
use rampart_app::Origin;
use rampart_identity as identity;
use rampart_store::SessionStage;
use subtle::ConstantTimeEq;

/// A principal that may be part-way through sign-in. It is accepted only on
/// the routes [`stage::permits`] lists for its stage (the password change,
/// second-factor enrollment or entry, sign-out); handlers that take it
/// check the stage they expect.
#[derive(Debug, Clone)]
pub struct SigningIn(pub Authenticated);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user = authenticate(parts, state).await?;
        match user.stage() {
            SessionStage::Full => Ok(user),
            pending => Err(AppError::SignInIncomplete(pending).into()),
        }
    }
}

impl FromRequestParts<AppState> for SigningIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user = authenticate(parts, state).await?;
        let stage = user.stage();
        if stage::permits(stage, &parts.method, parts.uri.path()) {
            Ok(SigningIn(user))
        } else {
            Err(AppError::SignInIncomplete(stage).into())
        }
    }
}

/// One request, one credential: a bearer token or a session cookie. A
/// request that carries both is refused whatever either is worth, so that
/// no combination of a good credential and a forged one is ever served
/// (fail closed).
async fn authenticate(parts: &mut Parts, state: &AppState) -> Result<Authenticated, AppError> {
    let origin = origin::of(parts, state);
    let bearer = parts.headers.get(axum::http::header::AUTHORIZATION);
    if bearer.is_some() && cookie::session_secret(parts).is_some() {
        return Err(AppError::AmbiguousCredentials);
    }
    if let Some(header) = bearer {
        let value = header.to_str().map_err(|_| AppError::Unauthenticated)?;
        let secret = value
            .strip_prefix("Bearer ")
            .ok_or(AppError::Unauthenticated)?;
        return Ok(identity::authenticate_token(&state.identity, &origin, secret.trim()).await?);
    }
    let secret = cookie::session_secret(parts).ok_or(AppError::Unauthenticated)?;
    let user = identity::authenticate_session(&state.identity, secret).await?;
    if !parts.method.is_safe() {
        let sent = parts
            .headers
            .get(crate::middleware::CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| csrf_from_query(parts.uri.query()));
        let ok = sent.is_some_and(|s| bool::from(s.as_bytes().ct_eq(user.csrf().as_bytes())));
        if !ok {
            identity::refuse_csrf(&state.identity, &user, &origin, parts.uri.path()).await?;
        }
    }
    Ok(user)
}

fn csrf_from_query(query: Option<&str>) -> Option<String> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("csrf="))
        .map(str::to_owned)
}

impl FromRequestParts<AppState> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(origin::of(parts, state))
    }
}
