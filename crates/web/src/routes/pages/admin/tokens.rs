//! The API tokens section: issue a token for an account (the secret is
//! shown once). An account's tokens are listed, and revoked, on its page.

use super::{after_change, sections::DoneQuery, Frame, Section, Tab};
use crate::{
    auth::Authenticated,
    error::{AppError, PageError},
    routes::pages::{rejected, render, render_with, Nav, PageUser},
    state::AppState,
};
use askama::Template;
use axum::{
    extract::{
        rejection::{FormRejection, QueryRejection},
        Query, State,
    },
    http::StatusCode,
    response::Response,
    Form,
};
use rampart_app::{
    admin::{self, Actor},
    documents, Origin,
};
use rampart_store::CommunityRow;
use time::Duration;

/// The longest a token may live, in days.
const MAX_DAYS: i64 = 3650;

/// `GET /admin/tokens`, and the same page with a new token's secret.
#[derive(Template)]
#[template(path = "admin_tokens.html")]
pub struct TokensPage {
    /// Header navigation.
    pub nav: Nav,
    /// Tabs, notice, form sent back.
    pub frame: Frame,
    /// Communities, to name in a scope.
    pub communities: Vec<CommunityRow>,
    /// A token just issued: for whom, and its secret (shown once).
    pub issued: Option<(String, String)>,
}

pub(super) async fn tokens_page(
    state: &AppState,
    user: &Authenticated,
    client: &Origin,
    frame: Frame,
) -> Result<TokensPage, AppError> {
    let overview = admin::overview(state, Actor::User(user, client)).await?;
    documents::audit_listing(state, user, client, serde_json::json!({"admin": "tokens"})).await?;
    Ok(TokensPage {
        nav: Nav::of(user),
        frame,
        communities: overview.communities,
        issued: None,
    })
}

/// `GET /admin/tokens`
pub async fn show_tokens(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    query: Result<Query<DoneQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query.map_err(|e| rejected(e.status(), e.body_text()))?;
    let page = tokens_page(&state, &user, &client, query.frame(Tab::Tokens)).await?;
    Ok(render(&page))
}

/// `POST /admin/tokens` body.
#[derive(Debug, Default)]
pub struct IssueForm {
    email: String,
    name: String,
    /// `full`, `read` or `communities`.
    scope: String,
    /// With `communities`: the paths chosen (one field per box).
    community: Vec<String>,
    /// Days until it expires; empty for never.
    days: String,
}

impl IssueForm {
    /// Reads the fields (a repeated `community` field for the boxes
    /// ticked); an unknown field is refused, as elsewhere.
    fn read(fields: Vec<(String, String)>) -> Result<Self, AppError> {
        let mut form = IssueForm::default();
        for (name, value) in fields {
            match name.as_str() {
                "email" => form.email = value,
                "name" => form.name = value,
                "scope" => form.scope = value,
                "days" => form.days = value,
                "community" => form.community.push(value),
                _ => {
                    return Err(AppError::BadRequest(format!(
                        "unknown field {:?}",
                        name.chars().take(40).collect::<String>()
                    )))
                }
            }
        }
        Ok(form)
    }
}

/// `POST /admin/tokens`: issues the token and shows its secret once.
pub async fn issue_token(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(fields) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    let form = IssueForm::read(fields)?;
    let result = async {
        let expires = match form.days.trim() {
            "" => None,
            d => match d.parse::<i64>() {
                Ok(d) if (1..=MAX_DAYS).contains(&d) => {
                    Some(state.clock.now() + Duration::days(d))
                }
                _ => {
                    return Err(AppError::Invalid(format!(
                        "days must be a whole number from 1 to {MAX_DAYS}, or empty for a token that does not expire"
                    )))
                }
            },
        };
        let scope = match form.scope.as_str() {
            "full" | "read" => form.scope.clone(),
            "communities" if form.community.is_empty() => {
                return Err(AppError::Invalid(
                    "choose at least one community for a token limited to communities".into(),
                ))
            }
            "communities" => form.community.join(","),
            _ => return Err(AppError::Invalid("choose a scope".into())),
        };
        admin::issue_token(
            &state,
            Actor::User(&user, &client),
            form.email.trim(),
            form.name.trim(),
            &scope,
            expires,
        )
        .await
    }
    .await;
    match result {
        Ok(secret) => {
            let mut page = tokens_page(&state, &user, &client, Frame::of(Tab::Tokens)).await?;
            page.issued = Some((form.email.trim().to_owned(), secret));
            Ok(render_with(StatusCode::CREATED, &page))
        }
        Err(e) => {
            let mut typed = vec![
                ("email", form.email),
                ("name", form.name),
                ("scope", form.scope),
                ("days", form.days),
            ];
            typed.extend(form.community.into_iter().map(|c| ("community", c)));
            after_change(
                &state,
                &user,
                &client,
                Err(e),
                "",
                Section::Tokens,
                "token",
                typed,
            )
            .await
        }
    }
}

impl TokensPage {
    /// Whether `path` was ticked in the form sent back.
    pub fn ticked(&self, path: &str) -> bool {
        self.frame.error.as_ref().is_some_and(|e| {
            e.form == "token"
                && e.typed
                    .iter()
                    .any(|(name, value)| *name == "community" && value == path)
        })
    }
}
