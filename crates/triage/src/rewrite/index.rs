//! Every stored passage's embedding in one buffer, the scan that finds
//! the items a file's sampled passages come near, and the alignment of a
//! file's passages with one item's.

use super::{Alignment, Thresholds};
use rampart_semantic::{cosine_quantised, dot_floor, scan, DIM};
use rampart_store::{EmbeddedItems, MatchSource};
use std::collections::HashMap;

/// Every stored passage embedding, row by row, with the item each is of.
#[derive(Debug, Default)]
pub struct PassageIndex {
    sources: Vec<MatchSource>,
    /// Each item's first row and number of rows.
    spans: Vec<(usize, usize)>,
    /// Row `r` is `rows[r * DIM..(r + 1) * DIM]`.
    rows: Vec<i8>,
    row_item: Vec<u32>,
}

impl PassageIndex {
    /// The index of the store's embedded items (taken as they are: one
    /// buffer, not copied). Embeddings of another length than the model's
    /// make an empty index: they are not this model's.
    pub fn new(embedded: EmbeddedItems) -> Self {
        if embedded.width != DIM {
            return PassageIndex::default();
        }
        let mut index = PassageIndex {
            rows: embedded.rows,
            ..PassageIndex::default()
        };
        let mut first = 0;
        for (source, count) in embedded.items {
            let id = index.sources.len() as u32;
            index.sources.push(source);
            index.spans.push((first, count));
            index.row_item.extend(std::iter::repeat_n(id, count));
            first += count;
        }
        index
    }

    /// Number of stored passages.
    pub fn passages(&self) -> usize {
        self.row_item.len()
    }

    fn row(&self, r: usize) -> &[i8] {
        &self.rows[r * DIM..(r + 1) * DIM]
    }

    /// The items some of `queries` come near: within the lower of the two
    /// floors (bit `first_bit + k` of `close` for query `k`), or within
    /// the candidate floor (of `voters`), with the closest dot product.
    /// One pass over the stored passages for all the queries: the scan is
    /// the cost of a file that is ours in no way.
    pub(super) fn near(
        &self,
        queries: &[Vec<i8>],
        first_bit: usize,
        t: &Thresholds,
    ) -> HashMap<usize, Near> {
        self.near_in([(0, self.passages())], queries, first_bit, t)
    }

    /// [`PassageIndex::near`] over the passages of `items` alone.
    pub(super) fn near_among(
        &self,
        items: &[usize],
        queries: &[Vec<i8>],
        first_bit: usize,
        t: &Thresholds,
    ) -> HashMap<usize, Near> {
        self.near_in(items.iter().map(|&i| self.spans[i]), queries, first_bit, t)
    }

    /// [`PassageIndex::near`] over the row ranges `(first, count)` of
    /// `ranges`, for one file's queries.
    fn near_in(
        &self,
        ranges: impl IntoIterator<Item = (usize, usize)>,
        queries: &[Vec<i8>],
        first_bit: usize,
        t: &Thresholds,
    ) -> HashMap<usize, Near> {
        let mut near = [HashMap::new()];
        let routes: Vec<(usize, usize)> = (0..queries.len()).map(|k| (0, first_bit + k)).collect();
        for (first, count) in ranges {
            self.near_rows(first, count, queries, &routes, t, &mut near);
        }
        let [near] = near;
        near
    }

