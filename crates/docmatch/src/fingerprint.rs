//! Fingerprints: everything triage needs to know about a version, computed
//! once at upload and stored, so triage never re-reads the corpus.
//!
//! A [`Fingerprint`] holds the exact hashes (bytes and normalised text), the
//! MinHash signature (for LSH candidate lookup) and a *sketch* of the shingle
//! set for exact-ish containment and Jaccard. The sketch is content-defined
//! sampling: a shingle is kept when its hash has at least `level` trailing
//! zero bits, with `level` the smallest that keeps at most
//! [`Params::sketch_max`] entries. Because the rule is a property of the
//! shingle itself, two sketches compared at the larger of their levels are
//! uniform samples of the *same* shingles: a fully contained excerpt still
//! shows containment 1.0, and small documents (level 0) are compared exactly.

use sha2::{Digest, Sha256};

use crate::minhash::{band_keys, distinct_count, minhash, shingles_in_order};
use crate::normalize::{normalize, words};
use crate::{extract_text, Error, Format, Limits, Result};

/// Matching parameters. Index and triage must use the same values; the
/// defaults were chosen from measurements (see the crate README).
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Words per shingle (`k`).
    pub shingle_words: usize,
    /// LSH bands (`b`). The signature has `bands × rows` entries.
    pub bands: usize,
    /// Rows per LSH band (`r`).
    pub rows: usize,
    /// Largest number of shingle hashes kept in a sketch.
    pub sketch_max: usize,
    /// Jaccard similarity at or above which a near-duplicate is `altered`.
    pub altered_min_jaccard: f64,
    /// Fraction of the leaked shingles found in the candidate at or above
    /// which the leak is (a part of) the candidate.
    pub excerpt_min_containment: f64,
    /// An excerpt has at most this fraction of the candidate's shingles;
    /// longer contained texts are `altered` (a few lines cut).
    pub excerpt_max_length_ratio: f64,
    /// Leaks with fewer distinct shingles than this are never `excerpt`
    /// (a sentence of boilerplate is contained in too many documents).
    pub excerpt_min_shingles: u32,
    /// Sampling level of [`Fingerprint::anchors`]: about one shingle in
    /// `2^anchor_level` becomes an anchor.
    pub anchor_level: u8,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            shingle_words: 5,
            bands: 64,
            rows: 2,
            sketch_max: 4096,
            altered_min_jaccard: 0.3,
            excerpt_min_containment: 0.9,
            excerpt_max_length_ratio: 0.8,
            excerpt_min_shingles: 20,
            anchor_level: 5,
        }
    }
}

impl Params {
    /// Number of MinHash functions (`bands × rows`).
    pub fn num_hashes(&self) -> usize {
        self.bands * self.rows
    }
}

/// A document's normalised text and its SHA-256: the cheap first half of a
/// [`Fingerprint`], enough to recognise a text we hold exactly (a served
/// copy, whatever its watermark and format) before shingling it.
#[derive(Debug, Clone)]
pub struct NormalizedText {
    text: String,
    sha256: [u8; 32],
}

impl NormalizedText {
    /// Normalises extracted text ([`normalize`]) and hashes it.
    pub fn new(text: &str) -> Self {
        let text = normalize(text);
        let sha256 = Sha256::digest(text.as_bytes()).into();
        NormalizedText { text, sha256 }
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// SHA-256 of the normalised text ([`Fingerprint::text_sha256`]); it
    /// identifies a text only when the text has a word.
    pub fn sha256(&self) -> Option<[u8; 32]> {
        words(&self.text).next().map(|_| self.sha256)
    }
}

/// Hashes, MinHash signature and shingle sketch of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// SHA-256 of the file's bytes.
    pub bytes_sha256: [u8; 32],
    /// SHA-256 of the normalised text.
    pub text_sha256: [u8; 32],
    /// Words in the normalised text.
    pub words: u32,
    /// Shingle size this fingerprint was computed with.
    pub shingle_words: u8,
    /// Distinct shingles in the full text (before sampling).
    pub shingles: u32,
    /// MinHash signature (`Params::num_hashes` entries; empty for empty text).
    pub signature: Vec<u32>,
    /// Sampling level of the sketch: kept hashes have `level` trailing zeros.
    pub sketch_level: u8,
    /// The sampled shingle hashes (top 32 bits), sorted ascending, distinct.
    pub sketch: Vec<u32>,
}

