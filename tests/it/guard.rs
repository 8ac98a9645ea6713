//! The exfiltration guard in the request path: scrapes through tokens and
//! sessions are throttled (429 + Retry-After) and then suspended, with an
//! alert; a canary suspends at once; suspension ends every credential; a
//! security officer's unlock restores access; the state survives a restart;
//! a legitimate burst is left alone; alerts reach the ECS log line and the
//! webhook.

use rampart_app::Config;
use rampart_testkit::{bearer, upload_form, Session, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

pub(crate) const ANN: &str = "ann@example.org";

/// Small budgets so that a scrape is contained in a handful of requests.
pub(crate) fn small_budgets() -> Config {
    let mut config = Config::default();
    let reader = &mut config.guard.budgets.reader;
    reader.downloads_per_minute = 5;
    reader.downloads_per_hour = 8;
    config.guard.scoring.ignored_throttle_to_suspend = 5;
    config
}

/// alpha/ops with a contributor who uploaded `docs` documents (one of them a
/// canary if `canary`), reader ann and security officer sec.
pub(crate) async fn world(
    config: Config,
    docs: usize,
    canary: bool,
) -> (TestApp, Vec<String>, Option<String>) {
    let app = TestApp::spawn_with(config).await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.user("carl@example.org", "NOR", None).await;
    app.user(ANN, "NOR", None).await;
    app.user("sec@example.org", "NOR", Some("security")).await;
    app.member("alpha/ops", "carl@example.org", "contributor")
        .await;
    app.member("alpha/ops", ANN, "reader").await;
    let carl = bearer(&app, &app.token("carl@example.org", "full", None).await);
    let mut ids = Vec::new();
    for i in 0..docs {
        let r = carl
            .post_multipart(
                "/api/v1/portals/alpha/communities/ops/documents",
                upload_form(
                    &format!("Report {i}"),
                    "r.txt",
                    format!("report number {i}").into_bytes(),
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
    let decoy = if canary {
        // Planted by the security officer, attributed to the community's
        // latest uploader (carl).
        let sec = bearer(&app, &app.token("sec@example.org", "full", None).await);
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
        Some(
            r.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    } else {
        None
    };
    (app, ids, decoy)
}

pub(crate) fn tick(app: &TestApp, ms: u64) {
    app.clock.advance(Duration::from_millis(ms));
}

pub(crate) async fn download(s: &Session, id: &str) -> reqwest::Response {
    s.get(&format!("/api/v1/documents/{id}/content")).await
}

pub(crate) async fn alerts(app: &TestApp) -> Vec<Value> {
    let sec = app.login("sec@example.org", PASSWORD).await;
    let r = sec.get("/api/v1/security/alerts").await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap()["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// Scrapes every document in a loop, `gap_ms` apart; when throttled, obeys
/// Retry-After if `obey` (advancing the clock), else keeps going. Returns
/// (documents obtained, saw a 429 with Retry-After) once refused with 401.
async fn scrape(app: &TestApp, s: &Session, ids: &[String], obey: bool) -> (usize, bool) {
    let mut s = s.clone();
    let mut got = 0;
    let mut throttled = false;
    let r = s
        .get("/api/v1/portals/alpha/communities/ops/documents")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    for i in 0..200 {
        tick(app, 1_000);
        let r = download(&s, &ids[i % ids.len()]).await;
        match r.status() {
            StatusCode::OK => got += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                let after: u64 = r.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(after >= 1);
                throttled = true;
                if obey {
                    tick(app, after * 1_000);
                }
            }
            StatusCode::UNAUTHORIZED => {
                let body: Value = r.json().await.unwrap();
                if body["error"]["code"] == "step_up_required" {
                    // The attacker has the second factor too: the step-up is
                    // passed, and the budgets still hold.
                    let code = app.next_totp_code(ANN);
                    let r = s
                        .post_json("/api/v1/account/confirm", &json!({ "code": code }))
                        .await;
                    assert_eq!(r.status(), StatusCode::OK);
                    continue;
                }
                assert_eq!(
                    body["error"]["code"], "unauthenticated",
                    "after {got}: {body}"
                );
                let email: rampart_domain::Email = ANN.parse().unwrap();
                let account = app
                    .state
                    .store
                    .account_by_email(&email)
                    .await
                    .unwrap()
                    .unwrap();
                if obey && account.status == rampart_domain::AccountStatus::Active {
                    // Waiting out Retry-After outlived the session: sign in again.
                    s = app.login(ANN, PASSWORD).await;
                    continue;
                }
                return (got, throttled);
            }
            other => panic!("unexpected {other}"),
        }
    }
    panic!("never suspended after {got} documents");
}

#[tokio::test]
async fn a_token_scrape_is_throttled_then_suspended_and_alerted() {
    let (app, ids, _) = world(small_budgets(), 6, false).await;
    let token = app.token(ANN, "full", None).await;
    let ann = bearer(&app, &token);
    let (got, throttled) = scrape(&app, &ann, &ids, false).await;
    assert!(throttled, "a 429 with Retry-After came first");
    assert!(
        got <= 5,
        "contained within the budget of 5 per minute: {got}"
    );
    // The token is dead, and so is the account.
    assert_eq!(
        ann.get("/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let anon = app.anonymous();
    let r = anon
        .client
        .post(app.url("/api/v1/login"))
        .json(&json!({"email": ANN, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "suspended accounts cannot sign in (and are told they are locked)"
    );
    // One alert for the episode: raised at the first throttle, escalated to
    // the suspension, with the reasons of both.
    let alerts = alerts(&app).await;
    let ann_alerts: Vec<_> = alerts.iter().filter(|a| a["account"] == ANN).collect();
    assert_eq!(ann_alerts.len(), 1, "{alerts:?}");
    let alert = ann_alerts[0];
    assert_eq!(alert["decision"], "suspend");
    assert_eq!(alert["severity"], "critical");
    assert_eq!(alert["state"], "open");
    let reasons = alert["reasons"].as_array().unwrap();
    assert!(reasons
        .iter()
        .any(|r| r.as_str().unwrap().contains("would exceed the budget")));
    assert!(alert["credentials"][0]
        .as_str()
        .unwrap()
        .starts_with("token"));
    let audit = app.audit().await;
    assert!(audit.iter().any(|e| e.kind == "guard"
        && e.outcome == rampart_store::Outcome::Denied
        && e.detail["decision"] == "throttle"
        && !e.detail["reasons"].as_array().unwrap().is_empty()));
    let metrics = app.metrics().await;
    assert!(metrics.contains("rampart_guard_decisions_total{decision=\"throttle\"}"));
    assert!(metrics.contains("rampart_guard_decisions_total{decision=\"suspend\"}"));
}

#[tokio::test]
async fn a_session_scrape_that_obeys_retry_after_is_still_suspended_and_everything_ends() {
    let (app, ids, _) = world(small_budgets(), 6, false).await;
    let token = app.token(ANN, "full", None).await;
    let ann = app.login(ANN, PASSWORD).await;
    let (got, throttled) = scrape(&app, &ann, &ids, true).await;
    assert!(throttled);
    assert!(
        got <= 8 + 5,
        "the hourly budget and strikes bound it: {got}"
    );
    assert_eq!(
        ann.get("/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        bearer(&app, &token).get("/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED,
        "suspension revokes tokens too"
    );
    let alerts = alerts(&app).await;
    let suspend = alerts
        .iter()
        .find(|a| a["account"] == ANN && a["decision"] == "suspend")
        .expect("a suspension alert");
    assert!(suspend["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r.as_str().unwrap().contains("throttled")));
}

#[tokio::test]
async fn a_canary_download_suspends_at_once_and_unlock_restores_access() {
    let (app, ids, decoy) = world(Config::default(), 2, true).await;
    let decoy = decoy.unwrap();
    let token = app.token(ANN, "full", None).await;
    let ann = bearer(&app, &token);
    let web = app.login(ANN, PASSWORD).await;
    assert_eq!(download(&ann, &ids[0]).await.status(), StatusCode::OK);
    let r = download(&ann, &decoy).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        download(&ann, &ids[1]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        web.get("/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let found = alerts(&app).await;
    let alert = found
        .iter()
        .find(|a| a["account"] == ANN)
        .expect("an alert at once");
    assert_eq!(alert["severity"], "critical");
    assert_eq!(alert["decision"], "suspend");
    assert!(alert["reasons"][0].as_str().unwrap().contains("canary"));

    // Members cannot see or use the alert endpoints.
    app.user("bob@example.org", "NOR", None).await;
    let bob = app.login("bob@example.org", PASSWORD).await;
    assert_eq!(
        bob.get("/api/v1/security/alerts").await.status(),
        StatusCode::NOT_FOUND
    );
    let r = bob
        .post_json(
            &format!("/api/v1/security/accounts/{ANN}/unlock"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The console shows it with its buttons.
    let sec = app.login("sec@example.org", PASSWORD).await;
    let html = sec.get("/security").await.text().await.unwrap();
    assert!(html.contains("canary document"));
    assert!(html.contains(&format!("/security/alerts/{}/unlock\"", alert["id"])));
    assert!(html.contains("/security?account=ann%40example.org"));

    let r = sec
        .post_json(
            &format!("/api/v1/security/accounts/{ANN}/unlock"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["closed_alerts"], 1);
    let again = app.login(ANN, PASSWORD).await;
    assert_eq!(download(&again, &ids[1]).await.status(), StatusCode::OK);
    assert!(alerts(&app).await.iter().all(|a| a["account"] != ANN));
    assert!(app.audit().await.iter().any(|e| e.kind == "guard.unlock"));
}

#[tokio::test]
async fn restarting_keeps_the_budget_already_used() {
    let (app, ids, _) = world(small_budgets(), 6, false).await;
    let token = app.token(ANN, "full", None).await;
    let ann = bearer(&app, &token);
    for id in &ids[..4] {
        tick(&app, 3_000);
        assert_eq!(download(&ann, id).await.status(), StatusCode::OK);
    }
    let app = app.restart().await;
    let ann = bearer(&app, &token);
    tick(&app, 3_000);
    assert_eq!(download(&ann, &ids[4]).await.status(), StatusCode::OK);
    tick(&app, 3_000);
    let r = download(&ann, &ids[5]).await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the sixth download in a minute is over the budget of 5"
    );
    assert!(r.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn a_legitimate_burst_of_thirty_downloads_is_allowed() {
    // Thirty documents of a hundred: a briefing, not most of the library.
    let (app, ids, _) = world(Config::default(), 100, false).await;
    let ann = app.login(ANN, PASSWORD).await;
    let r = ann
        .get("/api/v1/portals/alpha/communities/ops/documents")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // A person: irregular pauses, not in list order.
    let gaps = [
        4_000u64, 19_000, 7_000, 42_000, 2_500, 11_000, 65_000, 5_000, 23_000,
    ];
    for i in 0..30 {
        tick(&app, gaps[i % gaps.len()]);
        let id = &ids[(i * 37) % 100];
        let r = download(&ann, id).await;
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "download {i} of a legitimate burst"
        );
    }
    assert!(alerts(&app).await.is_empty());
}

/// A webhook receiver on loopback: answers 200 to anything and hands over
/// each request body.
async fn receiver() -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = socket.read(&mut chunk).await.unwrap();
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap())
                            })
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + length {
                            let body = text[end + 4..end + 4 + length].to_owned();
                            socket
                                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                                .await
                                .unwrap();
                            tx.send(body).unwrap();
                            return;
                        }
                    }
                }
            });
        }
    });
    (url, rx)
}

fn cli(data: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .arg("--data")
        .arg(data)
        .env("RAMPART_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_is_one_ecs_line_on_stdout_and_a_webhook_post() {
    use std::io::{BufRead, BufReader};
    let (url, mut hooks) = receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    cli(data, &["admin", "portal", "add", "alpha", "Alpha"]);
    cli(data, &["admin", "community", "add", "alpha", "ops", "Ops"]);
    cli(
        data,
        &[
            "admin", "user", "add", "--email", ANN, "--name", "Ann", "--nation", "NOR",
        ],
    );
    cli(
        data,
        &["admin", "member", "add", "alpha/ops", ANN, "contributor"],
    );
    cli(
        data,
        &[
            "admin",
            "user",
            "add",
            "--email",
            "sec@example.org",
            "--name",
            "Sec",
            "--nation",
            "NOR",
            "--role",
            "security",
        ],
    );
    let token = cli(data, &["admin", "token", "add", "--email", ANN]);
    let officer = cli(
        data,
        &["admin", "token", "add", "--email", "sec@example.org"],
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .env("RAMPART_LOG", "warn")
        .env("RAMPART_GUARD__WEBHOOK_URL", &url)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("server exited").unwrap();
        if let Some(rest) = line.strip_prefix("Rampart is listening on http://") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    let http = reqwest::Client::new();
    let r = http
        .post(format!("http://{addr}/api/v1/security/canaries"))
        .bearer_auth(&officer)
        .multipart(upload_form(
            "Budget",
            "b.txt",
            b"decoy".to_vec(),
            &[("community", "alpha/ops"), ("attributed_to", ANN)],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = http
        .get(format!("http://{addr}/api/v1/documents/{id}/content"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    let ecs = tokio::task::spawn_blocking(move || {
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                return (v, lines);
            }
        }
        panic!("no ECS line");
    });
    let (ecs, _lines) = tokio::time::timeout(Duration::from_secs(20), ecs)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ecs["event"]["kind"], "alert");
    assert_eq!(ecs["event"]["severity"], 99);
    assert_eq!(ecs["user"]["email"], ANN);
    assert_eq!(ecs["source"]["ip"], "127.0.0.1");
    assert!(ecs["@timestamp"].is_string());
    assert!(ecs["message"].as_str().unwrap().contains("canary"));
    assert!(ecs["rampart"]["reasons"][0]
        .as_str()
        .unwrap()
        .contains("canary"));

    let hook = tokio::time::timeout(Duration::from_secs(20), hooks.recv())
        .await
        .unwrap()
        .unwrap();
    let hook: Value = serde_json::from_str(&hook).unwrap();
    assert_eq!(hook["account"], ANN);
    assert_eq!(hook["severity"], "critical");
    assert_eq!(hook["decision"], "suspend");
    assert_eq!(hook["state"], "open");
    child.kill().unwrap();
    child.wait().unwrap();
}
