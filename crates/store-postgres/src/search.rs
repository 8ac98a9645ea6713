//! Full-text search on PostgreSQL: a weighted `tsvector` of the folded
//! tokens per version (title A, file name B, body C) under a GIN index,
//! ranked with `ts_rank_cd` at weights 1.0, 0.3 and 0.1 (FTS5's 10:3:1),
//! beside each version's extracted text for snippets. The `to_tsquery`
//! text is bound, built from tokens that hold only alphanumerics.

use crate::{documents::releasable_to, to_ms, Postgres};
use rampart_store::{tsquery, Result, SearchHit, SearchIndex, SearchQuery, SearchText};

/// Replaces the search row of one version (none when `text` is none).
pub(crate) async fn replace(
    tx: &mut sqlx::PgConnection,
    document: &str,
    version: i64,
    text: Option<&SearchText>,
) -> Result<()> {
    sqlx::query("DELETE FROM search_versions WHERE document_id = $1 AND version = $2")
        .bind(document)
        .bind(version)
        .execute(&mut *tx)
        .await?;
    let Some(text) = text else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO search_versions (document_id, version, body, terms)
         VALUES ($1, $2, $3,
                 setweight(to_tsvector('simple', $4), 'A')
                 || setweight(to_tsvector('simple', $5), 'B')
                 || setweight(to_tsvector('simple', $6), 'C'))",
    )
    .bind(document)
    .bind(version)
    .bind(&text.body)
    .bind(&text.title_terms)
    .bind(&text.filename_terms)
    .bind(&text.body_terms)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Empties the search index.
pub(crate) async fn clear(tx: &mut sqlx::PgConnection) -> Result<()> {
    sqlx::query("DELETE FROM search_versions")
        .execute(&mut *tx)
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl SearchIndex for Postgres {
    async fn search(&self, q: &SearchQuery<'_>) -> Result<Vec<SearchHit>> {
        if q.terms.is_empty() || q.communities.is_empty() || q.limit == 0 {
            return Ok(Vec::new());
        }
        let communities: Vec<i64> = q.communities.iter().map(|c| c.0).collect();
        // The permission filter is in the inner query: a hidden document
        // is never ranked, counted or paged. DISTINCT ON keeps each
        // document's best version.
        let sql = format!(
            "SELECT doc, version, score FROM (
               SELECT DISTINCT ON (s.document_id) s.document_id AS doc, s.version,
                      ts_rank_cd('{{0.1, 0.1, 0.3, 1.0}}', s.terms, q, 1)::FLOAT8 AS score
               FROM search_versions s
               JOIN documents d ON d.id = s.document_id
               JOIN versions v ON v.document_id = s.document_id AND v.number = s.version,
               to_tsquery('simple', $1) q
               WHERE s.terms @@ q
                 AND d.community_id = ANY($2)
                 AND ($3::TEXT IS NULL OR d.label = $3)
                 AND ($4::BIGINT IS NULL OR v.uploaded_at >= $4)
                 AND ($5::BIGINT IS NULL OR v.uploaded_at < $5)
                 AND {}
               ORDER BY s.document_id, score DESC, s.version DESC) best
             ORDER BY score DESC, doc
             LIMIT $8 OFFSET $9",
            releasable_to(6, 7)
        );
        let rows: Vec<(String, i64, f64)> = sqlx::query_as(&sql)
            .bind(tsquery(q.terms))
            .bind(&communities)
            .bind(q.label)
            .bind(q.since.map(to_ms))
            .bind(q.until.map(to_ms))
            .bind(q.nation.as_str())
            .bind(q.account.0)
            .bind(i64::from(q.limit))
            .bind(i64::from(q.offset))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(document, version, score)| SearchHit {
                document,
                version,
                score,
            })
            .collect())
    }

    async fn search_body(&self, document: &str, version: i64) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT body FROM search_versions WHERE document_id = $1 AND version = $2",
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
