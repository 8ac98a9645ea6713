//! Word shingles, MinHash signatures and LSH banding.
//!
//! Triage compares a leaked file against ~10⁵ stored versions without reading
//! them: each version's MinHash signature is cut into `b` bands of `r` rows,
//! each band hashed to a 64-bit key, and the keys are stored (SQL index).
//! A leaked file is compared only with versions sharing at least one band key;
//! the probability of that is `1 - (1 - J^r)^b` for Jaccard similarity `J`.
//!
//! Hashes are fixed functions of the text (xxh3 with constant seeds), so
//! signatures computed today still match those computed by a later release
//! as long as the [`crate::Params`] stay the same.

use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use crate::normalize::words;

/// Hashes of the distinct `k`-word shingles of normalised text, sorted.
///
/// A text with fewer than `k` (but at least one) words yields one shingle of
/// all its words; an empty text yields none.
pub fn shingle_hashes(normalized: &str, k: usize) -> Vec<u64> {
    let k = k.max(1);
    let word_hashes: Vec<u64> = words(normalized).map(|w| xxh3_64(w.as_bytes())).collect();
    let mut buf = Vec::with_capacity(k * 8);
    let mut out: Vec<u64> = if word_hashes.is_empty() {
        Vec::new()
    } else if word_hashes.len() < k {
        vec![hash_words(&word_hashes, &mut buf)]
    } else {
        word_hashes
            .windows(k)
            .map(|w| hash_words(w, &mut buf))
            .collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

fn hash_words(ws: &[u64], buf: &mut Vec<u8>) -> u64 {
    buf.clear();
    for w in ws {
        buf.extend_from_slice(&w.to_le_bytes());
    }
    xxh3_64_with_seed(buf, 0x0053_4849_4e47_4c45)
}

/// The splitmix64 finaliser: a fast bijective 64-bit mixer.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// MinHash signature of a set of shingle hashes with `n` hash functions.
///
/// Hash function `i` is `x ↦ a_i·x + b_i mod 2⁶⁴` (odd `a_i`, fixed seeds;
/// a permutation of the already well-mixed 64-bit shingle hash, one
/// multiply-add per function); each entry keeps the top 32 bits of the
/// minimum. An empty set gives an
/// empty signature (it has no meaningful minimum and must not collide).
pub fn minhash(shingles: &[u64], n: usize) -> Vec<u32> {
    if shingles.is_empty() {
        return Vec::new();
    }
    let coeffs: Vec<(u64, u64)> = (0..n as u64)
        .map(|i| {
            let a = mix(0x9e37_79b9_7f4a_7c15 ^ (2 * i + 1)) | 1;
            let b = mix(0xd1b5_4a32_d192_ed03 ^ (2 * i + 2));
            (a, b)
        })
        .collect();
    let mut mins = vec![u64::MAX; n];
    for &x in shingles {
        for (m, &(a, b)) in mins.iter_mut().zip(&coeffs) {
            let h = x.wrapping_mul(a).wrapping_add(b);
            if h < *m {
                *m = h;
            }
        }
    }
    mins.into_iter().map(|m| (m >> 32) as u32).collect()
}

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

    #[test]
    fn s_curve() {
        assert!(candidate_probability(0.9, 16, 8) > 0.99);
        assert!(candidate_probability(0.1, 16, 8) < 0.001);
    }
}
