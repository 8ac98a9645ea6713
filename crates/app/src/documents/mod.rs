//! Document flows: find a community or document *for* a principal (policy
//! decided, denial audited), create documents and versions from an upload,
//! and serve a download only after its audit event and download record are
//! durable.

mod browse;
mod download;
mod markings;

pub use browse::{browse, Shelf, MAX_OFFSET};
pub use download::{download, Content, Download};
pub use markings::MarkingsConfig;

use crate::matching::VersionFile;
use crate::upload::{media_type_for, Upload};
use crate::{context::App, error::Error, identity::Authenticated, AuditKind, Origin};
use rampart_domain::{
    authorize, Action, CommunityId, Decision, DocumentId, Marking, NewMarking, ReleasableCommunity,
    Title,
};
use rampart_store::{CommunityRow, DocumentRow, NewDocument, NewVersion, Outcome, PortalRow};

/// What a principal wants to do with a community.
#[derive(Debug, Clone, Copy)]
pub enum CommunityAction {
    /// See and list.
    Read,
    /// Upload.
    Contribute,
    /// Manage members.
    Manage,
}

/// What a principal wants to do with a document.
#[derive(Debug, Clone, Copy)]
pub enum DocumentAction {
    /// Metadata or content.
    Read,
    /// New version.
    Revise,
}

fn decision_to_result(decision: Decision) -> Result<(), Error> {
    match decision {
        Decision::Allow => Ok(()),
        Decision::NotFound => Err(Error::NotFound),
        Decision::Forbidden => Err(Error::Forbidden("your role does not allow this here")),
    }
}

async fn audit_denial(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    kind: AuditKind,
    document: Option<String>,
    detail: serde_json::Value,
) -> Result<(), Error> {
    let mut event = state.event_for(user, client, kind, Outcome::Denied);
    event.document = document;
    event.detail = detail;
    state.record(event).await.map(|_| ())
}

/// Looks up `portal/community` and checks the action; unknown and invisible
/// communities both answer 404, and the denial is audited.
pub async fn community_for(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    portal: &str,
    community: &str,
    action: CommunityAction,
) -> Result<CommunityRow, Error> {
    let row = state.store.community_by_path(portal, community).await?;
    let decision = match &row {
        None => Decision::NotFound,
        Some(c) => authorize(
            &user.principal,
            match action {
                CommunityAction::Read => Action::ReadCommunity(c.id),
                CommunityAction::Contribute => Action::Contribute(c.id),
                CommunityAction::Manage => Action::ManageMembers(c.id),
            },
        ),
    };
    if let (Decision::Allow, Some(row)) = (decision, row) {
        return Ok(row);
    }
    let path: String = format!("{portal}/{community}").chars().take(100).collect();
    audit_denial(
        state,
        user,
        client,
        AuditKind::Community,
        None,
        serde_json::json!({"community": path, "action": format!("{action:?}").to_lowercase()}),
    )
    .await?;
    decision_to_result(decision).and(Err(Error::NotFound))
}

/// Looks up a document by its id text and checks the action; malformed,
/// unknown and invisible ids all answer 404, and the denial is audited.
pub async fn document_for(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    id: &str,
    action: DocumentAction,
) -> Result<DocumentRow, Error> {
    let row = match id.parse::<DocumentId>() {
        Ok(id) => state.store.document(id).await?,
        Err(_) => None,
    };
    let decision = match &row {
        None => Decision::NotFound,
        Some(d) => authorize(
            &user.principal,
            match action {
                DocumentAction::Read => Action::ReadDocument(d.community, &d.marking),
                DocumentAction::Revise => Action::ReviseDocument(d.community, &d.marking),
            },
        ),
    };
    if let (Decision::Allow, Some(row)) = (decision, row) {
        return Ok(row);
    }
    let shown_id: String = id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(32)
        .collect();
    audit_denial(
        state,
        user,
        client,
        AuditKind::Document,
        Some(shown_id),
        serde_json::json!({"action": format!("{action:?}").to_lowercase()}),
    )
    .await?;
    decision_to_result(decision).and(Err(Error::NotFound))
}

/// Resolves the communities named in a marking: each must exist and the
/// uploader must be a member of it (the same answer for both, so the form
/// is no existence oracle). A security officer planting a canary need not
/// be a member (`planting`).
async fn resolve_marking(
    state: &App,
    user: &Authenticated,
    new: NewMarking,
    planting: bool,
) -> Result<Marking, Error> {
    let mut communities = Vec::new();
    for path in &new.releasable_communities {
        let row = state
            .store
            .community_by_path(path.portal.as_str(), path.community.as_str())
            .await?
            .filter(|c| planting || user.principal.role_in(c.id).is_some())
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "releasable: you are not a member of a community named {path}"
                ))
            })?;
        communities.push(ReleasableCommunity {
            id: row.id,
            path: row.path(),
        });
    }
    Ok(Marking {
        label: new.label,
        releasable_nations: new.releasable_nations,
        releasable_communities: communities,
        public_since: new.public_since,
        public_source: new.public_source,
        canary: new.canary,
    })
}

