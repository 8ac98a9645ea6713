//! The exfiltration guard in the request path (DESIGN.md §2 and §8).
//!
//! Every listing page, metadata view and download that the policy allowed
//! is put to [`rampart_guard::Guard::assess`] *before* it is audited and
//! before any content leaves. The account's state lives in the store and is
//! durable before the request goes on (group-committed immediate
//! transactions, so concurrent requests and several nodes share it); the
//! peer baseline is a snapshot merged every few seconds
//! (`guard_peers`). The decision is acted on here:
//!
//! - `allow`: carry on;
//! - `throttle`: audited, answered 429 with `Retry-After`; a new throttle
//!   raises a `high` alert;
//! - `step_up`: audited, answered 401 `step_up_required` (the web UI sends
//!   the user to `/account/confirm` to enter the second factor, or the
//!   password for accounts exempt from one);
//! - `suspend`: audited, the account is suspended (every session and token
//!   ends) and a `critical` alert is raised; answered 401.
//!
//! Alerts are stored for the security console and the API, written as one
//! ECS JSON line on stdout, and POSTed to `[guard] webhook_url` (retried with
//! exponential backoff) by a background task.

mod review;
mod step_up;

pub(crate) use review::lift_suspension;
pub use review::{keep_locked, list_alerts, require_investigator, review_note, unlock};
pub use step_up::{confirm_step_up, step_up_needs_second_factor, StepUpProof};

use crate::alerts::Alerting;
use crate::{context::App, error::Error, identity::Authenticated, AuditKind, Origin};
use rampart_domain::{authorize, AccountStatus, Action, CommunityId, CommunityRole, Decision};
use rampart_guard::{
    sketch::stable_hash, Assessment, Event, EventKind, IpState, PeerDelta, PrincipalState,
    ReasonCode, Role, Severity, Timestamp,
};
use rampart_store::{AlertDocument, DocumentRow, GuardStates, Outcome};
use serde_json::{json, Value};
use std::net::{IpAddr, Ipv4Addr};
use time::OffsetDateTime;

