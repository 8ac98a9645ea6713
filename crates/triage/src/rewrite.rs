//! Rewritten leaks: a file that shares no word sequence with anything we
//! hold, but whose passages mean, one after another, what one document's
//! passages mean. A paraphrase or a summary keeps the order of the ideas
//! it rewrites; another text on the same topic does not follow one
//! document passage by passage, and a quoted sentence is one passage of
//! many. So the test is an alignment of the whole file, in order, not a
//! topic score or a best passage.
//!
//! Steps keep it cheap on files that are ours in no way: four passages of
//! the file, spread over it, are sampled; two are embedded and compared
//! with every stored passage (exact dot products of int8 vectors); if
//! neither comes near any, no item can be near the three of four the test
//! needs, and the search stops (exactly the answer the four would give).
//! Otherwise the other two are embedded and compared with the passages of
//! the items the first two came near, and only those items are candidates;
//! the samples alone must pass the test against one before the whole file
//! is embedded and aligned with it. Files are searched in batches
//! ([`Semantic::find_many`]): their first samples share one scan. On the
//! triage benchmark, whose 600 fresh files all come near stored passages,
//! that is 1.7 × the time without the matcher (`BENCHMARK.md`): embedding
//! four passages a file is most of it, the scan of the stored passages
//! (`rampart_semantic::scan`) a fifth.
//!
//! The thresholds were set on the calibration set (`calibration/rewrites`,
//! `examples/calibrate.rs`), which prints their precision and recall.

use rampart_semantic::{
    cosine_quantised, dot_floor, embed_passages, passages, scan, Embedder, Passage, DIM,
};
use rampart_store::{EmbeddedItems, MatchSource};
use std::collections::HashMap;

/// Passages of a file sampled to find candidates.
pub const SAMPLE: usize = 4;
/// Candidates aligned with the whole file, most votes first.
pub const CANDIDATES: usize = 3;

/// Where the search draws its lines (the defaults were set on the
/// calibration set; `examples/calibrate.rs` reruns it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// A sampled passage votes for an item when one of the item's
    /// passages is at least this close.
    pub candidate_floor: f32,
    /// A file passage aligns with one of ours only this close or closer.
    pub pair_floor: f32,
    /// The share of the file's passages that must align, in order.
    pub min_share: f64,
    /// The mean cosine of the aligned pairs.
    pub min_mean: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        // On the calibration set (README there), paraphrases and summaries
        // scored 36/36 and 32/36 with no negative linked from pair floors
        // 0.50 to 0.62 and mean floors 0.64 to 0.72; the share is the
        // narrow one: at 0.6, a text on the same topic with 4 of its 6
        // passages near ours (mean 0.71) was linked.
        Thresholds {
            candidate_floor: 0.60,
            pair_floor: 0.55,
            min_share: 0.7,
            min_mean: 0.68,
        }
    }
}

/// The passages of a file of `n` sampled to find candidates: [`SAMPLE`]
/// of them, spread from its first to its last.
pub fn sample(n: usize) -> Vec<usize> {
    if n <= SAMPLE {
        (0..n).collect()
    } else {
        (0..SAMPLE).map(|k| k * (n - 1) / (SAMPLE - 1)).collect()
    }
}
/// How many of `k` sampled passages must align with one item for the
/// samples to pass [`Alignment::is_rewrite`]: distinct passages of ours,
/// at least two, and the minimum share of the `k`.
fn aligned_needed(k: usize, t: &Thresholds) -> usize {
    // Less a hair, so that 0.7 × 10 is 7, not 7.000000000000001 rounded up.
    let share = (t.min_share * k as f64 - 1e-9).ceil().max(0.0) as usize;
    share.max(2)
}

