//! Signing in (password, then a TOTP code, a recovery code or a passkey)
//! and signing out. Every step answers with the session cookie and a
//! [`SignInAnswer`].

pub mod login;
pub mod logout;
pub mod passkey;

use crate::extract::Json;
use crate::{auth, error::ApiError, state::AppState};
use axum::{
    http::{header, HeaderMap},
    response::{IntoResponse, Response},
};
use rampart_identity::SignedIn;
use serde::Serialize;
use utoipa::ToSchema;

/// Where sign-in stands after a step.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignInAnswer {
    /// `ok` (signed in), `password_change_required`,
    /// `enroll_second_factor` or `second_factor_required`.
    #[schema(value_type = SignInStatus)]
    pub status: &'static str,
    /// The second-factor methods offered: `totp`, `recovery`, and
    /// `webauthn` when the account has a passkey.
    pub methods: Vec<&'static str>,
    /// The CSRF token to send as `X-CSRF-Token` with unsafe requests of
    /// this session.
    pub csrf: String,
    /// The recovery codes, shown once: only in the answer that confirms a
    /// TOTP enrollment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_codes: Option<Vec<String>>,
}

/// The stages of sign-in (schema only).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum SignInStatus {
    /// Signed in.
    Ok,
    /// The password must be changed first (`POST /api/v1/account/password`).
    PasswordChangeRequired,
    /// A second factor must be enrolled (`POST /api/v1/account/totp`).
    EnrollSecondFactor,
    /// A second factor must be given.
    SecondFactorRequired,
}

/// The answer to a step of sign-in: the session cookie and where sign-in
/// stands.
pub(super) fn answer(
    state: &AppState,
    signed: SignedIn,
    recovery_codes: Option<Vec<String>>,
) -> Result<Response, ApiError> {
    let body = SignInAnswer {
        status: signed.status(),
        methods: signed.methods.clone(),
        csrf: signed.csrf.clone(),
        recovery_codes,
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        header::SET_COOKIE,
        auth::session_cookie(state, &signed.secret)?,
    );
    Ok((headers, Json(body)).into_response())
}
