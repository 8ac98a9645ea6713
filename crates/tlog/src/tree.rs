//! Incremental Merkle tree building and the "stored hash" layout.
//!
//! A transparency log only ever appends. This module turns that into O(log n)
//! work per entry by keeping the tree's *right edge* (the roots of the perfect
//! subtrees that make up the current tree, one per set bit of the size) and by
//! laying out every hash the log must ever persist in the linear order used by
//! Go's `golang.org/x/mod/sumdb/tlog` ("stored hash index"): when leaf `n` is
//! appended, its leaf hash and the hashes of all subtrees it completes are
//! written, and nothing is ever rewritten. Storage backends only need to
//! implement [`HashReader`] over that numbering; proofs ([`crate::proof`]) and
//! tiles ([`crate::tile`]) are computed from it.

use crate::error::{Error, Result};
use crate::hash::{leaf_hash, node_hash, Hash, EMPTY_HASH};
use crate::proof;

/// Source of previously stored hashes, addressed by [`stored_hash_index`].
///
/// Implementations must return exactly one hash per requested index, in the
/// same order, or an error.
pub trait HashReader {
    /// Returns the hashes stored at `indexes`.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>>;
}

impl HashReader for [Hash] {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.get(i))
                    .copied()
                    .ok_or_else(|| Error::Storage(format!("stored hash index {i} not present")))
            })
            .collect()
    }
}

impl HashReader for Vec<Hash> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>> {
        self.as_slice().read_hashes(indexes)
    }
}

impl<R: HashReader + ?Sized> HashReader for &R {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>> {
        (**self).read_hashes(indexes)
    }
}

/// Reads `indexes` and checks that the reader honoured the contract.
pub(crate) fn read_exact<R: HashReader + ?Sized>(r: &R, indexes: &[u64]) -> Result<Vec<Hash>> {
    let hashes = r.read_hashes(indexes)?;
    if hashes.len() != indexes.len() {
        return Err(Error::Storage(format!(
            "hash reader returned {} hashes, want {}",
            hashes.len(),
            indexes.len()
        )));
    }
    Ok(hashes)
}

/// Index, in the stored-hash layout, of the `n`-th hash at `level`
/// (level 0 = leaf hashes, level `l` = roots of perfect subtrees of 2^l leaves).
///
/// Matches Go's `tlog.StoredHashIndex`. Meaningful for `n << level < 2^62`;
/// larger inputs wrap instead of panicking.
pub fn stored_hash_index(level: u8, n: u64) -> u64 {
    // Level L's n-th hash is written right after level L+1's (2n+1)-th hash.
    let mut n = n;
    for _ in 0..level {
        n = n.wrapping_mul(2).wrapping_add(1);
    }
    // Level 0's n-th hash is written at n + n/2 + n/4 + ...
    let mut i = 0u64;
    while n > 0 {
        i = i.wrapping_add(n);
        n >>= 1;
    }
    i.wrapping_add(u64::from(level))
}

/// Inverse of [`stored_hash_index`]: returns `(level, n)`.
pub fn split_stored_hash_index(index: u64) -> (u8, u64) {
    // stored_hash_index(0, n) < 2n, so the record we want is in
    // [index/2, index/2 + log2(index)].
    let mut n = index / 2;
    let mut index_n = stored_hash_index(0, n);
    if index_n > index {
        // Cannot happen for well-formed arithmetic; fall back to a safe answer.
        return (0, n);
    }
    // Each record n adds 1 + trailing_zeros(n+1) hashes.
    while let Some(x) = index_n
        .checked_add(1)
        .and_then(|x| x.checked_add(u64::from(n.wrapping_add(1).trailing_zeros())))
    {
        if x > index {
            break;
        }
        n += 1;
        index_n = x;
    }
    let level = index - index_n;
    let level = u8::try_from(level).unwrap_or(u8::MAX);
    (level, n.checked_shr(u32::from(level)).unwrap_or(0))
}

