#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use rampart_domain::{AccountStatus, CommunityRole, DocumentId, Marking};

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("rampart.db")).await.unwrap();
    (dir, store)
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()
}

#[tokio::test]
async fn slugs_and_emails_are_unique() {
    let (_d, s) = store().await;
    let slug = "lessons".parse().unwrap();
    let p = s.create_portal(&slug, "Lessons", now()).await.unwrap();
    assert!(matches!(
        s.create_portal(&slug, "Again", now()).await,
        Err(Error::Conflict("portal"))
    ));
    let c = "drones".parse().unwrap();
    s.create_community(p, &c, "Drones", now()).await.unwrap();
    assert!(matches!(
        s.create_community(p, &c, "x", now()).await,
        Err(Error::Conflict("community"))
    ));
    let acc = NewAccount {
        email: "a@x.org".parse().unwrap(),
        name: "A".into(),
        nation: "NOR".parse().unwrap(),
        password_hash: "h".into(),
        admin: false,
        security: false,
    };
    s.create_account(&acc, now()).await.unwrap();
    assert!(matches!(
        s.create_account(&acc, now()).await,
        Err(Error::Conflict("account"))
    ));
}

#[tokio::test]
async fn listing_filters_by_releasability_and_paginates() {
    let (_d, s) = store().await;
    let c = community(&s).await;
    let fra = s
        .create_account(
            &NewAccount {
                email: "f@x.org".parse().unwrap(),
                name: "F".into(),
                nation: "FRA".parse().unwrap(),
                password_hash: "h".into(),
                admin: false,
                security: false,
            },
            now(),
        )
        .await
        .unwrap();
    s.set_membership(fra, c, CommunityRole::Contributor, now())
        .await
        .unwrap();
    for i in 0..7 {
        let nations = if i % 2 == 0 {
            vec![]
        } else {
            vec!["NOR".parse().unwrap()]
        };
        let doc = new_document(c, &format!("doc {i}"), nations, fra);
        s.create_document(&doc, now() + time::Duration::seconds(i))
            .await
            .unwrap();
    }
    let nation = "FRA".parse().unwrap();
    let (page1, next) = s
        .list_documents_for_member(c, fra, &nation, None, 3)
        .await
        .unwrap();
    let titles: Vec<_> = page1.iter().map(|d| d.title.clone()).collect();
    assert_eq!(titles, ["doc 6", "doc 4", "doc 2"]);
    let next = Cursor::decode(&next.unwrap().encode()).unwrap();
    let (page2, next) = s
        .list_documents_for_member(c, fra, &nation, Some(&next), 3)
        .await
        .unwrap();
    assert_eq!(page2.len(), 1);
    assert_eq!(page2[0].title, "doc 0");
    assert!(next.is_none());
    let nor = "NOR".parse().unwrap();
    let (all, _) = s
        .list_documents_for_member(c, fra, &nor, None, 50)
        .await
        .unwrap();
    assert_eq!(all.len(), 7);
}

#[tokio::test]
async fn suspension_ends_sessions_and_revokes_tokens() {
    let (_d, s) = store().await;
    let a = s
        .create_account(
            &NewAccount {
                email: "s@x.org".parse().unwrap(),
                name: "S".into(),
                nation: "NOR".parse().unwrap(),
                password_hash: "h".into(),
                admin: false,
                security: false,
            },
            now(),
        )
        .await
        .unwrap();
    let session = NewSession {
        token_hash: vec![1; 32],
        public_id: "s1".into(),
        account: a,
        stage: SessionStage::Full,
        csrf: "c".into(),
        ip: "127.0.0.1".into(),
        user_agent: "t".into(),
    };
    s.create_session(&session, now()).await.unwrap();
    s.create_token(
        &NewToken {
            id: "t1".into(),
            token_hash: vec![2; 32],
            account: a,
            name: "script".into(),
            scope: "full".into(),
            expires_at: None,
        },
        now(),
    )
    .await
    .unwrap();
    s.set_account_status(a, AccountStatus::Suspended, now())
        .await
        .unwrap();
    assert!(s.session_by_hash(&[1; 32]).await.unwrap().is_none());
    assert!(s
        .token_by_hash(&[2; 32])
        .await
        .unwrap()
        .unwrap()
        .revoked_at
        .is_some());
}

