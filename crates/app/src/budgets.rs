//! Guard budgets set by administrators, shared by the admin page and the
//! JSON API (`/api/v1/admin/budgets`).
//!
//! Role defaults come from the configuration (`[guard.budgets]`); overrides
//! per community (per role) and per account are kept in the store so that
//! every node applies them at once and they survive restarts. The guard
//! applies account override > community override > role default. Every
//! change goes through the policy (administrators only; everyone else is
//! told there is nothing here) and is audited with the old and new limits.

use crate::{
    admin::{record, Actor},
    context::App,
    error::Error,
    AuditKind,
};
use rampart_domain::{AccountId, Action, CommunityId, CommunityPath, CommunityRole, Email};
use rampart_guard::{Limits, LimitsOverride, Role, StoredOverrides};
use rampart_store::BudgetOverrideRow;
use serde_json::json;
use time::OffsetDateTime;

/// One stored override, parsed.
#[derive(Debug, Clone)]
pub struct BudgetOverride {
    /// `portal/community` or the account's email.
    pub target: String,
    /// The role of a community override.
    pub role: Option<String>,
    /// The limits it sets.
    pub limits: LimitsOverride,
    /// When it was set.
    pub updated_at: OffsetDateTime,
    /// Who set it.
    pub updated_by: String,
}

