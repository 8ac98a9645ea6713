//! Inclusion ("record") and consistency ("tree") proofs.
//!
//! The audit trail is only tamper-evident if anyone can check that an entry is
//! in a signed tree head (inclusion) and that a later tree head extends an
//! earlier one (consistency). Generation mirrors Go's `sumdb/tlog`
//! (`ProveRecord`, `ProveTree`) and reads exactly the stored hashes it needs
//! from a [`HashReader`], so it works equally over memory, a database or
//! tiles. Verification implements the iterative algorithms of RFC 9162
//! §2.1.3.2 and §2.1.4.2, which are independent of how proofs were produced.
//! Proof hashes are ordered from the leaf (or old subtree) upwards, as in RFC
//! 6962/9162 and tlog-proof.

use crate::error::{Error, Result};
use crate::hash::{node_hash, split_point, Hash, EMPTY_HASH};
use crate::tree::{read_exact, sub_tree_hash, sub_tree_index, HashReader};

/// An inclusion proof: sibling hashes from the leaf up to the root.
pub type RecordProof = Vec<Hash>;

/// A consistency proof between two tree sizes.
pub type TreeProof = Vec<Hash>;

/// Returns the inclusion proof that record `index` is contained in the tree
/// of `tree_size` records (Go's `ProveRecord(t, n, r)`).
pub fn prove_record<R: HashReader + ?Sized>(
    tree_size: u64,
    index: u64,
    r: &R,
) -> Result<RecordProof> {
    if index >= tree_size {
        return Err(Error::InvalidInput("index must be below the tree size"));
    }
    let mut indexes = Vec::new();
    leaf_proof_index(0, tree_size, index, &mut indexes)?;
    if indexes.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = read_exact(r, &indexes)?;
    let mut proof = Vec::new();
    let rest = leaf_proof(0, tree_size, index, &hashes, &mut proof)?;
    if !rest.is_empty() {
        return Err(Error::Storage("unused hashes in record proof".into()));
    }
    Ok(proof)
}

fn leaf_proof_index(lo: u64, hi: u64, n: u64, need: &mut Vec<u64>) -> Result<()> {
    if !(lo <= n && n < hi) {
        return Err(Error::InvalidInput("bad leaf proof range"));
    }
    if lo + 1 == hi {
        return Ok(());
    }
    let k = split_point(hi - lo);
    if n < lo + k {
        leaf_proof_index(lo, lo + k, n, need)?;
        sub_tree_index(lo + k, hi, need)
    } else {
        sub_tree_index(lo, lo + k, need)?;
        leaf_proof_index(lo + k, hi, n, need)
    }
}

fn leaf_proof<'a>(
    lo: u64,
    hi: u64,
    n: u64,
    hashes: &'a [Hash],
    proof: &mut Vec<Hash>,
) -> Result<&'a [Hash]> {
    if !(lo <= n && n < hi) {
        return Err(Error::InvalidInput("bad leaf proof range"));
    }
    if lo + 1 == hi {
        // Reached the leaf: the verifier knows its hash.
        return Ok(hashes);
    }
    let k = split_point(hi - lo);
    if n < lo + k {
        let rest = leaf_proof(lo, lo + k, n, hashes, proof)?;
        let (th, rest) = sub_tree_hash(lo + k, hi, rest)?;
        proof.push(th);
        Ok(rest)
    } else {
        let (th, rest) = sub_tree_hash(lo, lo + k, hashes)?;
        let rest = leaf_proof(lo + k, hi, n, rest, proof)?;
        proof.push(th);
        Ok(rest)
    }
}

