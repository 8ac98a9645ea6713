//! Rampart's embedded storage backend: one SQLite file in WAL mode with
//! `synchronous=FULL`, so that a committed row (an audit event, a download
//! record) survives power loss before the response that depends on it is
//! sent. Every query binds its parameters; no SQL is built from input.
//! Transactions that read before they write begin `IMMEDIATE`: SQLite's
//! write lock, taken first, serialises them across the processes sharing
//! the file (`serve` and a CLI command).

mod accounts;
mod alerts;
mod audit;
mod auditlog;
mod directory;
mod documents;
mod downloads;
mod guard;
mod guard_budgets;
mod identity;
mod library;
mod matching;
mod oidc;
mod portals;
mod search;
mod semantic;
mod sessions;
mod totp_pending;
mod transfer;
mod webauthn;

pub(crate) use rampart_store::to_ms;
use rampart_store::{Backend, Error, Result, Store};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::{path::Path, str::FromStr, time::Duration};
use time::OffsetDateTime;

/// A row of this backend as the store's row readers see it.
pub(crate) struct Cols<'a>(pub(crate) &'a sqlx::sqlite::SqliteRow);

impl rampart_store::rows::Columns for Cols<'_> {
    fn int(&self, name: &str) -> Result<Option<i64>> {
        Ok(sqlx::Row::try_get(self.0, name)?)
    }

    fn text(&self, name: &str) -> Result<Option<String>> {
        Ok(sqlx::Row::try_get(self.0, name)?)
    }

    fn flag(&self, name: &str) -> Result<Option<bool>> {
        Ok(sqlx::Row::try_get(self.0, name)?)
    }

    fn bytes(&self, name: &str) -> Result<Option<Vec<u8>>> {
        Ok(sqlx::Row::try_get(self.0, name)?)
    }
}

/// Opens (creating if missing) the database file and brings its schema up
/// to date.
pub async fn open(path: &Path) -> Result<Store> {
    Ok(Store::new(Sqlite::open(path).await?))
}

/// Opens a database given as a `sqlite:` URL (`sqlite://PATH`,
/// `sqlite:PATH`).
pub async fn connect(url: &str) -> Result<Store> {
    let options = SqliteConnectOptions::from_str(url)?;
    open(options.get_filename()).await
}

/// The SQLite backend.
#[derive(Debug)]
pub struct Sqlite {
    pool: sqlx::SqlitePool,
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
    (13, include_str!("../migrations/0013_search.sql")),
    (14, include_str!("../migrations/0014_directory.sql")),
    (15, include_str!("../migrations/0015_passages.sql")),
    (16, include_str!("../migrations/0016_semantic_claims.sql")),
];

impl Sqlite {
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
        let backend = Self { pool };
        backend.migrate().await?;
        Ok(backend)
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
}

#[async_trait::async_trait]
impl Backend for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    async fn check(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
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

#[cfg(test)]
mod tests;
