//! `GET /api/v1/me`

use crate::extract::Json;
use crate::{auth::Authenticated, error::ApiError, state::AppState};
use axum::extract::State;
use rampart_domain::{CommunityRole, InstallRole};
use serde::Serialize;
use utoipa::ToSchema;

/// The caller's account.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// Its email.
    pub email: String,
    /// Its display name.
    pub name: String,
    /// Its nation (ISO 3166 alpha-3).
    pub nation: String,
    /// Install-wide roles.
    pub roles: Vec<InstallRole>,
    /// Its communities.
    pub memberships: Vec<Membership>,
}

/// A community the caller is a member of.
#[derive(Debug, Serialize, ToSchema)]
pub struct Membership {
    /// `portal/community`.
    pub community: String,
    /// The community's display name.
    pub name: String,
    /// The caller's role in it.
    pub role: CommunityRole,
}

/// Who the caller is.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "account",
    responses((status = 200, description = "The caller", body = Me)),
)]
pub async fn me(State(state): State<AppState>, user: Authenticated) -> Result<Json<Me>, ApiError> {
    let mut memberships = Vec::new();
    for (community, role) in &user.principal.memberships {
        if let Some(c) = state.store.community_by_id(*community).await? {
            memberships.push(Membership {
                community: c.path(),
                name: c.name,
                role: *role,
            });
        }
    }
    let mut roles = Vec::new();
    if user.principal.admin {
        roles.push(InstallRole::Admin);
    }
    if user.principal.security {
        roles.push(InstallRole::Security);
    }
    Ok(Json(Me {
        email: user.email.to_string(),
        name: user.name.to_string(),
        nation: user.principal.nation.to_string(),
        roles,
        memberships,
    }))
}
