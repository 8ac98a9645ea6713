//! Rampart's scale-out storage backend: PostgreSQL, shared by any number
//! of `rampart serve` nodes (and the CLI).
//!
//! The queries are those of the SQLite backend in PostgreSQL's dialect;
//! every value is bound, no SQL is built from input. Where SQLite
//! serialises a read-then-write with `BEGIN IMMEDIATE` (its one write lock,
//! shared by every process on the file), this backend takes a
//! transaction-scoped advisory lock on the area first ([`Area`]): writers of
//! one area wait for each other whichever node they run on, readers and
//! other areas do not wait, and the lock goes with the transaction (no lock
//! outlives a crashed node). Single statements that decide by their own
//! `WHERE` (a TOTP step, a one-use challenge taken by `DELETE … RETURNING`)
//! need no lock: PostgreSQL re-checks the `WHERE` of a row another
//! transaction changed meanwhile, so exactly one caller wins.

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

pub mod scratch;

pub(crate) use rampart_store::to_ms;
use rampart_store::{Backend, Result, Store};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::{str::FromStr, time::Duration};
use time::OffsetDateTime;

/// The first key of every advisory lock Rampart takes ("RAMP"), so that its
/// locks cannot collide with another application's on the same database.
const LOCK_SPACE: i32 = 0x5241_4d50;

/// What a transaction serialises on: the areas whose read-then-write
/// transactions were `BEGIN IMMEDIATE` on SQLite.
#[derive(Debug, Clone, Copy)]
#[repr(i32)]
pub(crate) enum Area {
    /// Schema migrations (several nodes may start at once).
    Migrations = 1,
    /// The audit log's head: appends are consecutive leaves.
    AuditLog = 2,
    /// Guard states (per account and per IP) and peer baselines.
    Guard = 3,
    /// Sign-in throttle counters and the failure log the stuffing detector
    /// counts.
    Throttle = 4,
    /// TOTP enrollment and recovery codes.
    Totp = 5,
    /// Alert episodes (one open episode per account).
    Alerts = 6,
    /// Known devices of an account.
    Devices = 7,
    /// Rewriting a version's match index rows.
    MatchIndex = 8,
}

/// Takes `area`'s advisory lock until the end of the transaction `conn`
/// is in.
pub(crate) async fn lock(conn: &mut sqlx::PgConnection, area: Area) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
        .bind(LOCK_SPACE)
        .bind(area as i32)
        .execute(conn)
        .await?;
    Ok(())
}

/// A row of this backend as the store's row readers see it.
pub(crate) struct Cols<'a>(pub(crate) &'a sqlx::postgres::PgRow);

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

/// Connects to the database at `url` (`postgres://user:password@host/db`,
/// with `?options=-csearch_path%3Dschema` to use a schema other than
/// `public`) and brings its schema up to date.
pub async fn connect(url: &str) -> Result<Store> {
    Ok(Store::new(Postgres::connect(url).await?))
}

/// The PostgreSQL backend.
#[derive(Debug)]
pub struct Postgres {
    pool: sqlx::PgPool,
}

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_search.sql")),
    (3, include_str!("../migrations/0003_directory.sql")),
    (4, include_str!("../migrations/0004_passages.sql")),
    (5, include_str!("../migrations/0005_semantic_claims.sql")),
];

impl Postgres {
    /// Connects and migrates.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // A node that lost its database answers 503 quickly instead of
            // holding requests; it reconnects by itself when it comes back.
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        let backend = Self { pool };
        backend.migrate().await?;
        Ok(backend)
    }

    async fn migrate(&self) -> Result<()> {
        // DDL is transactional in PostgreSQL: a migration applies whole or
        // not at all, and the lock makes nodes starting together wait for
        // the first one's migration instead of racing it.
        let mut tx = self.pool.begin().await?;
        lock(&mut tx, Area::Migrations).await?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .execute(&mut *tx)
        .await?;
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
            .fetch_all(&mut *tx)
            .await?;
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| !applied.contains(v)) {
            tracing::info!(version, "applying schema migration");
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
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
impl Backend for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }

    async fn check(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
