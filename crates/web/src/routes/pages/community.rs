//! A community's page: its documents (sorted, filtered by label and type,
//! counted and paged; audited and guard-checked like the API listing), the
//! upload form for contributors, and the member list with its forms for
//! managers and administrators.

use super::{
    capitalised, format_size, format_time, may, rejected, render, render_with, Nav, PageUser,
};
use crate::{
    error::{AppError, PageError},
    state::AppState,
};
use askama::Template;
use axum::{
    extract::{
        rejection::{FormRejection, QueryRejection},
        Path, Query, State,
    },
    response::{IntoResponse, Redirect, Response},
    Form,
};
use rampart_app::{
    admin::{self, Actor},
    documents::{self, CommunityAction},
    Origin,
};
use rampart_domain::Action;
use rampart_store::{DocumentRow, LibrarySort, LibraryView, MemberRow};
use serde::Deserialize;

/// Documents per page.
const PAGE_SIZE: u32 = 50;

/// A document as a row of the community table.
#[derive(Debug, Clone)]
pub struct DocumentItem {
    /// Link target, `/d/{id}`.
    pub href: String,
    /// Title.
    pub title: String,
    /// The marking banner text.
    pub banner: String,
    /// Current version number.
    pub version: i64,
    /// Size of the current version.
    pub size: String,
    /// Creation time.
    pub created: String,
    /// The current version's type in words.
    pub kind: String,
    /// Who uploaded the current version.
    pub uploader: String,
}

impl DocumentItem {
    fn of(doc: &DocumentRow) -> Self {
        DocumentItem {
            href: format!("/d/{}", doc.id),
            title: doc.title.clone(),
            banner: doc.marking.banner(),
            version: doc.current.number,
            size: format_size(doc.current.size),
            created: format_time(doc.created_at),
            kind: super::document::file_type(&doc.current.media_type),
            uploader: doc.current.uploaded_by.clone(),
        }
    }
}

/// `GET /p/{portal}/{community}`
#[derive(Template)]
#[template(path = "community.html")]
pub struct CommunityPage {
    /// Header navigation.
    pub nav: Nav,
    /// Display name.
    pub name: String,
    /// `portal/community`.
    pub path: String,
    /// `/p/{portal}/{community}`, the base of every link and form.
    pub base: String,
    /// The principal's role, if it is a member.
    pub role: Option<String>,
    /// Whether documents are listed (members only).
    pub can_read: bool,
    /// This page of documents.
    pub documents: Vec<DocumentItem>,
    /// The order, filters, counts and paging of the documents.
    pub shelf: ShelfView,
    /// Whether to show the upload form.
    pub can_upload: bool,
    /// Whether to show the members and their forms.
    pub can_manage: bool,
    /// Members, for managers and administrators.
    pub members: Vec<MemberRow>,
    /// Why the last upload was refused, shown beside the form.
    pub upload_error: Option<String>,
    /// Why the member form was refused, with the email and role as typed.
    pub member_error: Option<(String, String, String)>,
    /// What the refused upload's form held, to fill it again.
    pub typed: Typed,
    /// What the upload form offers.
    pub choices: super::community_upload::UploadChoices,
    /// Documents just uploaded (link, title), for the success message.
    pub uploaded: Vec<(String, String)>,
    /// How many of them the page found (the ids come from the address).
    pub uploaded_count: usize,
}

impl CommunityPage {
    /// Whether `item` is among the releasability typed.
    pub fn releasable_has(&self, item: &str) -> bool {
        self.typed
            .releasable
            .split(',')
            .any(|i| i.trim().eq_ignore_ascii_case(item))
    }

    /// The releasability typed that no box offers.
    pub fn releasable_other(&self) -> String {
        let offered = |i: &str| {
            self.choices
                .nations
                .iter()
                .any(|n| n.eq_ignore_ascii_case(i))
                || self.choices.partners.iter().any(|(p, _)| p == i)
        };
        self.typed
            .releasable
            .split(',')
            .map(str::trim)
            .filter(|i| !i.is_empty() && !offered(i))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether `label` is the one to preselect.
    pub fn label_chosen(&self, label: &str) -> bool {
        if self.typed.label.is_empty() {
            label == self.choices.default_label
        } else {
            self.typed.label.eq_ignore_ascii_case(label)
        }
    }
}

/// The text fields of an upload form, as the user typed them.
#[derive(Debug, Clone, Default)]
pub struct Typed {
    /// Title.
    pub title: String,
    /// Label.
    pub label: String,
    /// Releasability.
    pub releasable: String,
    /// `YYYY-MM-DD`.
    pub public_since: String,
    /// Where it was published.
    pub public_source: String,
}

impl Typed {
    pub(super) fn of(upload: &rampart_app::Upload) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Typed {
            title: text(&upload.title),
            label: text(&upload.label),
            releasable: text(&upload.releasable),
            public_since: text(&upload.public_since),
            public_source: text(&upload.public_source),
        }
    }
}

