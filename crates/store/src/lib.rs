//! Rampart's persistent state behind one [`Store`] handle.
//!
//! The embedded default is one SQLite file in WAL mode with
//! `synchronous=FULL`, so that a committed row (an audit event, a download
//! record) survives power loss before the response that depends on it is
//! sent. Every query binds its parameters; no SQL is built from input.
//! Authorization is not decided here: the web layer asks the policy function,
//! but lookups that serve a principal still take the principal's scope
//! (`…_for_member`) so a forgotten check fails closed.

mod accounts;
mod alerts;
mod audit;
pub mod auditlog;
mod documents;
mod downloads;
mod guard;
mod guard_budgets;
mod guard_writer;
mod identity;
mod matching;
mod oidc;
mod portals;
mod sessions;
mod totp_pending;
mod webauthn;

pub use accounts::{AccountRow, NewAccount};
pub use alerts::{AlertChange, AlertDocument, AlertRow, AlertUpdate};
pub use audit::{event_time, AuditEvent, AuditFilter, AuditSink, Outcome};
pub use documents::{Cursor, DocumentRow, NewDocument, NewVersion, VersionRow};
pub use downloads::{NewDownload, RegisteredDownload};
pub use guard::GuardStates;
pub use guard_budgets::BudgetOverrideRow;
pub use identity::{DeviceNotice, SessionListing, StuffingCounts, ThrottleState, TotpFactor};
pub use matching::{
    Candidate, DownloadRecord, IndexEntry, IndexReader, IndexStats, IndexedHashes, ItemId,
    MatchSource, PublicRef, StoredFingerprint, VersionToIndex, BOILERPLATE_ANCHOR_LIMIT,
};
pub use oidc::OidcLogin;
pub use portals::{CommunityRow, MemberRow, PortalRow};
pub use sessions::{NewSession, NewToken, SessionRow, SessionStage, TokenRow};
pub use webauthn::{CounterCheck, NewWebauthnCredential, WebauthnCredential};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::{path::Path, str::FromStr, time::Duration};
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

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Maps a unique-constraint violation to [`Error::Conflict`].
fn conflict_as(what: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => Error::Conflict(what),
        _ => Error::Database(e),
    }
}

/// The handle to the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: sqlx::SqlitePool,
    /// Group commit of the guard's per-account state (see `guard_writer`).
    guard_writer: std::sync::Arc<guard_writer::GuardWriter>,
}

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_match_index.sql")),
    (3, include_str!("../migrations/0003_guard.sql")),
    (4, include_str!("../migrations/0004_identity.sql")),
    (5, include_str!("../migrations/0005_guard_budgets.sql")),
    (6, include_str!("../migrations/0006_webauthn.sql")),
    (7, include_str!("../migrations/0007_oidc.sql")),
    (8, include_str!("../migrations/0008_match_covering.sql")),
    (9, include_str!("../migrations/0009_match_encoding.sql")),
    (10, include_str!("../migrations/0010_match_items.sql")),
    (
        11,
        include_str!("../migrations/0011_guard_alert_episodes.sql"),
    ),
    (12, include_str!("../migrations/0012_totp_pending.sql")),
];

impl Store {
    /// Opens (creating if missing) the database file and brings its schema
    /// up to date.
    ///
    /// A new database file is created 0600 before SQLite opens it: SQLite
    /// creates the `-wal` and `-shm` files with the mode of the database
    /// file, so the whole database stays private to the service account
    /// whatever the process umask.
    pub async fn open(path: &Path) -> Result<Self> {
        create_private_file(path).map_err(|e| {
            Error::Database(sqlx::Error::Io(std::io::Error::new(
                e.kind(),
                format!("creating {}: {e}", path.display()),
            )))
        })?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // SQLite's default page cache (2 MB per connection): triage
            // reads the match index at random, but 32 and 256 MB caches
            // made it no faster at 10^5 versions (the OS caches the file)
            // and added 150 and 370 MB of peak RSS.
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        let store = Self {
            pool,
            guard_writer: std::sync::Arc::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Opens a database given as a URL-ish string (`sqlite:PATH`); the
    /// PostgreSQL backend will plug in here.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?;
        Self::open(options.get_filename()).await
    }

    async fn migrate(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
            .execute(&mut *tx)
            .await?;
        // Every migration not yet applied, not only those above the highest
        // applied: migrations are numbered by parallel branches (0004, 0005,
        // 0006 …), and one merged later than a higher number must still run.
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
            .fetch_all(&mut *tx)
            .await?;
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| !applied.contains(v)) {
            if !applied.is_empty() {
                // Some rebuild tables (0010 rewrites the match index: about
                // a minute per 10^5 indexed versions); say why we wait.
                tracing::info!(version, "applying schema migration");
            }
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)")
                .bind(version)
                .bind(to_ms(OffsetDateTime::now_utc()))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether the database answers.
    pub async fn check(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool, waiting for in-flight queries.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Creates an empty file with mode 0600 unless something exists at `path`
/// (SQLite takes an empty file for an empty database).
fn create_private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if path.as_os_str().is_empty() || path == Path::new(":memory:") {
        return Ok(());
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

pub(crate) fn to_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

pub(crate) fn from_ms(ms: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|e| Error::Corrupt(format!("timestamp {ms}: {e}")))
}

#[cfg(test)]
mod tests;
