//! `POST /api/v1/account/confirm`: the step-up the exfiltration guard asks
//! for (error code `step_up_required`). The proof is the second factor
//! (`{"code": "123456"}`, or a recovery code); only accounts exempt from
//! the second factor may send `{"password": ...}` instead; a passkey
//! answers a challenge from `/api/v1/account/confirm/webauthn/start` with
//! `{"webauthn": {"challenge", "credential"}}`.

use super::passkeys::{PasskeyAnswer, PasskeyChallenge};
use crate::extract::Json;
use crate::{
    auth::Authenticated,
    error::{ApiError, AppError},
    routes::api::Status,
    state::AppState,
};
use axum::extract::State;
use rampart_app::{
    guard::{self, StepUpProof},
    Origin,
};
use serde::Deserialize;
use utoipa::ToSchema;

/// The body: exactly one of `code`, `webauthn` and `password`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Confirm {
    /// A TOTP or recovery code.
    code: Option<String>,
    /// The password (accounts exempt from the second factor only).
    password: Option<String>,
    /// A passkey's answer to `/api/v1/account/confirm/webauthn/start`.
    webauthn: Option<PasskeyAnswer>,
}

impl Confirm {
    /// The proof, or why the body is not one.
    pub(crate) fn proof(self) -> Result<StepUpProof, ApiError> {
        match (self.code, self.password, self.webauthn) {
            (Some(code), None, None) => Ok(StepUpProof::Code(code)),
            (None, Some(password), None) => Ok(StepUpProof::Password(password)),
            (None, None, Some(answer)) => Ok(StepUpProof::Passkey {
                challenge: answer.challenge,
                credential: answer.credential,
            }),
            _ => Err(AppError::Invalid(
                "send exactly one of \"code\" or \"webauthn\" (second factor) and \"password\""
                    .into(),
            )
            .into()),
        }
    }
}

/// A passkey challenge for the step-up, answered through
/// `POST /api/v1/account/confirm`.
#[utoipa::path(
    post,
    path = "/api/v1/account/confirm/webauthn/start",
    tag = "account",
    responses((status = 200, description = "The challenge", body = PasskeyChallenge)),
)]
pub async fn start_passkey_confirm(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<PasskeyChallenge>, ApiError> {
    Ok(Json(
        rampart_identity::passkeys::start_step_up(&state.identity, &user)
            .await?
            .into(),
    ))
}

/// Proves the caller is present, lifting the guard's step-up.
#[utoipa::path(
    post,
    path = "/api/v1/account/confirm",
    tag = "account",
    request_body = Confirm,
    responses((status = 200, description = "`{\"status\": \"ok\"}`", body = Status)),
)]
pub async fn confirm(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Json(body): Json<Confirm>,
) -> Result<Json<Status>, ApiError> {
    let proof = body.proof()?;
    guard::confirm_step_up(&state, &user, &client, &proof).await?;
    Ok(Json(Status::new("ok")))
}
