//! Guard budget overrides through the JSON API, for administrators
//! (`rampart_app::budgets` decides and audits; everyone else gets 404, or 403
//! for an administrator's read-only credential, per the policy function).

use crate::{
    auth::Authenticated,
    error::{ApiError, AppError},
    state::AppState,
};
use axum::{
    extract::{rejection::JsonRejection, Path, State},
    http::StatusCode,
    Json,
};
use rampart_app::{
    admin::Actor,
    budgets::{self, BudgetOverride},
    Origin,
};
use rampart_guard::LimitsOverride;
use serde_json::{json, Value};

/// A JSON body that failed to parse: 422 for well-formed JSON with wrong
/// values (negative numbers, unknown fields), 400 for anything else.
fn rejected(e: JsonRejection) -> AppError {
    if e.status() == StatusCode::UNPROCESSABLE_ENTITY {
        AppError::Invalid(e.body_text())
    } else {
        AppError::BadRequest(e.body_text())
    }
}

fn override_json(o: &BudgetOverride, key: &str) -> Value {
    let mut v = json!({
        key: o.target,
        "limits": o.limits,
        "updated_at": rampart_store::event_time(o.updated_at),
        "updated_by": o.updated_by,
    });
    if let Some(role) = &o.role {
        v["role"] = json!(role);
    }
    v
}

/// `GET /api/v1/admin/budgets`
pub async fn list_budgets(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
) -> Result<Json<Value>, ApiError> {
    let view = budgets::list(&state, Actor::User(&user, &client)).await?;
    let roles: serde_json::Map<String, Value> = view
        .roles
        .iter()
        .map(|(name, limits)| ((*name).to_owned(), json!(limits)))
        .collect();
    Ok(Json(json!({
        "roles": roles,
        "communities": view.communities.iter().map(|o| override_json(o, "community")).collect::<Vec<_>>(),
        "accounts": view.accounts.iter().map(|o| override_json(o, "account")).collect::<Vec<_>>(),
    })))
}

/// `PUT /api/v1/admin/budgets/communities/{portal}/{community}/{role}`
pub async fn set_community_budget(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path((portal, community, role)): Path<(String, String, String)>,
    body: Result<Json<LimitsOverride>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let actor = Actor::User(&user, &client);
    // Authorize before reading the body, so that non-administrators learn
    // nothing from validation errors.
    budgets::require_admin(actor)?;
    let Json(limits) = body.map_err(rejected)?;
    let path = format!("{portal}/{community}");
    let effective = budgets::set_community(&state, actor, &path, &role, limits).await?;
    Ok(Json(json!({
        "community": path,
        "role": role,
        "limits": limits,
        "effective": effective,
    })))
}

/// `DELETE /api/v1/admin/budgets/communities/{portal}/{community}/{role}`
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

/// `PUT /api/v1/admin/budgets/accounts/{email}`
pub async fn set_account_budget(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(email): Path<String>,
    body: Result<Json<LimitsOverride>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let actor = Actor::User(&user, &client);
    budgets::require_admin(actor)?;
    let Json(limits) = body.map_err(rejected)?;
    budgets::set_account(&state, actor, &email, limits).await?;
    Ok(Json(json!({"account": email, "limits": limits})))
}

/// `DELETE /api/v1/admin/budgets/accounts/{email}`
pub async fn remove_account_budget(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(email): Path<String>,
) -> Result<StatusCode, ApiError> {
    budgets::remove_account(&state, Actor::User(&user, &client), &email).await?;
    Ok(StatusCode::NO_CONTENT)
}
