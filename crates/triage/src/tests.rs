#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::analyze::thin_spacing;
use proptest::prelude::*;
use sha2::Digest;
use std::io::{Cursor, Write};

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn tar_header(name: &[u8], kind: tar::EntryType, size: u64) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.as_old_mut().name[..name.len()].copy_from_slice(name);
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_cksum();
    h
}

fn tar_of(entries: &[(&[u8], tar::EntryType, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, kind, data) in entries {
        let h = tar_header(name, *kind, data.len() as u64);
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap()
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn problems(leaves: &[Leaf]) -> Vec<(String, String)> {
    leaves
        .iter()
        .filter_map(|l| l.problem.clone().map(|p| (l.path.clone(), p)))
        .collect()
}

const TEXT: &[u8] = b"The quick brown fox jumps over the lazy dog.";

#[test]
fn walks_zip_tar_and_tgz_members() {
    let inner = tar_of(&[(b"b.txt", tar::EntryType::Regular, TEXT)]);
    let zip = zip_of(&[
        ("a.txt", TEXT),
        ("inner.tar.gz", &gz(&inner)),
        ("dir/c.md", TEXT),
    ]);
    let leaves = walk_bytes("dump.zip", &zip, &WalkLimits::default());
    let paths: Vec<&str> = leaves.iter().map(|l| l.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "dump.zip!/a.txt",
            "dump.zip!/inner.tar.gz!/b.txt",
            "dump.zip!/dir/c.md"
        ]
    );
    assert!(leaves
        .iter()
        .all(|l| l.problem.is_none() && l.content.as_deref() == Some(TEXT) && l.sha256.is_some()));
}

#[test]
fn single_gzip_file_is_decompressed() {
    let leaves = walk_bytes("notes.txt.gz", &gz(TEXT), &WalkLimits::default());
    assert_eq!(leaves.len(), 1);
    assert_eq!(leaves[0].path, "notes.txt.gz!/notes.txt");
    assert_eq!(leaves[0].content.as_deref(), Some(TEXT));
}

#[test]
fn refuses_traversal_absolute_links_and_bad_names_in_tar() {
    use tar::EntryType as T;
    let t = tar_of(&[
        (b"../../etc/passwd", T::Regular, TEXT),
        (b"/etc/shadow", T::Regular, TEXT),
        (b"link", T::Symlink, b""),
        (b"hard", T::Link, b""),
        (b"bad\xffname.txt", T::Regular, TEXT),
        (b"fifo", T::Fifo, b""),
        (b"ok.txt", T::Regular, TEXT),
    ]);
    let leaves = walk_bytes("d.tar", &t, &WalkLimits::default());
    let p = problems(&leaves);
    assert_eq!(leaves.len(), 7, "{leaves:?}");
    assert_eq!(p.len(), 6, "{p:?}");
    assert!(p[0].1.contains("path traversal"));
    assert!(p[1].1.contains("absolute path"));
    assert!(p[2].1.contains("symbolic link"));
    assert!(p[3].1.contains("hard link"));
    assert!(p[4].1.contains("not valid UTF-8"));
    assert_eq!(p[4].0, "d.tar!/bad\\xffname.txt");
    assert!(p[5].1.contains("special file"));
    assert!(leaves[6].problem.is_none());
    assert!(p.iter().all(|(_, m)| m.starts_with("refused:")));
}

#[test]
fn refuses_traversal_symlinks_and_encrypted_members_in_zip() {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("../evil.txt", opts).unwrap();
    w.write_all(TEXT).unwrap();
    w.start_file("/abs.txt", opts).unwrap();
    w.write_all(TEXT).unwrap();
    w.add_symlink("link", "/etc/passwd", opts).unwrap();
    w.start_file("secret.txt", opts).unwrap();
    w.write_all(TEXT).unwrap();
    let mut bytes = w.finish().unwrap().into_inner();
    // Mark "secret.txt" encrypted (general purpose flag bit 0) in its local
    // header and its central directory entry.
    let local = find_all(&bytes, b"PK\x03\x04");
    let central = find_all(&bytes, b"PK\x01\x02");
    bytes[local[3] + 6] |= 1;
    bytes[central[3] + 8] |= 1;
    let leaves = walk_bytes("d.zip", &bytes, &WalkLimits::default());
    let p = problems(&leaves);
    assert_eq!(p.len(), 4, "{leaves:?}");
    assert!(p[0].1.contains("path traversal"));
    assert!(p[1].1.contains("absolute path"));
    assert!(p[2].1.contains("symbolic link"));
    assert!(p[3].1.contains("encrypted"));
}

fn find_all(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    hay.windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn refuses_zip_and_gzip_bombs() {
    let zeros = vec![0u8; 20 << 20];
    let leaves = walk_bytes(
        "bomb.zip",
        &zip_of(&[("zeros.bin", &zeros)]),
        &WalkLimits::default(),
    );
    assert_eq!(leaves.len(), 1);
    assert!(
        leaves[0].problem.as_deref().unwrap().contains("ratio"),
        "{leaves:?}"
    );
    assert!(leaves[0].content.is_none());
    // gzip declares no size: the guard stops on actual output.
    let leaves = walk_bytes("bomb.gz", &gz(&zeros), &WalkLimits::default());
    assert_eq!(leaves.len(), 1);
    assert!(
        leaves[0].problem.as_deref().unwrap().contains("ratio"),
        "{leaves:?}"
    );
    // Absolute limit, with an honest ratio.
    let limits = WalkLimits {
        max_member_bytes: 1000,
        ..WalkLimits::default()
    };
    let big: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect();
    let leaves = walk_bytes("big.gz", &gz(&big), &limits);
    assert!(
        leaves[0]
            .problem
            .as_deref()
            .unwrap()
            .contains("limit of 1000"),
        "{leaves:?}"
    );
}

#[test]
fn nesting_is_cut_at_the_depth_limit() {
    let mut data = zip_of(&[("doc.txt", TEXT)]);
    for i in 0..20 {
        data = if i % 2 == 0 {
            zip_of(&[(&format!("level{i}.zip"), &data)])
        } else {
            gz(&tar_of(&[(
                format!("level{i}.zip").as_bytes(),
                tar::EntryType::Regular,
                &data,
            )]))
        };
    }
    let leaves = walk_bytes("deep.tgz", &data, &WalkLimits::default());
    assert_eq!(leaves.len(), 1, "{leaves:?}");
    assert!(leaves[0]
        .problem
        .as_deref()
        .unwrap()
        .contains("nested deeper than 8"));
    assert_eq!(leaves[0].path.matches("!/").count(), 8);
}

#[test]
fn item_count_is_limited() {
    let names: Vec<String> = (0..300).map(|i| format!("f{i}.txt")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), TEXT)).collect();
    let limits = WalkLimits {
        max_items: 100,
        ..WalkLimits::default()
    };
    let leaves = walk_bytes("many.zip", &zip_of(&entries), &limits);
    assert_eq!(leaves.len(), 101);
    assert!(leaves[100]
        .problem
        .as_deref()
        .unwrap()
        .contains("more than 100 files"));
}

#[test]
fn large_files_are_hashed_not_kept() {
    let limits = WalkLimits {
        max_file_bytes: 1000,
        ..WalkLimits::default()
    };
    let data = vec![b'a'; 5000];
    let leaves = walk_bytes("big.txt", &data, &limits);
    assert_eq!(leaves.len(), 1);
    assert!(leaves[0].content.is_none());
    assert_eq!(leaves[0].size, 5000);
    let expected: [u8; 32] = sha2::Sha256::digest(&data).into();
    assert_eq!(leaves[0].sha256, Some(expected));
    assert!(leaves[0]
        .problem
        .as_deref()
        .unwrap()
        .starts_with("refused extraction"));
    let a = analyze(leaves[0].clone(), &Options::default(), None);
    assert!(!a.refused, "still matched by bytes");
}

#[test]
fn corrupt_archives_become_items() {
    let zip = zip_of(&[("a.txt", TEXT)]);
    let leaves = walk_bytes("cut.zip", &zip[..zip.len() - 10], &WalkLimits::default());
    assert_eq!(leaves.len(), 1);
    assert!(leaves[0]
        .problem
        .as_deref()
        .unwrap()
        .contains("corrupt zip"));
    let tgz = gz(&tar_of(&[(b"a.txt", tar::EntryType::Regular, TEXT)]));
    let leaves = walk_bytes("cut.tgz", &tgz[..tgz.len() / 2], &WalkLimits::default());
    assert!(!leaves.is_empty());
    assert!(leaves.iter().any(|l| l.problem.is_some()), "{leaves:?}");
}

#[test]
fn directories_refuse_symlinks_and_non_utf8_names() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), TEXT).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("link")).unwrap();
    use std::os::unix::ffi::OsStrExt;
    let bad = std::ffi::OsStr::from_bytes(b"b\xfe.txt");
    std::fs::write(dir.path().join(bad), TEXT).unwrap();
    let leaves = walk_all(&[dir.path()], &WalkLimits::default());
    assert_eq!(leaves.len(), 3);
    let p = problems(&leaves);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(p
        .iter()
        .any(|(path, m)| path.ends_with("b\\xfe.txt") && m.contains("UTF-8")));
    assert!(p
        .iter()
        .any(|(path, m)| path.ends_with("link") && m.contains("symbolic link")));
}

