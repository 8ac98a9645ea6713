//! Accounts, portals, documents, sessions, the audit log and the guard's
//! state: the behaviours every backend must share.

use crate::fixtures::{account, community, new_document, now};
use rampart_domain::{AccountStatus, CommunityRole};
use rampart_store::*;

pub async fn slugs_and_emails_are_unique(store: Store) {
    let s = store;
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

pub async fn listing_filters_by_releasability_and_paginates(store: Store) {
    let s = store;
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

pub async fn suspension_ends_sessions_and_revokes_tokens(store: Store) {
    let s = store;
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

pub async fn audit_events_are_logged_in_order_with_checkpoints(store: Store) {
    let s = store;
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

/// Group commit must not lose updates: concurrent updates of one account
/// each see the state the previous one left, and a failing update leaves
/// the others (and the state) alone.
pub async fn concurrent_guard_updates_are_serialised_and_none_is_lost(store: Store) {
    let s = store;
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

pub async fn peer_baselines_merge_in_their_own_transaction(store: Store) {
    let s = store;
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