/// Number of hashes stored for a tree of `n` leaves (Go's `StoredHashCount`).
pub fn stored_hash_count(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    // Hashes up to the last leaf, plus those for subtrees completed by it.
    stored_hash_index(0, n - 1)
        .wrapping_add(1)
        .wrapping_add(u64::from((n - 1).trailing_ones()))
}

/// The hashes to store when appending record number `n` with contents `data`
/// (Go's `StoredHashes`). `r` must serve the hashes of records `0..n`.
pub fn stored_hashes<R: HashReader + ?Sized>(n: u64, data: &[u8], r: &R) -> Result<Vec<Hash>> {
    stored_hashes_for_record_hash(n, leaf_hash(data), r)
}

/// Like [`stored_hashes`] but starting from the record's leaf hash.
pub fn stored_hashes_for_record_hash<R: HashReader + ?Sized>(
    n: u64,
    h: Hash,
    r: &R,
) -> Result<Vec<Hash>> {
    // Each trailing 1 bit of n completes a subtree, consuming the hash of the
    // adjacent subtree to the left.
    let m = n.trailing_ones();
    let indexes: Vec<u64> = (0..m)
        .rev()
        .map(|i| stored_hash_index(i as u8, (n >> i) - 1))
        .collect();
    let old = read_exact(r, &indexes)?;
    let mut hashes = Vec::with_capacity(1 + old.len());
    let mut h = h;
    hashes.push(h);
    for left in old.iter().rev() {
        h = node_hash(left, &h);
        hashes.push(h);
    }
    Ok(hashes)
}

/// Largest power of two `<= x` and its log2 (requires `x >= 1`).
fn pow2_at_most(x: u64) -> (u64, u8) {
    let l = 63 - x.max(1).leading_zeros();
    (1u64 << l, l as u8)
}

/// Appends to `need` the stored indexes of the perfect subtrees covering
/// `[lo, hi)` (Go's `subTreeIndex`).
pub(crate) fn sub_tree_index(mut lo: u64, hi: u64, need: &mut Vec<u64>) -> Result<()> {
    while lo < hi {
        let (k, level) = pow2_at_most(hi - lo);
        if lo & (k - 1) != 0 {
            return Err(Error::InvalidInput("unaligned subtree"));
        }
        need.push(stored_hash_index(level, lo >> level));
        lo += k;
    }
    Ok(())
}

/// Computes the hash of `[lo, hi)` from the hashes requested by
/// [`sub_tree_index`], returning the unconsumed remainder (Go's `subTreeHash`).
pub(crate) fn sub_tree_hash(mut lo: u64, hi: u64, hashes: &[Hash]) -> Result<(Hash, &[Hash])> {
    let mut num_tree = 0usize;
    while lo < hi {
        let (k, _) = pow2_at_most(hi - lo);
        if lo & (k - 1) != 0 {
            return Err(Error::InvalidInput("unaligned subtree"));
        }
        num_tree += 1;
        lo += k;
    }
    if num_tree == 0 || hashes.len() < num_tree {
        return Err(Error::Storage("too few hashes for subtree".into()));
    }
    let (used, rest) = hashes.split_at(num_tree);
    let mut iter = used.iter().rev();
    let mut h = *iter
        .next()
        .ok_or_else(|| Error::Storage("too few hashes for subtree".into()))?;
    for left in iter {
        h = node_hash(left, &h);
    }
    Ok((h, rest))
}

/// Root hash of the tree of the first `n` records, read from storage with a
/// single [`HashReader::read_hashes`] call of at most `1 + log2 n` hashes
/// (Go's `TreeHash`). The empty tree's hash is [`EMPTY_HASH`].
pub fn tree_hash<R: HashReader + ?Sized>(n: u64, r: &R) -> Result<Hash> {
    if n == 0 {
        return Ok(EMPTY_HASH);
    }
    let mut indexes = Vec::new();
    sub_tree_index(0, n, &mut indexes)?;
    let hashes = read_exact(r, &indexes)?;
    let (h, rest) = sub_tree_hash(0, n, &hashes)?;
    if !rest.is_empty() {
        return Err(Error::Storage("unused hashes".into()));
    }
    Ok(h)
}

