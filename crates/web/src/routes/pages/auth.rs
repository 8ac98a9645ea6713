//! Sign-in, the password change that completes a one-time-password sign-in,
//! and sign-out, as HTML forms over the same functions as the JSON API
//! (`routes::api::session`).

use super::{capitalised, rejected, render, render_with, Nav};
use crate::{
    auth::{self, Credential, SigningIn},
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
use rampart_identity::login;
use rampart_store::SessionStage;
use serde::Deserialize;

/// The sign-in form.
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    /// The email typed so far.
    pub email: String,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// `(name, display_name)` of each OpenID Provider.
    pub providers: Vec<(String, String)>,
}

/// `POST /login` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginForm {
    email: String,
    password: String,
}

/// `GET /login`
pub async fn show_login(State(state): State<AppState>) -> Response {
    render(&LoginPage {
        email: String::new(),
        error: None,
        providers: rampart_identity::oidc::listed(&state.config.oidc),
    })
}

/// `POST /login`: opens a session and goes on to the password change if
/// the password was a one-time password, else to the home page.
pub async fn submit_login(
    State(state): State<AppState>,
    client: Origin,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    match login::with_password(&state.identity, &client, &form.email, &form.password)
        .await
        .map_err(AppError::from)
    {
        Ok(signed) => {
            let next = crate::auth::stage::page_of(signed.stage);
            Ok((
                [(
                    header::SET_COOKIE,
                    crate::auth::session_cookie(&state, &signed.secret)?,
                )],
                Redirect::to(next),
            )
                .into_response())
        }
        Err(AppError::BadCredentials) => {
            let page = LoginPage {
                email: form.email.chars().take(254).collect(),
                error: Some("Wrong email or password.".into()),
                providers: rampart_identity::oidc::listed(&state.config.oidc),
            };
            Ok(render_with(StatusCode::UNAUTHORIZED, &page))
        }
        Err(
            e @ (AppError::Invalid(_) | AppError::TooManyRequests(_) | AppError::AccountLocked(_)),
        ) => {
            let error = match &e {
                AppError::TooManyRequests(wait) => format!(
                    "Too many failed sign-ins. Try again in {} seconds.",
                    wait.as_secs().max(1)
                ),
                other => capitalised(&other.to_string()),
            };
            let page = LoginPage {
                email: form
                    .email
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(254)
                    .collect(),
                error: Some(error),
                providers: rampart_identity::oidc::listed(&state.config.oidc),
            };
            let mut response = render_with(crate::error::status(&e), &page);
            if let AppError::TooManyRequests(wait) = e {
                if let Ok(v) = axum::http::HeaderValue::from_str(&wait.as_secs().max(1).to_string())
                {
                    response.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

/// The password change form.
#[derive(Template)]
#[template(path = "password.html")]
pub struct PasswordPage {
    /// Header navigation.
    pub nav: Nav,
    /// Whether the account signed in with a one-time password.
    pub must_change: bool,
    /// Why the last attempt failed.
    pub error: Option<String>,
}

/// `POST /account/password` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

fn must_change(user: &crate::auth::Authenticated) -> bool {
    matches!(
        user.credential,
        Credential::Session {
            stage: SessionStage::PasswordChange,
            ..
        }
    )
}

/// `GET /account/password`
pub async fn show_password_change(
    user: Result<SigningIn, ApiError>,
) -> Result<Response, PageError> {
    let SigningIn(user) = user?;
    Ok(render(&PasswordPage {
        nav: Nav::of(&user),
        must_change: must_change(&user),
        error: None,
    }))
}

/// `POST /account/password`: stores the new password and replaces the
/// session with a fully signed-in one.
pub async fn submit_password_change(
    State(state): State<AppState>,
    client: Origin,
    user: Result<SigningIn, ApiError>,
    form: Result<Form<PasswordForm>, FormRejection>,
) -> Result<Response, PageError> {
    let SigningIn(user) = user?;
    if matches!(user.credential, Credential::Token) {
        return Err(AppError::Forbidden("sign in with a password to change it").into());
    }
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    let again = |status: StatusCode, error: &str| -> Result<Response, PageError> {
        let page = PasswordPage {
            nav: Nav::of(&user),
            must_change: must_change(&user),
            error: Some(error.to_owned()),
        };
        Ok(render_with(status, &page))
    };
    if form.new != form.confirm {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The new passwords do not match.",
        );
    }
    match login::change_password(&state.identity, &user, &client, &form.current, &form.new)
        .await
        .map_err(AppError::from)
    {
        Ok(signed) => Ok((
            [(
                header::SET_COOKIE,
                crate::auth::session_cookie(&state, &signed.secret)?,
            )],
            Redirect::to(crate::auth::stage::page_of(signed.stage)),
        )
            .into_response()),
        Err(AppError::BadCredentials) => {
            again(StatusCode::UNAUTHORIZED, "The current password is wrong.")
        }
        Err(e @ AppError::Invalid(_)) => {
            again(crate::error::status(&e), &capitalised(&e.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /logout`: ends the session, clears the cookie.
pub async fn submit_logout(
    State(state): State<AppState>,
    client: Origin,
    user: Result<SigningIn, ApiError>,
) -> Result<Response, PageError> {
    let SigningIn(user) = user?;
    login::sign_out(&state.identity, &user, &client).await?;
    Ok((
        [(header::SET_COOKIE, auth::clear_cookie(&state))],
        Redirect::to("/login"),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_page_keeps_the_email_and_escapes_it() {
        let page = LoginPage {
            email: "a\"><b>@x.org".into(),
            error: Some("Wrong email or password.".into()),
            providers: vec![("corp".into(), "Corp <SSO>".into())],
        };
        let html = page.render().unwrap_or_default();
        assert!(html.contains("Wrong email or password."));
        assert!(!html.contains("\"><b>"));
        assert!(html.contains(">Sign in</button>"));
        assert!(html.contains("href=\"/login/oidc/corp\""));
        assert!(
            html.contains("Sign in with Corp &#60;SSO&#62;") || html.contains("Corp &lt;SSO&gt;")
        );
    }
}
