//! The session cookie: `HttpOnly; SameSite=Strict`, and `Secure` when
//! served over https. Its value is the session's secret.

use crate::state::AppState;
use axum::http::{header, request::Parts, HeaderValue};

/// The cookie's name.
pub const SESSION_COOKIE: &str = "rampart_session";

fn secure(state: &AppState) -> &'static str {
    if state.config.http.is_https() {
        "; Secure"
    } else {
        ""
    }
}

/// The `Set-Cookie` value that hands a new session's secret to a browser.
pub fn session_cookie(state: &AppState, secret: &str) -> Result<HeaderValue, crate::AppError> {
    let secure = secure(state);
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict{secure}"
    ))
    .map_err(|e| crate::AppError::Internal(e.into()))
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(state: &AppState) -> HeaderValue {
    let secure = secure(state);
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"
    ))
    .unwrap_or(HeaderValue::from_static(
        "rampart_session=; Path=/; Max-Age=0",
    ))
}

/// The session secret the request's cookie carries.
pub(super) fn session_secret(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))
}
