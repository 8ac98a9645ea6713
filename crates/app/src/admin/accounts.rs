//! Managing one account: finding accounts, an account's whole picture
//! (memberships, sessions, factors, tokens) and the actions an administrator
//! takes on it — suspend, unlock, reset its second factors, make it choose a
//! new password, end its sessions. Each action goes through the policy
//! function and leaves an audit event naming the account.

use super::{record, Actor};
use crate::{context::App, error::Error, search::text::words, AuditKind};
use rampart_domain::{AccountId, AccountStatus, Action, CommunityRole};
use rampart_store::{AccountRow, CommunityRow, SessionListing, TokenRow};
use serde_json::json;

/// The most accounts one page of the list shows.
pub const MAX_PAGE: u32 = 200;
/// Longest search accepted.
const MAX_QUERY: usize = 256;

/// One page of the accounts that match a search.
#[derive(Debug, Clone)]
pub struct AccountPage {
    /// The accounts on this page, by email.
    pub accounts: Vec<AccountRow>,
    /// How many match the search.
    pub matching: usize,
    /// How many accounts there are.
    pub total: usize,
}

/// Accounts whose email, name or nation contains `text` (accents and case
/// ignored; every word must match), by email, `limit` from `offset`.
///
/// The list is filtered in memory: an install has hundreds or thousands of
/// accounts, not millions, and an account row is small. (Not measured
/// beyond the demo's 153 accounts; a store query with `LIMIT` is the next
/// step if an install ever has far more.)
pub async fn find(
    state: &App,
    actor: Actor<'_>,
    text: &str,
    offset: usize,
    limit: u32,
) -> Result<AccountPage, Error> {
    actor.check(Action::Administer)?;
    if text.len() > MAX_QUERY {
        return Err(Error::Invalid(format!(
            "a search is at most {MAX_QUERY} characters"
        )));
    }
    let wanted = words(text);
    let mut all = state.store.list_accounts().await?;
    let total = all.len();
    all.sort_by(|a, b| a.email.as_str().cmp(b.email.as_str()));
    let matching: Vec<AccountRow> = all
        .into_iter()
        .filter(|a| {
            let haystack = words(&format!("{} {} {}", a.email, a.name, a.nation)).join(" ");
            wanted.iter().all(|w| haystack.contains(w.as_str()))
        })
        .collect();
    let count = matching.len();
    let accounts = matching
        .into_iter()
        .skip(offset)
        .take(limit.min(MAX_PAGE) as usize)
        .collect();
    Ok(AccountPage {
        accounts,
        matching: count,
        total,
    })
}

/// Everything an administrator sees about one account.
#[derive(Debug, Clone)]
pub struct AccountDetail {
    /// The account.
    pub account: AccountRow,
    /// Its communities and roles there, by path.
    pub memberships: Vec<(CommunityRow, CommunityRole)>,
    /// The communities it is not in, by path (for adding it to one).
    pub other_communities: Vec<CommunityRow>,
    /// Its sessions, most recently used first.
    pub sessions: Vec<SessionListing>,
    /// Whether a TOTP factor is confirmed.
    pub totp: bool,
    /// Its passkeys' names.
    pub passkeys: Vec<String>,
    /// Unused recovery codes.
    pub recovery_codes: usize,
    /// Its API tokens, newest first.
    pub tokens: Vec<TokenRow>,
}

/// One account by its key; administrators only (for everyone else, and
/// for a key with no account, there is nothing here).
pub async fn account(state: &App, actor: Actor<'_>, id: AccountId) -> Result<AccountRow, Error> {
    actor.check(Action::Administer)?;
    state.store.account_by_id(id).await?.ok_or(Error::NotFound)
}

/// Loads an account's picture by its key; administrators only.
pub async fn detail(state: &App, actor: Actor<'_>, id: AccountId) -> Result<AccountDetail, Error> {
    let account = account(state, actor, id).await?;
    let roles = state.store.memberships_of(id).await?;
    let (mut memberships, mut other_communities) = (Vec::new(), Vec::new());
    for c in state.store.list_communities().await? {
        match roles.iter().find(|(cid, _)| *cid == c.id) {
            Some((_, role)) => memberships.push((c, *role)),
            None => other_communities.push(c),
        }
    }
    memberships.sort_by_key(|(c, _)| c.path());
    other_communities.sort_by_key(CommunityRow::path);
    Ok(AccountDetail {
        sessions: state.store.sessions_of(id).await?,
        totp: state
            .store
            .totp_factor(id)
            .await?
            .is_some_and(|f| f.confirmed),
        passkeys: state
            .store
            .webauthn_credentials(id)
            .await?
            .into_iter()
            .map(|c| c.name)
            .collect(),
        recovery_codes: state.store.unused_recovery_codes(id).await?.len(),
        tokens: state.store.tokens_of(id).await?,
        memberships,
        other_communities,
        account,
    })
}

