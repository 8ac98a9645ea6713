//! Alerts for security officers: one per account and episode.
//!
//! Every decision of the guard other than allow (and every credential
//! stuffing the sign-in throttle detects) raises an alert. A scrape is an
//! episode, not one event: the decisions that follow the first while its
//! alert is open (and was last updated within the episode window) update
//! that alert — its severity and decision only ever rise, and the reasons,
//! credentials, addresses, user agents and documents gathered are added to
//! it — so that an officer reads one alert that tells the whole story
//! instead of a hundred that each tell one request.

use crate::Cols;
use crate::Postgres;
use rampart_store::rows;
use rampart_store::*;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

const ALERT_COLUMNS: &str = "id, time, updated_at, account, ip, severity, decision, decisions, \
     reasons, credentials, ips, user_agents, documents, state, resolved_by, resolved_at";

fn corrupt(what: &str, e: serde_json::Error) -> Error {
    Error::Corrupt(format!("alert {what}: {e}"))
}

fn json_of<T: Serialize>(what: &str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| corrupt(what, e))
}

#[async_trait::async_trait]
impl Alerts for Postgres {
    async fn raise_alert(
        &self,
        update: &AlertUpdate,
        episode: Duration,
    ) -> Result<(AlertRow, AlertChange)> {
        let mut tx = self.pool.begin().await?;
        crate::lock(&mut tx, crate::Area::Alerts).await?;
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM guard_alerts
             WHERE account = $1 AND state = 'open' AND coalesce(updated_at, time) >= $2
             ORDER BY id DESC LIMIT 1 FOR UPDATE"
        );
        let open = sqlx::query(&sql)
            .bind(&update.account)
            .bind(to_ms(update.time - episode))
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(|r| rows::alert(&Cols(r)))
            .transpose()?;
        let (mut alert, change) = match open {
            Some(mut alert) => {
                let change = merge_update(&mut alert, update);
                (alert, change)
            }
            None => (open_episode(update), AlertChange::Raised),
        };
        let reasons = json_of("reasons", &alert.reasons)?;
        let credentials = json_of("credentials", &alert.credentials)?;
        let ips = json_of("ips", &alert.ips)?;
        let user_agents = json_of("user agents", &alert.user_agents)?;
        let documents = json_of("documents", &alert.documents)?;
        if change == AlertChange::Raised {
            alert.id = sqlx::query_scalar(
                "INSERT INTO guard_alerts (time, updated_at, account, ip, severity, decision,
                     decisions, reasons, credentials, ips, user_agents, documents, state)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'open') RETURNING id",
            )
            .bind(to_ms(alert.time))
            .bind(to_ms(alert.updated))
            .bind(&alert.account)
            .bind(&alert.ip)
            .bind(&alert.severity)
            .bind(&alert.decision)
            .bind(alert.decisions)
            .bind(reasons)
            .bind(credentials)
            .bind(ips)
            .bind(user_agents)
            .bind(documents)
            .fetch_one(&mut *tx)
            .await?;
        } else {
            sqlx::query(
                "UPDATE guard_alerts SET updated_at = $1, severity = $2, decision = $3,
                     decisions = $4, reasons = $5, credentials = $6, ips = $7, user_agents = $8,
                     documents = $9
                 WHERE id = $10",
            )
            .bind(to_ms(alert.updated))
            .bind(&alert.severity)
            .bind(&alert.decision)
            .bind(alert.decisions)
            .bind(reasons)
            .bind(credentials)
            .bind(ips)
            .bind(user_agents)
            .bind(documents)
            .bind(alert.id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok((alert, change))
    }

    async fn alerts(&self, all: bool, limit: u32) -> Result<Vec<AlertRow>> {
        let filter = if all { "" } else { "WHERE state = 'open'" };
        let sql =
            format!("SELECT {ALERT_COLUMNS} FROM guard_alerts {filter} ORDER BY id DESC LIMIT $1");
        sqlx::query(&sql)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| rows::alert(&Cols(r)))
            .collect()
    }

    async fn alert(&self, id: i64) -> Result<Option<AlertRow>> {
        let sql = format!("SELECT {ALERT_COLUMNS} FROM guard_alerts WHERE id = $1");
        sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(|r| rows::alert(&Cols(r)))
            .transpose()
    }

    async fn close_alert(&self, id: i64, by: &str, now: OffsetDateTime) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE guard_alerts SET state = 'closed', resolved_by = $1, resolved_at = $2
             WHERE id = $3 AND state = 'open'",
        )
        .bind(by)
        .bind(to_ms(now))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn close_alerts_of(&self, account: &str, by: &str, now: OffsetDateTime) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE guard_alerts SET state = 'closed', resolved_by = $1, resolved_at = $2
             WHERE account = $3 AND state = 'open'",
        )
        .bind(by)
        .bind(to_ms(now))
        .bind(account)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
