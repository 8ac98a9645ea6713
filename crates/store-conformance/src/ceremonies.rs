//! One-use things under concurrency: OIDC states, passkey challenges, TOTP
//! steps, and throttle counters, raced by many callers at once (on
//! PostgreSQL, from several pooled connections, as several nodes would).

use crate::fixtures::{account, now};
use rampart_store::*;
use std::sync::Arc;
use time::Duration;

/// How many callers race.
const RACERS: usize = 16;

/// Runs `RACERS` copies of `f` at once and returns their answers.
async fn race<T, F, Fut>(store: &Store, f: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(Store) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(RACERS));
    let mut tasks = Vec::new();
    for _ in 0..RACERS {
        let work = f(store.clone());
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            work.await
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

pub async fn a_login_is_taken_once_and_stale_ones_are_swept(store: Store) {
    let t0 = now();
    let login = |hash: &[u8], at| OidcLogin {
        state_hash: hash.to_vec(),
        provider: "corp".into(),
        nonce: "n".into(),
        pkce_verifier: "v".into(),
        created_at: at,
    };
    let ten = Duration::minutes(10);
    store
        .begin_oidc_login(&login(b"old", t0), t0 - ten)
        .await
        .unwrap();
    let later = t0 + Duration::minutes(11);
    store
        .begin_oidc_login(&login(b"new", later), later - ten)
        .await
        .unwrap();
    // Starting a new sign-in swept the abandoned one.
    assert!(store.take_oidc_login(b"old").await.unwrap().is_none());
    let taken = store.take_oidc_login(b"new").await.unwrap().unwrap();
    assert_eq!((taken.provider.as_str(), taken.created_at), ("corp", later));
    assert!(store.take_oidc_login(b"new").await.unwrap().is_none());
}

pub async fn an_oidc_state_raced_by_many_is_taken_by_one(store: Store) {
    let login = OidcLogin {
        state_hash: b"raced".to_vec(),
        provider: "corp".into(),
        nonce: "n".into(),
        pkce_verifier: "v".into(),
        created_at: now(),
    };
    store
        .begin_oidc_login(&login, now() - Duration::minutes(10))
        .await
        .unwrap();
    let taken = race(&store, |s| async move {
        s.take_oidc_login(b"raced").await.unwrap().is_some()
    })
    .await;
    assert_eq!(taken.iter().filter(|t| **t).count(), 1, "{taken:?}");
}

pub async fn a_passkey_challenge_raced_by_many_is_taken_by_one(store: Store) {
    let ann = account(&store, "ann@example.org").await;
    store
        .put_webauthn_challenge(
            b"challenge",
            ann,
            "authentication",
            "{}",
            now() + Duration::minutes(5),
        )
        .await
        .unwrap();
    let taken = race(&store, |s| async move {
        s.take_webauthn_challenge(b"challenge", ann, "authentication", now())
            .await
            .unwrap()
            .is_some()
    })
    .await;
    assert_eq!(taken.iter().filter(|t| **t).count(), 1, "{taken:?}");
}

pub async fn a_totp_step_raced_by_many_is_accepted_once(store: Store) {
    let ann = account(&store, "ann@example.org").await;
    store.begin_totp(ann, b"secret", now()).await.unwrap();
    assert!(store.confirm_totp(ann, 999, &[], now()).await.unwrap());
    let accepted = race(&store, |s| async move {
        s.accept_totp_step(ann, 1_000).await.unwrap()
    })
    .await;
    assert_eq!(accepted.iter().filter(|a| **a).count(), 1, "{accepted:?}");
}

pub async fn throttle_failures_raced_by_many_are_all_counted(store: Store) {
    race(&store, |s| async move {
        s.record_throttle_failures(
            &["ip:192.0.2.1".to_owned(), "acct:ann".to_owned()],
            now(),
            now() - Duration::minutes(15),
            &|_, _| 0,
        )
        .await
        .unwrap();
    })
    .await;
    let states = store
        .throttle_states(&["ip:192.0.2.1".to_owned(), "acct:ann".to_owned()])
        .await
        .unwrap();
    assert_eq!(states.len(), 2);
    for state in states {
        assert_eq!(state.failures, RACERS as i64, "{state:?}");
    }
}

pub async fn a_passkey_counter_raced_by_many_advances_once(store: Store) {
    let ann = account(&store, "ann@example.org").await;
    let key = NewWebauthnCredential {
        credential_id: b"key".to_vec(),
        name: "laptop".into(),
        passkey: "{}".into(),
        sign_count: 5,
    };
    store
        .add_webauthn_credential(ann, &key, now())
        .await
        .unwrap();
    // The same assertion (counter 6) replayed by many at once: a clone.
    let checks = race(&store, |s| async move {
        s.use_webauthn_credential(ann, b"key", 6, "{}", now())
            .await
            .unwrap()
    })
    .await;
    let advanced = checks
        .iter()
        .filter(|c| **c == CounterCheck::Advanced)
        .count();
    assert_eq!(advanced, 1, "{checks:?}");
}
