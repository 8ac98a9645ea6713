//! `/account/confirm`: the step-up the exfiltration guard asks for, as an
//! HTML form over the same service as `POST /api/v1/account/confirm`: a
//! second-factor code, or the password for accounts exempt from one. The
//! page names the factors the account actually has (app, recovery codes,
//! passkey), so it never asks for a password it would refuse.

use super::{rejected, render, render_with, Nav, PageUser};
use crate::{
    auth::Authenticated,
    error::{AppError, PageError},
    state::AppState,
};
use askama::Template;
use axum::{
    extract::{rejection::FormRejection, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    Form,
};
use rampart_app::{
    guard::{self, StepUpProof},
    Origin,
};
use rampart_identity::passkeys;
use serde::Deserialize;

/// The form.
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    /// Header navigation.
    pub nav: Nav,
    /// Asks for the second factor (else the password).
    pub second_factor: bool,
    /// What the account confirms with, in words ("a code from your
    /// authenticator app or one of your recovery codes"); only with
    /// `second_factor`.
    pub asked: String,
    /// Show the code field (the account has codes, or nothing else).
    pub code_field: bool,
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

/// The second factors an account can confirm with, named as its owner
/// knows them: the page must not ask for a password it will refuse, nor
/// for an app the account never set up.
fn factors_in_words(totp: bool, recovery: bool, passkey: bool) -> String {
    let mut ways = Vec::new();
    if totp {
        ways.push("a code from your authenticator app");
    }
    if recovery {
        ways.push("one of your recovery codes");
    }
    if passkey {
        ways.push("your passkey");
    }
    match ways.as_slice() {
        [] => "your second factor".to_owned(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

async fn page(
    state: &AppState,
    user: &Authenticated,
    error: Option<String>,
) -> Result<ConfirmPage, PageError> {
    let account = user.principal.account;
    let second_factor = guard::step_up_needs_second_factor(state, account).await?;
    let passkey = passkeys::available(&state.identity)
        && passkeys::has_passkey(&state.identity, account).await?;
    let (totp, recovery) = if second_factor {
        (
            state
                .store
                .totp_factor(account)
                .await?
                .is_some_and(|f| f.confirmed),
            !state.store.unused_recovery_codes(account).await?.is_empty(),
        )
    } else {
        (false, false)
    };
    Ok(ConfirmPage {
        nav: Nav::of(user),
        second_factor,
        asked: factors_in_words(totp, recovery, passkey),
        code_field: totp || recovery || !passkey,
        passkey,
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
    client: Origin,
    PageUser(user): PageUser,
    form: Result<Form<ConfirmForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    let proof = match (form.code, form.password) {
        (Some(code), _) => StepUpProof::Code(code),
        (None, Some(password)) => StepUpProof::Password(password),
        (None, None) => {
            let mut page = page(&state, &user, None).await?;
            page.error = Some(if page.second_factor {
                format!("Confirm with {}.", page.asked)
            } else {
                "Enter your password.".to_owned()
            });
            return Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let refusal = match guard::confirm_step_up(&state, &user, &client, &proof).await {
        Ok(()) => return Ok(Redirect::to("/").into_response()),
        Err(
            e @ (AppError::BadCredentials | AppError::BadSecondFactor | AppError::Forbidden(_)),
        ) => e,
        Err(e) => return Err(e.into()),
    };
    let mut page = page(&state, &user, None).await?;
    page.error = Some(match refusal {
        AppError::BadCredentials => "Wrong password.".to_owned(),
        AppError::Forbidden(_) => format!(
            "This account confirms with {}, not with its password.",
            page.asked
        ),
        _ => "That code is wrong or was already used.".to_owned(),
    });
    Ok(render_with(StatusCode::UNAUTHORIZED, &page))
}

#[cfg(test)]
mod tests {
    use super::factors_in_words;

    #[test]
    fn factors_are_named_as_the_account_has_them() {
        assert_eq!(
            factors_in_words(true, true, false),
            "a code from your authenticator app or one of your recovery codes"
        );
        assert_eq!(
            factors_in_words(true, true, true),
            "a code from your authenticator app, one of your recovery codes or your passkey"
        );
        assert_eq!(factors_in_words(false, false, true), "your passkey");
        assert_eq!(factors_in_words(false, false, false), "your second factor");
    }
}
