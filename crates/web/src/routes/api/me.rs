//! The signed-in account: who it is (`/api/v1/me`) and its password change,
//! which also completes a one-time-password sign-in.

use super::session::answer;
use crate::{
    auth::{Authenticated, Credential, SigningIn},
    error::{ApiError, AppError},
    state::AppState,
};
use axum::{extract::State, response::Response, Json};
use rampart_app::{identity::login, Origin};
use rampart_domain::InstallRole;
use serde::Deserialize;

/// `GET /api/v1/me`
pub async fn me(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<serde_json::Value>, ApiError> {
    let mut memberships = Vec::new();
    for (community, role) in &user.principal.memberships {
        if let Some(c) = state.store.community_by_id(*community).await? {
            memberships
                .push(serde_json::json!({"community": c.path(), "name": c.name, "role": role}));
        }
    }
    let mut roles = Vec::new();
    if user.principal.admin {
        roles.push(InstallRole::Admin);
    }
    if user.principal.security {
        roles.push(InstallRole::Security);
    }
    Ok(Json(serde_json::json!({
        "email": user.email,
        "name": user.name,
        "nation": user.principal.nation,
        "roles": roles,
        "memberships": memberships,
    })))
}

/// `POST /api/v1/account/password` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    current: String,
    new: String,
}

/// `POST /api/v1/account/password`
pub async fn change_password(
    State(state): State<AppState>,
    client: Origin,
    SigningIn(user): SigningIn,
    Json(body): Json<PasswordChange>,
) -> Result<Response, ApiError> {
    if matches!(user.credential, Credential::Token) {
        return Err(AppError::Forbidden("sign in with a password to change it").into());
    }
    let signed = login::change_password(&state, &user, &client, &body.current, &body.new).await?;
    answer(&state, signed)
}
