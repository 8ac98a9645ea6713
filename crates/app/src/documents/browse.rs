//! A community's library as its page shows it: an order, filters by label
//! and type, counts, paging. Audited and guard-checked as a listing, like
//! the API's cursor walk (`list_page`).

use super::audit_listing;
use crate::{context::App, error::Error, identity::Authenticated, Origin};
use rampart_store::{CommunityRow, DocumentRow, LibraryView};

/// Paging stops here (a library walked further is a scrape; filters and
/// search find the rest).
pub const MAX_OFFSET: u32 = 10_000;

/// One page of a library.
#[derive(Debug, Clone)]
pub struct Shelf {
    /// The documents, in the view's order.
    pub documents: Vec<DocumentRow>,
    /// Documents matching the view's filters.
    pub matching: u64,
    /// Documents the principal may see in the community.
    pub visible: u64,
    /// Labels and media types on offer for the filters.
    pub labels: Vec<String>,
    /// See `labels`.
    pub types: Vec<String>,
}

/// The page of `community`'s library at `offset` in `view`.
pub async fn browse(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    community: &CommunityRow,
    view: &LibraryView<'_>,
    offset: u32,
    limit: u32,
) -> Result<Shelf, Error> {
    if offset > MAX_OFFSET {
        return Err(Error::BadRequest(format!(
            "offset: at most {MAX_OFFSET}; filter or search instead"
        )));
    }
    let (account, nation) = (user.principal.account, &user.principal.nation);
    let (page, matching) = state
        .store
        .browse_documents(community.id, account, nation, view, offset, limit)
        .await?;
    let documents = super::readable(user, page);
    audit_listing(
        state,
        user,
        client,
        serde_json::json!({
            "community": community.path(),
            "cursor": (offset > 0).then(|| offset.to_string()),
            "sort": format!("{:?}", view.sort).to_lowercase(),
            "label": view.label,
            "type": view.media_type,
            "count": documents.len(),
        }),
    )
    .await?;
    let visible = state
        .store
        .count_documents_for_member(community.id, account, nation)
        .await?;
    let (labels, types) = state
        .store
        .library_facets(community.id, account, nation)
        .await?;
    Ok(Shelf {
        documents,
        matching,
        visible,
        labels,
        types,
    })
}
