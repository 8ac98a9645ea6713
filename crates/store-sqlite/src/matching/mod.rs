//! The match index for leak triage: per-version fingerprints, LSH band keys
//! and anchors (written at upload, rebuilt by `rampart reindex`), the same
//! for registered public reference material, and the download records
//! triage cross-references. The store does not compute fingerprints (that is
//! `rampart-docmatch`'s job); it keeps the bytes and answers candidate
//! queries. Every value is bound; the only SQL text that varies is the
//! number of `?` placeholders of a batch, never input.

mod downloads;
mod reader;
mod sql;

use sql::{extend_from_concatenated, BATCH};

use crate::Sqlite;
use rampart_store::*;
use time::OffsetDateTime;
/// The two corpora: document versions and public references. Their
/// posting tables have the same shape; only the names differ.
#[derive(Clone, Copy)]
pub(super) enum Corpus {
    Versions,
    Public,
}

/// Replaces the index rows of `entries` in one transaction on `conn`.
async fn write_versions(
    conn: &mut sqlx::SqliteConnection,
    entries: &[(&str, i64, &IndexEntry)],
    now: OffsetDateTime,
) -> Result<()> {
    use sqlx::Connection;
    let mut tx = conn.begin().await?;
    for &(document, version, entry) in entries {
        // Its postings go with it (ON DELETE CASCADE, by the item index).
        sqlx::query("DELETE FROM match_versions WHERE document_id = ? AND version = ?")
            .bind(document)
            .bind(version)
            .execute(&mut *tx)
            .await?;
        insert_item(&mut tx, Corpus::Versions, (document, version), entry, now).await?;
        crate::search::replace(&mut tx, document, version, entry.search.as_ref()).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Inserts an item of `corpus` identified by `key` ([`Corpus::item_insert`])
/// with its postings; returns its id.
async fn insert_item<'k, A, B>(
    tx: &mut sqlx::SqliteConnection,
    corpus: Corpus,
    key: (A, B),
    entry: &'k IndexEntry,
    now: OffsetDateTime,
) -> Result<i64>
where
    A: 'k + sqlx::Encode<'k, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite> + Send,
    B: 'k + sqlx::Encode<'k, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite> + Send,
{
    let id: i64 = sqlx::query_scalar(corpus.item_insert())
        .bind(key.0)
        .bind(key.1)
        .bind(&entry.bytes_sha256[..])
        .bind(entry.text_sha256.map(|h| h.to_vec()))
        .bind(&entry.fingerprint)
        .bind(entry.encoding())
        .bind(&entry.problem)
        .bind(to_ms(now))
        .fetch_one(&mut *tx)
        .await?;
    insert_postings(tx, corpus, id, entry).await?;
    Ok(id)
}

/// Writes an item's band and anchor postings. Multi-row inserts: one
/// statement per few hundred rows, where one per row made each version
/// ~100 round trips to SQLite's thread (measured: most of `reindex`'s
/// time).
async fn insert_postings(
    tx: &mut sqlx::SqliteConnection,
    corpus: Corpus,
    item: i64,
    entry: &IndexEntry,
) -> Result<()> {
    for chunk in entry.bands.chunks(BATCH / 3) {
        let mut q = sqlx::QueryBuilder::new(corpus.bands_insert());
        q.push_values(chunk, |mut row, &(band, key)| {
            row.push_bind(i64::from(band))
                .push_bind(key as i64)
                .push_bind(item);
        });
        q.build().execute(&mut *tx).await?;
    }
    for chunk in entry.anchors.chunks(BATCH / 2) {
        let mut q = sqlx::QueryBuilder::new(corpus.anchors_insert());
        q.push_values(chunk, |mut row, &anchor| {
            row.push_bind(i64::from(anchor)).push_bind(item);
        });
        q.build().execute(&mut *tx).await?;
    }
    Ok(())
}

pub(super) fn source_of(
    doc: Option<String>,
    version: Option<i64>,
    public: Option<i64>,
) -> Option<MatchSource> {
    match (doc, version, public) {
        (Some(document), Some(version), _) => Some(MatchSource::Version { document, version }),
        (_, _, Some(id)) => Some(MatchSource::Public(id)),
        _ => None,
    }
}

impl Corpus {
    pub(super) fn bands_insert(self) -> &'static str {
        match self {
            Corpus::Versions => "INSERT OR IGNORE INTO match_bands (band, key, item) ",
            Corpus::Public => "INSERT OR IGNORE INTO public_ref_bands (band, key, ref_id) ",
        }
    }

    pub(super) fn anchors_insert(self) -> &'static str {
        match self {
            Corpus::Versions => "INSERT OR IGNORE INTO match_anchors (anchor, item) ",
            Corpus::Public => "INSERT OR IGNORE INTO public_ref_anchors (anchor, ref_id) ",
        }
    }

    /// Inserts an item's row: two identifying columns (document and
    /// version, or source and path), then its index entry and the time.
    pub(super) fn item_insert(self) -> &'static str {
        match self {
            Corpus::Versions => "INSERT INTO match_versions (document_id, version, bytes_sha256, text_sha256, fingerprint, encoding, problem, indexed_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            Corpus::Public => "INSERT INTO public_refs (source, path, bytes_sha256, text_sha256, fingerprint, encoding, problem, added_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        }
    }

    pub(super) fn item(self, id: i64) -> ItemId {
        match self {
            Corpus::Versions => ItemId::Version(id),
            Corpus::Public => ItemId::Public(id),
        }
    }
}

#[async_trait::async_trait]
impl MatchIndex for Sqlite {
    async fn index_reader(&self) -> Result<IndexReader> {
        self.open_reader().await
    }

