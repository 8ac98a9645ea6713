//! Property tests: every honestly generated proof verifies (from storage and
//! from tiles), every tampered one fails, and parsers never panic on junk.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::OnceLock;

use common::{entry, MemTiles};
use proptest::prelude::*;
use rampart_tlog::{
    check_record, check_tree, leaf_hash, note, parse_entry_bundle, parse_tile_path, prove_record,
    prove_tree, Checkpoint, Hash, MemoryTree, Signer, TileHashReader, TlogProof, Verifier,
    VerifierList,
};

const MAX: u64 = 2000;

fn big_tree() -> &'static MemoryTree {
    static TREE: OnceLock<MemoryTree> = OnceLock::new();
    TREE.get_or_init(|| common::tree_of(MAX))
}

/// (size, index) with index < size <= MAX.
fn size_and_index() -> impl Strategy<Value = (u64, u64)> {
    (1..=MAX).prop_flat_map(|n| (Just(n), 0..n))
}

/// (old, new) with 1 <= old < new <= MAX.
fn old_and_new() -> impl Strategy<Value = (u64, u64)> {
    (2..=MAX).prop_flat_map(|n| (1..n, Just(n)))
}

fn flip(p: &[Hash], which: usize, bit: u8) -> Vec<Hash> {
    let mut p = p.to_vec();
    let i = which % p.len();
    p[i].0[usize::from(bit) % 32] ^= 1 << (bit % 8);
    p
}

fn theirs(p: &[Hash]) -> Vec<tlog_tiles::Hash> {
    p.iter().map(|h| tlog_tiles::Hash(h.0)).collect()
}

/// Our verdict on an inclusion proof, asserting that tlog_tiles' port of
/// Go's recursive `CheckRecord` (an independent algorithm) agrees.
fn record_ok(p: &[Hash], size: u64, root: Hash, index: u64, leaf: Hash) -> bool {
    let ours = check_record(p, size, root, index, leaf).is_ok();
    let go = tlog_tiles::check_record(
        &theirs(p),
        size,
        tlog_tiles::Hash(root.0),
        index,
        tlog_tiles::Hash(leaf.0),
    )
    .is_ok();
    assert_eq!(
        ours,
        go,
        "verdicts differ: size {size} index {index} len {}",
        p.len()
    );
    ours
}

/// Same for consistency proofs and Go's `CheckTree` (old size >= 1).
fn tree_ok(p: &[Hash], size: u64, root: Hash, old: u64, old_root: Hash) -> bool {
    let ours = check_tree(p, size, root, old, old_root).is_ok();
    if old >= 1 && old <= size {
        let go = tlog_tiles::check_tree(
            &theirs(p),
            size,
            tlog_tiles::Hash(root.0),
            old,
            tlog_tiles::Hash(old_root.0),
        )
        .is_ok();
        assert_eq!(ours, go, "verdicts differ: {old}->{size} len {}", p.len());
    }
    ours
}

/// Checks an inclusion proof and all its tamperings.
fn inclusion_property(proof: &[Hash], n: u64, i: u64, other: u64, bit: u8, extra: Hash) {
    let t = big_tree();
    let root = t.root_at(n).unwrap();
    let leaf = t.leaf_hash(i).unwrap();
    assert!(record_ok(proof, n, root, i, leaf));
    assert!(!record_ok(proof, n, root, i, leaf_hash(b"forged")));
    if !proof.is_empty() {
        assert!(!record_ok(
            &flip(proof, other as usize, bit),
            n,
            root,
            i,
            leaf
        ));
        assert!(!record_ok(&proof[1..], n, root, i, leaf));
        assert!(!record_ok(&proof[..proof.len() - 1], n, root, i, leaf));
    }
    assert!(!record_ok(&[proof, &[extra]].concat(), n, root, i, leaf));
    assert!(!record_ok(&[&[extra], proof].concat(), n, root, i, leaf));
    // Wrong index: the leaf is not at any other position.
    let j = other % n;
    if j != i {
        assert!(!record_ok(proof, n, root, j, leaf), "{i}->{j} in {n}");
    }
    assert!(!record_ok(proof, n, root, n.saturating_add(other), leaf));
    // Wrong size with the original root: RFC 9162 does not bind the size
    // when the proof shape is the same, so only require agreement with Go.
    let _ = record_ok(proof, 1 + other % (2 * MAX), root, i, leaf);
    let _ = record_ok(proof, n * 2, root, i, leaf);
    let _ = record_ok(proof, n / 2, root, i, leaf);
    // Wrong size (with that size's true root): accepted only if the honest
    // proof for that size is literally the same proof.
    let m = 1 + other % MAX;
    if m != n && i < m {
        let ok = record_ok(proof, m, t.root_at(m).unwrap(), i, leaf);
        assert_eq!(ok, prove_record(m, i, t).unwrap() == proof, "size {n}->{m}");
    }
}

