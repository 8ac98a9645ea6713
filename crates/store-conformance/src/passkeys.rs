use rampart_domain::AccountId;
use rampart_store::{CounterCheck, Error, NewAccount, NewWebauthnCredential, Store};
use time::{Duration, OffsetDateTime};

async fn store_with(store: Store, emails: &[&str]) -> (Store, Vec<AccountId>) {
    let mut ids = Vec::new();
    for email in emails {
        let id = store
            .create_account(
                &NewAccount {
                    email: email.parse().unwrap(),
                    name: "Someone".into(),
                    nation: "NOR".parse().unwrap(),
                    password_hash: "x".into(),
                    admin: false,
                    security: false,
                },
                now(),
            )
            .await
            .unwrap();
        ids.push(id);
    }
    (store, ids)
}

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()
}

fn key(id: &[u8], count: u32) -> NewWebauthnCredential {
    NewWebauthnCredential {
        credential_id: id.to_vec(),
        name: "laptop".into(),
        passkey: "{}".into(),
        sign_count: count,
    }
}

pub async fn credentials_belong_to_one_account_and_are_removed_in_scope(store: Store) {
    let (s, ids) = store_with(store, &["ann@example.org", "bob@example.org"]).await;
    let (ann, bob) = (ids[0], ids[1]);
    let id = s
        .add_webauthn_credential(ann, &key(b"k1", 0), now())
        .await
        .unwrap();
    assert!(matches!(
        s.add_webauthn_credential(bob, &key(b"k1", 0), now()).await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(s.webauthn_credentials(ann).await.unwrap().len(), 1);
    assert!(s.webauthn_credentials(bob).await.unwrap().is_empty());
    assert!(!s.remove_webauthn_credential(bob, id).await.unwrap());
    assert!(s.remove_webauthn_credential(ann, id).await.unwrap());
    assert!(s.webauthn_credentials(ann).await.unwrap().is_empty());
}

pub async fn counters_only_move_forward(store: Store) {
    let (s, ids) = store_with(store, &["ann@example.org"]).await;
    let ann = ids[0];
    s.add_webauthn_credential(ann, &key(b"k1", 5), now())
        .await
        .unwrap();
    let used = |count| s.use_webauthn_credential(ann, b"k1", count, "{}", now());
    assert_eq!(used(6).await.unwrap(), CounterCheck::Advanced);
    assert_eq!(used(6).await.unwrap(), CounterCheck::Regressed);
    assert_eq!(used(2).await.unwrap(), CounterCheck::Regressed);
    let stored = s.webauthn_credentials(ann).await.unwrap();
    assert_eq!(stored[0].sign_count, 6, "a regression never lowers it");
    assert!(stored[0].last_used_at.is_some());
    assert_eq!(
        s.use_webauthn_credential(ann, b"nope", 9, "{}", now())
            .await
            .unwrap(),
        CounterCheck::Unknown
    );
}

pub async fn challenges_are_taken_once_in_scope_and_expire(store: Store) {
    let (s, ids) = store_with(store, &["ann@example.org", "bob@example.org"]).await;
    let (ann, bob) = (ids[0], ids[1]);
    let later = now() + Duration::minutes(5);
    s.put_webauthn_challenge(b"h1", ann, "register", "state", later)
        .await
        .unwrap();
    // Another account, or another purpose, finds nothing (and takes nothing).
    assert!(s
        .take_webauthn_challenge(b"h1", bob, "register", now())
        .await
        .unwrap()
        .is_none());
    assert!(s
        .take_webauthn_challenge(b"h1", ann, "authenticate", now())
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        s.take_webauthn_challenge(b"h1", ann, "register", now())
            .await
            .unwrap()
            .as_deref(),
        Some("state")
    );
    assert!(
        s.take_webauthn_challenge(b"h1", ann, "register", now())
            .await
            .unwrap()
            .is_none(),
        "a challenge is answered once"
    );
    s.put_webauthn_challenge(b"h2", ann, "register", "state", later)
        .await
        .unwrap();
    assert!(
        s.take_webauthn_challenge(b"h2", ann, "register", later)
            .await
            .unwrap()
            .is_none(),
        "expired at five minutes"
    );
}

pub async fn resetting_second_factors_removes_only_that_accounts(store: Store) {
    let (s, ids) = store_with(store, &["ann@example.org", "bob@example.org"]).await;
    let (ann, bob) = (ids[0], ids[1]);
    for who in [ann, bob] {
        s.begin_totp(who, b"sealed", now()).await.unwrap();
        assert!(s.confirm_totp(who, 10, &[vec![1]], now()).await.unwrap());
    }
    s.add_webauthn_credential(ann, &key(b"ann-key", 0), now())
        .await
        .unwrap();
    s.add_webauthn_credential(bob, &key(b"bob-key", 0), now())
        .await
        .unwrap();

    assert_eq!(s.reset_second_factors(ann).await.unwrap(), 2);
    assert!(s.totp_factor(ann).await.unwrap().is_none());
    assert!(s.webauthn_credentials(ann).await.unwrap().is_empty());
    assert!(s.unused_recovery_codes(ann).await.unwrap().is_empty());
    assert!(!s.accept_totp_step(ann, 11).await.unwrap());
    // Enrolling again works, as on a fresh account.
    s.begin_totp(ann, b"again", now()).await.unwrap();

    assert!(s
        .totp_factor(bob)
        .await
        .unwrap()
        .is_some_and(|f| f.confirmed));
    assert_eq!(s.webauthn_credentials(bob).await.unwrap().len(), 1);
    assert_eq!(s.unused_recovery_codes(bob).await.unwrap().len(), 1);
    assert_eq!(
        s.reset_second_factors(ann).await.unwrap(),
        1,
        "the new secret"
    );
}
