//! Identity: the second factor (enrollment, TOTP with drift and replay,
//! malformed codes, recovery codes), what a half-signed-in session may do,
//! the sign-in throttle and the credential-stuffing detector, passwords,
//! and the account's own sessions and tokens.

use rampart_app::Config;
use rampart_testkit::{bearer, upload_form, Session, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

const ANN: &str = "ann@example.org";

/// A server that believes `X-Forwarded-For` from the test client.
async fn behind_proxy() -> TestApp {
    let mut config = Config::default();
    config.guard.scoring.regularity_min_gaps = u32::MAX;
    config.http.trusted_proxies = vec!["127.0.0.1/32".into()];
    TestApp::spawn_with(config).await
}

/// The password step only: a session in the `second_factor` stage.
async fn password_only(app: &TestApp, email: &str) -> Session {
    let anon = app.anonymous();
    let r = anon
        .post_json(
            "/api/v1/login",
            &json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "second_factor_required");
    assert_eq!(body["methods"], json!(["totp", "recovery"]));
    anon.with_csrf(body["csrf"].as_str().unwrap())
}

async fn totp(session: &Session, code: &str) -> reqwest::Response {
    session
        .post_json("/api/v1/login/totp", &json!({ "code": code }))
        .await
}

/// The first administrator through the whole first sign-in: one-time
/// password, new password, enrollment. Returns the session and the
/// recovery codes.
async fn first_sign_in(app: &TestApp) -> (Session, Vec<String>) {
    let (email, otp) = app.first_admin.clone();
    let anon = app.anonymous();
    let body: Value = anon
        .post_json("/api/v1/login", &json!({"email": email, "password": otp}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "password_change_required");
    let s = anon.with_csrf(body["csrf"].as_str().unwrap());
    let weak = s
        .post_json(
            "/api/v1/account/password",
            &json!({"current": otp, "new": "passwordpassword"}),
        )
        .await;
    assert_eq!(weak.status(), 422, "guessable passwords are refused");
    let message = weak.json::<Value>().await.unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("too easy to guess"), "{message}");
    let body: Value = s
        .post_json(
            "/api/v1/account/password",
            &json!({"current": otp, "new": PASSWORD}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "enroll_second_factor");
    let s = s.with_csrf(body["csrf"].as_str().unwrap());
    let secret: Value = s
        .post_json("/api/v1/account/totp", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    app.remember_totp(&email, secret["secret"].as_str().unwrap(), -1);
    let r = s
        .post_json(
            "/api/v1/account/totp/confirm",
            &json!({"code": app.next_totp_code(&email)}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    let codes = body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    (s.with_csrf(body["csrf"].as_str().unwrap()), codes)
}

#[tokio::test]
async fn totp_accepts_one_step_of_drift_and_each_code_once() {
    let app = TestApp::spawn().await;
    app.user(ANN, "NOR", None).await;
    let now = app.totp_step();

    let s = password_only(&app, ANN).await;
    assert_eq!(
        totp(&s, &app.totp_code_at(ANN, now + 2)).await.status(),
        401
    );
    assert_eq!(
        totp(&s, &app.totp_code_at(ANN, now - 2)).await.status(),
        401
    );
    let r = totp(&s, &app.totp_code_at(ANN, now - 1)).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    let full = s.with_csrf(body["csrf"].as_str().unwrap());
    assert_eq!(full.get("/api/v1/me").await.status(), 200);

    // One step ahead is accepted too, and then the code is spent.
    let s = password_only(&app, ANN).await;
    let ahead = app.totp_code_at(ANN, now + 1);
    assert_eq!(totp(&s, &ahead).await.status(), 200);
    app.mark_totp_used(ANN, now + 1);
    let s = password_only(&app, ANN).await;
    let replay = totp(&s, &ahead).await;
    assert_eq!(replay.status(), 401, "a code works once");
    assert_eq!(
        replay.json::<Value>().await.unwrap()["error"]["code"],
        "bad_second_factor"
    );
    // An older step than one already used is refused as well.
    assert_eq!(totp(&s, &app.totp_code_at(ANN, now)).await.status(), 401);
    app.clock.advance(Duration::from_secs(60));
    assert_eq!(totp(&s, &app.next_totp_code(ANN)).await.status(), 200);

    let used: Vec<_> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.kind == "login_totp")
        .collect();
    assert_eq!(
        used.iter()
            .filter(|e| e.outcome == rampart_store::Outcome::Failed)
            .count(),
        4
    );
}

#[tokio::test]
async fn malformed_codes_are_refused_clearly_and_audited() {
    let app = TestApp::spawn().await;
    app.user(ANN, "NOR", None).await;
    let s = password_only(&app, ANN).await;
    let long = "1".repeat(10_000);
    for code in ["", "12345", "1234567", "abcdef", long.as_str()] {
        let r = totp(&s, code).await;
        assert_eq!(r.status(), 422, "{:.20}", code);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("6 digits"));
    }
    let r = s
        .post_json("/api/v1/login/totp", &json!({"code": 123456}))
        .await;
    assert!(r.status().is_client_error(), "{}", r.status());
    let r = s
        .post_json(
            "/api/v1/login/recovery",
            &json!({"code": "x".repeat(10_000)}),
        )
        .await;
    assert_eq!(r.status(), 422);
    // Six wrong answers so far: the factor is throttled for a moment.
    let r = totp(&s, "000000").await;
    assert!(r.status() == 401 || r.status() == 429, "{}", r.status());
    let r = totp(&s, "000000").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "throttled"
    );
    app.clock.advance(Duration::from_secs(20));
    assert_eq!(totp(&s, &app.next_totp_code(ANN)).await.status(), 200);
    let malformed = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.kind.starts_with("login_") && e.detail["reason"] == "malformed code")
        .count();
    assert_eq!(malformed, 6);
}

#[tokio::test]
async fn recovery_codes_work_once() {
    let app = TestApp::spawn().await;
    let (s, codes) = first_sign_in(&app).await;
    assert_eq!(codes.len(), 10);
    assert_eq!(s.get("/api/v1/me").await.status(), 200);
    let email = app.first_admin.0.clone();
    let s = password_only(&app, &email).await;
    let r = s
        .post_json("/api/v1/login/recovery", &json!({"code": codes[0]}))
        .await;
    assert_eq!(r.status(), 200);
    let s = password_only(&app, &email).await;
    let again = s
        .post_json("/api/v1/login/recovery", &json!({"code": codes[0]}))
        .await;
    assert_eq!(again.status(), 401, "used up");
    let typed = codes[1].to_uppercase().replace('-', " ");
    let r = s
        .post_json("/api/v1/login/recovery", &json!({ "code": typed }))
        .await;
    assert_eq!(r.status(), 200, "case and separators do not matter");
    let last = app
        .audit()
        .await
        .into_iter()
        .rfind(|e| e.kind == "login_recovery")
        .unwrap();
    assert_eq!(last.detail["recovery_codes_left"], 8);
}

#[tokio::test]
async fn pending_sessions_reach_nothing_but_their_step() {
    let app = TestApp::spawn().await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.user(ANN, "NOR", None).await;
    app.member("alpha/ops", ANN, "contributor").await;
    let full = app.login(ANN, PASSWORD).await;
    let r = full
        .post_multipart(
            "/api/v1/portals/alpha/communities/ops/documents",
            upload_form("t", "a.txt", b"x".to_vec(), &[]),
        )
        .await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let pending = password_only(&app, ANN).await;
    for path in [
        "/api/v1/me".to_owned(),
        "/api/v1/portals".to_owned(),
        format!("/api/v1/documents/{id}"),
        format!("/api/v1/documents/{id}/content"),
        "/api/v1/account/sessions".to_owned(),
    ] {
        let r = pending.get(&path).await;
        assert_eq!(r.status(), 403, "{path}");
        assert_eq!(
            r.json::<Value>().await.unwrap()["error"]["code"],
            "sign_in_incomplete"
        );
    }
    let r = pending
        .post_multipart(
            "/api/v1/portals/alpha/communities/ops/documents",
            upload_form("t", "b.txt", b"y".to_vec(), &[]),
        )
        .await;
    assert_eq!(r.status(), 403);
    // Nor another stage's step.
    assert_eq!(
        pending
            .post_json("/api/v1/account/totp", &json!({}))
            .await
            .status(),
        403
    );
    // Pages send it back to its step.
    for path in ["/", "/p/alpha/ops", &format!("/d/{id}"), "/account"] {
        let r = pending.get(path).await;
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(r.headers()["location"], "/login/second-factor");
    }
    assert_eq!(pending.get("/login/second-factor").await.status(), 200);
    // And only for a while: a half-signed-in session lasts 15 minutes.
    app.clock.advance(Duration::from_secs(15 * 60));
    let late = totp(&pending, &app.next_totp_code(ANN)).await;
    assert_eq!(late.status(), 401);
    assert_eq!(
        late.json::<Value>().await.unwrap()["error"]["code"],
        "unauthenticated"
    );
}

#[tokio::test]
async fn stuffing_from_one_source_is_throttled_and_alerted_while_others_sign_in() {
    let app = behind_proxy().await;
    app.user("sec@example.org", "NOR", Some("security")).await;
    let victims: Vec<String> = (0..50).map(|i| format!("user{i}@example.org")).collect();
    for v in &victims {
        app.user(v, "NOR", None).await;
    }
    let attacker = app.anonymous_from("203.0.113.66", "stuffer/1.0");
    // Ten connections, each cycling through five of the fifty accounts.
    let mut workers = Vec::new();
    for w in 0..10 {
        let attacker = attacker.clone();
        let mine: Vec<String> = victims.iter().skip(w).step_by(10).cloned().collect();
        workers.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for n in 0..200 {
                let victim = &mine[n % mine.len()];
                let r = attacker
                    .post_json(
                        "/api/v1/login",
                        &json!({"email": victim, "password": format!("guess {w} {n} abcdefgh")}),
                    )
                    .await;
                if r.status() == 429 {
                    assert!(r.headers().contains_key("retry-after"));
                }
                statuses.push(r.status().as_u16());
            }
            statuses
        }));
    }
    // Meanwhile the owner of one of the attacked accounts signs in from
    // elsewhere: the attack does not lock them out.
    let owner = app
        .login_from(&victims[7], PASSWORD, "198.51.100.20", "Firefox")
        .await;
    assert_eq!(owner.get("/api/v1/me").await.status(), 200);
    let mut statuses = Vec::new();
    for w in workers {
        statuses.extend(w.await.unwrap());
    }
    assert_eq!(statuses.len(), 2000);
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 0);
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert!(throttled >= 1900, "{throttled} of 2000 throttled");
    // And after the attack, too.
    let owner = app
        .login_from(&victims[7], PASSWORD, "198.51.100.20", "Firefox")
        .await;
    assert_eq!(owner.get("/api/v1/me").await.status(), 200);

    let sec = app.login("sec@example.org", PASSWORD).await;
    let alerts: Value = sec
        .get("/api/v1/security/alerts")
        .await
        .json()
        .await
        .unwrap();
    let stuffing: Vec<&Value> = alerts["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| {
            a["reasons"][0]
                .as_str()
                .unwrap()
                .contains("credential stuffing")
        })
        .collect();
    assert_eq!(
        stuffing.len(),
        1,
        "one alert per source and hour: {alerts:#}"
    );
    assert!(stuffing[0]["reasons"][0]
        .as_str()
        .unwrap()
        .contains("203.0.113.66"));
    let denied = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.kind == "login" && e.detail["reason"] == "throttled")
        .count();
    assert_eq!(denied, throttled, "every refusal is audited");
}

