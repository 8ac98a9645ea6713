//! The match index and the download records triage reads.

use crate::fixtures::{account, community, new_document, now, one_document};
use rampart_store::*;

/// Index rows for version `v`: one band key and one anchor of its own,
/// plus anchor 7, which every version has.
fn entry(v: u64, fingerprint: &[u8]) -> IndexEntry {
    IndexEntry {
        bytes_sha256: [v as u8; 32],
        text_sha256: Some([v as u8 + 100; 32]),
        fingerprint: Some(fingerprint.to_vec()),
        problem: None,
        bands: vec![(0, v), (1, v)],
        anchors: vec![7, 1000 + v as u32],
        search: None,
    }
}

/// Indexes `entries` as versions 1, 2, … of `doc`.
async fn index_as_versions(s: &Store, doc: &str, entries: &[IndexEntry]) {
    let rows: Vec<(&str, i64, &IndexEntry)> =
        entries.iter().zip(1..).map(|(e, v)| (doc, v, e)).collect();
    s.index_versions(&rows, now()).await.unwrap();
}

pub async fn indexed_hashes_hold_every_exact_hash_across_the_hash_space(store: Store) {
    let s = store;
    let doc = one_document(&s).await;
    // First bytes at every edge of the sixteen parts the preload reads.
    let firsts = [0x00u8, 0x0f, 0x10, 0x7f, 0x80, 0xef, 0xf0, 0xff];
    let hash = |first: u8, fill: u8| {
        let mut h = [fill; 32];
        h[0] = first;
        h
    };
    let entries: Vec<IndexEntry> = firsts
        .iter()
        .map(|&f| IndexEntry {
            bytes_sha256: hash(f, 0xff),
            // One version without words: no text hash.
            text_sha256: (f != 0x7f).then(|| hash(f, 0x00)),
            ..entry(1, b"DMF2v")
        })
        .collect();
    index_as_versions(&s, &doc, &entries).await;
    let public = IndexEntry {
        bytes_sha256: hash(0xf7, 0x55),
        text_sha256: Some(hash(0x08, 0xaa)),
        ..entry(2, b"DMF2p")
    };
    s.add_public_ref("Press", "p.txt", &public, now())
        .await
        .unwrap();

    let known = s.indexed_hashes().await.unwrap();
    let mut bytes: Vec<[u8; 32]> = known.bytes.into_iter().collect();
    let mut texts: Vec<[u8; 32]> = known.texts.into_iter().collect();
    bytes.sort();
    texts.sort();
    let mut want_bytes: Vec<[u8; 32]> = firsts.iter().map(|&f| hash(f, 0xff)).collect();
    want_bytes.push(public.bytes_sha256);
    want_bytes.sort();
    let mut want_texts: Vec<[u8; 32]> = firsts
        .iter()
        .filter(|&&f| f != 0x7f)
        .map(|&f| hash(f, 0x00))
        .collect();
    want_texts.push(hash(0x08, 0xaa));
    want_texts.sort();
    assert_eq!(bytes, want_bytes);
    assert_eq!(texts, want_texts);
}

pub async fn the_match_index_finds_items_by_band_and_anchor_and_skips_boilerplate(store: Store) {
    let s = store;
    let doc = one_document(&s).await;
    let entries: Vec<IndexEntry> = (1..=60).map(|v| entry(v, b"DMF2v")).collect();
    index_as_versions(&s, &doc, &entries).await;
    // A public copy of version 3's text, without the common anchor.
    let mut copy = entry(3, b"DMF2p");
    copy.anchors = vec![1003];
    let public = s
        .add_public_ref("Press", "p.txt", &copy, now())
        .await
        .unwrap();

    let mut r = s.index_reader().await.unwrap();
    // Anchor 7 has 60 postings: boilerplate, it nominates nobody.
    assert!(r.match_candidates(&[], &[7], 64).await.unwrap().is_empty());
    let found = r
        .match_candidates(&[(0, 3), (1, 3)], &[7, 1003, 1004], 64)
        .await
        .unwrap();
    let evidence: Vec<(u32, u32)> = found.iter().map(|c| (c.bands, c.anchors)).collect();
    assert_eq!(evidence, [(2, 1), (2, 1), (0, 1)], "{found:?}");
    assert!(found.iter().any(|c| c.item == ItemId::Public(public)));
    let items: Vec<ItemId> = found.iter().map(|c| c.item).collect();
    let stored = r.fingerprints_of(&items).await.unwrap();
    let sources: Vec<(&MatchSource, &[u8])> = stored
        .iter()
        .map(|f| (&f.source, f.fingerprint.as_deref().unwrap()))
        .collect();
    let version = |version| MatchSource::Version {
        document: doc.clone(),
        version,
    };
    assert_eq!(
        sources,
        [
            (&version(3), &b"DMF2v"[..]),
            (&version(4), &b"DMF2v"[..]),
            (&MatchSource::Public(public), &b"DMF2p"[..]),
        ]
    );
    assert_eq!(r.exact_matches(&[4; 32], None).await.unwrap(), [version(4)]);
    assert_eq!(
        r.exact_matches(&[0; 32], Some(&[103; 32])).await.unwrap(),
        [version(3), MatchSource::Public(public)]
    );
    // Many keys are asked in several statements, with the same result.
    let many: Vec<u32> = (0..1000).chain([1003]).collect();
    let found = r.match_candidates(&[], &many, 64).await.unwrap();
    assert_eq!(found.len(), 2, "{found:?}");
    drop(r);

    // Indexing a version again replaces its postings.
    s.index_version(&doc, 3, &entry(99, b"DMF2w"), now())
        .await
        .unwrap();
    let mut r = s.index_reader().await.unwrap();
    let found = r.match_candidates(&[(0, 3)], &[1099], 64).await.unwrap();
    let stored = r
        .fingerprints_of(&found.iter().map(|c| c.item).collect::<Vec<_>>())
        .await
        .unwrap();
    let sources: Vec<&MatchSource> = stored.iter().map(|f| &f.source).collect();
    assert_eq!(sources, [&version(3), &MatchSource::Public(public)]);
    assert_eq!(found[0].anchors + found[1].anchors, 1, "{found:?}");
    drop(r);

    // Clearing the version index leaves public references.
    s.clear_match_index().await.unwrap();
    let mut r = s.index_reader().await.unwrap();
    let found = r
        .match_candidates(&[(0, 3)], &[1003, 1004], 64)
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|c| c.item).collect::<Vec<_>>(),
        [ItemId::Public(public)]
    );
}

