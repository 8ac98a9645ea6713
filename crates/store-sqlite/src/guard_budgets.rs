//! Budget overrides of the exfiltration guard, set by administrators.
//!
//! The limits are stored as the JSON the web layer gives (the guard's
//! `LimitsOverride`, validated before it gets here); this module only keeps
//! them, one row per (community, role) and per account, and answers the one
//! lookup the request path needs.

use crate::Cols;
use crate::Sqlite;
use rampart_domain::{AccountId, CommunityId};
use rampart_store::rows;
use rampart_store::*;
use sqlx::Row;
use time::OffsetDateTime;

#[async_trait::async_trait]
impl BudgetOverrides for Sqlite {
    async fn budget_overrides_for(
        &self,
        account: AccountId,
        community: CommunityId,
        role: &str,
    ) -> Result<(Option<String>, Option<String>)> {
        let row = sqlx::query(
            "SELECT
               (SELECT limits FROM guard_community_budgets WHERE community_id = ? AND role = ?) AS community,
               (SELECT limits FROM guard_account_budgets WHERE account_id = ?) AS account",
        )
        .bind(community.0)
        .bind(role)
        .bind(account.0)
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("community")?, row.try_get("account")?))
    }

    async fn community_budget_overrides(&self) -> Result<Vec<BudgetOverrideRow>> {
        sqlx::query(
            "SELECT p.slug || '/' || c.slug AS target, b.role, b.limits, b.updated_at, b.updated_by
             FROM guard_community_budgets b
             JOIN communities c ON c.id = b.community_id
             JOIN portals p ON p.id = c.portal_id
             ORDER BY p.slug, c.slug, b.role",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| rows::budget_override(&Cols(r)))
        .collect()
    }

    async fn account_budget_overrides(&self) -> Result<Vec<BudgetOverrideRow>> {
        sqlx::query(
            "SELECT a.email AS target, NULL AS role, b.limits, b.updated_at, b.updated_by
             FROM guard_account_budgets b
             JOIN accounts a ON a.id = b.account_id
             ORDER BY a.email",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| rows::budget_override(&Cols(r)))
        .collect()
    }

    async fn set_community_budget(
        &self,
        community: CommunityId,
        role: &str,
        limits: &str,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO guard_community_budgets (community_id, role, limits, updated_at, updated_by)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (community_id, role) DO UPDATE SET
               limits = excluded.limits, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(community.0)
        .bind(role)
        .bind(limits)
        .bind(to_ms(now))
        .bind(by)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn remove_community_budget(&self, community: CommunityId, role: &str) -> Result<bool> {
        let done =
            sqlx::query("DELETE FROM guard_community_budgets WHERE community_id = ? AND role = ?")
                .bind(community.0)
                .bind(role)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn set_account_budget(
        &self,
        account: AccountId,
        limits: &str,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO guard_account_budgets (account_id, limits, updated_at, updated_by)
             VALUES (?, ?, ?, ?)
             ON CONFLICT (account_id) DO UPDATE SET
               limits = excluded.limits, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(account.0)
        .bind(limits)
        .bind(to_ms(now))
        .bind(by)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn remove_account_budget(&self, account: AccountId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM guard_account_budgets WHERE account_id = ?")
            .bind(account.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
