//! Documents, their markings and their immutable versions.

use crate::{conflict_as, from_ms, to_ms, Error, Result, Store};
use rampart_domain::{AccountId, CommunityId, DocumentId, Marking, Nation, ReleasableCommunity};
use sqlx::Row;
use time::{Date, OffsetDateTime};

/// A document with its marking and current version.
#[derive(Debug, Clone)]
pub struct DocumentRow {
    /// Id.
    pub id: DocumentId,
    /// Owning community.
    pub community: CommunityId,
    /// Owning portal's slug.
    pub portal_slug: String,
    /// Owning community's slug.
    pub community_slug: String,
    /// Title.
    pub title: String,
    /// Marking.
    pub marking: Marking,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// The current version.
    pub current: VersionRow,
}

/// One immutable version of a document.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VersionRow {
    /// 1, 2, 3, …
    pub number: i64,
    /// BLAKE3 of the content.
    pub blob: String,
    /// Bytes.
    pub size: i64,
    /// MIME type.
    pub media_type: String,
    /// File name given at upload.
    pub filename: String,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub uploaded_at: OffsetDateTime,
}

/// A version to store.
#[derive(Debug, Clone)]
pub struct NewVersion {
    /// BLAKE3 of the content (the blob must already be durable).
    pub blob: String,
    /// Bytes.
    pub size: i64,
    /// MIME type.
    pub media_type: String,
    /// Sanitised file name.
    pub filename: String,
    /// Uploader.
    pub uploaded_by: AccountId,
}

/// A document to store with its first version.
#[derive(Debug, Clone)]
pub struct NewDocument {
    /// Fresh random id.
    pub id: DocumentId,
    /// Owning community.
    pub community: CommunityId,
    /// Title.
    pub title: String,
    /// Resolved marking.
    pub marking: Marking,
    /// First version.
    pub version: NewVersion,
}

/// Position in a listing: newest first, ties broken by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    created_at_ms: i64,
    id: String,
}

impl Cursor {
    /// The opaque text form handed to clients.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.created_at_ms, self.id)
    }

    /// Parses a client's cursor; `None` if malformed.
    pub fn decode(s: &str) -> Option<Self> {
        let (ms, id) = s.split_once('.')?;
        let id: DocumentId = id.parse().ok()?;
        Some(Self {
            created_at_ms: ms.parse().ok()?,
            id: id.to_string(),
        })
    }
}

const DOCUMENT_SELECT: &str = "
SELECT d.id, d.community_id, p.slug AS portal_slug, c.slug AS community_slug, d.title, d.label,
       d.public_since, d.public_source, d.canary, d.created_at,
       (SELECT group_concat(nation, ',') FROM document_nations WHERE document_id = d.id) AS nations,
       (SELECT group_concat(c2.id || ':' || p2.slug || '/' || c2.slug, ',')
          FROM document_communities dc JOIN communities c2 ON c2.id = dc.community_id
          JOIN portals p2 ON p2.id = c2.portal_id WHERE dc.document_id = d.id) AS rel_communities,
       v.number, v.blob, v.size, v.media_type, v.filename, v.uploaded_at, u.email AS uploaded_by
FROM documents d
JOIN communities c ON c.id = d.community_id
JOIN portals p ON p.id = c.portal_id
JOIN versions v ON v.document_id = d.id AND v.number = d.current_version
JOIN accounts u ON u.id = v.uploaded_by";

/// Releasability as a SQL filter, bound to (nation, account): mirrors
/// `Principal::releasable` so that pages fill up; the policy function still
/// checks every row.
const RELEASABLE_TO: &str = "
  ((NOT EXISTS (SELECT 1 FROM document_nations n WHERE n.document_id = d.id)
    AND NOT EXISTS (SELECT 1 FROM document_communities x WHERE x.document_id = d.id))
   OR EXISTS (SELECT 1 FROM document_nations n WHERE n.document_id = d.id AND n.nation = ?)
   OR EXISTS (SELECT 1 FROM document_communities x JOIN memberships m ON m.community_id = x.community_id
              WHERE x.document_id = d.id AND m.account_id = ?))";

