//! The account page: sessions (end one, or all others), API tokens (create
//! with a scope, shown once; revoke), passkeys (listed, removed here, added
//! by `static/passkey.js`) and new-device notices, over
//! `rampart_identity::account` like the JSON API.

use super::{capitalised, format_time, rejected, render, render_with, Nav, PageUser};
use crate::{
    auth::Authenticated,
    error::{AppError, PageError},
    state::AppState,
};
use askama::Template;
use axum::{
    extract::{rejection::FormRejection, Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    Form,
};
use rampart_app::{directory, Origin};
use rampart_identity::account;
use serde::Deserialize;

/// A session row.
pub struct SessionLine {
    /// Public id.
    pub id: String,
    /// Address.
    pub ip: String,
    /// Browser.
    pub user_agent: String,
    /// Sign-in time.
    pub created: String,
    /// Last activity.
    pub last_seen: String,
    /// The session asking.
    pub current: bool,
}

/// A token row.
pub struct TokenLine {
    /// Public id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Scope as stored.
    pub scope: String,
    /// Expiry, or "never".
    pub expires: String,
    /// Last use, or "never".
    pub last_used: String,
    /// Revoked already.
    pub revoked: bool,
}

/// A new-device notice.
pub struct NoticeLine {
    /// Network.
    pub net: String,
    /// Browser.
    pub user_agent: String,
    /// When.
    pub first_seen: String,
}

/// A passkey row.
pub struct PasskeyLine {
    /// Row id.
    pub id: i64,
    /// The owner's name for it.
    pub name: String,
    /// Registration time.
    pub created: String,
    /// Last use, or "never".
    pub last_used: String,
}

/// `GET /account`
#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    /// Header navigation.
    pub nav: Nav,
    /// Sessions.
    pub sessions: Vec<SessionLine>,
    /// Tokens.
    pub tokens: Vec<TokenLine>,
    /// New-device notices.
    pub notices: Vec<NoticeLine>,
    /// The second factor in words.
    pub factor: String,
    /// Passkeys.
    pub passkeys: Vec<PasskeyLine>,
    /// Whether passkeys can be added (`[http] public_url` has a host name).
    pub passkeys_available: bool,
    /// A token just created, shown once.
    pub new_token: Option<String>,
    /// Why the last form was refused.
    pub error: Option<String>,
    /// The directory profile's organisation.
    pub organisation: String,
    /// The directory profile's personal fields: (name, label, value).
    pub profile_fields: Vec<(String, String, String)>,
    /// Whether the profile was just saved.
    pub profile_saved: bool,
}

/// The profile form's fields: every configured one, with its value.
fn profile_form(state: &AppState, profile: &directory::Profile) -> Vec<(String, String, String)> {
    state
        .config
        .directory
        .fields
        .iter()
        .map(|f| {
            let value = profile
                .fields
                .iter()
                .find(|(n, _)| n == f)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            (f.clone(), directory::DirectoryConfig::label(f), value)
        })
        .collect()
}

async fn page(
    state: &AppState,
    user: &Authenticated,
    new_token: Option<String>,
    error: Option<String>,
) -> Result<AccountPage, AppError> {
    let never = || "never".to_owned();
    let profile = directory::own_profile(state, user).await?;
    Ok(AccountPage {
        profile_fields: profile_form(state, &profile),
        organisation: profile.organisation,
        profile_saved: false,
        nav: Nav::of(user),
        sessions: account::sessions(&state.identity, user)
            .await?
            .into_iter()
            .map(|s| SessionLine {
                id: s.id,
                ip: s.ip,
                user_agent: s.user_agent,
                created: format_time(s.created_at),
                last_seen: format_time(s.last_seen),
                current: s.current,
            })
            .collect(),
        tokens: account::tokens(&state.identity, user)
            .await?
            .into_iter()
            .map(|t| TokenLine {
                id: t.id,
                name: t.name,
                scope: t.scope,
                expires: t.expires_at.map(format_time).unwrap_or_else(never),
                last_used: t.last_used.map(format_time).unwrap_or_else(never),
                revoked: t.revoked_at.is_some(),
            })
            .collect(),
        notices: account::notices(&state.identity, user)
            .await?
            .into_iter()
            .map(|n| NoticeLine {
                net: n.net,
                user_agent: n.user_agent,
                first_seen: format_time(n.first_seen),
            })
            .collect(),
        factor: account::factor_summary(&state.identity, user).await?,
        passkeys: state
            .store
            .webauthn_credentials(user.principal.account)
            .await?
            .into_iter()
            .map(|c| PasskeyLine {
                id: c.id,
                name: c.name,
                created: format_time(c.created_at),
                last_used: c.last_used_at.map(format_time).unwrap_or_else(never),
            })
            .collect(),
        passkeys_available: rampart_identity::passkeys::available(&state.identity),
        new_token,
        error,
    })
}