/// The right edge ("compact range" from 0) of a tree: the roots of its perfect
/// subtrees, largest (leftmost) first.
///
/// Persist `size()` and `nodes()` next to the log to append in O(log n)
/// without reading anything back, and to compute the current root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RightEdge {
    size: u64,
    nodes: Vec<Hash>,
}

impl RightEdge {
    /// The right edge of the empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Restores a right edge from its persisted parts; `nodes` must hold one
    /// hash per set bit of `size`.
    pub fn from_parts(size: u64, nodes: Vec<Hash>) -> Result<Self> {
        if nodes.len() != size.count_ones() as usize {
            return Err(Error::InvalidInput(
                "right edge needs one node per set bit of the size",
            ));
        }
        Ok(Self { size, nodes })
    }

    /// Rebuilds the right edge of the tree of `size` leaves from storage.
    pub fn from_reader<R: HashReader + ?Sized>(size: u64, r: &R) -> Result<Self> {
        let mut indexes = Vec::new();
        sub_tree_index(0, size, &mut indexes)?;
        let nodes = read_exact(r, &indexes)?;
        Self::from_parts(size, nodes)
    }

    /// Number of leaves in the tree.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Perfect subtree roots, leftmost (largest) first.
    pub fn nodes(&self) -> &[Hash] {
        &self.nodes
    }

    /// Appends a leaf hash. Returns the hashes to persist for it, in stored
    /// hash order starting at `stored_hash_index(0, old_size)`: the leaf hash
    /// followed by the root of every subtree this leaf completes.
    pub fn append(&mut self, leaf: Hash) -> Result<Vec<Hash>> {
        let n = self.size;
        let new_size = n
            .checked_add(1)
            .ok_or(Error::InvalidInput("tree is full"))?;
        let completed = n.trailing_ones() as usize;
        let mut out = Vec::with_capacity(1 + completed);
        let mut h = leaf;
        out.push(h);
        for _ in 0..completed {
            let left = self
                .nodes
                .pop()
                .ok_or(Error::InvalidInput("corrupt right edge"))?;
            h = node_hash(&left, &h);
            out.push(h);
        }
        self.nodes.push(h);
        self.size = new_size;
        Ok(out)
    }

    /// RFC 6962 root hash of the current tree.
    pub fn root(&self) -> Hash {
        let mut iter = self.nodes.iter().rev();
        let Some(last) = iter.next() else {
            return EMPTY_HASH;
        };
        iter.fold(*last, |acc, left| node_hash(left, &acc))
    }
}

/// A complete in-memory log: every stored hash plus the right edge.
///
/// Useful for tests, tools and small deployments; larger ones implement
/// [`HashReader`] over their own storage and keep a [`RightEdge`].
#[derive(Clone, Debug, Default)]
pub struct MemoryTree {
    hashes: Vec<Hash>,
    edge: RightEdge,
}

impl MemoryTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.edge.size()
    }

    /// Appends an entry and returns its index.
    pub fn append(&mut self, entry: &[u8]) -> Result<u64> {
        self.append_leaf_hash(leaf_hash(entry))
    }

    /// Appends an already computed leaf hash and returns its index.
    pub fn append_leaf_hash(&mut self, leaf: Hash) -> Result<u64> {
        let index = self.edge.size();
        let new = self.edge.append(leaf)?;
        self.hashes.extend(new);
        Ok(index)
    }

    /// Root of the current tree, in O(log n).
    pub fn root(&self) -> Hash {
        self.edge.root()
    }

    /// The current right edge.
    pub fn right_edge(&self) -> &RightEdge {
        &self.edge
    }

    /// Root of the tree formed by the first `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash> {
        if size > self.size() {
            return Err(Error::InvalidInput("size beyond the tree"));
        }
        tree_hash(size, &self.hashes)
    }

    /// Leaf hash of record `index`, if present.
    pub fn leaf_hash(&self, index: u64) -> Option<Hash> {
        if index >= self.size() {
            return None;
        }
        usize::try_from(stored_hash_index(0, index))
            .ok()
            .and_then(|i| self.hashes.get(i))
            .copied()
    }

    /// All stored hashes, in stored-hash-index order.
    pub fn stored_hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// Inclusion proof for leaf `index` in the tree of `size` leaves.
    pub fn prove_inclusion(&self, index: u64, size: u64) -> Result<Vec<Hash>> {
        if size > self.size() {
            return Err(Error::InvalidInput("size beyond the tree"));
        }
        proof::prove_record(size, index, &self.hashes)
    }

    /// Consistency proof from the tree of `old_size` leaves to `new_size`.
    pub fn prove_consistency(&self, old_size: u64, new_size: u64) -> Result<Vec<Hash>> {
        if new_size > self.size() {
            return Err(Error::InvalidInput("size beyond the tree"));
        }
        proof::prove_tree(new_size, old_size, &self.hashes)
    }
}

