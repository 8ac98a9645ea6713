//! Documents, their markings and their immutable versions.

use crate::Cols;
use crate::Postgres;
use rampart_domain::{AccountId, CommunityId, DocumentId, Nation};
use rampart_store::rows;
use rampart_store::*;
use time::{Date, OffsetDateTime};

pub(crate) const DOCUMENT_SELECT: &str = "
SELECT d.id, d.community_id, p.slug AS portal_slug, c.slug AS community_slug, d.title, d.label,
       d.public_since, d.public_source, d.canary, d.created_at,
       (SELECT string_agg(nation, ',') FROM document_nations WHERE document_id = d.id) AS nations,
       (SELECT string_agg(c2.id::TEXT || ':' || p2.slug || '/' || c2.slug, ',')
          FROM document_communities dc JOIN communities c2 ON c2.id = dc.community_id
          JOIN portals p2 ON p2.id = c2.portal_id WHERE dc.document_id = d.id) AS rel_communities,
       v.number, v.blob, v.size, v.media_type, v.filename, v.uploaded_at, u.email AS uploaded_by
FROM documents d
JOIN communities c ON c.id = d.community_id
JOIN portals p ON p.id = c.portal_id
JOIN versions v ON v.document_id = d.id AND v.number = d.current_version
JOIN accounts u ON u.id = v.uploaded_by";

/// Releasability as a SQL filter, bound to (nation, account) as its
/// parameters `$nation` and `$account`: mirrors `Principal::releasable` so
/// that pages fill up; the policy function still checks every row.
pub(crate) fn releasable_to(nation: u8, account: u8) -> String {
    format!(
        "((NOT EXISTS (SELECT 1 FROM document_nations n WHERE n.document_id = d.id)
           AND NOT EXISTS (SELECT 1 FROM document_communities x WHERE x.document_id = d.id))
          OR EXISTS (SELECT 1 FROM document_nations n WHERE n.document_id = d.id AND n.nation = ${nation})
          OR EXISTS (SELECT 1 FROM document_communities x JOIN memberships m ON m.community_id = x.community_id
                     WHERE x.document_id = d.id AND m.account_id = ${account}))"
    )
}

