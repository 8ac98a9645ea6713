//! The exfiltration guard's memory and its alerts.
//!
//! The guard engine (`rampart-guard`) is pure; its states are serialised to
//! JSON by the web layer and kept here, one row per account, per
//! (community, role) peer group and per client IP. [`Store::guard_update`]
//! reads them, lets the caller assess, and writes them back inside one
//! `BEGIN IMMEDIATE` transaction: the write lock is taken before the read,
//! so concurrent requests (and several processes sharing the database)
//! serialise instead of losing each other's updates.

use crate::{from_ms, to_ms, Result, Store};
use rampart_domain::AccountId;
use sqlx::Row;
use time::OffsetDateTime;

/// The stored JSON of the states one assessment touches. `None` when there
/// is no row yet (or, for `peers` and `ip`, when the caller did not ask).
/// Whatever the caller leaves `Some` is written back.
#[derive(Debug, Clone, Default)]
pub struct GuardStates {
    /// The account's `PrincipalState`.
    pub principal: Option<String>,
    /// The `PeerBaseline` of the request's (community, role).
    pub peers: Option<String>,
    /// The `IpState` of the request's client address.
    pub ip: Option<String>,
}

/// An alert to raise.
#[derive(Debug, Clone)]
pub struct NewAlert {
    /// When.
    pub time: OffsetDateTime,
    /// The account's email.
    pub account: String,
    /// Client address of the request that raised it.
    pub ip: Option<String>,
    /// `critical`, `high` or `warning`.
    pub severity: String,
    /// The guard's decision (`suspend`, `throttle`, …).
    pub decision: String,
    /// The reasons in words.
    pub reasons: Vec<String>,
}

/// An alert as stored.
#[derive(Debug, Clone)]
pub struct AlertRow {
    /// Key.
    pub id: i64,
    /// When it was raised.
    pub time: OffsetDateTime,
    /// The account's email.
    pub account: String,
    /// Client address of the request that raised it.
    pub ip: Option<String>,
    /// `critical`, `high` or `warning`.
    pub severity: String,
    /// The guard's decision.
    pub decision: String,
    /// The reasons in words.
    pub reasons: Vec<String>,
    /// `open` or `closed`.
    pub state: String,
    /// Who closed it.
    pub resolved_by: Option<String>,
    /// When it was closed.
    pub resolved_at: Option<OffsetDateTime>,
}

const ALERT_COLUMNS: &str =
    "id, time, account, ip, severity, decision, reasons, state, resolved_by, resolved_at";

fn alert_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<AlertRow> {
    let reasons: String = row.try_get("reasons")?;
    Ok(AlertRow {
        id: row.try_get("id")?,
        time: from_ms(row.try_get("time")?)?,
        account: row.try_get("account")?,
        ip: row.try_get("ip")?,
        severity: row.try_get("severity")?,
        decision: row.try_get("decision")?,
        reasons: serde_json::from_str(&reasons)
            .map_err(|e| crate::Error::Corrupt(format!("alert reasons: {e}")))?,
        state: row.try_get("state")?,
        resolved_by: row.try_get("resolved_by")?,
        resolved_at: row
            .try_get::<Option<i64>, _>("resolved_at")?
            .map(from_ms)
            .transpose()?,
    })
}

impl Store {
    /// Reads the guard states of `account` (and of the peer group `peers` =
    /// (community, role) and the client `ip`, when given), hands them to
    /// `assess`, and writes back what it leaves, all in one immediate
    /// transaction. An error from `assess` rolls everything back.
    pub async fn guard_update<T>(
        &self,
        account: AccountId,
        peers: Option<(&str, &str)>,
        ip: Option<&str>,
        now: OffsetDateTime,
        assess: impl FnOnce(&mut GuardStates) -> Result<T>,
    ) -> Result<T> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut states = GuardStates {
            principal: sqlx::query_scalar(
                "SELECT state FROM guard_principals WHERE account_id = ?",
            )
            .bind(account.0)
            .fetch_optional(&mut *tx)
            .await?,
            ..GuardStates::default()
        };
        if let Some((community, role)) = peers {
            states.peers = sqlx::query_scalar(
                "SELECT state FROM guard_peers WHERE community = ? AND role = ?",
            )
            .bind(community)
            .bind(role)
            .fetch_optional(&mut *tx)
            .await?;
        }
        if let Some(ip) = ip {
            states.ip = sqlx::query_scalar("SELECT state FROM guard_ips WHERE ip = ?")
                .bind(ip)
                .fetch_optional(&mut *tx)
                .await?;
        }
        let out = assess(&mut states)?;
        let at = to_ms(now);
        if let Some(state) = &states.principal {
            sqlx::query(
                "INSERT INTO guard_principals (account_id, state, updated_at) VALUES (?, ?, ?)
                 ON CONFLICT (account_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            )
            .bind(account.0)
            .bind(state)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        if let (Some((community, role)), Some(state)) = (peers, &states.peers) {
            sqlx::query(
                "INSERT INTO guard_peers (community, role, state, updated_at) VALUES (?, ?, ?, ?)
                 ON CONFLICT (community, role) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            )
            .bind(community)
            .bind(role)
            .bind(state)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        if let (Some(ip), Some(state)) = (ip, &states.ip) {
            sqlx::query(
                "INSERT INTO guard_ips (ip, state, updated_at) VALUES (?, ?, ?)
                 ON CONFLICT (ip) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            )
            .bind(ip)
            .bind(state)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Raises an alert; returns its id.
    pub async fn insert_alert(&self, alert: &NewAlert) -> Result<i64> {
        let reasons = serde_json::to_string(&alert.reasons)
            .map_err(|e| crate::Error::Corrupt(format!("alert reasons: {e}")))?;
        let id = sqlx::query(
            "INSERT INTO guard_alerts (time, account, ip, severity, decision, reasons, state)
             VALUES (?, ?, ?, ?, ?, ?, 'open')",
        )
        .bind(to_ms(alert.time))
        .bind(&alert.account)
        .bind(&alert.ip)
        .bind(&alert.severity)
        .bind(&alert.decision)
        .bind(reasons)
        .execute(&self.pool)
        .await?
        .last_insert_rowid();
        Ok(id)
    }

    /// Alerts, newest first: only open ones unless `all`, at most `limit`.
    pub async fn alerts(&self, all: bool, limit: u32) -> Result<Vec<AlertRow>> {
        let filter = if all { "" } else { "WHERE state = 'open'" };
        let sql =
            format!("SELECT {ALERT_COLUMNS} FROM guard_alerts {filter} ORDER BY id DESC LIMIT ?");
        sqlx::query(&sql)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(alert_from_row)
            .collect()
    }

    /// One alert by id.
    pub async fn alert(&self, id: i64) -> Result<Option<AlertRow>> {
        let sql = format!("SELECT {ALERT_COLUMNS} FROM guard_alerts WHERE id = ?");
        sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(alert_from_row)
            .transpose()
    }

    /// Closes one open alert; returns whether it was open.
    pub async fn close_alert(&self, id: i64, by: &str, now: OffsetDateTime) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE guard_alerts SET state = 'closed', resolved_by = ?, resolved_at = ?
             WHERE id = ? AND state = 'open'",
        )
        .bind(by)
        .bind(to_ms(now))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Closes every open alert of an account; returns how many.
    pub async fn close_alerts_of(
        &self,
        account: &str,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE guard_alerts SET state = 'closed', resolved_by = ?, resolved_at = ?
             WHERE account = ? AND state = 'open'",
        )
        .bind(by)
        .bind(to_ms(now))
        .bind(account)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