#[tokio::test]
async fn audit_events_are_logged_in_order_with_checkpoints() {
    let (_d, s) = store().await;
    let signer = rampart_tlog::Signer::from_seed("test.example/audit", &[7; 32]).unwrap();
    let log = auditlog::AuditLog::start(s.clone(), signer);
    let event = AuditEvent {
        seq: 0,
        time: "2026-01-01T00:00:00Z".into(),
        kind: "login".into(),
        account: Some("a@x.org".into()),
        session: None,
        ip: Some("127.0.0.1".into()),
        document: None,
        version: None,
        download: None,
        outcome: Outcome::Failed,
        detail: serde_json::json!({"reason": "bad password"}),
    };
    let mut handles = Vec::new();
    for _ in 0..300 {
        let log = log.clone();
        let e = event.clone();
        handles.push(tokio::spawn(async move { log.append(e).await.unwrap() }));
    }
    let mut seqs: Vec<u64> = Vec::new();
    for h in handles {
        seqs.push(h.await.unwrap());
    }
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (0..300).collect::<Vec<_>>(),
        "every append gets its own index"
    );
    let back = s.audit_events(&AuditFilter::default()).await.unwrap();
    assert_eq!(back.len(), 300);
    assert_eq!(
        back[5],
        AuditEvent {
            seq: 5,
            ..event.clone()
        }
    );
    let too_big = AuditEvent {
        detail: serde_json::json!({"x": "y".repeat(70_000)}),
        ..event
    };
    assert!(matches!(
        log.append(too_big).await,
        Err(Error::EntryTooLarge(_))
    ));
    log.close().await.unwrap();
    let cp = s.latest_checkpoint().await.unwrap().unwrap();
    assert_eq!(cp.size, 300);
    let verifiers = rampart_tlog::VerifierList::from(
        rampart_tlog::Signer::from_seed("test.example/audit", &[7; 32])
            .unwrap()
            .verifier(),
    );
    let report = auditlog::verify_log(&s, &verifiers, "test.example/audit", None)
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.findings);
    assert_eq!(report.entries, 300);
}

async fn account(s: &Store, email: &str) -> rampart_domain::AccountId {
    let acc = NewAccount {
        email: email.parse().unwrap(),
        name: "A".into(),
        nation: "NOR".parse().unwrap(),
        password_hash: "h".into(),
        admin: false,
        security: false,
    };
    s.create_account(&acc, now()).await.unwrap()
}

/// Group commit must not lose updates: concurrent updates of one account
/// each see the state the previous one left, and a failing update leaves
/// the others (and the state) alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_guard_updates_are_serialised_and_none_is_lost() {
    let (_d, s) = store().await;
    let a = account(&s, "a@x.org").await;
    let mut tasks = Vec::new();
    for i in 0..200u32 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.guard_update(a, Some("10.0.0.1"), now(), move |st| {
                if i % 50 == 7 {
                    st.principal = Some("garbage".into());
                    return Err(Error::Corrupt("refused".into()));
                }
                let n: u32 = st.principal.as_deref().map_or(0, |p| p.parse().unwrap());
                st.principal = Some((n + 1).to_string());
                Ok(n)
            })
            .await
        }));
    }
    let mut seen = Vec::new();
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(n) => seen.push(n),
            Err(Error::Corrupt(_)) => refused += 1,
            Err(e) => unreachable!("{e}"),
        }
    }
    seen.sort_unstable();
    assert_eq!(refused, 4);
    assert_eq!(
        seen,
        (0..196).collect::<Vec<_>>(),
        "every update saw the one before"
    );
    let last = s
        .guard_update(a, None, now(), |st| Ok(st.principal.clone()))
        .await
        .unwrap();
    assert_eq!(last.as_deref(), Some("196"));
}

#[tokio::test]
async fn peer_baselines_merge_in_their_own_transaction() {
    let (_d, s) = store().await;
    assert_eq!(s.guard_peers("p/c", "reader").await.unwrap(), None);
    s.merge_guard_peers("p/c", "reader", now(), |old| {
        assert_eq!(old, None);
        Ok("1".into())
    })
    .await
    .unwrap();
    let merged = s
        .merge_guard_peers("p/c", "reader", now(), |old| {
            Ok(format!("{}+1", old.unwrap()))
        })
        .await
        .unwrap();
    assert_eq!(merged, "1+1");
    assert_eq!(
        s.guard_peers("p/c", "reader").await.unwrap().as_deref(),
        Some("1+1")
    );
}

/// Community `p1/c1`.
async fn community(s: &Store) -> rampart_domain::CommunityId {
    let p = s
        .create_portal(&"p1".parse().unwrap(), "P", now())
        .await
        .unwrap();
    s.create_community(p, &"c1".parse().unwrap(), "C", now())
        .await
        .unwrap()
}

/// One stored document to hang match index rows on.
async fn one_document(s: &Store) -> String {
    let c = community(s).await;
    let a = account(s, "ann@x.org").await;
    let doc = new_document(c, "Plan", vec![], a);
    s.create_document(&doc, now()).await.unwrap();
    doc.id.to_string()
}