/// Refuses the `canary` field to anyone but a security officer: only they
/// make canaries, and to everyone else a canary must look like any other
/// document.
pub(crate) fn check_canary_field(user: &Authenticated, upload: &Upload) -> Result<(), Error> {
    if upload.canary.is_some()
        && authorize(&user.principal, Action::ManageCanaries) != Decision::Allow
    {
        return Err(Error::Forbidden("only security officers make canaries"));
    }
    Ok(())
}

/// Validates an upload and stores it as a new document.
pub async fn create_document(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    community: &CommunityRow,
    upload: Upload,
) -> Result<(DocumentId, i64), Error> {
    check_canary_field(user, &upload)?;
    let by = user.principal.account;
    insert_document(state, user, client, community, upload, NewAs::Upload(by)).await
}

/// How a new document comes to be: uploaded by the acting account, or a
/// canary planted by a security officer and attributed to a contributor of
/// the community (the audit log keeps who planted it).
pub(crate) enum NewAs {
    /// Uploaded by this account.
    Upload(rampart_domain::AccountId),
    /// Planted as a canary, shown as uploaded by this account.
    Canary {
        /// The account shown as uploader.
        account: rampart_domain::AccountId,
        /// Its email, for the audit event.
        email: String,
    },
}

pub(crate) async fn insert_document(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    community: &CommunityRow,
    upload: Upload,
    as_: NewAs,
) -> Result<(DocumentId, i64), Error> {
    let title: Title = upload
        .title
        .as_deref()
        .ok_or_else(|| Error::Invalid("title: missing".into()))?
        .parse()?;
    let mut marking = NewMarking::parse(
        upload.label.as_deref(),
        upload.releasable.as_deref(),
        upload.public_since.as_deref(),
        upload.public_source.as_deref(),
        upload.canary.as_deref(),
    )?;
    marking.label = state
        .config
        .markings
        .allowed(upload.label.as_deref(), marking.label)?;
    let (uploaded_by, attributed_to) = match as_ {
        NewAs::Upload(by) => (by, None),
        NewAs::Canary { account, email } => {
            marking.canary = true;
            (account, Some(email))
        }
    };
    let kind = if attributed_to.is_some() {
        AuditKind::CanaryPlant
    } else {
        AuditKind::Upload
    };
    let marking = resolve_marking(state, user, marking, attributed_to.is_some()).await?;
    let file = upload
        .file
        .ok_or_else(|| Error::Invalid("file: missing".into()))?;
    let media_type = media_type_for(&file.filename).to_owned();
    let blob = file.writer.finish().await?;
    let id = DocumentId::random();
    let new = NewDocument {
        id,
        community: community.id,
        title: title.to_string(),
        marking,
        version: NewVersion {
            blob: blob.hash.to_string(),
            size: i64::try_from(blob.size).unwrap_or(i64::MAX),
            media_type,
            filename: file.filename,
            uploaded_by,
        },
    };
    state.store.create_document(&new, state.clock.now()).await?;
    drop(blob); // referenced now: garbage collection may see it
    let mut event = state.event_for(user, client, kind, Outcome::Ok);
    event.document = Some(id.to_string());
    event.version = Some(1);
    event.detail = serde_json::json!({"community": community.path(), "title": new.title, "size": new.version.size, "blob": new.version.blob});
    if let Some(email) = attributed_to {
        event.detail["attributed_to"] = serde_json::json!(email);
    }
    state.record(event).await?;
    let (doc, v) = (id.to_string(), &new.version);
    let file = VersionFile {
        blob: &v.blob,
        filename: &v.filename,
        title: &new.title,
    };
    crate::matching::index_upload(state, &doc, 1, file).await;
    Ok((id, 1))
}

/// Stores an upload as the next version of a document. Marking fields are
/// not accepted here: a version changes content, not release.
pub async fn add_version(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    document: &DocumentRow,
    upload: Upload,
) -> Result<i64, Error> {
    check_canary_field(user, &upload)?;
    if upload.title.is_some()
        || upload.label.is_some()
        || upload.releasable.is_some()
        || upload.canary.is_some()
    {
        return Err(Error::Invalid("a new version takes only a file".into()));
    }
    let file = upload
        .file
        .ok_or_else(|| Error::Invalid("file: missing".into()))?;
    let media_type = media_type_for(&file.filename).to_owned();
    let blob = file.writer.finish().await?;
    let version = NewVersion {
        blob: blob.hash.to_string(),
        size: i64::try_from(blob.size).unwrap_or(i64::MAX),
        media_type,
        filename: file.filename,
        uploaded_by: user.principal.account,
    };
    let number = state
        .store
        .add_version(document.id, &version, state.clock.now())
        .await?;
    drop(blob);
    let mut event = state.event_for(user, client, AuditKind::Upload, Outcome::Ok);
    event.document = Some(document.id.to_string());
    event.version = Some(number);
    event.detail = serde_json::json!({"size": version.size, "blob": version.blob});
    state.record(event).await?;
    let doc = document.id.to_string();
    let file = VersionFile {
        blob: &version.blob,
        filename: &version.filename,
        title: &document.title,
    };
    crate::matching::index_upload(state, &doc, number, file).await;
    Ok(number)
}