/// What an administrator does to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    /// Suspends it: it can no longer sign in, and its sessions end.
    Suspend,
    /// Lets a suspended account back in (also lifts the guard's hold and
    /// closes its open alerts).
    Unlock,
    /// Removes its TOTP secret, recovery codes and passkeys; its sessions
    /// end, and its next sign-in enrolls a second factor again.
    ResetSecondFactor,
    /// Its next sign-in must choose a new password; its sessions end.
    ForcePasswordChange,
    /// Ends every session (API tokens are kept).
    EndSessions,
}

impl AccountAction {
    /// The audit kind of the action.
    pub fn kind(self) -> AuditKind {
        match self {
            AccountAction::Suspend => AuditKind::AdminAccountSuspend,
            AccountAction::Unlock => AuditKind::AdminAccountUnlock,
            AccountAction::ResetSecondFactor => AuditKind::AdminFactorsReset,
            AccountAction::ForcePasswordChange => AuditKind::AdminPasswordExpire,
            AccountAction::EndSessions => AuditKind::AdminSessionsEnd,
        }
    }
}

/// Applies `action` to account `id`, audited with what it changed.
/// Returns that change in words, for the page to confirm.
pub async fn apply(
    state: &App,
    actor: Actor<'_>,
    id: AccountId,
    action: AccountAction,
) -> Result<String, Error> {
    let account = account(state, actor, id).await?;
    if let Actor::User(user, _) = actor {
        // Locking oneself out leaves nobody to undo it from the web, and
        // lifting one's own hold would let a held account clear itself.
        let own = user.principal.account == id;
        if own && matches!(action, AccountAction::Suspend | AccountAction::Unlock) {
            return Err(Error::Invalid(
                "you cannot suspend or unlock your own account; ask another administrator".into(),
            ));
        }
    }
    let now = state.clock.now();
    let email = account.email.as_str();
    let (detail, done) = match action {
        AccountAction::Suspend => {
            if account.status == AccountStatus::Suspended {
                return Err(Error::Invalid(format!("{email} is already suspended")));
            }
            state
                .store
                .set_account_status(id, AccountStatus::Suspended, now)
                .await?;
            let sessions = state.store.delete_sessions_of(id).await?;
            (
                json!({"email": email, "sessions_ended": sessions}),
                format!("{email} is suspended; {sessions} session(s) ended."),
            )
        }
        AccountAction::Unlock => {
            let closed = crate::guard::lift_suspension(state, &account, &actor_name(actor)).await?;
            (
                json!({"email": email, "closed_alerts": closed}),
                format!("{email} can sign in again; {closed} open alert(s) closed."),
            )
        }
        AccountAction::ResetSecondFactor => {
            let removed = state.store.reset_second_factors(id).await?;
            let sessions = state.store.delete_sessions_of(id).await?;
            (
                json!({"email": email, "factors_removed": removed, "sessions_ended": sessions}),
                format!(
                    "{removed} second factor(s) of {email} removed; it enrolls a new one at its next sign-in."
                ),
            )
        }
        AccountAction::ForcePasswordChange => {
            state.store.require_password_change(id).await?;
            let sessions = state.store.delete_sessions_of(id).await?;
            (
                json!({"email": email, "sessions_ended": sessions}),
                format!("{email} must choose a new password at its next sign-in."),
            )
        }
        AccountAction::EndSessions => {
            let sessions = state.store.delete_sessions_of(id).await?;
            (
                json!({"email": email, "sessions_ended": sessions}),
                format!("{sessions} session(s) of {email} ended."),
            )
        }
    };
    record(state, actor, action.kind(), detail).await?;
    Ok(done)
}

/// [`apply`] to the account named by `email` (the console names accounts
/// by email); an unknown email is an input error.
pub async fn apply_by_email(
    state: &App,
    actor: Actor<'_>,
    email: &str,
    action: AccountAction,
) -> Result<String, Error> {
    actor.check(Action::Administer)?;
    let parsed: rampart_domain::Email = email.trim().parse()?;
    let account = state
        .store
        .account_by_email(&parsed)
        .await?
        .ok_or_else(|| Error::Invalid(format!("no account with email {parsed}")))?;
    apply(state, actor, account.id, action).await
}

fn actor_name(actor: Actor<'_>) -> String {
    match actor {
        Actor::Console => "console".to_owned(),
        Actor::User(user, _) => user.email.to_string(),
    }
}
