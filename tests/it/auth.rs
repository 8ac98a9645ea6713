use rampart_testkit::{bearer, upload_form, TestApp, PASSWORD};
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn one_time_password_must_be_changed_first() {
    let app = TestApp::spawn().await;
    let (email, otp) = app.first_admin.clone();
    let anon = app.anonymous();
    let r = anon
        .post_json("/api/v1/login", &json!({"email": email, "password": otp}))
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("HttpOnly; SameSite=Strict"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "password_change_required");
    let session = anon.with_csrf(body["csrf"].as_str().unwrap());
    // Limited to the password change.
    assert_eq!(session.get("/api/v1/me").await.status(), 403);
    let short = session
        .post_json(
            "/api/v1/account/password",
            &json!({"current": otp, "new": "short"}),
        )
        .await;
    assert_eq!(short.status(), 422);
    let wrong = session
        .post_json(
            "/api/v1/account/password",
            &json!({"current": "nope", "new": PASSWORD}),
        )
        .await;
    assert_eq!(wrong.status(), 401);
    let ok = session
        .post_json(
            "/api/v1/account/password",
            &json!({"current": otp, "new": PASSWORD}),
        )
        .await;
    assert_eq!(ok.status(), 200);
    // Then the second factor is enrolled, before anything else.
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["status"], "enroll_second_factor");
    assert_eq!(body["methods"], json!(["totp"]));
    let session = session.with_csrf(body["csrf"].as_str().unwrap());
    assert_eq!(session.get("/api/v1/me").await.status(), 403);
    let enrollment: Value = session
        .post_json("/api/v1/account/totp", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let secret = enrollment["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 32, "160 bits in base32");
    assert!(enrollment["uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    app.remember_totp(&email, secret, -1);
    let confirm = session
        .post_json(
            "/api/v1/account/totp/confirm",
            &json!({"code": app.next_totp_code(&email)}),
        )
        .await;
    assert_eq!(confirm.status(), 200);
    let body: Value = confirm.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["recovery_codes"].as_array().unwrap().len(), 10);
    let session = session.with_csrf(body["csrf"].as_str().unwrap());
    let me: Value = session.get("/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["email"], email.as_str());
    assert_eq!(me["roles"], json!(["admin"]));
    // The one-time password no longer works; the new one does.
    let r = app
        .anonymous()
        .post_json("/api/v1/login", &json!({"email": email, "password": otp}))
        .await;
    assert_eq!(r.status(), 401);
    let fresh = app.login(&email, PASSWORD).await;
    assert_eq!(fresh.get("/api/v1/me").await.status(), 200);
}

#[tokio::test]
async fn failed_and_successful_sign_ins_are_audited() {
    let app = TestApp::spawn().await;
    app.user("ann@example.org", "NOR", None).await;
    let anon = app.anonymous();
    for (email, password) in [
        ("ann@example.org", "wrong password!"),
        ("nobody@example.org", PASSWORD),
        ("' OR 1=1; --", "x"),
    ] {
        let r = anon
            .post_json(
                "/api/v1/login",
                &json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(r.status(), 401, "{email}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_credentials");
    }
    // Control characters in the email are refused as such (422, before
    // any lookup), and audited like the other failures.
    let r = anon
        .post_json(
            "/api/v1/login",
            &json!({"email": "ann@example.org\u{0}", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid");
    let huge = "a".repeat(100_000);
    let r = anon
        .post_json("/api/v1/login", &json!({"email": huge, "password": huge}))
        .await;
    assert!(r.status() == 413 || r.status() == 401, "{}", r.status());
    app.login("ann@example.org", PASSWORD).await;
    let logins: Vec<_> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.kind == "login")
        .collect();
    let failed = logins
        .iter()
        .filter(|e| e.outcome == rampart_store::Outcome::Failed)
        .count();
    let ok = logins
        .iter()
        .filter(|e| e.outcome == rampart_store::Outcome::Ok)
        .count();
    assert_eq!((failed, ok), (4, 1), "{logins:#?}");
    assert_eq!(
        logins.last().unwrap().account.as_deref(),
        Some("ann@example.org")
    );
}

#[tokio::test]
async fn csrf_is_required_for_unsafe_cookie_requests() {
    let app = TestApp::spawn().await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.user("ann@example.org", "NOR", None).await;
    app.member("alpha/ops", "ann@example.org", "contributor")
        .await;
    let session = app.login("ann@example.org", PASSWORD).await;
    let path = "/api/v1/portals/alpha/communities/ops/documents";
    let no_csrf = session
        .client
        .post(app.url(path))
        .multipart(upload_form("t", "a.txt", b"x".to_vec(), &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(no_csrf.status(), 403);
    let bad_csrf = session
        .client
        .post(app.url(path))
        .header("x-csrf-token", "0".repeat(64))
        .multipart(upload_form("t", "a.txt", b"x".to_vec(), &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_csrf.status(), 403);
    let logout = session
        .client
        .post(app.url("/api/v1/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 403);
    let ok = session
        .post_multipart(path, upload_form("t", "a.txt", b"x".to_vec(), &[]))
        .await;
    assert_eq!(ok.status(), 201);
    assert!(app.audit().await.iter().any(|e| e.kind == "csrf"));
    // Bearer tokens carry no ambient authority and need no CSRF token.
    let token = app.token("ann@example.org", "full", None).await;
    let r = bearer(&app, &token)
        .post_multipart(path, upload_form("t2", "b.txt", b"y".to_vec(), &[]))
        .await;
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn sessions_expire_when_idle_and_absolutely() {
    let app = TestApp::spawn().await;
    app.user("ann@example.org", "NOR", None).await;
    let idle = app.login("ann@example.org", PASSWORD).await;
    app.clock.advance(Duration::from_secs(29 * 60));
    assert_eq!(idle.get("/api/v1/me").await.status(), 200);
    app.clock.advance(Duration::from_secs(31 * 60));
    assert_eq!(idle.get("/api/v1/me").await.status(), 401);

    let busy = app.login("ann@example.org", PASSWORD).await;
    for _ in 0..35 {
        app.clock.advance(Duration::from_secs(20 * 60));
        assert_eq!(busy.get("/api/v1/me").await.status(), 200);
    }
    app.clock.advance(Duration::from_secs(20 * 60)); // 12 h 0 min after sign-in
    assert_eq!(busy.get("/api/v1/me").await.status(), 401);
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = TestApp::spawn().await;
    app.user("ann@example.org", "NOR", None).await;
    let s = app.login("ann@example.org", PASSWORD).await;
    assert_eq!(
        s.post_json("/api/v1/logout", &json!({})).await.status(),
        200
    );
    assert_eq!(s.get("/api/v1/me").await.status(), 401);
}

#[tokio::test]
async fn tokens_expire_are_revocable_and_scoped() {
    let app = TestApp::spawn().await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.community("alpha", "intel").await;
    app.user("ann@example.org", "NOR", None).await;
    app.member("alpha/ops", "ann@example.org", "contributor")
        .await;
    app.member("alpha/intel", "ann@example.org", "contributor")
        .await;
    let upload = |s: rampart_testkit::Session, c: &'static str| async move {
        s.post_multipart(
            &format!("/api/v1/portals/alpha/communities/{c}/documents"),
            upload_form("t", "a.txt", b"x".to_vec(), &[]),
        )
        .await
        .status()
    };

    let expiring = app
        .token("ann@example.org", "full", Some(time::Duration::days(30)))
        .await;
    assert!(expiring.starts_with("rmp_") && expiring.len() == 68);
    assert_eq!(
        bearer(&app, &expiring).get("/api/v1/me").await.status(),
        200
    );
    app.clock.advance(Duration::from_secs(31 * 86_400));
    assert_eq!(
        bearer(&app, &expiring).get("/api/v1/me").await.status(),
        401
    );

    let read_only = app.token("ann@example.org", "read", None).await;
    assert_eq!(
        bearer(&app, &read_only)
            .get("/api/v1/portals/alpha/communities/ops/documents")
            .await
            .status(),
        200
    );
    assert_eq!(upload(bearer(&app, &read_only), "ops").await, 403);

    let ops_only = app.token("ann@example.org", "alpha/ops", None).await;
    assert_eq!(upload(bearer(&app, &ops_only), "ops").await, 201);
    assert_eq!(upload(bearer(&app, &ops_only), "intel").await, 404);

    // Revocation through the store (the account page comes with the identity work).
    let ann = app
        .state
        .store
        .account_by_email(&"ann@example.org".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let tokens = app.state.store.tokens_of(ann.id).await.unwrap();
    let now = rampart_domain::Clock::now(&*app.clock);
    for t in &tokens {
        app.state
            .store
            .revoke_token(t.account, &t.id, now)
            .await
            .unwrap();
    }
    assert_eq!(
        bearer(&app, &ops_only).get("/api/v1/me").await.status(),
        401
    );
    assert_eq!(
        bearer(&app, "rmp_nonsense")
            .get("/api/v1/me")
            .await
            .status(),
        401
    );
    assert_eq!(
        bearer(&app, &format!("rmp_{}", "0".repeat(64)))
            .get("/api/v1/me")
            .await
            .status(),
        401
    );
    let denied: Vec<_> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.kind == "token")
        .collect();
    assert!(
        denied.iter().any(|e| e.detail["reason"] == "expired"),
        "{denied:#?}"
    );
    assert!(
        denied.iter().any(|e| e.detail["reason"] == "revoked"),
        "{denied:#?}"
    );
}

/// One request, one credential: a good bearer token beside a made-up
/// session cookie (or a good session beside a made-up token) is refused,
/// as JSON, and each credential alone works.
#[tokio::test]
async fn a_request_with_two_credentials_is_refused_whatever_they_are_worth() {
    let app = TestApp::spawn().await;
    app.user("ann@example.org", "NOR", None).await;
    let token = app.token("ann@example.org", "read", None).await;
    let client = reqwest::Client::new();
    let alone = client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(alone.status(), 200);
    let both = client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .header("cookie", "rampart_session=00ff00ff")
        .send()
        .await
        .unwrap();
    assert_eq!(both.status(), 401);
    let body: Value = both.json().await.unwrap();
    assert_eq!(body["error"]["code"], "ambiguous_credentials");

    let ann = app.login("ann@example.org", PASSWORD).await;
    assert_eq!(ann.get("/api/v1/me").await.status(), 200);
    let with_forged_token = ann
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(with_forged_token.status(), 401);
}
