//! Second-factor enrollment keeps its key: the secret shown first stays
//! pending (sealed at rest, bound to the session that was shown it) across
//! reloads, wrong codes and repeated API calls, until a code confirms it or
//! the owner asks for a new key. Regression: every load of
//! `/account/second-factor` made a new secret, so the key already scanned
//! never worked again and a new user could be locked out at sign-up.

use rampart_app::admin::{self, AccountInput, Actor};
use rampart_testkit::{csrf_of, Session, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

const ANN: &str = "ann@example.org";

/// An account with its password set and no second factor yet: its next
/// sign-in lands in the enrollment stage.
async fn account_without_factor(app: &TestApp, email: &str) {
    let (id, _) = admin::create_account(
        &app.state,
        Actor::Console,
        AccountInput {
            email,
            name: "Test User",
            nation: "NOR",
            admin: false,
            security: false,
        },
    )
    .await
    .unwrap();
    let hash = rampart_identity::hash_password(PASSWORD).await.unwrap();
    app.state
        .store
        .set_password(id, &hash, false)
        .await
        .unwrap();
}

/// A session in the `enroll_second_factor` stage, through the API.
async fn enrolling(app: &TestApp, email: &str) -> Session {
    let anon = app.anonymous();
    let body: Value = anon
        .post_json(
            "/api/v1/login",
            &json!({"email": email, "password": PASSWORD}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "enroll_second_factor");
    anon.with_csrf(body["csrf"].as_str().unwrap())
}

/// The current code of a base32 secret.
fn code_of(app: &TestApp, secret: &str) -> String {
    let secret = rampart_identity::totp::secret_from_base32(secret).unwrap();
    rampart_identity::totp::code_at(&secret, app.totp_step())
}

/// The key shown on an enrollment page.
fn key_on(page: &str) -> String {
    let start = page.find("id=\"totp-secret\">").expect("a key") + 17;
    page[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

async fn begin(s: &Session, body: Value) -> (StatusCode, Value) {
    let r = s.post_json("/api/v1/account/totp", &body).await;
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

async fn confirm(s: &Session, code: &str) -> (StatusCode, Value) {
    let r = s
        .post_json("/api/v1/account/totp/confirm", &json!({ "code": code }))
        .await;
    (r.status(), r.json().await.unwrap())
}

async fn totp_enroll_events(app: &TestApp) -> usize {
    app.audit()
        .await
        .iter()
        .filter(|e| e.kind == "totp.enroll" && e.account.as_deref() == Some(ANN))
        .count()
}

#[tokio::test]
async fn the_enrollment_page_keeps_its_key_across_reloads_and_wrong_codes() {
    let app = TestApp::spawn().await;
    account_without_factor(&app, ANN).await;
    let (client, r) = app.browser_sign_in(ANN, PASSWORD).await;
    assert_eq!(r.headers()["location"], "/account/second-factor");
    let mut keys = Vec::new();
    for _ in 0..3 {
        let page = client
            .get(app.url("/account/second-factor"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(r#"action="/account/second-factor/new""#),
            "{page}"
        );
        keys.push(key_on(&page));
    }
    let first = keys[0].clone();
    assert_eq!(first.len(), 32);
    assert!(keys.iter().all(|k| *k == first), "{keys:?}");

    // A wrong code shows the same key again.
    let csrf = csrf_of(&client, &app, "/account/second-factor").await;
    let action = app.url(&format!("/account/second-factor?csrf={csrf}"));
    let wrong = format!(
        "{:06}",
        (code_of(&app, &first).parse::<u32>().unwrap() + 1) % 1_000_000
    );
    let r = client
        .post(&action)
        .form(&[("code", wrong.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let page = r.text().await.unwrap();
    assert!(page.contains("That code is wrong"));
    assert_eq!(key_on(&page), first);

    // The first key shown confirms.
    let r = client
        .post(&action)
        .form(&[("code", code_of(&app, &first))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap().matches("<li><code>").count(), 10);
    assert_eq!(totp_enroll_events(&app).await, 1, "one key was made");
}

#[tokio::test]
async fn new_key_on_the_page_replaces_the_pending_one() {
    let app = TestApp::spawn().await;
    account_without_factor(&app, ANN).await;
    let (client, _) = app.browser_sign_in(ANN, PASSWORD).await;
    let page = |client: reqwest::Client| {
        let url = app.url("/account/second-factor");
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let old = key_on(&page(client.clone()).await);
    let csrf = csrf_of(&client, &app, "/account/second-factor").await;
    let r = client
        .post(app.url("/account/second-factor/new"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "forms need the CSRF token"
    );
    let r = client
        .post(app.url(&format!("/account/second-factor/new?csrf={csrf}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/account/second-factor");
    let new = key_on(&page(client.clone()).await);
    assert_ne!(new, old);
    assert_eq!(key_on(&page(client.clone()).await), new, "and it stays");
    let action = app.url(&format!("/account/second-factor?csrf={csrf}"));
    let r = client
        .post(&action)
        .form(&[("code", code_of(&app, &old))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "the old key is gone");
    let r = client
        .post(&action)
        .form(&[("code", code_of(&app, &new))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_api_answers_the_same_secret_until_asked_for_a_new_one() {
    let app = TestApp::spawn().await;
    account_without_factor(&app, ANN).await;
    let s = enrolling(&app, ANN).await;
    let (status, first) = begin(&s, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, again) = begin(&s, json!({})).await;
    assert_eq!(again, first, "same secret and URI");
    // A body is optional; `"new": false` is the default.
    let r = s
        .client
        .post(app.url("/api/v1/account/totp"))
        .header("x-csrf-token", &s.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), first);
    assert_eq!(begin(&s, json!({"new": false})).await.1, first);
    assert!(begin(&s, json!({"fresh": true})).await.0.is_client_error());

    let (status, fresh) = begin(&s, json!({"new": true})).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(fresh["secret"], first["secret"]);
    assert_eq!(begin(&s, json!({})).await.1, fresh, "the new one stays");
    let old = first["secret"].as_str().unwrap();
    let (status, body) = confirm(&s, &code_of(&app, old)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old secret fails");
    assert_eq!(body["error"]["code"], "bad_second_factor");
    let (status, body) = confirm(&s, &code_of(&app, fresh["secret"].as_str().unwrap())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["recovery_codes"].as_array().unwrap().len(), 10);
    assert_eq!(totp_enroll_events(&app).await, 2);
}

#[tokio::test]
async fn a_pending_secret_cannot_be_confirmed_from_another_session() {
    let app = TestApp::spawn().await;
    account_without_factor(&app, ANN).await;
    let a = enrolling(&app, ANN).await;
    let b = enrolling(&app, ANN).await;
    let c = enrolling(&app, ANN).await;
    let secret_a = begin(&a, json!({})).await.1["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let secret_b = begin(&b, json!({})).await.1["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(secret_a, secret_b, "each session has its own");

    // A session that was never shown a secret has nothing to confirm ...
    let (status, body) = confirm(&c, &code_of(&app, &secret_a)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("start the enrollment"));
    // ... and one with its own secret cannot confirm A's.
    let (status, body) = confirm(&b, &code_of(&app, &secret_a)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "bad_second_factor");

    // A's secret still works from A; then the account has a factor and the
    // other sessions' pending secrets are gone.
    let (status, _) = confirm(&a, &code_of(&app, &secret_a)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = confirm(&b, &code_of(&app, &secret_b)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(begin(&b, json!({})).await.0, StatusCode::CONFLICT);
}
