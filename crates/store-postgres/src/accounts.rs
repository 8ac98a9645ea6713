//! Accounts: who can sign in, with which nation and install-wide roles.

use crate::Cols;
use crate::Postgres;
use rampart_domain::{AccountId, AccountStatus, CommunityId, CommunityRole, Email};
use rampart_store::rows;
use rampart_store::*;
use sqlx::Row;
use time::OffsetDateTime;

const COLUMNS: &str = "id, email, name, nation, password_hash, must_change_password, status, is_admin, is_security, created_at";

#[async_trait::async_trait]
impl Accounts for Postgres {
    async fn create_account(&self, new: &NewAccount, now: OffsetDateTime) -> Result<AccountId> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO accounts (email, name, nation, password_hash, must_change_password, status, is_admin, is_security, created_at)
             VALUES ($1, $2, $3, $4, TRUE, 'active', $5, $6, $7) RETURNING id",
        )
        .bind(new.email.as_str())
        .bind(&new.name)
        .bind(new.nation.as_str())
        .bind(&new.password_hash)
        .bind(new.admin)
        .bind(new.security)
        .bind(to_ms(now))
        .fetch_one(&self.pool)
        .await
        .map_err(conflict_as("account"))?;
        Ok(AccountId(id))
    }

    async fn account_by_email(&self, email: &Email) -> Result<Option<AccountRow>> {
        let sql = format!("SELECT {COLUMNS} FROM accounts WHERE email = $1");
        sqlx::query(&sql)
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(|r| rows::account(&Cols(r)))
            .transpose()
    }

    async fn account_by_id(&self, id: AccountId) -> Result<Option<AccountRow>> {
        let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = $1");
        sqlx::query(&sql)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(|r| rows::account(&Cols(r)))
            .transpose()
    }

    async fn list_accounts(&self) -> Result<Vec<AccountRow>> {
        let sql = format!("SELECT {COLUMNS} FROM accounts ORDER BY email");
        sqlx::query(&sql)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| rows::account(&Cols(r)))
            .collect()
    }

    async fn count_accounts(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
            .fetch_one(&self.pool)
            .await?)
    }

    async fn require_password_change(&self, id: AccountId) -> Result<()> {
        let done = sqlx::query("UPDATE accounts SET must_change_password = TRUE WHERE id = $1")
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("account"));
        }
        Ok(())
    }

    async fn set_password(&self, id: AccountId, hash: &str, must_change: bool) -> Result<()> {
        let done = sqlx::query(
            "UPDATE accounts SET password_hash = $1, must_change_password = $2 WHERE id = $3",
        )
        .bind(hash)
        .bind(must_change)
        .bind(id.0)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("account"));
        }
        Ok(())
    }

    async fn set_account_status(
        &self,
        id: AccountId,
        status: AccountStatus,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE accounts SET status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("account"));
        }
        if status == AccountStatus::Suspended {
            sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
            )
            .bind(to_ms(now))
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn memberships_of(&self, id: AccountId) -> Result<Vec<(CommunityId, CommunityRole)>> {
        let rows = sqlx::query("SELECT community_id, role FROM memberships WHERE account_id = $1")
            .bind(id.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    CommunityId(r.try_get("community_id")?),
                    r.try_get::<String, _>("role")?.parse()?,
                ))
            })
            .collect()
    }
}
