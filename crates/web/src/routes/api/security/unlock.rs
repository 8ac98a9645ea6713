//! `POST /api/v1/security/accounts/{email}/unlock`

use crate::extract::{Json, Path};
use crate::{auth::Authenticated, error::ApiError, state::AppState};
use axum::extract::State;
use rampart_app::{guard, Origin};
use serde::Serialize;
use utoipa::ToSchema;

/// An account unlocked.
#[derive(Debug, Serialize, ToSchema)]
pub struct Unlocked {
    /// The account (email).
    pub account: String,
    /// How many of its open alerts were closed.
    pub closed_alerts: u64,
}

/// Lifts the guard's suspension of an account and closes its alerts.
#[utoipa::path(
    post,
    path = "/api/v1/security/accounts/{email}/unlock",
    tag = "security",
    params(("email" = String, Path, description = "The account's email",
        pattern = r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$")),
    responses((status = 200, description = "Unlocked", body = Unlocked)),
)]
pub async fn unlock_account(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(email): Path<String>,
) -> Result<Json<Unlocked>, ApiError> {
    let closed = guard::unlock(&state, &user, &client, &email, None).await?;
    Ok(Json(Unlocked {
        account: email,
        closed_alerts: closed,
    }))
}
