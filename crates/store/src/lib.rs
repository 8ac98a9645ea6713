//! Rampart's persistent state: the storage seam.
//!
//! Every operation on state is a method of one of the traits below
//! ([`Accounts`], [`Portals`], [`Documents`], …), grouped by what it
//! serves; a backend implements all of them ([`Backend`]). Two exist:
//! `rampart-store-sqlite` (the embedded default, one file in a data dir)
//! and `rampart-store-postgres` (several nodes on one database). Callers
//! hold a [`Store`], a cheap handle over the backend chosen once at start;
//! its methods are the traits' (through `Deref`), plus the few generic
//! conveniences that cannot live on a trait object ([`Store::guard_update`],
//! [`Store::with_hashes`], …).
//!
//! Authorization is not decided here: the application layer asks the policy
//! function, but lookups that serve a principal still take the principal's
//! scope (`…_for_member`) so a forgotten check fails closed. Backends bind
//! every value; no SQL is built from input.

mod accounts;
mod alerts;
mod audit;
pub mod auditlog;
mod directory;
mod documents;
mod downloads;
mod guard;
mod guard_budgets;
mod guard_writer;
mod identity;
mod matching;
mod oidc;
mod portals;
pub mod rows;
mod search;
mod semantic;
mod sessions;
mod totp_pending;
pub mod transfer;
mod webauthn;

pub use accounts::{AccountRow, Accounts, NewAccount};
pub use alerts::{
    merge_update, open_episode, AlertChange, AlertDocument, AlertRow, AlertUpdate, Alerts,
};
pub use audit::{event_time, AuditEvent, AuditEvents, AuditFilter, AuditSink, Outcome};
pub use auditlog::{
    canonical_entry, edge_from_row, AuditLogStorage, LoggedRow, StoredCheckpoint,
    VerificationRecord,
};
pub use directory::{
    assemble_profiles, Directory, DirectoryQuery, EntryColumns, ProfileRow, ProfileUpdate,
};
pub use documents::{
    Cursor, DocumentRow, Documents, LibrarySort, LibraryView, NewDocument, NewVersion, VersionRow,
};
pub use downloads::{download_prefix_pattern, Downloads, NewDownload, RegisteredDownload};
pub use guard::{GuardBatch, GuardRows, GuardState, GuardStates, GuardUpdate, PeerMerge};
pub use guard_budgets::{BudgetOverrideRow, BudgetOverrides};
pub use identity::{
    DeviceNotice, SessionListing, SignIn, StuffingCounts, ThrottleState, TotpFactor,
};
pub use matching::{
    Candidate, DownloadRecord, IndexEntry, IndexReader, IndexStats, IndexedHashes, ItemId,
    MatchDownloads, MatchIndex, MatchReader, MatchSource, PublicRef, StoredFingerprint,
    VersionToIndex, BOILERPLATE_ANCHOR_LIMIT,
};
pub use oidc::{OidcLogin, OidcLogins};
pub use portals::{CommunityRow, MemberRow, PortalRow, Portals};
pub use search::{
    fts5_query, tsquery, SearchHit, SearchIndex, SearchQuery, SearchTerm, SearchText, Token,
};
pub use semantic::{
    embedding_bytes, embedding_from_bytes, EmbeddedItems, SemanticCoverage, SemanticIndex,
    StoredPassage, VersionToEmbed,
};
pub use sessions::{NewSession, NewToken, SessionRow, SessionStage, Sessions, TokenRow};
pub use totp_pending::PendingTotp;
pub use webauthn::{CounterCheck, NewWebauthnCredential, Passkeys, WebauthnCredential};

use std::{ops::Deref, sync::Arc};
use time::OffsetDateTime;

