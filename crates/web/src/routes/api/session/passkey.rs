//! `POST /api/v1/login/webauthn/start` and `/finish`: a passkey as the
//! second factor of a sign-in.

use super::{answer, SignInAnswer};
use crate::extract::Json;
use crate::{
    auth::SigningIn,
    error::ApiError,
    routes::api::account::passkeys::{PasskeyAnswer, PasskeyChallenge},
    state::AppState,
};
use axum::{extract::State, response::Response};
use rampart_app::Origin;
use rampart_identity::passkeys;

/// A passkey challenge for the second factor of this sign-in (409
/// `precondition` when the account has no passkey, or the server no host
/// name in `[http] public_url`).
#[utoipa::path(
    post,
    path = "/api/v1/login/webauthn/start",
    tag = "session",
    responses((status = 200, description = "The challenge", body = PasskeyChallenge)),
)]
pub async fn start_sign_in(
    State(state): State<AppState>,
    SigningIn(user): SigningIn,
) -> Result<Json<PasskeyChallenge>, ApiError> {
    Ok(Json(
        passkeys::start_sign_in(&state.identity, &user)
            .await?
            .into(),
    ))
}

/// The passkey's answer: like `/api/v1/login/totp`.
#[utoipa::path(
    post,
    path = "/api/v1/login/webauthn/finish",
    tag = "session",
    request_body = PasskeyAnswer,
    responses((status = 200, description = "Signed in", body = SignInAnswer,
        headers(("set-cookie" = String, description = "The new session cookie")))),
)]
pub async fn finish_sign_in(
    State(state): State<AppState>,
    client: Origin,
    SigningIn(user): SigningIn,
    Json(body): Json<PasskeyAnswer>,
) -> Result<Response, ApiError> {
    let signed = passkeys::finish_sign_in(
        &state.identity,
        &user,
        &client,
        &body.challenge,
        body.credential,
    )
    .await?;
    answer(&state, signed, None)
}
