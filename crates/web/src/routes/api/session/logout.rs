//! `POST /api/v1/logout`

use super::super::Status;
use crate::extract::Json;
use crate::{
    auth::{self, SigningIn},
    error::ApiError,
    state::AppState,
};
use axum::{
    extract::State,
    http::{header, HeaderMap},
    response::{IntoResponse, Response},
};
use rampart_app::Origin;
use rampart_identity::login;

/// Ends the caller's session.
#[utoipa::path(
    post,
    path = "/api/v1/logout",
    tag = "session",
    responses((status = 200, description = "`{\"status\": \"signed_out\"}`", body = Status,
        headers(("set-cookie" = String, description = "Clears the session cookie")))),
)]
pub async fn logout(
    State(state): State<AppState>,
    client: Origin,
    SigningIn(user): SigningIn,
) -> Result<Response, ApiError> {
    login::sign_out(&state.identity, &user, &client).await?;
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, auth::clear_cookie(&state));
    Ok((headers, Json(Status::new("signed_out"))).into_response())
}
