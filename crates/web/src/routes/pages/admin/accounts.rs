//! The accounts section: a searchable, paged list, the form to add an
//! account, and a page per account (status, memberships, sessions, second
//! factors, tokens) with the administrator's actions on it.

use super::{after_change, notice_for, Frame, Section, Tab};
use crate::{
    auth::Authenticated,
    error::{AppError, PageError},
    routes::pages::{format_time, rejected, render, Nav, PageUser},
    state::AppState,
};
use askama::Template;
use axum::{
    extract::{
        rejection::{FormRejection, QueryRejection},
        Path, Query, State,
    },
    response::Response,
    Form,
};
use rampart_app::{
    admin::{
        self,
        accounts::{self as manage, AccountAction},
        AccountInput, Actor,
    },
    documents, Origin,
};
use rampart_domain::{AccountId, AccountStatus};
use rampart_store::{AccountRow, CommunityRow};
use serde::Deserialize;

/// Accounts per page.
const PAGE: u32 = 50;
/// The furthest a list may page.
const MAX_OFFSET: usize = 100_000;

/// An account as a row of the list.
#[derive(Debug, Clone)]
pub struct AccountItem {
    /// Its page.
    pub href: String,
    /// Email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Nation.
    pub nation: String,
    /// Install-wide roles, comma-separated.
    pub roles: String,
    /// `active`, `suspended`, and whether a new password is due.
    pub status: String,
    /// Whether it is suspended (for the badge).
    pub suspended: bool,
    /// Creation time.
    pub created: String,
}

impl AccountItem {
    fn of(a: &AccountRow) -> Self {
        let mut roles = Vec::new();
        if a.admin {
            roles.push("administrator");
        }
        if a.security {
            roles.push("security officer");
        }
        AccountItem {
            href: format!("/admin/accounts/{}", a.id.0),
            email: a.email.to_string(),
            name: a.name.clone(),
            nation: a.nation.to_string(),
            roles: roles.join(", "),
            status: status_of(a),
            suspended: a.status == AccountStatus::Suspended,
            created: format_time(a.created_at),
        }
    }
}

fn status_of(a: &AccountRow) -> String {
    match (a.status, a.must_change_password) {
        (AccountStatus::Active, true) => "active, new password due".to_owned(),
        (status, _) => status.as_str().to_owned(),
    }
}

/// `GET /admin`: the accounts.
#[derive(Template)]
#[template(path = "admin_accounts.html")]
pub struct AccountsPage {
    /// Header navigation.
    pub nav: Nav,
    /// Tabs, notice, form sent back.
    pub frame: Frame,
    /// The search as typed.
    pub q: String,
    /// This page of matching accounts.
    pub accounts: Vec<AccountItem>,
    /// "1–50 of 153 accounts" and the like.
    pub count: String,
    /// The previous and next pages.
    pub prev: Option<String>,
    /// See `prev`.
    pub next: Option<String>,
}

/// `GET /admin` query.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    q: Option<String>,
    offset: Option<usize>,
    done: Option<String>,
}

impl ListQuery {
    fn href(&self, offset: usize) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(q) = self.q.as_deref().filter(|q| !q.trim().is_empty()) {
            query.append_pair("q", q);
        }
        if offset > 0 {
            query.append_pair("offset", &offset.to_string());
        }
        let query = query.finish();
        if query.is_empty() {
            "/admin".to_owned()
        } else {
            format!("/admin?{query}")
        }
    }
}

pub(super) async fn list_page(
    state: &AppState,
    user: &Authenticated,
    client: &Origin,
    query: &ListQuery,
    frame: Frame,
) -> Result<AccountsPage, AppError> {
    let q = query.q.clone().unwrap_or_default();
    let offset = query.offset.unwrap_or(0).min(MAX_OFFSET);
    let found = manage::find(state, Actor::User(user, client), q.trim(), offset, PAGE).await?;
    documents::audit_listing(
        state,
        user,
        client,
        serde_json::json!({"admin": "accounts", "q": q.trim(), "offset": offset}),
    )
    .await?;
    let shown = found.accounts.len();
    let count = if found.matching == 0 {
        format!("No account matches. There are {} in all.", found.total)
    } else if shown == 0 {
        format!(
            "No more accounts past {}: {} match.",
            offset, found.matching
        )
    } else if q.trim().is_empty() {
        format!(
            "{}–{} of {} accounts.",
            offset + 1,
            offset + shown,
            found.total
        )
    } else {
        format!(
            "{}–{} of {} matching accounts ({} in all).",
            offset + usize::from(shown > 0),
            offset + shown,
            found.matching,
            found.total
        )
    };
    let page = PAGE as usize;
    Ok(AccountsPage {
        nav: Nav::of(user),
        frame,
        q,
        accounts: found.accounts.iter().map(AccountItem::of).collect(),
        count,
        prev: (offset > 0).then(|| query.href(offset.saturating_sub(page))),
        next: (offset + shown < found.matching && offset + page <= MAX_OFFSET)
            .then(|| query.href(offset + page)),
    })
}

