//! Sign-in, sign-out, who-am-I and the password change that completes a
//! one-time-password sign-in.

use crate::{
    audit::Client,
    auth::{self, throttle, Authenticated, Credential, SigningIn},
    error::AppError,
    services::identity::{self, Method, SignedIn},
    state::AppState,
};
use axum::{
    extract::State,
    http::{header, HeaderMap},
    response::{IntoResponse, Response},
    Json,
};
use rampart_domain::{Email, InstallRole};
use rampart_store::{AccountRow, Outcome, SessionStage};
use serde::Deserialize;

/// `POST /api/v1/login` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    email: String,
    password: String,
}

/// Checks the email's shape before any database work: oversized or
/// control-character input is a clear 422, audited.
async fn check_email_shape(state: &AppState, client: &Client, email: &str) -> Result<(), AppError> {
    let problem = if email.len() > 254 {
        Some("email longer than 254 bytes")
    } else if email.chars().any(char::is_control) {
        Some("email with control characters")
    } else {
        None
    };
    if let Some(reason) = problem {
        let mut event = state.event(client, "login", Outcome::Failed);
        event.account = Some("(malformed)".into());
        event.detail = serde_json::json!({ "reason": reason });
        state.record(event).await?;
        return Err(AppError::Invalid(format!(
            "the email is invalid ({reason}); it must be at most 254 bytes without control characters"
        )));
    }
    Ok(())
}

/// Checks email and password, audits the attempt, and opens a session whose
/// stage is limited to what the account may do next. Attempts are
/// throttled per account, IP and network before the password is checked.
pub(crate) async fn sign_in(
    state: &AppState,
    client: &Client,
    email: &str,
    password: &str,
) -> Result<SignedIn, AppError> {
    check_email_shape(state, client, email).await?;
    let parsed: Option<Email> = email.parse().ok().filter(|_| password.len() <= 1024);
    let shown_email = parsed
        .as_ref()
        .map(|e| e.to_string())
        .unwrap_or_else(|| "(malformed)".into());
    let keys = throttle::Keys::new(client, &shown_email);
    if let Err(e) = throttle::check(state, &keys).await {
        let mut event = state.event(client, "login", Outcome::Denied);
        event.account = Some(shown_email);
        event.detail = serde_json::json!({"reason": "throttled"});
        state.record(event).await?;
        throttle::detect(state, &keys).await?;
        return Err(e);
    }
    let account = match &parsed {
        Some(e) => state.store.account_by_email(e).await?,
        None => None,
    };
    let ok =
        auth::verify_password(account.as_ref().map(|a| a.password_hash.clone()), password).await?;
    let account = match account {
        Some(a) if ok && a.status == rampart_domain::AccountStatus::Active => a,
        other => {
            let mut event = state.event(client, "login", Outcome::Failed);
            event.account = Some(shown_email);
            event.detail = serde_json::json!({"reason": match &other {
                None => "unknown account",
                Some(a) if a.status != rampart_domain::AccountStatus::Active => "account suspended",
                Some(_) => "wrong password",
            }});
            state.record(event).await?;
            throttle::failed(state, &keys).await?;
            throttle::detect(state, &keys).await?;
            // Argon2 ran above whatever the account's state, and the
            // failure is counted the same way; only the holder of the
            // right password learns that the account is locked and whom
            // to ask, a wrong password gets the usual answer.
            return Err(match &other {
                Some(a) if ok && a.status != rampart_domain::AccountStatus::Active => {
                    AppError::AccountLocked(state.config.identity.locked_contact.clone())
                }
                _ => AppError::BadCredentials,
            });
        }
    };
    if auth::needs_rehash(&account.password_hash) {
        let hash = auth::hash_password(password).await?;
        state
            .store
            .set_password(account.id, &hash, account.must_change_password)
            .await?;
    }
    let stage = identity::stage_after_password(state, &account).await?;
    let (signed, session_id) = identity::open_session(state, &account, stage, client).await?;
    let mut event = state.event(client, "login", Outcome::Ok);
    event.account = Some(account.email.to_string());
    event.session = Some(session_id);
    event.detail = serde_json::json!({"stage": stage.as_str()});
    state.record(event).await?;
    Ok(signed)
}

