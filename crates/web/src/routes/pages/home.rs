//! The home page: the portals and communities the principal sees, with its
//! role in each (the same visibility as `GET /api/v1/portals`).

use super::{render, Nav, PageUser};
use crate::{error::PageError, state::AppState};
use askama::Template;
use axum::{extract::State, response::Response};
use rampart_app::documents;

/// A community as listed on the home page.
#[derive(Debug, Clone)]
pub struct CommunityItem {
    /// Link target, `/p/{portal}/{community}`.
    pub href: String,
    /// Display name.
    pub name: String,
    /// `portal/community`.
    pub path: String,
    /// The principal's role, or how else it sees the community.
    pub role: String,
}

/// A portal with its communities.
#[derive(Debug, Clone)]
pub struct PortalItem {
    /// Display name.
    pub name: String,
    /// URL name.
    pub slug: String,
    /// Visible communities.
    pub communities: Vec<CommunityItem>,
}

/// `GET /`
#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    /// Header navigation.
    pub nav: Nav,
    /// The principal's display name.
    pub name: String,
    /// Portals with their communities.
    pub portals: Vec<PortalItem>,
}

/// `GET /`
pub async fn show_home(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    let portals = documents::visible_portals(&state, &user)
        .await?
        .into_iter()
        .map(|(portal, communities)| PortalItem {
            name: portal.name,
            slug: portal.slug,
            communities: communities
                .into_iter()
                .map(|c| CommunityItem {
                    href: format!("/p/{}/{}", c.portal, c.slug),
                    path: c.path(),
                    role: match user.principal.role_in(c.id) {
                        Some(role) => role.as_str().to_owned(),
                        None => "administrator (not a member)".to_owned(),
                    },
                    name: c.name,
                })
                .collect(),
        })
        .collect();
    Ok(render(&HomePage {
        nav: Nav::of(&user),
        name: user.name.clone(),
        portals,
    }))
}