/// `GET /admin`
pub async fn show_accounts(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query.map_err(|e| rejected(e.status(), e.body_text()))?;
    let frame = Frame {
        notice: notice_for(query.done.as_deref()),
        ..Frame::of(Tab::Accounts)
    };
    let page = list_page(&state, &user, &client, &query, frame).await?;
    Ok(render(&page))
}

/// The result of creating an account: its one-time password, shown once.
#[derive(Template)]
#[template(path = "account_created.html")]
pub struct AccountCreatedPage {
    /// Header navigation.
    pub nav: Nav,
    /// The new account's email.
    pub email: String,
    /// Its page.
    pub href: String,
    /// Its one-time password.
    pub password: String,
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
        Ok((id, password)) => Ok(render(&AccountCreatedPage {
            nav: Nav::of(&user),
            email: form.email.trim().to_owned(),
            href: format!("/admin/accounts/{}", id.0),
            password,
        })),
        Err(e) => {
            let typed = vec![
                ("email", form.email),
                ("name", form.name),
                ("nation", form.nation),
                (
                    "admin",
                    form.admin.map(|_| "true".into()).unwrap_or_default(),
                ),
                (
                    "security",
                    form.security.map(|_| "true".into()).unwrap_or_default(),
                ),
            ];
            let section = Section::Accounts;
            after_change(
                &state,
                &user,
                &client,
                Err(e),
                "",
                section,
                "account",
                typed,
            )
            .await
        }
    }
}

/// A session as a row.
#[derive(Debug, Clone)]
pub struct SessionItem {
    /// Signed in.
    pub created: String,
    /// Last request.
    pub last_seen: String,
    /// Address at sign-in.
    pub ip: String,
    /// Browser at sign-in.
    pub user_agent: String,
}

/// A token as a row.
#[derive(Debug, Clone)]
pub struct TokenItem {
    /// Public id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Scope in words.
    pub scope: String,
    /// Created.
    pub created: String,
    /// `active`, `revoked …` or `expired …`.
    pub state: String,
    /// Whether it can still be used (and so revoked).
    pub active: bool,
    /// Last use.
    pub last_used: String,
}

/// `GET /admin/accounts/{id}`
#[derive(Template)]
#[template(path = "admin_account.html")]
pub struct AccountPage {
    /// Header navigation.
    pub nav: Nav,
    /// Tabs, notice, form sent back.
    pub frame: Frame,
    /// The account as a list row.
    pub account: AccountItem,
    /// Its key, for the forms.
    pub id: i64,
    /// Whether it is the signed-in administrator's own.
    pub own: bool,
    /// Its communities: path, name, role.
    pub memberships: Vec<(String, String, String)>,
    /// Communities it is not in, for the add form.
    pub other_communities: Vec<CommunityRow>,
    /// Its sessions.
    pub sessions: Vec<SessionItem>,
    /// Whether a TOTP factor is confirmed.
    pub totp: bool,
    /// Its passkeys' names.
    pub passkeys: Vec<String>,
    /// Unused recovery codes.
    pub recovery_codes: usize,
    /// Its tokens.
    pub tokens: Vec<TokenItem>,
}

pub(super) async fn account_page(
    state: &AppState,
    user: &Authenticated,
    client: &Origin,
    id: AccountId,
    frame: Frame,
) -> Result<AccountPage, AppError> {
    let actor = Actor::User(user, client);
    let detail = manage::detail(state, actor, id).await?;
    documents::audit_listing(
        state,
        user,
        client,
        serde_json::json!({"admin": "account", "email": detail.account.email.as_str()}),
    )
    .await?;
    let now = state.clock.now();
    Ok(AccountPage {
        nav: Nav::of(user),
        frame,
        id: id.0,
        own: user.principal.account == id,
        account: AccountItem::of(&detail.account),
        memberships: detail
            .memberships
            .iter()
            .map(|(c, role)| (c.path(), c.name.clone(), role.as_str().to_owned()))
            .collect(),
        other_communities: detail.other_communities.clone(),
        sessions: detail
            .sessions
            .iter()
            .map(|s| SessionItem {
                created: format_time(s.created_at),
                last_seen: format_time(s.last_seen),
                ip: s.ip.clone(),
                user_agent: s.user_agent.clone(),
            })
            .collect(),
        totp: detail.totp,
        passkeys: detail.passkeys,
        recovery_codes: detail.recovery_codes,
        tokens: detail
            .tokens
            .iter()
            .map(|t| {
                let expired = t.expires_at.is_some_and(|e| e <= now);
                TokenItem {
                    id: t.id.clone(),
                    name: t.name.clone(),
                    scope: t.scope.clone(),
                    created: format_time(t.created_at),
                    state: match (t.revoked_at, t.expires_at) {
                        (Some(r), _) => format!("revoked {}", format_time(r)),
                        (None, Some(e)) if expired => format!("expired {}", format_time(e)),
                        (None, Some(e)) => format!("active until {}", format_time(e)),
                        (None, None) => "active".to_owned(),
                    },
                    active: t.revoked_at.is_none() && !expired,
                    last_used: t
                        .last_used
                        .map(format_time)
                        .unwrap_or_else(|| "never".into()),
                }
            })
            .collect(),
    })
}

