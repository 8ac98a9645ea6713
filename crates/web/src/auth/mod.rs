//! Authentication: who is asking. A request carries either the session
//! cookie (browsers, and scripts that signed in) or an `Authorization:
//! Bearer` API token; both resolve to a [`Authenticated`] principal with its
//! current memberships. Cookie-authenticated unsafe requests must also carry
//! the session's CSRF token.

pub mod oidc;
mod password;
mod session;
pub(crate) mod stage;
pub(crate) mod throttle;
mod token;
pub mod totp;

pub use password::{
    check_new_password, generate_one_time_password, hash_password, needs_rehash, verify_password,
};
pub use session::{clear_cookie, start_session, SESSION_COOKIE};
pub use token::{issue_token, issue_token_with_id, parse_scope, scope_text};

use crate::{audit::Client, error::AppError, state::AppState};
use axum::{extract::FromRequestParts, http::request::Parts};
use rampart_domain::{AccountStatus, Email, Principal, TokenScope};
use rampart_store::{Outcome, SessionStage};
use subtle::ConstantTimeEq;

/// A 256-bit secret in hex and the hash we store instead of it.
pub(crate) fn new_secret() -> (String, Vec<u8>) {
    let secret = hex::encode(rampart_domain::random_bytes::<32>());
    let hash = hash_secret(&secret);
    (secret, hash)
}

/// The stored form of a session or token secret.
pub(crate) fn hash_secret(secret: &str) -> Vec<u8> {
    blake3::hash(secret.as_bytes()).as_bytes().to_vec()
}

/// How the request authenticated.
#[derive(Debug, Clone)]
pub enum Credential {
    /// The session cookie.
    Session {
        /// Hash of the cookie value (to end the session).
        hash: Vec<u8>,
        /// CSRF token to embed in forms.
        csrf: String,
        /// How far sign-in got.
        stage: SessionStage,
    },
    /// A bearer token.
    Token,
}

/// An authenticated principal.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// What the policy function needs.
    pub principal: Principal,
    /// The account's email.
    pub email: Email,
    /// The account's display name.
    pub name: String,
    /// Session public id or token id, for audit events.
    pub credential_id: String,
    /// The credential as a security officer reads it in an alert:
    /// `token "laptop sync"` or `session 3f2a…`.
    pub credential_name: String,
    /// The credential itself.
    pub credential: Credential,
}

impl Authenticated {
    /// The session's CSRF token (empty for tokens, which need none).
    pub fn csrf(&self) -> &str {
        match &self.credential {
            Credential::Session { csrf, .. } => csrf,
            Credential::Token => "",
        }
    }
}

impl Authenticated {
    /// The session's sign-in stage (tokens are complete credentials).
    pub fn stage(&self) -> SessionStage {
        match &self.credential {
            Credential::Session { stage, .. } => *stage,
            Credential::Token => SessionStage::Full,
        }
    }
}

/// A principal that may be part-way through sign-in. It is accepted only on
/// the routes [`stage::permits`] lists for its stage (the password change,
/// second-factor enrollment or entry, sign-out); handlers that take it
/// check the stage they expect.
#[derive(Debug, Clone)]
pub struct SigningIn(pub Authenticated);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = authenticate(parts, state).await?;
        match user.stage() {
            SessionStage::Full => Ok(user),
            pending => Err(AppError::SignInIncomplete(pending)),
        }
    }
}

impl FromRequestParts<AppState> for SigningIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = authenticate(parts, state).await?;
        let stage = user.stage();
        if stage::permits(stage, &parts.method, parts.uri.path()) {
            Ok(SigningIn(user))
        } else {
            Err(AppError::SignInIncomplete(stage))
        }
    }
}

async fn authenticate(parts: &mut Parts, state: &AppState) -> Result<Authenticated, AppError> {
    let client = Client::from_request_parts(parts, state)
        .await
        .unwrap_or_else(|e| match e {});
    if let Some(header) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        let value = header.to_str().map_err(|_| AppError::Unauthenticated)?;
        let secret = value
            .strip_prefix("Bearer ")
            .ok_or(AppError::Unauthenticated)?;
        return token::authenticate_token(state, &client, secret.trim()).await;
    }
    let user = session::authenticate_session(parts, state).await?;
    if !parts.method.is_safe() {
        let sent = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| csrf_from_query(parts.uri.query()));
        let ok = sent.is_some_and(|s| bool::from(s.as_bytes().ct_eq(user.csrf().as_bytes())));
        if !ok {
            let mut event = state.event_for(&user, &client, "csrf", Outcome::Denied);
            event.detail = serde_json::json!({"path": parts.uri.path()});
            state.record(event).await?;
            return Err(AppError::Csrf);
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

/// Loads the principal for an account, refusing suspended accounts.
pub(crate) async fn load_principal(
    state: &AppState,
    account: rampart_domain::AccountId,
    scope: TokenScope,
) -> Result<(Principal, rampart_store::AccountRow), AppError> {
    let row = state
        .store
        .account_by_id(account)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if row.status != AccountStatus::Active {
        return Err(AppError::Unauthenticated);
    }
    let memberships = state.store.memberships_of(account).await?;
    let principal = Principal {
        account,
        nation: row.nation.clone(),
        status: row.status,
        admin: row.admin,
        security: row.security,
        memberships,
        scope,
    };
    Ok((principal, row))
}

/// The principal for work done at the server's console on behalf of an
/// account (imports, the demo seeder): full scope, audited as `console`.
pub async fn console_principal(state: &AppState, email: &Email) -> Result<Authenticated, AppError> {
    let account = state
        .store
        .account_by_email(email)
        .await?
        .ok_or_else(|| AppError::Invalid(format!("no account with email {email}")))?;
    let (principal, row) = load_principal(state, account.id, TokenScope::Full).await?;
    Ok(Authenticated {
        principal,
        email: row.email,
        name: row.name,
        credential_id: "console".into(),
        credential_name: "the server console".into(),
        credential: Credential::Token,
    })
}
