//! The passage index: the durable queue of versions to embed, passages
//! kept per version and per public reference, and the embeddings read back
//! in order.

use crate::fixtures::{now, one_document};
use rampart_store::*;

fn passage(text: &str, first: i8) -> StoredPassage {
    StoredPassage {
        text: text.into(),
        // Both ends of the byte range survive the round trip.
        embedding: vec![first, -128, 127, 0, -1],
    }
}

pub async fn versions_wait_for_their_passages_until_embedded_by_the_current_model(store: Store) {
    let s = store;
    let doc = one_document(&s).await;
    let pending = s.versions_to_embed("m1", 10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (pending[0].document.as_str(), pending[0].version),
        (doc.as_str(), 1)
    );
    assert_eq!(pending[0].filename, "a.txt");
    let cov = s.semantic_coverage("m1").await.unwrap();
    assert_eq!((cov.versions, cov.embedded, cov.passages), (1, 0, 0));

    let passages = [passage("first", 5), passage("second", -7)];
    s.set_version_passages(&doc, 1, "m1", &passages, now())
        .await
        .unwrap();
    assert!(s.versions_to_embed("m1", 10).await.unwrap().is_empty());
    // Another model has not embedded it: pending again for that one.
    assert_eq!(s.versions_to_embed("m2", 10).await.unwrap().len(), 1);
    let source = MatchSource::Version {
        document: doc.clone(),
        version: 1,
    };
    assert_eq!(s.passages_of(&source).await.unwrap(), passages.to_vec());
    let items = s.embedded_items("m1").await.unwrap();
    assert_eq!(items.items, vec![(source.clone(), 2)]);
    assert_eq!(items.width, 5);
    assert_eq!(
        items.rows,
        [passages[0].embedding.clone(), passages[1].embedding.clone()].concat()
    );
    assert!(s.embedded_items("m2").await.unwrap().items.is_empty());
    let cov = s.semantic_coverage("m1").await.unwrap();
    assert_eq!((cov.versions, cov.embedded, cov.passages), (1, 1, 2));

    // Replacing keeps one set; an empty set still counts as embedded.
    s.set_version_passages(&doc, 1, "m1", &passages[..1], now())
        .await
        .unwrap();
    assert_eq!(
        s.passages_of(&source).await.unwrap(),
        passages[..1].to_vec()
    );
    s.set_version_passages(&doc, 1, "m1", &[], now())
        .await
        .unwrap();
    assert!(s.passages_of(&source).await.unwrap().is_empty());
    assert!(s.versions_to_embed("m1", 10).await.unwrap().is_empty());
    // A version that does not exist is skipped, not an error.
    s.set_version_passages(&doc, 9, "m1", &passages, now())
        .await
        .unwrap();
    let nine = MatchSource::Version {
        document: doc.clone(),
        version: 9,
    };
    assert!(s.passages_of(&nine).await.unwrap().is_empty());

    // Public references keep theirs, by model.
    let entry = IndexEntry {
        bytes_sha256: [3; 32],
        ..IndexEntry::default()
    };
    let id = s
        .add_public_ref("Press", "p.txt", &entry, now())
        .await
        .unwrap();
    assert_eq!(
        s.semantic_coverage("m1").await.unwrap().public_refs_without,
        1
    );
    s.set_public_passages(id, "m1", &passages).await.unwrap();
    let public = MatchSource::Public(id);
    assert_eq!(s.passages_of(&public).await.unwrap(), passages.to_vec());
    let items = s.embedded_items("m1").await.unwrap();
    assert_eq!(
        items.items,
        vec![(public.clone(), 2)],
        "the version has no passages left"
    );
    let cov = s.semantic_coverage("m1").await.unwrap();
    assert_eq!((cov.passages, cov.public_refs_without), (2, 0));
}

