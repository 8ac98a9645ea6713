//! Word shingles, MinHash signatures and LSH banding.
//!
//! Triage compares a leaked file against ~10⁵ stored versions without reading
//! them: each version's MinHash signature is cut into `b` bands of `r` rows,
//! each band hashed to a 64-bit key, and the keys are stored (SQL index).
//! A leaked file is compared only with versions sharing at least one band key;
//! the probability of that is `1 - (1 - J^r)^b` for Jaccard similarity `J`.
//!
//! Hashes are fixed functions of the text (constants below), so
//! signatures computed today still match those computed by a later release
//! as long as the [`crate::Params`] and [`crate::Fingerprint::ENCODING`]
//! stay the same.

use std::ops::Range;

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::ascii8;
use crate::normalize::word_spans;

/// Hashes of the distinct `k`-word shingles of normalised text, sorted.
///
/// A text with fewer than `k` (but at least one) words yields one shingle of
/// all its words; an empty text yields none.
pub fn shingle_hashes(normalized: &str, k: usize) -> Vec<u64> {
    let mut out = shingles_in_order(normalized, k).0;
    out.sort_unstable();
    out.dedup();
    out
}

/// The hash of every `k`-word shingle of the text in text order, repeats
/// included (see [`shingle_hashes`]), and the number of words (one pass).
///
/// A shingle's hash is a polynomial in its words' hashes, rolled from one
/// shingle to the next (two multiplies), then mixed: hashing each shingle's
/// words afresh with XXH3 was a third of fingerprinting a text.
pub(crate) fn shingles_in_order(normalized: &str, k: usize) -> (Vec<u64>, usize) {
    let k = k.max(1);
    let bytes = normalized.as_bytes();
    // About one word per 6.5 bytes of English text.
    let mut words: Vec<u64> = Vec::with_capacity(normalized.len() / 6);
    words.extend(word_spans(normalized).map(|w| word_hash(bytes, w)));
    if words.len() < k {
        // One shingle of all the words (none for no word).
        let all = words.iter().fold(0u64, |h, &w| roll(h, w));
        let out = if words.is_empty() {
            vec![]
        } else {
            vec![mix(all)]
        };
        return (out, words.len());
    }
    // P^(k-1): the coefficient of a window's first word, which leaves next.
    let first = (1..k).fold(1u64, |x, _| x.wrapping_mul(SHINGLE_BASE));
    let mut h = words[..k - 1].iter().fold(0u64, |h, &w| roll(h, w));
    let mut out = Vec::with_capacity(words.len() + 1 - k);
    for (i, &w) in words.iter().enumerate().skip(k - 1) {
        h = roll(h, w);
        out.push(mix(h));
        h = h.wrapping_sub(words[i + 1 - k].wrapping_mul(first));
    }
    (out, words.len())
}

