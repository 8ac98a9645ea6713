//! The passage index (see `rampart_store::SemanticIndex`): passages and
//! their quantised embeddings per version and per public reference.

use crate::{to_ms, Sqlite};
use rampart_store::{
    embedding_bytes, embedding_from_bytes, EmbeddedItems, MatchSource, Result, SemanticCoverage,
    SemanticIndex, StoredPassage, VersionToEmbed,
};
use time::OffsetDateTime;

#[async_trait::async_trait]
impl SemanticIndex for Sqlite {
    async fn versions_to_embed(&self, model: &str, limit: i64) -> Result<Vec<VersionToEmbed>> {
        let rows: Vec<(String, i64, String, String)> = sqlx::query_as(
            "SELECT v.document_id, v.number, v.blob, v.filename FROM versions v
             LEFT JOIN semantic_versions s ON s.document_id = v.document_id AND s.version = v.number
             WHERE s.model IS NULL OR s.model <> ?
             ORDER BY v.uploaded_at, v.document_id, v.number LIMIT ?",
        )
        .bind(model)
        .bind(limit.max(0))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(document, version, blob, filename)| VersionToEmbed {
                document,
                version,
                blob,
                filename,
            })
            .collect())
    }

    async fn claim_versions_to_embed(
        &self,
        model: &str,
        limit: i64,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<VersionToEmbed>> {
        // One statement claims: when two embedders pick the same version,
        // the second's insert meets the first's claim, which is not past
        // its time, and leaves it (nothing returned for it).
        let claimed: Vec<(String, i64)> = sqlx::query_as(
            "INSERT INTO semantic_claims (document_id, version, claimed_until)
             SELECT v.document_id, v.number, ? FROM versions v
             LEFT JOIN semantic_versions s ON s.document_id = v.document_id AND s.version = v.number
             LEFT JOIN semantic_claims c ON c.document_id = v.document_id AND c.version = v.number
             WHERE (s.model IS NULL OR s.model <> ?) AND (c.claimed_until IS NULL OR c.claimed_until <= ?)
             ORDER BY v.uploaded_at, v.document_id, v.number LIMIT ?
             ON CONFLICT (document_id, version) DO UPDATE SET claimed_until = excluded.claimed_until
             WHERE semantic_claims.claimed_until <= ?
             RETURNING document_id, version",
        )
        .bind(to_ms(until))
        .bind(model)
        .bind(to_ms(now))
        .bind(limit.max(0))
        .bind(to_ms(now))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(claimed.len());
        for (document, version) in claimed {
            let row: Option<(String, String, i64)> = sqlx::query_as(
                "SELECT blob, filename, uploaded_at FROM versions WHERE document_id = ? AND number = ?",
            )
            .bind(&document)
            .bind(version)
            .fetch_optional(&self.pool)
            .await?;
            if let Some((blob, filename, uploaded)) = row {
                out.push((
                    uploaded,
                    VersionToEmbed {
                        document,
                        version,
                        blob,
                        filename,
                    },
                ));
            }
        }
        out.sort_by(|a, b| {
            (a.0, &a.1.document, a.1.version).cmp(&(b.0, &b.1.document, b.1.version))
        });
        Ok(out.into_iter().map(|(_, v)| v).collect())
    }

    async fn set_version_passages(
        &self,
        document: &str,
        version: i64,
        model: &str,
        passages: &[StoredPassage],
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM versions WHERE document_id = ? AND number = ?")
                .bind(document)
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
        if exists.is_none() {
            return Ok(());
        }
        // Done: its claim ends. Its old passages go with the row below
        // (ON DELETE CASCADE).
        sqlx::query("DELETE FROM semantic_claims WHERE document_id = ? AND version = ?")
            .bind(document)
            .bind(version)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM semantic_versions WHERE document_id = ? AND version = ?")
            .bind(document)
            .bind(version)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO semantic_versions (document_id, version, model, passages, embedded_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(document)
        .bind(version)
        .bind(model)
        .bind(passages.len() as i64)
        .bind(to_ms(now))
        .execute(&mut *tx)
        .await?;
        for (ordinal, p) in passages.iter().enumerate() {
            sqlx::query(
                "INSERT INTO version_passages (document_id, version, ordinal, text, embedding)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(document)
            .bind(version)
            .bind(ordinal as i64)
            .bind(&p.text)
            .bind(embedding_bytes(&p.embedding))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn set_public_passages(
        &self,
        id: i64,
        model: &str,
        passages: &[StoredPassage],
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM public_ref_passages WHERE ref_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for (ordinal, p) in passages.iter().enumerate() {
            sqlx::query(
                "INSERT INTO public_ref_passages (ref_id, ordinal, model, text, embedding)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(ordinal as i64)
            .bind(model)
            .bind(&p.text)
            .bind(embedding_bytes(&p.embedding))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn embedded_items(&self, model: &str) -> Result<EmbeddedItems> {
        use futures_util::TryStreamExt;
        // A row a version, its passages' embeddings joined in order: sqlx
        // hands each row over from its SQLite thread, and a row a passage
        // (833,345 on the rewrite benchmark) made that hand-over most of
        // the load. Versions in the model index's order (by key); ordered
        // by the passages' own key instead, SQLite sorted every passage in
        // a temporary file first. `group_concat` joins blobs byte for byte
        // (the conformance suite checks NUL and non-UTF-8 bytes).
        let mut out = EmbeddedItems::default();
        let mut versions = sqlx::query_as::<_, (String, i64, i64, Option<String>, Vec<u8>)>(
            "SELECT s.document_id, s.version, MIN(length(p.embedding)),
                    CASE WHEN MIN(length(p.embedding)) = MAX(length(p.embedding)) THEN NULL
                         ELSE group_concat(length(p.embedding), ',' ORDER BY p.ordinal) END,
                    CAST(group_concat(p.embedding, '' ORDER BY p.ordinal) AS BLOB)
             FROM semantic_versions s
             JOIN version_passages p ON p.document_id = s.document_id AND p.version = s.version
             WHERE s.model = ? GROUP BY s.document_id, s.version
             ORDER BY s.document_id, s.version",
        )
        .bind(model)
        .fetch(&self.pool);
        while let Some((document, version, width, lengths, joined)) = versions.try_next().await? {
            let source = MatchSource::Version { document, version };
            // One length (one model's embeddings), or each row's, listed.
            let width = usize::try_from(width).unwrap_or(0).max(1);
            let lengths: Vec<usize> = match lengths {
                None => vec![width; joined.len() / width],
                Some(list) => list.split(',').filter_map(|n| n.parse().ok()).collect(),
            };
            let mut rest = joined.as_slice();
            for n in lengths {
                let Some((e, tail)) = rest.split_at_checked(n) else {
                    break;
                };
                out.push(source.clone(), e);
                rest = tail;
            }
        }
        drop(versions);
        let mut public = sqlx::query_as::<_, (i64, Vec<u8>)>(
            "SELECT ref_id, embedding FROM public_ref_passages WHERE model = ?
             ORDER BY ref_id, ordinal",
        )
        .bind(model)
        .fetch(&self.pool);
        while let Some((id, e)) = public.try_next().await? {
            out.push(MatchSource::Public(id), &e);
        }
        Ok(out)
    }

    async fn passages_of(&self, source: &MatchSource) -> Result<Vec<StoredPassage>> {
        let rows: Vec<(String, Vec<u8>)> = match source {
            MatchSource::Version { document, version } => {
                sqlx::query_as(
                    "SELECT text, embedding FROM version_passages
                     WHERE document_id = ? AND version = ? ORDER BY ordinal",
                )
                .bind(document)
                .bind(version)
                .fetch_all(&self.pool)
                .await?
            }
            MatchSource::Public(id) => sqlx::query_as(
                "SELECT text, embedding FROM public_ref_passages WHERE ref_id = ? ORDER BY ordinal",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?,
        };
        Ok(rows
            .into_iter()
            .map(|(text, e)| StoredPassage {
                text,
                embedding: embedding_from_bytes(&e),
            })
            .collect())
    }

    async fn semantic_coverage(&self, model: &str) -> Result<SemanticCoverage> {
        let (versions, embedded, version_passages, public_passages, public_refs_without): (
            i64,
            i64,
            i64,
            i64,
            i64,
        ) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM versions),
                    (SELECT COUNT(*) FROM semantic_versions WHERE model = ?),
                    (SELECT COALESCE(SUM(passages), 0) FROM semantic_versions WHERE model = ?),
                    (SELECT COUNT(*) FROM public_ref_passages WHERE model = ?),
                    (SELECT COUNT(*) FROM public_refs r WHERE NOT EXISTS
                        (SELECT 1 FROM public_ref_passages p WHERE p.ref_id = r.id AND p.model = ?))",
        )
        .bind(model)
        .bind(model)
        .bind(model)
        .bind(model)
        .fetch_one(&self.pool)
        .await?;
        Ok(SemanticCoverage {
            versions,
            embedded,
            passages: version_passages + public_passages,
            public_refs_without,
        })
    }
}
