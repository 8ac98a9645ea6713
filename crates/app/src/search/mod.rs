//! Search: the documents a principal may read whose title, file name or
//! text (any version) matches a query, best first, with a snippet.
//!
//! The permission filter is part of the store's query (the communities the
//! policy lets the principal read, releasability to its nation and
//! communities), so what it may not see is never ranked, counted or paged;
//! the policy function then has the last word on every hit. A page of
//! results is a listing page to the guard (the same budget of listing
//! pages, the same walk detection) and is audited as `search`.

pub mod text;

use crate::{context::App, error::Error, identity::Authenticated, AuditKind, Origin};
use rampart_domain::{authorize, Action, CommunityId, CommunityRole, Decision, DocumentId};
use rampart_store::{DocumentRow, Outcome, SearchQuery, SearchText};
use time::OffsetDateTime;

/// Results per page.
pub const PAGE: u32 = 20;
/// Paging stops here: further than this is walking the library, not
/// looking for something.
pub const MAX_OFFSET: u32 = 1000;
/// What the guard sees as walked by a search across communities.
pub const SEARCH_PATH: &str = "(search)";

/// A search as asked.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    /// The query (words, `"phrases"`, `prefix*`).
    pub q: &'a str,
    /// Only this portal (slug).
    pub portal: Option<&'a str>,
    /// Only this community (`portal/community`, or its slug within
    /// `portal`).
    pub community: Option<&'a str>,
    /// Only this marking label.
    pub label: Option<&'a str>,
    /// Only versions uploaded at or after this time.
    pub since: Option<OffsetDateTime>,
    /// Only versions uploaded before this time.
    pub until: Option<OffsetDateTime>,
    /// The page's cursor (the previous page's `next`).
    pub cursor: Option<&'a str>,
}

/// One matching document.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The document (its current version).
    pub document: DocumentRow,
    /// The version whose text matched best.
    pub version: i64,
    /// Relevance, larger is better.
    pub score: f64,
    /// A passage around the hits, as HTML: escaped, hits in `<mark>`.
    pub snippet: String,
}

/// A page of results.
#[derive(Debug, Clone)]
pub struct Page {
    /// The hits, best first.
    pub items: Vec<Hit>,
    /// The next page's cursor.
    pub next: Option<String>,
}

/// The searchable form of a version: `title`, `filename` and its
/// extracted `text` (capped at [`text::BODY_LIMIT`]).
pub fn search_text(title: &str, filename: &str, text: &str) -> SearchText {
    let body = text::capped(text, text::BODY_LIMIT);
    SearchText {
        title_terms: text::terms(title),
        filename_terms: text::terms(filename),
        body_terms: text::terms(body),
        body: body.to_owned(),
    }
}

fn parse_cursor(cursor: Option<&str>) -> Result<u32, Error> {
    match cursor {
        None | Some("") => Ok(0),
        Some(c) => c
            .parse::<u32>()
            .ok()
            .filter(|o| *o <= MAX_OFFSET)
            .ok_or_else(|| Error::BadRequest("malformed cursor".into())),
    }
}

/// The communities searched: those the policy lets the principal read,
/// narrowed to `portal` and `community`. A filter naming a community the
/// principal cannot read narrows to nothing, exactly as one naming no
/// community at all.
async fn communities_in_scope(
    state: &App,
    user: &Authenticated,
    portal: Option<&str>,
    community: Option<&str>,
) -> Result<Vec<(CommunityId, String, Option<CommunityRole>)>, Error> {
    let (portal, community) = match community.and_then(|c| c.split_once('/')) {
        Some((p, c)) => (Some(p), Some(c)),
        None => (portal, community),
    };
    Ok(state
        .store
        .list_communities()
        .await?
        .into_iter()
        .filter(|c| authorize(&user.principal, Action::ReadCommunity(c.id)) == Decision::Allow)
        .filter(|c| portal.is_none_or(|p| c.portal == p))
        .filter(|c| community.is_none_or(|s| c.slug == s))
        .map(|c| (c.id, c.path(), user.principal.role_in(c.id)))
        .collect())
}

/// Runs a search for `user`: guard-checked, filtered by the policy,
/// audited.
pub async fn search(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    request: &Request<'_>,
) -> Result<Page, Error> {
    let terms = text::parse_query(request.q)?;
    if let (Some(since), Some(until)) = (request.since, request.until) {
        if since >= until {
            return Err(Error::Invalid("since: must be before until".into()));
        }
    }
    let offset = parse_cursor(request.cursor)?;
    let scope = communities_in_scope(state, user, request.portal, request.community).await?;
    // Within one community, the walk is that community's; across several,
    // it is the search's, held to the budgets of the principal's weakest
    // role among them.
    let guarded = match scope.as_slice() {
        [] => None,
        [(id, path, _)] => Some((*id, path.clone())),
        many => many
            .iter()
            .min_by_key(|(_, _, role)| *role)
            .map(|(id, _, _)| (*id, SEARCH_PATH.to_owned())),
    };
    if let Some((community, path)) = guarded {
        crate::guard::check_list_page(state, user, client, community, path, offset > 0).await?;
    }
    let communities: Vec<CommunityId> = scope.iter().map(|(id, _, _)| *id).collect();
    let hits = state
        .store
        .search(&SearchQuery {
            terms: &terms,
            communities: &communities,
            nation: &user.principal.nation,
            account: user.principal.account,
            label: request.label,
            since: request.since,
            until: request.until,
            offset,
            limit: PAGE + 1,
        })
        .await?;
    let more = hits.len() > PAGE as usize;
    let mut items = Vec::with_capacity(PAGE as usize);
    for hit in hits.into_iter().take(PAGE as usize) {
        let Ok(id) = hit.document.parse::<DocumentId>() else {
            continue;
        };
        let Some(document) = state.store.document(id).await? else {
            continue;
        };
        if authorize(
            &user.principal,
            Action::ReadDocument(document.community, &document.marking),
        ) != Decision::Allow
        {
            continue;
        }
        let body = state
            .store
            .search_body(&hit.document, hit.version)
            .await?
            .unwrap_or_default();
        items.push(Hit {
            document,
            version: hit.version,
            score: hit.score,
            snippet: text::snippet(&body, &terms),
        });
    }
    let next = (more && offset + PAGE <= MAX_OFFSET).then(|| (offset + PAGE).to_string());
    let mut event = state.event_for(user, client, AuditKind::Search, Outcome::Ok);
    // The query is capped by its parser; the filters here.
    let short = |s: Option<&str>| s.map(|s| s.chars().take(100).collect::<String>());
    event.detail = serde_json::json!({
        "q": request.q,
        "portal": short(request.portal),
        "community": short(request.community),
        "label": short(request.label),
        "since": request.since.map(|t| t.unix_timestamp()),
        "until": request.until.map(|t| t.unix_timestamp()),
        "offset": offset,
        "count": items.len(),
    });
    state.record(event).await?;
    Ok(Page { items, next })
}