/// The number of distinct values among `hashes` (hash values: uniform
/// bits), without sorting them all: a bitmap on their top bits, about 16
/// bits per value, finds the buckets hit more than once, and only the
/// values in those (about one in sixteen, plus the repeats) are sorted.
/// Sorting every shingle hash of a text was a sixth of fingerprinting it.
pub(crate) fn distinct_count(hashes: &[u64]) -> usize {
    const SORT_BELOW: usize = 1024;
    let sorted_distinct = |mut v: Vec<u64>| {
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    if hashes.len() < SORT_BELOW {
        return sorted_distinct(hashes.to_vec());
    }
    let bits = (hashes.len() * 16).next_power_of_two();
    let shift = 64 - bits.trailing_zeros();
    let bucket = |h: u64| {
        let b = (h >> shift) as usize;
        (b / 64, 1u64 << (b % 64))
    };
    let (mut seen, mut crowded) = (vec![0u64; bits / 64], vec![0u64; bits / 64]);
    for &h in hashes {
        let (w, m) = bucket(h);
        crowded[w] |= seen[w] & m;
        seen[w] |= m;
    }
    let in_crowded: Vec<u64> = hashes
        .iter()
        .copied()
        .filter(|&h| {
            let (w, m) = bucket(h);
            crowded[w] & m != 0
        })
        .collect();
    // Every value of an uncrowded bucket is the only one there.
    hashes.len() - in_crowded.len() + sorted_distinct(in_crowded)
}

/// The base of the shingle polynomial: odd, and 3 mod 4, so that two
/// words swapped change the hash unless their hashes agree on 63 bits.
const SHINGLE_BASE: u64 = 0x9e37_79b9_7f4a_7c17;

/// One more word appended to a shingle polynomial.
#[inline]
fn roll(h: u64, word: u64) -> u64 {
    h.wrapping_mul(SHINGLE_BASE).wrapping_add(word)
}

/// The 64-bit product of two words folded from their 128-bit product
/// (the mixing step of wyhash).
#[inline]
fn fold(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// The hash of the word at `span` of `text`: its bytes eight at a time
/// (little-endian, zero-padded: no word holds a zero byte), each chunk
/// folded into the hash with a multiply, seeded with the word's length.
#[inline]
fn word_hash(text: &[u8], span: Range<usize>) -> u64 {
    const K0: u64 = 0xa076_1d64_78bd_642f;
    const K1: u64 = 0xe703_7ed1_a0b4_28db;
    let mut h = span.len() as u64 ^ K1;
    let mut at = span.start;
    while at < span.end {
        let n = (span.end - at).min(8);
        let chunk = match ascii8::load(text, at) {
            Some(x) if n == 8 => x,
            Some(x) => x & ((1u64 << (8 * n)) - 1),
            None => {
                let mut tail = [0u8; 8];
                tail[..n].copy_from_slice(&text[at..at + n]);
                u64::from_le_bytes(tail)
            }
        };
        h = fold(chunk ^ K0, h ^ K1);
        at += n;
    }
    h
}

/// The splitmix64 finaliser: a fast bijective 64-bit mixer.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// MinHash signature of a set of shingle hashes: one-permutation MinHash
/// with optimal densification (Li, Owen & Zhang 2012; Shrivastava 2017).
///
/// Each shingle hash, mixed once more, falls in one of `n` bins (its top
/// bits, by multiply-shift) and each bin keeps the smallest low 32 bits it
/// saw: a few multiplies and one comparison per shingle, where `n`
/// independent hash functions cost `n` multiply-adds (measured: 128 functions ran at
/// ~150 MB/s of text per core and were the largest single cost of triage).
/// A bin no shingle fell in borrows the value of another bin, chosen by a
/// fixed hash of (bin, attempt) that does not depend on the set, so two
/// sets agree on entry `i` with probability equal to their Jaccard
/// similarity, as with `n` independent functions. Duplicates in `shingles`
/// do not change the result. An empty set gives an empty signature (it has
/// no meaningful minimum and must not collide).
pub fn minhash(shingles: &[u64], n: usize) -> Vec<u32> {
    if shingles.is_empty() || n == 0 {
        return Vec::new();
    }
    let mut mins: Vec<Option<u32>> = vec![None; n];
    for &x in shingles {
        // Mixed again: the bin and the value must look independent even
        // when the caller's hashes are structured (two multiplies, still
        // far from 128).
        let h = mix(x);
        let bin = bin_of(h, n);
        let v = h as u32;
        let m = &mut mins[bin];
        if m.is_none_or(|m| v < m) {
            *m = Some(v);
        }
    }
    (0..n)
        .map(|i| match mins[i] {
            Some(v) => v,
            None => densify(&mins, i),
        })
        .collect()
}

/// The bin of a shingle hash: its top bits, mapped onto `0..n` without a
/// division (`x·n / 2⁶⁴`).
fn bin_of(x: u64, n: usize) -> usize {
    ((u128::from(x) * n as u128) >> 64) as usize
}

/// The value an empty bin `i` borrows: that of the first non-empty bin in a
/// sequence fixed by `i` alone (optimal densification). At least one bin is
/// non-empty; after `4n` attempts the next non-empty bin after `i` is
/// taken, which keeps the loop bounded whatever the hash does.
fn densify(mins: &[Option<u32>], i: usize) -> u32 {
    let n = mins.len();
    for attempt in 1..=4 * n as u64 {
        let j = bin_of(mix(DENSIFY_SEED ^ ((i as u64) << 32 | attempt)), n);
        if let Some(v) = mins[j] {
            return v;
        }
    }
    (1..n).find_map(|d| mins[(i + d) % n]).unwrap_or_default()
}

const DENSIFY_SEED: u64 = 0x4f50_485f_4445_4e53;

/// Estimated Jaccard similarity: the fraction of equal signature entries.
/// Returns 0 when either signature is empty or their lengths differ.
pub fn estimate_jaccard(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    let eq = a.iter().zip(b).filter(|(x, y)| x == y).count();
    eq as f64 / a.len() as f64
}

/// LSH band keys of a signature: band `i` covers entries `i·r .. (i+1)·r`
/// and its key is an xxh3 hash of those entries seeded with `i`.
///
/// Two documents become candidates when they share any `(band, key)` pair.
/// Returns nothing for an empty or too-short signature.
pub fn band_keys(signature: &[u32], bands: usize, rows: usize) -> Vec<(u16, u64)> {
    if rows == 0 || signature.len() < bands * rows {
        return Vec::new();
    }
    signature
        .chunks_exact(rows)
        .take(bands.min(usize::from(u16::MAX)))
        .enumerate()
        .map(|(i, rows)| {
            let mut buf = Vec::with_capacity(rows.len() * 4);
            for v in rows {
                buf.extend_from_slice(&v.to_le_bytes());
            }
            (i as u16, xxh3_64_with_seed(&buf, i as u64))
        })
        .collect()
}

/// Probability that two documents with Jaccard similarity `j` share at least
/// one band key: `1 - (1 - j^rows)^bands`.
pub fn candidate_probability(j: f64, bands: usize, rows: usize) -> f64 {
    1.0 - (1.0 - j.powi(rows as i32)).powi(bands as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_count_counts_the_distinct_values() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for n in [0usize, 1, 2, 1000, 1023, 1024, 5000, 100_000] {
            for repeats in [0usize, 1, 3] {
                let mut v: Vec<u64> = (0..n).map(|_| next()).collect();
                // Repeats: a share of the values again, in another order,
                // and values that share the top bits but differ below.
                for i in 0..(n * repeats / 4) {
                    v.push(v[(i * 7919) % n]);
                    v.push(v[(i * 104_729) % n] ^ 1);
                }
                let mut sorted = v.clone();
                sorted.sort_unstable();
                sorted.dedup();
                assert_eq!(distinct_count(&v), sorted.len(), "n={n} repeats={repeats}");
            }
        }
        // All in one bucket.
        let same_top: Vec<u64> = (0..5000u64).map(|i| i % 3000).collect();
        assert_eq!(distinct_count(&same_top), 3000);
    }

    /// The shingle hashes rolled along a text are those of each window's
    /// polynomial computed afresh.
    #[test]
    fn rolled_shingles_equal_each_windows_polynomial() {
        let text = "alpha b c delta echo foxtrot golf hotel india juliett kilo lima mike november";
        let hashes: Vec<u64> = word_spans(text)
            .map(|w| word_hash(text.as_bytes(), w))
            .collect();
        for k in [1usize, 2, 5, 7] {
            let (rolled, words) = shingles_in_order(text, k);
            assert_eq!(words, hashes.len());
            let afresh: Vec<u64> = hashes
                .windows(k)
                .map(|w| mix(w.iter().fold(0, |h, &x| roll(h, x))))
                .collect();
            assert_eq!(rolled, afresh, "k={k}");
        }
    }

    /// A word hashes alike wherever it stands (the last word of a text is
    /// read without an eight-byte load), and every byte and the length
    /// count; a shingle's word order counts.
    #[test]
    fn a_word_hashes_alike_anywhere_and_by_every_byte() {
        for len in 1..=24 {
            let word: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            let alone = word_hash(&word, 0..len);
            let text = [&b"x "[..], &word, b" yyyyyyyyyyyyyyyy"].concat();
            assert_eq!(word_hash(&text, 2..2 + len), alone, "len {len}");
            for i in 0..len {
                let mut other = word.clone();
                other[i] = b'0';
                assert_ne!(word_hash(&other, 0..len), alone, "len {len}, byte {i}");
            }
            let longer = [&word[..], b"a"].concat();
            assert_ne!(word_hash(&longer, 0..len + 1), alone);
        }
        assert_ne!(shingle_hashes("a b", 2), shingle_hashes("b a", 2));
        assert_ne!(shingle_hashes("a b c", 3), shingle_hashes("a c b", 3));
    }

    #[test]
    fn short_texts_have_one_shingle() {
        assert_eq!(shingle_hashes("a b", 5).len(), 1);
        assert!(shingle_hashes("", 5).is_empty());
        assert_eq!(shingle_hashes("a b c d e f", 5).len(), 2);
        assert_eq!(shingle_hashes("x x x x x x x x", 5).len(), 1);
    }

    #[test]
    fn identical_sets_identical_signatures() {
        let s = shingle_hashes("one two three four five six seven eight nine ten", 3);
        assert_eq!(minhash(&s, 64), minhash(&s, 64));
        assert_eq!(estimate_jaccard(&minhash(&s, 64), &minhash(&s, 64)), 1.0);
        assert_eq!(band_keys(&minhash(&s, 64), 16, 4).len(), 16);
        assert!(band_keys(&[], 16, 4).is_empty());
    }

    /// A set of `n` distinct, well-mixed shingle hashes starting at `seed`.
    fn set(seed: u64, n: usize) -> Vec<u64> {
        (0..n as u64).map(|i| mix(seed.wrapping_add(i))).collect()
    }

    #[test]
    fn one_permutation_estimates_jaccard() {
        // Sets of several sizes (small ones leave most bins empty and rely
        // on densification) with known Jaccard similarity: the mean of the
        // estimate over 200 pairs is within a few points of the truth.
        for (shared, only) in [(40, 20), (300, 300), (3_000, 1_000), (30, 90)] {
            let truth = shared as f64 / (shared + 2 * only) as f64;
            let mut sum = 0.0;
            for t in 0..200u64 {
                let common = set(t << 40, shared);
                let mut a = common.clone();
                a.extend(set((t << 40) | 1 << 30, only));
                let mut b = common;
                b.extend(set((t << 40) | 2 << 30, only));
                sum += estimate_jaccard(&minhash(&a, 128), &minhash(&b, 128));
            }
            let mean = sum / 200.0;
            assert!(
                (mean - truth).abs() < 0.03,
                "shared {shared}, only {only}: mean {mean:.3} vs {truth:.3}"
            );
        }
    }

    #[test]
    fn signature_ignores_order_and_duplicates_and_fills_every_entry() {
        let a = set(7, 50);
        let mut b: Vec<u64> = a.iter().rev().copied().collect();
        b.extend_from_slice(&a[..10]);
        assert_eq!(minhash(&a, 128), minhash(&b, 128));
        // One shingle: every entry borrows its value.
        let one = minhash(&[0x1234_5678_9abc_def0], 128);
        assert_eq!(one.len(), 128);
        assert!(one.iter().all(|&v| v == mix(0x1234_5678_9abc_def0) as u32));
        assert!(minhash(&[], 128).is_empty());
    }

    #[test]
    fn s_curve() {
        assert!(candidate_probability(0.9, 16, 8) > 0.99);
        assert!(candidate_probability(0.1, 16, 8) < 0.001);
    }
}