/// How the documents are shown: the form above the table, the counts and
/// the links to the neighbouring pages.
#[derive(Debug, Clone, Default)]
pub struct ShelfView {
    /// `newest`, `oldest`, `title` or `largest`.
    pub sort: String,
    /// The label filter (empty: all).
    pub label: String,
    /// The media type filter (empty: all).
    pub kind: String,
    /// Labels on offer.
    pub labels: Vec<String>,
    /// Media types on offer, with their names for people.
    pub types: Vec<(String, String)>,
    /// Documents matching the filters.
    pub matching: u64,
    /// Documents the principal may see in the community.
    pub visible: u64,
    /// Ordinals of the first and last document shown.
    pub first: u64,
    /// See `first`.
    pub last: u64,
    /// Links to the previous and next pages.
    pub prev: Option<String>,
    /// See `prev`.
    pub next: Option<String>,
    /// Whether a filter is set.
    pub filtered: bool,
}

/// Listing query: order, filters, position (and, after an upload of
/// several files, their ids, for the success message).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    sort: Option<String>,
    label: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    offset: Option<u32>,
    uploaded: Option<String>,
}

impl ListQuery {
    fn sort(&self) -> Result<LibrarySort, AppError> {
        Ok(match self.sort.as_deref().unwrap_or("") {
            "" | "newest" => LibrarySort::Newest,
            "oldest" => LibrarySort::Oldest,
            "title" => LibrarySort::Title,
            "largest" => LibrarySort::Largest,
            other => {
                return Err(AppError::BadRequest(format!(
                    "sort: {other:?} is not newest, oldest, title or largest"
                )))
            }
        })
    }

    fn filter(value: &Option<String>) -> Option<&str> {
        value.as_deref().filter(|v| !v.is_empty())
    }

    /// The page's address with these settings at `offset`.
    fn href(&self, base: &str, offset: u32) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("sort", &self.sort),
            ("label", &self.label),
            ("type", &self.kind),
        ] {
            if let Some(v) = Self::filter(value) {
                query.append_pair(name, v);
            }
        }
        if offset > 0 {
            query.append_pair("offset", &offset.to_string());
        }
        let query = query.finish();
        if query.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{query}")
        }
    }
}

/// `GET /p/{portal}/{community}`
pub async fn show_community(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    Path((portal, community)): Path<(String, String)>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query.map_err(|e| rejected(e.status(), e.body_text()))?;
    let page = community_page(&state, &user, &client, &portal, &community, &query).await?;
    Ok(render(&page))
}