impl HashReader for MemoryTree {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>> {
        self.hashes.read_hashes(indexes)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::hash::merkle_tree_hash;

    #[test]
    fn stored_hash_index_matches_go_layout() {
        // Go: leaves 0,1 -> 0,1 ; node(0..2) -> 2 ; leaf 2 -> 3 ; leaf 3 -> 4;
        // node(2..4) -> 5 ; node(0..4) -> 6 ; leaf 4 -> 7.
        assert_eq!(stored_hash_index(0, 0), 0);
        assert_eq!(stored_hash_index(0, 1), 1);
        assert_eq!(stored_hash_index(1, 0), 2);
        assert_eq!(stored_hash_index(0, 2), 3);
        assert_eq!(stored_hash_index(0, 3), 4);
        assert_eq!(stored_hash_index(1, 1), 5);
        assert_eq!(stored_hash_index(2, 0), 6);
        assert_eq!(stored_hash_index(0, 4), 7);
        for i in 0..5000u64 {
            let (l, n) = split_stored_hash_index(i);
            assert_eq!(stored_hash_index(l, n), i, "index {i}");
        }
        assert_eq!(stored_hash_count(0), 0);
        assert_eq!(stored_hash_count(1), 1);
        assert_eq!(stored_hash_count(2), 3);
        assert_eq!(stored_hash_count(4), 7);
    }

    #[test]
    fn incremental_matches_reference_and_reader_based() {
        let mut t = MemoryTree::new();
        let mut leaves = Vec::new();
        for i in 0..300u32 {
            let e = i.to_be_bytes();
            // Go-style storage from a reader must agree with the right edge.
            let via_reader = stored_hashes(u64::from(i), &e, t.stored_hashes()).unwrap();
            let before = t.stored_hashes().len();
            t.append(&e).unwrap();
            assert_eq!(&t.stored_hashes()[before..], via_reader.as_slice());
            assert_eq!(t.stored_hashes().len() as u64, stored_hash_count(t.size()));
            leaves.push(leaf_hash(&e));
            assert_eq!(t.root(), merkle_tree_hash(&leaves));
        }
        for n in 0..=300u64 {
            assert_eq!(
                t.root_at(n).unwrap(),
                merkle_tree_hash(&leaves[..n as usize])
            );
            let edge = RightEdge::from_reader(n, t.stored_hashes()).unwrap();
            assert_eq!(edge.root(), t.root_at(n).unwrap());
        }
        assert!(t.root_at(301).is_err());
    }

    #[test]
    fn right_edge_parts_are_validated() {
        assert!(RightEdge::from_parts(3, vec![EMPTY_HASH]).is_err());
        let mut e = RightEdge::from_parts(3, vec![EMPTY_HASH, EMPTY_HASH]).unwrap();
        assert_eq!(e.append(EMPTY_HASH).unwrap().len(), 3);
        assert_eq!(e.nodes().len(), 1);
    }

    #[test]
    fn short_reader_is_an_error_not_a_panic() {
        struct Short;
        impl HashReader for Short {
            fn read_hashes(&self, _: &[u64]) -> Result<Vec<Hash>> {
                Ok(vec![])
            }
        }
        assert!(tree_hash(5, &Short).is_err());
        assert!(stored_hashes(3, b"x", &Short).is_err());
    }
}
