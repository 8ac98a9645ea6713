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

/// The body: exactly one proof.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged, deny_unknown_fields)]
pub enum Confirm {
    /// The second factor: a TOTP code, or a recovery code.
    Code {
        /// 6 digits, or a recovery code.
        #[schema(pattern = "^([0-9]{6}|[A-Za-z0-9]{10})$")]
        code: String,
    },
    /// A passkey's answer to `/api/v1/account/confirm/webauthn/start`.
    Passkey {
        /// The answer.
        webauthn: PasskeyAnswer,
    },
    /// The password: only accounts exempt from the second factor.
    Password {
        /// The password.
        password: String,
    },
}

impl Confirm {
    /// The proof.
    pub(crate) fn proof(self) -> StepUpProof {
        match self {
            Confirm::Code { code } => StepUpProof::Code(code),
            Confirm::Password { password } => StepUpProof::Password(password),
            Confirm::Passkey { webauthn } => StepUpProof::Passkey {
                challenge: webauthn.challenge,
                credential: webauthn.credential,
            },
        }
    }
}

/// A passkey challenge for the step-up, answered through
/// `POST /api/v1/account/confirm` (409 `precondition` when the account has
/// no passkey, or the server no host name in `[http] public_url`).
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
    body: Result<Json<Confirm>, ApiError>,
) -> Result<Json<Status>, ApiError> {
    let Json(body) = body.map_err(|e| match e.0 {
        AppError::Invalid(_) => ApiError(AppError::Invalid(
            "send exactly one of \"code\" or \"webauthn\" (second factor) and \"password\"".into(),
        )),
        other => ApiError(other),
    })?;
    let proof = body.proof();
    guard::confirm_step_up(&state, &user, &client, &proof).await?;
    Ok(Json(Status::new("ok")))
}

#[cfg(test)]
mod tests {
    use super::Confirm;

    #[test]
    fn exactly_one_proof_is_accepted() {
        let one = |body: &str| serde_json::from_str::<Confirm>(body).is_ok();
        assert!(one(r#"{"code": "123456"}"#));
        assert!(one(r#"{"password": "correct horse"}"#));
        assert!(one(
            r#"{"webauthn": {"challenge": "c", "credential": {"id": "x"}}}"#
        ));
        assert!(!one(r#"{}"#));
        assert!(!one(r#"{"code": "123456", "password": "correct horse"}"#));
        assert!(!one(r#"{"code": "123456", "extra": 1}"#));
    }
}
