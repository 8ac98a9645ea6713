//! `POST /api/v1/account/password`, which also completes a sign-in that
//! required a password change.

use crate::extract::Json;
use crate::{
    auth::{Credential, SigningIn},
    error::{ApiError, AppError},
    routes::api::session::{answer, SignInAnswer},
    state::AppState,
};
use axum::{extract::State, response::Response};
use rampart_app::Origin;
use rampart_identity::login;
use serde::Deserialize;
use utoipa::ToSchema;

/// `POST /api/v1/account/password` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The current password.
    current: String,
    /// The new one.
    new: String,
}

/// Changes the caller's password (not with an API token); every other
/// session of the account ends.
#[utoipa::path(
    post,
    path = "/api/v1/account/password",
    tag = "account",
    request_body = PasswordChange,
    responses((status = 200, description = "Changed; where sign-in stands", body = SignInAnswer,
        headers(("set-cookie" = String, description = "The new session cookie")))),
)]
pub async fn change_password(
    State(state): State<AppState>,
    client: Origin,
    SigningIn(user): SigningIn,
    Json(body): Json<PasswordChange>,
) -> Result<Response, ApiError> {
    if matches!(user.credential, Credential::Token) {
        return Err(AppError::Forbidden("sign in with a password to change it").into());
    }
    let signed =
        login::change_password(&state.identity, &user, &client, &body.current, &body.new).await?;
    answer(&state, signed, None)
}
