//! Reading the match index during triage: exact hashes, candidates by LSH
//! band keys and anchors, and the stored fingerprints of candidates, on one
//! connection held for the session.

use super::{
    source_of,
    sql::{candidates_sql, ids, placeholders, CandidateRow, BATCH},
    Candidate, Corpus, ItemId, MatchSource, StoredFingerprint, BOILERPLATE_ANCHOR_LIMIT,
};
use crate::Sqlite;
use rampart_store::{IndexReader, MatchReader, Result};
use std::collections::HashMap;

/// A read session on the match index: lookups on one connection held for
/// the session. Each statement on the pool takes a connection and gives it
/// back, and sqlx pings a connection it gets back: two round trips to
/// SQLite's thread per statement instead of one (measured: half the
/// lookup stage's thread wake-ups).
pub(super) struct SqliteReader {
    conn: sqlx::pool::PoolConnection<sqlx::Sqlite>,
}

impl Sqlite {
    /// Opens a read session on the match index (one pooled connection).
    pub(super) async fn open_reader(&self) -> Result<IndexReader> {
        Ok(Box::new(SqliteReader {
            conn: self.pool.acquire().await?,
        }))
    }
}

#[async_trait::async_trait]
impl MatchReader for SqliteReader {
    /// Items whose bytes or normalised text hash equals the given ones.
    async fn exact_matches(
        &mut self,
        bytes_sha256: &[u8; 32],
        text_sha256: Option<&[u8; 32]>,
    ) -> Result<Vec<MatchSource>> {
        let text = text_sha256.map(|h| h.to_vec());
        let rows: Vec<(Option<String>, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT document_id, version, NULL FROM match_versions WHERE bytes_sha256 = ?1 OR text_sha256 = ?2
             UNION
             SELECT NULL, NULL, id FROM public_refs WHERE bytes_sha256 = ?1 OR text_sha256 = ?2",
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

    /// Candidates sharing band keys or non-boilerplate anchors, in both
    /// corpora, best evidence first, at most `limit`. One statement for a
    /// file's usual number of keys (more are asked in batches).
    async fn match_candidates(
        &mut self,
        bands: &[(u16, u64)],
        anchors: &[u32],
        limit: usize,
    ) -> Result<Vec<Candidate>> {
        let mut found: HashMap<ItemId, (u32, u32)> = HashMap::new();
        // Each band key is bound twice (one per corpus), each anchor once.
        let (band_batch, anchor_batch) = (BATCH / 8, BATCH / 2 - 2);
        let rounds = bands
            .len()
            .div_ceil(band_batch)
            .max(anchors.len().div_ceil(anchor_batch));
        for round in 0..rounds {
            let chunk_of = |len: usize, n: usize| (round * n).min(len)..((round + 1) * n).min(len);
            let bands = &bands[chunk_of(bands.len(), band_batch)];
            let anchors = &anchors[chunk_of(anchors.len(), anchor_batch)];
            let sql = candidates_sql(bands.len(), anchors.len());
            let mut q = sqlx::query_as::<_, CandidateRow>(&sql);
            if anchors.is_empty() {
                q = q.bind(None::<i64>);
            }
            for &a in anchors {
                q = q.bind(i64::from(a));
            }
            for _corpus in 0..2 {
                for &(band, key) in bands {
                    q = q.bind(i64::from(band)).bind(key as i64);
                }
            }
            q = q
                .bind(BOILERPLATE_ANCHOR_LIMIT + 1)
                .bind(BOILERPLATE_ANCHOR_LIMIT + 1);
            let (version_bands, public_bands, version_anchors, public_anchors) =
                q.fetch_one(&mut *self.conn).await?;
            for (corpus, list) in [
                (Corpus::Versions, version_bands),
                (Corpus::Public, public_bands),
            ] {
                for id in ids(list.as_deref().unwrap_or_default()) {
                    found.entry(corpus.item(id)).or_default().0 += 1;
                }
            }
            for (corpus, lists) in [
                (Corpus::Versions, version_anchors),
                (Corpus::Public, public_anchors),
            ] {
                for postings in lists.as_deref().unwrap_or_default().split(';') {
                    let items: Vec<i64> = ids(postings).collect();
                    if items.len() as i64 > BOILERPLATE_ANCHOR_LIMIT {
                        continue;
                    }
                    for id in items {
                        found.entry(corpus.item(id)).or_default().1 += 1;
                    }
                }
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

    /// The stored fingerprints of the given items, with the version or
    /// public reference each is (unknown items are absent).
    async fn fingerprints_of(&mut self, items: &[ItemId]) -> Result<Vec<StoredFingerprint>> {
        let mut out = Vec::with_capacity(items.len());
        // Both corpora in one statement, as in `exact_matches` (an empty
        // `IN ()` is valid SQLite).
        for chunk in items.chunks(BATCH) {
            let (versions, refs): (Vec<ItemId>, Vec<ItemId>) =
                chunk.iter().partition(|i| matches!(i, ItemId::Version(_)));
            let sql = format!(
                "SELECT document_id, version, NULL, fingerprint FROM match_versions WHERE id IN ({})
                 UNION ALL SELECT NULL, NULL, id, fingerprint FROM public_refs WHERE id IN ({})",
                placeholders(versions.len()),
                placeholders(refs.len())
            );
            type Row = (Option<String>, Option<i64>, Option<i64>, Option<Vec<u8>>);
            let mut q = sqlx::query_as::<_, Row>(&sql);
            for item in versions.iter().chain(&refs) {
                let (ItemId::Version(id) | ItemId::Public(id)) = *item;
                q = q.bind(id);
            }
            for (d, v, p, fingerprint) in q.fetch_all(&mut *self.conn).await? {
                if let Some(source) = source_of(d, v, p) {
                    out.push(StoredFingerprint {
                        source,
                        fingerprint,
                    });
                }
            }
        }
        out.sort_by(|a, b| a.source.cmp(&b.source));
        Ok(out)
    }
}
