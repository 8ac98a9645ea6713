//! Sign-in through an OpenID Provider: what a verified ID token means for
//! an account, and the audit trail of every outcome.
//!
//! * The email must be verified by the provider; it is matched to an
//!   existing account (case-insensitively, as emails parse). Only a
//!   provider with `allow_registration` creates an account for an unknown
//!   email, with the provider's `registration_nation`, no roles, and a
//!   random password nobody knows (password sign-in needs an
//!   administrator's reset).
//! * The password stage does not apply: the person proved who they are to
//!   the provider, not with the account's password, so a pending one-time
//!   password stays pending for the next password sign-in.
//! * The second factor: the provider's `amr`/`acr` count only when the
//!   configuration lists them; otherwise the session goes on to the
//!   account's own second factor (entry or enrollment) as after a password.
//! * Failures count against the source IP in the sign-in throttle.

use crate::{
    oidc::{self, OidcError, VerifiedIdentity},
    sign_in::{self, SignedIn},
    throttle, AuditKind, Error, Identity, Origin,
};
use rampart_domain::{AccountStatus, Email};
use rampart_store::{AccountRow, NewAccount, Outcome, SessionStage};

/// The throttle keys of an OIDC attempt: the source IP and network count;
/// the account key is a name no email can have, so OIDC failures never
/// block an account's password sign-in.
fn keys(client: &Origin) -> throttle::Keys {
    throttle::Keys::new(client, "(oidc)")
}

/// An OIDC sign-in attempt ended without a session.
pub enum Refused {
    /// Audited; show the reason to the person.
    Oidc(OidcError),
    /// Throttled or an internal failure.
    Failed(Error),
}

impl From<Error> for Refused {
    fn from(e: Error) -> Self {
        Refused::Failed(e)
    }
}

impl From<rampart_store::Error> for Refused {
    fn from(e: rampart_store::Error) -> Self {
        Refused::Failed(e.into())
    }
}

/// Audits a failed attempt and counts it against the source.
async fn refuse(
    state: &Identity,
    client: &Origin,
    provider: &str,
    account: Option<String>,
    e: OidcError,
) -> Refused {
    if let Some(detail) = e.detail() {
        tracing::info!(provider, reason = %e.reason(), detail, "oidc sign-in refused");
    }
    let mut event = state.event(client, AuditKind::Login, Outcome::Failed);
    event.account = account;
    event.detail = serde_json::json!({
        "method": "oidc",
        "provider": provider,
        "reason": e.reason(),
    });
    if let Err(err) = state.record(event).await {
        return Refused::Failed(err);
    }
    if let Err(err) = throttle::failed(state, &keys(client)).await {
        return Refused::Failed(err);
    }
    Refused::Oidc(e)
}

/// `GET /login/oidc/{provider}`: the URL to send the browser to.
pub async fn begin(state: &Identity, client: &Origin, provider: &str) -> Result<String, Refused> {
    throttle::check(state, &keys(client)).await?;
    match oidc::begin(state, provider).await {
        Ok(url) => Ok(url),
        Err(e) => {
            let shown = if matches!(e, OidcError::UnknownProvider) {
                "(unknown)"
            } else {
                provider
            };
            Err(refuse(state, client, shown, None, e).await)
        }
    }
}

/// What the provider sent back to the callback.
pub struct Callback<'a> {
    /// `state`.
    pub state: Option<&'a str>,
    /// `code`.
    pub code: Option<&'a str>,
    /// `error`, when the provider refused.
    pub error: Option<&'a str>,
}