fn millis(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn guard_role(role: Option<CommunityRole>) -> Role {
    match role {
        Some(CommunityRole::Manager) => Role::Manager,
        Some(CommunityRole::Contributor) => Role::Contributor,
        // Administrators managing a community they are not a member of are
        // held to the strictest budgets.
        Some(CommunityRole::Reader) | None => Role::Reader,
    }
}

fn parse_ip(ip: &str) -> IpAddr {
    ip.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

fn corrupt(what: &str, e: serde_json::Error) -> rampart_store::Error {
    rampart_store::Error::Corrupt(format!("guard {what} state: {e}"))
}

fn load<T: serde::de::DeserializeOwned + Default>(
    what: &str,
    json: Option<&String>,
) -> rampart_store::Result<T> {
    match json {
        None => Ok(T::default()),
        Some(text) => serde_json::from_str(text).map_err(|e| corrupt(what, e)),
    }
}

fn save<T: serde::Serialize>(what: &str, value: &T) -> rampart_store::Result<Option<String>> {
    serde_json::to_string(value)
        .map(Some)
        .map_err(|e| corrupt(what, e))
}

/// The listing page ordinal: 0 without a cursor; following a cursor in the
/// community the account is walking, one past the last page it walked.
fn page_ordinal(principal: Option<&String>, community: &str, cursor: bool) -> u32 {
    if !cursor {
        return 0;
    }
    let walk = principal
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .map(|v| v["walk"].clone())
        .unwrap_or(Value::Null);
    let same = walk["community"].as_u64() == Some(stable_hash(community.as_bytes()));
    match walk["page"].as_u64() {
        Some(page) if same => u32::try_from(page).unwrap_or(u32::MAX - 1) + 1,
        _ => 1,
    }
}

/// What is about to be served.
struct Request<'a> {
    kind: EventKind,
    /// Whose budgets and role apply (none: the account's own override and
    /// the reader's budgets; a directory page of someone in no community).
    community: Option<CommunityId>,
    path: String,
    document: Option<&'a DocumentRow>,
    bytes: u64,
    /// A listing page reached through a cursor.
    cursor: bool,
    /// Documents the account can see (downloads only).
    visible: Option<u32>,
}

fn event_for(state: &App, user: &Authenticated, client: &Origin, r: &Request<'_>) -> Event {
    Event {
        at: Timestamp(millis(state.clock.now())),
        principal: user.email.to_string(),
        kind: r.kind,
        document: r
            .document
            .and_then(|d| u128::from_str_radix(&d.id.to_string(), 16).ok())
            .map(rampart_guard::DocumentId),
        document_created: r.document.map(|d| Timestamp(millis(d.created_at))),
        canary: r.document.is_some_and(|d| d.marking.canary),
        bytes: r.bytes,
        community: r.path.clone(),
        role: guard_role(r.community.and_then(|c| user.principal.role_in(c))),
        ip: parse_ip(client.ip()),
        user_agent: client.user_agent().to_owned(),
        visible_documents: r.visible,
    }
}

async fn check(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    request: Request<'_>,
) -> Result<(), Error> {
    let mut event = event_for(state, user, client, &request);
    let guard = state.guard.clone();
    let role = event.role.as_str();
    let peers = state
        .guard_peers
        .snapshot(&state.store, &request.path, role)
        .await?;
    let overrides =
        super::budgets::overrides_for(state, user.principal.account, request.community, event.role)
            .await?;
    let path = request.path.clone();
    let cursor = request.cursor;
    let (assessment, event, delta) = state
        .store
        .guard_update(
            user.principal.account,
            Some(client.ip()),
            state.clock.now(),
            move |s: &mut GuardStates| {
                if let EventKind::ListPage { .. } = event.kind {
                    let page = page_ordinal(s.principal.as_ref(), &path, cursor);
                    event.kind = EventKind::ListPage { page };
                }
                let mut principal: PrincipalState = load("principal", s.principal.as_ref())?;
                let mut ip: IpState = load("ip", s.ip.as_ref())?;
                let mut delta = PeerDelta::default();
                let assessment = guard.assess_shared(
                    &mut principal,
                    &peers,
                    &mut delta,
                    &mut ip,
                    &event,
                    &overrides,
                );
                s.principal = save("principal", &principal)?;
                // Most addresses never hold anything: no row for them.
                if s.ip.is_some() || ip != IpState::default() {
                    s.ip = save("ip", &ip)?;
                }
                Ok((assessment, event, delta))
            },
        )
        .await?;
    // Also with nothing to add: a stale snapshot is then reloaded.
    state
        .guard_peers
        .add(&state.store, &state.clock, &request.path, role, delta);
    act(state, user, client, &event, request.document, assessment).await
}

/// Checks a listing page of `community` (`portal/community`) before it is
/// audited and answered.
pub async fn check_listing(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    community: &str,
    cursor: bool,
) -> Result<(), Error> {
    let Some((portal, slug)) = community.split_once('/') else {
        return Ok(());
    };
    let Some(row) = state.store.community_by_path(portal, slug).await? else {
        return Ok(());
    };
    check_list_page(state, user, client, row.id, row.path(), cursor).await
}

/// Checks a page of a listing or of search results: `path` names what is
/// walked (a community's `portal/community`, or `(search)`), `community`
/// whose budgets and role apply.
pub async fn check_list_page(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    community: CommunityId,
    path: String,
    cursor: bool,
) -> Result<(), Error> {
    check(
        state,
        user,
        client,
        Request {
            kind: EventKind::ListPage { page: 0 },
            community: Some(community),
            path,
            document: None,
            bytes: 0,
            cursor,
            visible: None,
        },
    )
    .await
}

/// What the guard sees as walked by a directory page.
pub const DIRECTORY_PATH: &str = "(directory)";

/// Checks a directory page about to show `count` profiles: drawn from the
/// account's budget of profile views, under the budgets of its weakest role
/// (`community`, the community where it holds it; none for an account in
/// no community).
pub async fn check_profile_views(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    community: Option<CommunityId>,
    count: u32,
) -> Result<(), Error> {
    check(
        state,
        user,
        client,
        Request {
            kind: EventKind::ProfileViews { count },
            community,
            path: DIRECTORY_PATH.to_owned(),
            document: None,
            bytes: 0,
            cursor: false,
            visible: None,
        },
    )
    .await
}

/// How many documents the request's credential lets the account see: the
/// documents releasable to it in every community it may read.
async fn visible_documents(state: &App, user: &Authenticated) -> Result<u32, Error> {
    let mut total: u64 = 0;
    for (community, _) in &user.principal.memberships {
        if authorize(&user.principal, Action::ReadCommunity(*community)) == Decision::Allow {
            total += state
                .store
                .count_documents_for_member(
                    *community,
                    user.principal.account,
                    &user.principal.nation,
                )
                .await?;
        }
    }
    Ok(u32::try_from(total).unwrap_or(u32::MAX))
}

/// Checks a metadata view (`bytes` = 0) or a download of `bytes` bytes.
pub async fn check_document(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    doc: &DocumentRow,
    download: Option<u64>,
) -> Result<(), Error> {
    let visible = match download {
        Some(_) => Some(visible_documents(state, user).await?),
        None => None,
    };
    check(
        state,
        user,
        client,
        Request {
            kind: if download.is_some() {
                EventKind::Download
            } else {
                EventKind::MetadataView
            },
            community: Some(doc.community),
            path: format!("{}/{}", doc.portal_slug, doc.community_slug),
            document: Some(doc),
            bytes: download.unwrap_or(0),
            cursor: false,
            visible,
        },
    )
    .await
}

/// Reasons that only repeat a refusal of the episode (held, still
/// throttled): counted on the alert, not added to its reasons.
fn repeats_refusal(reason: &rampart_guard::Reason) -> bool {
    matches!(
        (reason.code, reason.severity),
        (
            ReasonCode::Held | ReasonCode::IgnoredThrottle,
            Severity::High
        ) | (ReasonCode::Suspended, _)
    )
}

/// Acts on a decision: audit, count, contain, alert, answer. Every decision
/// other than allow is audited and raises (or adds to) the account's alert
/// for the episode.
async fn act(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    event: &Event,
    document: Option<&DocumentRow>,
    assessment: Assessment,
) -> Result<(), Error> {
    use rampart_guard::Decision as G;
    let Some(severity) = assessment.alert_severity() else {
        return Ok(());
    };
    let decision = assessment.decision.as_str();
    state.metrics.guard_decision(decision);
    let retry_after = match assessment.decision {
        G::Throttle { retry_after } => Some(retry_after.as_secs()),
        _ => None,
    };
    let reasons: Vec<String> = assessment.reasons.iter().map(|r| r.text.clone()).collect();
    let mut audit = state.event_for(user, client, AuditKind::Guard, Outcome::Denied);
    audit.document = event.document.map(|d| d.to_string());
    audit.detail = json!({
        "decision": decision,
        "retry_after": retry_after,
        "score": assessment.score,
        "request": match event.kind {
            EventKind::ListPage { .. } => "list",
            EventKind::MetadataView => "view",
            EventKind::Download => "download",
            EventKind::ProfileViews { .. } => "directory",
        },
        "community": event.community,
        "reasons": reasons,
    });
    state.record(audit).await?;
    if assessment.decision == G::Suspend {
        contain(state, user.principal.account).await?;
    }
    super::alerts::raise(
        state,
        Alerting {
            account: user.email.as_str(),
            severity,
            decision,
            reasons: assessment
                .reasons
                .iter()
                .filter(|r| !repeats_refusal(r))
                .map(|r| r.text.clone())
                .collect(),
            credential: Some(user.credential_name.clone()),
            client,
            document: document.map(|d| AlertDocument {
                id: d.id.to_string(),
                title: d.title.clone(),
            }),
        },
    )
    .await?;
    Err(match assessment.decision {
        G::Allow => return Ok(()),
        G::StepUp => Error::StepUpRequired,
        G::Throttle { retry_after } => Error::TooManyRequests(retry_after),
        G::Suspend => Error::Unauthenticated,
    })
}

/// Suspends the account: every session and token ends.
async fn contain(state: &App, account: rampart_domain::AccountId) -> Result<(), Error> {
    state
        .store
        .set_account_status(account, AccountStatus::Suspended, state.clock.now())
        .await?;
    Ok(())
}
