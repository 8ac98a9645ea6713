//! The member directory on SQLite.

use crate::{to_ms, Sqlite};
use rampart_domain::AccountId;
use rampart_store::{
    assemble_profiles, Directory, DirectoryQuery, EntryColumns, ProfileRow, ProfileUpdate, Result,
};
use time::OffsetDateTime;

/// An entry without its fields: the account row and the organisation.
const ENTRY_SELECT: &str = "
SELECT a.id, a.email, a.name, a.nation, coalesce(p.organisation, '') AS organisation
FROM accounts a LEFT JOIN profiles p ON p.account_id = a.id";

impl Sqlite {
    /// Entries with their sealed fields.
    async fn with_fields(&self, entries: Vec<EntryColumns>) -> Result<Vec<ProfileRow>> {
        let accounts: Vec<i64> = entries.iter().map(|e| e.0).collect();
        let ids = serde_json::to_string(&accounts)
            .map_err(|e| rampart_store::Error::Corrupt(format!("account list: {e}")))?;
        let rows: Vec<(i64, String, Vec<u8>)> = sqlx::query_as(
            "SELECT account_id, field, sealed FROM profile_fields
             WHERE account_id IN (SELECT value FROM json_each(?)) ORDER BY account_id, field",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        Ok(assemble_profiles(entries, rows))
    }
}

#[async_trait::async_trait]
impl Directory for Sqlite {
    async fn set_profiles(
        &self,
        updates: &[(AccountId, ProfileUpdate)],
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (account, update) in updates {
            sqlx::query(
                "INSERT INTO profiles (account_id, organisation, search_key, updated_at)
                 VALUES (?, ?, ?, ?)
                 ON CONFLICT (account_id) DO UPDATE SET organisation = excluded.organisation,
                   search_key = excluded.search_key, updated_at = excluded.updated_at",
            )
            .bind(account.0)
            .bind(&update.organisation)
            .bind(&update.search_key)
            .bind(to_ms(now))
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM profile_fields WHERE account_id = ?")
                .bind(account.0)
                .execute(&mut *tx)
                .await?;
            for (field, sealed) in &update.fields {
                sqlx::query(
                    "INSERT INTO profile_fields (account_id, field, sealed) VALUES (?, ?, ?)",
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
        let sql = format!("{ENTRY_SELECT} WHERE a.id = ?");
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
             WHERE (? OR a.id = ? OR EXISTS (
                      SELECT 1 FROM memberships mine JOIN memberships theirs
                        ON theirs.community_id = mine.community_id
                      WHERE mine.account_id = ? AND theirs.account_id = a.id
                        AND (? IS NULL OR mine.community_id IN (SELECT value FROM json_each(?)))))
               AND (? IS NULL OR instr(coalesce(p.search_key, lower(a.name || ' ' || a.email || ' ' || a.nation)), ?) > 0)
               AND (? IS NULL OR a.email > ?)
             ORDER BY a.email LIMIT ?"
        );
        let within = q
            .within
            .map(|list| serde_json::to_string(&list.iter().map(|c| c.0).collect::<Vec<_>>()))
            .transpose()
            .map_err(|e| rampart_store::Error::Corrupt(format!("community list: {e}")))?;
        let entries: Vec<EntryColumns> = sqlx::query_as(&sql)
            .bind(q.everyone)
            .bind(q.viewer.0)
            .bind(q.viewer.0)
            .bind(within.as_deref())
            .bind(within.as_deref())
            .bind(q.text)
            .bind(q.text)
            .bind(q.after)
            .bind(q.after)
            .bind(i64::from(q.limit))
            .fetch_all(&self.pool)
            .await?;
        self.with_fields(entries).await
    }
}
