//! Portals and communities as the principal sees them: only those where it
//! is a member (administrators see all, to manage them).

use super::Items;
use crate::extract::{Json, Path};
use crate::{auth::Authenticated, error::ApiError, state::AppState};
use axum::extract::State;
use rampart_app::{
    documents::{self, visible_communities},
    Origin,
};
use rampart_domain::CommunityRole;
use serde::Serialize;
use utoipa::ToSchema;

/// A portal.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalView {
    /// Its slug, used in paths.
    pub slug: String,
    /// Its display name.
    pub name: String,
}

/// A community of a portal.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityView {
    /// The portal's slug.
    pub portal: String,
    /// The community's slug.
    pub slug: String,
    /// Its display name.
    pub name: String,
    /// The caller's role in it (none for an administrator who is not a
    /// member).
    pub role: Option<CommunityRole>,
}

/// The portals where the caller is a member of a community.
#[utoipa::path(
    get,
    path = "/api/v1/portals",
    tag = "portals",
    responses((status = 200, description = "The portals", body = Items<PortalView>,
        links(("ListCommunities" = (operation_id = "list_communities",
            parameters(("portal" = "$response.body#/items/0/slug"))))))),
)]
pub async fn list_portals(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Items<PortalView>>, ApiError> {
    let communities = visible_communities(&state, &user).await?;
    let items = state
        .store
        .list_portals()
        .await?
        .into_iter()
        .filter(|p| user.principal.admin || communities.iter().any(|c| c.portal == p.slug))
        .map(|p| PortalView {
            slug: p.slug,
            name: p.name,
        })
        .collect();
    Ok(Json(Items { items }))
}

/// The communities of a portal the caller is a member of.
#[utoipa::path(
    get,
    path = "/api/v1/portals/{portal}/communities",
    tag = "portals",
    params(("portal" = String, Path, description = "Portal slug")),
    responses((status = 200, description = "The communities", body = Items<CommunityView>,
        links(("ListDocuments" = (operation_id = "list_documents",
            parameters(
                ("portal" = "$response.body#/items/0/portal"),
                ("community" = "$response.body#/items/0/slug"),
            )))))),
)]
pub async fn list_communities(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(portal): Path<String>,
) -> Result<Json<Items<CommunityView>>, ApiError> {
    let items = documents::portal_communities(&state, &user, &client, &portal)
        .await?
        .into_iter()
        .map(|c| CommunityView {
            role: user.principal.role_in(c.id),
            portal: c.portal,
            slug: c.slug,
            name: c.name,
        })
        .collect();
    Ok(Json(Items { items }))
}