/// `GET /account`
pub async fn show_account(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    Ok(render(&page(&state, &user, None, None).await?))
}

/// `POST /account/sessions/{id}/end`
pub async fn end_session(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    account::end_session(&state.identity, &user, &client, &id).await?;
    Ok(Redirect::to("/account").into_response())
}

/// `POST /account/sessions/end-others`
pub async fn end_other_sessions(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    account::end_other_sessions(&state.identity, &user, &client).await?;
    Ok(Redirect::to("/account").into_response())
}

/// `POST /account/tokens` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenForm {
    name: String,
    scope: String,
    days: String,
}

/// `POST /account/tokens`: the page again, with the new token shown once.
pub async fn create_token(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    let days = match form.days.trim() {
        "" => None,
        d => match d.parse::<u32>() {
            Ok(d) => Some(d),
            Err(_) => Some(0),
        },
    };
    match account::create_token(
        &state.identity,
        &user,
        &client,
        &form.name,
        &form.scope,
        days,
    )
    .await
    .map_err(AppError::from)
    {
        Ok((_, secret)) => Ok(render_with(
            StatusCode::CREATED,
            &page(&state, &user, Some(secret), None).await?,
        )),
        Err(e @ AppError::Invalid(_)) => {
            let message = capitalised(&e.to_string());
            Ok(render_with(
                crate::error::status(&e),
                &page(&state, &user, None, Some(message)).await?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /account/tokens/{id}/revoke`
pub async fn revoke_token(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    account::revoke_token(&state.identity, &user, &client, &id).await?;
    Ok(Redirect::to("/account").into_response())
}

/// `POST /account/passkeys/{id}/remove`
pub async fn remove_passkey(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    rampart_identity::passkeys::remove(&state.identity, &user, &client, id).await?;
    Ok(Redirect::to("/account").into_response())
}

/// The profile form: the organisation and every configured field.
#[derive(Debug, serde::Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    organisation: String,
    #[serde(flatten)]
    fields: std::collections::BTreeMap<String, String>,
}

/// `POST /account/profile`
pub async fn update_profile(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    form: Result<Form<ProfileForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    let input = directory::ProfileInput {
        organisation: form.organisation,
        fields: form.fields.into_iter().collect(),
    };
    match directory::update_own_profile(&state, &user, &client, &input).await {
        Ok(_) => {
            let mut shown = page(&state, &user, None, None).await?;
            shown.profile_saved = true;
            Ok(render(&shown))
        }
        Err(e @ AppError::Invalid(_)) => {
            let message = capitalised(&e.to_string());
            let mut shown = page(&state, &user, None, Some(message)).await?;
            // Keep what was typed.
            shown.organisation = input.organisation;
            for (name, _, value) in &mut shown.profile_fields {
                if let Some((_, typed)) = input.fields.iter().find(|(n, _)| n == name) {
                    value.clone_from(typed);
                }
            }
            Ok(render_with(crate::error::status(&e), &shown))
        }
        Err(e) => Err(e.into()),
    }
}
