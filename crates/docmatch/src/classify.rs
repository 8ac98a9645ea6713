//! The verdict for one (leaked file, stored version) pair.
//!
//! Exact hashes decide `genuine`, and so do equal shingle sets compared
//! exactly (the same words in the same order: another extractor's
//! punctuation and spacing differ, the text does not); otherwise
//! containment in both directions
//! and Jaccard similarity are computed on the two shingle sketches (compared
//! at the coarser of their sampling levels, so they are exact for documents
//! under the sketch cap) and the thresholds of [`Params`] separate `excerpt`,
//! `altered` and no match.

use crate::minhash::estimate_jaccard;
use crate::{Fingerprint, Params};

/// How a leaked file relates to one version we hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Same bytes, or same normalised text (watermark and formatting aside).
    Genuine,
    /// A near-duplicate with edits (or our text with material added).
    Altered,
    /// A part of the version: (almost) fully contained in it, clearly shorter.
    Excerpt,
    /// Not related enough to this version.
    NoMatch,
}

impl Verdict {
    /// Lower-case name as used in the JSON report (`"genuine"`, ...;
    /// `NoMatch` is `"unknown"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Genuine => "genuine",
            Verdict::Altered => "altered",
            Verdict::Excerpt => "excerpt",
            Verdict::NoMatch => "unknown",
        }
    }

    /// Rank for picking the best of several candidates' verdicts
    /// (higher is a stronger claim).
    pub fn strength(self) -> u8 {
        match self {
            Verdict::Genuine => 3,
            Verdict::Excerpt => 2,
            Verdict::Altered => 1,
            Verdict::NoMatch => 0,
        }
    }
}

/// The outcome of [`classify`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    /// The verdict.
    pub verdict: Verdict,
    /// Jaccard similarity of the two shingle sets (1.0 when genuine).
    pub similarity: f64,
    /// Fraction of the leaked file's shingles found in the candidate.
    pub containment: f64,
    /// Fraction of the candidate's shingles found in the leaked file.
    pub reverse_containment: f64,
    /// Leaked distinct shingles ÷ candidate distinct shingles.
    pub length_ratio: f64,
    /// MinHash estimate of the Jaccard similarity (what LSH saw).
    pub signature_similarity: f64,
}

/// Classifies a leaked file against one candidate version.
///
/// Fingerprints made with different shingle sizes can only be `genuine`
/// (equal hashes) or `NoMatch`.
pub fn classify(leaked: &Fingerprint, candidate: &Fingerprint, params: &Params) -> Match {
    let signature_similarity = estimate_jaccard(&leaked.signature, &candidate.signature);
    let length_ratio = if candidate.shingles == 0 {
        0.0
    } else {
        f64::from(leaked.shingles) / f64::from(candidate.shingles)
    };
    let same_text = leaked.words > 0 && leaked.text_sha256 == candidate.text_sha256;
    if leaked.bytes_sha256 == candidate.bytes_sha256 || same_text {
        return Match {
            verdict: Verdict::Genuine,
            similarity: 1.0,
            containment: 1.0,
            reverse_containment: 1.0,
            length_ratio,
            signature_similarity,
        };
    }
    let mut m = Match {
        verdict: Verdict::NoMatch,
        similarity: 0.0,
        containment: 0.0,
        reverse_containment: 0.0,
        length_ratio,
        signature_similarity,
    };
    if leaked.shingle_words != candidate.shingle_words {
        return m;
    }
    let level = leaked.sketch_level.max(candidate.sketch_level);
    let a: Vec<u32> = leaked.sketch_at(level).collect();
    let b: Vec<u32> = candidate.sketch_at(level).collect();
    if a.is_empty() || b.is_empty() {
        return m;
    }
    let inter = intersection_len(&a, &b);
    let union = a.len() + b.len() - inter;
    m.similarity = inter as f64 / union as f64;
    m.containment = inter as f64 / a.len() as f64;
    m.reverse_containment = inter as f64 / b.len() as f64;
    let contained = m.containment >= params.excerpt_min_containment;
    m.verdict = if level == 0 && inter == a.len() && inter == b.len() {
        // Every word shingle of both, the same: the same words in the same
        // order, only punctuation, spacing or characters that fold away
        // differ — what another text extractor or a re-save changes, not an
        // edit. (A sampled sketch could miss an edit, so only exact ones.)
        Verdict::Genuine
    } else if contained
        && length_ratio <= params.excerpt_max_length_ratio
        && leaked.shingles >= params.excerpt_min_shingles
    {
        Verdict::Excerpt
    } else if m.similarity >= params.altered_min_jaccard
        || (contained && length_ratio > params.excerpt_max_length_ratio)
        || (m.reverse_containment >= params.excerpt_min_containment
            && candidate.shingles >= params.excerpt_min_shingles)
    {
        Verdict::Altered
    } else {
        Verdict::NoMatch
    };
    m
}

/// Size of the intersection of two sorted, deduplicated slices, merged
/// without a branch on the comparison: its outcome is a coin toss on
/// unrelated sketches, and mispredicting it made this merge a twentieth of
/// triaging files that match nothing (each is compared with up to 16
/// candidates).
fn intersection_len(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while let (Some(&x), Some(&y)) = (a.get(i), b.get(j)) {
        n += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intersection() {
        assert_eq!(intersection_len(&[1, 3, 5, 7], &[2, 3, 4, 7, 9]), 2);
        assert_eq!(intersection_len(&[], &[1]), 0);
        assert_eq!(intersection_len(&[5], &[]), 0);
        assert_eq!(intersection_len(&[1, 2, 3], &[1, 2, 3]), 3);
        assert_eq!(intersection_len(&[1, 9], &[2, 3, 4, 9, 10]), 1);
    }
}