fn date_text(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn document_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<DocumentRow> {
    let nations: Option<String> = r.try_get("nations")?;
    let mut releasable_nations: Vec<Nation> = nations
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    releasable_nations.sort();
    let communities: Option<String> = r.try_get("rel_communities")?;
    let mut releasable_communities = Vec::new();
    for item in communities
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
    {
        let (id, path) = item
            .split_once(':')
            .ok_or_else(|| Error::Corrupt(format!("releasable community {item:?}")))?;
        let id = id
            .parse()
            .map_err(|_| Error::Corrupt(format!("community id {id:?}")))?;
        releasable_communities.push(ReleasableCommunity {
            id: CommunityId(id),
            path: path.to_owned(),
        });
    }
    releasable_communities.sort_by(|a, b| a.path.cmp(&b.path));
    let public_since = r
        .try_get::<Option<String>, _>("public_since")?
        .map(|s| {
            Date::parse(
                &s,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
        })
        .transpose()
        .map_err(|e| Error::Corrupt(format!("public_since: {e}")))?;
    Ok(DocumentRow {
        id: r.try_get::<String, _>("id")?.parse()?,
        community: CommunityId(r.try_get("community_id")?),
        portal_slug: r.try_get("portal_slug")?,
        community_slug: r.try_get("community_slug")?,
        title: r.try_get("title")?,
        marking: Marking {
            label: r.try_get("label")?,
            releasable_nations,
            releasable_communities,
            public_since,
            public_source: r.try_get("public_source")?,
            canary: r.try_get("canary")?,
        },
        created_at: from_ms(r.try_get("created_at")?)?,
        current: version_from_row(r)?,
    })
}

fn version_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<VersionRow> {
    Ok(VersionRow {
        number: r.try_get("number")?,
        blob: r.try_get("blob")?,
        size: r.try_get("size")?,
        media_type: r.try_get("media_type")?,
        filename: r.try_get("filename")?,
        uploaded_by: r.try_get("uploaded_by")?,
        uploaded_at: from_ms(r.try_get("uploaded_at")?)?,
    })
}

async fn insert_version(
    tx: &mut sqlx::SqliteConnection,
    document: &str,
    number: i64,
    v: &NewVersion,
    now: OffsetDateTime,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO versions (document_id, number, blob, size, media_type, filename, uploaded_by, uploaded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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

impl Store {
    /// Stores a document, its marking and its first version atomically.
    pub async fn create_document(&self, new: &NewDocument, now: OffsetDateTime) -> Result<()> {
        let id = new.id.to_string();
        let m = &new.marking;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO documents (id, community_id, title, label, public_since, public_source, canary, created_by, created_at, current_version)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
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
            sqlx::query("INSERT INTO document_nations (document_id, nation) VALUES (?, ?)")
                .bind(&id)
                .bind(nation.as_str())
                .execute(&mut *tx)
                .await?;
        }
        for c in &m.releasable_communities {
            sqlx::query(
                "INSERT INTO document_communities (document_id, community_id) VALUES (?, ?)",
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

    /// Adds a version and makes it current; returns its number.
    pub async fn add_version(
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
            sqlx::query("UPDATE documents SET current_version = current_version + 1 WHERE id = ?")
                .bind(&id)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("document"));
        }
        let number: i64 = sqlx::query_scalar("SELECT current_version FROM documents WHERE id = ?")
            .bind(&id)
            .fetch_one(&mut *tx)
            .await?;
        insert_version(&mut tx, &id, number, v, now).await?;
        tx.commit().await?;
        Ok(number)
    }

    /// A document by id, whoever asks (the caller must run the policy).
    pub async fn document(&self, id: DocumentId) -> Result<Option<DocumentRow>> {
        let sql = format!("{DOCUMENT_SELECT} WHERE d.id = ?");
        sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(document_from_row)
            .transpose()
    }

    /// Every version of a document, oldest first.
    pub async fn versions(&self, id: DocumentId) -> Result<Vec<VersionRow>> {
        sqlx::query(
            "SELECT v.number, v.blob, v.size, v.media_type, v.filename, v.uploaded_at, u.email AS uploaded_by
             FROM versions v JOIN accounts u ON u.id = v.uploaded_by WHERE v.document_id = ? ORDER BY v.number",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(version_from_row)
        .collect()
    }

    /// One page of a community's documents that `account` (of `nation`) may
    /// see, newest first, and the cursor of the next page.
    pub async fn list_documents_for_member(
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
             WHERE d.community_id = ?
               AND (d.created_at < ? OR (d.created_at = ? AND d.id < ?) OR ? = '')
               AND {RELEASABLE_TO}
             ORDER BY d.created_at DESC, d.id DESC LIMIT ?"
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
        let mut docs: Vec<DocumentRow> =
            rows.iter().map(document_from_row).collect::<Result<_>>()?;
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

    /// How many documents of `community` are releasable to the account (the
    /// count of what [`Store::list_documents_for_member`] walks).
    pub async fn count_documents_for_member(
        &self,
        community: CommunityId,
        account: AccountId,
        nation: &Nation,
    ) -> Result<u64> {
        let sql = format!(
            "SELECT count(*) FROM documents d WHERE d.community_id = ? AND {RELEASABLE_TO}"
        );
        let count: i64 = sqlx::query_scalar(&sql)
            .bind(community.0)
            .bind(nation.as_str())
            .bind(account.0)
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Makes a document a canary, or a real document again; false if there
    /// is no such document.
    pub async fn set_canary(&self, id: DocumentId, canary: bool) -> Result<bool> {
        let done = sqlx::query("UPDATE documents SET canary = ? WHERE id = ?")
            .bind(canary)
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Every canary, newest first (at most `limit`).
    pub async fn canaries(&self, limit: u32) -> Result<Vec<DocumentRow>> {
        let sql = format!(
            "{DOCUMENT_SELECT} WHERE d.canary ORDER BY d.created_at DESC, d.id DESC LIMIT ?"
        );
        sqlx::query(&sql)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(document_from_row)
            .collect()
    }

    /// Who uploaded the newest version of `community`'s documents, if any:
    /// whom a planted canary is attributed to unless told otherwise, so that
    /// it looks like the community's other documents.
    pub async fn latest_uploader(&self, community: CommunityId) -> Result<Option<AccountId>> {
        Ok(sqlx::query_scalar(
            "SELECT v.uploaded_by FROM versions v JOIN documents d ON d.id = v.document_id
             WHERE d.community_id = ? AND NOT d.canary ORDER BY v.uploaded_at DESC LIMIT 1",
        )
        .bind(community.0)
        .fetch_optional(&self.pool)
        .await?
        .map(AccountId))
    }

    /// Every blob hash that a version references (for garbage collection).
    pub async fn referenced_blobs(&self) -> Result<std::collections::HashSet<String>> {
        Ok(sqlx::query_scalar("SELECT DISTINCT blob FROM versions")
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .collect())
    }
}