impl Fingerprint {
    /// The first bytes of [`Fingerprint::to_bytes`] in this release. A
    /// stored fingerprint that does not start with them was made by an
    /// earlier release, whose word and shingle hashes differ (`DMF1` and
    /// `DMF2` hashed with XXH3): nothing of it but its exact hashes
    /// (stored beside it) can be compared with a current one, so
    /// [`Fingerprint::from_bytes`] refuses it and its version should be
    /// reindexed.
    pub const ENCODING: &'static [u8; 4] = b"DMF3";

    /// Fingerprints a document from its raw bytes and its extracted text.
    pub fn new(bytes: &[u8], text: &str, params: &Params) -> Self {
        Fingerprint::of(
            Sha256::digest(bytes).into(),
            &NormalizedText::new(text),
            params,
        )
    }

    /// Fingerprints a document whose bytes were hashed already (by
    /// whoever read them) from its normalised text.
    pub fn of(bytes_sha256: [u8; 32], text: &NormalizedText, params: &Params) -> Self {
        let normalized = text.as_str();
        // In text order with repeats: neither the signature nor the sketch
        // needs them sorted, and the distinct count has its own way.
        let (shingles, words) = shingles_in_order(normalized, params.shingle_words);
        let signature = minhash(&shingles, params.num_hashes());
        let (sketch_level, sketch) = sketch(&shingles, params.sketch_max);
        Fingerprint {
            bytes_sha256,
            text_sha256: text.sha256,
            words: u32::try_from(words).unwrap_or(u32::MAX),
            shingle_words: u8::try_from(params.shingle_words).unwrap_or(u8::MAX),
            shingles: u32::try_from(distinct_count(&shingles)).unwrap_or(u32::MAX),
            signature,
            sketch_level,
            sketch,
        }
    }

    /// Detects the format, extracts the text and fingerprints it.
    pub fn from_file(
        bytes: &[u8],
        file_name: Option<&str>,
        limits: &Limits,
        params: &Params,
    ) -> Result<(Format, Fingerprint)> {
        let extracted = extract_text(bytes, file_name, limits)?;
        Ok((
            extracted.format,
            Fingerprint::new(bytes, &extracted.text, params),
        ))
    }

    /// The LSH band keys to store (index) or look up (triage).
    pub fn band_keys(&self, params: &Params) -> Vec<(u16, u64)> {
        band_keys(&self.signature, params.bands, params.rows)
    }

    /// Anchors: the sketch entries at [`Params::anchor_level`] (or the
    /// sketch's own level if coarser), i.e. a content-defined sample of about
    /// one shingle in 32.
    ///
    /// Store them in an inverted index (anchor → version) to find the source
    /// of *small* excerpts, whose Jaccard similarity with the whole document
    /// is too low for LSH bands: an excerpt of `n` shingles shares no anchor
    /// with its source with probability ≈ `(1 - 2^-level)^n` (≈ 0 for one
    /// page of 500 words). Rank candidates by the number of shared anchors and
    /// ignore anchors that occur in very many versions (boilerplate).
    pub fn anchors(&self, params: &Params) -> Vec<u32> {
        self.sketch_at(self.sketch_level.max(params.anchor_level))
            .collect()
    }

