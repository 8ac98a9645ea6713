//! The member directory: each account's profile (an organisation in clear,
//! personal fields sealed by the application, one box per field) and the
//! need-to-know listing: an account sees the profiles of the accounts it
//! shares a community with, unless it sees everyone (administrators and
//! security officers). The store never sees a personal field in clear.

use crate::Result;
use rampart_domain::AccountId;
use time::OffsetDateTime;

/// What an account's profile holds besides its account row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileUpdate {
    /// The organisation (in clear: it is searched).
    pub organisation: String,
    /// The folded words the directory search matches (name, organisation,
    /// nation, email).
    pub search_key: String,
    /// Personal fields, each sealed (`field`, box); fields left out are
    /// removed.
    pub fields: Vec<(String, Vec<u8>)>,
}

/// One directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRow {
    /// The account.
    pub account: AccountId,
    /// Its email.
    pub email: String,
    /// Its display name.
    pub name: String,
    /// Its nation (ISO 3166 alpha-3).
    pub nation: String,
    /// Its organisation (empty when none was given).
    pub organisation: String,
    /// Its sealed personal fields (`field`, box).
    pub fields: Vec<(String, Vec<u8>)>,
}

/// A directory entry as a backend reads it: account id, email, name,
/// nation, organisation.
pub type EntryColumns = (i64, String, String, String, String);

/// Entries with their sealed fields (`account id`, field, box), in the
/// entries' order: what every backend's two reads make.
pub fn assemble_profiles(
    entries: Vec<EntryColumns>,
    fields: Vec<(i64, String, Vec<u8>)>,
) -> Vec<ProfileRow> {
    let mut by_account: std::collections::HashMap<i64, Vec<(String, Vec<u8>)>> =
        std::collections::HashMap::new();
    for (account, field, sealed) in fields {
        by_account.entry(account).or_default().push((field, sealed));
    }
    entries
        .into_iter()
        .map(|(id, email, name, nation, organisation)| ProfileRow {
            account: AccountId(id),
            email,
            name,
            nation,
            organisation,
            fields: by_account.remove(&id).unwrap_or_default(),
        })
        .collect()
}

/// A page of the directory as one account may see it.
#[derive(Debug, Clone)]
pub struct DirectoryQuery<'a> {
    /// Who is looking.
    pub viewer: AccountId,
    /// Whether the viewer sees every profile (else: only those of accounts
    /// sharing a community with it, and its own).
    pub everyone: bool,
    /// Only communities shared among these count (a credential limited to
    /// some communities); none: every shared community.
    pub within: Option<&'a [rampart_domain::CommunityId]>,
    /// Folded words that must appear in an entry's search key, in order.
    pub text: Option<&'a str>,
    /// The email the previous page ended with.
    pub after: Option<&'a str>,
    /// Entries to return.
    pub limit: u32,
}

/// Directory operations of a storage backend.
#[async_trait::async_trait]
pub trait Directory: Send + Sync {
    /// Replaces the profiles of `updates` in one transaction (an import is
    /// whole or nothing).
    async fn set_profiles(
        &self,
        updates: &[(AccountId, ProfileUpdate)],
        now: OffsetDateTime,
    ) -> Result<()>;

    /// One account's profile (an account without one has an empty
    /// organisation and no fields).
    async fn profile(&self, account: AccountId) -> Result<Option<ProfileRow>>;

    /// The entries the query's viewer may see, by email.
    async fn directory(&self, query: &DirectoryQuery<'_>) -> Result<Vec<ProfileRow>>;
}
