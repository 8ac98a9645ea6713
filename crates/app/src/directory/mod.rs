//! The member directory: profiles (display name, nation and email from the
//! account; organisation; personal fields sealed at rest, see [`seal`]),
//! shown on a need-to-know basis.
//!
//! An account sees its own profile and those of the accounts it shares a
//! community with (the store's query decides it, like releasability);
//! administrators and security officers see everyone
//! ([`Action::ViewAllProfiles`]). A credential limited to some communities
//! sees the members of those only. Every page is audited with the
//! accounts it showed, and drawn from the guard's budget of profile views,
//! so harvesting the directory is contained like a document scrape.

mod import;
pub mod seal;

pub use import::{import_csv, ImportReport};

use crate::{context::App, error::Error, identity::Authenticated, AuditKind, Origin};
use rampart_domain::{authorize, Action, CommunityId, Decision, TokenScope};
use rampart_store::{DirectoryQuery, Outcome, ProfileRow, ProfileUpdate};
use serde::{Deserialize, Serialize};

/// Entries per directory page.
pub const PAGE: u32 = 20;
/// The longest organisation, in characters.
const ORGANISATION_LIMIT: usize = 200;
/// The longest personal field, in characters.
const FIELD_LIMIT: usize = 500;

/// `[directory]`: which personal fields profiles have.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DirectoryConfig {
    /// The personal fields, in the order shown: lower-case names
    /// (`a-z`, `0-9`, `_`), sealed at rest one by one.
    pub fields: Vec<String>,
}

impl Default for DirectoryConfig {
    fn default() -> Self {
        DirectoryConfig {
            fields: ["position", "unit", "phone", "address"]
                .map(String::from)
                .to_vec(),
        }
    }
}

impl DirectoryConfig {
    /// Checks the field names.
    pub fn validate(&self) -> Result<(), String> {
        if self.fields.len() > 16 {
            return Err("[directory] fields: at most 16".into());
        }
        for (i, f) in self.fields.iter().enumerate() {
            let ok = (1..=32).contains(&f.len())
                && f.starts_with(|c: char| c.is_ascii_lowercase())
                && f.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ok {
                return Err(format!(
                    "[directory] fields: {f:?} is not a field name (a-z, 0-9 and _, starting with a letter, at most 32)"
                ));
            }
            if self.fields[..i].contains(f) {
                return Err(format!("[directory] fields: {f} is listed twice"));
            }
        }
        Ok(())
    }

    /// A field's name for people: `postal_address` → `Postal address`.
    pub fn label(field: &str) -> String {
        let spaced = field.replace('_', " ");
        let mut chars = spaced.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => String::new(),
        }
    }
}

/// A profile as shown: the account's name, nation and email, the
/// organisation, and the personal fields that are set, in the configured
/// order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The account's email.
    pub email: String,
    /// Its display name.
    pub name: String,
    /// Its nation.
    pub nation: String,
    /// Its organisation (empty when not given).
    pub organisation: String,
    /// Personal fields (`field`, value), configured order.
    pub fields: Vec<(String, String)>,
}

/// What an owner (or an import) sets: the organisation and personal
/// fields; a field left out or empty is removed.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    /// The organisation.
    pub organisation: String,
    /// Personal fields by name.
    pub fields: Vec<(String, String)>,
}

/// A page of the directory.
#[derive(Debug, Clone)]
pub struct Page {
    /// The profiles, by email.
    pub items: Vec<Profile>,
    /// The next page's cursor.
    pub next: Option<String>,
}

fn key(state: &App) -> Result<&seal::ProfileKey, Error> {
    state
        .profile_key
        .as_ref()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("no data key for profiles")))
}

/// Opens a stored profile (fields in the configured order; a field no
/// longer configured is not shown).
fn open(state: &App, row: ProfileRow) -> Result<Profile, Error> {
    let key = key(state)?;
    let mut fields = Vec::new();
    for name in &state.config.directory.fields {
        if let Some((_, sealed)) = row.fields.iter().find(|(f, _)| f == name) {
            fields.push((name.clone(), key.open(row.account, name, sealed)?));
        }
    }
    Ok(Profile {
        email: row.email,
        name: row.name,
        nation: row.nation,
        organisation: row.organisation,
        fields,
    })
}

fn clean(what: &str, value: &str, limit: usize) -> Result<String, Error> {
    let value = value.trim();
    if value.chars().count() > limit {
        return Err(Error::Invalid(format!(
            "{what}: at most {limit} characters"
        )));
    }
    if value
        .chars()
        .any(|c| rampart_domain::is_control_or_format(c) && c != '\n')
    {
        return Err(Error::Invalid(format!(
            "{what}: control or format characters are not allowed"
        )));
    }
    Ok(value.to_owned())
}

