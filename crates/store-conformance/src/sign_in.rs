use rampart_domain::AccountId;
use rampart_store::{NewAccount, Store};
use time::{Duration, OffsetDateTime};

async fn store_with_account(store: Store) -> (Store, AccountId) {
    let id = store
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
    (store, id)
}

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()
}

pub async fn totp_steps_are_accepted_once_and_in_order(store: Store) {
    let (s, ann) = store_with_account(store).await;
    s.begin_totp(ann, b"sealed", now()).await.unwrap();
    assert!(
        !s.accept_totp_step(ann, 10).await.unwrap(),
        "unconfirmed factors accept nothing"
    );
    assert!(s
        .confirm_totp(ann, 10, &[vec![1], vec![2]], now())
        .await
        .unwrap());
    assert!(!s.confirm_totp(ann, 11, &[], now()).await.unwrap(), "once");
    assert!(
        s.begin_totp(ann, b"other", now()).await.is_err(),
        "a confirmed factor is not replaced"
    );
    assert!(
        !s.accept_totp_step(ann, 10).await.unwrap(),
        "the confirming step is spent"
    );
    assert!(s.accept_totp_step(ann, 12).await.unwrap());
    assert!(!s.accept_totp_step(ann, 11).await.unwrap(), "no going back");
    assert!(!s.accept_totp_step(ann, 12).await.unwrap());
    assert_eq!(s.unused_recovery_codes(ann).await.unwrap().len(), 2);
    assert!(s.use_recovery_code(ann, &[1], now()).await.unwrap());
    assert!(!s.use_recovery_code(ann, &[1], now()).await.unwrap());
    assert_eq!(s.unused_recovery_codes(ann).await.unwrap(), vec![vec![2]]);
}

pub async fn throttle_counters_grow_block_and_reset_after_quiet(store: Store) {
    let (s, _) = store_with_account(store).await;
    let keys = vec!["ip:192.0.2.1".to_owned()];
    let block = |_: &str, failures: i64| if failures > 2 { 1000 * failures } else { 0 };
    for _ in 0..3 {
        s.record_throttle_failures(&keys, now(), now() - Duration::hours(1), &block)
            .await
            .unwrap();
    }
    let state = &s.throttle_states(&keys).await.unwrap()[0];
    assert_eq!(state.failures, 3);
    assert_eq!(state.blocked_until, now() + Duration::seconds(3));
    // Two hours later the counter starts again.
    let later = now() + Duration::hours(2);
    s.record_throttle_failures(&keys, later, later - Duration::hours(1), &block)
        .await
        .unwrap();
    assert_eq!(s.throttle_states(&keys).await.unwrap()[0].failures, 1);
    assert!(s
        .throttle_states(&["ip:other".into()])
        .await
        .unwrap()
        .is_empty());
    assert!(s
        .mark_alerted("stuffing-ip:x", now(), now() - Duration::hours(1))
        .await
        .unwrap());
    assert!(!s
        .mark_alerted("stuffing-ip:x", now(), now() - Duration::hours(1))
        .await
        .unwrap());
    assert!(s
        .mark_alerted("stuffing-ip:x", later, later - Duration::hours(1))
        .await
        .unwrap());
}

pub async fn the_detector_counts_distinct_accounts_and_sources(store: Store) {
    let (s, _) = store_with_account(store).await;
    let since = now() - Duration::hours(1);
    for i in 0..5 {
        s.record_sign_in_failure("192.0.2.1", "192.0.2.0/24", &format!("a{i}"), now(), since)
            .await
            .unwrap();
    }
    let c = s
        .record_sign_in_failure("192.0.2.9", "192.0.2.0/24", "a0", now(), since)
        .await
        .unwrap();
    assert_eq!(
        (
            c.accounts_from_ip,
            c.accounts_from_net,
            c.sources_for_account
        ),
        (1, 5, 2)
    );
    // Old entries are forgotten.
    let later = now() + Duration::hours(2);
    let c = s
        .record_sign_in_failure(
            "192.0.2.1",
            "192.0.2.0/24",
            "a9",
            later,
            later - Duration::hours(1),
        )
        .await
        .unwrap();
    assert_eq!((c.accounts_from_ip, c.accounts_from_net), (1, 1));
}

pub async fn devices_after_the_first_are_notices(store: Store) {
    let (s, ann) = store_with_account(store).await;
    assert!(!s
        .remember_device(ann, "192.0.2.0/24", "A", now())
        .await
        .unwrap());
    assert!(!s
        .remember_device(ann, "192.0.2.0/24", "A", now())
        .await
        .unwrap());
    assert!(s
        .remember_device(ann, "198.51.100.0/24", "A", now())
        .await
        .unwrap());
    let notices = s.device_notices(ann).await.unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].net, "198.51.100.0/24");
}