    async fn index_version(
        &self,
        document: &str,
        version: i64,
        entry: &IndexEntry,
        now: OffsetDateTime,
    ) -> Result<()> {
        self.index_versions(&[(document, version, entry)], now)
            .await
    }

    async fn index_versions(
        &self,
        entries: &[(&str, i64, &IndexEntry)],
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        // A batch rewrites postings all over the posting tables: through
        // SQLite's default 2 MB page cache their pages were read and
        // written again and again (reindexing 10^5 versions: 385 s, 208 s
        // of it system time; with 256 MB per batch, 315 s and 135 s). For
        // the batch only: the connection goes back to the pool with the
        // default.
        let batch = entries.len() > 1;
        if batch {
            sqlx::query("PRAGMA cache_size = -262144")
                .execute(&mut *conn)
                .await?;
        }
        let written = write_versions(&mut conn, entries, now).await;
        if batch {
            sqlx::query("PRAGMA cache_size = -2000")
                .execute(&mut *conn)
                .await?;
        }
        written
    }

    async fn add_public_ref(
        &self,
        source: &str,
        path: &str,
        entry: &IndexEntry,
        now: OffsetDateTime,
    ) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let id = insert_item(&mut tx, Corpus::Public, (source, path), entry, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn clear_match_index(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for sql in [
            "DELETE FROM match_bands",
            "DELETE FROM match_anchors",
            "DELETE FROM match_versions",
        ] {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        crate::search::clear(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn versions_to_index(&self) -> Result<Vec<VersionToIndex>> {
        let rows: Vec<(String, i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT v.document_id, v.number, v.blob, v.filename, d.title, v.size
             FROM versions v JOIN documents d ON d.id = v.document_id
             ORDER BY v.uploaded_at, v.document_id, v.number",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(document, version, blob, filename, title, size)| VersionToIndex {
                    document,
                    version,
                    blob,
                    filename,
                    title,
                    size,
                },
            )
            .collect())
    }

    async fn indexed_hashes(&self) -> Result<IndexedHashes> {
        // Each arm reads its own covering index, not the rows (which hold
        // the fingerprints: 4.6 s at 10^5 versions). The hashes of a
        // sixteenth of the hash space come back concatenated, one value
        // per arm: sqlx hands each row from SQLite's thread to this one,
        // and a row per hash took 0.5 s at 10^5 versions, while triage
        // waited. They come as raw bytes, with their count to check the
        // concatenation against (as hex, decoding them was a sixth of the
        // load).
        const SQL: &str = "SELECT * FROM
            (SELECT count(*), CAST(group_concat(bytes_sha256, x'') AS BLOB) FROM match_versions
              WHERE bytes_sha256 >= ?1 AND bytes_sha256 < ?2),
            (SELECT count(*), CAST(group_concat(text_sha256, x'') AS BLOB) FROM match_versions
              WHERE text_sha256 >= ?1 AND text_sha256 < ?2),
            (SELECT count(*), CAST(group_concat(bytes_sha256, x'') AS BLOB) FROM public_refs
              WHERE bytes_sha256 >= ?1 AND bytes_sha256 < ?2),
            (SELECT count(*), CAST(group_concat(text_sha256, x'') AS BLOB) FROM public_refs
              WHERE text_sha256 >= ?1 AND text_sha256 < ?2)";
        type Hashes = Option<Vec<u8>>;
        type Row = (i64, Hashes, i64, Hashes, i64, Hashes, i64, Hashes);
        let mut conn = self.pool.acquire().await?;
        let mut out = IndexedHashes::default();
        for part in 0u8..16 {
            let from = vec![part << 4];
            // Above every 32-byte hash of the last part.
            let to = match part {
                15 => vec![0xff; 33],
                _ => vec![(part + 1) << 4],
            };
            let (n_bytes, bytes, n_texts, texts, n_ref_bytes, ref_bytes, n_ref_texts, ref_texts): Row =
                sqlx::query_as(SQL)
                    .bind(from)
                    .bind(to)
                    .fetch_one(&mut *conn)
                    .await?;
            extend_from_concatenated(&mut out.bytes, n_bytes, bytes)?;
            extend_from_concatenated(&mut out.bytes, n_ref_bytes, ref_bytes)?;
            extend_from_concatenated(&mut out.texts, n_texts, texts)?;
            extend_from_concatenated(&mut out.texts, n_ref_texts, ref_texts)?;
        }
        Ok(out)
    }

    async fn public_ref(&self, id: i64) -> Result<Option<PublicRef>> {
        let row: Option<(i64, String, String)> =
            sqlx::query_as("SELECT id, source, path FROM public_refs WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(id, source, path)| PublicRef { id, source, path }))
    }

    async fn index_problem(&self, document: &str, version: i64) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT problem FROM match_versions WHERE document_id = ? AND version = ?",
        )
        .bind(document)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?
        .flatten())
    }

    async fn index_stats(&self, encoding: &[u8]) -> Result<IndexStats> {
        let row: (i64, i64, i64, i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM versions),
                    (SELECT COUNT(*) FROM match_versions),
                    (SELECT COUNT(*) FROM match_versions WHERE encoding IS NULL),
                    (SELECT COUNT(*) FROM match_versions WHERE encoding <> ?1),
                    (SELECT COUNT(*) FROM public_refs),
                    (SELECT COUNT(*) FROM public_refs WHERE encoding <> ?1)",
        )
        .bind(encoding)
        .fetch_one(&self.pool)
        .await?;
        let (versions, indexed, unindexable, stale, public_refs, stale_public_refs) = row;
        Ok(IndexStats {
            versions,
            indexed,
            unindexable,
            stale,
            public_refs,
            stale_public_refs,
        })
    }
}
