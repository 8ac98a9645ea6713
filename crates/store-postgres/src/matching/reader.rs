//! Reading the match index during triage: exact hashes, candidates by LSH
//! band keys and anchors, and the stored fingerprints of candidates, on one
//! connection held for the session. Lists are bound as arrays.

use super::{source_of, Corpus};
use crate::Postgres;
use rampart_store::{
    Candidate, IndexReader, ItemId, MatchReader, MatchSource, Result, StoredFingerprint,
    BOILERPLATE_ANCHOR_LIMIT,
};
use std::collections::HashMap;

/// A read session on the match index: one pooled connection.
pub(super) struct PgReader {
    conn: sqlx::pool::PoolConnection<sqlx::Postgres>,
}

impl Postgres {
    /// Opens a read session on the match index (one pooled connection).
    pub(super) async fn open_reader(&self) -> Result<IndexReader> {
        Ok(Box::new(PgReader {
            conn: self.pool.acquire().await?,
        }))
    }
}

/// Band hits: one row per (corpus, item) and shared band key.
const BAND_HITS: &str = "
    WITH b(band, key) AS (SELECT * FROM UNNEST($1::BIGINT[], $2::BIGINT[]))
    SELECT 0::BIGINT, m.item FROM match_bands m JOIN b ON m.band = b.band AND m.key = b.key
    UNION ALL
    SELECT 1::BIGINT, p.ref_id FROM public_ref_bands p JOIN b ON p.band = b.band AND p.key = b.key";

/// Anchor postings: per (corpus, anchor) at most `$2` items, so that a
/// boilerplate anchor costs a bounded read (the caller drops an anchor that
/// fills the limit).
const ANCHOR_POSTINGS: &str = "
    WITH q(anchor) AS (SELECT * FROM UNNEST($1::BIGINT[]))
    SELECT 0::BIGINT, q.anchor, t.item FROM q
      CROSS JOIN LATERAL (SELECT item FROM match_anchors WHERE anchor = q.anchor LIMIT $2) t
    UNION ALL
    SELECT 1::BIGINT, q.anchor, t.ref_id FROM q
      CROSS JOIN LATERAL (SELECT ref_id FROM public_ref_anchors WHERE anchor = q.anchor LIMIT $2) t";

fn corpus(n: i64) -> Corpus {
    if n == 0 {
        Corpus::Versions
    } else {
        Corpus::Public
    }
}

#[async_trait::async_trait]
impl MatchReader for PgReader {
    async fn exact_matches(
        &mut self,
        bytes_sha256: &[u8; 32],
        text_sha256: Option<&[u8; 32]>,
    ) -> Result<Vec<MatchSource>> {
        let text = text_sha256.map(|h| h.to_vec());
        let rows: Vec<(Option<String>, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT document_id, version, NULL::BIGINT FROM match_versions WHERE bytes_sha256 = $1 OR text_sha256 = $2
             UNION
             SELECT NULL, NULL, id FROM public_refs WHERE bytes_sha256 = $1 OR text_sha256 = $2",
        )
        .bind(&bytes_sha256[..])
        .bind(text)
        .fetch_all(&mut *self.conn)
        .await?;
        let mut out: Vec<MatchSource> = rows
            .into_iter()
            .filter_map(|(d, v, p)| source_of(d, v, p))
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    async fn match_candidates(
        &mut self,
        bands: &[(u16, u64)],
        anchors: &[u32],
        limit: usize,
    ) -> Result<Vec<Candidate>> {
        let mut found: HashMap<ItemId, (u32, u32)> = HashMap::new();
        let (band_numbers, keys): (Vec<i64>, Vec<i64>) = bands
            .iter()
            .map(|&(band, key)| (i64::from(band), key as i64))
            .unzip();
        let hits: Vec<(i64, i64)> = sqlx::query_as(BAND_HITS)
            .bind(band_numbers)
            .bind(keys)
            .fetch_all(&mut *self.conn)
            .await?;
        for (c, id) in hits {
            found.entry(corpus(c).item(id)).or_default().0 += 1;
        }
        let anchor_list: Vec<i64> = anchors.iter().map(|&a| i64::from(a)).collect();
        let postings: Vec<(i64, i64, i64)> = sqlx::query_as(ANCHOR_POSTINGS)
            .bind(anchor_list)
            .bind(BOILERPLATE_ANCHOR_LIMIT + 1)
            .fetch_all(&mut *self.conn)
            .await?;
        let mut by_anchor: HashMap<(i64, i64), Vec<i64>> = HashMap::new();
        for (c, anchor, id) in postings {
            by_anchor.entry((c, anchor)).or_default().push(id);
        }
        for ((c, _), items) in by_anchor {
            if items.len() as i64 > BOILERPLATE_ANCHOR_LIMIT {
                continue;
            }
            for id in items {
                found.entry(corpus(c).item(id)).or_default().1 += 1;
            }
        }
        let mut out: Vec<Candidate> = found
            .into_iter()
            .map(|(item, (bands, anchors))| Candidate {
                item,
                bands,
                anchors,
            })
            .collect();
        out.sort_by(|a, b| {
            (b.bands + b.anchors)
                .cmp(&(a.bands + a.anchors))
                .then_with(|| a.item.cmp(&b.item))
        });
        out.truncate(limit);
        Ok(out)
    }

    async fn fingerprints_of(&mut self, items: &[ItemId]) -> Result<Vec<StoredFingerprint>> {
        let (versions, refs): (Vec<i64>, Vec<i64>) = {
            let mut versions = Vec::new();
            let mut refs = Vec::new();
            for item in items {
                match *item {
                    ItemId::Version(id) => versions.push(id),
                    ItemId::Public(id) => refs.push(id),
                }
            }
            (versions, refs)
        };
        type Row = (Option<String>, Option<i64>, Option<i64>, Option<Vec<u8>>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT document_id, version, NULL::BIGINT, fingerprint FROM match_versions WHERE id = ANY($1)
             UNION ALL SELECT NULL, NULL, id, fingerprint FROM public_refs WHERE id = ANY($2)",
        )
        .bind(versions)
        .bind(refs)
        .fetch_all(&mut *self.conn)
        .await?;
        let mut out: Vec<StoredFingerprint> = rows
            .into_iter()
            .filter_map(|(d, v, p, fingerprint)| {
                source_of(d, v, p).map(|source| StoredFingerprint {
                    source,
                    fingerprint,
                })
            })
            .collect();
        out.sort_by(|a, b| a.source.cmp(&b.source));
        Ok(out)
    }
}
