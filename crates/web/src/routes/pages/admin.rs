//! The administration page: portals, communities and accounts, with forms to
//! add each and to set memberships. Everything goes through
//! `rampart_app::admin` with the signed-in user as the actor, so the policy
//! decides (non-administrators are told there is nothing here) and every
//! change is audited exactly as from the console.

use super::{capitalised, format_time, rejected, render, render_with, Nav, PageUser};
use crate::{
    auth::Authenticated,
    error::{AppError, PageError},
    state::AppState,
};
use askama::Template;
use axum::{
    extract::{
        rejection::{FormRejection, QueryRejection},
        Query, State,
    },
    response::{IntoResponse, Redirect, Response},
    Form,
};
use rampart_app::{
    admin::{self, AccountInput, Actor},
    budgets, documents, Origin,
};
use rampart_domain::AccountStatus;
use rampart_store::{CommunityRow, PortalRow};
use serde::Deserialize;

/// An account as a row of the accounts table.
#[derive(Debug, Clone)]
pub struct AccountItem {
    /// Email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Nation.
    pub nation: String,
    /// Install-wide roles, comma-separated.
    pub roles: String,
    /// `active`, `suspended`, and whether the password is still one-time.
    pub status: String,
    /// Creation time.
    pub created: String,
}

/// `GET /admin`
#[derive(Template)]
#[template(path = "admin.html")]
pub struct AdminPage {
    /// Header navigation.
    pub nav: Nav,
    /// What the last change did.
    pub notice: Option<&'static str>,
    /// Why the last change failed.
    pub error: Option<String>,
    /// Every portal.
    pub portals: Vec<PortalRow>,
    /// Every community.
    pub communities: Vec<CommunityRow>,
    /// Every account.
    pub accounts: Vec<AccountItem>,
    /// Guard budgets: role defaults and stored overrides.
    pub budgets: super::admin_budgets::BudgetsSection,
}

/// The result of creating an account: its one-time password, shown once.
#[derive(Template)]
#[template(path = "account_created.html")]
pub struct AccountCreatedPage {
    /// Header navigation.
    pub nav: Nav,
    /// The new account's email.
    pub email: String,
    /// Its one-time password.
    pub password: String,
}

/// `GET /admin` query: what the change before the redirect did.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminQuery {
    done: Option<String>,
}

fn notice_for(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "portal" => Some("Portal added."),
        "community" => Some("Community added."),
        "membership" => Some("Membership saved."),
        "budget" => Some("Budget override saved."),
        "budget_removed" => Some("Budget override removed."),
        _ => None,
    }
}

/// Loads the overview (refused to non-administrators) and audits the view.
async fn admin_page(
    state: &AppState,
    user: &Authenticated,
    client: &Origin,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<AdminPage, AppError> {
    let overview = admin::overview(state, Actor::User(user, client)).await?;
    let budgets = budgets::list(state, Actor::User(user, client)).await?;
    documents::audit_listing(
        state,
        user,
        client,
        serde_json::json!({"admin": "overview"}),
    )
    .await?;
    let accounts = overview
        .accounts
        .into_iter()
        .map(|a| {
            let mut roles = Vec::new();
            if a.admin {
                roles.push("admin");
            }
            if a.security {
                roles.push("security");
            }
            let status = match (a.status, a.must_change_password) {
                (AccountStatus::Active, true) => "active (one-time password)".to_owned(),
                (status, _) => status.as_str().to_owned(),
            };
            AccountItem {
                email: a.email.to_string(),
                name: a.name,
                nation: a.nation.to_string(),
                roles: roles.join(", "),
                status,
                created: format_time(a.created_at),
            }
        })
        .collect();
    Ok(AdminPage {
        nav: Nav::of(user),
        notice,
        error,
        portals: overview.portals,
        communities: overview.communities,
        accounts,
        budgets: super::admin_budgets::section(&budgets),
    })
}

/// `GET /admin`
pub async fn show_admin(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    query: Result<Query<AdminQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query.map_err(|e| rejected(e.status(), e.body_text()))?;
    let page = admin_page(
        &state,
        &user,
        &client,
        notice_for(query.done.as_deref()),
        None,
    )
    .await?;
    Ok(render(&page))
}

/// After a change: back to the overview with a notice, or the overview
/// again with the reason a form was refused (input errors only; anything
/// else is an error page).
pub(super) async fn after_change(
    state: &AppState,
    user: &Authenticated,
    client: &Origin,
    result: Result<(), AppError>,
    done: &str,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin?done={done}")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_) | AppError::BadRequest(_))) => {
            let page =
                admin_page(state, user, client, None, Some(capitalised(&e.to_string()))).await?;
            Ok(render_with(crate::error::status(&e), &page))
        }
        Err(e) => Err(e.into()),
    }
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
    after_change(&state, &user, &client, result, "portal").await
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
    let actor = Actor::User(&user, &client);
    let result = admin::create_community(
        &state,
        actor,
        form.portal.trim(),
        form.slug.trim(),
        form.name.trim(),
    )
    .await;
    after_change(&state, &user, &client, result, "community").await
}

/// `POST /admin/accounts` body. Checkboxes are sent only when ticked.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountForm {
    email: String,
    name: String,
    nation: String,
    admin: Option<String>,
    security: Option<String>,
}

/// `POST /admin/accounts`: creates the account and shows its one-time
/// password, once.
pub async fn create_account(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    form: Result<Form<AccountForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    let input = AccountInput {
        email: form.email.trim(),
        name: form.name.trim(),
        nation: form.nation.trim(),
        admin: form.admin.is_some(),
        security: form.security.is_some(),
    };
    match admin::create_account(&state, Actor::User(&user, &client), input).await {
        Ok((_, password)) => Ok(render(&AccountCreatedPage {
            nav: Nav::of(&user),
            email: form.email.trim().to_owned(),
            password,
        })),
        Err(e) => after_change(&state, &user, &client, Err(e), "account").await,
    }
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
    let actor = Actor::User(&user, &client);
    let result = admin::set_membership(
        &state,
        actor,
        form.community.trim(),
        form.email.trim(),
        form.role.trim(),
    )
    .await;
    after_change(&state, &user, &client, result, "membership").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_notices_are_shown() {
        assert_eq!(notice_for(Some("portal")), Some("Portal added."));
        assert_eq!(notice_for(Some("<script>")), None);
        assert_eq!(notice_for(None), None);
    }

    #[test]
    fn the_one_time_password_is_on_the_result_page() {
        let page = AccountCreatedPage {
            nav: Nav {
                email: "admin@example.org".into(),
                admin: true,
                security: true,
                csrf: "c".into(),
                q: String::new(),
            },
            email: "new@example.org".into(),
            password: "abcdEFGH2345jkmnPQRS".into(),
        };
        let html = page.render().unwrap_or_default();
        assert!(html.contains("abcdEFGH2345jkmnPQRS"));
        assert!(html.contains("new@example.org"));
        assert!(html.contains(r#"action="/logout"><input type="hidden" name="csrf" value="c">"#));
    }
}