fn consistency_property(proof: &[Hash], old: u64, new: u64, other: u64, bit: u8, extra: Hash) {
    let t = big_tree();
    let r_old = t.root_at(old).unwrap();
    let r_new = t.root_at(new).unwrap();
    assert!(tree_ok(proof, new, r_new, old, r_old));
    assert!(!proof.is_empty());
    assert!(!tree_ok(
        &flip(proof, other as usize, bit),
        new,
        r_new,
        old,
        r_old
    ));
    assert!(!tree_ok(&proof[1..], new, r_new, old, r_old));
    assert!(!tree_ok(&proof[..proof.len() - 1], new, r_new, old, r_old));
    assert!(!tree_ok(
        &[proof, &[extra]].concat(),
        new,
        r_new,
        old,
        r_old
    ));
    assert!(!tree_ok(
        &[&[extra], proof].concat(),
        new,
        r_new,
        old,
        r_old
    ));
    assert!(!tree_ok(proof, new, r_old, old, r_new));
    assert!(!tree_ok(
        proof,
        new,
        r_new,
        old,
        t.root_at(old + 1).unwrap()
    ));
    // Wrong sizes with the original roots: agreement with Go only.
    let _ = tree_ok(proof, new * 2, r_new, old, r_old);
    let _ = tree_ok(proof, new, r_new, old + 1, r_old);
    let _ = tree_ok(proof, 1 + other % (2 * MAX), r_new, old, r_old);
    let _ = tree_ok(proof, new, r_new, 1 + other % new, r_old);
    // Wrong sizes (with true roots): only if it is literally the honest proof.
    let o2 = 1 + other % new;
    if o2 != old && o2 < new {
        let ok = tree_ok(proof, new, r_new, o2, t.root_at(o2).unwrap());
        assert_eq!(
            ok,
            prove_tree(new, o2, t).unwrap() == proof,
            "old {old}->{o2}"
        );
    }
    let n2 = old + 1 + other % (MAX - old);
    if n2 != new {
        let ok = tree_ok(proof, n2, t.root_at(n2).unwrap(), old, r_old);
        assert_eq!(
            ok,
            prove_tree(n2, old, t).unwrap() == proof,
            "new {new}->{n2}"
        );
    }
}

fn any_hash() -> impl Strategy<Value = Hash> {
    any::<[u8; 32]>().prop_map(Hash)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn inclusion_proofs((n, i) in size_and_index(), other in any::<u64>(), bit in any::<u8>(), extra in any_hash()) {
        let proof = big_tree().prove_inclusion(i, n).unwrap();
        inclusion_property(&proof, n, i, other, bit, extra);
    }

    #[test]
    fn consistency_proofs((old, new) in old_and_new(), other in any::<u64>(), bit in any::<u8>(), extra in any_hash()) {
        let proof = big_tree().prove_consistency(old, new).unwrap();
        consistency_property(&proof, old, new, other, bit, extra);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The same properties with proofs computed from tiles of a tree of size
    /// `n` (authenticated against its root).
    #[test]
    fn proofs_via_tiles((n, i) in size_and_index(), old_seed in any::<u64>(), other in any::<u64>(), bit in any::<u8>(), extra in any_hash()) {
        let t = big_tree();
        let tiles = MemTiles::new(t, n);
        let r = TileHashReader::new(n, t.root_at(n).unwrap(), &tiles);
        let proof = prove_record(n, i, &r).unwrap();
        prop_assert_eq!(&proof, &t.prove_inclusion(i, n).unwrap());
        inclusion_property(&proof, n, i, other, bit, extra);
        if n >= 2 {
            let old = 1 + old_seed % (n - 1);
            let proof = prove_tree(n, old, &r).unwrap();
            prop_assert_eq!(&proof, &t.prove_consistency(old, n).unwrap());
            consistency_property(&proof, old, n, other, bit, extra);
        }
    }
}

fn signer() -> &'static Signer {
    static S: OnceLock<Signer> = OnceLock::new();
    S.get_or_init(|| Signer::from_seed("rampart.example/audit", &[7; 32]).unwrap())
}

fn verifiers() -> VerifierList {
    signer().verifier().into()
}