/// A NON-PUBLIC document of one small text version.
fn new_document(
    community: rampart_domain::CommunityId,
    title: &str,
    releasable_nations: Vec<rampart_domain::Nation>,
    uploaded_by: rampart_domain::AccountId,
) -> NewDocument {
    NewDocument {
        id: DocumentId::random(),
        community,
        title: title.into(),
        marking: Marking {
            label: "NON-PUBLIC".into(),
            releasable_nations,
            releasable_communities: vec![],
            public_since: None,
            public_source: None,
            canary: false,
        },
        version: NewVersion {
            blob: "b".repeat(64),
            size: 1,
            media_type: "text/plain".into(),
            filename: "a.txt".into(),
            uploaded_by,
        },
    }
}

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
    }
}

/// Indexes `entries` as versions 1, 2, … of `doc`.
async fn index_as_versions(s: &Store, doc: &str, entries: &[IndexEntry]) {
    let rows: Vec<(&str, i64, &IndexEntry)> =
        entries.iter().zip(1..).map(|(e, v)| (doc, v, e)).collect();
    s.index_versions(&rows, now()).await.unwrap();
}

#[tokio::test]
async fn indexed_hashes_hold_every_exact_hash_across_the_hash_space() {
    let (_d, s) = store().await;
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

    // A stored hash of another length (a hand-edited database) is refused,
    // not read as shifted hashes.
    sqlx::query("UPDATE public_refs SET bytes_sha256 = x'f70102'")
        .execute(&s.pool)
        .await
        .unwrap();
    let err = s.indexed_hashes().await.unwrap_err();
    assert!(matches!(err, crate::Error::Corrupt(_)), "{err}");
}

#[tokio::test]
async fn the_match_index_finds_items_by_band_and_anchor_and_skips_boilerplate() {
    let (_d, s) = store().await;
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

#[tokio::test]
async fn migration_10_moves_an_existing_index_to_item_ids() {
    let (dir, s) = store().await;
    let doc = one_document(&s).await;
    s.pool.close().await;
    // Back to the shapes of migration 9, holding one indexed version.
    let db = dir.path().join("rampart.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    sqlx::raw_sql(
        "DROP TABLE match_bands; DROP TABLE match_anchors; DROP TABLE match_versions;
         DROP TABLE public_ref_bands; DROP TABLE public_ref_anchors; DROP TABLE public_refs;
         DELETE FROM schema_migrations WHERE version IN (2, 8, 9, 10)",
    )
    .execute(&pool)
    .await
    .unwrap();
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| [2, 8, 9].contains(v)) {
        sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)")
            .bind(version)
            .execute(&pool)
            .await
            .unwrap();
    }
    sqlx::query(
        "INSERT INTO match_versions (document_id, version, bytes_sha256, fingerprint, encoding, indexed_at)
         VALUES (?, 2, ?, X'444D463278', X'444D4632', 0)",
    )
    .bind(&doc)
    .bind(&[2u8; 32][..])
    .execute(&pool)
    .await
    .unwrap();
    for sql in [
        "INSERT INTO match_bands (band, key, document_id, version) VALUES (5, 55, ?, 2)",
        "INSERT INTO match_anchors (anchor, document_id, version) VALUES (77, ?, 2)",
    ] {
        sqlx::query(sql).bind(&doc).execute(&pool).await.unwrap();
    }
    pool.close().await;

    let s = Store::open(&db).await.unwrap();
    let mut r = s.index_reader().await.unwrap();
    let found = r.match_candidates(&[(5, 55)], &[77], 8).await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].bands, found[0].anchors), (1, 1));
    let stored = r.fingerprints_of(&[found[0].item]).await.unwrap();
    assert_eq!(
        stored[0].source,
        MatchSource::Version {
            document: doc.clone(),
            version: 2
        }
    );
    assert_eq!(stored[0].fingerprint.as_deref(), Some(&b"DMF2x"[..]));
    drop(r);
    let stats = s.index_stats(b"DMF2").await.unwrap();
    assert_eq!((stats.indexed, stats.stale), (1, 0));
}

/// The downloads of several documents in one call: oldest first, at most
/// the limit each, with every document's total; none for a document
/// nobody downloaded.
#[tokio::test]
async fn downloads_of_documents_lists_each_documents_oldest_within_the_limit() {
    let (_dir, s) = store().await;
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
        let d = crate::NewDownload {
            id: rampart_domain::DownloadId::random(),
            account: who,
            session: "s".into(),
            document: docs[doc],
            version: 1,
            ip: "127.0.0.1".into(),
            user_agent: "t".into(),
            scheme: "none".into(),
            params: "{}".into(),
        };
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

#[tokio::test]
async fn the_database_and_its_wal_and_shm_are_private_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, s) = store().await;
    let slug = "modes".parse().unwrap();
    s.create_portal(&slug, "Modes", now()).await.unwrap();
    for name in ["rampart.db", "rampart.db-wal", "rampart.db-shm"] {
        let meta = std::fs::metadata(dir.path().join(name)).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{name}");
    }
}