/// Passages of a leaked file considered (the first ones): a long rewrite
/// is recognised from its beginning.
pub const MAX_PASSAGES: usize = 200;

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
    fn near(&self, queries: &[Vec<i8>], first_bit: usize, t: &Thresholds) -> HashMap<usize, Near> {
        self.near_in([(0, self.passages())], queries, first_bit, t)
    }

    /// [`PassageIndex::near`] over the passages of `items` alone.
    fn near_among(
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
    fn near_rows(
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
struct Near {
    close: u32,
    voters: u32,
    best: i32,
}

impl Near {
    fn merge(&mut self, other: Near) {
        self.close |= other.close;
        self.voters |= other.voters;
        self.best = self.best.max(other.best);
    }
}

/// The items some sample comes within the candidate floor of, most voters
/// first (then the closest), at most `limit` (items only within the pair
/// floor are not candidates).
fn rank(near: HashMap<usize, Near>, limit: usize) -> Vec<usize> {
    let mut ranked: Vec<(usize, u32, i32)> = near
        .into_iter()
        .filter(|(_, n)| n.voters != 0)
        .map(|(item, n)| (item, n.voters.count_ones(), n.best))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    ranked.into_iter().take(limit).map(|(i, ..)| i).collect()
}

/// A file's passages aligned with one item's.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// The item.
    pub source: MatchSource,
    /// `(file passage, our passage, cosine)`, in order.
    pub pairs: Vec<(usize, usize, f32)>,
    /// Distinct passages of ours aligned.
    pub distinct: usize,
    /// Those per passage of the file: the share of the file aligned.
    pub share: f64,
    /// The mean cosine of the aligned pairs.
    pub similarity: f64,
    /// The item's number of passages.
    pub ours: usize,
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

impl Alignment {
    /// Whether the alignment makes the file a rewrite of the item: much of
    /// the file, in order, with distinct passages of ours, close on
    /// average; and two of ours at least, so that a file shorter than two
    /// passages (~80 words) is never called a rewrite (one passage that
    /// quotes ours is a quotation).
    pub fn is_rewrite(&self, t: &Thresholds) -> bool {
        self.distinct >= 2 && self.share >= t.min_share && self.similarity >= t.min_mean
    }
}

/// A file's passages and their alignments with its candidates.
#[derive(Debug, Clone)]
pub struct Aligned {
    /// The file's passages (those considered).
    pub passages: Vec<Passage>,
    /// One per candidate item.
    pub alignments: Vec<Alignment>,
}

/// What the rewrite search found for one file.
#[derive(Debug, Clone)]
pub struct Found {
    /// The file's passages (those considered).
    pub passages: Vec<Passage>,
    /// The alignment that makes it a rewrite.
    pub alignment: Alignment,
}

/// The semantic matcher of a triage run: the model and the stored passages.
#[derive(Debug)]
pub struct Semantic {
    /// The loaded model.
    pub embedder: std::sync::Arc<Embedder>,
    /// Every stored passage.
    pub index: PassageIndex,
    /// Where it draws its lines.
    pub thresholds: Thresholds,
}

/// A file's passages and sampled passages before its first scan.
struct Start {
    passages: Vec<Passage>,
    picks: Vec<usize>,
    /// Samples that must align with one item (see `aligned_needed`).
    needed: usize,
    /// Samples embedded before the first scan.
    first: usize,
}

impl Semantic {
    /// Whether `text` is a rewrite of one item, and of which (CPU work: call
    /// from a blocking thread). `None` when it is not, or has no passages.
    pub fn find(&self, text: &str) -> Result<Option<Found>, rampart_semantic::Error> {
        Ok(self.find_many(&[text])?.pop().flatten())
    }

    /// [`Semantic::find`] for several files at once, in order: their
    /// first samples are compared with every stored passage in one scan.
    pub fn find_many(&self, texts: &[&str]) -> Result<Vec<Option<Found>>, rampart_semantic::Error> {
        Ok(self
            .alignments_many(texts)?
            .into_iter()
            .map(|aligned| {
                let Aligned {
                    passages,
                    alignments,
                } = aligned?;
                let best = alignments
                    .into_iter()
                    .filter(|a| a.is_rewrite(&self.thresholds))
                    .max_by(|a, b| {
                        (a.share, a.similarity)
                            .partial_cmp(&(b.share, b.similarity))
                            .unwrap_or(std::cmp::Ordering::Equal)
                    });
                best.map(|alignment| Found {
                    passages,
                    alignment,
                })
            })
            .collect())
    }

    /// The file's passages and their alignment with each candidate item
    /// (none when no sampled passage comes near any stored one): what
    /// [`Semantic::find`] judges, and what calibration measures.
    pub fn alignments(&self, text: &str) -> Result<Option<Aligned>, rampart_semantic::Error> {
        Ok(self.alignments_many(&[text])?.pop().flatten())
    }

    /// [`Semantic::alignments`] of several files, in order.
    fn alignments_many(
        &self,
        texts: &[&str],
    ) -> Result<Vec<Option<Aligned>>, rampart_semantic::Error> {
        let t = &self.thresholds;
        let starts: Vec<Option<Start>> = texts
            .iter()
            .map(|text| {
                let mut ps = passages(text);
                ps.truncate(MAX_PASSAGES);
                if ps.is_empty() || self.index.passages() == 0 {
                    return None;
                }
                let picks = sample(ps.len());
                // The samples must pass the test on their own (below), so
                // at least `needed` of them must come near one item. A
                // file of one passage cannot; and when the first `k -
                // needed + 1` samples come near no stored passage at all,
                // no item can be near `needed` of the `k`, so the rest
                // need not be embedded: the answer is the same, for two
                // passages instead of four on a file unlike anything we
                // hold.
                let k = picks.len();
                let needed = aligned_needed(k, t);
                (needed <= k).then_some(Start {
                    passages: ps,
                    picks,
                    needed,
                    first: k + 1 - needed,
                })
            })
            .collect();
        // Every file's first samples, embedded together and compared with
        // the stored passages in one scan.
        let mut firsts = Vec::new();
        let mut routes = Vec::new();
        for (f, start) in starts.iter().enumerate() {
            let Some(s) = start else { continue };
            for (bit, &i) in s.picks[..s.first].iter().enumerate() {
                firsts.push(s.passages[i].clone());
                routes.push((f, bit));
            }
        }
        let queries = embed_passages(&self.embedder, &firsts)?;
        let mut near = vec![HashMap::new(); starts.len()];
        self.index
            .near_rows(0, self.index.passages(), &queries, &routes, t, &mut near);
        let mut embedded = queries.into_iter();
        starts
            .into_iter()
            .zip(near)
            .map(|(start, near)| match start {
                None => Ok(None),
                Some(start) => {
                    let sample: Vec<Vec<i8>> = embedded.by_ref().take(start.first).collect();
                    self.align_file(start, sample, near)
                }
            })
            .collect()
    }

    /// The rest of [`Semantic::alignments`], for one file whose first
    /// samples (`sample`) came near the items of `near`.
    fn align_file(
        &self,
        start: Start,
        mut sample: Vec<Vec<i8>>,
        mut near: HashMap<usize, Near>,
    ) -> Result<Option<Aligned>, rampart_semantic::Error> {
        let t = &self.thresholds;
        let Start {
            passages: ps,
            picks,
            needed,
            first,
        } = start;
        if near.is_empty() {
            return Ok(None);
        }
        let n = ps.len();
        let picked: Vec<Passage> = picks.iter().map(|&i| ps[i].clone()).collect();
        // Only the items the first samples came near can still pass: the
        // other samples are compared with their passages alone, and the
        // others take no candidate's place.
        let more = embed_passages(&self.embedder, &picked[first..])?;
        let viable: Vec<usize> = near.keys().copied().collect();
        for (item, n) in self.index.near_among(&viable, &more, first, t) {
            near.entry(item).or_default().merge(n);
        }
        sample.extend(more);
        near.retain(|_, n| n.close.count_ones() as usize >= needed);
        let candidates = rank(near, CANDIDATES);
        if candidates.is_empty() {
            return Ok(None);
        }
        // The sampled passages must already pass the test on their own
        // before the whole file is embedded: a text in the style of ours
        // (or on its topic) nominates candidates with one close passage,
        // and a long file costs a core ~7 ms a passage, 1.4 s at 200. (With
        // half the samples aligned, the triage benchmark's fresh texts, of
        // the corpus's style, were embedded whole: 16 CPU minutes.)
        let candidates: Vec<usize> = candidates
            .into_iter()
            .filter(|&item| self.index.align(item, &sample, t).is_rewrite(t))
            .collect();
        if candidates.is_empty() {
            return Ok(Some(Aligned {
                passages: ps,
                alignments: Vec::new(),
            }));
        }
        // The rest of the file, now that it may be a rewrite.
        let rest: Vec<usize> = (0..n).filter(|i| !picks.contains(i)).collect();
        let rest_passages: Vec<Passage> = rest.iter().map(|&i| ps[i].clone()).collect();
        let mut all = vec![Vec::new(); n];
        for (&i, e) in picks.iter().zip(sample) {
            all[i] = e;
        }
        for (&i, e) in rest
            .iter()
            .zip(embed_passages(&self.embedder, &rest_passages)?)
        {
            all[i] = e;
        }
        let alignments = candidates
            .into_iter()
            .map(|item| self.index.align(item, &all, t))
            .collect();
        Ok(Some(Aligned {
            passages: ps,
            alignments,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quantised unit vector along axis `k`.
    fn axis(k: usize) -> Vec<i8> {
        let mut v = vec![0i8; DIM];
        v[k] = 127;
        v
    }

    fn index(passages: usize) -> PassageIndex {
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

    #[test]
    fn samples_needed_follow_the_share_and_the_two_passage_minimum() {
        let t = Thresholds::default();
        let needed: Vec<usize> = (1..=4).map(|k| aligned_needed(k, &t)).collect();
        // One sample can never pass; of four, three must align (0.7 × 4).
        assert_eq!(needed, [2, 2, 3, 3]);
        // 0.7 × 10 is 7.000000000000001 in floating point: still 7.
        assert_eq!(aligned_needed(10, &t), 7);
    }
}
