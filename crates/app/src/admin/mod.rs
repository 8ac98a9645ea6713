//! Administrative changes — portals, communities, accounts, memberships,
//! tokens — shared by the admin pages and the `rampart admin` command, so
//! both validate the same way and both leave an audit event.

pub mod accounts;

use crate::{
    context::App,
    error::Error,
    identity::{self, Authenticated},
    AuditKind, Origin,
};
use rampart_domain::{
    authorize, AccountId, Action, CommunityPath, CommunityRole, Decision, DisplayName, Email,
    Nation, Slug, TokenScope,
};
use rampart_store::{AccountRow, AuditEvent, CommunityRow, NewAccount, Outcome, PortalRow};
use time::OffsetDateTime;

/// Who makes a change.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// Someone at the server's console (`rampart admin …`, first start).
    Console,
    /// A signed-in user through the web UI.
    User(&'a Authenticated, &'a Origin),
}

impl Actor<'_> {
    pub fn event(&self, state: &App, kind: AuditKind) -> AuditEvent {
        match self {
            Actor::Console => state.event(&Origin::Console, kind, Outcome::Ok),
            Actor::User(user, client) => state.event_for(user, client, kind, Outcome::Ok),
        }
    }

    /// Console changes are always allowed; users go through the policy.
    pub fn check(&self, action: Action<'_>) -> Result<(), Error> {
        match self {
            Actor::Console => Ok(()),
            Actor::User(user, _) => match authorize(&user.principal, action) {
                Decision::Allow => Ok(()),
                Decision::NotFound => Err(Error::NotFound),
                Decision::Forbidden => Err(Error::Forbidden("your role does not allow this")),
            },
        }
    }
}

/// How a lookup by email answers when there is no such account: forms that
/// name a new member get a 422 explaining it, lookups of an existing
/// object's owner a plain 404.
#[derive(Clone, Copy)]
enum Missing {
    Invalid,
    NotFound,
}

/// Parses an email and loads its account.
async fn account_named(
    state: &App,
    email: &str,
    missing: Missing,
) -> Result<(Email, rampart_store::AccountRow), Error> {
    let email: Email = email.parse()?;
    match state.store.account_by_email(&email).await? {
        Some(account) => Ok((email, account)),
        None => Err(match missing {
            Missing::Invalid => Error::Invalid(format!("no account with email {email}")),
            Missing::NotFound => Error::NotFound,
        }),
    }
}

/// Records `actor`'s change of `kind` with its detail.
pub(crate) async fn record(
    state: &App,
    actor: Actor<'_>,
    kind: AuditKind,
    detail: serde_json::Value,
) -> Result<(), Error> {
    let mut event = actor.event(state, kind);
    event.detail = detail;
    state.record(event).await.map(|_| ())
}

/// What an administrator manages, for the admin overview.
#[derive(Debug, Clone)]
pub struct Overview {
    /// Every portal.
    pub portals: Vec<PortalRow>,
    /// Every community.
    pub communities: Vec<CommunityRow>,
    /// Every account.
    pub accounts: Vec<AccountRow>,
}

/// Lists portals, communities and accounts; administrators only (everyone
/// else is told there is nothing here).
pub async fn overview(state: &App, actor: Actor<'_>) -> Result<Overview, Error> {
    actor.check(Action::Administer)?;
    Ok(Overview {
        portals: state.store.list_portals().await?,
        communities: state.store.list_communities().await?,
        accounts: state.store.list_accounts().await?,
    })
}

/// Creates a portal.
pub async fn create_portal(
    state: &App,
    actor: Actor<'_>,
    slug: &str,
    name: &str,
) -> Result<(), Error> {
    actor.check(Action::Administer)?;
    let slug: Slug = slug.parse()?;
    let name: DisplayName = name.parse()?;
    state
        .store
        .create_portal(&slug, name.as_str(), state.clock.now())
        .await?;
    record(
        state,
        actor,
        AuditKind::AdminPortalAdd,
        serde_json::json!({"portal": slug, "name": name}),
    )
    .await
}

/// Creates a community in a portal.
pub async fn create_community(
    state: &App,
    actor: Actor<'_>,
    portal: &str,
    slug: &str,
    name: &str,
) -> Result<(), Error> {
    actor.check(Action::Administer)?;
    let portal_row = state.store.portal_by_slug(portal).await?.ok_or_else(|| {
        Error::Invalid(format!(
            "no portal named {:?}",
            portal.chars().take(40).collect::<String>()
        ))
    })?;
    let slug: Slug = slug.parse()?;
    let name: DisplayName = name.parse()?;
    state
        .store
        .create_community(portal_row.id, &slug, name.as_str(), state.clock.now())
        .await?;
    record(
        state,
        actor,
        AuditKind::AdminCommunityAdd,
        serde_json::json!({"community": format!("{}/{}", portal_row.slug, slug), "name": name}),
    )
    .await
}

/// A new account as typed by an administrator.
#[derive(Debug, Clone)]
pub struct AccountInput<'a> {
    /// Email.
    pub email: &'a str,
    /// Display name.
    pub name: &'a str,
    /// ISO alpha-3 nation.
    pub nation: &'a str,
    /// Install-wide administrator.
    pub admin: bool,
    /// Security officer.
    pub security: bool,
}

