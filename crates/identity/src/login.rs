//! Signing in with a password, signing out, and the password change that
//! completes a one-time-password sign-in: the same checks, throttle and
//! audit events for the JSON API and the web UI.

use crate::{
    sign_in, throttle, AuditKind, Authenticated, Credential, Error, Identity, Origin, SignedIn,
};
use rampart_domain::Email;
use rampart_store::{AccountRow, Outcome, SessionStage};

/// Checks the email's shape before any database work: oversized or
/// control-character input is a clear 422, audited.
async fn check_email_shape(state: &Identity, client: &Origin, email: &str) -> Result<(), Error> {
    let problem = if email.len() > 254 {
        Some("email longer than 254 bytes")
    } else if email.chars().any(char::is_control) {
        Some("email with control characters")
    } else {
        None
    };
    if let Some(reason) = problem {
        let mut event = state.event(client, AuditKind::Login, Outcome::Failed);
        event.account = Some("(malformed)".into());
        event.detail = serde_json::json!({ "reason": reason });
        state.record(event).await?;
        return Err(Error::Invalid(format!(
            "the email is invalid ({reason}); it must be at most 254 bytes without control characters"
        )));
    }
    Ok(())
}

/// Checks email and password, audits the attempt, and opens a session whose
/// stage is limited to what the account may do next. Attempts are
/// throttled per account, IP and network before the password is checked.
pub async fn with_password(
    state: &Identity,
    client: &Origin,
    email: &str,
    password: &str,
) -> Result<SignedIn, Error> {
    check_email_shape(state, client, email).await?;
    let parsed: Option<Email> = email.parse().ok().filter(|_| password.len() <= 1024);
    let shown_email = parsed
        .as_ref()
        .map(|e| e.to_string())
        .unwrap_or_else(|| "(malformed)".into());
    let keys = throttle::Keys::new(client, &shown_email);
    if let Err(e) = throttle::check(state, &keys).await {
        let mut event = state.event(client, AuditKind::Login, Outcome::Denied);
        event.account = Some(shown_email);
        event.detail = serde_json::json!({"reason": "throttled"});
        state.record(event).await?;
        throttle::detect(state, &keys).await?;
        return Err(e);
    }
    let account = match &parsed {
        Some(e) => state.store.account_by_email(e).await?,
        None => None,
    };
    let ok =
        crate::verify_password(account.as_ref().map(|a| a.password_hash.clone()), password).await?;
    let account = match account {
        Some(a) if ok && a.status == rampart_domain::AccountStatus::Active => a,
        other => {
            let mut event = state.event(client, AuditKind::Login, Outcome::Failed);
            event.account = Some(shown_email);
            event.detail = serde_json::json!({"reason": match &other {
                None => "unknown account",
                Some(a) if a.status != rampart_domain::AccountStatus::Active => "account suspended",
                Some(_) => "wrong password",
            }});
            state.record(event).await?;
            throttle::failed(state, &keys).await?;
            throttle::detect(state, &keys).await?;
            // Argon2 ran above whatever the account's state, and the
            // failure is counted the same way; only the holder of the
            // right password learns that the account is locked and whom
            // to ask, a wrong password gets the usual answer.
            return Err(match &other {
                Some(a) if ok && a.status != rampart_domain::AccountStatus::Active => {
                    Error::AccountLocked(state.config.identity.locked_contact.clone())
                }
                _ => Error::BadCredentials,
            });
        }
    };
    if crate::needs_rehash(&account.password_hash) {
        let hash = crate::hash_password(password).await?;
        state
            .store
            .set_password(account.id, &hash, account.must_change_password)
            .await?;
    }
    let stage = sign_in::stage_after_password(state, &account).await?;
    let (signed, session_id) = sign_in::open_session(state, &account, stage, client).await?;
    let mut event = state.event(client, AuditKind::Login, Outcome::Ok);
    event.account = Some(account.email.to_string());
    event.session = Some(session_id);
    event.detail = serde_json::json!({"stage": stage.as_str()});
    state.record(event).await?;
    Ok(signed)
}

/// Ends the session (or does nothing for a token, which is revoked instead).
pub async fn sign_out(
    state: &Identity,
    user: &Authenticated,
    client: &Origin,
) -> Result<(), Error> {
    if let Credential::Session { hash, .. } = &user.credential {
        state.store.delete_session(hash).await?;
    }
    state
        .record(state.event_for(user, client, AuditKind::Logout, Outcome::Ok))
        .await?;
    Ok(())
}

/// Verifies the current password, stores the new one, and replaces the
/// session with a fully signed-in one (a fresh id: no fixation).
pub async fn change_password(
    state: &Identity,
    user: &Authenticated,
    client: &Origin,
    current: &str,
    new: &str,
) -> Result<SignedIn, Error> {
    let account = state
        .store
        .account_by_id(user.principal.account)
        .await?
        .ok_or(Error::Unauthenticated)?;
    if !crate::verify_password(Some(account.password_hash.clone()), current).await? {
        let mut event = state.event_for(user, client, AuditKind::PasswordChange, Outcome::Failed);
        event.detail = serde_json::json!({"reason": "wrong current password"});
        state.record(event).await?;
        return Err(Error::BadCredentials);
    }
    crate::check_new_password(new, &[account.email.as_str(), &account.name])?;
    if new == current {
        return Err(Error::Invalid(
            "the new password must differ from the current one".into(),
        ));
    }
    let hash = crate::hash_password(new).await?;
    state.store.set_password(account.id, &hash, false).await?;
    // Every other session of the account ends with the old password.
    state.store.delete_sessions_of(account.id).await?;
    let account = AccountRow {
        must_change_password: false,
        ..account
    };
    let stage = match user.stage() {
        // A full session stays full; a one-time-password session moves on
        // to the second factor (enrollment at first sign-in).
        SessionStage::Full => SessionStage::Full,
        _ => sign_in::stage_after_password(state, &account).await?,
    };
    let (signed, _) = sign_in::open_session(state, &account, stage, client).await?;
    state
        .record(state.event_for(user, client, AuditKind::PasswordChange, Outcome::Ok))
        .await?;
    Ok(signed)
}
