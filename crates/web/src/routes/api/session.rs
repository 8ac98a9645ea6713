//! Sign-in, sign-out, who-am-I and the password change that completes a
//! one-time-password sign-in.

use crate::{
    audit::Client,
    auth::{self, Authenticated, Credential, SigningIn},
    error::AppError,
    state::AppState,
};
use axum::{
    extract::State,
    http::{header, HeaderMap},
    response::{IntoResponse, Response},
    Json,
};
use rampart_domain::{Email, InstallRole};
use rampart_store::{Outcome, SessionStage};
use serde::{Deserialize, Serialize};

/// `POST /api/v1/login` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    email: String,
    password: String,
}

/// Sign-in answer.
#[derive(Debug, Serialize)]
pub struct LoginResponse {
    status: &'static str,
    methods: Vec<&'static str>,
    csrf: String,
}

/// The result of checking credentials, shared with the sign-in page.
pub(crate) struct SignedIn {
    pub cookie: axum::http::HeaderValue,
    pub csrf: String,
    pub stage: SessionStage,
}

/// Checks email and password, audits the attempt, and opens a session whose
/// stage is limited to what the account may do next.
pub(crate) async fn sign_in(
    state: &AppState,
    client: &Client,
    email: &str,
    password: &str,
) -> Result<SignedIn, AppError> {
    let parsed: Option<Email> = email.parse().ok().filter(|_| password.len() <= 1024);
    let account = match &parsed {
        Some(e) => state.store.account_by_email(e).await?,
        None => None,
    };
    let ok =
        auth::verify_password(account.as_ref().map(|a| a.password_hash.clone()), password).await?;
    let shown_email = parsed
        .map(|e| e.to_string())
        .unwrap_or_else(|| "(malformed)".into());
    let account = match account {
        Some(a) if ok && a.status == rampart_domain::AccountStatus::Active => a,
        other => {
            let mut event = state.event(client, "login", Outcome::Failed);
            event.account = Some(shown_email);
            event.detail = serde_json::json!({"reason": match other {
                None => "unknown account",
                Some(a) if a.status != rampart_domain::AccountStatus::Active => "account suspended",
                Some(_) => "wrong password",
            }});
            state.record(event).await?;
            return Err(AppError::BadCredentials);
        }
    };
    let stage = if account.must_change_password {
        SessionStage::PasswordChange
    } else {
        SessionStage::Full
    };
    let (cookie, csrf, session_id) = auth::start_session(state, account.id, stage, client).await?;
    let mut event = state.event(client, "login", Outcome::Ok);
    event.account = Some(account.email.to_string());
    event.session = Some(session_id);
    event.detail = serde_json::json!({"stage": if stage == SessionStage::Full { "full" } else { "password_change" }});
    state.record(event).await?;
    Ok(SignedIn {
        cookie,
        csrf,
        stage,
    })
}

fn status_of(stage: SessionStage) -> &'static str {
    match stage {
        SessionStage::Full => "ok",
        SessionStage::PasswordChange => "password_change_required",
    }
}

/// `POST /api/v1/login`
pub async fn login(
    State(state): State<AppState>,
    client: Client,
    Json(body): Json<LoginRequest>,
) -> Result<Response, AppError> {
    let signed = sign_in(&state, &client, &body.email, &body.password).await?;
    let body = LoginResponse {
        status: status_of(signed.stage),
        methods: vec![],
        csrf: signed.csrf,
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, signed.cookie);
    Ok((headers, Json(body)).into_response())
}

/// Ends the session (or does nothing for a token, which is revoked instead).
pub(crate) async fn sign_out(
    state: &AppState,
    user: &Authenticated,
    client: &Client,
) -> Result<(), AppError> {
    if let Credential::Session { hash, .. } = &user.credential {
        state.store.delete_session(hash).await?;
    }
    state
        .record(state.event_for(user, client, "logout", Outcome::Ok))
        .await?;
    Ok(())
}

/// `POST /api/v1/logout`
pub async fn logout(
    State(state): State<AppState>,
    client: Client,
    SigningIn(user): SigningIn,
) -> Result<Response, AppError> {
    sign_out(&state, &user, &client).await?;
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, auth::clear_cookie(&state));
    Ok((headers, Json(serde_json::json!({"status": "signed_out"}))).into_response())
}

/// `GET /api/v1/me`
pub async fn me(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<serde_json::Value>, AppError> {
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

/// Verifies the current password, stores the new one, and replaces the
/// session with a fully signed-in one (a fresh id: no fixation).
pub(crate) async fn change_password_for(
    state: &AppState,
    user: &Authenticated,
    client: &Client,
    current: &str,
    new: &str,
) -> Result<SignedIn, AppError> {
    let account = state
        .store
        .account_by_id(user.principal.account)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !auth::verify_password(Some(account.password_hash), current).await? {
        let mut event = state.event_for(user, client, "password_change", Outcome::Failed);
        event.detail = serde_json::json!({"reason": "wrong current password"});
        state.record(event).await?;
        return Err(AppError::BadCredentials);
    }
    auth::check_new_password(new)?;
    if new == current {
        return Err(AppError::Invalid(
            "the new password must differ from the current one".into(),
        ));
    }
    let hash = auth::hash_password(new).await?;
    state.store.set_password(account.id, &hash, false).await?;
    // Every other session of the account ends with the old password.
    state.store.delete_sessions_of(account.id).await?;
    let (cookie, csrf, _) =
        auth::start_session(state, account.id, SessionStage::Full, client).await?;
    state
        .record(state.event_for(user, client, "password_change", Outcome::Ok))
        .await?;
    Ok(SignedIn {
        cookie,
        csrf,
        stage: SessionStage::Full,
    })
}

/// `POST /api/v1/account/password`
pub async fn change_password(
    State(state): State<AppState>,
    client: Client,
    SigningIn(user): SigningIn,
    Json(body): Json<PasswordChange>,
) -> Result<Response, AppError> {
    if matches!(user.credential, Credential::Token) {
        return Err(AppError::Forbidden("sign in with a password to change it"));
    }
    let signed = change_password_for(&state, &user, &client, &body.current, &body.new).await?;
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, signed.cookie);
    Ok((
        headers,
        Json(LoginResponse {
            status: "ok",
            methods: vec![],
            csrf: signed.csrf,
        }),
    )
        .into_response())
}
