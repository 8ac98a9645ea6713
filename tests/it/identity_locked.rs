//! A locked (suspended) account that gives its right password is told it
//! is locked and whom to contact (`[identity] locked_contact`), on the
//! sign-in page and in the API (403 `account_locked`). A wrong password
//! gets the usual answer, so the message tells a guesser nothing, and every
//! attempt still counts as a failure for the sign-in throttle.

use rampart_app::Config;
use rampart_testkit::{TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

const ANN: &str = "ann@example.org";
const CONTACT: &str = "the security office, extension 4242";

async fn locked_ann(config: Config) -> TestApp {
    let app = TestApp::spawn_with(config).await;
    app.user(ANN, "NOR", None).await;
    let id = app
        .state
        .store
        .account_by_email(&ANN.parse().unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let now = rampart_domain::Clock::now(&*app.clock);
    app.state
        .store
        .set_account_status(id, rampart_domain::AccountStatus::Suspended, now)
        .await
        .unwrap();
    app
}

async fn api_login(app: &TestApp, password: &str) -> (StatusCode, Value) {
    let r = app
        .anonymous()
        .post_json(
            "/api/v1/login",
            &json!({"email": ANN, "password": password}),
        )
        .await;
    (r.status(), r.json().await.unwrap())
}

async fn page_login(app: &TestApp, password: &str) -> (StatusCode, String) {
    let r = app
        .anonymous()
        .client
        .post(app.url("/login"))
        .form(&[("email", ANN), ("password", password)])
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_locked_account_is_told_so_only_with_its_right_password() {
    assert_eq!(
        Config::default().identity.locked_contact,
        "your security officer"
    );
    let mut config = Config::default();
    config.identity.locked_contact = CONTACT.into();
    let app = locked_ann(config).await;

    // A wrong password: the usual answer, nothing about the lock.
    let (status, body) = api_login(&app, "not her password at all").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "bad_credentials");
    let (status, page) = page_login(&app, "not her password at all").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("Wrong email or password."), "{page}");
    assert!(!page.contains("locked") && !page.contains(CONTACT));

    // The right password: locked, and whom to ask.
    let (status, body) = api_login(&app, PASSWORD).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "account_locked");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("locked") && message.contains(CONTACT),
        "{message}"
    );
    let (status, page) = page_login(&app, PASSWORD).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        page.contains("This account is locked") && page.contains(CONTACT),
        "{page}"
    );
    assert!(!page.contains("Wrong email or password."));

    // Each attempt was a failed sign-in, audited and counted: soon even
    // the right password is throttled.
    let failed = app
        .audit()
        .await
        .iter()
        .filter(|e| {
            e.kind == "login"
                && e.account.as_deref() == Some(ANN)
                && e.outcome == rampart_store::Outcome::Failed
                && e.detail["reason"] == "account suspended"
        })
        .count();
    assert_eq!(failed, 4);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(api_login(&app, PASSWORD).await.0);
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}