/// A download of version 1 of `document` by `account`, unmarked.
fn download_of(
    document: rampart_domain::DocumentId,
    account: rampart_domain::AccountId,
) -> NewDownload {
    NewDownload {
        id: rampart_domain::DownloadId::random(),
        account,
        session: "s".into(),
        document,
        version: 1,
        ip: "127.0.0.1".into(),
        user_agent: "t".into(),
        scheme: "none".into(),
        params: "{}".into(),
    }
}

/// The downloads of several documents in one call: oldest first, at most
/// the limit each, with every document's total; none for a document
/// nobody downloaded.
pub async fn downloads_of_documents_lists_each_documents_oldest_within_the_limit(store: Store) {
    let s = store;
    let c = community(&s).await;
    let ann = account(&s, "ann@x.org").await;
    let bob = account(&s, "bob@x.org").await;
    let mut docs = Vec::new();
    for title in ["One", "Two", "Three"] {
        let doc = new_document(c, title, vec![], ann);
        s.create_document(&doc, now()).await.unwrap();
        docs.push(doc.id);
    }
    // Document one: three downloads, recorded newest first; two: one.
    let mut ids = Vec::new();
    for (doc, who, minutes) in [(0, bob, 30), (0, ann, 20), (0, bob, 10), (1, ann, 5)] {
        let d = download_of(docs[doc], who);
        s.record_download(&d, now() + time::Duration::minutes(minutes))
            .await
            .unwrap();
        ids.push(d.id.to_string());
    }
    let all: Vec<String> = docs.iter().map(|d| d.to_string()).collect();
    let got = s.downloads_of_documents(&all, 2).await.unwrap();
    let (one, total) = &got[&all[0]];
    assert_eq!(*total, 3);
    let listed: Vec<(&str, &str)> = one
        .iter()
        .map(|d| (d.id.as_str(), d.account.as_str()))
        .collect();
    assert_eq!(
        listed,
        [
            (ids[2].as_str(), "bob@x.org"),
            (ids[1].as_str(), "ann@x.org")
        ]
    );
    assert!(one[0].time < one[1].time);
    let (two, total) = &got[&all[1]];
    assert_eq!((two.len(), *total), (1, 1));
    assert!(!got.contains_key(&all[2]));
    // A limit of nothing still counts.
    let counted = s.downloads_of_documents(&all, 0).await.unwrap();
    assert_eq!(counted[&all[0]], (Vec::new(), 3));
}

/// The documents a download-id prefix (a layer sentinel's eight hex
/// digits) served: each once; nothing for a prefix no download has, or for
/// anything but lowercase hex (no pattern of the caller's reaches SQL).
pub async fn documents_served_as_finds_documents_by_download_prefix(store: Store) {
    let s = store;
    let c = community(&s).await;
    let ann = account(&s, "ann@x.org").await;
    let mut docs = Vec::new();
    for title in ["One", "Two"] {
        let doc = new_document(c, title, vec![], ann);
        s.create_document(&doc, now()).await.unwrap();
        docs.push(doc.id);
    }
    let mut ids = Vec::new();
    for doc in [0, 0, 1] {
        let d = download_of(docs[doc], ann);
        s.record_download(&d, now()).await.unwrap();
        ids.push(d.id.to_string());
    }
    let served = |prefix: String| {
        let s = s.clone();
        async move { s.documents_served_as(&prefix).await.unwrap() }
    };
    assert_eq!(served(ids[0][..8].to_owned()).await, [docs[0].to_string()]);
    assert_eq!(served(ids[2].clone()).await, [docs[1].to_string()]);
    assert!(
        served(String::new()).await.is_empty(),
        "an empty prefix matches nothing"
    );
    let mut both = Vec::new();
    for id in &ids {
        both.extend(served(id[..1].to_owned()).await);
    }
    assert!(both.contains(&docs[0].to_string()) && both.contains(&docs[1].to_string()));
    for bad in ["%", "_", "ABCDEF12", "9b01c2f%", "zz"] {
        assert!(served(bad.to_owned()).await.is_empty(), "{bad}");
    }
    // A prefix no download has.
    let unused = (0..16u8)
        .map(|n| format!("{n:x}{}", &ids[0][1..8]))
        .find(|p| !ids.iter().any(|id| id.starts_with(p.as_str())))
        .unwrap();
    assert!(served(unused).await.is_empty());
}