/// Computes the root implied by an inclusion proof (RFC 9162 §2.1.3.2).
pub fn root_from_inclusion_proof(
    proof: &[Hash],
    tree_size: u64,
    index: u64,
    leaf: Hash,
) -> Result<Hash> {
    if index >= tree_size {
        return Err(Error::InclusionProofFailed);
    }
    let mut fnode = index;
    let mut snode = tree_size - 1;
    let mut r = leaf;
    for p in proof {
        if snode == 0 {
            return Err(Error::InclusionProofFailed);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(Error::InclusionProofFailed);
    }
    Ok(r)
}

/// Verifies that `leaf` (a leaf hash) is record `index` of the tree of
/// `tree_size` records whose root is `root` (Go's `CheckRecord(p, t, th, n, h)`).
pub fn check_record(
    proof: &[Hash],
    tree_size: u64,
    root: Hash,
    index: u64,
    leaf: Hash,
) -> Result<()> {
    if root_from_inclusion_proof(proof, tree_size, index, leaf)? == root {
        Ok(())
    } else {
        Err(Error::InclusionProofFailed)
    }
}

/// Returns the consistency proof from the tree of `old_size` records to the
/// tree of `tree_size` records (Go's `ProveTree(t, n, r)`). An `old_size` of 0
/// or equal to `tree_size` yields the empty proof.
pub fn prove_tree<R: HashReader + ?Sized>(
    tree_size: u64,
    old_size: u64,
    r: &R,
) -> Result<TreeProof> {
    if old_size > tree_size {
        return Err(Error::InvalidInput(
            "old size must not exceed the tree size",
        ));
    }
    if old_size == 0 || old_size == tree_size {
        return Ok(Vec::new());
    }
    let mut indexes = Vec::new();
    tree_proof_index(0, tree_size, old_size, &mut indexes)?;
    if indexes.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = read_exact(r, &indexes)?;
    let mut proof = Vec::new();
    let rest = tree_proof(0, tree_size, old_size, &hashes, &mut proof)?;
    if !rest.is_empty() {
        return Err(Error::Storage("unused hashes in tree proof".into()));
    }
    Ok(proof)
}

fn tree_proof_index(lo: u64, hi: u64, n: u64, need: &mut Vec<u64>) -> Result<()> {
    if !(lo < n && n <= hi) {
        return Err(Error::InvalidInput("bad tree proof range"));
    }
    if n == hi {
        if lo == 0 {
            return Ok(());
        }
        return sub_tree_index(lo, hi, need);
    }
    let k = split_point(hi - lo);
    if n <= lo + k {
        tree_proof_index(lo, lo + k, n, need)?;
        sub_tree_index(lo + k, hi, need)
    } else {
        sub_tree_index(lo, lo + k, need)?;
        tree_proof_index(lo + k, hi, n, need)
    }
}

fn tree_proof<'a>(
    lo: u64,
    hi: u64,
    n: u64,
    hashes: &'a [Hash],
    proof: &mut Vec<Hash>,
) -> Result<&'a [Hash]> {
    if !(lo < n && n <= hi) {
        return Err(Error::InvalidInput("bad tree proof range"));
    }
    if n == hi {
        if lo == 0 {
            // Exactly the old tree: the verifier already knows its hash.
            return Ok(hashes);
        }
        let (th, rest) = sub_tree_hash(lo, hi, hashes)?;
        proof.push(th);
        return Ok(rest);
    }
    let k = split_point(hi - lo);
    if n <= lo + k {
        let rest = tree_proof(lo, lo + k, n, hashes, proof)?;
        let (th, rest) = sub_tree_hash(lo + k, hi, rest)?;
        proof.push(th);
        Ok(rest)
    } else {
        let (th, rest) = sub_tree_hash(lo, lo + k, hashes)?;
        let rest = tree_proof(lo + k, hi, n, rest, proof)?;
        proof.push(th);
        Ok(rest)
    }
}

/// Verifies that the tree of `tree_size` records with root `root` extends the
/// tree of `old_size` records with root `old_root` (RFC 9162 §2.1.4.2; Go's
/// `CheckTree(p, t, th, n, h)`).
///
/// Equal sizes require an empty proof and equal roots. An old size of 0
/// requires an empty proof and `old_root` equal to [`EMPTY_HASH`].
pub fn check_tree(
    proof: &[Hash],
    tree_size: u64,
    root: Hash,
    old_size: u64,
    old_root: Hash,
) -> Result<()> {
    let fail = Err(Error::ConsistencyProofFailed);
    if old_size > tree_size {
        return fail;
    }
    if old_size == tree_size {
        return if proof.is_empty() && root == old_root {
            Ok(())
        } else {
            fail
        };
    }
    if old_size == 0 {
        return if proof.is_empty() && old_root == EMPTY_HASH {
            Ok(())
        } else {
            fail
        };
    }
    // If the old size is a power of two, the old root is the first node.
    let (first, rest): (Hash, &[Hash]) = if old_size.is_power_of_two() {
        (old_root, proof)
    } else {
        match proof.split_first() {
            Some((f, r)) => (*f, r),
            None => return fail,
        }
    };
    let mut fnode = old_size - 1;
    let mut snode = tree_size - 1;
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let mut fr = first;
    let mut sr = first;
    for c in rest {
        if snode == 0 {
            return fail;
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode == 0 && fr == old_root && sr == root {
        Ok(())
    } else {
        fail
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::tree::MemoryTree;

    #[test]
    fn small_trees_round_trip() {
        let mut t = MemoryTree::new();
        for i in 0..40u8 {
            t.append(&[i]).unwrap();
        }
        for size in 1..=40u64 {
            let root = t.root_at(size).unwrap();
            for idx in 0..size {
                let p = t.prove_inclusion(idx, size).unwrap();
                let leaf = leaf_hash(&[idx as u8]);
                check_record(&p, size, root, idx, leaf).unwrap();
                assert!(check_record(&p, size, root, idx, leaf_hash(b"no")).is_err());
            }
            for old in 0..=size {
                let p = t.prove_consistency(old, size).unwrap();
                let old_root = t.root_at(old).unwrap();
                check_tree(&p, size, root, old, old_root).unwrap();
                if old > 0 && old < size {
                    assert!(check_tree(&p, size, root, old, root).is_err());
                }
            }
        }
        assert!(t.prove_inclusion(5, 5).is_err());
        assert!(t.prove_consistency(6, 5).is_err());
    }
}
