//! Known-answer tests: the RFC 6962 reference tree used by the Certificate
//! Transparency test suites (transparency-dev/merkle `proof/verify_test.go`,
//! originally certificate-transparency C++/Go), and real proofs recorded from
//! Google's argon2020 CT log.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{h, unhex};
use rampart_tlog::{
    check_record, check_tree, leaf_hash, merkle_tree_hash, Error, Hash, MemoryTree, EMPTY_HASH,
};

const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// (1-based leaf, tree size, proof)
const INCLUSION: &[(u64, u64, &[&str])] = &[
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        3,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        2,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// (old size, new size, proof)
const CONSISTENCY: &[(u64, u64, &[&str])] = &[
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn reference_tree() -> MemoryTree {
    let mut t = MemoryTree::new();
    for l in LEAVES {
        t.append(&unhex(l)).unwrap();
    }
    t
}

fn hashes(v: &[&str]) -> Vec<Hash> {
    v.iter().map(|s| h(s)).collect()
}

fn some_hash() -> Hash {
    h("abacaba000000000000000000000000000000000000000000060061e00123456")
}

#[test]
fn roots_of_reference_tree() {
    let t = reference_tree();
    let leaf_hashes: Vec<Hash> = LEAVES.iter().map(|l| leaf_hash(&unhex(l))).collect();
    for (i, want) in ROOTS.iter().enumerate() {
        let size = i as u64 + 1;
        assert_eq!(t.root_at(size).unwrap(), h(want), "size {size}");
        assert_eq!(merkle_tree_hash(&leaf_hashes[..=i]), h(want));
    }
    assert_eq!(t.root(), h(ROOTS[7]));
    assert_eq!(t.root_at(0).unwrap(), EMPTY_HASH);
    assert_eq!(
        EMPTY_HASH,
        h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
}

/// The corruptions of transparency-dev/merkle's `corruptInclusionProof`.
fn inclusion_corruptions(
    index: u64,
    size: u64,
    proof: &[Hash],
    root: Hash,
    leaf: Hash,
) -> Vec<(u64, u64, Hash, Hash, Vec<Hash>, String)> {
    let p = proof.to_vec();
    let mut v = vec![
        (
            index.wrapping_sub(1),
            size,
            root,
            leaf,
            p.clone(),
            "index-1".into(),
        ),
        (index + 1, size, root, leaf, p.clone(), "index+1".into()),
        (index ^ 2, size, root, leaf, p.clone(), "index^2".into()),
        (index, size * 2, root, leaf, p.clone(), "size*2".into()),
        (index, size / 2, root, leaf, p.clone(), "size/2".into()),
        (
            index,
            size,
            root,
            leaf_hash(b"WrongLeaf"),
            p.clone(),
            "wrong leaf".into(),
        ),
        (
            index,
            size,
            EMPTY_HASH,
            leaf,
            p.clone(),
            "empty root".into(),
        ),
        (
            index,
            size,
            some_hash(),
            leaf,
            p.clone(),
            "random root".into(),
        ),
        (
            index,
            size,
            root,
            leaf,
            [p.clone(), vec![Hash::default()]].concat(),
            "trailing garbage".into(),
        ),
        (
            index,
            size,
            root,
            leaf,
            [p.clone(), vec![root]].concat(),
            "trailing root".into(),
        ),
        (
            index,
            size,
            root,
            leaf,
            [vec![Hash::default()], p.clone()].concat(),
            "preceding garbage".into(),
        ),
        (
            index,
            size,
            root,
            leaf,
            [vec![root], p.clone()].concat(),
            "preceding root".into(),
        ),
    ];
    for i in 0..p.len() {
        let mut w = p.clone();
        w[i].0[0] ^= 8;
        v.push((index, size, root, leaf, w, format!("bit flip in {i}")));
    }
    if !p.is_empty() {
        v.push((
            index,
            size,
            root,
            leaf,
            p[..p.len() - 1].to_vec(),
            "removed".into(),
        ));
    }
    if p.len() > 1 {
        let mut w = vec![p[0], some_hash()];
        w.extend_from_slice(&p[1..]);
        v.push((index, size, root, leaf, w, "inserted".into()));
    }
    v
}

#[test]
fn inclusion_vectors() {
    let t = reference_tree();
    for &(leaf1, size, want) in INCLUSION {
        let index = leaf1 - 1;
        let want = hashes(want);
        let root = h(ROOTS[size as usize - 1]);
        let leaf = leaf_hash(&unhex(LEAVES[index as usize]));
        assert_eq!(
            t.prove_inclusion(index, size).unwrap(),
            want,
            "{index}/{size}"
        );
        check_record(&want, size, root, index, leaf).unwrap();
        for (i, s, r, l, p, what) in inclusion_corruptions(index, size, &want, root, leaf) {
            assert!(
                check_record(&p, s, r, i, l).is_err(),
                "corruption {what:?} of {index}/{size} verified"
            );
        }
    }
    // Degenerate inputs from TestVerifyInclusion.
    for (index, size) in [(0, 0), (0, 1), (1, 0), (2, 1)] {
        assert!(check_record(&[], size, EMPTY_HASH, index, some_hash()).is_err());
    }
    // Single entry: root == leaf hash, empty proof.
    let l = leaf_hash(b"data");
    check_record(&[], 1, l, 0, l).unwrap();
    assert!(check_record(&[], 1, l, 0, EMPTY_HASH).is_err());
}

#[test]
fn consistency_vectors() {
    let t = reference_tree();
    for &(old, new, want) in CONSISTENCY {
        let want = hashes(want);
        let r1 = h(ROOTS[old as usize - 1]);
        let r2 = h(ROOTS[new as usize - 1]);
        assert_eq!(t.prove_consistency(old, new).unwrap(), want, "{old}->{new}");
        check_tree(&want, new, r2, old, r1).unwrap();
        if want.is_empty() {
            continue;
        }
        // transparency-dev/merkle's corruptConsistencyProof.
        let p = want.clone();
        let mut probes: Vec<(u64, u64, Hash, Hash, Vec<Hash>)> = vec![
            (old - 1, new, r1, r2, p.clone()),
            (old + 1, new, r1, r2, p.clone()),
            (old ^ 2, new, r1, r2, p.clone()),
            (old, new * 2, r1, r2, p.clone()),
            (old, new / 2, r1, r2, p.clone()),
            (old, new, some_hash(), r2, p.clone()),
            (old, new, r1, some_hash(), p.clone()),
            (old, new, r2, r1, p.clone()),
            (old, new, r1, r2, vec![]),
            (
                old,
                new,
                r1,
                r2,
                [p.clone(), vec![Hash::default()]].concat(),
            ),
            (old, new, r1, r2, [p.clone(), vec![r1]].concat()),
            (old, new, r1, r2, [p.clone(), vec![r2]].concat()),
            (
                old,
                new,
                r1,
                r2,
                [vec![Hash::default()], p.clone()].concat(),
            ),
            (old, new, r1, r2, [vec![r1], p.clone()].concat()),
            (old, new, r1, r2, [vec![r2], p.clone()].concat()),
            (old, new, r1, r2, [vec![p[0]], p.clone()].concat()),
            (old, new, r1, r2, p[..p.len() - 1].to_vec()),
        ];
        for i in 0..p.len() {
            let mut w = p.clone();
            w[i].0[0] ^= 16;
            probes.push((old, new, r1, r2, w));
        }
        for (n, (o, s, a, b, pr)) in probes.into_iter().enumerate() {
            assert!(
                check_tree(&pr, s, b, o, a).is_err(),
                "corruption #{n} of {old}->{new} verified"
            );
        }
    }
}

#[test]
fn consistency_edge_cases() {
    // From TestVerifyConsistency (roots are arbitrary where sizes make them
    // irrelevant); our one deliberate difference: for an old size of 0 the old
    // root must be the empty-tree hash.
    let r1 = some_hash();
    let r2 = leaf_hash(b"2");
    assert!(check_tree(&[], 0, r2, 0, r1).is_err());
    assert!(check_tree(&[], 1, r2, 1, r1).is_err());
    check_tree(&[], 0, EMPTY_HASH, 0, EMPTY_HASH).unwrap();
    check_tree(&[], 1, r2, 0, EMPTY_HASH).unwrap();
    assert!(check_tree(&[], 1, r2, 0, r1).is_err());
    check_tree(&[], 1, r2, 1, r2).unwrap();
    assert!(check_tree(&[], 0, r2, 1, r1).is_err());
    assert!(check_tree(&[], 1, r2, 2, r1).is_err());
    assert!(check_tree(&[], 2, r2, 1, r1).is_err());
    assert!(check_tree(&[EMPTY_HASH], 0, EMPTY_HASH, 0, EMPTY_HASH).is_err());
    assert!(check_tree(&[EMPTY_HASH], 1, EMPTY_HASH, 0, EMPTY_HASH).is_err());
    assert!(check_tree(&[EMPTY_HASH], 1, EMPTY_HASH, 1, EMPTY_HASH).is_err());
    assert_eq!(
        check_tree(&[], 2, r2, 1, r1),
        Err(Error::ConsistencyProofFailed)
    );
}

/// Extracts the JSON string values of `key` (test data is simple enough).
fn json_strings(doc: &str, key: &str) -> Vec<String> {
    let start = doc.find(&format!("\"{key}\"")).unwrap() + key.len() + 3;
    let rest = &doc[start..];
    let rest = rest.trim_start_matches([' ', ':']);
    let end = if rest.starts_with('[') {
        rest.find(']').unwrap()
    } else {
        rest[1..].find('"').unwrap() + 2
    };
    rest[..end]
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn json_number(doc: &str, key: &str) -> u64 {
    let start = doc.find(&format!("\"{key}\":")).unwrap() + key.len() + 3;
    doc[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[test]
fn real_certificate_transparency_log() {
    use base64::Engine as _;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/ct-argon2020/");
    let read = |f: &str| std::fs::read_to_string(format!("{dir}{f}")).unwrap();
    let sth = read("get-sth.json");
    let size = json_number(&sth, "tree_size");
    assert_eq!(size, 961_984_011);
    let root = Hash::from_base64(&json_strings(&sth, "sha256_root_hash")[0]).unwrap();

    let entries = read("get-entries-10000.json");
    let leaf_input = base64::engine::general_purpose::STANDARD
        .decode(&json_strings(&entries, "leaf_input")[0])
        .unwrap();
    let leaf = leaf_hash(&leaf_input);
    // The hash the proof was requested for (from the recorded request URL).
    assert_eq!(
        leaf.to_base64(),
        "nCs3mfIydh9x4CKyQ+u2xtmpxmFggA5MLymHwNQSlLg="
    );

    let proof_doc = read("get-proof-by-hash-10000.json");
    assert_eq!(json_number(&proof_doc, "leaf_index"), 10000);
    let proof: Vec<Hash> = json_strings(&proof_doc, "audit_path")
        .iter()
        .map(|s| Hash::from_base64(s).unwrap())
        .collect();
    check_record(&proof, size, root, 10000, leaf).unwrap();
    assert!(check_record(&proof, size, root, 10001, leaf).is_err());
    assert!(check_record(&proof, size / 2, root, 10000, leaf).is_err());

    let cons = read("get-sth-consistency-3654490.json");
    let cproof: Vec<Hash> = json_strings(&cons, "consistency")
        .iter()
        .map(|s| Hash::from_base64(s).unwrap())
        .collect();
    let old_root = Hash::from_base64("AuIZ5V6sDUj1vn3Y1K85oOaQ7y+FJJKtyRTl1edIKBQ=").unwrap();
    check_tree(&cproof, size, root, 3_654_490, old_root).unwrap();
    assert!(check_tree(&cproof, size, root, 3_654_491, old_root).is_err());
    assert!(check_tree(&cproof, size, old_root, 3_654_490, old_root).is_err());
}
