//! Full-text search on FTS5: a contentless index of the folded tokens
//! (title, file name, body; bm25 weights 10, 3 and 1, as its `rank`) beside a plain
//! table with each version's extracted text for snippets. The MATCH
//! expression is bound, built from tokens that hold only alphanumerics.

use crate::{documents::RELEASABLE_TO, to_ms, Sqlite};
use rampart_store::{fts5_query, Result, SearchHit, SearchIndex, SearchQuery, SearchText};

/// Replaces the search row of one version (none when `text` is none).
pub(crate) async fn replace(
    tx: &mut sqlx::SqliteConnection,
    document: &str,
    version: i64,
    text: Option<&SearchText>,
) -> Result<()> {
    let old: Option<i64> =
        sqlx::query_scalar("SELECT id FROM search_versions WHERE document_id = ? AND version = ?")
            .bind(document)
            .bind(version)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some(id) = old {
        sqlx::query("DELETE FROM search_fts WHERE rowid = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM search_versions WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let Some(text) = text else {
        return Ok(());
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO search_versions (document_id, version, body) VALUES (?, ?, ?) RETURNING id",
    )
    .bind(document)
    .bind(version)
    .bind(&text.body)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO search_fts (rowid, title, filename, body) VALUES (?, ?, ?, ?)")
        .bind(id)
        .bind(&text.title_terms)
        .bind(&text.filename_terms)
        .bind(&text.body_terms)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Empties the search index.
pub(crate) async fn clear(tx: &mut sqlx::SqliteConnection) -> Result<()> {
    sqlx::query("DELETE FROM search_fts")
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM search_versions")
        .execute(&mut *tx)
        .await?;
    Ok(())
}

impl Sqlite {
    /// A page of the documents among the `candidates` best-ranked
    /// matching versions that the query's caller may see.
    async fn search_among(
        &self,
        q: &SearchQuery<'_>,
        matched: &str,
        candidates: i64,
    ) -> Result<Vec<SearchHit>> {
        let communities: Vec<i64> = q.communities.iter().map(|c| c.0).collect();
        // bm25 is evaluated in the FTS scan (the materialised CTE); the
        // permission filter and the per-document best come after it, so a
        // hidden document is never counted or paged. `min` makes SQLite
        // take the other bare columns from the best row.
        let sql = format!(
            "WITH hits AS MATERIALIZED (
               SELECT s.document_id AS doc, s.version AS version, rank
               FROM search_fts JOIN search_versions s ON s.id = search_fts.rowid
               WHERE search_fts MATCH ?
               ORDER BY rank LIMIT ?)
             SELECT h.doc, h.version, min(h.rank) AS rank
             FROM hits h
             JOIN documents d ON d.id = h.doc
             JOIN versions v ON v.document_id = h.doc AND v.number = h.version
             WHERE d.community_id IN (SELECT value FROM json_each(?))
               AND (? IS NULL OR d.label = ?)
               AND (? IS NULL OR v.uploaded_at >= ?)
               AND (? IS NULL OR v.uploaded_at < ?)
               AND {RELEASABLE_TO}
             GROUP BY h.doc
             ORDER BY rank, h.doc
             LIMIT ? OFFSET ?"
        );
        let since = q.since.map(to_ms);
        let until = q.until.map(to_ms);
        let rows: Vec<(String, i64, f64)> = sqlx::query_as(&sql)
            .bind(matched)
            .bind(candidates)
            .bind(
                serde_json::to_string(&communities)
                    .map_err(|e| rampart_store::Error::Corrupt(format!("community list: {e}")))?,
            )
            .bind(q.label)
            .bind(q.label)
            .bind(since)
            .bind(since)
            .bind(until)
            .bind(until)
            .bind(q.nation.as_str())
            .bind(q.account.0)
            .bind(i64::from(q.limit))
            .bind(i64::from(q.offset))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(document, version, rank)| SearchHit {
                document,
                version,
                score: -rank,
            })
            .collect())
    }
}

#[async_trait::async_trait]
impl SearchIndex for Sqlite {
    async fn search(&self, q: &SearchQuery<'_>) -> Result<Vec<SearchHit>> {
        if q.terms.is_empty() || q.communities.is_empty() || q.limit == 0 {
            return Ok(Vec::new());
        }
        // The best-ranked versions are the candidates, as many as the
        // page could need several times over; the permission filter then
        // runs on those alone, not on every match of a common word (all
        // 10^5 versions of one community: 320 ms a query, measured). Too
        // few visible among them, and more matches than candidates: again
        // with eight times as many. The page is the same as filtering
        // every match: a visible document left out ranks below every
        // candidate.
        let matched = fts5_query(q.terms);
        let needed = i64::from(q.offset) + i64::from(q.limit);
        let mut candidates = (needed * 4).max(256);
        loop {
            let hits = self.search_among(q, &matched, candidates).await?;
            if hits.len() >= q.limit as usize {
                return Ok(hits);
            }
            let more: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH ? LIMIT ?)",
            )
            .bind(&matched)
            .bind(candidates + 1)
            .fetch_one(&self.pool)
            .await?;
            if more <= candidates {
                return Ok(hits);
            }
            candidates = candidates.saturating_mul(8);
        }
    }

    async fn search_body(&self, document: &str, version: i64) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT body FROM search_versions WHERE document_id = ? AND version = ?",
        )
        .bind(document)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn set_search_texts(&self, rows: &[(&str, i64, &SearchText)]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for &(document, version, text) in rows {
            replace(&mut tx, document, version, Some(text)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn search_coverage(&self) -> Result<(i64, i64)> {
        Ok(sqlx::query_as(
            "SELECT (SELECT count(*) FROM versions), (SELECT count(*) FROM search_versions)",
        )
        .fetch_one(&self.pool)
        .await?)
    }
}