fn date_text(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

async fn insert_version(
    tx: &mut sqlx::PgConnection,
    document: &str,
    number: i64,
    v: &NewVersion,
    now: OffsetDateTime,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO versions (document_id, number, blob, size, media_type, filename, uploaded_by, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(document)
    .bind(number)
    .bind(&v.blob)
    .bind(v.size)
    .bind(&v.media_type)
    .bind(&v.filename)
    .bind(v.uploaded_by.0)
    .bind(to_ms(now))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl Documents for Postgres {
    async fn create_document(&self, new: &NewDocument, now: OffsetDateTime) -> Result<()> {
        let id = new.id.to_string();
        let m = &new.marking;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO documents (id, community_id, title, label, public_since, public_source, canary, created_by, created_at, current_version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)",
        )
        .bind(&id)
        .bind(new.community.0)
        .bind(&new.title)
        .bind(&m.label)
        .bind(m.public_since.map(date_text))
        .bind(&m.public_source)
        .bind(m.canary)
        .bind(new.version.uploaded_by.0)
        .bind(to_ms(now))
        .execute(&mut *tx)
        .await
        .map_err(conflict_as("document"))?;
        for nation in &m.releasable_nations {
            sqlx::query("INSERT INTO document_nations (document_id, nation) VALUES ($1, $2)")
                .bind(&id)
                .bind(nation.as_str())
                .execute(&mut *tx)
                .await?;
        }
        for c in &m.releasable_communities {
            sqlx::query(
                "INSERT INTO document_communities (document_id, community_id) VALUES ($1, $2)",
            )
            .bind(&id)
            .bind(c.id.0)
            .execute(&mut *tx)
            .await?;
        }
        insert_version(&mut tx, &id, 1, &new.version, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_version(
        &self,
        document: DocumentId,
        v: &NewVersion,
        now: OffsetDateTime,
    ) -> Result<i64> {
        let id = document.to_string();
        let mut tx = self.pool.begin().await?;
        // BEGIN IMMEDIATE semantics: the UPDATE takes the write lock before
        // we read the number, so concurrent uploads cannot pick the same one.
        let done =
            sqlx::query("UPDATE documents SET current_version = current_version + 1 WHERE id = $1")
                .bind(&id)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("document"));
        }
        let number: i64 = sqlx::query_scalar("SELECT current_version FROM documents WHERE id = $1")
            .bind(&id)
            .fetch_one(&mut *tx)
            .await?;
        insert_version(&mut tx, &id, number, v, now).await?;
        tx.commit().await?;
        Ok(number)
    }

    async fn document(&self, id: DocumentId) -> Result<Option<DocumentRow>> {
        let sql = format!("{DOCUMENT_SELECT} WHERE d.id = $1");
        sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(|r| rows::document(&Cols(r)))
            .transpose()
    }

    async fn versions(&self, id: DocumentId) -> Result<Vec<VersionRow>> {
        sqlx::query(
            "SELECT v.number, v.blob, v.size, v.media_type, v.filename, v.uploaded_at, u.email AS uploaded_by
             FROM versions v JOIN accounts u ON u.id = v.uploaded_by WHERE v.document_id = $1 ORDER BY v.number",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| rows::version(&Cols(r)))
        .collect()
    }

    async fn list_documents_for_member(
        &self,
        community: CommunityId,
        account: AccountId,
        nation: &Nation,
        after: Option<&Cursor>,
        limit: u32,
    ) -> Result<(Vec<DocumentRow>, Option<Cursor>)> {
        let (after_ms, after_id) = after
            .map(|c| (c.created_at_ms, c.id.clone()))
            .unwrap_or((i64::MAX, String::new()));
        let sql = format!(
            "{DOCUMENT_SELECT}
             WHERE d.community_id = $1
               AND (d.created_at < $2 OR (d.created_at = $3 AND d.id < $4) OR $5 = '')
               AND {}
             ORDER BY d.created_at DESC, d.id DESC LIMIT $8",
            releasable_to(6, 7)
        );
        let rows = sqlx::query(&sql)
            .bind(community.0)
            .bind(after_ms)
            .bind(after_ms)
            .bind(&after_id)
            .bind(&after_id)
            .bind(nation.as_str())
            .bind(account.0)
            .bind(i64::from(limit) + 1)
            .fetch_all(&self.pool)
            .await?;
        let mut docs: Vec<DocumentRow> = rows
            .iter()
            .map(|r| rows::document(&Cols(r)))
            .collect::<Result<_>>()?;
        let next = if docs.len() > limit as usize {
            docs.truncate(limit as usize);
            docs.last().map(|d| Cursor {
                created_at_ms: to_ms(d.created_at),
                id: d.id.to_string(),
            })
        } else {
            None
        };
        Ok((docs, next))
    }

    async fn browse_documents(
        &self,
        community: CommunityId,
        account: AccountId,
        nation: &Nation,
        view: &LibraryView<'_>,
        offset: u32,
        limit: u32,
    ) -> Result<(Vec<DocumentRow>, u64)> {
        crate::library::browse(&self.pool, community, account, nation, view, offset, limit).await
    }

    async fn library_facets(
        &self,
        community: CommunityId,
        account: AccountId,
        nation: &Nation,
    ) -> Result<(Vec<String>, Vec<String>)> {
        crate::library::facets(&self.pool, community, account, nation).await
    }

    async fn count_documents_for_member(
        &self,
        community: CommunityId,
        account: AccountId,
        nation: &Nation,
    ) -> Result<u64> {
        let sql = format!(
            "SELECT count(*) FROM documents d WHERE d.community_id = $1 AND {}",
            releasable_to(2, 3)
        );
        let count: i64 = sqlx::query_scalar(&sql)
            .bind(community.0)
            .bind(nation.as_str())
            .bind(account.0)
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn set_canary(&self, id: DocumentId, canary: bool) -> Result<bool> {
        let done = sqlx::query("UPDATE documents SET canary = $1 WHERE id = $2")
            .bind(canary)
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn canaries(&self, limit: u32) -> Result<Vec<DocumentRow>> {
        let sql = format!(
            "{DOCUMENT_SELECT} WHERE d.canary ORDER BY d.created_at DESC, d.id DESC LIMIT $1"
        );
        sqlx::query(&sql)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| rows::document(&Cols(r)))
            .collect()
    }

    async fn latest_uploader(&self, community: CommunityId) -> Result<Option<AccountId>> {
        Ok(sqlx::query_scalar(
            "SELECT v.uploaded_by FROM versions v JOIN documents d ON d.id = v.document_id
             WHERE d.community_id = $1 AND NOT d.canary ORDER BY v.uploaded_at DESC LIMIT 1",
        )
        .bind(community.0)
        .fetch_optional(&self.pool)
        .await?
        .map(AccountId))
    }

    async fn referenced_blobs(&self) -> Result<std::collections::HashSet<String>> {
        Ok(sqlx::query_scalar("SELECT DISTINCT blob FROM versions")
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .collect())
    }
}
