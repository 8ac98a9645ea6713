use rampart_domain::AccountId;
use rampart_store::{NewAccount, NewSession, SessionStage, Store};
use time::OffsetDateTime;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()
}

async fn store_with_sessions(store: Store) -> (Store, AccountId, [Vec<u8>; 2]) {
    let ann = store
        .create_account(
            &NewAccount {
                email: "ann@example.org".parse().unwrap(),
                name: "Ann".into(),
                nation: "NOR".parse().unwrap(),
                password_hash: "x".into(),
                admin: false,
                security: false,
            },
            now(),
        )
        .await
        .unwrap();
    let hashes = [vec![1u8; 32], vec![2u8; 32]];
    for (i, hash) in hashes.iter().enumerate() {
        store
            .create_session(
                &NewSession {
                    token_hash: hash.clone(),
                    public_id: format!("s-{i}"),
                    account: ann,
                    stage: SessionStage::EnrollSecondFactor,
                    csrf: "c".into(),
                    ip: "192.0.2.1".into(),
                    user_agent: "test".into(),
                },
                now(),
            )
            .await
            .unwrap();
    }
    (store, ann, hashes)
}

pub async fn a_pending_secret_is_kept_per_session_until_replaced(store: Store) {
    let (s, ann, [a, b]) = store_with_sessions(store).await;
    assert_eq!(s.pending_totp(&a, ann).await.unwrap(), None);
    let (kept, created) = s.keep_pending_totp(&a, ann, b"one", now()).await.unwrap();
    assert_eq!((kept.as_slice(), created), (&b"one"[..], true));
    let (kept, created) = s.keep_pending_totp(&a, ann, b"two", now()).await.unwrap();
    assert_eq!((kept.as_slice(), created), (&b"one"[..], false), "kept");
    assert_eq!(s.pending_totp(&b, ann).await.unwrap(), None, "per session");
    assert_eq!(
        s.pending_totp(&a, AccountId(ann.0 + 1)).await.unwrap(),
        None,
        "scoped by account"
    );
    s.replace_pending_totp(&a, ann, b"three", now())
        .await
        .unwrap();
    assert_eq!(
        s.pending_totp(&a, ann).await.unwrap(),
        Some(b"three".to_vec())
    );
    // It ends with its session.
    s.delete_session(&a).await.unwrap();
    assert_eq!(s.pending_totp(&a, ann).await.unwrap(), None);
}

pub async fn confirming_takes_the_secret_that_was_checked_from_its_own_session(store: Store) {
    let (s, ann, [a, b]) = store_with_sessions(store).await;
    s.keep_pending_totp(&a, ann, b"mine", now()).await.unwrap();
    s.keep_pending_totp(&b, ann, b"other", now()).await.unwrap();
    // Not from another session, nor with a secret replaced meanwhile.
    assert!(!s
        .confirm_pending_totp(&b, ann, b"mine", 10, &[], now())
        .await
        .unwrap());
    s.replace_pending_totp(&a, ann, b"newer", now())
        .await
        .unwrap();
    assert!(!s
        .confirm_pending_totp(&a, ann, b"mine", 10, &[], now())
        .await
        .unwrap());
    assert!(s
        .confirm_pending_totp(&a, ann, b"newer", 10, &[vec![7]], now())
        .await
        .unwrap());
    let factor = s.totp_factor(ann).await.unwrap().unwrap();
    assert!(factor.confirmed);
    assert_eq!(
        (factor.sealed_secret.as_slice(), factor.last_step),
        (&b"newer"[..], 10)
    );
    assert!(!s.accept_totp_step(ann, 10).await.unwrap(), "step spent");
    assert_eq!(s.unused_recovery_codes(ann).await.unwrap(), vec![vec![7]]);
    assert_eq!(s.pending_totp(&b, ann).await.unwrap(), None, "all go");
    // A confirmed factor is not replaced by a later pending one.
    s.keep_pending_totp(&b, ann, b"late", now()).await.unwrap();
    assert!(!s
        .confirm_pending_totp(&b, ann, b"late", 20, &[], now())
        .await
        .unwrap());
    assert_eq!(
        s.pending_totp(&b, ann).await.unwrap(),
        Some(b"late".to_vec()),
        "a refused confirmation changes nothing"
    );
    assert_eq!(
        s.totp_factor(ann).await.unwrap().unwrap().sealed_secret,
        b"newer"
    );
}