/// What can go wrong reading or writing state.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A unique value (slug, email, …) is already taken.
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// A referenced row does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A stored value no longer parses: the database was edited by hand or
    /// is corrupt.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// An audit event is too large for the log.
    #[error("audit entry of {0} bytes exceeds the 65535-byte limit")]
    EntryTooLarge(usize),
    /// The transparency log refused an operation.
    #[error("audit log: {0}")]
    Log(String),
    /// The guard's state writer failed or stopped.
    #[error("guard state: {0}")]
    Guard(String),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[source] sqlx::Error),
    /// The database could not be reached, as told to every caller of a
    /// batch (a group commit) that failed for it.
    #[error("database unreachable: {0}")]
    Unreachable(String),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Database(e)
    }
}

impl From<rampart_domain::Error> for Error {
    fn from(e: rampart_domain::Error) -> Self {
        Error::Corrupt(e.to_string())
    }
}

impl Error {
    /// Whether the database could not be reached (no connection, a
    /// connection lost, the pool closed): the request may succeed later,
    /// unlike a query the database refused.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Error::Unreachable(_))
            || matches!(
                self,
                Error::Database(
                    sqlx::Error::PoolTimedOut
                        | sqlx::Error::PoolClosed
                        | sqlx::Error::Io(_)
                        | sqlx::Error::Tls(_)
                        // What a connection cut during its handshake reads
                        // as (an empty answer to PostgreSQL's SSLRequest).
                        | sqlx::Error::Protocol(_)
                        | sqlx::Error::WorkerCrashed
                )
            )
    }

    /// The same failure, for one of the callers of a failed batch (a
    /// group commit): still "unreachable" when it was, else `otherwise`
    /// with its message.
    pub fn for_batch(&self, otherwise: fn(String) -> Error) -> Error {
        if self.is_unavailable() {
            Error::Unreachable(self.to_string())
        } else {
            otherwise(self.to_string())
        }
    }
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Maps a unique-constraint violation to [`Error::Conflict`] (for
/// backends).
pub fn conflict_as(what: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => Error::Conflict(what),
        _ => Error::Database(e),
    }
}

/// Every operation on state: what a storage backend implements.
#[async_trait::async_trait]
pub trait Backend:
    Accounts
    + Alerts
    + AuditEvents
    + AuditLogStorage
    + BudgetOverrides
    + Directory
    + Documents
    + Downloads
    + GuardState
    + MatchDownloads
    + MatchIndex
    + OidcLogins
    + Passkeys
    + PendingTotp
    + Portals
    + SearchIndex
    + SemanticIndex
    + Sessions
    + SignIn
    + transfer::Transfer
    + Send
    + Sync
    + 'static
{
    /// The backend's name, for logs and `/readyz` (`sqlite`, `postgres`).
    fn name(&self) -> &'static str;

    /// Whether the database answers.
    async fn check(&self) -> Result<()>;

    /// Closes the pool, waiting for in-flight queries.
    async fn close(&self);
}

/// The handle to the state; cheap to clone. Its methods are those of the
/// [`Backend`] it wraps.
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn Backend>,
    /// Group commit of the guard's per-account state (see `guard_writer`).
    guard_writer: Arc<guard_writer::GuardWriter>,
}

impl Store {
    /// Wraps a backend.
    pub fn new(backend: impl Backend) -> Self {
        Self {
            backend: Arc::new(backend),
            guard_writer: Arc::default(),
        }
    }
}

impl Deref for Store {
    type Target = dyn Backend;

    fn deref(&self) -> &Self::Target {
        &*self.backend
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Store").field(&self.backend.name()).finish()
    }
}

/// A time as stored: Unix milliseconds (for backends).
pub fn to_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// A stored time back (for backends).
pub fn from_ms(ms: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|e| Error::Corrupt(format!("timestamp {ms}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn lost_connections_are_unavailable_and_refusals_are_not() {
        let lost = [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset)),
            sqlx::Error::Protocol("unexpected response from SSLRequest: 0x00".into()),
        ];
        for e in lost {
            let e = Error::Database(e);
            assert!(e.is_unavailable(), "{e}");
            assert!(e.for_batch(Error::Log).is_unavailable(), "{e}");
        }
        let refused = Error::Database(sqlx::Error::RowNotFound);
        assert!(!refused.is_unavailable());
        assert!(matches!(refused.for_batch(Error::Log), Error::Log(_)));
    }
}
