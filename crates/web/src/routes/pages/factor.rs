//! Second-factor pages: enrollment at first sign-in (QR code, key, link,
//! then the recovery codes once; the key stays the same across reloads and
//! wrong codes until "New key") and the code form of later sign-ins, over
//! the same service as the JSON API (`rampart_identity::sign_in`).

use super::{capitalised, rejected, render, render_with, Nav};
use crate::{
    auth::{stage, SigningIn},
    error::{ApiError, AppError, PageError},
    state::AppState,
};
use askama::Template;
use axum::{
    extract::{rejection::FormRejection, State},
    http::{header, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Form,
};
use rampart_app::Origin;
use rampart_identity::{passkeys, sign_in};
use serde::Deserialize;

/// The enrollment page.
#[derive(Template)]
#[template(path = "enroll.html")]
pub struct EnrollPage {
    /// Header navigation.
    pub nav: Nav,
    /// Base32 key.
    pub secret: String,
    /// `otpauth://` link.
    pub uri: String,
    /// The QR code (our own SVG markup, no user input in it but the
    /// escaped-by-encoding email).
    pub qr_svg: String,
    /// Why the last code was refused.
    pub error: Option<String>,
}

/// The recovery codes, shown once.
#[derive(Template)]
#[template(path = "recovery_codes.html")]
pub struct RecoveryCodesPage {
    /// Header navigation (of the new, full session).
    pub nav: Nav,
    /// The codes.
    pub codes: Vec<String>,
    /// The codes as a percent-encoded text file, for the download link.
    pub download: String,
}

impl RecoveryCodesPage {
    fn new(nav: Nav, codes: Vec<String>) -> Self {
        let text = format!(
            "Rampart recovery codes for {}\nEach signs you in once if you lose your authenticator.\n\n{}\n",
            nav.email,
            codes.join("\n")
        );
        let download = text
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        RecoveryCodesPage {
            nav,
            codes,
            download,
        }
    }
}

/// The code form of a sign-in.
#[derive(Template)]
#[template(path = "second_factor.html")]
pub struct SecondFactorPage {
    /// Header navigation.
    pub nav: Nav,
    /// Offer "Use a passkey" (the account has one).
    pub passkey: bool,
    /// Why the last code was refused.
    pub error: Option<String>,
}

/// A code typed into a form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeForm {
    code: String,
}

/// A refusal the user can act on, as a sentence; anything else propagates.
fn explain(e: AppError) -> Result<(StatusCode, String), PageError> {
    match e {
        AppError::BadSecondFactor => Ok((
            crate::error::status(&e),
            "That code is wrong or was already used.".into(),
        )),
        AppError::Invalid(_) => Ok((crate::error::status(&e), capitalised(&e.to_string()))),
        AppError::TooManyRequests(wait) => Ok((
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many wrong codes. Try again in {} seconds.",
                wait.as_secs().max(1)
            ),
        )),
        other => Err(other.into()),
    }
}

async fn enrollment_page(
    state: &AppState,
    user: &crate::auth::Authenticated,
    client: &Origin,
    error: Option<String>,
) -> Result<EnrollPage, PageError> {
    let e = sign_in::begin_enrollment(
        &state.identity,
        user,
        client,
        sign_in::EnrollmentKey::Pending,
    )
    .await?;
    Ok(EnrollPage {
        nav: Nav::of(user),
        secret: e.secret,
        uri: e.uri,
        qr_svg: e.qr_svg,
        error,
    })
}

/// `GET /account/second-factor`: the secret to enroll (the same one on
/// every load until it is confirmed or replaced with "New key").
pub async fn show_enrollment(
    State(state): State<AppState>,
    client: Origin,
    user: Result<SigningIn, ApiError>,
) -> Result<Response, PageError> {
    let SigningIn(user) = user?;
    if user.stage() != rampart_store::SessionStage::EnrollSecondFactor {
        return Ok(Redirect::to(stage::page_of(user.stage())).into_response());
    }
    Ok(render(
        &enrollment_page(&state, &user, &client, None).await?,
    ))
}

/// `POST /account/second-factor`: confirms with a code, shows the recovery
/// codes and sets the cookie of the now complete session.
pub async fn submit_enrollment(
    State(state): State<AppState>,
    client: Origin,
    user: Result<SigningIn, ApiError>,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Result<Response, PageError> {
    let SigningIn(user) = user?;
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    match sign_in::confirm_enrollment(&state.identity, &user, &client, &form.code).await {
        Ok((signed, codes)) => {
            let mut nav = Nav::of(&user);
            nav.csrf = signed.csrf.clone();
            let page = RecoveryCodesPage::new(nav, codes);
            Ok((
                [(
                    header::SET_COOKIE,
                    crate::auth::session_cookie(&state, &signed.secret)?,
                )],
                render(&page),
            )
                .into_response())
        }
        Err(e) => {
            let (status, message) = explain(e.into())?;
            // The same key again: the owner has scanned it, and most wrong
            // codes are typos or a slow clock, not a wrong key.
            let page = enrollment_page(&state, &user, &client, Some(message)).await?;
            Ok(render_with(status, &page))
        }
    }
}

/// `POST /account/second-factor/new`: replaces the pending key (for an
/// owner who lost it or scanned it into the wrong app), then shows the
/// page again through a redirect, so that a reload does not make another.
pub async fn replace_enrollment_key(
    State(state): State<AppState>,
    client: Origin,
    user: Result<SigningIn, ApiError>,
) -> Result<Response, PageError> {
    let SigningIn(user) = user?;
    sign_in::begin_enrollment(&state.identity, &user, &client, sign_in::EnrollmentKey::New).await?;
    Ok(Redirect::to("/account/second-factor").into_response())
}

async fn offers_passkey(
    state: &AppState,
    user: &crate::auth::Authenticated,
) -> Result<bool, AppError> {
    Ok(passkeys::available(&state.identity)
        && passkeys::has_passkey(&state.identity, user.principal.account).await?)
}

/// `GET /login/second-factor`
pub async fn show_second_factor(
    State(state): State<AppState>,
    user: Result<SigningIn, ApiError>,
) -> Result<Response, PageError> {
    let SigningIn(user) = user?;
    if user.stage() != rampart_store::SessionStage::SecondFactor {
        return Ok(Redirect::to(stage::page_of(user.stage())).into_response());
    }
    Ok(render(&SecondFactorPage {
        nav: Nav::of(&user),
        passkey: offers_passkey(&state, &user).await?,
        error: None,
    }))
}

/// `POST /login/second-factor`: six digits are a TOTP code, anything else
/// is tried as a recovery code.
pub async fn submit_second_factor(
    State(state): State<AppState>,
    client: Origin,
    user: Result<SigningIn, ApiError>,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Result<Response, PageError> {
    let SigningIn(user) = user?;
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    let code = form.code.trim();
    let method = sign_in::method_of_code(code);
    match sign_in::enter_second_factor(&state.identity, &user, &client, method, code).await {
        Ok(signed) => Ok((
            [(
                header::SET_COOKIE,
                crate::auth::session_cookie(&state, &signed.secret)?,
            )],
            Redirect::to("/"),
        )
            .into_response()),
        Err(e) => {
            let (status, message) = explain(e.into())?;
            let page = SecondFactorPage {
                nav: Nav::of(&user),
                passkey: offers_passkey(&state, &user).await?,
                error: Some(message),
            };
            Ok(render_with(status, &page))
        }
    }
}
