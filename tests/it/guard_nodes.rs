//! Budgets hold however requests are spread: concurrent requests of one
//! account, its token and its sessions together, and two nodes serving the
//! same database; and what the guard decided survives a restart.

use crate::guard::{download, small_budgets, tick, world, ANN};
use rampart_testkit::{bearer, PASSWORD};
use reqwest::StatusCode;
use std::sync::Arc;

/// Counts answers by status.
fn served(statuses: &[StatusCode]) -> usize {
    statuses.iter().filter(|s| **s == StatusCode::OK).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_downloads_cannot_overrun_the_budget() {
    let (app, ids, _) = world(small_budgets(), 6, false).await;
    let ann = bearer(&app, &app.token(ANN, "full", None).await);
    tick(&app, 1_000);
    let requests = (0..24).map(|i| {
        let ann = ann.clone();
        let id = ids[i % ids.len()].clone();
        async move { download(&ann, &id).await.status() }
    });
    let statuses = futures_util::future::join_all(requests).await;
    assert_eq!(
        served(&statuses),
        5,
        "exactly the budget of 5 per minute, however many arrive at once: {statuses:?}"
    );
    assert!(statuses.iter().all(|s| [
        StatusCode::OK,
        StatusCode::TOO_MANY_REQUESTS,
        StatusCode::UNAUTHORIZED
    ]
    .contains(s)));
}

#[tokio::test]
async fn a_token_and_two_sessions_share_one_budget() {
    let (app, ids, _) = world(small_budgets(), 6, false).await;
    let token = bearer(&app, &app.token(ANN, "full", None).await);
    let web = app.login(ANN, PASSWORD).await;
    let other = app.login(ANN, PASSWORD).await;
    let mut statuses = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        tick(&app, 2_000);
        let s = [&token, &web, &other][i % 3];
        statuses.push(download(s, id).await.status());
    }
    assert_eq!(served(&statuses), 5, "{statuses:?}");
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_database_share_the_budget() {
    let (app, ids, _) = world(small_budgets(), 6, false).await;
    let token = app.token(ANN, "full", None).await;
    // A second node: its own process state, the same data dir and database.
    let config = (*app.state.config).clone();
    let (second, _) = rampart_app::install::open(app.dir.path(), config, app.clock.clone())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other = format!("http://{}", listener.local_addr().unwrap());
    let served_state = second.clone();
    tokio::spawn(async move {
        rampart_web::serve(served_state, listener, std::future::pending())
            .await
            .unwrap();
    });
    let http = reqwest::Client::new();
    let first = Arc::new(app.url(""));
    let mut statuses = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        tick(&app, 2_000);
        let base = if i % 2 == 0 {
            first.as_str()
        } else {
            other.as_str()
        };
        let r = http
            .get(format!("{base}/api/v1/documents/{id}/content"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
    }
    assert_eq!(
        served(&statuses),
        5,
        "alternating nodes gains nothing: {statuses:?}"
    );
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
    rampart_app::install::close(&second).await.unwrap();
}

#[tokio::test]
async fn a_suspension_and_its_alert_survive_a_restart() {
    let (app, ids, decoy) = world(small_budgets(), 2, true).await;
    let token = app.token(ANN, "full", None).await;
    let ann = bearer(&app, &token);
    assert_eq!(download(&ann, &ids[0]).await.status(), StatusCode::OK);
    assert_eq!(
        download(&ann, &decoy.unwrap()).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let app = app.restart().await;
    let r = app
        .anonymous()
        .client
        .post(app.url("/api/v1/login"))
        .json(&serde_json::json!({"email": ANN, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "still suspended (locked)"
    );
    let alerts = crate::guard::alerts(&app).await;
    assert!(alerts
        .iter()
        .any(|a| a["account"] == ANN && a["decision"] == "suspend"));
    // Unlocked after the restart, the account works again, and the guard's
    // own suspension was lifted with it.
    let sec = app.login("sec@example.org", PASSWORD).await;
    let r = sec
        .post_json(
            &format!("/api/v1/security/accounts/{ANN}/unlock"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let again = app.login(ANN, PASSWORD).await;
    tick(&app, 1_000);
    assert_eq!(download(&again, &ids[1]).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn peer_activity_reaches_the_stored_baseline_by_a_clean_stop() {
    let (app, ids, _) = world(small_budgets(), 3, false).await;
    let ann = bearer(&app, &app.token(ANN, "full", None).await);
    for id in &ids {
        tick(&app, 2_000);
        assert_eq!(download(&ann, id).await.status(), StatusCode::OK);
    }
    // Within the merge interval nothing need be stored yet; a clean stop
    // merges what is pending.
    let app = app.restart().await;
    let stored = app
        .state
        .store
        .guard_peers("alpha/ops", "reader")
        .await
        .unwrap()
        .expect("a stored baseline");
    let baseline: serde_json::Value = serde_json::from_str(&stored).unwrap();
    let hours: f64 = baseline["hours"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_f64().unwrap())
        .sum();
    assert_eq!(
        hours, 3.0,
        "the three downloads are in the peers' hour profile"
    );
    assert!(baseline["since"].is_i64());
}