    /// What [`PassageIndex::near`] computes, over rows `first..first +
    /// count`, for queries of several files at once: query `k`'s hits go
    /// to map `routes[k].0`, as its bit `routes[k].1`. The scan reads the
    /// stored passages from memory once for all of them, which is what it
    /// costs (32 ms for two queries over 846,175 rows, 180 ms for 32:
    /// `examples/scan.rs` in rampart-semantic).
    pub(super) fn near_rows(
        &self,
        first: usize,
        count: usize,
        queries: &[Vec<i8>],
        routes: &[(usize, usize)],
        t: &Thresholds,
        near: &mut [HashMap<usize, Near>],
    ) {
        // No query (a batch of files too short to sample) scans nothing.
        if count == 0 || queries.is_empty() {
            return;
        }
        let low = dot_floor(t.pair_floor.min(t.candidate_floor));
        let vote = dot_floor(t.candidate_floor);
        let queries: Vec<&[i8]> = queries.iter().map(Vec::as_slice).collect();
        let rows = &self.rows[first * DIM..(first + count) * DIM];
        // The rows' items are consecutive: a slot each for every map, not a
        // hash map entry per hit (files in the style of ours have
        // thousands of hits, and hashing them was 4 % of the run).
        let items = &self.row_item[first..first + count];
        // `new` numbers items in row order; the slots depend on it.
        debug_assert!(items.windows(2).all(|w| w[0] <= w[1]));
        let lowest = items.first().map_or(0, |&i| i as usize);
        let span = items.last().map_or(0, |&i| i as usize + 1 - lowest);
        let mut slots = vec![Near::default(); span * near.len()];
        scan(rows, &queries, low, |r, k, d| {
            let (map, bit) = routes[k];
            let e = &mut slots[map * span + items[r] as usize - lowest];
            e.close |= 1 << bit;
            if d >= vote {
                e.voters |= 1 << bit;
            }
            e.best = e.best.max(d);
        });
        for (map, slots) in near.iter_mut().zip(slots.chunks_exact(span)) {
            for (i, n) in slots.iter().enumerate() {
                if n.close != 0 {
                    map.entry(lowest + i).or_default().merge(*n);
                }
            }
        }
    }

    /// Items some sampled passage comes within the candidate floor of,
    /// most voters first (then the closest), at most `limit`.
    pub fn candidates(&self, sample: &[Vec<i8>], t: &Thresholds, limit: usize) -> Vec<usize> {
        rank(self.near(sample, 0, t), limit)
    }

    /// The best in-order alignment of the file's passages with item
    /// `item`'s: each file passage with at most one of ours, both in
    /// order (two file passages may share one of ours: passage boundaries
    /// move in a rewrite), maximising the summed excess of each pair's
    /// cosine over the pair floor.
    pub fn align(&self, item: usize, leaked: &[Vec<i8>], t: &Thresholds) -> Alignment {
        let (first, m) = self.spans[item];
        let n = leaked.len();
        let weight = |i: usize, j: usize| -> Option<f32> {
            let c = cosine_quantised(&leaked[i], self.row(first + j));
            (c >= t.pair_floor).then_some(c)
        };
        // f[i][j]: the best total over file passages before i and ours
        // before j; `how` says which step reached it.
        let width = m + 1;
        let mut f = vec![0f32; (n + 1) * width];
        let mut how = vec![0u8; (n + 1) * width];
        let mut cos = vec![0f32; n * m];
        for i in 1..=n {
            for j in 1..=m {
                let skip_file = f[(i - 1) * width + j];
                let skip_ours = f[i * width + j - 1];
                let (mut best, mut step) = if skip_file >= skip_ours {
                    (skip_file, 0)
                } else {
                    (skip_ours, 1)
                };
                if let Some(c) = weight(i - 1, j - 1) {
                    cos[(i - 1) * m + j - 1] = c;
                    let pair = skip_file + (c - t.pair_floor);
                    if pair > best {
                        (best, step) = (pair, 2);
                    }
                }
                f[i * width + j] = best;
                how[i * width + j] = step;
            }
        }
        let mut pairs = Vec::new();
        let (mut i, mut j) = (n, m);
        while i > 0 && j > 0 {
            match how[i * width + j] {
                0 => i -= 1,
                1 => j -= 1,
                _ => {
                    pairs.push((i - 1, j - 1, cos[(i - 1) * m + j - 1]));
                    i -= 1;
                }
            }
        }
        pairs.reverse();
        let mean = match pairs.len() {
            0 => 0.0,
            k => pairs.iter().map(|p| f64::from(p.2)).sum::<f64>() / k as f64,
        };
        // Several file passages may share one of ours, but the share
        // counts ours: a generic passage of ours close to every passage of
        // a text on the same topic is one passage aligned, not all.
        let distinct = pairs
            .iter()
            .map(|p| p.1)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        Alignment {
            source: self.sources[item].clone(),
            share: distinct as f64 / n.max(1) as f64,
            distinct,
            similarity: mean,
            ours: m,
            pairs,
        }
    }
}