/// Audits a view of document metadata.
pub async fn audit_view(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    doc: &DocumentRow,
) -> Result<(), Error> {
    crate::guard::check_document(state, user, client, doc, None).await?;
    let mut event = state.event_for(user, client, AuditKind::View, Outcome::Ok);
    event.document = Some(doc.id.to_string());
    event.version = Some(doc.current.number);
    state.record(event).await.map(|_| ())
}

/// Audits a listing page.
pub async fn audit_listing(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    what: serde_json::Value,
) -> Result<(), Error> {
    if let Some(community) = what.get("community").and_then(|c| c.as_str()) {
        let cursor = what["cursor"].as_str().is_some_and(|c| !c.is_empty());
        crate::guard::check_listing(state, user, client, community, cursor).await?;
    }
    let mut event = state.event_for(user, client, AuditKind::List, Outcome::Ok);
    event.detail = what;
    state.record(event).await.map(|_| ())
}

/// The documents of a store page the policy function lets the principal
/// read: the store's query pre-filters, the policy has the last word.
pub(crate) fn readable(user: &Authenticated, documents: Vec<DocumentRow>) -> Vec<DocumentRow> {
    documents
        .into_iter()
        .filter(|d| {
            authorize(
                &user.principal,
                Action::ReadDocument(d.community, &d.marking),
            ) == Decision::Allow
        })
        .collect()
}

/// Whether the principal may see this community in lists at all (member, or
/// an administrator managing it).
pub fn visible_community(user: &Authenticated, id: CommunityId) -> bool {
    authorize(&user.principal, Action::ReadCommunity(id)) == Decision::Allow
        || authorize(&user.principal, Action::ManageMembers(id)) == Decision::Allow
}

/// The communities the principal sees in lists ([`visible_community`]),
/// for the portal listings of the API and the web UI's home page.
pub async fn visible_communities(
    state: &App,
    user: &Authenticated,
) -> Result<Vec<CommunityRow>, Error> {
    Ok(state
        .store
        .list_communities()
        .await?
        .into_iter()
        .filter(|c| visible_community(user, c.id))
        .collect())
}

/// The communities of `portal` the principal sees. A portal that does
/// not exist, or shows a non-administrator nothing, is not found (and the
/// attempt audited): the answer does not tell the two apart.
pub async fn portal_communities(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    portal: &str,
) -> Result<Vec<CommunityRow>, Error> {
    let exists = state.store.portal_by_slug(portal).await?.is_some();
    let communities: Vec<CommunityRow> = visible_communities(state, user)
        .await?
        .into_iter()
        .filter(|c| c.portal == portal)
        .collect();
    if !exists || (communities.is_empty() && !user.principal.admin) {
        let mut event = state.event_for(user, client, AuditKind::Portal, Outcome::Denied);
        event.detail = serde_json::json!({"portal": portal.chars().take(64).collect::<String>()});
        state.record(event).await?;
        return Err(Error::NotFound);
    }
    Ok(communities)
}

/// The portals the principal sees, each with its visible communities: those
/// with at least one visible community (administrators see every portal,
/// to manage them).
pub async fn visible_portals(
    state: &App,
    user: &Authenticated,
) -> Result<Vec<(PortalRow, Vec<CommunityRow>)>, Error> {
    let communities = visible_communities(state, user).await?;
    Ok(state
        .store
        .list_portals()
        .await?
        .into_iter()
        .map(|p| {
            let mine: Vec<CommunityRow> = communities
                .iter()
                .filter(|c| c.portal == p.slug)
                .cloned()
                .collect();
            (p, mine)
        })
        .filter(|(_, mine)| user.principal.admin || !mine.is_empty())
        .collect())
}

/// One page of a community's documents the principal may read, after the
/// page `cursor` (the client's text form; empty or none: the first page),
/// audited as a listing and counted by the guard. The SQL pre-filters by
/// releasability; the policy function has the last word on every row.
pub async fn list_page(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    community: &CommunityRow,
    cursor: Option<&str>,
    limit: u32,
) -> Result<(Vec<DocumentRow>, Option<rampart_store::Cursor>), Error> {
    let decoded = match cursor {
        None | Some("") => None,
        Some(c) => Some(
            rampart_store::Cursor::decode(c)
                .ok_or_else(|| Error::BadRequest("malformed cursor".into()))?,
        ),
    };
    let (page, next) = state
        .store
        .list_documents_for_member(
            community.id,
            user.principal.account,
            &user.principal.nation,
            decoded.as_ref(),
            limit,
        )
        .await?;
    let page = readable(user, page);
    audit_listing(
        state,
        user,
        client,
        serde_json::json!({"community": community.path(), "cursor": cursor, "count": page.len()}),
    )
    .await?;
    Ok((page, next))
}
