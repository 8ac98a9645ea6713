//! Several nodes of one install on PostgreSQL and one bucket: everything a
//! request depends on is shared, so which node answers makes no difference.
//! (`nodes_processes.rs` kills nodes under load.)

use crate::guard::{download, small_budgets, tick, ANN};
use rampart_app::Config;
use rampart_store_postgres::scratch::{test_database, Schema};
use rampart_testkit::{bearer, s3::S3Server, upload_form, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::Value;

/// Three nodes on a fresh schema and bucket, with portal alpha/ops, a
/// contributor carl, a reader ann and a security officer sec, and `docs`
/// documents uploaded through the nodes in turn.
async fn three_nodes(
    mut config: Config,
    docs: usize,
) -> (Schema, S3Server, [TestApp; 3], Vec<String>) {
    let schema = Schema::create(&test_database()).await.unwrap();
    let s3 = S3Server::start("rampart").await;
    config.store.database = schema.url();
    config.store.blobs = "s3://rampart/nodes".into();
    config.store.s3 = s3.config();
    let a = TestApp::spawn_with(config).await;
    let b = a.spawn_node().await;
    let c = a.spawn_node().await;
    a.portal("alpha").await;
    a.community("alpha", "ops").await;
    a.user("carl@example.org", "NOR", None).await;
    a.user(ANN, "NOR", None).await;
    a.user("sec@example.org", "NOR", Some("security")).await;
    a.member("alpha/ops", "carl@example.org", "contributor")
        .await;
    a.member("alpha/ops", ANN, "reader").await;
    let carl = bearer(&a, &a.token("carl@example.org", "full", None).await);
    let nodes = [a, b, c];
    let mut ids = Vec::new();
    for i in 0..docs {
        let r = carl
            .on(&nodes[i % 3])
            .post_multipart(
                "/api/v1/portals/alpha/communities/ops/documents",
                upload_form(
                    &format!("Report {i}"),
                    "r.txt",
                    format!("report number {i}, uploaded to node {}", i % 3).into_bytes(),
                    &[],
                ),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        ids.push(
            r.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    (schema, s3, nodes, ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_made_on_one_node_works_on_the_others_until_a_suspension_anywhere() {
    let (_schema, _s3, [a, b, c], ids) = three_nodes(Config::default(), 3).await;
    let ann = a.login(ANN, PASSWORD).await;
    // Every node serves every upload (the blob is in the bucket, not on
    // the node that took it) to a session made on node A.
    for (node, id) in [&a, &b, &c].iter().zip(&ids) {
        let r = download(&ann.on(node), id).await;
        assert_eq!(r.status(), StatusCode::OK, "node {}", node.addr);
        let text = r.text().await.unwrap();
        assert!(text.starts_with("report number"), "{text}");
    }
    // A canary planted through node C, taken by ann through node B,
    // suspends her there; nodes C and A refuse her session at once.
    let sec = bearer(&c, &c.token("sec@example.org", "full", None).await);
    let r = sec
        .post_multipart(
            "/api/v1/security/canaries",
            upload_form(
                "Annual budget",
                "budget.txt",
                b"decoy".to_vec(),
                &[("community", "alpha/ops")],
            ),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let canary = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = download(&ann.on(&b), &canary).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "the canary suspends");
    for node in [&c, &a] {
        let r = download(&ann.on(node), &ids[0]).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "node {}", node.addr);
    }
    for node in [b, c] {
        rampart_app::install::close(&node.state).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_spread_over_three_nodes_is_contained_at_the_count_of_one() {
    let (_schema, _s3, [a, b, c], ids) = three_nodes(small_budgets(), 9).await;
    let token = a.token(ANN, "full", None).await;
    let ann = bearer(&a, &token);
    let nodes = [&a, &b, &c];
    let mut statuses = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        tick(&a, 2_000);
        statuses.push(download(&ann.on(nodes[i % 3]), id).await.status());
    }
    let served = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(
        served, 5,
        "the budget of one node, 5 a minute: {statuses:?}"
    );
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
    // Ignoring the refusals on every node in turn ends in a suspension
    // that every node enforces.
    for i in 0..12 {
        let r = download(&ann.on(nodes[i % 3]), &ids[i % ids.len()]).await;
        if r.status() == StatusCode::UNAUTHORIZED {
            break;
        }
    }
    for node in nodes {
        let r = download(&ann.on(node), &ids[0]).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "node {}", node.addr);
    }
    for node in [b, c] {
        rampart_app::install::close(&node.state).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_failures_count_together_whichever_node_they_reach() {
    let mut config = Config::default();
    config.identity.free_failures = 3;
    let (_schema, _s3, [a, b, c], _) = three_nodes(config, 0).await;
    let nodes = [&a, &b, &c];
    let mut statuses = Vec::new();
    for i in 0..6 {
        let r = nodes[i % 3]
            .anonymous()
            .client
            .post(nodes[i % 3].url("/api/v1/login"))
            .json(&serde_json::json!({"email": ANN, "password": "wrong password, again"}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "the throttle counts failures on every node together: {statuses:?}"
    );
    for node in [b, c] {
        rampart_app::install::close(&node.state).await.unwrap();
    }
}

/// A node that loses PostgreSQL answers 503 with the JSON error (and
/// `/readyz` 503, so the balancer takes it out) instead of failing
/// requests as internal errors, and recovers by itself when the database
/// is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_loses_the_database_answers_503_and_recovers_by_itself() {
    let schema = Schema::create(&test_database()).await.unwrap();
    let proxy = rampart_testkit::proxy::TcpProxy::start("127.0.0.1:5432").await;
    let mut config = Config::default();
    config.store.database = schema
        .url()
        .replace("127.0.0.1:5432", &proxy.addr.to_string());
    assert!(
        config.store.database.contains(&proxy.addr.to_string()),
        "{}",
        config.store.database
    );
    let app = TestApp::spawn_with(config).await;
    app.portal("alpha").await;
    app.user(ANN, "NOR", None).await;
    let ann = bearer(&app, &app.token(ANN, "full", None).await);
    let anonymous = app.anonymous();
    assert_eq!(anonymous.get("/readyz").await.status(), StatusCode::OK);
    assert_eq!(ann.get("/api/v1/portals").await.status(), StatusCode::OK);

    proxy.cut();
    assert_eq!(
        anonymous.get("/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    let r = ann.get("/api/v1/portals").await;
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "unavailable", "{body}");

    proxy.restore();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let r = ann.get("/api/v1/portals").await;
        if r.status() == StatusCode::OK {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still {} after the database came back",
            r.status()
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(anonymous.get("/readyz").await.status(), StatusCode::OK);
}