/// `GET /admin/accounts/{id}` query.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountQuery {
    done: Option<String>,
}

/// `GET /admin/accounts/{id}`
pub async fn show_account(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    query: Result<Query<AccountQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query.map_err(|e| rejected(e.status(), e.body_text()))?;
    let frame = Frame {
        notice: notice_for(query.done.as_deref()),
        ..Frame::of(Tab::Accounts)
    };
    let page = account_page(&state, &user, &client, AccountId(id), frame).await?;
    Ok(render(&page))
}

/// `POST /admin/accounts/{id}/{action}`: one of the account actions. The
/// form's confirmation box is checked by the browser; the action is the
/// path, so a form names exactly one.
pub async fn account_action(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    let action = match action.as_str() {
        "suspend" => AccountAction::Suspend,
        "unlock" => AccountAction::Unlock,
        "reset_second_factor" => AccountAction::ResetSecondFactor,
        "force_password_change" => AccountAction::ForcePasswordChange,
        "end_sessions" => AccountAction::EndSessions,
        _ => return Err(rampart_app::Error::NotFound.into()),
    };
    let id = AccountId(id);
    let result = manage::apply(&state, Actor::User(&user, &client), id, action)
        .await
        .map(|_| ());
    let done = format!("/admin/accounts/{}?done={}", id.0, action_name(action));
    after_change(
        &state,
        &user,
        &client,
        result,
        &done,
        Section::Account(id),
        "actions",
        Vec::new(),
    )
    .await
}

fn action_name(action: AccountAction) -> &'static str {
    match action {
        AccountAction::Suspend => "suspend",
        AccountAction::Unlock => "unlock",
        AccountAction::ResetSecondFactor => "reset_second_factor",
        AccountAction::ForcePasswordChange => "force_password_change",
        AccountAction::EndSessions => "end_sessions",
    }
}

/// `POST /admin/accounts/{id}/memberships` body: set (`role` given) or
/// remove (`role` empty or absent) a membership.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountMembershipForm {
    community: String,
    role: Option<String>,
}

/// `POST /admin/accounts/{id}/memberships`
pub async fn account_membership(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    form: Result<Form<AccountMembershipForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    let id = AccountId(id);
    let actor = Actor::User(&user, &client);
    let account = manage::account(&state, actor, id).await?;
    let email = account.email.as_str();
    let community = form.community.trim();
    let role = form.role.as_deref().map(str::trim).unwrap_or_default();
    let (result, done) = if role.is_empty() {
        let result = admin::remove_membership(&state, actor, community, email).await;
        (result, "membership_removed")
    } else {
        let result = admin::set_membership(&state, actor, community, email, role).await;
        (result, "membership")
    };
    let typed = vec![
        ("community", form.community.clone()),
        ("role", role.to_owned()),
    ];
    let done = format!("/admin/accounts/{}?done={done}", id.0);
    after_change(
        &state,
        &user,
        &client,
        result,
        &done,
        Section::Account(id),
        "membership",
        typed,
    )
    .await
}

/// `POST /admin/accounts/{id}/tokens/{token}/revoke`
pub async fn revoke_account_token(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    Path((id, token)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    let id = AccountId(id);
    let actor = Actor::User(&user, &client);
    let account = manage::account(&state, actor, id).await?;
    let result = admin::revoke_token(&state, actor, account.email.as_str(), &token).await;
    let done = format!("/admin/accounts/{}?done=token_revoked", id.0);
    after_change(
        &state,
        &user,
        &client,
        result,
        &done,
        Section::Account(id),
        "tokens",
        Vec::new(),
    )
    .await
}
