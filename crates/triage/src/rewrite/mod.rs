//! Rewritten leaks: a file that shares no word sequence with anything we
//! hold, but whose passages mean, one after another, what one document's
//! passages mean. A paraphrase or a summary keeps the order of the ideas
//! it rewrites; another text on the same topic does not follow one
//! document passage by passage, and a quoted sentence is one passage of
//! many. So the test is an alignment of the whole file, in order, not a
//! topic score or a best passage.
//!
//! Steps keep it cheap on files that are ours in no way (`search`): four
//! passages of the file, spread over it, are sampled; two are embedded and
//! compared with every stored passage (exact dot products of int8
//! vectors, [`PassageIndex`]); if neither comes near any, no item can be
//! near the three of four the test needs, and the search stops (exactly
//! the answer the four would give). Otherwise the other two are embedded
//! and compared with the passages of the items the first two came near,
//! and only those items are candidates; the samples alone must pass the
//! test against one, and on a long file [`VERIFY`] passages spread over it
//! must align with it in good part, before the whole file is embedded and
//! aligned with it. Files are searched in batches
//! ([`Semantic::find_many`]): their first samples share one scan. On the
//! triage benchmark, whose 600 fresh files all come near stored passages,
//! embedding four passages a file is most of the matcher's cost, the scan
//! of the stored passages (`rampart_semantic::scan`) a fifth
//! (`BENCHMARK.md`).
//!
//! The thresholds were set on the calibration set (`calibration/rewrites`,
//! `examples/calibrate.rs`), which prints their precision and recall.

mod index;
mod search;

pub use index::PassageIndex;
pub use search::Semantic;

use rampart_semantic::Passage;
use rampart_store::MatchSource;

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
    spread(n, SAMPLE)
}

/// `k` passages of a file of `n` (all when `n <= k`), spread from its
/// first to its last.
fn spread(n: usize, k: usize) -> Vec<usize> {
    if n <= k {
        (0..n).collect()
    } else {
        (0..k).map(|i| i * (n - 1) / (k - 1)).collect()
    }
}

/// Passages of a long file, spread over it, that must align with a
/// candidate before the whole file is embedded (those of a file of at
/// most this many are all embedded at once). Four samples in order find
/// an item of a few hundred passages easily in a text of its style: on the
/// triage benchmark, three of its 600 fresh files of 200 passages passed
/// the samples' test, and each was embedded whole (1.3 s of a core each)
/// to show that 14–17 % of it aligned. Of 24 passages spread over them,
/// 29–42 % aligned.
pub const VERIFY: usize = 25;
/// The share of the [`VERIFY`] passages that must align, in order, with
/// distinct passages of the candidate: half, below the [`Thresholds`]'
/// share of the whole (0.7), so that a rewrite is not lost on a sample: if
/// 70 % of a file aligns, fewer than half of 25 passages spread over it
/// do with a chance near 1 % (binomially; less, as they are spread).
pub const VERIFY_SHARE: f64 = 0.5;

// The samples are among the passages verified (the same fractions of the
// file, rounded alike), so none is embedded twice.
const _: () = assert!((VERIFY - 1).is_multiple_of(SAMPLE - 1));

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_needed_follow_the_share_and_the_two_passage_minimum() {
        let t = Thresholds::default();
        let needed: Vec<usize> = (1..=4).map(|k| aligned_needed(k, &t)).collect();
        // One sample can never pass; of four, three must align (0.7 × 4).
        assert_eq!(needed, [2, 2, 3, 3]);
        // 0.7 × 10 is 7.000000000000001 in floating point: still 7.
        assert_eq!(aligned_needed(10, &t), 7);
    }

    #[test]
    fn the_samples_are_among_the_passages_verified() {
        for n in [1, 4, 5, 25, 26, 27, 100, 200] {
            let verified = spread(n, VERIFY);
            assert!(sample(n).iter().all(|i| verified.contains(i)), "{n}");
            assert_eq!(verified.len(), n.min(VERIFY));
        }
    }
}
