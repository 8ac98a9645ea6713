//! `POST /api/v1/account/confirm`: the step-up the exfiltration guard asks
//! for (error code `step_up_required`). The proof is the second factor
//! (`{"code": "123456"}`, or a recovery code); only accounts exempt from
//! the second factor may send `{"password": ...}` instead.

use crate::{
    audit::Client,
    auth::Authenticated,
    error::AppError,
    services::guard::{self, StepUpProof},
    state::AppState,
};
use axum::{extract::State, Json};
use serde::Deserialize;
use serde_json::{json, Value};

/// The body: exactly one of `code` and `password`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confirm {
    code: Option<String>,
    password: Option<String>,
}

impl Confirm {
    /// The proof, or why the body is not one.
    pub(crate) fn proof(self) -> Result<StepUpProof, AppError> {
        match (self.code, self.password) {
            (Some(code), None) => Ok(StepUpProof::Code(code)),
            (None, Some(password)) => Ok(StepUpProof::Password(password)),
            _ => Err(AppError::Invalid(
                "send exactly one of \"code\" (second factor) and \"password\"".into(),
            )),
        }
    }
}

/// `POST /api/v1/account/confirm`
pub async fn confirm(
    State(state): State<AppState>,
    client: Client,
    user: Authenticated,
    Json(body): Json<Confirm>,
) -> Result<Json<Value>, AppError> {
    let proof = body.proof()?;
    guard::confirm_step_up(&state, &user, &client, &proof).await?;
    Ok(Json(json!({"status": "ok"})))
}
