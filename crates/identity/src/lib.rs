//! Identity: who is asking, and signing in. A session secret (browsers, and
//! scripts that signed in) or an API token both resolve to an
//! [`Authenticated`] principal with its current memberships; passwords,
//! TOTP and recovery codes, passkeys, the sign-in stages, the throttle and
//! the OIDC flow live here. The web layer reads the secrets out of cookies
//! and headers and checks CSRF; everything else is decided here.

pub mod account;
mod config;
mod context;
mod error;
pub mod login;
pub mod oidc;
pub mod passkeys;
mod password;
mod session;
pub mod sign_in;
pub mod stage;
pub(crate) mod throttle;
mod token;
pub mod totp;

pub use config::{IdentityConfig, SessionConfig};
pub use context::{AlertChannel, Identity, Settings};
pub use error::Error;
pub use oidc::OidcConfig;

pub use password::{
    check_new_password, generate_one_time_password, hash_password, needs_rehash, verify_password,
};
pub use session::{authenticate_session, start_session, NewSession};
pub use sign_in::SignedIn;
pub use token::{authenticate_token, issue_token, issue_token_with_id, parse_scope, scope_text};

use rampart_domain::{network_of, AuditKind, Origin};
use rampart_domain::{AccountStatus, Email, Principal, TokenScope};
use rampart_store::{Outcome, SessionStage};

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

/// Audits a refused sign-in or ceremony step of `user` with its reason.
pub(crate) async fn refuse(
    state: &Identity,
    user: &Authenticated,
    origin: &Origin,
    kind: AuditKind,
    reason: &str,
) -> Result<(), Error> {
    let mut event = state.event_for(user, origin, kind, Outcome::Failed);
    event.detail = serde_json::json!({ "reason": reason });
    state.record(event).await?;
    Ok(())
}

/// Records a cookie-authenticated unsafe request to `path` that came
/// without its session's CSRF token, and refuses it.
pub async fn refuse_csrf(
    state: &Identity,
    user: &Authenticated,
    origin: &Origin,
    path: &str,
) -> Result<(), Error> {
    let mut event = state.event_for(user, origin, AuditKind::Csrf, Outcome::Denied);
    event.detail = serde_json::json!({ "path": path });
    state.record(event).await?;
    Err(Error::Csrf)
}

/// Loads the principal for an account, refusing suspended accounts.
pub(crate) async fn load_principal(
    state: &Identity,
    account: rampart_domain::AccountId,
    scope: TokenScope,
) -> Result<(Principal, rampart_store::AccountRow), Error> {
    let row = state
        .store
        .account_by_id(account)
        .await?
        .ok_or(Error::Unauthenticated)?;
    if row.status != AccountStatus::Active {
        return Err(Error::Unauthenticated);
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
pub async fn console_principal(state: &Identity, email: &Email) -> Result<Authenticated, Error> {
    let account = state
        .store
        .account_by_email(email)
        .await?
        .ok_or_else(|| Error::Invalid(format!("no account with email {email}")))?;
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