/// The community page as `user` sees it, shown as `query` asks.
pub(super) async fn community_page(
    state: &AppState,
    user: &rampart_identity::Authenticated,
    client: &Origin,
    portal: &str,
    community: &str,
    query: &ListQuery,
) -> Result<CommunityPage, PageError> {
    // Administrators who are not members may still manage the members; for
    // everyone else the page is a member's view.
    let member = state
        .store
        .community_by_path(portal, community)
        .await?
        .is_some_and(|c| user.principal.role_in(c.id).is_some());
    let action = if member || !user.principal.admin {
        CommunityAction::Read
    } else {
        CommunityAction::Manage
    };
    let row = documents::community_for(state, user, client, portal, community, action).await?;
    let can_read = may(user, Action::ReadCommunity(row.id));
    let base = format!("/p/{}/{}", row.portal, row.slug);
    let mut suggestions = Vec::new();
    let (docs, shelf) = if can_read {
        let offset = query.offset.unwrap_or(0);
        let view = LibraryView {
            sort: query.sort()?,
            label: ListQuery::filter(&query.label),
            media_type: ListQuery::filter(&query.kind),
        };
        let found = documents::browse(state, user, client, &row, &view, offset, PAGE_SIZE).await?;
        let shown = found.documents.len() as u64;
        let more = u64::from(offset) + shown < found.matching;
        let shelf = ShelfView {
            sort: query.sort.clone().unwrap_or_else(|| "newest".into()),
            label: query.label.clone().unwrap_or_default(),
            kind: query.kind.clone().unwrap_or_default(),
            types: found
                .types
                .iter()
                .map(|t| (t.clone(), super::document::file_type(t)))
                .collect(),
            labels: found.labels.clone(),
            matching: found.matching,
            visible: found.visible,
            first: u64::from(offset) + u64::from(shown > 0),
            last: u64::from(offset) + shown,
            prev: (offset > 0).then(|| query.href(&base, offset.saturating_sub(PAGE_SIZE))),
            next: (more && offset + PAGE_SIZE <= documents::MAX_OFFSET)
                .then(|| query.href(&base, offset + PAGE_SIZE)),
            filtered: view.label.is_some() || view.media_type.is_some(),
        };
        suggestions = found.labels;
        (found.documents, shelf)
    } else {
        (Vec::new(), ShelfView::default())
    };
    let can_manage = may(user, Action::ManageMembers(row.id));
    let members = if can_manage {
        state.store.members_of(row.id).await?
    } else {
        Vec::new()
    };
    let can_upload = may(user, Action::Contribute(row.id));
    let choices = if can_upload {
        super::community_upload::choices(state, user, &row, suggestions).await?
    } else {
        Default::default()
    };
    // The ids of an upload of several files, as the redirect named them;
    // titles come from the page's own listing (newest first), so nothing
    // is read that the listing did not already read and audit.
    let just_uploaded: Vec<&str> = query
        .uploaded
        .as_deref()
        .unwrap_or("")
        .split('.')
        .filter(|id| !id.is_empty())
        .take(crate::upload::MAX_FILES)
        .collect();
    let uploaded: Vec<(String, String)> = docs
        .iter()
        .filter(|d| just_uploaded.contains(&d.id.to_string().as_str()))
        .map(|d| (format!("/d/{}", d.id), d.title.clone()))
        .collect();
    Ok(CommunityPage {
        nav: Nav::of(user),
        base,
        path: row.path(),
        role: user
            .principal
            .role_in(row.id)
            .map(|r| r.as_str().to_owned()),
        can_read,
        documents: docs.iter().map(DocumentItem::of).collect(),
        shelf,
        can_upload,
        can_manage,
        members,
        name: row.name,
        upload_error: None,
        member_error: None,
        typed: Typed::default(),
        choices,
        // Only ids the listing holds count: a crafted link shows nothing.
        uploaded_count: uploaded.len(),
        uploaded,
    })
}

/// `POST /p/{portal}/{community}/members` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberForm {
    email: String,
    role: String,
}

/// `POST /p/{portal}/{community}/members/remove` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveMemberForm {
    email: String,
}

/// After a member change: back to the community page, or the page again
/// with the reason beside the members form and what was typed.
async fn after_member_change(
    state: &AppState,
    user: &rampart_identity::Authenticated,
    client: &Origin,
    (portal, community): (&str, &str),
    result: Result<(), AppError>,
    typed: (String, String),
) -> Result<Response, PageError> {
    match result {
        // The service accepted the path, so both parts are valid slugs.
        Ok(()) => Ok(Redirect::to(&format!("/p/{portal}/{community}#members")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::BadRequest(_) | AppError::Conflict(_))) => {
            let mut page = community_page(
                state,
                user,
                client,
                portal,
                community,
                &ListQuery::default(),
            )
            .await?;
            page.member_error = Some((capitalised(&e.to_string()), typed.0, typed.1));
            Ok(render_with(crate::error::status(&e), &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /p/{portal}/{community}/members`: adds a member or changes a role.
pub async fn add_member(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    Path((portal, community)): Path<(String, String)>,
    form: Result<Form<MemberForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    let path = format!("{portal}/{community}");
    let result = admin::set_membership(
        &state,
        Actor::User(&user, &client),
        &path,
        form.email.trim(),
        &form.role,
    )
    .await;
    let typed = (form.email, form.role);
    after_member_change(&state, &user, &client, (&portal, &community), result, typed).await
}

/// `POST /p/{portal}/{community}/members/remove`: removes a member.
pub async fn remove_member(
    State(state): State<AppState>,
    client: Origin,
    PageUser(user): PageUser,
    Path((portal, community)): Path<(String, String)>,
    form: Result<Form<RemoveMemberForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|e| rejected(e.status(), e.body_text()))?;
    let path = format!("{portal}/{community}");
    let result = admin::remove_membership(
        &state,
        Actor::User(&user, &client),
        &path,
        form.email.trim(),
    )
    .await;
    let typed = (String::new(), String::new());
    after_member_change(&state, &user, &client, (&portal, &community), result, typed).await
}
