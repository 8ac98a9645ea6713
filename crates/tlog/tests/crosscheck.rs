//! Cross-checks against independent implementations (dev-dependencies only):
//! `ct-merkle` (RFC 6962 roots and proofs), `tlog_tiles` (Cloudflare's port of
//! Go's sumdb/tlog: stored hash layout, proofs, tiles, checkpoints) and
//! `signed_note` (Cloudflare's port of Go's sumdb/note).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{entry, tree_of, MemTiles};
use rampart_tlog as ours;
use rampart_tlog::{Hash, HashReader};

use sha2::Sha256;

fn to_theirs(h: Hash) -> tlog_tiles::Hash {
    tlog_tiles::Hash(h.0)
}

fn from_theirs(h: tlog_tiles::Hash) -> Hash {
    Hash(h.0)
}

/// Serves our stored hashes through tlog_tiles' HashReader trait.
struct TheirReader<'a>(&'a ours::MemoryTree);

impl tlog_tiles::HashReader for TheirReader<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        self.0
            .read_hashes(indexes)
            .map(|v| v.into_iter().map(to_theirs).collect())
            .map_err(|_| tlog_tiles::Error::IndexesNotInTree)
    }
}

// ---------------------------------------------------------------- ct-merkle

#[test]
fn ct_merkle_roots_and_proofs() {
    let mut theirs = ct_merkle::mem_backed_tree::MemoryBackedTree::<Sha256, Vec<u8>>::new();
    let mut mine = ours::MemoryTree::new();
    for n in 1..=140u64 {
        theirs.push(entry(n - 1));
        mine.append(&entry(n - 1)).unwrap();
        let root = theirs.root();
        assert_eq!(
            root.as_bytes().as_slice(),
            mine.root().as_bytes(),
            "root {n}"
        );
        for idx in 0..n {
            let p = theirs.prove_inclusion(idx as usize);
            let ours_p: Vec<u8> = mine
                .prove_inclusion(idx, n)
                .unwrap()
                .iter()
                .flat_map(|h| h.0)
                .collect();
            assert_eq!(p.as_bytes(), ours_p.as_slice(), "inclusion {idx}/{n}");
        }
        for old in 1..n {
            let p = theirs.prove_consistency((n - old) as usize);
            let mine_p = mine.prove_consistency(old, n).unwrap();
            let ours_bytes: Vec<u8> = mine_p.iter().flat_map(|h| h.0).collect();
            assert_eq!(
                p.as_bytes(),
                ours_bytes.as_slice(),
                "consistency {old}->{n}"
            );
            // And their verifier accepts our proof.
            let old_root = ct_merkle::RootHash::<Sha256>::new(
                (*mine.root_at(old).unwrap().as_bytes()).into(),
                old,
            );
            let proof = ct_merkle::ConsistencyProof::<Sha256>::from_digests(
                mine_p.iter().map(|h| h.as_bytes().into()),
            );
            root.verify_consistency(&old_root, &proof).unwrap();
        }
    }
}

// --------------------------------------------------------------- tlog_tiles

#[test]
fn tlog_tiles_stored_hash_layout() {
    for i in 0..20_000u64 {
        assert_eq!(
            ours::split_stored_hash_index(i),
            tlog_tiles::split_stored_hash_index(i)
        );
    }
    for level in 0..20u8 {
        for n in [0u64, 1, 2, 3, 255, 256, 1000, 123_456_789] {
            assert_eq!(
                ours::stored_hash_index(level, n),
                tlog_tiles::stored_hash_index(level, n)
            );
        }
    }
    for n in 0..5000u64 {
        assert_eq!(ours::stored_hash_count(n), tlog_tiles::stored_hash_count(n));
    }
    let mut t = ours::MemoryTree::new();
    for n in 0..600u64 {
        let theirs = tlog_tiles::stored_hashes(n, &entry(n), &TheirReader(&t)).unwrap();
        let before = t.stored_hashes().len();
        t.append(&entry(n)).unwrap();
        let mine: Vec<_> = t.stored_hashes()[before..].to_vec();
        assert_eq!(
            mine,
            theirs.into_iter().map(from_theirs).collect::<Vec<_>>()
        );
        assert_eq!(
            t.root(),
            from_theirs(tlog_tiles::tree_hash(n + 1, &TheirReader(&t)).unwrap())
        );
    }
}

