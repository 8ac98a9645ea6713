//! Two administration sections: portals and communities, and memberships.

use super::{after_change, notice_for, Frame, Section, Tab};
use crate::{
    auth::Authenticated,
    error::{AppError, PageError},
    routes::pages::{rejected, render, Nav, PageUser},
    state::AppState,
};
use askama::Template;
use axum::{
    extract::{
        rejection::{FormRejection, QueryRejection},
        Query, State,
    },
    response::Response,
    Form,
};
use rampart_app::{
    admin::{self, Actor},
    documents, Origin,
};
use rampart_store::{CommunityRow, PortalRow};
use serde::Deserialize;

/// `GET /admin/portals`
#[derive(Template)]
#[template(path = "admin_portals.html")]
pub struct PortalsPage {
    /// Header navigation.
    pub nav: Nav,
    /// Tabs, notice, form sent back.
    pub frame: Frame,
    /// Every portal.
    pub portals: Vec<PortalRow>,
    /// Every community.
    pub communities: Vec<CommunityRow>,
}

/// A community with its member count.
#[derive(Debug, Clone)]
pub struct CommunityItem {
    /// `portal/community`.
    pub path: String,
    /// Display name.
    pub name: String,
    /// Members.
    pub members: usize,
}

/// `GET /admin/memberships`
#[derive(Template)]
#[template(path = "admin_memberships.html")]
pub struct MembershipsPage {
    /// Header navigation.
    pub nav: Nav,
    /// Tabs, notice, form sent back.
    pub frame: Frame,
    /// Every community with its member count.
    pub communities: Vec<CommunityItem>,
}

/// `?done=` after a change.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoneQuery {
    done: Option<String>,
}

impl DoneQuery {
    /// The frame of `tab` with the notice `done` names.
    pub fn frame(&self, tab: Tab) -> Frame {
        Frame {
            notice: notice_for(self.done.as_deref()),
            ..Frame::of(tab)
        }
    }
}

pub(super) async fn portals_page(
    state: &AppState,
    user: &Authenticated,
    client: &Origin,
    frame: Frame,
) -> Result<PortalsPage, AppError> {
    let overview = admin::overview(state, Actor::User(user, client)).await?;
    documents::audit_listing(state, user, client, serde_json::json!({"admin": "portals"})).await?;
    Ok(PortalsPage {
        nav: Nav::of(user),
        frame,
        portals: overview.portals,
        communities: overview.communities,
    })
}

pub(super) async fn memberships_page(
    state: &AppState,
    user: &Authenticated,
    client: &Origin,
    frame: Frame,
) -> Result<MembershipsPage, AppError> {
    let overview = admin::overview(state, Actor::User(user, client)).await?;
    documents::audit_listing(
        state,
        user,
        client,
        serde_json::json!({"admin": "memberships"}),
    )
    .await?;
    let mut communities = Vec::new();
    for c in overview.communities {
        communities.push(CommunityItem {
            members: state.store.members_of(c.id).await?.len(),
            path: c.path(),
            name: c.name,
        });
    }
    Ok(MembershipsPage {
        nav: Nav::of(user),
        frame,
        communities,
    })
}

/// `GET /admin/portals`
pub async fn show_portals(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    query: Result<Query<DoneQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query.map_err(|e| rejected(e.status(), e.body_text()))?;
    let page = portals_page(&state, &user, &client, query.frame(Tab::Portals)).await?;
    Ok(render(&page))
}

/// `GET /admin/memberships`
pub async fn show_memberships(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    query: Result<Query<DoneQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query.map_err(|e| rejected(e.status(), e.body_text()))?;
    let page = memberships_page(&state, &user, &client, query.frame(Tab::Memberships)).await?;
    Ok(render(&page))
}

/// `POST /admin/portals` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortalForm {
    slug: String,
    name: String,
}

/// `POST /admin/portals`
pub async fn create_portal(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    form: Result<Form<PortalForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    let result = admin::create_portal(
        &state,
        Actor::User(&user, &client),
        form.slug.trim(),
        form.name.trim(),
    )
    .await;
    let typed = vec![("slug", form.slug), ("name", form.name)];
    let done = "/admin/portals?done=portal";
    after_change(
        &state,
        &user,
        &client,
        result,
        done,
        Section::Portals,
        "portal",
        typed,
    )
    .await
}

/// `POST /admin/communities` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommunityForm {
    portal: String,
    slug: String,
    name: String,
}

/// `POST /admin/communities`
pub async fn create_community(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    form: Result<Form<CommunityForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    let result = admin::create_community(
        &state,
        Actor::User(&user, &client),
        form.portal.trim(),
        form.slug.trim(),
        form.name.trim(),
    )
    .await;
    let typed = vec![
        ("portal", form.portal),
        ("slug", form.slug),
        ("name", form.name),
    ];
    let done = "/admin/portals?done=community";
    after_change(
        &state,
        &user,
        &client,
        result,
        done,
        Section::Portals,
        "community",
        typed,
    )
    .await
}

/// `POST /admin/memberships` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembershipForm {
    community: String,
    email: String,
    role: String,
}

/// `POST /admin/memberships`
pub async fn set_membership(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    form: Result<Form<MembershipForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    let result = admin::set_membership(
        &state,
        Actor::User(&user, &client),
        form.community.trim(),
        form.email.trim(),
        form.role.trim(),
    )
    .await;
    let typed = vec![
        ("community", form.community),
        ("email", form.email),
        ("role", form.role),
    ];
    let done = "/admin/memberships?done=membership";
    after_change(
        &state,
        &user,
        &client,
        result,
        done,
        Section::Memberships,
        "membership",
        typed,
    )
    .await
}