#[tokio::test]
async fn one_account_from_many_sources_is_alerted_and_its_owner_still_signs_in() {
    let app = behind_proxy().await;
    app.user("sec@example.org", "NOR", None).await;
    app.user(ANN, "NOR", None).await;
    for i in 0..12 {
        let r = app
            .anonymous_from(&format!("192.0.{i}.9"), "bot")
            .post_json(
                "/api/v1/login",
                &json!({"email": ANN, "password": "not her password at all"}),
            )
            .await;
        assert_eq!(r.status(), 401);
    }
    // The account key now blocks failing sources...
    let r = app
        .anonymous_from("192.0.3.9", "bot")
        .post_json(
            "/api/v1/login",
            &json!({"email": ANN, "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        r.status(),
        429,
        "a failing source is refused even with the password"
    );
    // ...but not a clean one.
    let ann = app
        .login_from(ANN, PASSWORD, "198.51.100.1", "Safari")
        .await;
    assert_eq!(ann.get("/api/v1/me").await.status(), 200);
    let alerts = app.state.store.alerts(true, 50).await.unwrap();
    assert!(
        alerts
            .iter()
            .any(|a| a.account == ANN && a.reasons[0].contains("password guessing")),
        "{alerts:?}"
    );
}

#[tokio::test]
async fn oversized_or_control_character_emails_are_422_and_audited() {
    let app = TestApp::spawn().await;
    let anon = app.anonymous();
    for email in [
        "a".repeat(300) + "@example.org",
        "ann@exa\u{7}mple.org".into(),
    ] {
        let r = anon
            .post_json("/api/v1/login", &json!({"email": email, "password": "x"}))
            .await;
        assert_eq!(r.status(), 422);
        let message = r.json::<Value>().await.unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains("254"), "{message}");
    }
    let audited = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.kind == "login" && e.account.as_deref() == Some("(malformed)"))
        .count();
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn old_password_hashes_are_redone_at_sign_in() {
    use argon2::{
        password_hash::{PasswordHasher, SaltString},
        Algorithm, Argon2, Params, Version,
    };
    let app = TestApp::spawn().await;
    app.user(ANN, "NOR", None).await;
    let old = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(8 * 1024, 1, 1, None).unwrap(),
    )
    .hash_password(
        PASSWORD.as_bytes(),
        &SaltString::encode_b64(b"0123456789abcdef").unwrap(),
    )
    .unwrap()
    .to_string();
    let ann = app
        .state
        .store
        .account_by_email(&ANN.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    app.state
        .store
        .set_password(ann.id, &old, false)
        .await
        .unwrap();
    app.login(ANN, PASSWORD).await;
    let now = app
        .state
        .store
        .account_by_id(ann.id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        now.password_hash.contains("m=19456,t=2,p=1"),
        "{}",
        now.password_hash
    );
    app.login(ANN, PASSWORD).await;
}

#[tokio::test]
async fn exempt_roles_sign_in_with_a_password_only() {
    let mut config = Config::default();
    config.identity.exempt_roles = vec![rampart_domain::InstallRole::Security];
    let app = TestApp::spawn_with(config).await;
    app.user("sec@example.org", "NOR", Some("security")).await;
    app.user(ANN, "NOR", None).await;
    let body: Value = app
        .anonymous()
        .post_json(
            "/api/v1/login",
            &json!({"email": "sec@example.org", "password": PASSWORD}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "ok");
    password_only(&app, ANN).await;
}

#[tokio::test]
async fn owners_see_and_end_their_sessions_and_tokens() {
    let app = behind_proxy().await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.community("alpha", "intel").await;
    app.user(ANN, "NOR", None).await;
    app.member("alpha/ops", ANN, "reader").await;
    let laptop = app.login_from(ANN, PASSWORD, "192.0.2.10", "Laptop").await;
    let phone = app.login_from(ANN, PASSWORD, "198.51.100.7", "Phone").await;

    // A sign-in from a device never seen before is a notice and an event.
    assert!(app
        .audit()
        .await
        .iter()
        .any(|e| e.kind == "new_device" && e.detail["network"] == "198.51.100.0/24"));
    let page = laptop.get("/account").await.text().await.unwrap();
    assert!(
        page.contains("New sign-in device: Phone from 198.51.100.0/24"),
        "{page}"
    );
    assert!(page.contains("this session") && page.contains("192.0.2.10"));
    assert!(page.contains("(TOTP) set up; 10 of 10 recovery codes left"));
    let home = laptop.get("/").await.text().await.unwrap();
    assert!(home.contains("href=\"/account\""), "linked from the header");

    let list: Value = laptop
        .get("/api/v1/account/sessions")
        .await
        .json()
        .await
        .unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let other = items.iter().find(|s| s["current"] == false).unwrap();
    assert_eq!(other["user_agent"], "Phone");
    assert_eq!(
        phone
            .delete("/api/v1/account/sessions/s-0000")
            .await
            .status(),
        404
    );
    let id = other["id"].as_str().unwrap();
    assert_eq!(
        laptop
            .delete(&format!("/api/v1/account/sessions/{id}"))
            .await
            .status(),
        204
    );
    assert_eq!(phone.get("/api/v1/me").await.status(), 401);

    // Tokens: created with a scope, shown once, used, listed, revoked.
    let r = laptop
        .post_json(
            "/api/v1/account/tokens",
            &json!({"name": "sync", "scope": "alpha/intel"}),
        )
        .await;
    assert_eq!(r.status(), 422, "not a member there");
    let r = laptop
        .post_json(
            "/api/v1/account/tokens",
            &json!({"name": "sync", "scope": "read", "expires_days": 30}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let token = created["token"].as_str().unwrap();
    let script = bearer(&app, token);
    assert_eq!(script.get("/api/v1/me").await.status(), 200);
    assert_eq!(
        script.get("/api/v1/account/tokens").await.status(),
        403,
        "a token cannot manage tokens"
    );
    let tokens: Value = laptop
        .get("/api/v1/account/tokens")
        .await
        .json()
        .await
        .unwrap();
    let listed = &tokens["items"][0];
    assert_eq!(listed["name"], "sync");
    assert_eq!(listed["scope"], "read");
    assert!(listed["last_used"].is_string());
    assert!(listed.get("token").is_none());
    let token_id = created["id"].as_str().unwrap();
    let page = laptop.get("/account").await.text().await.unwrap();
    assert!(page.contains(&format!("/account/tokens/{token_id}/revoke")));
    assert_eq!(
        laptop
            .post_form(&format!("/account/tokens/{token_id}/revoke"), &[])
            .await
            .status(),
        303
    );
    assert_eq!(script.get("/api/v1/me").await.status(), 401);

    // The page creates tokens too, and signs out everywhere else.
    let r = laptop
        .post_form(
            "/account/tokens",
            &[("name", "backup"), ("scope", "alpha/ops"), ("days", "7")],
        )
        .await;
    assert_eq!(r.status(), 201);
    assert!(r.text().await.unwrap().contains("id=\"new-token\">rmp_"));
    let tablet = app.login_from(ANN, PASSWORD, "192.0.2.10", "Tablet").await;
    assert_eq!(
        laptop
            .post_form("/account/sessions/end-others", &[])
            .await
            .status(),
        303
    );
    assert_eq!(tablet.get("/api/v1/me").await.status(), 401);
    assert_eq!(laptop.get("/api/v1/me").await.status(), 200);
    assert_eq!(
        laptop
            .client
            .post(app.url("/account/sessions/end-others"))
            .send()
            .await
            .unwrap()
            .status(),
        403,
        "forms need the CSRF token"
    );
}
