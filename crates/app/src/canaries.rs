//! Canaries: decoy documents whose every view or download suspends the
//! account at once (DESIGN §8). A canary works only while nobody else can
//! tell it from a real document, so only security officers
//! (`Action::ManageCanaries`) plant one, turn a document into one or back,
//! or list them; to everyone else — administrators included — these
//! functions do not exist (404), and the document itself carries no mark.
//!
//! A planted canary is shown as uploaded by a contributor of its community
//! (named by the officer, or by default whoever uploaded there last), since
//! a security officer's name on a document would give it away; the audit
//! log keeps who planted it.

use super::documents::{insert_document, NewAs};
use super::upload::Upload;
use crate::{context::App, error::Error, identity::Authenticated, AuditKind, Origin};
use rampart_domain::{authorize, Action, CommunityRole, Decision, DocumentId, Email};
use rampart_store::{DocumentRow, Outcome};

/// Lets security officers through; for anyone else the function does not
/// exist (404), and the attempt is audited as a denied `kind`.
pub async fn require_officer(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    kind: AuditKind,
) -> Result<(), Error> {
    if authorize(&user.principal, Action::ManageCanaries) == Decision::Allow {
        return Ok(());
    }
    state
        .record(state.event_for(user, client, kind, Outcome::Denied))
        .await?;
    Err(Error::NotFound)
}

/// Plants a canary from an upload that names its `community`
/// (`portal/community`) besides the fields of a normal upload, attributed to
/// `attributed_to` (a contributor or manager of the community) or to the
/// community's latest uploader.
pub async fn plant(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    mut upload: Upload,
) -> Result<(DocumentId, i64), Error> {
    require_officer(state, user, client, AuditKind::CanaryPlant).await?;
    let community = upload.community.take().unwrap_or_default();
    let attributed_to = upload.attributed_to.take();
    let row = match community.trim().split_once('/') {
        Some((portal, slug)) => state.store.community_by_path(portal, slug).await?,
        None => None,
    }
    .ok_or_else(|| Error::Invalid("community: no community of that portal/name".into()))?;
    let account = match attributed_to
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        Some(email) => {
            let email: Email = email
                .parse()
                .map_err(|_| Error::Invalid("attributed_to: not an email address".into()))?;
            let account = match state.store.account_by_email(&email).await? {
                Some(a) => Some(a.id),
                None => None,
            };
            let contributes = match account {
                Some(id) => state
                    .store
                    .memberships_of(id)
                    .await?
                    .iter()
                    .any(|(c, role)| *c == row.id && *role >= CommunityRole::Contributor),
                None => false,
            };
            account.filter(|_| contributes).ok_or_else(|| {
                Error::Invalid(
                    "attributed_to: not a contributor or manager of the community".into(),
                )
            })?
        }
        None => state.store.latest_uploader(row.id).await?.ok_or_else(|| {
            Error::Invalid(
                "attributed_to: the community has no document yet; name a contributor".into(),
            )
        })?,
    };
    let email = state
        .store
        .account_by_id(account)
        .await?
        .map(|a| a.email.to_string())
        .unwrap_or_default();
    // The canary flag comes from the route, not the form.
    upload.canary = None;
    insert_document(
        state,
        user,
        client,
        &row,
        upload,
        NewAs::Canary { account, email },
    )
    .await
}

/// Turns a document into a canary (`canary`) or back into a real one.
/// Turning a document that members already read into a canary makes their
/// next look at it an alert: the officer's call, audited.
pub async fn set(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    id: &str,
    canary: bool,
) -> Result<DocumentRow, Error> {
    require_officer(state, user, client, AuditKind::CanarySet).await?;
    let id: DocumentId = id.parse().map_err(|_| Error::NotFound)?;
    if !state.store.set_canary(id, canary).await? {
        return Err(Error::NotFound);
    }
    let doc = state.store.document(id).await?.ok_or(Error::NotFound)?;
    let mut event = state.event_for(user, client, AuditKind::CanarySet, Outcome::Ok);
    event.document = Some(id.to_string());
    event.detail = serde_json::json!({"canary": canary});
    state.record(event).await?;
    Ok(doc)
}

/// Every canary, for the console and the API; audited.
pub async fn list(
    state: &App,
    user: &Authenticated,
    client: &Origin,
) -> Result<Vec<DocumentRow>, Error> {
    require_officer(state, user, client, AuditKind::CanaryList).await?;
    let canaries = state.store.canaries(1_000).await?;
    let mut event = state.event_for(user, client, AuditKind::CanaryList, Outcome::Ok);
    event.detail = serde_json::json!({"count": canaries.len()});
    state.record(event).await?;
    Ok(canaries)
}

/// Whether the principal may tell canaries from real documents.
pub fn sees_canaries(user: &Authenticated) -> bool {
    authorize(&user.principal, Action::ManageCanaries) == Decision::Allow
}
