//! The match index for leak triage: per-version fingerprints, LSH band keys
//! and anchors (written at upload, rebuilt by `rampart reindex`), the same
//! for registered public reference material, and the download records
//! triage cross-references. The store does not compute fingerprints (that is
//! `rampart-docmatch`'s job); it keeps the bytes and answers candidate
//! queries. Every value is bound; lists go as arrays (`= ANY($1)`,
//! `UNNEST`), so no SQL text varies at all.

mod downloads;
mod reader;
mod sql;

use sql::extend_from_concatenated;

use crate::Postgres;
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
    conn: &mut sqlx::PgConnection,
    entries: &[(&str, i64, &IndexEntry)],
    now: OffsetDateTime,
) -> Result<()> {
    use sqlx::Connection;
    let mut tx = conn.begin().await?;
    // Indexing at upload and `rampart reindex` may rewrite one version at
    // once: the second would not see the first's new row and trip on the
    // unique key.
    crate::lock(&mut tx, crate::Area::MatchIndex).await?;
    for &(document, version, entry) in entries {
        // Its postings go with it (ON DELETE CASCADE, by the item index).
        sqlx::query("DELETE FROM match_versions WHERE document_id = $1 AND version = $2")
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
    tx: &mut sqlx::PgConnection,
    corpus: Corpus,
    key: (A, B),
    entry: &'k IndexEntry,
    now: OffsetDateTime,
) -> Result<i64>
where
    A: 'k + sqlx::Encode<'k, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send,
    B: 'k + sqlx::Encode<'k, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send,
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

/// Writes an item's band and anchor postings: one statement each, the
/// postings as arrays.
async fn insert_postings(
    tx: &mut sqlx::PgConnection,
    corpus: Corpus,
    item: i64,
    entry: &IndexEntry,
) -> Result<()> {
    let (bands, keys): (Vec<i64>, Vec<i64>) = entry
        .bands
        .iter()
        .map(|&(band, key)| (i64::from(band), key as i64))
        .unzip();
    sqlx::query(corpus.bands_insert())
        .bind(bands)
        .bind(keys)
        .bind(item)
        .execute(&mut *tx)
        .await?;
    let anchors: Vec<i64> = entry.anchors.iter().map(|&a| i64::from(a)).collect();
    sqlx::query(corpus.anchors_insert())
        .bind(anchors)
        .bind(item)
        .execute(&mut *tx)
        .await?;
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
            Corpus::Versions => {
                "INSERT INTO match_bands (band, key, item)
                 SELECT band, key, $3 FROM UNNEST($1::BIGINT[], $2::BIGINT[]) AS t(band, key)
                 ON CONFLICT DO NOTHING"
            }
            Corpus::Public => {
                "INSERT INTO public_ref_bands (band, key, ref_id)
                 SELECT band, key, $3 FROM UNNEST($1::BIGINT[], $2::BIGINT[]) AS t(band, key)
                 ON CONFLICT DO NOTHING"
            }
        }
    }

    pub(super) fn anchors_insert(self) -> &'static str {
        match self {
            Corpus::Versions => {
                "INSERT INTO match_anchors (anchor, item)
                 SELECT anchor, $2 FROM UNNEST($1::BIGINT[]) AS t(anchor) ON CONFLICT DO NOTHING"
            }
            Corpus::Public => {
                "INSERT INTO public_ref_anchors (anchor, ref_id)
                 SELECT anchor, $2 FROM UNNEST($1::BIGINT[]) AS t(anchor) ON CONFLICT DO NOTHING"
            }
        }
    }

    /// Inserts an item's row: two identifying columns (document and
    /// version, or source and path), then its index entry and the time.
    pub(super) fn item_insert(self) -> &'static str {
        match self {
            Corpus::Versions => "INSERT INTO match_versions (document_id, version, bytes_sha256, text_sha256, fingerprint, encoding, problem, indexed_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            Corpus::Public => "INSERT INTO public_refs (source, path, bytes_sha256, text_sha256, fingerprint, encoding, problem, added_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
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
impl MatchIndex for Postgres {
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
        write_versions(&mut conn, entries, now).await
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
        // Every hash in one row: per arm, the count of hashes and their
        // concatenation, checked against each other.
        const SQL: &str = "SELECT
            (SELECT count(bytes_sha256) FROM match_versions),
            (SELECT string_agg(bytes_sha256, ''::bytea) FROM match_versions),
            (SELECT count(text_sha256) FROM match_versions),
            (SELECT string_agg(text_sha256, ''::bytea) FROM match_versions),
            (SELECT count(bytes_sha256) FROM public_refs),
            (SELECT string_agg(bytes_sha256, ''::bytea) FROM public_refs),
            (SELECT count(text_sha256) FROM public_refs),
            (SELECT string_agg(text_sha256, ''::bytea) FROM public_refs)";
        type Hashes = Option<Vec<u8>>;
        type Row = (i64, Hashes, i64, Hashes, i64, Hashes, i64, Hashes);
        let (n_bytes, bytes, n_texts, texts, n_ref_bytes, ref_bytes, n_ref_texts, ref_texts): Row =
            sqlx::query_as(SQL).fetch_one(&self.pool).await?;
        let mut out = IndexedHashes::default();
        extend_from_concatenated(&mut out.bytes, n_bytes, bytes)?;
        extend_from_concatenated(&mut out.bytes, n_ref_bytes, ref_bytes)?;
        extend_from_concatenated(&mut out.texts, n_texts, texts)?;
        extend_from_concatenated(&mut out.texts, n_ref_texts, ref_texts)?;
        Ok(out)
    }

    async fn public_ref(&self, id: i64) -> Result<Option<PublicRef>> {
        let row: Option<(i64, String, String)> =
            sqlx::query_as("SELECT id, source, path FROM public_refs WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(id, source, path)| PublicRef { id, source, path }))
    }

    async fn index_problem(&self, document: &str, version: i64) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT problem FROM match_versions WHERE document_id = $1 AND version = $2",
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
                    (SELECT COUNT(*) FROM match_versions WHERE encoding <> $1),
                    (SELECT COUNT(*) FROM public_refs),
                    (SELECT COUNT(*) FROM public_refs WHERE encoding <> $1)",
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