/// The sampled passages near one item (a bit each): within the lower
/// floor, within the candidate floor, and how close the closest is (a dot
/// product of quantised embeddings).
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Near {
    pub(super) close: u32,
    voters: u32,
    best: i32,
}

impl Near {
    pub(super) fn merge(&mut self, other: Near) {
        self.close |= other.close;
        self.voters |= other.voters;
        self.best = self.best.max(other.best);
    }
}

/// The items some sample comes within the candidate floor of, most voters
/// first (then the closest), at most `limit` (items only within the pair
/// floor are not candidates).
pub(super) fn rank(near: HashMap<usize, Near>, limit: usize) -> Vec<usize> {
    let mut ranked: Vec<(usize, u32, i32)> = near
        .into_iter()
        .filter(|(_, n)| n.voters != 0)
        .map(|(item, n)| (item, n.voters.count_ones(), n.best))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    ranked.into_iter().take(limit).map(|(i, ..)| i).collect()
}

impl PassageIndex {
    /// The source of item `item` and the cosines of each of the file's
    /// passages with each of its passages (for calibration).
    pub fn cosines(&self, item: usize, leaked: &[Vec<i8>]) -> (MatchSource, Vec<Vec<f32>>) {
        let (first, m) = self.spans[item];
        let rows = leaked
            .iter()
            .map(|q| {
                (0..m)
                    .map(|j| cosine_quantised(q, self.row(first + j)))
                    .collect()
            })
            .collect();
        (self.sources[item].clone(), rows)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::rewrite::CANDIDATES;

    /// The quantised unit vector along axis `k`.
    pub(crate) fn axis(k: usize) -> Vec<i8> {
        let mut v = vec![0i8; DIM];
        v[k] = 127;
        v
    }

    pub(crate) fn index(passages: usize) -> PassageIndex {
        let mut items = EmbeddedItems::default();
        for k in 0..passages {
            items.push(
                MatchSource::Public(1),
                &rampart_store::embedding_bytes(&axis(k)),
            );
        }
        PassageIndex::new(items)
    }

    #[test]
    fn a_file_following_ours_in_order_is_a_rewrite() {
        let t = Thresholds::default();
        let ours = index(6);
        // Passages 0, 2, 3 and 5 of ours, in order: four of four aligned.
        let file: Vec<Vec<i8>> = [0, 2, 3, 5].into_iter().map(axis).collect();
        let a = ours.align(0, &file, &t);
        assert_eq!(
            a.pairs.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>(),
            [(0, 0), (1, 2), (2, 3), (3, 5)]
        );
        assert_eq!((a.distinct, a.share), (4, 1.0));
        assert!(a.is_rewrite(&t));
        assert_eq!(ours.candidates(&file[..1], &t, CANDIDATES), [0]);
    }

    #[test]
    fn order_and_distinct_passages_of_ours_count() {
        let t = Thresholds::default();
        let ours = index(6);
        // The same passages backwards: one pair survives the order.
        let reversed: Vec<Vec<i8>> = [5, 3, 2, 0].into_iter().map(axis).collect();
        let a = ours.align(0, &reversed, &t);
        assert_eq!(a.distinct, 1);
        assert!(!a.is_rewrite(&t));
        // Every passage of the file near one passage of ours (a generic
        // paragraph on the topic): four pairs, one passage of ours.
        let generic: Vec<Vec<i8>> = (0..4).map(|_| axis(2)).collect();
        let a = ours.align(0, &generic, &t);
        assert_eq!((a.pairs.len(), a.distinct), (4, 1));
        assert!(a.share < t.min_share && !a.is_rewrite(&t));
        // A file of one passage is never a rewrite, however close.
        let one = ours.align(0, &[axis(1)], &t);
        assert_eq!(one.share, 1.0);
        assert!(!one.is_rewrite(&t));
        // Nothing near: no candidate.
        assert!(ours.candidates(&[axis(100)], &t, CANDIDATES).is_empty());
    }
}
