//! The exfiltration guard's memory and its alerts.
//!
//! The guard engine (`rampart-guard`) is pure; its states are serialised to
//! JSON by the web layer and kept here, one row per account, per
//! (community, role) peer group and per client IP. [`Store::guard_update`]
//! reads an account's (and an IP's) rows, lets the caller assess, and
//! writes back what changed inside an immediate transaction shared with the
//! other updates waiting at that moment (group commit): the write lock is
//! taken before the read, so concurrent requests (and several processes
//! sharing the database) never lose each other's updates, and the caller
//! goes on only once its update is durable. Peer baselines are not part of
//! it: they are read from a snapshot and merged every few seconds with
//! [`Store::merge_guard_peers`].

use crate::guard_writer::{write_batch, Job, Update};
use crate::{from_ms, to_ms, Error, Result, Store};
use rampart_domain::AccountId;
use sqlx::Row;
use time::OffsetDateTime;
use tokio::sync::oneshot;

/// The stored JSON of the states one assessment touches. `None` when there
/// is no row yet (or, for `ip`, when the caller did not ask). Whatever the
/// caller leaves `Some` and changed is written back. `peers` is never filled
/// by [`Store::guard_update`] (peer baselines are merged apart, see
/// [`Store::merge_guard_peers`]); it stays for callers that build states
/// themselves.
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
    /// Reads the guard states of `account` (and of the client `ip`, when
    /// given), hands them to `assess`, and writes back what it changed; the
    /// call returns once that write is durable. Concurrent calls are group
    /// committed in one immediate transaction (see `guard_writer`): the
    /// write lock is taken before the read, calls run in order, and a call
    /// sees the states earlier calls left. An error from `assess` discards
    /// that call's changes only.
    pub async fn guard_update<T: Send + 'static>(
        &self,
        account: AccountId,
        ip: Option<&str>,
        now: OffsetDateTime,
        assess: impl FnOnce(&mut GuardStates) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (answer, answered) = oneshot::channel();
        let update: Update = Box::new(move |states: &mut GuardStates| {
            let value = assess(states)?;
            let _ = answer.send(value);
            Ok(())
        });
        let (done, finished) = oneshot::channel();
        let job = Job {
            account: account.0,
            ip: ip.map(str::to_owned),
            now,
            update,
            done,
        };
        if let Some(job) = self.guard_writer.submit(&self.pool, job).await {
            write_batch(&self.pool, vec![job]).await;
        }
        finished
            .await
            .map_err(|_| Error::Guard("the guard state writer stopped".into()))??;
        answered
            .await
            .map_err(|_| Error::Guard("the guard update gave no answer".into()))
    }

    /// Reads the stored baseline of the peer group (`community`, `role`),
    /// hands it to `merge` and stores what it returns, in one immediate
    /// transaction. Deltas from every node are merged this way, every few
    /// seconds, outside the request path.
    pub async fn merge_guard_peers(
        &self,
        community: &str,
        role: &str,
        now: OffsetDateTime,
        merge: impl FnOnce(Option<String>) -> Result<String>,
    ) -> Result<String> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let stored: Option<String> =
            sqlx::query_scalar("SELECT state FROM guard_peers WHERE community = ? AND role = ?")
                .bind(community)
                .bind(role)
                .fetch_optional(&mut *tx)
                .await?;
        let state = merge(stored)?;
        sqlx::query(
            "INSERT INTO guard_peers (community, role, state, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (community, role) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        )
        .bind(community)
        .bind(role)
        .bind(&state)
        .bind(to_ms(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(state)
    }

    /// The stored baseline of the peer group (`community`, `role`), if any.
    pub async fn guard_peers(&self, community: &str, role: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT state FROM guard_peers WHERE community = ? AND role = ?")
                .bind(community)
                .bind(role)
                .fetch_optional(&self.pool)
                .await?,
        )
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
