//! Bounded-memory sets: Bloom filters, a stable hash, and small rings.
//!
//! Per-principal state must stay small however much a principal does (an attacker must
//! not be able to grow our state, and the state is persisted on every request). These
//! structures answer "seen before?" with a bounded false-positive rate in fixed memory.

use std::collections::VecDeque;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// 64-bit FNV-1a over bytes: stable across Rust versions and platforms, unlike
/// `std`'s hasher, so persisted sketches stay valid after an upgrade.
pub fn stable_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix(h)
}

/// SplitMix64 finaliser: spreads the bits of `x`.
pub fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Hash of a 128-bit id.
pub fn hash_u128(x: u128) -> u64 {
    mix((x as u64) ^ mix((x >> 64) as u64))
}

/// A Bloom filter over 64-bit keys (double hashing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BloomFilter {
    #[serde(serialize_with = "ser_words", deserialize_with = "de_words")]
    bits: Vec<u64>,
    hashes: u32,
    inserted: u32,
}

impl BloomFilter {
    /// A filter sized for `capacity` keys at roughly 1% false positives.
    pub fn with_capacity(capacity: u32) -> Self {
        // m = n * ln(1/p) / ln(2)^2 ≈ 9.6 n bits for p = 1%; k = 7.
        let bits = (u64::from(capacity.max(1)) * 96 / 10).max(64);
        BloomFilter {
            bits: vec![0; bits.div_ceil(64) as usize],
            hashes: 7,
            inserted: 0,
        }
    }

    fn positions(&self, key: u64) -> impl Iterator<Item = usize> + '_ {
        let m = self.bits.len() as u64 * 64;
        let h1 = key;
        let h2 = mix(key ^ 0x9e37_79b9_7f4a_7c15) | 1;
        (0..u64::from(self.hashes)).map(move |i| (h1.wrapping_add(i.wrapping_mul(h2)) % m) as usize)
    }

    /// Adds `key`.
    pub fn insert(&mut self, key: u64) {
        let pos: Vec<usize> = self.positions(key).collect();
        for p in pos {
            self.bits[p / 64] |= 1 << (p % 64);
        }
        self.inserted = self.inserted.saturating_add(1);
    }

    /// Whether `key` may have been added (false positives ≈ 1% at capacity).
    pub fn contains(&self, key: u64) -> bool {
        self.positions(key)
            .all(|p| self.bits[p / 64] & (1 << (p % 64)) != 0)
    }

    /// Number of insertions so far.
    pub fn inserted(&self) -> u32 {
        self.inserted
    }
}

/// Two Bloom filters used in turn: when the current one is full it becomes the previous
/// one and a fresh one starts, so memory is fixed and the error rate stays bounded; keys
/// older than about two generations are forgotten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotatingBloom {
    capacity: u32,
    current: BloomFilter,
    previous: Option<BloomFilter>,
}

impl RotatingBloom {
    /// A rotating filter with `capacity` keys per generation.
    pub fn with_capacity(capacity: u32) -> Self {
        RotatingBloom {
            capacity,
            current: BloomFilter::with_capacity(capacity),
            previous: None,
        }
    }

    /// Adds `key` (skipped if already present, so repeats do not fill the filter).
    pub fn insert(&mut self, key: u64) {
        if self.contains(key) {
            return;
        }
        if self.current.inserted() >= self.capacity {
            let fresh = BloomFilter::with_capacity(self.capacity);
            self.previous = Some(std::mem::replace(&mut self.current, fresh));
        }
        self.current.insert(key);
    }

    /// Whether `key` was (probably) added in this or the previous generation.
    pub fn contains(&self, key: u64) -> bool {
        self.current.contains(key) || self.previous.as_ref().is_some_and(|p| p.contains(key))
    }
}

/// A first-in first-out buffer that keeps at most `cap` items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ring<T> {
    cap: usize,
    items: VecDeque<T>,
}

impl<T> Ring<T> {
    /// An empty ring of capacity `cap`.
    pub fn new(cap: usize) -> Self {
        Ring {
            cap: cap.max(1),
            items: VecDeque::with_capacity(cap.max(1)),
        }
    }

    /// Appends `item`, dropping the oldest when full.
    pub fn push(&mut self, item: T) {
        while self.items.len() >= self.cap {
            self.items.pop_front();
        }
        self.items.push_back(item);
    }

    /// Items, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.items.iter()
    }

    /// Number of items held.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the ring is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The newest item.
    pub fn last(&self) -> Option<&T> {
        self.items.back()
    }

    /// Keeps only the items `keep` says yes to, in order.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.items.retain(keep);
    }
}

fn ser_words<S: Serializer>(words: &[u64], s: S) -> Result<S::Ok, S::Error> {
    let mut text = String::with_capacity(words.len() * 16);
    for w in words {
        text.push_str(&format!("{w:016x}"));
    }
    s.serialize_str(&text)
}

fn de_words<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
    let text = String::deserialize(d)?;
    if text.len() % 16 != 0 || text.is_empty() {
        return Err(serde::de::Error::custom("bloom bits: bad length"));
    }
    (0..text.len() / 16)
        .map(|i| {
            text.get(i * 16..i * 16 + 16)
                .ok_or_else(|| serde::de::Error::custom("bloom bits: not ASCII"))
                .and_then(|chunk| u64::from_str_radix(chunk, 16).map_err(serde::de::Error::custom))
        })
        .collect()
}