#[test]
fn files_we_hold_exactly_are_not_fingerprinted() {
    let text = "The quick brown fox jumps over the lazy dog, again and again.";
    let leaves = walk_bytes("a.txt", text.as_bytes(), &WalkLimits::default());
    let opts = Options::default();
    let fresh = analyze(leaves[0].clone(), &opts, None);
    let fp = fresh.fingerprint.clone().unwrap();
    assert_eq!(fresh.text_sha256, Some(fp.text_sha256));
    assert!(fresh.may_be_exact, "nothing known: the store is asked");
    // Not indexed at all: fingerprinted, and no exact lookup is needed.
    let mut known = rampart_store::IndexedHashes::default();
    let new = analyze(leaves[0].clone(), &opts, Some(&known));
    assert!(new.fingerprint.is_some() && !new.may_be_exact);
    // Same normalised text as an indexed item: matched by that hash alone.
    known.texts.insert(fp.text_sha256);
    let held = analyze(leaves[0].clone(), &opts, Some(&known));
    assert!(held.fingerprint.is_none() && held.may_be_exact);
    assert_eq!(held.text_sha256, fresh.text_sha256);
    // Same bytes: not even extracted.
    known.bytes.insert(fresh.sha256.unwrap());
    let copy = analyze(leaves[0].clone(), &opts, Some(&known));
    assert!(copy.fingerprint.is_none() && copy.text_sha256.is_none() && copy.may_be_exact);
}

