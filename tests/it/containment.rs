//! Containment against a scraper who knows the rules: it ignores every
//! refusal, spreads over several tokens or a session, drops what looks like
//! a canary, or takes a small community whole. Default budgets and scoring
//! throughout: what a real install does.

use crate::guard::{alerts, download, tick, world, ANN};
use rampart_app::Config;
use rampart_testkit::{bearer, upload_form, Session, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Three passes over every document, one request a second, round-robin over
/// `creds`, listing first and then downloading whatever was not yet taken;
/// every refusal is ignored. Returns the documents obtained.
async fn persistent_scrape(app: &TestApp, creds: &[Session], ids: &[String]) -> usize {
    let mut got = BTreeSet::new();
    let mut turn = 0;
    for _pass in 0..3 {
        tick(app, 1_000);
        let _ = creds[turn % creds.len()]
            .get("/api/v1/portals/alpha/communities/ops/documents?limit=100")
            .await;
        for id in ids {
            if got.contains(id) {
                continue;
            }
            tick(app, 1_000);
            turn += 1;
            let r = download(&creds[turn % creds.len()], id).await;
            if r.status() == StatusCode::OK {
                got.insert(id.clone());
            }
        }
    }
    got.len()
}

/// The account is held (every request refused with a step-up) or suspended.
async fn held_or_suspended(probe: &Session, id: &str) {
    let r = download(probe, id).await;
    let status = r.status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let body: Value = r.json().await.unwrap();
    assert!(
        ["step_up_required", "unauthenticated"].contains(&body["error"]["code"].as_str().unwrap()),
        "{body}"
    );
}

/// Exactly one alert for the account's episode, with its reasons in words.
async fn one_alert(app: &TestApp) -> Value {
    let all = alerts(app).await;
    let mine: Vec<&Value> = all.iter().filter(|a| a["account"] == ANN).collect();
    assert_eq!(mine.len(), 1, "one alert per episode: {all:#?}");
    let alert = mine[0].clone();
    assert!(!alert["reasons"].as_array().unwrap().is_empty());
    assert!(["medium", "high", "critical"].contains(&alert["severity"].as_str().unwrap()));
    assert_eq!(alert["ip"], "127.0.0.1");
    assert!(!alert["documents"].as_array().unwrap().is_empty());
    assert!(alert["documents"][0]["title"]
        .as_str()
        .unwrap()
        .starts_with("Report"));
    alert
}

#[tokio::test]
async fn a_token_scrape_that_ignores_refusals_is_held_then_suspended_with_one_alert() {
    let (app, ids, _) = world(Config::default(), 60, false).await;
    let token = bearer(&app, &app.token(ANN, "full", None).await);
    let got = persistent_scrape(&app, std::slice::from_ref(&token), &ids).await;
    assert!(got <= 25, "{got} documents left");
    held_or_suspended(&token, &ids[0]).await;
    let alert = one_alert(&app).await;
    // Ignoring the hold for long enough suspends.
    assert_eq!(alert["decision"], "suspend", "{alert:#}");
    assert_eq!(alert["severity"], "critical");
    assert!(alert["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r.as_str().unwrap().contains("while held for a step-up")));
    assert!(alert["credentials"][0]
        .as_str()
        .unwrap()
        .starts_with("token"));
    assert!(alert["decisions"].as_i64().unwrap() >= 2);
}

#[tokio::test]
async fn two_tokens_share_the_hold_and_the_alert() {
    let (app, ids, _) = world(Config::default(), 60, false).await;
    let a = bearer(&app, &app.token(ANN, "full", None).await);
    let b = bearer(&app, &app.token(ANN, "full", None).await);
    let got = persistent_scrape(&app, &[a.clone(), b.clone()], &ids).await;
    assert!(got <= 25, "{got} documents left");
    held_or_suspended(&a, &ids[0]).await;
    held_or_suspended(&b, &ids[1]).await;
    let alert = one_alert(&app).await;
    assert_eq!(
        alert["credentials"].as_array().unwrap().len(),
        2,
        "{alert:#}"
    );
}

#[tokio::test]
async fn a_session_scrape_that_ignores_refusals_is_contained_too() {
    let (app, ids, _) = world(Config::default(), 60, false).await;
    let web = app.login(ANN, PASSWORD).await;
    let got = persistent_scrape(&app, std::slice::from_ref(&web), &ids).await;
    assert!(got <= 25, "{got} documents left");
    let alert = one_alert(&app).await;
    assert!(alert["credentials"][0]
        .as_str()
        .unwrap()
        .starts_with("session"));
}

/// A step-up holds every credential of the account; a token cannot lift
/// it, the owner's browser can, and a security officer can.
#[tokio::test]
async fn a_hold_is_lifted_by_the_owner_in_the_browser_not_by_a_token() {
    let mut config = Config::default();
    config.guard.scoring.step_up_at = 0;
    let (app, ids, _) = world(config, 3, false).await;
    let token = bearer(&app, &app.token(ANN, "full", None).await);
    let web = app.login(ANN, PASSWORD).await;
    let r = download(&token, &ids[0]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "step_up_required"
    );
    // The session is held as well: a listing, a view, a download.
    for path in [
        "/api/v1/portals/alpha/communities/ops/documents".to_owned(),
        format!("/api/v1/documents/{}", ids[1]),
        format!("/api/v1/documents/{}/content", ids[1]),
    ] {
        let r = web.get(&path).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    // The token cannot confirm, even with a valid code.
    let code = app.next_totp_code(ANN);
    let r = token
        .post_json("/api/v1/account/confirm", &json!({ "code": code }))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.json::<Value>().await.unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("cannot confirm"));
    assert_eq!(
        download(&token, &ids[0]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // The owner confirms in the browser: every credential works again.
    let code = app.next_totp_code(ANN);
    let r = web
        .post_json("/api/v1/account/confirm", &json!({ "code": code }))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(download(&token, &ids[0]).await.status(), StatusCode::OK);
    let alert = one_alert(&app).await;
    assert_eq!(alert["severity"], "medium");
    assert_eq!(alert["decision"], "step_up");
}

#[tokio::test]
async fn a_security_officer_releases_a_held_account() {
    let mut config = Config::default();
    config.guard.scoring.step_up_at = 0;
    let (app, ids, _) = world(config, 2, false).await;
    let token = bearer(&app, &app.token(ANN, "full", None).await);
    assert_eq!(
        download(&token, &ids[0]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let sec = app.login("sec@example.org", PASSWORD).await;
    let r = sec
        .post_json(
            &format!("/api/v1/security/accounts/{ANN}/unlock"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["closed_alerts"], 1);
    // Released: the next request is judged afresh (and with a step-up
    // threshold of 0, held again at once, with a new alert).
    let r = download(&token, &ids[0]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        alerts(&app)
            .await
            .iter()
            .filter(|a| a["account"] == ANN)
            .count(),
        1
    );
}

/// A reader whose only community holds 27 documents does not get them all,
/// and the officers are told.
#[tokio::test]
async fn a_small_community_is_not_taken_whole() {
    let (app, ids, _) = world(Config::default(), 27, false).await;
    let token = bearer(&app, &app.token(ANN, "full", None).await);
    // Irregular and out of order, as a person reads: only the share of the
    // library taken gives it away.
    let gaps = [
        3_000u64, 41_000, 1_500, 75_000, 9_000, 120_000, 2_000, 30_000,
    ];
    let mut got = 0;
    for i in 0..ids.len() {
        tick(&app, gaps[i % gaps.len()]);
        if download(&token, &ids[(i * 10) % 27]).await.status() == StatusCode::OK {
            got += 1;
        }
    }
    assert!(got < 27 * 6 / 10, "{got} of 27 taken");
    let alert = one_alert(&app).await;
    assert!(alert["reasons"].as_array().unwrap().iter().any(|r| r
        .as_str()
        .unwrap()
        .contains("of the 27 documents the account can see")));
}

/// Keys of a JSON object, sorted.
fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

/// Nothing a reader receives tells a canary from a real document, and only
/// security officers make one.
#[tokio::test]
async fn canaries_are_secret_and_only_security_officers_make_them() {
    let (app, ids, decoy) = world(Config::default(), 2, true).await;
    let decoy = decoy.unwrap();
    let ann = bearer(&app, &app.token(ANN, "full", None).await);

    let list: Value = ann
        .get("/api/v1/portals/alpha/communities/ops/documents")
        .await
        .json()
        .await
        .unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let shapes: BTreeSet<Vec<String>> = items.iter().map(keys).collect();
    assert_eq!(shapes.len(), 1, "one shape for every item: {shapes:?}");
    let markings: BTreeSet<Vec<String>> = items.iter().map(|i| keys(&i["marking"])).collect();
    assert_eq!(markings.len(), 1);
    assert!(!list.to_string().contains("canary"));
    let canary = items.iter().find(|i| i["id"] == decoy.as_str()).unwrap();
    assert_eq!(canary["filename"], "budget.txt");
    assert_ne!(
        items.iter().find(|i| i["id"] != decoy.as_str()).unwrap()["filename"],
        Value::Null
    );

    // A contributor cannot plant one, nor an administrator (who is not a
    // security officer); to them the canary endpoints do not exist.
    let carl = bearer(&app, &app.token("carl@example.org", "full", None).await);
    let r = carl
        .post_multipart(
            "/api/v1/portals/alpha/communities/ops/documents",
            upload_form("Decoy", "d.txt", b"x".to_vec(), &[("canary", "true")]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = carl
        .post_multipart(
            &format!("/api/v1/documents/{}/versions", ids[0]),
            upload_form("", "d.txt", b"x".to_vec(), &[("canary", "false")]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    app.user("root@example.org", "NOR", Some("admin")).await;
    let root = bearer(&app, &app.token("root@example.org", "full", None).await);
    for who in [&carl, &root] {
        assert_eq!(
            who.get("/api/v1/security/canaries").await.status(),
            StatusCode::NOT_FOUND
        );
        let r = who
            .client
            .put(app.url(&format!("/api/v1/security/canaries/{}", ids[0])))
            .json(&json!({"canary": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }

    // The officer lists it, and turns a real document into one.
    let sec = bearer(&app, &app.token("sec@example.org", "full", None).await);
    let listed: Value = sec
        .get("/api/v1/security/canaries")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["items"][0]["canary"], true);
    let r = sec
        .client
        .put(app.url(&format!("/api/v1/security/canaries/{}", ids[1])))
        .json(&json!({"canary": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Attributed to the community's uploader, not to the officer.
    let decoy_id: rampart_domain::DocumentId = decoy.parse().unwrap();
    let versions = app.state.store.versions(decoy_id).await.unwrap();
    assert_eq!(versions[0].uploaded_by, "carl@example.org");
    // Its metadata is never shown to a reader: looking suspends at once.
    let meta = ann.get(&format!("/api/v1/documents/{decoy}")).await;
    assert_eq!(meta.status(), StatusCode::UNAUTHORIZED);
    let meta = meta.text().await.unwrap();
    assert!(!meta.to_string().contains("canary"));
    let audit = app.audit().await;
    assert!(audit.iter().any(|e| e.kind == "canary.plant"
        && e.account.as_deref() == Some("sec@example.org")
        && e.detail["attributed_to"] == "carl@example.org"));
    assert!(audit.iter().any(|e| e.kind == "canary.set"));
    // Viewing the metadata of the canary suspended ann at once.
    assert_eq!(
        alerts(&app)
            .await
            .iter()
            .filter(|a| a["account"] == ANN)
            .count(),
        1
    );
}

/// The console's canary page: officers list, plant and turn documents into
/// canaries; an administrator finds nothing there.
#[tokio::test]
async fn the_console_plants_and_lists_canaries_for_officers_only() {
    let (app, ids, _) = world(Config::default(), 2, false).await;
    let sec = app.login("sec@example.org", PASSWORD).await;
    let page = sec.get("/security/canaries").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("No canaries yet"));
    let r = sec
        .post_multipart(
            "/security/canaries",
            upload_form(
                "Fuel plan annex",
                "annex.txt",
                b"annex".to_vec(),
                &[("community", "alpha/ops")],
            ),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = sec
        .post_form(
            "/security/canaries/set",
            &[("id", ids[0].as_str()), ("canary", "true")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = sec.get("/security/canaries").await.text().await.unwrap();
    assert!(html.contains("Fuel plan annex") && html.contains("Report 0"));
    assert!(html.contains("carl@example.org"));
    app.user("root@example.org", "NOR", Some("admin")).await;
    let root = app.login("root@example.org", PASSWORD).await;
    assert_eq!(
        root.get("/security/canaries").await.status(),
        StatusCode::NOT_FOUND
    );
    // An administrator's document page has no canary line either.
    app.member("alpha/ops", "root@example.org", "reader").await;
    let page = root.get(&format!("/d/{}", ids[1])).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(!page.text().await.unwrap().to_lowercase().contains("canary"));
}