/// Creates an account and returns its one-time password (shown once).
pub async fn create_account(
    state: &App,
    actor: Actor<'_>,
    input: AccountInput<'_>,
) -> Result<(AccountId, String), Error> {
    actor.check(Action::Administer)?;
    let email: Email = input.email.parse()?;
    let name: DisplayName = input.name.parse()?;
    let nation: Nation = input.nation.parse()?;
    let password = identity::generate_one_time_password();
    let hash = identity::hash_password(&password).await?;
    let id = state
        .store
        .create_account(
            &NewAccount {
                email: email.clone(),
                name: name.to_string(),
                nation: nation.clone(),
                password_hash: hash,
                admin: input.admin,
                security: input.security,
            },
            state.clock.now(),
        )
        .await?;
    record(
        state,
        actor,
        AuditKind::AdminAccountAdd,
        serde_json::json!({"email": email, "nation": nation, "admin": input.admin, "security": input.security}),
    )
    .await?;
    Ok((id, password))
}

/// Adds a member to `portal/community` with a role (or changes the role).
pub async fn set_membership(
    state: &App,
    actor: Actor<'_>,
    community: &str,
    email: &str,
    role: &str,
) -> Result<(), Error> {
    let path: CommunityPath = community.parse()?;
    let role: CommunityRole = role.parse()?;
    let row = state
        .store
        .community_by_path(path.portal.as_str(), path.community.as_str())
        .await?;
    let Some(row) = row else {
        actor.check(Action::Administer)?;
        return Err(Error::Invalid(format!("no community named {path}")));
    };
    actor.check(Action::ManageMembers(row.id))?;
    let (email, account) = account_named(state, email, Missing::Invalid).await?;
    state
        .store
        .set_membership(account.id, row.id, role, state.clock.now())
        .await?;
    record(
        state,
        actor,
        AuditKind::AdminMemberSet,
        serde_json::json!({"community": row.path(), "email": email, "role": role}),
    )
    .await
}

/// Removes a member from `portal/community`.
pub async fn remove_membership(
    state: &App,
    actor: Actor<'_>,
    community: &str,
    email: &str,
) -> Result<(), Error> {
    let path: CommunityPath = community.parse()?;
    let row = state
        .store
        .community_by_path(path.portal.as_str(), path.community.as_str())
        .await?
        .ok_or(Error::NotFound)?;
    actor.check(Action::ManageMembers(row.id))?;
    let (email, account) = account_named(state, email, Missing::NotFound).await?;
    state.store.remove_membership(account.id, row.id).await?;
    record(
        state,
        actor,
        AuditKind::AdminMemberRemove,
        serde_json::json!({"community": row.path(), "email": email}),
    )
    .await
}

/// Issues an API token for an account; returns the secret (shown once).
/// `scope` is `full`, `read`, or a comma-separated list of
/// `portal/community` paths.
pub async fn issue_token(
    state: &App,
    actor: Actor<'_>,
    email: &str,
    name: &str,
    scope: &str,
    expires_at: Option<OffsetDateTime>,
) -> Result<String, Error> {
    actor.check(Action::Administer)?;
    let (email, account) = account_named(state, email, Missing::Invalid).await?;
    let scope = match scope.trim() {
        "" | "full" => TokenScope::Full,
        "read" => TokenScope::ReadOnly,
        list => {
            let mut ids = Vec::new();
            for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let path: CommunityPath = item.parse()?;
                let row = state
                    .store
                    .community_by_path(path.portal.as_str(), path.community.as_str())
                    .await?
                    .ok_or_else(|| Error::Invalid(format!("no community named {path}")))?;
                ids.push(row.id);
            }
            TokenScope::Communities(ids)
        }
    };
    let name: DisplayName = name.parse()?;
    let now = state.clock.now();
    if expires_at.is_some_and(|e| e <= now) {
        return Err(Error::Invalid("expiry must be in the future".into()));
    }
    let secret = identity::issue_token(
        &state.store,
        account.id,
        name.as_str(),
        &scope,
        expires_at,
        now,
    )
    .await?;
    record(
        state,
        actor,
        AuditKind::AdminTokenCreate,
        serde_json::json!({"email": email, "scope": identity::scope_text(&scope), "expires_at": expires_at.map(|e| e.unix_timestamp())}),
    )
    .await?;
    Ok(secret)
}

/// An account's tokens, newest first (secrets are never stored, so never shown).
pub async fn list_tokens(state: &App, email: &str) -> Result<Vec<rampart_store::TokenRow>, Error> {
    let (_, account) = account_named(state, email, Missing::NotFound).await?;
    Ok(state.store.tokens_of(account.id).await?)
}

/// Revokes one of an account's tokens.
pub async fn revoke_token(
    state: &App,
    actor: Actor<'_>,
    email: &str,
    id: &str,
) -> Result<(), Error> {
    actor.check(Action::Administer)?;
    let (email, account) = account_named(state, email, Missing::NotFound).await?;
    state
        .store
        .revoke_token(account.id, id, state.clock.now())
        .await?;
    record(
        state,
        actor,
        AuditKind::AdminTokenRevoke,
        serde_json::json!({"email": email, "token": id}),
    )
    .await
}