    /// The anchors to look up for this (leaked) file: [`Fingerprint::anchors`]
    /// thinned to at most `max` by raising the sampling level further.
    ///
    /// Stored anchors are a content-defined sample, so every anchor at a
    /// higher level is still found in a source that contains its shingle;
    /// a source holding a share `s` of the file still shares about
    /// `s · max` of them. A large file otherwise queries thousands of
    /// anchors, most of them pointing at the same few sources (measured: the
    /// anchor lookups were three quarters of triage's index time).
    pub fn query_anchors(&self, params: &Params, max: usize) -> Vec<u32> {
        let mut level = self.sketch_level.max(params.anchor_level);
        loop {
            let n = self.sketch_at(level).count();
            if n <= max.max(1) || level >= 31 {
                return self.sketch_at(level).collect();
            }
            level += 1;
        }
    }

    /// What to look up in the index for this (leaked) file: at most `max`
    /// anchors ([`Fingerprint::query_anchors`]) and, only when it has no
    /// more than that many anchors in all, its LSH band keys.
    ///
    /// A file with more anchors than it queries is found by them alone:
    /// a version whose Jaccard similarity with it is `J` holds at least a
    /// share `J` of its shingles, so misses every one of its `max` anchors
    /// with probability at most `(1 - J)^max`, about 10⁻¹⁰ for 64 anchors at
    /// the `altered` floor of 0.3, where the bands miss it with probability
    /// `(1 - J^r)^b`. The bands then only add index probes (half of
    /// triage's index reads, measured: the same report without them on the
    /// benchmark dump at 10⁵ versions and on linux-doc). A short file has
    /// few anchors, and the bands find its near-duplicates.
    pub fn lookup(&self, params: &Params, max: usize) -> Lookup {
        let anchors = self.query_anchors(params, max);
        let thinned = self.anchors(params).len() > anchors.len();
        Lookup {
            bands: if thinned {
                Vec::new()
            } else {
                self.band_keys(params)
            },
            anchors,
        }
    }

    /// Sketch entries kept at sampling `level` (≥ own level).
    pub(crate) fn sketch_at(&self, level: u8) -> impl Iterator<Item = u32> + '_ {
        self.sketch
            .iter()
            .copied()
            .filter(move |v| v.trailing_zeros() >= u32::from(level))
    }

    /// Compact binary encoding for storage (little-endian, sketch as
    /// delta-encoded varints). Typical size: ~200 bytes + ~3 bytes per
    /// sketch entry.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(96 + self.signature.len() * 4 + self.sketch.len() * 3);
        out.extend_from_slice(Self::ENCODING);
        out.extend_from_slice(&self.bytes_sha256);
        out.extend_from_slice(&self.text_sha256);
        out.extend_from_slice(&self.words.to_le_bytes());
        out.push(self.shingle_words);
        out.extend_from_slice(&self.shingles.to_le_bytes());
        out.push(self.sketch_level);
        put_varint(&mut out, self.signature.len() as u64);
        for v in &self.signature {
            out.extend_from_slice(&v.to_le_bytes());
        }
        put_varint(&mut out, self.sketch.len() as u64);
        let mut prev = 0u32;
        for &v in &self.sketch {
            put_varint(&mut out, u64::from(v - prev));
            prev = v;
        }
        out
    }

    /// Decodes [`Fingerprint::to_bytes`] output.
    pub fn from_bytes(data: &[u8]) -> Result<Fingerprint> {
        let mut r = ByteReader { data, pos: 0 };
        match r.take(4)? {
            m if m == Self::ENCODING => {}
            m if m.starts_with(b"DMF") => {
                return Err(Error::Decode(
                    "made by an earlier release (other shingle hashes): reindex",
                ))
            }
            _ => return Err(Error::Decode("bad magic or version")),
        }
        let bytes_sha256 = r.array32()?;
        let text_sha256 = r.array32()?;
        let words = r.u32()?;
        let shingle_words = r.u8()?;
        let shingles = r.u32()?;
        let sketch_level = r.u8()?;
        let sig_len = r.len(4)?;
        let signature = (0..sig_len).map(|_| r.u32()).collect::<Result<Vec<_>>>()?;
        let sketch_len = r.len(1)?;
        let mut sketch = Vec::with_capacity(sketch_len);
        let mut prev = 0u32;
        for i in 0..sketch_len {
            let delta = u32::try_from(r.varint()?).map_err(|_| Error::Decode("sketch delta"))?;
            if i > 0 && delta == 0 {
                return Err(Error::Decode("sketch not strictly increasing"));
            }
            // Not `ok_or`: it built and dropped an error for every entry.
            prev = match prev.checked_add(delta) {
                Some(next) => next,
                None => return Err(Error::Decode("sketch overflow")),
            };
            sketch.push(prev);
        }
        if r.pos != data.len() {
            return Err(Error::Decode("trailing bytes"));
        }
        Ok(Fingerprint {
            signature,
            bytes_sha256,
            text_sha256,
            words,
            shingle_words,
            shingles,
            sketch_level,
            sketch,
        })
    }
}

