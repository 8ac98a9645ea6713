//! The member directory on PostgreSQL.

use crate::{to_ms, Postgres};
use rampart_domain::AccountId;
use rampart_store::{
    assemble_profiles, Directory, DirectoryQuery, EntryColumns, ProfileRow, ProfileUpdate, Result,
};
use time::OffsetDateTime;

/// An entry without its fields: the account row and the organisation.
const ENTRY_SELECT: &str = "
SELECT a.id, a.email, a.name, a.nation, coalesce(p.organisation, '') AS organisation
FROM accounts a LEFT JOIN profiles p ON p.account_id = a.id";

impl Postgres {
    /// Entries with their sealed fields.
    async fn with_fields(&self, entries: Vec<EntryColumns>) -> Result<Vec<ProfileRow>> {
        let accounts: Vec<i64> = entries.iter().map(|e| e.0).collect();
        let rows: Vec<(i64, String, Vec<u8>)> = sqlx::query_as(
            "SELECT account_id, field, sealed FROM profile_fields
             WHERE account_id = ANY($1) ORDER BY account_id, field",
        )
        .bind(&accounts)
        .fetch_all(&self.pool)
        .await?;
        Ok(assemble_profiles(entries, rows))
    }
}

#[async_trait::async_trait]
impl Directory for Postgres {
    async fn set_profiles(
        &self,
        updates: &[(AccountId, ProfileUpdate)],
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (account, update) in updates {
            sqlx::query(
                "INSERT INTO profiles (account_id, organisation, search_key, updated_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (account_id) DO UPDATE SET organisation = excluded.organisation,
                   search_key = excluded.search_key, updated_at = excluded.updated_at",
            )
            .bind(account.0)
            .bind(&update.organisation)
            .bind(&update.search_key)
            .bind(to_ms(now))
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM profile_fields WHERE account_id = $1")
                .bind(account.0)
                .execute(&mut *tx)
                .await?;
            for (field, sealed) in &update.fields {
                sqlx::query(
                    "INSERT INTO profile_fields (account_id, field, sealed) VALUES ($1, $2, $3)",
                )
                .bind(account.0)
                .bind(field)
                .bind(sealed)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn profile(&self, account: AccountId) -> Result<Option<ProfileRow>> {
        let sql = format!("{ENTRY_SELECT} WHERE a.id = $1");
        let entry: Option<EntryColumns> = sqlx::query_as(&sql)
            .bind(account.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(self.with_fields(entry.into_iter().collect()).await?.pop())
    }

    async fn directory(&self, q: &DirectoryQuery<'_>) -> Result<Vec<ProfileRow>> {
        // Need-to-know: the viewer itself, or an account sharing one of
        // its communities, unless the viewer sees everyone.
        let sql = format!(
            "{ENTRY_SELECT}
             WHERE ($1 OR a.id = $2 OR EXISTS (
                      SELECT 1 FROM memberships mine JOIN memberships theirs
                        ON theirs.community_id = mine.community_id
                      WHERE mine.account_id = $2 AND theirs.account_id = a.id
                        AND ($6::BIGINT[] IS NULL OR mine.community_id = ANY($6))))
               AND ($3::TEXT IS NULL OR strpos(coalesce(p.search_key, lower(a.name || ' ' || a.email || ' ' || a.nation)), $3) > 0)
               AND ($4::TEXT IS NULL OR a.email > $4)
             ORDER BY a.email LIMIT $5"
        );
        let entries: Vec<EntryColumns> = sqlx::query_as(&sql)
            .bind(q.everyone)
            .bind(q.viewer.0)
            .bind(q.text)
            .bind(q.after)
            .bind(i64::from(q.limit))
            .bind(
                q.within
                    .map(|list| list.iter().map(|c| c.0).collect::<Vec<i64>>()),
            )
            .fetch_all(&self.pool)
            .await?;
        self.with_fields(entries).await
    }
}