fn answer(signed: SignedIn) -> Response {
    let mut headers = HeaderMap::new();
    let body = signed.body();
    headers.insert(header::SET_COOKIE, signed.cookie);
    (headers, Json(body)).into_response()
}

/// `POST /api/v1/login`
pub async fn login(
    State(state): State<AppState>,
    client: Client,
    Json(body): Json<LoginRequest>,
) -> Result<Response, AppError> {
    Ok(answer(
        sign_in(&state, &client, &body.email, &body.password).await?,
    ))
}

/// `POST /api/v1/login/totp` and `/api/v1/login/recovery` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    code: String,
}

/// `POST /api/v1/login/totp`: the second factor of a sign-in.
pub async fn login_totp(
    State(state): State<AppState>,
    client: Client,
    SigningIn(user): SigningIn,
    Json(body): Json<CodeRequest>,
) -> Result<Response, AppError> {
    let signed =
        identity::enter_second_factor(&state, &user, &client, Method::Totp, &body.code).await?;
    Ok(answer(signed))
}

/// `POST /api/v1/login/recovery`: a recovery code instead of a TOTP code.
pub async fn login_recovery(
    State(state): State<AppState>,
    client: Client,
    SigningIn(user): SigningIn,
    Json(body): Json<CodeRequest>,
) -> Result<Response, AppError> {
    let signed =
        identity::enter_second_factor(&state, &user, &client, Method::Recovery, &body.code).await?;
    Ok(answer(signed))
}

/// `POST /api/v1/account/totp` body (optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeginTotpRequest {
    /// Replace the pending secret by a new one.
    #[serde(default)]
    new: bool,
}

/// `POST /api/v1/account/totp`: the secret being enrolled, `{secret, uri}`;
/// the same one on every call from this session until it is confirmed, or
/// a new one with `{"new": true}` (the old one then stops working).
pub async fn begin_totp(
    State(state): State<AppState>,
    client: Client,
    SigningIn(user): SigningIn,
    body: Option<Json<BeginTotpRequest>>,
) -> Result<Json<serde_json::Value>, AppError> {
    let Json(body) = body.unwrap_or_default();
    let key = if body.new {
        identity::EnrollmentKey::New
    } else {
        identity::EnrollmentKey::Pending
    };
    let e = identity::begin_enrollment(&state, &user, &client, key).await?;
    Ok(Json(serde_json::json!({"secret": e.secret, "uri": e.uri})))
}

/// `POST /api/v1/account/totp/confirm`: completes enrollment; the answer
/// carries the recovery codes, shown this once.
pub async fn confirm_totp(
    State(state): State<AppState>,
    client: Client,
    SigningIn(user): SigningIn,
    Json(body): Json<CodeRequest>,
) -> Result<Response, AppError> {
    let (signed, codes) = identity::confirm_enrollment(&state, &user, &client, &body.code).await?;
    let mut body = signed.body();
    body["recovery_codes"] = serde_json::json!(codes);
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
    if !auth::verify_password(Some(account.password_hash.clone()), current).await? {
        let mut event = state.event_for(user, client, "password_change", Outcome::Failed);
        event.detail = serde_json::json!({"reason": "wrong current password"});
        state.record(event).await?;
        return Err(AppError::BadCredentials);
    }
    auth::check_new_password(new, &[account.email.as_str(), &account.name])?;
    if new == current {
        return Err(AppError::Invalid(
            "the new password must differ from the current one".into(),
        ));
    }
    let hash = auth::hash_password(new).await?;
    state.store.set_password(account.id, &hash, false).await?;
    // Every other session of the account ends with the old password.
    state.store.delete_sessions_of(account.id).await?;
    let account = AccountRow {
        must_change_password: false,
        ..account
    };
    let stage = match user.stage() {
        // A full session stays full; a one-time-password session moves on
        // to the second factor (enrollment at first sign-in).
        SessionStage::Full => SessionStage::Full,
        _ => identity::stage_after_password(state, &account).await?,
    };
    let (signed, _) = identity::open_session(state, &account, stage, client).await?;
    state
        .record(state.event_for(user, client, "password_change", Outcome::Ok))
        .await?;
    Ok(signed)
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
    Ok(answer(signed))
}
