//! Server-side sessions: a 256-bit random cookie value, of which only the
//! hash is stored; idle and absolute expiry; `HttpOnly; SameSite=Strict`,
//! and `Secure` when served over https.

use super::{hash_secret, load_principal, new_secret, Authenticated, Credential};
use crate::{audit::Client, error::AppError, state::AppState};
use axum::http::{header, request::Parts, HeaderValue};
use rampart_domain::{AccountId, TokenScope};
use rampart_store::{NewSession, SessionStage};
use time::Duration;

/// How long a session part-way through sign-in lives.
const PENDING_LIFETIME: Duration = Duration::minutes(15);

/// The cookie's name.
pub const SESSION_COOKIE: &str = "rampart_session";

/// Creates a session and returns the `Set-Cookie` value and the CSRF token.
pub async fn start_session(
    state: &AppState,
    account: AccountId,
    stage: SessionStage,
    client: &Client,
) -> Result<(HeaderValue, String, String), AppError> {
    let (secret, hash) = new_secret();
    let csrf = hex::encode(rampart_domain::random_bytes::<32>());
    let public_id = format!("s-{}", hex::encode(&hash[..8]));
    state
        .store
        .create_session(
            &NewSession {
                token_hash: hash,
                public_id: public_id.clone(),
                account,
                stage,
                csrf: csrf.clone(),
                ip: client.ip.clone(),
                user_agent: client.user_agent.clone(),
            },
            state.clock.now(),
        )
        .await?;
    let secure = if state.config.http.is_https() {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict{secure}");
    let cookie = HeaderValue::from_str(&cookie).map_err(|e| AppError::Internal(e.into()))?;
    Ok((cookie, csrf, public_id))
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(state: &AppState) -> HeaderValue {
    let secure = if state.config.http.is_https() {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"
    ))
    .unwrap_or(HeaderValue::from_static(
        "rampart_session=; Path=/; Max-Age=0",
    ))
}

fn cookie_value(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))
}

pub(super) async fn authenticate_session(
    parts: &Parts,
    state: &AppState,
) -> Result<Authenticated, AppError> {
    let secret = cookie_value(parts).ok_or(AppError::Unauthenticated)?;
    if secret.len() != 64 {
        return Err(AppError::Unauthenticated);
    }
    let hash = hash_secret(secret);
    let session = state
        .store
        .session_by_hash(&hash)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let now = state.clock.now();
    let idle = Duration::minutes(i64::from(state.config.session.idle_minutes));
    let absolute = Duration::hours(i64::from(state.config.session.absolute_hours));
    // A half-signed-in session is only good for finishing the sign-in.
    let pending_expired =
        session.stage != SessionStage::Full && now - session.created_at >= PENDING_LIFETIME;
    if now - session.last_seen >= idle || now - session.created_at >= absolute || pending_expired {
        state.store.delete_session(&hash).await?;
        return Err(AppError::Unauthenticated);
    }
    // Writing on every request would serialise reads behind the WAL lock;
    // minute precision is plenty for a 30-minute idle limit.
    if now - session.last_seen > Duration::minutes(1) {
        state.store.touch_session(&hash, now).await?;
    }
    let (principal, account) = load_principal(state, session.account, TokenScope::Full).await?;
    Ok(Authenticated {
        principal,
        email: account.email,
        name: account.name,
        credential_name: format!("session {}", session.public_id),
        credential_id: session.public_id,
        credential: Credential::Session {
            hash,
            csrf: session.csrf,
            stage: session.stage,
        },
    })
}