/// Embedders running at once share the pending versions: a claim holds a
/// version from others until it ends or the version's passages are stored.
pub async fn embedders_claim_disjoint_batches_until_their_claims_end(store: Store) {
    use crate::fixtures::{account, community, new_document};
    use time::Duration;
    let s = store;
    let (c, a) = (community(&s).await, account(&s, "ann@x.org").await);
    let mut docs = Vec::new();
    for (k, title) in ["One", "Two", "Three"].into_iter().enumerate() {
        let doc = new_document(c, title, vec![], a);
        // Uploaded a second apart: the oldest is claimed first.
        s.create_document(&doc, now() + Duration::seconds(k as i64))
            .await
            .unwrap();
        docs.push(doc.id.to_string());
    }
    let (t0, lease) = (now() + Duration::minutes(1), Duration::minutes(15));
    let names = |v: Vec<VersionToEmbed>| v.into_iter().map(|v| v.document).collect::<Vec<_>>();
    // What one embedder claims at `at`, for a lease, by document.
    let claim = |model: &'static str, limit: i64, at: time::OffsetDateTime| {
        let s = &s;
        async move {
            names(
                s.claim_versions_to_embed(model, limit, at, at + lease)
                    .await
                    .unwrap(),
            )
        }
    };

    assert_eq!(claim("m1", 2, t0).await, docs[..2].to_vec());
    // Another embedder meanwhile gets the rest, then nothing.
    assert_eq!(claim("m1", 2, t0).await, docs[2..].to_vec());
    assert!(claim("m1", 2, t0).await.is_empty());
    // Claims do not hide pending versions from the count of the queue.
    assert_eq!(s.versions_to_embed("m1", 10).await.unwrap().len(), 3);

    // The first embedder stores one version's passages: no longer pending.
    s.set_version_passages(&docs[0], 1, "m1", &[passage("p", 1)], t0)
        .await
        .unwrap();
    // Its other claim ends unfinished (the embedder stopped): free again
    // once past its time, and only then.
    let later = t0 + lease;
    assert_eq!(claim("m1", 5, later).await, docs[1..].to_vec());
    assert!(claim("m1", 5, later).await.is_empty());
    // Claims are of versions, whatever the model: another model's
    // embedder gets the one stored for m1 (unclaimed since), not the
    // others until their claims end.
    assert_eq!(claim("m2", 5, later).await, docs[..1].to_vec());
    let end = later + lease;
    assert_eq!(claim("m2", 5, end).await.len(), 3);

    // At once, as several nodes would: every version claimed, none twice.
    let t = end + lease;
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let s = s.clone();
        calls.spawn(async move { s.claim_versions_to_embed("m3", 2, t, t + lease).await });
    }
    let mut all = Vec::new();
    while let Some(claimed) = calls.join_next().await {
        all.extend(names(claimed.unwrap().unwrap()));
    }
    all.sort();
    let mut expected = docs.clone();
    expected.sort();
    assert_eq!(all, expected);
}

/// The index triage loads: every item's passages together and in order,
/// items by key, and embeddings of another length than the first skipped
/// one by one (they are not the model's).
pub async fn embedded_items_come_item_by_item_in_order(store: Store) {
    use crate::fixtures::{account, community, new_document};
    let s = store;
    let (c, a) = (community(&s).await, account(&s, "ann@x.org").await);
    let mut docs = Vec::new();
    for title in ["One", "Two"] {
        let doc = new_document(c, title, vec![], a);
        s.create_document(&doc, now()).await.unwrap();
        docs.push(doc.id.to_string());
    }
    docs.sort();
    let short = StoredPassage {
        text: "short".into(),
        embedding: vec![9, 9, 9],
    };
    // Stored last first: the order read back is the keys', not the writes'.
    let second: Vec<StoredPassage> = (0..40).map(|k| passage("p", k)).collect();
    s.set_version_passages(&docs[1], 1, "m1", &second, now())
        .await
        .unwrap();
    let first = [passage("a", 1), short, passage("b", 2), passage("c", 3)];
    s.set_version_passages(&docs[0], 1, "m1", &first, now())
        .await
        .unwrap();
    let items = s.embedded_items("m1").await.unwrap();
    let source = |k: usize| MatchSource::Version {
        document: docs[k].clone(),
        version: 1,
    };
    assert_eq!(items.items, vec![(source(0), 3), (source(1), 40)]);
    assert_eq!(items.width, 5);
    let expected: Vec<i8> = [&first[0], &first[2], &first[3]]
        .into_iter()
        .chain(&second)
        .flat_map(|p| p.embedding.clone())
        .collect();
    assert_eq!(items.rows, expected);
}