#[test]
fn tlog_tiles_proofs() {
    let t = tree_of(300);
    let sizes = (1..=70u64).chain([127, 128, 129, 255, 256, 257, 299, 300]);
    for n in sizes {
        let root = t.root_at(n).unwrap();
        let step = if n > 70 { 7 } else { 1 };
        for i in (0..n).step_by(step) {
            let theirs = tlog_tiles::prove_record(n, i, &TheirReader(&t)).unwrap();
            let mine = ours::prove_record(n, i, &t).unwrap();
            assert_eq!(
                mine,
                theirs.iter().map(|h| from_theirs(*h)).collect::<Vec<_>>()
            );
            tlog_tiles::check_record(
                &theirs,
                n,
                to_theirs(root),
                i,
                to_theirs(t.leaf_hash(i).unwrap()),
            )
            .unwrap();
        }
        for old in (1..=n).step_by(step) {
            let theirs = tlog_tiles::prove_tree(n, old, &TheirReader(&t)).unwrap();
            let mine = ours::prove_tree(n, old, &t).unwrap();
            assert_eq!(
                mine,
                theirs.iter().map(|h| from_theirs(*h)).collect::<Vec<_>>()
            );
            let old_root = t.root_at(old).unwrap();
            tlog_tiles::check_tree(&theirs, n, to_theirs(root), old, to_theirs(old_root)).unwrap();
            ours::check_tree(&mine, n, root, old, old_root).unwrap();
        }
    }
}

fn their_tile(t: &ours::Tile) -> tlog_tiles::Tile {
    tlog_tiles::Tile::new(8, t.level(), t.n(), t.width(), false)
}

#[test]
fn tlog_tiles_tile_coordinates_and_paths() {
    for (old, new) in [
        (0, 1),
        (0, 256),
        (0, 257),
        (5, 70_000),
        (255, 65_537),
        (65_536, 16_777_217),
        (0, 70_000),
    ] {
        let mine = ours::new_tiles(old, new);
        let theirs = tlog_tiles::Tile::new_tiles(8, old, new);
        assert_eq!(mine.len(), theirs.len());
        for (a, b) in mine.iter().zip(&theirs) {
            assert_eq!(their_tile(a), *b);
            // tlog_tiles uses Go's sumdb layout `tile/H/L/...` and `tile/H/data/...`;
            // C2SP drops the height and names data tiles `entries`.
            let their_path = b.path();
            assert_eq!(a.path(), their_path.replacen("tile/8/", "tile/", 1));
            if a.level() == 0 {
                let mut d = *b;
                d.set_is_data();
                assert_eq!(
                    a.entries_path().unwrap(),
                    d.path().replacen("tile/8/data/", "tile/entries/", 1)
                );
            }
            let back =
                tlog_tiles::Tile::from_path(&a.path().replacen("tile/", "tile/8/", 1)).unwrap();
            assert_eq!(back, *b);
        }
    }
    for n in [0u64, 1, 999, 1000, 1_234_067, u64::MAX / 2, u64::MAX] {
        let t = ours::Tile::new(3, n, 17).unwrap();
        assert_eq!(
            t.path(),
            their_tile(&t).path().replacen("tile/8/", "tile/", 1)
        );
    }
    for i in 0..10_000u64 {
        assert_eq!(
            their_tile(&ours::tile_for_index(i)),
            tlog_tiles::Tile::from_index(8, i)
        );
    }
}

#[test]
fn tlog_tiles_tile_data_and_hash_reader() {
    let size = 70_000u64;
    let t = tree_of(size);
    let root = t.root();
    let tiles = MemTiles::new(&t, size);
    for tile in ours::new_tiles(0, size).iter().step_by(37) {
        let mine = ours::read_tile_data(tile, &t).unwrap();
        let theirs = their_tile(tile).read_data(&TheirReader(&t)).unwrap();
        assert_eq!(mine, theirs);
    }
    // Their tile hash reader over the same tile set, via an adapter.
    struct Adapter<'a>(&'a MemTiles);
    impl tlog_tiles::TileReader for Adapter<'_> {
        fn height(&self) -> u8 {
            8
        }
        fn read_tiles(
            &self,
            tiles: &[tlog_tiles::Tile],
        ) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
            tiles
                .iter()
                .map(|t| {
                    let mine = ours::Tile::new(t.level(), t.level_index(), t.width()).unwrap();
                    self.0
                        .tiles
                        .get(&mine)
                        .cloned()
                        .ok_or(tlog_tiles::Error::InvalidTile)
                })
                .collect()
        }
        fn save_tiles(&self, _: &[tlog_tiles::Tile], _: &[Vec<u8>]) {}
    }
    let adapter = Adapter(&tiles);
    let theirs = tlog_tiles::TileHashReader::new(size, to_theirs(root), &adapter);
    let mine = ours::TileHashReader::new(size, root, &tiles);
    for (n, i) in [
        (size, 0u64),
        (size, 12_345),
        (size, 69_999),
        (65_537, 65_536),
        (300, 7),
    ] {
        let a = ours::prove_record(n, i, &mine).unwrap();
        let b = tlog_tiles::prove_record(n, i, &theirs).unwrap();
        assert_eq!(a, b.iter().map(|h| from_theirs(*h)).collect::<Vec<_>>());
        let a = ours::prove_tree(size, n, &mine).unwrap();
        let b = tlog_tiles::prove_tree(size, n, &theirs).unwrap();
        assert_eq!(a, b.iter().map(|h| from_theirs(*h)).collect::<Vec<_>>());
    }
}

