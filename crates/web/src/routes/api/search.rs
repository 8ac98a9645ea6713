//! `GET /api/v1/search`: full-text search of the documents the caller may
//! read (the flow is `rampart_app::search`).

use crate::extract::{Json, Query};
use crate::{auth::Authenticated, error::ApiError, state::AppState};
use axum::extract::State;
use rampart_app::{search, Error as AppError, Origin};
use serde::{Deserialize, Serialize};
use time::{format_description::well_known::Rfc3339, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};

/// Search query.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words (all must match), `"phrases"` and `prefix*`; case and accents
    /// are ignored. At most 256 characters and 16 words or phrases.
    #[param(min_length = 1, max_length = 256)]
    pub q: String,
    /// Only this portal (slug).
    #[param(max_length = 100)]
    pub portal: Option<String>,
    /// Only this community (`portal/community`, or its slug with `portal`).
    #[param(max_length = 200)]
    pub community: Option<String>,
    /// Only documents with this marking label, e.g. `NON-PUBLIC`.
    #[param(max_length = 100)]
    pub label: Option<String>,
    /// Only versions uploaded on or after this date (`2026-01-31`) or time
    /// (RFC 3339).
    #[param(max_length = 40)]
    pub since: Option<String>,
    /// Only versions uploaded before this date or time.
    #[param(max_length = 40)]
    pub until: Option<String>,
    /// Where the previous page ended (its `next`; empty: the first page).
    #[param(pattern = r"^([0-9]{0,3}|1000)$")]
    pub cursor: Option<String>,
}

/// One matching document.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchItem {
    /// The document's id.
    #[schema(example = "6f1c0e5a2b9d4c7e8a3f1b2c3d4e5f60")]
    pub id: String,
    /// Its title.
    pub title: String,
    /// The portal's slug.
    pub portal: String,
    /// The owning community, `portal/community`.
    pub community: String,
    /// The marking's label.
    pub label: String,
    /// The marking as one line, e.g. `NON-PUBLIC // REL TO FRA, NOR`.
    pub banner: String,
    /// The version whose text matched best.
    pub version: i64,
    /// A passage around the hits, as HTML: the text escaped, each hit in
    /// `<mark>…</mark>`, `…` where it was cut. Empty when the document has
    /// no text.
    pub snippet: String,
    /// Relevance, larger is better (compare within one answer only).
    pub score: f64,
}

/// A page of search results, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchPage {
    /// The matching documents the caller may see.
    pub items: Vec<SearchItem>,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
}

/// A date (`2026-01-31`, its midnight UTC) or an RFC 3339 time.
pub fn parse_time(field: &str, text: Option<&str>) -> Result<Option<OffsetDateTime>, AppError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let bad = || AppError::Invalid(format!("{field}: a date (2026-01-31) or an RFC 3339 time"));
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(Some(t));
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text, &format).map_err(|_| bad())?;
    Ok(Some(date.midnight().assume_utc()))
}

impl SearchParams {
    /// Runs the search these parameters ask for.
    pub async fn run(
        &self,
        state: &AppState,
        user: &Authenticated,
        client: &Origin,
    ) -> Result<search::Page, AppError> {
        let request = search::Request {
            q: &self.q,
            portal: self.portal.as_deref().filter(|s| !s.is_empty()),
            community: self.community.as_deref().filter(|s| !s.is_empty()),
            label: self.label.as_deref().filter(|s| !s.is_empty()),
            since: parse_time("since", self.since.as_deref())?,
            until: parse_time("until", self.until.as_deref())?,
            cursor: self.cursor.as_deref(),
        };
        search::search(state, user, client, &request).await
    }
}

/// Documents the caller may read whose title, file name or text matches.
/// Nothing about documents the caller may not see is answered: not in the
/// items, not in their number, not in paging.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "documents",
    params(SearchParams),
    responses((status = 200, description = "One page of results", body = SearchPage,
        links(("GetDocument" = (operation_id = "get_document",
            parameters(("id" = "$response.body#/items/0/id"))))))),
)]
pub async fn search_documents(
    State(state): State<AppState>,
    client: Origin,
    user: Authenticated,
    Query(params): Query<SearchParams>,
) -> Result<Json<SearchPage>, ApiError> {
    let page = params.run(&state, &user, &client).await?;
    Ok(Json(SearchPage {
        items: page
            .items
            .into_iter()
            .map(|hit| SearchItem {
                id: hit.document.id.to_string(),
                portal: hit.document.portal_slug.clone(),
                community: format!(
                    "{}/{}",
                    hit.document.portal_slug, hit.document.community_slug
                ),
                label: hit.document.marking.label.clone(),
                banner: hit.document.marking.banner(),
                title: hit.document.title,
                version: hit.version,
                snippet: hit.snippet,
                score: hit.score,
            })
            .collect(),
        next: page.next,
    }))
}
