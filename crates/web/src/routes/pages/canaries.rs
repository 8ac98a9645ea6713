//! The security console's canaries: the list, a form that plants one (an
//! upload that names its community and whom it is attributed to) and a
//! form that turns a document into a canary or back. Only security
//! officers reach it; everyone else gets the 404 page.

use super::{format_size, format_time, rejected, render, Nav, PageUser};
use crate::{
    error::PageError,
    state::AppState,
    upload::{check_declared_length, read_canary_upload},
};
use askama::Template;
use axum::{
    extract::{multipart::MultipartRejection, rejection::FormRejection, Form, Multipart, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use rampart_app::{canaries, AuditKind, Origin};
use serde::Deserialize;

/// A canary as a row of the list.
#[derive(Debug, Clone)]
pub struct CanaryItem {
    /// Document id.
    pub id: String,
    /// Title.
    pub title: String,
    /// `portal/community`.
    pub community: String,
    /// File name and size.
    pub file: String,
    /// Who it is shown as uploaded by.
    pub uploaded_by: String,
    /// When it was created.
    pub created: String,
}

/// `GET /security/canaries`
#[derive(Template)]
#[template(path = "canaries.html")]
pub struct CanariesPage {
    /// Header navigation.
    pub nav: Nav,
    /// Every canary, newest first.
    pub canaries: Vec<CanaryItem>,
}

/// `GET /security/canaries`
pub async fn show_canaries(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    let canaries = canaries::list(&state, &user, &client)
        .await?
        .into_iter()
        .map(|d| CanaryItem {
            id: d.id.to_string(),
            title: d.title,
            community: format!("{}/{}", d.portal_slug, d.community_slug),
            file: format!("{} ({})", d.current.filename, format_size(d.current.size)),
            uploaded_by: d.current.uploaded_by,
            created: format_time(d.created_at),
        })
        .collect();
    Ok(render(&CanariesPage {
        nav: Nav::of(&user),
        canaries,
    }))
}

/// `POST /security/canaries`: plants a canary from the form's upload.
pub async fn plant_canary(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    canaries::require_officer(&state, &user, &client, AuditKind::CanaryPlant).await?;
    check_declared_length(&state, &headers)?;
    let multipart = multipart.map_err(|e| rejected(e.status(), e.body_text()))?;
    let upload = read_canary_upload(multipart, &state.blobs, state.config.upload.max_bytes).await?;
    canaries::plant(&state, &user, &client, upload).await?;
    Ok(Redirect::to("/security/canaries").into_response())
}

/// `POST /security/canaries/set` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetForm {
    /// The document's id.
    id: String,
    /// `true` to make it a canary, `false` to make it real again.
    canary: String,
}

/// `POST /security/canaries/set`: turns a document into a canary or back.
pub async fn set_canary(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    form: Result<Form<SetForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    let canary = form.canary == "true";
    canaries::set(&state, &user, &client, form.id.trim(), canary).await?;
    Ok(Redirect::to("/security/canaries").into_response())
}
