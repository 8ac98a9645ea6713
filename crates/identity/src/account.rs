//! What an account sees and controls of its own credentials: its sessions
//! (end one, or all but this one), its API tokens (create one with a
//! limited scope, shown once; revoke) and the new-device notices. Only a
//! signed-in session manages these: a token cannot mint or list tokens, so
//! a leaked token stays as narrow as it was issued.

use crate::{AuditKind, Authenticated, Credential, Error, Identity, Origin};
use rampart_domain::{CommunityPath, DisplayName, TokenScope};
use rampart_store::{DeviceNotice, Outcome, SessionListing, TokenRow};
use serde_json::json;

/// The session hash of the caller, refusing tokens.
fn session_hash(user: &Authenticated) -> Result<&[u8], Error> {
    match &user.credential {
        Credential::Session { hash, .. } => Ok(hash),
        Credential::Token => Err(Error::Forbidden(
            "sessions and tokens are managed from a signed-in browser session",
        )),
    }
}

/// One session as shown to its owner.
pub struct SessionView {
    /// Public id (for ending it).
    pub id: String,
    /// Address at sign-in.
    pub ip: String,
    /// User agent at sign-in.
    pub user_agent: String,
    /// Creation time.
    pub created_at: time::OffsetDateTime,
    /// Last activity.
    pub last_seen: time::OffsetDateTime,
    /// Whether it is the session asking.
    pub current: bool,
}

/// The caller's complete sessions, most recently used first.
pub async fn sessions(state: &Identity, user: &Authenticated) -> Result<Vec<SessionView>, Error> {
    let mine = session_hash(user)?;
    let rows: Vec<SessionListing> = state.store.sessions_of(user.principal.account).await?;
    Ok(rows
        .into_iter()
        .map(|s| SessionView {
            current: s.token_hash == mine,
            id: s.public_id,
            ip: s.ip,
            user_agent: s.user_agent,
            created_at: s.created_at,
            last_seen: s.last_seen,
        })
        .collect())
}

/// Ends one of the caller's sessions (404 for anyone else's).
pub async fn end_session(
    state: &Identity,
    user: &Authenticated,
    client: &Origin,
    id: &str,
) -> Result<(), Error> {
    session_hash(user)?;
    state
        .store
        .delete_session_of(user.principal.account, id)
        .await?;
    let mut event = state.event_for(user, client, AuditKind::AccountSessionEnd, Outcome::Ok);
    event.detail = json!({ "ended": id });
    state.record(event).await?;
    Ok(())
}

/// Ends every session of the caller but this one.
pub async fn end_other_sessions(
    state: &Identity,
    user: &Authenticated,
    client: &Origin,
) -> Result<u64, Error> {
    let mine = session_hash(user)?.to_vec();
    let ended = state
        .store
        .delete_other_sessions(user.principal.account, &mine)
        .await?;
    let mut event = state.event_for(user, client, AuditKind::AccountSessionEnd, Outcome::Ok);
    event.detail = json!({ "ended_others": ended });
    state.record(event).await?;
    Ok(ended)
}

/// The caller's tokens, newest first.
pub async fn tokens(state: &Identity, user: &Authenticated) -> Result<Vec<TokenRow>, Error> {
    session_hash(user)?;
    Ok(state.store.tokens_of(user.principal.account).await?)
}

/// Longest token lifetime an owner may choose.
const MAX_TOKEN_DAYS: u32 = 365;

/// Creates a token for the caller: `read` (read-only) or a list of
/// `PORTAL/COMMUNITY` the caller is a member of. Returns the secret, to be
/// shown once.
pub async fn create_token(
    state: &Identity,
    user: &Authenticated,
    client: &Origin,
    name: &str,
    scope: &str,
    expires_days: Option<u32>,
) -> Result<(String, String), Error> {
    session_hash(user)?;
    let name: DisplayName = name.parse()?;
    let scope = match scope.trim() {
        "read" => TokenScope::ReadOnly,
        list => {
            let mut ids = Vec::new();
            for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let path: CommunityPath = item.parse()?;
                let row = state
                    .store
                    .community_by_path(path.portal.as_str(), path.community.as_str())
                    .await?
                    .filter(|c| user.principal.role_in(c.id).is_some())
                    .ok_or_else(|| {
                        Error::Invalid(format!("you are not a member of a community {path}"))
                    })?;
                ids.push(row.id);
            }
            if ids.is_empty() {
                return Err(Error::Invalid(
                    "scope must be read or a list of PORTAL/COMMUNITY".into(),
                ));
            }
            TokenScope::Communities(ids)
        }
    };
    let days = expires_days.unwrap_or(90);
    if days == 0 || days > MAX_TOKEN_DAYS {
        return Err(Error::Invalid(format!(
            "expiry must be between 1 and {MAX_TOKEN_DAYS} days"
        )));
    }
    let now = state.clock.now();
    let (id, secret) = crate::issue_token_with_id(
        &state.store,
        user.principal.account,
        name.as_str(),
        &scope,
        Some(now + time::Duration::days(i64::from(days))),
        now,
    )
    .await?;
    let mut event = state.event_for(user, client, AuditKind::AccountTokenCreate, Outcome::Ok);
    event.detail = json!({ "token": id, "scope": crate::scope_text(&scope), "days": days });
    state.record(event).await?;
    Ok((id, secret))
}

/// Revokes one of the caller's tokens (404 for anyone else's).
pub async fn revoke_token(
    state: &Identity,
    user: &Authenticated,
    client: &Origin,
    id: &str,
) -> Result<(), Error> {
    session_hash(user)?;
    state
        .store
        .revoke_token(user.principal.account, id, state.clock.now())
        .await?;
    let mut event = state.event_for(user, client, AuditKind::AccountTokenRevoke, Outcome::Ok);
    event.detail = json!({ "token": id });
    state.record(event).await?;
    Ok(())
}

/// Sign-ins from new devices, for the account page.
pub async fn notices(state: &Identity, user: &Authenticated) -> Result<Vec<DeviceNotice>, Error> {
    Ok(state.store.device_notices(user.principal.account).await?)
}

/// The caller's second factor in words, for the account page.
pub async fn factor_summary(state: &Identity, user: &Authenticated) -> Result<String, Error> {
    let account = user.principal.account;
    Ok(match state.store.totp_factor(account).await? {
        Some(f) if f.confirmed => {
            let left = state.store.unused_recovery_codes(account).await?.len();
            format!(
                "Authenticator app (TOTP) set up; {left} of {} recovery codes left.",
                crate::totp::RECOVERY_CODES
            )
        }
        _ => "No second factor set up.".to_owned(),
    })
}
