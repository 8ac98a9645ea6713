//! Passkeys (WebAuthn) through HTTP with a software authenticator:
//! registration from the account, sign-in with the passkey as the second
//! factor, and the refusals: a replayed challenge, an answer made for
//! another origin, malformed JSON, a removed credential, an API token.

use rampart_app::Config;
use rampart_testkit::{bearer, Session, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use webauthn_authenticator_rs::{
    prelude::{Url, WebauthnAuthenticator},
    softpasskey::SoftPasskey,
};

const ANN: &str = "ann@example.org";
const ORIGIN: &str = "http://localhost:8080";

/// The relying party is `[http] public_url`: a host name (IP addresses
/// cannot be RP ids). The test's authenticator says which origin it saw.
async fn spawn() -> TestApp {
    let mut config = Config::default();
    config.guard.scoring.regularity_min_gaps = u32::MAX;
    config.http.public_url = ORIGIN.into();
    let app = TestApp::spawn_with(config).await;
    app.user(ANN, "NOR", None).await;
    app
}

type Authenticator = WebauthnAuthenticator<SoftPasskey>;

fn authenticator() -> Authenticator {
    // `true`: the soft key claims user verification, as a passkey must.
    WebauthnAuthenticator::new(SoftPasskey::new(true))
}

async fn json_of(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Registers a passkey named `name` for the session's account.
async fn register(s: &Session, key: &mut Authenticator, name: &str) -> Value {
    let (status, start) = json_of(
        s.post_json("/api/v1/account/webauthn/register/start", &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{start}");
    let credential = key
        .do_registration(
            Url::parse(ORIGIN).unwrap(),
            serde_json::from_value(start["options"].clone()).unwrap(),
        )
        .unwrap();
    let (status, body) = json_of(
        s.post_json(
            "/api/v1/account/webauthn/register/finish",
            &json!({"challenge": start["challenge"], "name": name, "credential": credential}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// Signs in with the password: the pending session and the answer.
async fn password_step(app: &TestApp) -> (Session, Value) {
    let anon = app.anonymous();
    let (status, body) = json_of(
        anon.post_json(
            "/api/v1/login",
            &json!({"email": ANN, "password": PASSWORD}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let csrf = body["csrf"].as_str().unwrap().to_owned();
    (anon.with_csrf(&csrf), body)
}

async fn start_sign_in(s: &Session) -> Value {
    let (status, start) = json_of(
        s.post_json("/api/v1/login/webauthn/start", &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{start}");
    start
}

async fn finish_sign_in(s: &Session, challenge: &Value, credential: &Value) -> (StatusCode, Value) {
    json_of(
        s.post_json(
            "/api/v1/login/webauthn/finish",
            &json!({"challenge": challenge, "credential": credential}),
        )
        .await,
    )
    .await
}

/// A phishing site relays our challenge: the authenticator answers it for
/// the site's own origin and RP id (it refuses to sign for an RP id the
/// origin does not own, so both change together).
const PHISH: &str = "https://evil.example";

fn phished(start: &Value, member: &str) -> Value {
    let mut options = start["options"].clone();
    if member == "rp" {
        options["publicKey"]["rp"]["id"] = json!("evil.example");
    } else {
        options["publicKey"]["rpId"] = json!("evil.example");
    }
    options
}

fn assertion(key: &mut Authenticator, origin: &str, start: &Value) -> Value {
    let options = if origin == PHISH {
        phished(start, "rpId")
    } else {
        start["options"].clone()
    };
    let credential = key
        .do_authentication(
            Url::parse(origin).unwrap(),
            serde_json::from_value(options).unwrap(),
        )
        .unwrap();
    serde_json::to_value(credential).unwrap()
}

#[tokio::test]
async fn a_registered_passkey_signs_in_once_per_challenge() {
    let app = spawn().await;
    let mut key = authenticator();
    let ann = app.login(ANN, PASSWORD).await;
    let added = register(&ann, &mut key, "laptop").await;
    assert_eq!(added["name"], "laptop");
    let list: Value = ann
        .get("/api/v1/account/webauthn")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["name"], "laptop");

    // The password step now offers the passkey.
    let (pending, body) = password_step(&app).await;
    assert_eq!(body["status"], "second_factor_required");
    assert!(body["methods"]
        .as_array()
        .unwrap()
        .contains(&json!("webauthn")));
    let start = start_sign_in(&pending).await;
    let credential = assertion(&mut key, ORIGIN, &start);
    let (status, body) = finish_sign_in(&pending, &start["challenge"], &credential).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ok");
    let full = pending.with_csrf(body["csrf"].as_str().unwrap());
    assert_eq!(full.get("/api/v1/me").await.status(), StatusCode::OK);

    // The same answer to the same challenge, from another pending session:
    // the challenge is gone.
    let (other, _) = password_step(&app).await;
    let (status, body) = finish_sign_in(&other, &start["challenge"], &credential).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "precondition");
    let audit = app.audit().await;
    assert!(audit
        .iter()
        .any(|e| e.kind == "passkey.register" && e.outcome == rampart_store::Outcome::Ok));
    assert!(audit
        .iter()
        .any(|e| e.kind == "login_passkey" && e.outcome == rampart_store::Outcome::Ok));
    assert!(audit.iter().any(|e| e.kind == "login_passkey"
        && e.outcome == rampart_store::Outcome::Failed
        && e.detail["reason"] == "unknown, used or expired challenge"));
}

#[tokio::test]
async fn answers_for_another_origin_malformed_or_removed_credentials_are_refused() {
    let app = spawn().await;
    let mut key = authenticator();
    let ann = app.login(ANN, PASSWORD).await;

    // A registration made for another site.
    let (_, start) = json_of(
        ann.post_json("/api/v1/account/webauthn/register/start", &json!({}))
            .await,
    )
    .await;
    let forged = key
        .do_registration(
            Url::parse(PHISH).unwrap(),
            serde_json::from_value(phished(&start, "rp")).unwrap(),
        )
        .unwrap();
    let (status, body) = json_of(
        ann.post_json(
            "/api/v1/account/webauthn/register/finish",
            &json!({"challenge": start["challenge"], "name": "evil", "credential": forged}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // Malformed: not an attestation at all, and not JSON.
    let (_, start) = json_of(
        ann.post_json("/api/v1/account/webauthn/register/start", &json!({}))
            .await,
    )
    .await;
    let (status, body) = json_of(
        ann.post_json(
            "/api/v1/account/webauthn/register/finish",
            &json!({"challenge": start["challenge"], "name": "x", "credential": {"id": 7}}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "bad_request");
    let r = ann
        .client
        .post(app.url("/api/v1/account/webauthn/register/finish"))
        .header("x-csrf-token", &ann.csrf)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());

    // An API token cannot add a passkey.
    let token = bearer(&app, &app.token(ANN, "full", None).await);
    let (status, _) = json_of(
        token
            .post_json("/api/v1/account/webauthn/register/start", &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A sign-in answered for another origin.
    let added = register(&ann, &mut key, "laptop").await;
    let (pending, _) = password_step(&app).await;
    let start = start_sign_in(&pending).await;
    let credential = assertion(&mut key, PHISH, &start);
    let (status, body) = finish_sign_in(&pending, &start["challenge"], &credential).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["code"], "bad_second_factor");

    // Removed between start and finish: refused.
    let start = start_sign_in(&pending).await;
    let credential = assertion(&mut key, ORIGIN, &start);
    let r = ann
        .delete(&format!("/api/v1/account/webauthn/{}", added["id"]))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, body) = finish_sign_in(&pending, &start["challenge"], &credential).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // And no longer offered.
    let (_, body) = password_step(&app).await;
    assert!(!body["methods"]
        .as_array()
        .unwrap()
        .contains(&json!("webauthn")));
    let audit = app.audit().await;
    assert!(audit
        .iter()
        .any(|e| e.kind == "passkey.register" && e.outcome == rampart_store::Outcome::Failed));
    assert!(audit.iter().any(|e| e.kind == "passkey.remove"));
}

#[tokio::test]
async fn passkeys_are_off_without_a_host_name() {
    let app = TestApp::spawn().await;
    app.user(ANN, "NOR", None).await;
    let ann = app.login(ANN, PASSWORD).await;
    let (status, body) = json_of(
        ann.post_json("/api/v1/account/webauthn/register/start", &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("public_url"));
}

#[tokio::test]
async fn a_passkey_passes_the_guards_step_up_once_per_challenge() {
    let app = spawn().await;
    let mut key = authenticator();
    let ann = app.login(ANN, PASSWORD).await;
    register(&ann, &mut key, "laptop").await;
    let start = |s: Session| async move {
        json_of(
            s.post_json("/api/v1/account/confirm/webauthn/start", &json!({}))
                .await,
        )
        .await
        .1
    };
    let begun = start(ann.clone()).await;
    let credential = assertion(&mut key, ORIGIN, &begun);
    let answer = json!({"webauthn": {"challenge": begun["challenge"], "credential": credential}});
    let r = ann.post_json("/api/v1/account/confirm", &answer).await;
    assert_eq!(r.status(), StatusCode::OK);
    // Replayed: refused, and recorded as a failed step-up.
    let (status, body) = json_of(ann.post_json("/api/v1/account/confirm", &answer).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["code"], "bad_second_factor");
    // Another origin: refused.
    let begun = start(ann.clone()).await;
    let credential = assertion(&mut key, PHISH, &begun);
    let (status, _) = json_of(
        ann.post_json(
            "/api/v1/account/confirm",
            &json!({"webauthn": {"challenge": begun["challenge"], "credential": credential}}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let steps: Vec<_> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.kind == "guard.step_up")
        .map(|e| (e.outcome, e.detail["method"].clone()))
        .collect();
    use rampart_store::Outcome::{Failed, Ok as Passed};
    assert_eq!(
        steps,
        vec![
            (Passed, json!("webauthn")),
            (Failed, json!("webauthn")),
            (Failed, json!("webauthn")),
        ]
    );
}