/// Everything an administrator sees about budgets.
#[derive(Debug, Clone)]
pub struct BudgetsView {
    /// Role defaults from the configuration, in role order.
    pub roles: Vec<(&'static str, Limits)>,
    /// Stored community overrides.
    pub communities: Vec<BudgetOverride>,
    /// Stored account overrides.
    pub accounts: Vec<BudgetOverride>,
}

fn parse_limits(json: &str) -> Result<LimitsOverride, rampart_store::Error> {
    serde_json::from_str(json)
        .map_err(|e| rampart_store::Error::Corrupt(format!("guard budget override: {e}")))
}

fn to_json(limits: &LimitsOverride) -> Result<String, Error> {
    serde_json::to_string(limits).map_err(|e| Error::Internal(e.into()))
}

fn parsed(row: BudgetOverrideRow) -> Result<BudgetOverride, Error> {
    Ok(BudgetOverride {
        limits: parse_limits(&row.limits)?,
        target: row.target,
        role: row.role,
        updated_at: row.updated_at,
        updated_by: row.updated_by,
    })
}

/// The guard's role for a community role.
pub fn guard_role(role: CommunityRole) -> Role {
    match role {
        CommunityRole::Reader => Role::Reader,
        CommunityRole::Contributor => Role::Contributor,
        CommunityRole::Manager => Role::Manager,
    }
}

/// The stored overrides that apply to `account` acting as `role` in
/// `community` (the request path's one lookup).
pub async fn overrides_for(
    state: &App,
    account: AccountId,
    community: Option<CommunityId>,
    role: Role,
) -> Result<StoredOverrides, Error> {
    // Ids start at 1: without a community only the account's override is
    // found.
    let (community, account) = state
        .store
        .budget_overrides_for(account, community.unwrap_or(CommunityId(0)), role.as_str())
        .await?;
    Ok(StoredOverrides {
        community: community.as_deref().map(parse_limits).transpose()?,
        account: account.as_deref().map(parse_limits).transpose()?,
    })
}

/// Checks an override typed by an administrator.
fn validate(limits: &LimitsOverride) -> Result<(), Error> {
    if limits.is_empty() {
        return Err(Error::Invalid(
            "set at least one limit (remove the override to fall back)".into(),
        ));
    }
    limits.check().map_err(|e| match e {
        rampart_guard::GuardError::InvalidConfig(message) => Error::Invalid(message),
    })
}

fn actor_name(actor: Actor<'_>) -> String {
    match actor {
        Actor::Console => "console".into(),
        Actor::User(user, _) => user.email.to_string(),
    }
}

/// Administrators only: the policy's answer for anyone else.
pub fn require_admin(actor: Actor<'_>) -> Result<(), Error> {
    actor.check(Action::Administer)
}

/// Role defaults and every stored override; administrators only.
pub async fn list(state: &App, actor: Actor<'_>) -> Result<BudgetsView, Error> {
    actor.check(Action::Administer)?;
    let budgets = &state.config.guard.budgets;
    let communities = state
        .store
        .community_budget_overrides()
        .await?
        .into_iter()
        .map(parsed)
        .collect::<Result<_, _>>()?;
    let accounts = state
        .store
        .account_budget_overrides()
        .await?
        .into_iter()
        .map(parsed)
        .collect::<Result<_, _>>()?;
    Ok(BudgetsView {
        roles: vec![
            ("reader", budgets.reader),
            ("contributor", budgets.contributor),
            ("manager", budgets.manager),
        ],
        communities,
        accounts,
    })
}

async fn community_named(
    state: &App,
    community: &str,
) -> Result<rampart_store::CommunityRow, Error> {
    let path: CommunityPath = community.parse()?;
    state
        .store
        .community_by_path(path.portal.as_str(), path.community.as_str())
        .await?
        .ok_or_else(|| Error::Invalid(format!("no community named {path}")))
}

async fn account_named(
    state: &App,
    email: &str,
) -> Result<(Email, rampart_store::AccountRow), Error> {
    let email: Email = email.parse()?;
    match state.store.account_by_email(&email).await? {
        Some(account) => Ok((email, account)),
        None => Err(Error::Invalid(format!("no account with email {email}"))),
    }
}

/// The override stored for `role` in `community`, if any.
async fn community_override(
    state: &App,
    path: &str,
    role: &str,
) -> Result<Option<LimitsOverride>, Error> {
    Ok(state
        .store
        .community_budget_overrides()
        .await?
        .into_iter()
        .find(|o| o.target == path && o.role.as_deref() == Some(role))
        .map(|o| parse_limits(&o.limits))
        .transpose()?)
}

/// Sets the override of `role` in `community` (`portal/community`);
/// returns the limits a member with that role now gets there.
pub async fn set_community(
    state: &App,
    actor: Actor<'_>,
    community: &str,
    role: &str,
    limits: LimitsOverride,
) -> Result<Limits, Error> {
    actor.check(Action::Administer)?;
    let row = community_named(state, community).await?;
    let role: CommunityRole = role.parse()?;
    validate(&limits)?;
    let path = row.path();
    let before = community_override(state, &path, role.as_str()).await?;
    state
        .store
        .set_community_budget(
            row.id,
            role.as_str(),
            &to_json(&limits)?,
            &actor_name(actor),
            state.clock.now(),
        )
        .await?;
    record(
        state,
        actor,
        AuditKind::AdminBudgetSet,
        json!({"community": path, "role": role, "before": before, "limits": limits}),
    )
    .await?;
    let stored = StoredOverrides {
        community: Some(limits),
        account: None,
    };
    Ok(state
        .config
        .guard
        .budgets
        .resolve_with("", &path, guard_role(role), &stored))
}

/// Removes the override of `role` in `community`; 404 if there was none.
pub async fn remove_community(
    state: &App,
    actor: Actor<'_>,
    community: &str,
    role: &str,
) -> Result<(), Error> {
    actor.check(Action::Administer)?;
    let row = community_named(state, community).await?;
    let role: CommunityRole = role.parse()?;
    let path = row.path();
    let before = community_override(state, &path, role.as_str()).await?;
    if !state
        .store
        .remove_community_budget(row.id, role.as_str())
        .await?
    {
        return Err(Error::NotFound);
    }
    record(
        state,
        actor,
        AuditKind::AdminBudgetRemove,
        json!({"community": path, "role": role, "before": before}),
    )
    .await
}

/// The override stored for an account, if any.
async fn account_override(state: &App, email: &Email) -> Result<Option<LimitsOverride>, Error> {
    Ok(state
        .store
        .account_budget_overrides()
        .await?
        .into_iter()
        .find(|o| o.target == email.as_str())
        .map(|o| parse_limits(&o.limits))
        .transpose()?)
}

/// Sets the override of an account (in every community it belongs to).
pub async fn set_account(
    state: &App,
    actor: Actor<'_>,
    email: &str,
    limits: LimitsOverride,
) -> Result<(), Error> {
    actor.check(Action::Administer)?;
    let (email, account) = account_named(state, email).await?;
    validate(&limits)?;
    let before = account_override(state, &email).await?;
    state
        .store
        .set_account_budget(
            account.id,
            &to_json(&limits)?,
            &actor_name(actor),
            state.clock.now(),
        )
        .await?;
    record(
        state,
        actor,
        AuditKind::AdminBudgetSet,
        json!({"account": email, "before": before, "limits": limits}),
    )
    .await
}

/// Removes the override of an account; 404 if there was none.
pub async fn remove_account(state: &App, actor: Actor<'_>, email: &str) -> Result<(), Error> {
    actor.check(Action::Administer)?;
    let (email, account) = account_named(state, email).await?;
    let before = account_override(state, &email).await?;
    if !state.store.remove_account_budget(account.id).await? {
        return Err(Error::NotFound);
    }
    record(
        state,
        actor,
        AuditKind::AdminBudgetRemove,
        json!({"account": email, "before": before}),
    )
    .await
}
