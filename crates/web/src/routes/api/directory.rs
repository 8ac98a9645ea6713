//! The member directory and one's own profile (the flows are
//! `rampart_app::directory`): `GET /api/v1/directory`,
//! `GET|PUT /api/v1/account/profile`.

use crate::extract::{Json, Query};
use crate::{auth::Authenticated, error::ApiError, state::AppState};
use axum::extract::State;
use rampart_app::{directory, Origin};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// A member's profile. Personal fields (by default `position`, `unit`,
/// `phone`, `address`; `[directory] fields` lists them) appear beside
/// `organisation` when set.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileView {
    /// The account's email.
    pub email: String,
    /// Its display name.
    pub name: String,
    /// Its nation (ISO 3166 alpha-3).
    pub nation: String,
    /// Its organisation (empty when not given).
    pub organisation: String,
    /// The personal fields that are set.
    #[serde(flatten)]
    #[schema(additional_properties)]
    pub fields: BTreeMap<String, String>,
}

impl From<directory::Profile> for ProfileView {
    fn from(p: directory::Profile) -> Self {
        ProfileView {
            email: p.email,
            name: p.name,
            nation: p.nation,
            organisation: p.organisation,
            fields: p.fields.into_iter().collect(),
        }
    }
}

/// A page of the directory, by email.
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryPage {
    /// The profiles the caller may see.
    pub items: Vec<ProfileView>,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
}

/// Directory query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DirectoryParams {
    /// Words of a name, organisation, nation or email (case and accents
    /// ignored).
    #[param(max_length = 100)]
    q: Option<String>,
    /// Where the previous page ended (its `next`; empty: the first page).
    #[param(max_length = 254)]
    cursor: Option<String>,
}

/// The profiles of the members the caller shares a community with (every
/// member, for administrators and security officers). Each page is
/// audited and counted by the guard as profile views.
#[utoipa::path(
    get,
    path = "/api/v1/directory",
    tag = "directory",
    params(DirectoryParams),
    responses((status = 200, description = "One page of profiles", body = DirectoryPage)),
)]
pub async fn list_directory(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Query(params): Query<DirectoryParams>,
) -> Result<Json<DirectoryPage>, ApiError> {
    let page = directory::directory_page(
        &state,
        &user,
        &client,
        params.q.as_deref(),
        params.cursor.as_deref(),
    )
    .await?;
    Ok(Json(DirectoryPage {
        items: page.items.into_iter().map(ProfileView::from).collect(),
        next: page.next,
    }))
}

/// The caller's own profile.
#[utoipa::path(
    get,
    path = "/api/v1/account/profile",
    tag = "account",
    responses((status = 200, description = "The caller's profile", body = ProfileView)),
)]
pub async fn get_profile(
    State(state): State<AppState>,
    user: Authenticated,
) -> Result<Json<ProfileView>, ApiError> {
    Ok(Json(directory::own_profile(&state, &user).await?.into()))
}

/// A profile as its owner sets it: the organisation and personal fields;
/// a field left out or empty is removed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProfileBody {
    /// The organisation.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub organisation: String,
    /// Personal fields by name (`[directory] fields`), at most 500
    /// characters each.
    #[serde(flatten)]
    #[schema(additional_properties)]
    pub fields: BTreeMap<String, String>,
}

/// Replaces the caller's own profile (audited: which fields, never their
/// values).
#[utoipa::path(
    put,
    path = "/api/v1/account/profile",
    tag = "account",
    request_body = ProfileBody,
    responses((status = 200, description = "The profile as stored", body = ProfileView)),
)]
pub async fn put_profile(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Json(body): Json<ProfileBody>,
) -> Result<Json<ProfileView>, ApiError> {
    let input = directory::ProfileInput {
        organisation: body.organisation,
        fields: body.fields.into_iter().collect(),
    };
    Ok(Json(
        directory::update_own_profile(&state, &user, &client, &input)
            .await?
            .into(),
    ))
}
