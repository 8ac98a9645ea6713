//! `/account/confirm`: the password re-entry the exfiltration guard asks
//! for (a step-up), as an HTML form over the same service as
//! `POST /api/v1/account/confirm`.

use super::{rejected, render, render_with, Nav, PageUser};
use crate::{
    audit::Client,
    error::{AppError, PageError},
    services::guard,
    state::AppState,
};
use askama::Template;
use axum::{
    extract::{rejection::FormRejection, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    Form,
};
use serde::Deserialize;

/// The form.
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    /// Header navigation.
    pub nav: Nav,
    /// Why the last attempt failed.
    pub error: Option<String>,
}

/// `POST /account/confirm` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmForm {
    password: String,
}

/// `GET /account/confirm`
pub async fn show_confirm(PageUser(user): PageUser) -> Response {
    render(&ConfirmPage {
        nav: Nav::of(&user),
        error: None,
    })
}

/// `POST /account/confirm`: on success back to the home page; a wrong
/// password shows the form again (the third in a row suspends the account
/// and ends the session).
pub async fn submit_confirm(
    State(state): State<AppState>,
    client: Client,
    PageUser(user): PageUser,
    form: Result<Form<ConfirmForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    match guard::confirm_password(&state, &user, &client, &form.password).await {
        Ok(()) => Ok(Redirect::to("/").into_response()),
        Err(AppError::BadCredentials) => Ok(render_with(
            StatusCode::UNAUTHORIZED,
            &ConfirmPage {
                nav: Nav::of(&user),
                error: Some("Wrong password.".into()),
            },
        )),
        Err(e) => Err(e.into()),
    }
}