/// The index keys triage looks up for one file ([`Fingerprint::lookup`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    /// LSH band keys (empty when the anchors suffice).
    pub bands: Vec<(u16, u64)>,
    /// Anchors.
    pub anchors: Vec<u32>,
}

/// Content-defined sample of the shingle set: its level and the distinct
/// top 32 bits of the shingle hashes kept at that level, sorted.
/// `shingles` come in any order, repeats included: only the values at the
/// level or a little below it are sorted, not the whole set.
fn sketch(shingles: &[u64], max: usize) -> (u8, Vec<u32>) {
    /// How many values have at least `l` trailing zeros, for every `l`.
    fn at_least(values: impl Iterator<Item = u32>) -> [usize; 34] {
        let mut n = [0usize; 34];
        for v in values {
            n[v.trailing_zeros() as usize] += 1;
        }
        for l in (0..33).rev() {
            n[l] += n[l + 1];
        }
        n
    }
    let max = max.max(1);
    let top = |x: u64| (x >> 32) as u32;
    // The level is the smallest that keeps at most `max` (31 at most).
    let level_from =
        |n: &[usize; 34], from: u8| (from..31).find(|&l| n[usize::from(l)] <= max).unwrap_or(31);
    // Counted with repeats, a level keeps at least as many values as it
    // keeps distinct ones: the level is at most this guess, and sorting
    // the values a level below it usually settles it.
    let guess = level_from(&at_least(shingles.iter().map(|&x| top(x))), 0);
    let mut from = guess.saturating_sub(1);
    loop {
        let mut values: Vec<u32> = shingles
            .iter()
            .map(|&x| top(x))
            .filter(|v| v.trailing_zeros() >= u32::from(from))
            .collect();
        values.sort_unstable();
        values.dedup();
        let n = at_least(values.iter().copied());
        if from == 0 || n[usize::from(from)] > max {
            // The level is `from` itself (0) or above it: these counts
            // are exact there.
            let level = level_from(&n, from);
            values.retain(|v| v.trailing_zeros() >= u32::from(level));
            return (level, values);
        }
        // Repeats hid a lower level.
        from = 0;
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

struct ByteReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl ByteReader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        let end = self.pos.checked_add(n).ok_or(Error::Decode("length"))?;
        let s = self
            .data
            .get(self.pos..end)
            .ok_or(Error::Decode("truncated"))?;
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(b))
    }
    fn array32(&mut self) -> Result<[u8; 32]> {
        let mut b = [0u8; 32];
        b.copy_from_slice(self.take(32)?);
        Ok(b)
    }
    /// LEB128, at most ten bytes. On the slice, not byte by byte through
    /// [`ByteReader::take`]: a candidate's sketch is thousands of them,
    /// decoded for every file it is a candidate of.
    fn varint(&mut self) -> Result<u64> {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        // Eight bytes in hand and the value ends in the first five (every
        // sketch delta: a u32): its 7-bit groups gathered without a branch
        // on each byte, whose count varies from one delta to the next.
        if let Some(x) = rest.get(..8).and_then(|b| b.try_into().ok()) {
            let x = u64::from_le_bytes(x);
            let ends = !x & 0x0000_0080_8080_8080;
            if ends != 0 {
                let len = (ends.trailing_zeros() / 8 + 1) as usize;
                let v = (0..5).fold(0, |v, k| v | (x >> k) & (0x7f << (7 * k)));
                self.pos += len;
                return Ok(v & ((1 << (7 * len)) - 1));
            }
        }
        let mut v = 0u64;
        for (i, &b) in rest.iter().take(10).enumerate() {
            v |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                self.pos += i + 1;
                return Ok(v);
            }
        }
        Err(Error::Decode(if rest.len() < 10 {
            "truncated"
        } else {
            "varint too long"
        }))
    }
    /// A length prefix, checked against the bytes left (`min_each` per item).
    fn len(&mut self, min_each: usize) -> Result<usize> {
        let n = usize::try_from(self.varint()?).map_err(|_| Error::Decode("length"))?;
        if n.saturating_mul(min_each) > self.data.len() - self.pos {
            return Err(Error::Decode("length exceeds data"));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_roundtrip_and_refuse_truncated_or_overlong() {
        // Every length at its edges, in the fast path (eight bytes in
        // hand) and, near the end, the byte-by-byte one.
        let mut values = vec![0, 1, 300, u64::from(u32::MAX), u64::MAX];
        for k in 1..10 {
            values.extend([(1u64 << (7 * k)) - 1, 1 << (7 * k)]);
        }
        values.extend([5, 1 << 28, 1]);
        let mut data = Vec::new();
        for &v in &values {
            put_varint(&mut data, v);
        }
        let mut r = ByteReader {
            data: &data,
            pos: 0,
        };
        for &v in &values {
            assert_eq!(r.varint().ok(), Some(v));
        }
        assert_eq!(r.pos, data.len());
        let err = |data: &[u8]| {
            ByteReader { data, pos: 0 }
                .varint()
                .err()
                .map(|e| e.to_string())
        };
        // An overlong encoding reads as its value, in either path.
        for padding in [0, 8] {
            let mut data = vec![0x81, 0x80, 0x80, 0x80, 0x00];
            data.resize(5 + padding, 0);
            let mut r = ByteReader {
                data: &data,
                pos: 0,
            };
            assert_eq!((r.varint().ok(), r.pos), (Some(1), 5));
        }
        assert!(err(&[0x80, 0x80]).is_some_and(|e| e.contains("truncated")));
        assert!(err(&[]).is_some_and(|e| e.contains("truncated")));
        assert!(err(&[0xFF; 11]).is_some_and(|e| e.contains("too long")));
    }

    #[test]
    fn roundtrip_and_garbage() {
        let p = Params::default();
        let text = (0..3000).map(|i| format!("w{i} ")).collect::<String>();
        let fp = Fingerprint::new(text.as_bytes(), &text, &p);
        assert_eq!(fp.sketch.len(), fp.shingles as usize);
        let enc = fp.to_bytes();
        assert_eq!(Fingerprint::from_bytes(&enc).ok(), Some(fp.clone()));
        for cut in [0, 3, 10, enc.len() - 1] {
            assert!(Fingerprint::from_bytes(&enc[..cut]).is_err());
        }
        // Earlier encodings hashed shingles otherwise: refused, not
        // compared.
        for earlier in [b"DMF1", b"DMF2"] {
            let mut old = enc.clone();
            old[..4].copy_from_slice(earlier);
            let err = Fingerprint::from_bytes(&old).err().map(|e| e.to_string());
            assert!(
                err.as_deref()
                    .is_some_and(|e| e.contains("earlier release")),
                "{err:?}"
            );
        }
        let empty = Fingerprint::new(b"", "", &p);
        assert!(empty.signature.is_empty() && empty.band_keys(&p).is_empty());
        assert_eq!(Fingerprint::from_bytes(&empty.to_bytes()).ok(), Some(empty));
    }

    #[test]
    fn sketch_levels_like_repeated_halving() {
        // The level found from counts equals the one found by dropping a
        // level at a time until the sample fits.
        let reference = |shingles: &[u64], max: usize| {
            let mut values: Vec<u32> = shingles.iter().map(|&x| (x >> 32) as u32).collect();
            values.dedup();
            let mut level = 0u8;
            while values.len() > max.max(1) && level < 31 {
                level += 1;
                values.retain(|v| v.trailing_zeros() >= u32::from(level));
            }
            (level, values)
        };
        let mut x = 0x1234_5678_9abc_def0u64;
        for n in [0usize, 1, 5, 100, 1000, 20_000] {
            let mut shingles: Vec<u64> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Some values with many trailing zeros in the top half.
                    if x.is_multiple_of(7) {
                        x & !((1 << 48) - 1)
                    } else {
                        x
                    }
                })
                .collect();
            // `sketch` takes the shingles in text order, repeats included;
            // the reference takes them sorted and distinct.
            let in_order: Vec<u64> = shingles
                .iter()
                .chain(shingles.iter().step_by(3))
                .rev()
                .copied()
                .collect();
            shingles.sort_unstable();
            shingles.dedup();
            for max in [0usize, 1, 3, 64, 4096] {
                assert_eq!(
                    sketch(&in_order, max),
                    reference(&shingles, max),
                    "n={n} max={max}"
                );
            }
            // A text of one phrase repeated: counted with repeats it
            // needs a high level; it has one distinct shingle.
            let repeated = vec![shingles.first().copied().unwrap_or(7); 50_000];
            assert_eq!(sketch(&repeated, 64), reference(&repeated[..1], 64));
        }
    }

    #[test]
    fn lookup_drops_the_bands_only_when_the_anchors_were_thinned() {
        let p = Params::default();
        let text = |n: usize| (0..n).map(|i| format!("w{i} ")).collect::<String>();
        let small = Fingerprint::new(b"s", &text(300), &p);
        let all = small.anchors(&p);
        assert!(!all.is_empty() && all.len() <= 64, "{}", all.len());
        let l = small.lookup(&p, 64);
        assert_eq!((l.bands, l.anchors), (small.band_keys(&p), all));
        let large = Fingerprint::new(b"l", &text(20_000), &p);
        assert!(large.anchors(&p).len() > 64);
        let l = large.lookup(&p, 64);
        assert!(l.bands.is_empty());
        assert_eq!(l.anchors, large.query_anchors(&p, 64));
        assert!(!l.anchors.is_empty() && l.anchors.len() <= 64);
    }

    #[test]
    fn fingerprint_is_that_of_the_distinct_shingles() {
        use crate::minhash::shingle_hashes;
        let p = Params::default();
        let varied = (0..30_000)
            .map(|i| format!("w{} ", i * 7 % 9973))
            .collect::<String>();
        let phrase = "the same line again and again ".repeat(3000);
        let mixed = format!("{varied} {phrase} {varied}");
        for text in [varied.as_str(), &phrase, &mixed, "a b c", ""] {
            let fp = Fingerprint::new(text.as_bytes(), text, &p);
            let set = shingle_hashes(&normalize(text), p.shingle_words);
            assert_eq!(fp.shingles as usize, set.len());
            assert_eq!(fp.signature, minhash(&set, p.num_hashes()));
            assert_eq!((fp.sketch_level, fp.sketch), sketch(&set, p.sketch_max));
        }
    }

    #[test]
    fn sketch_is_capped() {
        let p = Params {
            sketch_max: 100,
            ..Params::default()
        };
        let text = (0..5000).map(|i| format!("w{i} ")).collect::<String>();
        let fp = Fingerprint::new(text.as_bytes(), &text, &p);
        assert!(fp.sketch.len() <= 100 && fp.sketch_level > 0);
        assert!(fp
            .sketch
            .iter()
            .all(|v| v.trailing_zeros() >= u32::from(fp.sketch_level)));
    }
}
