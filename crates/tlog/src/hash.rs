//! RFC 6962 / RFC 9162 Merkle tree hashing primitives.
//!
//! Everything else in the crate (incremental trees, proofs, tiles, checkpoints)
//! is built on the three functions here: the domain-separated leaf hash
//! `SHA-256(0x00 ‖ entry)`, the interior node hash `SHA-256(0x01 ‖ left ‖ right)`
//! and the reference Merkle Tree Hash (MTH) of a list of leaves. Keeping them in
//! one place makes the second-preimage protection (the 0x00/0x01 prefixes)
//! auditable at a glance.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::fmt;

use crate::error::{Error, Result};

/// Size of a SHA-256 hash in bytes.
pub const HASH_SIZE: usize = 32;

/// A SHA-256 Merkle tree hash (leaf, interior node or root).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; HASH_SIZE]);

/// Root hash of the empty tree: `SHA-256("")` (RFC 6962 §2.1).
pub const EMPTY_HASH: Hash = Hash([
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
]);

impl Hash {
    /// Returns the raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; HASH_SIZE] {
        &self.0
    }

    /// Builds a hash from a slice, which must be exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        let arr: [u8; HASH_SIZE] = bytes
            .try_into()
            .map_err(|_| Error::MalformedHash("hash must be 32 bytes"))?;
        Ok(Hash(arr))
    }

    /// Parses 64 lowercase or uppercase hex digits.
    pub fn from_hex(s: &str) -> Result<Self> {
        let b = s.as_bytes();
        if b.len() != 2 * HASH_SIZE {
            return Err(Error::MalformedHash("hex hash must be 64 digits"));
        }
        let mut out = [0u8; HASH_SIZE];
        for (o, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
            let (hi, lo) = match pair {
                [hi, lo] => (hex_val(*hi)?, hex_val(*lo)?),
                _ => return Err(Error::MalformedHash("odd hex length")),
            };
            *o = (hi << 4) | lo;
        }
        Ok(Hash(out))
    }

    /// Lowercase hex encoding.
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(2 * HASH_SIZE);
        for b in self.0 {
            s.push(char::from(DIGITS[usize::from(b >> 4)]));
            s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
        }
        s
    }

    /// Parses standard, padded, canonical base64 (RFC 4648 §4) of exactly 32
    /// bytes, as used in checkpoints and tlog-proofs.
    pub fn from_base64(s: &str) -> Result<Self> {
        // 32 bytes always encode to 44 characters; checking first bounds the work.
        if s.len() != 44 {
            return Err(Error::MalformedHash("base64 hash must be 44 characters"));
        }
        let bytes = STANDARD
            .decode(s)
            .map_err(|_| Error::MalformedHash("invalid base64"))?;
        Self::from_slice(&bytes)
    }

    /// Standard padded base64 encoding.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }
}

fn hex_val(c: u8) -> Result<u8> {
    match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err(Error::MalformedHash("invalid hex digit")),
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<[u8; HASH_SIZE]> for Hash {
    fn from(b: [u8; HASH_SIZE]) -> Self {
        Hash(b)
    }
}

/// RFC 6962 leaf hash: `SHA-256(0x00 ‖ entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(entry);
    Hash(h.finalize().into())
}

/// RFC 6962 interior node hash: `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left.0);
    h.update(right.0);
    Hash(h.finalize().into())
}

/// Largest power of two strictly smaller than `n` (requires `n >= 2`; returns
/// 1 for smaller inputs so callers never see zero).
pub(crate) fn split_point(n: u64) -> u64 {
    if n < 2 {
        return 1;
    }
    // 2^(floor(log2(n-1)))
    1u64 << (63 - (n - 1).leading_zeros())
}

/// Reference RFC 6962 Merkle Tree Hash over already-hashed leaves.
///
/// This is the literal recursive definition (split at the largest power of
/// two smaller than `n`); it costs O(n) and is meant for small trees, tests and
/// as ground truth for the faster incremental structures.
pub fn merkle_tree_hash(leaf_hashes: &[Hash]) -> Hash {
    match leaf_hashes {
        [] => EMPTY_HASH,
        [one] => *one,
        _ => {
            let k = usize::try_from(split_point(leaf_hashes.len() as u64)).unwrap_or(1);
            let (l, r) = leaf_hashes.split_at(k.min(leaf_hashes.len()));
            node_hash(&merkle_tree_hash(l), &merkle_tree_hash(r))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_hash_is_sha256_of_nothing() {
        assert_eq!(EMPTY_HASH, Hash(Sha256::digest(b"").into()));
    }

    #[test]
    fn split_point_is_largest_power_of_two_below() {
        assert_eq!(split_point(2), 1);
        assert_eq!(split_point(3), 2);
        assert_eq!(split_point(4), 2);
        assert_eq!(split_point(5), 4);
        assert_eq!(split_point(8), 4);
        assert_eq!(split_point(9), 8);
        assert_eq!(split_point(u64::MAX), 1 << 63);
    }

    #[test]
    fn hex_and_base64_round_trip() {
        let h = leaf_hash(b"x");
        assert_eq!(Hash::from_hex(&h.to_hex()), Ok(h));
        assert_eq!(Hash::from_base64(&h.to_base64()), Ok(h));
        assert!(Hash::from_hex("zz").is_err());
        assert!(Hash::from_base64("AAAA").is_err());
    }
}
