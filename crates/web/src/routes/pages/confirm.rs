//! `/account/confirm`: the step-up the exfiltration guard asks for, as an
//! HTML form over the same service as `POST /api/v1/account/confirm`: a
//! second-factor code, or the password for accounts exempt from one.

use super::{rejected, render, render_with, Nav, PageUser};
use crate::{
    audit::Client,
    auth::Authenticated,
    error::{AppError, PageError},
    services::{
        guard::{self, StepUpProof},
        passkeys,
    },
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
    /// Asks for the second factor (else the password).
    pub second_factor: bool,
    /// Offer "Use a passkey" (the account has one).
    pub passkey: bool,
    /// Why the last attempt failed.
    pub error: Option<String>,
}

/// `POST /account/confirm` body: the field the page showed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmForm {
    code: Option<String>,
    password: Option<String>,
}

async fn page(
    state: &AppState,
    user: &Authenticated,
    error: Option<String>,
) -> Result<ConfirmPage, PageError> {
    Ok(ConfirmPage {
        nav: Nav::of(user),
        second_factor: guard::step_up_needs_second_factor(state, user.principal.account).await?,
        passkey: passkeys::available(state)
            && passkeys::has_passkey(state, user.principal.account).await?,
        error,
    })
}

/// `GET /account/confirm`
pub async fn show_confirm(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    Ok(render(&page(&state, &user, None).await?))
}

/// `POST /account/confirm`: on success back to the home page; a wrong
/// answer shows the form again (the third in a row suspends the account
/// and ends the session).
pub async fn submit_confirm(
    State(state): State<AppState>,
    client: Client,
    PageUser(user): PageUser,
    form: Result<Form<ConfirmForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    let proof = match (form.code, form.password) {
        (Some(code), _) => StepUpProof::Code(code),
        (None, Some(password)) => StepUpProof::Password(password),
        (None, None) => {
            let page = page(&state, &user, Some("Enter the code.".into())).await?;
            return Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let message = match guard::confirm_step_up(&state, &user, &client, &proof).await {
        Ok(()) => return Ok(Redirect::to("/").into_response()),
        Err(AppError::BadCredentials) => "Wrong password.",
        Err(AppError::BadSecondFactor) => "That code is wrong or was already used.",
        Err(AppError::Forbidden(_)) => "Enter the code from your authenticator app.",
        Err(e) => return Err(e.into()),
    };
    let page = page(&state, &user, Some(message.into())).await?;
    Ok(render_with(StatusCode::UNAUTHORIZED, &page))
}
