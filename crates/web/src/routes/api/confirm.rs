//! `POST /api/v1/account/confirm`: the step-up the exfiltration guard asks
//! for (error code `step_up_required`). Until a second factor exists, the
//! proof is the password, entered again.

use crate::{
    audit::Client, auth::Authenticated, error::AppError, services::guard, state::AppState,
};
use axum::{extract::State, Json};
use serde::Deserialize;
use serde_json::{json, Value};

/// The body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confirm {
    password: String,
}

/// `POST /api/v1/account/confirm`
pub async fn confirm(
    State(state): State<AppState>,
    client: Client,
    user: Authenticated,
    Json(body): Json<Confirm>,
) -> Result<Json<Value>, AppError> {
    guard::confirm_password(&state, &user, &client, &body.password).await?;
    Ok(Json(json!({"status": "ok"})))
}
