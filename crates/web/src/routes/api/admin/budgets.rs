//! Guard budget overrides, for administrators (`rampart_app::budgets`
//! decides and audits; everyone else gets 404, or 403 for an
//! administrator's read-only credential, per the policy function).

use crate::extract::{Json, Path};
use crate::{auth::Authenticated, error::ApiError, state::AppState};
use axum::{extract::State, http::StatusCode};
use rampart_app::{
    admin::Actor,
    budgets::{self, BudgetOverride},
    Origin,
};
use rampart_guard::{Limits, LimitsOverride};
use rampart_store::event_time;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Every budget: role defaults and stored overrides.
#[derive(Debug, Serialize, ToSchema)]
pub struct Budgets {
    /// The defaults per role, from the configuration.
    pub roles: BTreeMap<String, Limits>,
    /// Overrides per community and role.
    pub communities: Vec<CommunityOverride>,
    /// Overrides per account.
    pub accounts: Vec<AccountOverride>,
}

/// An override of a community's budget for one role.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityOverride {
    /// `portal/community`.
    pub community: String,
    /// The role it applies to.
    pub role: String,
    /// The limits it sets.
    pub limits: LimitsOverride,
    /// When it was set.
    pub updated_at: String,
    /// Who set it.
    pub updated_by: String,
}

/// An override of one account's budget.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountOverride {
    /// The account (email).
    pub account: String,
    /// The limits it sets.
    pub limits: LimitsOverride,
    /// When it was set.
    pub updated_at: String,
    /// Who set it.
    pub updated_by: String,
}

impl From<&BudgetOverride> for CommunityOverride {
    fn from(o: &BudgetOverride) -> Self {
        CommunityOverride {
            community: o.target.clone(),
            role: o.role.clone().unwrap_or_default(),
            limits: o.limits,
            updated_at: event_time(o.updated_at),
            updated_by: o.updated_by.clone(),
        }
    }
}

impl From<&BudgetOverride> for AccountOverride {
    fn from(o: &BudgetOverride) -> Self {
        AccountOverride {
            account: o.target.clone(),
            limits: o.limits,
            updated_at: event_time(o.updated_at),
            updated_by: o.updated_by.clone(),
        }
    }
}

/// A community override just set, with the limits now in effect.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityBudgetSet {
    /// `portal/community`.
    pub community: String,
    /// The role.
    pub role: String,
    /// The override as stored.
    pub limits: LimitsOverride,
    /// The limits members with that role now get there.
    pub effective: Limits,
}

/// An account override just set.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountBudgetSet {
    /// The account (email).
    pub account: String,
    /// The override as stored.
    pub limits: LimitsOverride,
}

/// The budgets: role defaults and overrides.
#[utoipa::path(
    get,
    path = "/api/v1/admin/budgets",
    tag = "admin",
    responses((status = 200, description = "The budgets", body = Budgets)),
)]
pub async fn list_budgets(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
) -> Result<Json<Budgets>, ApiError> {
    let view = budgets::list(&state, Actor::User(&user, &client)).await?;
    Ok(Json(Budgets {
        roles: view
            .roles
            .iter()
            .map(|(name, limits)| ((*name).to_owned(), *limits))
            .collect(),
        communities: view
            .communities
            .iter()
            .map(CommunityOverride::from)
            .collect(),
        accounts: view.accounts.iter().map(AccountOverride::from).collect(),
    }))
}

/// Sets a community's budget for one role (fields left out keep the role
/// default).
#[utoipa::path(
    put,
    path = "/api/v1/admin/budgets/communities/{portal}/{community}/{role}",
    tag = "admin",
    params(
        ("portal" = String, Path, description = "Portal slug"),
        ("community" = String, Path, description = "Community slug"),
        ("role" = String, Path, description = "reader, contributor or manager"),
    ),
    request_body = LimitsOverride,
    responses((status = 200, description = "Set", body = CommunityBudgetSet)),
)]
pub async fn set_community_budget(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path((portal, community, role)): Path<(String, String, String)>,
    body: Result<Json<LimitsOverride>, ApiError>,
) -> Result<Json<CommunityBudgetSet>, ApiError> {
    let actor = Actor::User(&user, &client);
    // Authorize before reading the body, so that non-administrators learn
    // nothing from validation errors.
    budgets::require_admin(actor)?;
    let Json(limits) = body?;
    let path = format!("{portal}/{community}");
    let effective = budgets::set_community(&state, actor, &path, &role, limits).await?;
    Ok(Json(CommunityBudgetSet {
        community: path,
        role,
        limits,
        effective,
    }))
}

/// Removes a community's budget override for one role.
#[utoipa::path(
    delete,
    path = "/api/v1/admin/budgets/communities/{portal}/{community}/{role}",
    tag = "admin",
    params(
        ("portal" = String, Path, description = "Portal slug"),
        ("community" = String, Path, description = "Community slug"),
        ("role" = String, Path, description = "reader, contributor or manager"),
    ),
    responses((status = 204, description = "Removed")),
)]
pub async fn remove_community_budget(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path((portal, community, role)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let path = format!("{portal}/{community}");
    budgets::remove_community(&state, Actor::User(&user, &client), &path, &role).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets one account's budget (fields left out keep what its roles get).
#[utoipa::path(
    put,
    path = "/api/v1/admin/budgets/accounts/{email}",
    tag = "admin",
    params(("email" = String, Path, description = "The account's email",
        pattern = r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$")),
    request_body = LimitsOverride,
    responses((status = 200, description = "Set", body = AccountBudgetSet)),
)]
pub async fn set_account_budget(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(email): Path<String>,
    body: Result<Json<LimitsOverride>, ApiError>,
) -> Result<Json<AccountBudgetSet>, ApiError> {
    let actor = Actor::User(&user, &client);
    budgets::require_admin(actor)?;
    let Json(limits) = body?;
    budgets::set_account(&state, actor, &email, limits).await?;
    Ok(Json(AccountBudgetSet {
        account: email,
        limits,
    }))
}

/// Removes one account's budget override.
#[utoipa::path(
    delete,
    path = "/api/v1/admin/budgets/accounts/{email}",
    tag = "admin",
    params(("email" = String, Path, description = "The account's email",
        pattern = r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$")),
    responses((status = 204, description = "Removed")),
)]
pub async fn remove_account_budget(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(email): Path<String>,
) -> Result<StatusCode, ApiError> {
    budgets::remove_account(&state, Actor::User(&user, &client), &email).await?;
    Ok(StatusCode::NO_CONTENT)
}