/// Checks an input against the configuration: known fields only, lengths,
/// no control characters. Returns the organisation and the set fields.
pub fn validate(state: &App, input: &ProfileInput) -> Result<ProfileInput, Error> {
    let organisation = clean("organisation", &input.organisation, ORGANISATION_LIMIT)?;
    let mut fields = Vec::new();
    for (name, value) in &input.fields {
        if !state.config.directory.fields.contains(name) {
            return Err(Error::Invalid(format!(
                "{name}: not a profile field (they are: {})",
                state.config.directory.fields.join(", ")
            )));
        }
        if fields.iter().any(|(f, _): &(String, String)| f == name) {
            return Err(Error::Invalid(format!("{name}: given twice")));
        }
        let value = clean(name, value, FIELD_LIMIT)?;
        if !value.is_empty() {
            fields.push((name.clone(), value));
        }
    }
    Ok(ProfileInput {
        organisation,
        fields,
    })
}

/// The stored form of a validated input for `account`.
fn update_for(
    state: &App,
    account: rampart_domain::AccountId,
    name: &str,
    email: &str,
    nation: &str,
    input: &ProfileInput,
) -> Result<ProfileUpdate, Error> {
    let key = key(state)?;
    let mut fields = Vec::new();
    for (field, value) in &input.fields {
        fields.push((field.clone(), key.seal(account, field, value)?));
    }
    Ok(ProfileUpdate {
        organisation: input.organisation.clone(),
        search_key: crate::search::text::terms(&format!(
            "{name} {} {nation} {email}",
            input.organisation
        )),
        fields,
    })
}

/// The principal's own profile.
pub async fn own_profile(state: &App, user: &Authenticated) -> Result<Profile, Error> {
    let row = state
        .store
        .profile(user.principal.account)
        .await?
        .ok_or(Error::NotFound)?;
    open(state, row)
}

/// Replaces the principal's own profile; audited (which fields were set,
/// never their values).
pub async fn update_own_profile(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    input: &ProfileInput,
) -> Result<Profile, Error> {
    if authorize(&user.principal, Action::EditOwnProfile) != Decision::Allow {
        return Err(Error::Forbidden(
            "this credential may not change the profile",
        ));
    }
    let input = validate(state, input)?;
    let account = user.principal.account;
    let current = state.store.profile(account).await?.ok_or(Error::NotFound)?;
    let update = update_for(
        state,
        account,
        &current.name,
        &current.email,
        &current.nation,
        &input,
    )?;
    state
        .store
        .set_profiles(&[(account, update)], state.clock.now())
        .await?;
    let mut event = state.event_for(user, client, AuditKind::AccountProfile, Outcome::Ok);
    event.detail = serde_json::json!({
        "organisation": input.organisation,
        "fields": input.fields.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(),
    });
    state.record(event).await?;
    own_profile(state, user).await
}

/// One page of the directory as `user` may see it, matching `q` (name,
/// organisation, nation or email; case and accents ignored), after
/// `cursor`. Guard-checked as `count` profile views, then audited with the
/// accounts shown.
pub async fn directory_page(
    state: &App,
    user: &Authenticated,
    client: &Origin,
    q: Option<&str>,
    cursor: Option<&str>,
) -> Result<Page, Error> {
    if q.is_some_and(|q| q.chars().count() > 100) {
        return Err(Error::Invalid("q: at most 100 characters".into()));
    }
    let text = q.map(crate::search::text::terms).filter(|t| !t.is_empty());
    // The cursor is the last email shown: entries after it, by email. Any
    // text is a position, so nothing about it needs checking but its size.
    let after = match cursor {
        None | Some("") => None,
        Some(c) if c.len() > 254 => return Err(Error::BadRequest("malformed cursor".into())),
        Some(c) => Some(c.to_owned()),
    };
    let everyone = authorize(&user.principal, Action::ViewAllProfiles) == Decision::Allow;
    let within: Option<Vec<CommunityId>> = match &user.principal.scope {
        TokenScope::Communities(list) => Some(list.clone()),
        TokenScope::Full | TokenScope::ReadOnly => None,
    };
    let rows = state
        .store
        .directory(&DirectoryQuery {
            viewer: user.principal.account,
            everyone,
            within: within.as_deref(),
            text: text.as_deref(),
            after: after.as_deref(),
            limit: PAGE + 1,
        })
        .await?;
    let more = rows.len() > PAGE as usize;
    let rows: Vec<ProfileRow> = rows.into_iter().take(PAGE as usize).collect();
    // The principal's own entry is no view of anyone.
    let others = rows
        .iter()
        .filter(|r| r.account != user.principal.account)
        .count();
    if others > 0 {
        let weakest = user
            .principal
            .memberships
            .iter()
            .min_by_key(|(_, role)| *role)
            .map(|(c, _)| *c);
        let count = u32::try_from(others).unwrap_or(u32::MAX);
        crate::guard::check_profile_views(state, user, client, weakest, count).await?;
    }
    let next = if more {
        rows.last().map(|r| r.email.clone())
    } else {
        None
    };
    let items = rows
        .into_iter()
        .map(|row| open(state, row))
        .collect::<Result<Vec<_>, _>>()?;
    let mut event = state.event_for(user, client, AuditKind::DirectoryView, Outcome::Ok);
    event.detail = serde_json::json!({
        "q": q.map(|q| q.chars().take(100).collect::<String>()),
        "cursor": after,
        "shown": items.iter().map(|p| p.email.as_str()).collect::<Vec<_>>(),
    });
    state.record(event).await?;
    Ok(Page { items, next })
}
