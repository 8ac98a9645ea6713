//! Passkeys (WebAuthn) of the account: registration, listing and removal.
//! The ceremonies and their checks live in `rampart_identity::passkeys`.

use crate::extract::{Json, Path};
use crate::{auth::Authenticated, error::ApiError, routes::api::Items, state::AppState};
use axum::{extract::State, http::StatusCode};
use rampart_app::Origin;
use rampart_identity::passkeys;
use rampart_store::{event_time, WebauthnCredential};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// A ceremony begun.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyChallenge {
    /// Send it back with the answer.
    pub challenge: String,
    /// The `publicKey` member for `navigator.credentials.create()` or
    /// `.get()`.
    #[schema(value_type = Object)]
    pub options: Value,
}

impl From<passkeys::Challenge> for PasskeyChallenge {
    fn from(c: passkeys::Challenge) -> Self {
        PasskeyChallenge {
            challenge: c.challenge,
            options: c.options,
        }
    }
}

/// A passkey's answer to a challenge.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyAnswer {
    /// The challenge's id.
    pub(crate) challenge: String,
    /// The authenticator's answer, as `PublicKeyCredential` JSON.
    #[schema(value_type = Object)]
    pub(crate) credential: Value,
}

/// `.../register/finish` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterFinish {
    /// The challenge's id.
    challenge: String,
    /// A name for the passkey: 1 to 64 characters, no control characters.
    #[schema(pattern = r"^[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]{0,63}$")]
    name: String,
    /// The authenticator's answer.
    #[schema(value_type = Object)]
    credential: Value,
}

/// A passkey just registered.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyRegistered {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
}

/// One of the account's passkeys.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyItem {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// When it was registered.
    pub created_at: String,
    /// When it was last used.
    pub last_used_at: Option<String>,
}

impl From<&WebauthnCredential> for PasskeyItem {
    fn from(c: &WebauthnCredential) -> Self {
        PasskeyItem {
            id: c.id,
            name: c.name.clone(),
            created_at: event_time(c.created_at),
            last_used_at: c.last_used_at.map(event_time),
        }
    }
}

/// Begins registering a passkey (from a signed-in browser session; an API
/// token gets 403). Passkeys need `[http] public_url` with a host name:
/// without one this answers 409 `precondition`.
#[utoipa::path(
    post,
    path = "/api/v1/account/webauthn/register/start",
    tag = "account",
    responses((status = 200, description = "The challenge", body = PasskeyChallenge)),
)]
pub async fn start_registration(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<PasskeyChallenge>, ApiError> {
    Ok(Json(
        passkeys::start_registration(&state.identity, &user)
            .await?
            .into(),
    ))
}

/// Finishes registering a passkey with the authenticator's answer.
#[utoipa::path(
    post,
    path = "/api/v1/account/webauthn/register/finish",
    tag = "account",
    request_body = RegisterFinish,
    responses((status = 201, description = "Registered", body = PasskeyRegistered)),
)]
pub async fn finish_registration(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Json(body): Json<RegisterFinish>,
) -> Result<(StatusCode, Json<PasskeyRegistered>), ApiError> {
    let (id, name) = passkeys::finish_registration(
        &state.identity,
        &user,
        &client,
        &body.challenge,
        &body.name,
        body.credential,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(PasskeyRegistered { id, name })))
}

/// The account's passkeys.
#[utoipa::path(
    get,
    path = "/api/v1/account/webauthn",
    tag = "account",
    responses((status = 200, description = "The passkeys", body = Items<PasskeyItem>)),
)]
pub async fn list_passkeys(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<Items<PasskeyItem>>, ApiError> {
    let items = passkeys::list(&state.identity, user.principal.account)
        .await?
        .iter()
        .map(PasskeyItem::from)
        .collect();
    Ok(Json(Items { items }))
}

/// Removes one of the account's passkeys.
#[utoipa::path(
    delete,
    path = "/api/v1/account/webauthn/{id}",
    tag = "account",
    params(("id" = i64, Path, description = "The passkey's id")),
    responses((status = 204, description = "Removed")),
)]
pub async fn remove_passkey(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    passkeys::remove(&state.identity, &user, &client, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
