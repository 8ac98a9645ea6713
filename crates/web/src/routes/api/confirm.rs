//! `POST /api/v1/account/confirm`: the step-up the exfiltration guard asks
//! for (error code `step_up_required`). The proof is the second factor
//! (`{"code": "123456"}`, or a recovery code); only accounts exempt from
//! the second factor may send `{"password": ...}` instead; a passkey
//! answers a challenge from `/api/v1/account/confirm/webauthn/start` with
//! `{"webauthn": {"challenge", "credential"}}`.

use crate::{
    auth::Authenticated,
    error::{ApiError, AppError},
    state::AppState,
};
use axum::{extract::State, Json};
use rampart_app::{
    guard::{self, StepUpProof},
    Origin,
};
use serde::Deserialize;
use serde_json::{json, Value};

/// A passkey's answer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasskeyAnswer {
    challenge: String,
    credential: Value,
}

/// The body: exactly one of `code`, `webauthn` and `password`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confirm {
    code: Option<String>,
    password: Option<String>,
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

/// `POST /api/v1/account/confirm/webauthn/start`: a passkey challenge for
/// the step-up, answered through `POST /api/v1/account/confirm`.
pub async fn start_passkey_confirm(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        rampart_app::identity::passkeys::start_step_up(&state, &user).await?,
    ))
}

/// `POST /api/v1/account/confirm`
pub async fn confirm(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Json(body): Json<Confirm>,
) -> Result<Json<Value>, ApiError> {
    let proof = body.proof()?;
    guard::confirm_step_up(&state, &user, &client, &proof).await?;
    Ok(Json(json!({"status": "ok"})))
}
