//! `GET /directory`: the member directory as the principal may see it
//! (the flow is `rampart_app::directory`).

use super::{capitalised, may, rejected, render, render_with, Nav, PageUser};
use crate::{
    error::{AppError, PageError},
    state::AppState,
};
use askama::Template;
use axum::{
    extract::{rejection::QueryRejection, Query, State},
    response::Response,
};
use rampart_app::{directory, Origin};
use rampart_domain::Action;
use serde::Deserialize;

/// One person as shown.
#[derive(Debug, Clone)]
pub struct Person {
    /// Email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Nation.
    pub nation: String,
    /// Organisation.
    pub organisation: String,
    /// Personal fields: (label, value).
    pub fields: Vec<(String, String)>,
}

/// `GET /directory`
#[derive(Template)]
#[template(path = "directory.html")]
pub struct DirectoryPage {
    /// Header navigation.
    pub nav: Nav,
    /// The words searched for.
    pub q: String,
    /// Whether the principal sees every member.
    pub everyone: bool,
    /// What was wrong with the query.
    pub error: Option<String>,
    /// The people on this page.
    pub people: Vec<Person>,
    /// Whether this is not the first page.
    pub paged: bool,
    /// The next page's cursor.
    pub next: Option<String>,
    /// This search's address without a cursor.
    pub base: String,
}

/// The page's query.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    q: Option<String>,
    cursor: Option<String>,
}

/// `GET /directory`
pub async fn show_directory(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query.map_err(|e| rejected(e.status(), e.body_text()))?;
    let q = query.q.clone().unwrap_or_default();
    let mut page = DirectoryPage {
        nav: Nav::of(&user),
        base: format!(
            "/directory?q={}",
            form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        ),
        q,
        everyone: may(&user, Action::ViewAllProfiles),
        error: None,
        people: Vec::new(),
        paged: query.cursor.as_deref().is_some_and(|c| !c.is_empty()),
        next: None,
    };
    let words = Some(page.q.as_str()).filter(|q| !q.trim().is_empty());
    match directory::directory_page(&state, &user, &client, words, query.cursor.as_deref()).await {
        Ok(found) => {
            page.next = found.next;
            page.people = found
                .items
                .into_iter()
                .map(|p| Person {
                    email: p.email,
                    name: p.name,
                    nation: p.nation,
                    organisation: p.organisation,
                    fields: p
                        .fields
                        .into_iter()
                        .map(|(f, v)| (directory::DirectoryConfig::label(&f), v))
                        .collect(),
                })
                .collect();
            Ok(render(&page))
        }
        Err(e @ (AppError::Invalid(_) | AppError::BadRequest(_))) => {
            page.error = Some(capitalised(&e.to_string()));
            Ok(render_with(crate::error::status(&e), &page))
        }
        Err(e) => Err(PageError(e)),
    }
}
