//! Reviewing the guard's alerts: who may (investigators), the alerts, and
//! the two answers to one — let the account back in, or keep it locked —
//! each with the officer's note in its audit event.

use super::{load, save};
use crate::{context::App, error::Error, identity::Authenticated, AuditKind, Origin};
use rampart_domain::{authorize, AccountStatus, Action, Decision};
use rampart_guard::PrincipalState;
use rampart_store::{AlertRow, GuardStates, Outcome};
use serde_json::json;

/// The longest review note, in characters.
pub const NOTE_LIMIT: usize = 1000;

/// An officer's note on a review, checked: trimmed, not empty, at most
/// [`NOTE_LIMIT`] characters, no control characters but line breaks.
pub fn review_note(raw: &str) -> Result<String, Error> {
    let note = raw.trim();
    if note.is_empty() {
        return Err(Error::Invalid(
            "write a note saying why (it goes into the audit log)".into(),
        ));
    }
    if note.chars().count() > NOTE_LIMIT {
        return Err(Error::Invalid(format!(
            "a note is at most {NOTE_LIMIT} characters"
        )));
    }
    if note
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Error::Invalid(
            "a note cannot hold control characters".into(),
        ));
    }
    Ok(note.to_owned())
}

/// Lets security officers through; for anyone else the endpoint does not
/// exist (404), and the attempt is audited as a denied `kind`.
pub async fn require_investigator(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    kind: AuditKind,
) -> Result<(), Error> {
    if authorize(&user.principal, Action::Investigate) == Decision::Allow {
        return Ok(());
    }
    state
        .record(state.event_for(user, client, kind, Outcome::Denied))
        .await?;
    Err(Error::NotFound)
}

/// Alerts for the console and the API (open ones unless `all`), audited.
pub async fn list_alerts(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    all: bool,
) -> Result<Vec<AlertRow>, Error> {
    require_investigator(state, user, client, AuditKind::GuardAlerts).await?;
    let alerts = state.store.alerts(all, 500).await?;
    let mut event = state.event_for(user, client, AuditKind::GuardAlerts, Outcome::Ok);
    event.detail = json!({"all": all, "count": alerts.len()});
    state.record(event).await?;
    Ok(alerts)
}

/// A security officer's unlock: reactivates the account, lifts the guard's
/// suspension and throttle, closes the account's open alerts; audited.
/// Returns how many alerts were closed.
pub async fn unlock(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    email: &str,
    note: Option<&str>,
) -> Result<u64, Error> {
    require_investigator(state, user, client, AuditKind::GuardUnlock).await?;
    let note = note.map(review_note).transpose()?;
    let email: rampart_domain::Email = email.parse().map_err(|_| Error::NotFound)?;
    if email == user.email {
        // An officer held by the guard must not clear their own hold.
        return Err(Error::Invalid(
            "you cannot unlock your own account; ask another security officer".into(),
        ));
    }
    let account = state
        .store
        .account_by_email(&email)
        .await?
        .ok_or(Error::NotFound)?;
    let closed = lift_suspension(state, &account, user.email.as_str()).await?;
    let mut event = state.event_for(user, client, AuditKind::GuardUnlock, Outcome::Ok);
    event.detail = json!({"account": email.as_str(), "closed_alerts": closed, "note": note});
    state.record(event).await?;
    Ok(closed)
}

/// Lets `account` back in: lifts the guard's suspension and throttle,
/// reactivates it and closes its open alerts (as closed by `by`). Returns
/// how many alerts were closed. The caller checks the policy and audits.
pub(crate) async fn lift_suspension(
    state: &App,
    account: &rampart_store::AccountRow,
    by: &str,
) -> Result<u64, Error> {
    let now = state.clock.now();
    let guard = state.guard.clone();
    state
        .store
        .guard_update(account.id, None, now, move |s: &mut GuardStates| {
            if s.principal.is_some() {
                let mut principal: PrincipalState = load("principal", s.principal.as_ref())?;
                guard.unlock(&mut principal);
                s.principal = save("principal", &principal)?;
            }
            Ok(())
        })
        .await?;
    state
        .store
        .set_account_status(account.id, AccountStatus::Active, now)
        .await?;
    let closed = state
        .store
        .close_alerts_of(account.email.as_str(), by, now)
        .await?;
    Ok(closed)
}

/// "Keep locked": closes one alert without unlocking; audited.
pub async fn keep_locked(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    id: i64,
    note: Option<&str>,
) -> Result<AlertRow, Error> {
    require_investigator(state, user, client, AuditKind::GuardKeepLocked).await?;
    let note = note.map(review_note).transpose()?;
    let alert = state.store.alert(id).await?.ok_or(Error::NotFound)?;
    state
        .store
        .close_alert(id, user.email.as_str(), state.clock.now())
        .await?;
    let mut event = state.event_for(user, client, AuditKind::GuardKeepLocked, Outcome::Ok);
    event.detail = json!({"alert": id, "account": alert.account, "note": note});
    state.record(event).await?;
    Ok(alert)
}