#[test]
fn corrupt_pdf_is_reported_not_fatal() {
    let leaves = walk_bytes(
        "x.pdf",
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage",
        &WalkLimits::default(),
    );
    let a = analyze(leaves[0].clone(), &Options::default(), None);
    assert!(a.fingerprint.is_none());
    assert!(a.problem.unwrap().contains("text not extracted"));
    assert!(!a.refused);
}

fn small_limits() -> WalkLimits {
    WalkLimits {
        max_depth: 3,
        max_file_bytes: 64 << 10,
        max_member_bytes: 1 << 20,
        max_expanded_bytes: 4 << 20,
        max_items: 50,
        ..WalkLimits::default()
    }
}

fn check(leaves: &[Leaf], limits: &WalkLimits) {
    assert!(leaves.len() as u64 <= limits.max_items + 1);
    for l in leaves {
        assert!(l
            .content
            .as_ref()
            .is_none_or(|c| c.len() as u64 <= limits.max_file_bytes));
        assert!(l.path.matches("!/").count() <= limits.max_depth + 1);
        assert!(l.sha256.is_some() || l.problem.is_some());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..4096), name in "[a-z]{1,6}\\.(zip|tar|tgz|gz|txt|pdf|docx)") {
        let limits = small_limits();
        check(&walk_bytes(&name, &data, &limits), &limits);
    }

    #[test]
    fn mutated_archives_never_panic(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..16), kind in 0u8..3) {
        let inner = tar_of(&[(b"a.txt", tar::EntryType::Regular, TEXT), (b"b.txt", tar::EntryType::Regular, TEXT)]);
        let mut data = match kind {
            0 => zip_of(&[("a.txt", TEXT), ("n.tar.gz", &gz(&inner))]),
            1 => gz(&inner),
            _ => inner,
        };
        for (pos, byte) in flips {
            let n = data.len();
            data[pos % n] ^= byte;
        }
        let limits = small_limits();
        check(&walk_bytes("m.bin", &data, &limits), &limits);
    }

    #[test]
    fn random_archive_trees_respect_limits(depth in 0usize..8, width in 1usize..20) {
        let mut data = zip_of(&[("leaf.txt", TEXT)]);
        for d in 0..depth {
            let names: Vec<String> = (0..width).map(|i| format!("x{d}_{i}.zip")).collect();
            let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), data.as_slice())).collect();
            data = zip_of(&entries);
            if data.len() > 4 << 20 { break; }
        }
        let limits = small_limits();
        check(&walk_bytes("t.zip", &data, &limits), &limits);
    }
}

#[test]
fn spacing_reads_are_thinned_by_anchor_alike_in_every_file() {
    let reads: Vec<rampart_fingerprint::SpacingRead> = (0..300_000u32)
        .map(|i| {
            let h = sha2::Sha256::digest(i.to_le_bytes());
            let mut anchor = [0u8; 16];
            anchor.copy_from_slice(&h[..16]);
            rampart_fingerprint::SpacingRead {
                anchor,
                bit: i % 2 == 0,
            }
        })
        .collect();
    let max = 16 * decode::MAX_READS_PER_FILE;
    let all = thin_spacing(reads.clone());
    assert!(all.len() <= max && all.len() > max / 4, "{}", all.len());
    // A file with half of those gaps keeps every gap of that half that the
    // whole keeps (the rule is on the anchor alone).
    let half: std::collections::HashSet<_> = thin_spacing(reads[..150_000].to_vec())
        .into_iter()
        .collect();
    let first: std::collections::HashSet<_> = reads[..150_000].iter().copied().collect();
    assert!(all
        .iter()
        .filter(|r| first.contains(*r))
        .all(|r| half.contains(r)));
    let small = reads[..1000].to_vec();
    assert_eq!(thin_spacing(small.clone()), small);
}