/// `GET /login/oidc/callback`: spends the state, verifies the answer and
/// opens a session at the right stage.
pub async fn finish(
    state: &Identity,
    client: &Origin,
    callback: Callback<'_>,
) -> Result<SignedIn, Refused> {
    throttle::check(state, &keys(client)).await?;
    let login = match oidc::take_login(state, callback.state.unwrap_or("")).await {
        Ok(login) => login,
        Err(e) => return Err(refuse(state, client, "(unknown)", None, e).await),
    };
    let provider = login.provider.clone();
    if let Some(error) = callback.error {
        // The provider's error code, trimmed to a harmless shape.
        let code: String = error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        return Err(refuse(state, client, &provider, None, OidcError::Refused(code)).await);
    }
    let Some(code) = callback.code.filter(|c| !c.is_empty() && c.len() <= 2048) else {
        let e = OidcError::Exchange("no code in the callback".into());
        return Err(refuse(state, client, &provider, None, e).await);
    };
    let identity = match oidc::finish(state, &login, code).await {
        Ok(identity) => identity,
        Err(e) => return Err(refuse(state, client, &provider, None, e).await),
    };
    let account = match account_for(state, client, &identity).await {
        Ok(account) => account,
        Err(Refused::Oidc(e)) => {
            let shown = identity.email.clone();
            return Err(refuse(state, client, &provider, shown, e).await);
        }
        Err(other) => return Err(other),
    };
    let stage = stage_after_oidc(state, &account, identity.second_factor).await?;
    let (signed, session_id) = sign_in::open_session(state, &account, stage, client).await?;
    let mut event = state.event(client, AuditKind::Login, Outcome::Ok);
    event.account = Some(account.email.to_string());
    event.session = Some(session_id);
    event.detail = serde_json::json!({
        "method": "oidc",
        "provider": provider,
        "stage": stage.as_str(),
        "second_factor_by_provider": identity.second_factor,
    });
    state.record(event).await?;
    Ok(signed)
}

/// The account a verified identity signs in to (created only when the
/// provider allows registration).
async fn account_for(
    state: &Identity,
    client: &Origin,
    identity: &VerifiedIdentity,
) -> Result<AccountRow, Refused> {
    let email: Email = match (&identity.email, identity.email_verified) {
        (Some(email), true) => email
            .parse()
            .map_err(|_| Refused::Oidc(OidcError::EmailUnverified))?,
        _ => return Err(Refused::Oidc(OidcError::EmailUnverified)),
    };
    let account = match state.store.account_by_email(&email).await? {
        Some(account) => account,
        None => register(state, client, identity, &email).await?,
    };
    if account.status != AccountStatus::Active {
        return Err(Refused::Oidc(OidcError::Suspended));
    }
    Ok(account)
}

async fn register(
    state: &Identity,
    client: &Origin,
    identity: &VerifiedIdentity,
    email: &Email,
) -> Result<AccountRow, Refused> {
    let config = oidc::provider_config(state, &identity.provider).map_err(Refused::Oidc)?;
    let nation = match (&config.allow_registration, &config.registration_nation) {
        (true, Some(nation)) => nation
            .parse()
            .map_err(|e: rampart_domain::Error| Error::Internal(e.into()))?,
        _ => return Err(Refused::Oidc(OidcError::UnknownAccount)),
    };
    // Nobody learns this password: the account signs in through the
    // provider until an administrator issues a one-time password.
    let unknown = hex::encode(rampart_domain::random_bytes::<32>());
    let password_hash = crate::hash_password(&unknown).await?;
    let name = email.as_str().split('@').next().unwrap_or("").to_owned();
    let id = state
        .store
        .create_account(
            &NewAccount {
                email: email.clone(),
                name,
                nation,
                password_hash,
                admin: false,
                security: false,
            },
            state.clock.now(),
        )
        .await
        .map_err(Error::from)?;
    let mut event = state.event(client, AuditKind::OidcAccountRegister, Outcome::Ok);
    event.account = Some(email.to_string());
    event.detail = serde_json::json!({"method": "oidc", "provider": identity.provider});
    state.record(event).await?;
    Ok(state
        .store
        .account_by_id(id)
        .await?
        .ok_or(Error::Unauthenticated)?)
}

/// The stage of a session opened through a provider (see the module doc:
/// no password stage; the provider's second factor only when configured).
async fn stage_after_oidc(
    state: &Identity,
    account: &AccountRow,
    provider_second_factor: bool,
) -> Result<SessionStage, Error> {
    if provider_second_factor || !sign_in::second_factor_required(state, account) {
        return Ok(SessionStage::Full);
    }
    Ok(match state.store.totp_factor(account.id).await? {
        Some(f) if f.confirmed => SessionStage::SecondFactor,
        _ => SessionStage::EnrollSecondFactor,
    })
}