#[test]
fn tlog_tiles_checkpoints() {
    let h = Hash(*b"0123456789abcdef0123456789abcdef");
    let cases = [
        ours::Checkpoint::new("example.com/log", 0, ours::EMPTY_HASH).unwrap(),
        ours::Checkpoint::new("example.com/log", 12_345, h).unwrap(),
        ours::Checkpoint::new("rampart.example/audit", u64::MAX, h)
            .unwrap()
            .with_extension("ext line")
            .unwrap()
            .with_extension("another")
            .unwrap(),
    ];
    for cp in cases {
        let text = cp.to_text();
        let theirs = tlog_tiles::Checkpoint::from_bytes(text.as_bytes()).unwrap();
        assert_eq!(theirs.origin(), cp.origin());
        assert_eq!(theirs.size(), cp.size());
        assert_eq!(from_theirs(*theirs.hash()), cp.hash());
        assert_eq!(theirs.to_bytes(), text.as_bytes());
        let ext: String = cp.extensions().iter().map(|e| format!("{e}\n")).collect();
        let built = tlog_tiles::Checkpoint::new(cp.origin(), cp.size(), to_theirs(cp.hash()), &ext)
            .unwrap();
        assert_eq!(ours::Checkpoint::parse(&built.to_bytes()).unwrap(), cp);
    }
    // Both reject these.
    let hb = h.to_base64();
    for bad in [
        String::new(),
        "origin\n".to_string(),
        format!("origin\n5\n{hb}"),
        format!("\n5\n{hb}\n"),
        format!("origin\n05\n{hb}\n"),
        format!("origin\n+5\n{hb}\n"),
        "origin\n5\nAAAA\n".to_string(),
        format!("origin\n5\n{hb}\n\n"),
        format!("origin\n18446744073709551616\n{hb}\n"),
    ] {
        assert!(ours::Checkpoint::parse(bad.as_bytes()).is_err(), "{bad:?}");
        assert!(
            tlog_tiles::Checkpoint::from_bytes(bad.as_bytes()).is_err(),
            "{bad:?}"
        );
    }
}

// -------------------------------------------------------------- signed_note

#[test]
fn signed_note_interop() {
    use signed_note::{Signer as _, Verifier as _};

    let (skey, vkey) = ours::generate_key("rampart.example/audit").unwrap();
    let their_signer = signed_note::StandardSigner::new(&skey).unwrap();
    let their_verifier = signed_note::StandardVerifier::new(&vkey).unwrap();
    let my_signer = ours::Signer::from_key_string(&skey).unwrap();
    let my_verifier = ours::Verifier::from_key_string(&vkey).unwrap();
    assert_eq!(their_signer.key_id(), my_signer.key_id());
    assert_eq!(their_verifier.key_id(), my_verifier.key_id());
    let mut pk = vec![0x01];
    pk.extend_from_slice(&my_verifier.public_key());
    assert_eq!(
        signed_note::key_id("rampart.example/audit", &pk),
        my_verifier.key_id()
    );

    let cp = ours::Checkpoint::new("rampart.example/audit", 42, ours::leaf_hash(b"x")).unwrap();

    // We sign, they verify.
    let signed = cp.sign(&[&my_signer]).unwrap();
    let note = signed_note::Note::from_bytes(signed.as_bytes()).unwrap();
    let list = signed_note::VerifierList::new(vec![Box::new(their_verifier.clone())]);
    let (verified, unverified) = note.verify(&list).unwrap();
    assert_eq!(verified.len(), 1);
    assert!(unverified.is_empty());
    assert_eq!(note.text(), cp.to_text().as_bytes());

    // They sign, we verify; Ed25519 is deterministic so the bytes agree.
    let mut theirs = signed_note::Note::new(cp.to_text().as_bytes(), &[]).unwrap();
    theirs.add_sigs(&[&their_signer]).unwrap();
    let their_bytes = theirs.to_bytes();
    assert_eq!(their_bytes, signed.as_bytes());
    let (opened, _) = ours::Checkpoint::open(
        &their_bytes,
        "rampart.example/audit",
        &my_verifier.clone().into(),
    )
    .unwrap();
    assert_eq!(opened, cp);

    // Tampering is caught by both.
    let tampered = signed.replace("\n42\n", "\n43\n");
    assert!(signed_note::Note::from_bytes(tampered.as_bytes())
        .unwrap()
        .verify(&list)
        .is_err());
    assert!(ours::note::open(tampered.as_bytes(), &my_verifier.into()).is_err());

    // Go's fixed test key through their implementation gives the same note as ours.
    let skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    let mut n = signed_note::Note::new(text.as_bytes(), &[]).unwrap();
    n.add_sigs(&[&signed_note::StandardSigner::new(skey).unwrap()])
        .unwrap();
    let mine = ours::note::sign(
        &ours::Note::new(text).unwrap(),
        &[&ours::Signer::from_key_string(skey).unwrap()],
    )
    .unwrap();
    assert_eq!(n.to_bytes(), mine.as_bytes());
}