fn log_key() -> Verifier {
    signer().verifier()
}

/// A valid tlog-proof for entry `i` of the tree of size `n`.
fn tlog_proof_for(n: u64, i: u64) -> String {
    let t = big_tree();
    let cp = Checkpoint::new("rampart.example/audit", n, t.root_at(n).unwrap()).unwrap();
    let signed = cp.sign(&[signer()]).unwrap();
    TlogProof::new(i, t.prove_inclusion(i, n).unwrap(), signed).to_text()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn checkpoint_parse_never_panics(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(cp) = Checkpoint::parse(&data) {
            prop_assert_eq!(cp.to_text().into_bytes(), data);
        }
    }

    #[test]
    fn checkpoint_parse_structured_junk(s in "[a-z0-9/+=\n \t]{0,20}(\n[0-9]{0,21}\n[A-Za-z0-9+/=]{40,46}\n)?[a-z\n]{0,8}") {
        if let Ok(cp) = Checkpoint::parse(s.as_bytes()) {
            prop_assert_eq!(cp.to_text(), s);
        }
    }

    #[test]
    fn note_open_never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = note::open(&data, &verifiers());
    }

    #[test]
    fn mutated_signed_notes_fail(pos in any::<usize>(), delta in 1u8..=255) {
        let cp = Checkpoint::new("rampart.example/audit", 1234, leaf_hash(b"r")).unwrap();
        let mut signed = cp.sign(&[signer()]).unwrap().into_bytes();
        prop_assert!(note::open(&signed, &verifiers()).is_ok());
        let p = pos % signed.len();
        signed[p] = signed[p].wrapping_add(delta);
        prop_assert!(note::open(&signed, &verifiers()).is_err());
    }

    #[test]
    fn key_parsers_never_panic(s in "(PRIVATE\\+KEY\\+)?[a-zA-Z0-9+/=.]{0,90}") {
        let _ = Verifier::from_key_string(&s);
        let _ = Signer::from_key_string(&s);
    }

    #[test]
    fn tlog_proof_parse_never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(p) = TlogProof::parse(&data) {
            prop_assert_eq!(p.to_text().into_bytes(), data);
        }
    }

    #[test]
    fn tlog_proof_structured_junk(s in "c2sp.org/tlog-proof@v1\n(extra [A-Za-z0-9+/=]{0,8}\n)?index [0-9]{1,3}\n([A-Za-z0-9+/=]{43,45}\n){0,2}\n[a-z\n]{0,10}") {
        if let Ok(p) = TlogProof::parse(s.as_bytes()) {
            prop_assert_eq!(p.to_text(), s);
            prop_assert!(p.verify(b"x", "rampart.example/audit", &log_key()).is_err());
        }
    }

    #[test]
    fn tlog_proofs_verify_and_mutations_fail((n, i) in size_and_index(), pos in any::<usize>(), delta in 1u8..=255) {
        let text = tlog_proof_for(n, i);
        let e = entry(i);
        let origin = "rampart.example/audit";
        let ok = rampart_tlog::verify_tlog_proof(text.as_bytes(), &e, origin, &log_key()).unwrap();
        prop_assert_eq!(ok.index, i);
        prop_assert_eq!(ok.checkpoint.size(), n);
        prop_assert!(rampart_tlog::verify_tlog_proof(text.as_bytes(), b"other", origin, &log_key()).is_err());
        prop_assert!(rampart_tlog::verify_tlog_proof(text.as_bytes(), &e, "other.example/log", &log_key()).is_err());
        let mut bad = text.into_bytes();
        let p = pos % bad.len();
        bad[p] = bad[p].wrapping_add(delta);
        prop_assert!(rampart_tlog::verify_tlog_proof(&bad, &e, origin, &log_key()).is_err());
    }

    #[test]
    fn tile_path_parse_never_panics(s in "tile/(entries|[0-9]{1,3})(/x?[0-9]{1,4}){1,8}(\\.p/[0-9]{1,4})?") {
        if let Ok(p) = parse_tile_path(&s) {
            prop_assert_eq!(p.path(), s);
        }
    }

    #[test]
    fn tile_path_parse_random_strings(s in "\\PC{0,70}") {
        if let Ok(p) = parse_tile_path(&s) {
            prop_assert_eq!(p.path(), s);
        }
    }

    #[test]
    fn entry_bundle_parse_never_panics(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(entries) = parse_entry_bundle(&data) {
            prop_assert_eq!(rampart_tlog::encode_entry_bundle(&entries).unwrap(), data);
        }
    }
}
