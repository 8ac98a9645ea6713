//! `GET /search`: the results page behind the header's search box, with
//! the API's filters as a form (the flow is `rampart_app::search`).

use super::{may, rejected, render, render_with, Nav, PageUser};
use crate::routes::api::search::SearchParams;
use crate::{
    error::{AppError, PageError},
    state::AppState,
};
use askama::Template;
use axum::{
    extract::{rejection::QueryRejection, Query, State},
    http::StatusCode,
    response::Response,
};
use rampart_app::{documents, Origin};
use rampart_domain::Action;
use serde::Deserialize;

/// One result as listed.
#[derive(Debug, Clone)]
pub struct ResultItem {
    /// `/d/{id}`.
    pub href: String,
    /// The document's title.
    pub title: String,
    /// Its marking banner.
    pub banner: String,
    /// `portal/community`.
    pub community: String,
    /// The version that matched best.
    pub version: i64,
    /// HTML made by the search (escaped text, hits in `<mark>`).
    pub snippet: String,
}

/// `GET /search`
#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    /// Header navigation (its box holds the words searched for).
    pub nav: Nav,
    /// The words.
    pub q: String,
    /// The community filter (`portal/community`, empty: all).
    pub community: String,
    /// The label filter.
    pub label: String,
    /// The date filters as typed.
    pub since: String,
    /// See `since`.
    pub until: String,
    /// The communities the caller may search, `(path, "Name (path)")`.
    pub communities: Vec<(String, String)>,
    /// Whether a search ran.
    pub searched: bool,
    /// What was wrong with the query.
    pub error: Option<String>,
    /// The results.
    pub results: Vec<ResultItem>,
    /// The ordinal of the first and last result shown.
    pub first: u32,
    /// See `first`.
    pub last: u32,
    /// Whether this is not the first page.
    pub paged: bool,
    /// The next page's cursor.
    pub next: Option<String>,
    /// This search's address without a cursor (escaped by the template).
    pub base: String,
}

/// The page's query: the API's, every field optional.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    q: Option<String>,
    community: Option<String>,
    label: Option<String>,
    since: Option<String>,
    until: Option<String>,
    cursor: Option<String>,
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `GET /search`
pub async fn show_search(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query.map_err(|e| rejected(e.status(), e.body_text()))?;
    let communities = documents::visible_communities(&state, &user)
        .await?
        .into_iter()
        .filter(|c| may(&user, Action::ReadCommunity(c.id)))
        .map(|c| (c.path(), format!("{} ({})", c.name, c.path())))
        .collect();
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let q = text(&query.q);
    let mut nav = Nav::of(&user);
    nav.q = q.clone();
    let base = format!(
        "/search?q={}&community={}&label={}&since={}&until={}",
        encode(&q),
        encode(&text(&query.community)),
        encode(&text(&query.label)),
        encode(&text(&query.since)),
        encode(&text(&query.until)),
    );
    let mut page = SearchPage {
        nav,
        q: q.clone(),
        community: text(&query.community),
        label: text(&query.label),
        since: text(&query.since),
        until: text(&query.until),
        communities,
        searched: false,
        error: None,
        results: Vec::new(),
        first: 0,
        last: 0,
        paged: false,
        next: None,
        base,
    };
    if q.trim().is_empty() {
        return Ok(render(&page));
    }
    let params = SearchParams {
        q,
        portal: None,
        community: query.community.clone(),
        label: query.label.clone(),
        since: query.since.clone(),
        until: query.until.clone(),
        cursor: query.cursor.clone(),
    };
    match params.run(&state, &user, &client).await {
        Ok(found) => {
            let offset: u32 = query
                .cursor
                .as_deref()
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            page.searched = true;
            page.paged = offset > 0;
            page.first = offset + 1;
            page.last = offset + u32::try_from(found.items.len()).unwrap_or(0);
            page.next = found.next;
            page.results = found
                .items
                .into_iter()
                .map(|hit| ResultItem {
                    href: format!("/d/{}", hit.document.id),
                    banner: hit.document.marking.banner(),
                    community: format!(
                        "{}/{}",
                        hit.document.portal_slug, hit.document.community_slug
                    ),
                    title: hit.document.title,
                    version: hit.version,
                    snippet: hit.snippet,
                })
                .collect();
            Ok(render(&page))
        }
        // A query the search cannot use is said on the page, with the form
        // still filled in.
        Err(AppError::Invalid(message) | AppError::BadRequest(message)) => {
            page.error = Some(super::capitalised(&message));
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(PageError(e)),
    }
}
