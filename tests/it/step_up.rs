//! The guard's step-up asks for the second factor: an unused TOTP code or a
//! recovery code passes; a wrong or replayed code fails and is audited; the
//! password alone no longer passes for an account with a second factor;
//! accounts exempt from the second factor still confirm with the password;
//! three failures in a row suspend the account.

use crate::guard::{download, world, ANN};
use rampart_app::Config;
use rampart_testkit::{TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Every download asks for a step-up until one is passed.
fn always_step_up() -> Config {
    let mut config = Config::default();
    config.guard.scoring.step_up_at = 0;
    config.guard.scoring.regularity_min_gaps = u32::MAX;
    config
}

async fn code_of(r: reqwest::Response) -> (StatusCode, String) {
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    (
        status,
        body["error"]["code"].as_str().unwrap_or("").to_owned(),
    )
}

async fn step_ups(app: &TestApp) -> Vec<(rampart_store::Outcome, Value)> {
    app.audit()
        .await
        .into_iter()
        .filter(|e| e.kind == "guard.step_up" && e.account.as_deref() == Some(ANN))
        .map(|e| (e.outcome, e.detail))
        .collect()
}

#[tokio::test]
async fn step_up_takes_the_second_factor_not_the_password() {
    let (app, ids, _) = world(always_step_up(), 1, false).await;
    let ann = app.login(ANN, PASSWORD).await;
    let (status, code) = code_of(download(&ann, &ids[0]).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "step_up_required")
    );

    // The password alone: refused, audited, counted.
    let (status, code) = code_of(
        ann.post_json("/api/v1/account/confirm", &json!({"password": PASSWORD}))
            .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
    // A wrong code.
    let (status, code) = code_of(
        ann.post_json("/api/v1/account/confirm", &json!({"code": "000000"}))
            .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "bad_second_factor")
    );
    // Neither or both: a clear 422, not a step-up attempt.
    let (status, code) = code_of(ann.post_json("/api/v1/account/confirm", &json!({})).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
    );
    assert_eq!(
        download(&ann, &ids[0]).await.status(),
        StatusCode::UNAUTHORIZED,
        "still not confirmed"
    );

    // A fresh code passes (and resets the failure count) ...
    let fresh = app.next_totp_code(ANN);
    let r = ann
        .post_json("/api/v1/account/confirm", &json!({"code": fresh}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(download(&ann, &ids[0]).await.status(), StatusCode::OK);
    // ... once: the same code again is a replay.
    let (status, code) = code_of(
        ann.post_json("/api/v1/account/confirm", &json!({"code": fresh}))
            .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "bad_second_factor")
    );

    let events = step_ups(&app).await;
    let outcomes: Vec<_> = events
        .iter()
        .map(|(o, d)| (*o, d["method"].as_str().unwrap().to_owned()))
        .collect();
    use rampart_store::Outcome::{Failed, Ok as Passed};
    assert_eq!(
        outcomes,
        vec![
            (Failed, "password".to_owned()),
            (Failed, "totp".to_owned()),
            (Passed, "totp".to_owned()),
            (Failed, "totp".to_owned()),
        ]
    );
}

#[tokio::test]
async fn three_failed_step_ups_suspend_and_a_recovery_code_passes() {
    let (app, ids, _) = world(always_step_up(), 1, false).await;
    // A recovery code passes the step-up.
    let ann = app.login(ANN, PASSWORD).await;
    let codes = app.recovery_codes(ANN);
    assert_eq!(
        download(&ann, &ids[0]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let r = ann
        .post_json("/api/v1/account/confirm", &json!({"code": codes[0]}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(download(&ann, &ids[0]).await.status(), StatusCode::OK);

    // Bob fails three times (password, replayed recovery code, wrong
    // code): suspended, every session ends.
    let bob = "bob@example.org";
    app.user(bob, "NOR", None).await;
    app.member("alpha/ops", bob, "reader").await;
    let s = app.login(bob, PASSWORD).await;
    assert_eq!(
        download(&s, &ids[0]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    for body in [
        json!({"password": PASSWORD}),
        json!({"code": codes[0]}),
        json!({"code": "123456"}),
    ] {
        let r = s.post_json("/api/v1/account/confirm", &body).await;
        assert!(r.status().is_client_error());
    }
    assert_eq!(s.get("/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
    let account = app
        .state
        .store
        .account_by_email(&bob.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.status, rampart_domain::AccountStatus::Suspended);
}

#[tokio::test]
async fn exempt_accounts_confirm_with_the_password() {
    let mut config = always_step_up();
    config.identity.exempt_roles = vec![rampart_domain::InstallRole::Security];
    let (app, ids, _) = world(config, 1, false).await;
    let sec = "sec@example.org";
    app.member("alpha/ops", sec, "reader").await;
    let s = app.login(sec, PASSWORD).await;
    assert_eq!(
        download(&s, &ids[0]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let page = s.get("/account/confirm").await.text().await.unwrap();
    assert!(page.contains("name=\"password\""), "{page}");
    let r = s
        .post_json("/api/v1/account/confirm", &json!({"password": "wrong"}))
        .await;
    assert_eq!(code_of(r).await.1, "bad_credentials");
    let r = s
        .post_json("/api/v1/account/confirm", &json!({"password": PASSWORD}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(download(&s, &ids[0]).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_confirm_page_asks_for_a_code() {
    let (app, ids, _) = world(always_step_up(), 1, false).await;
    let (client, _) = app.browser_sign_in(ANN, PASSWORD).await;
    let r = client
        .get(app.url(&format!("/d/{}/content", ids[0])))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/account/confirm");
    let page = client
        .get(app.url("/account/confirm"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("name=\"code\"") && !page.contains("name=\"password\""));
    let csrf = rampart_testkit::csrf_of(&client, &app, "/account/confirm").await;
    let action = format!("/account/confirm?csrf={csrf}");
    let r = client
        .post(app.url(&action))
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("authenticator app"));
    let r = client
        .post(app.url(&action))
        .form(&[("code", app.next_totp_code(ANN))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/");
}

#[tokio::test]
async fn the_confirm_page_names_the_second_factor_and_not_the_password() {
    let (app, ids, _) = world(always_step_up(), 1, false).await;
    let ann = app.login(ANN, PASSWORD).await;
    let r = download(&ann, &ids[0]).await;
    let body: Value = r.json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("second factor") && !message.starts_with("confirm your password"),
        "{message}"
    );
    let page = ann.get("/account/confirm").await.text().await.unwrap();
    assert!(
        page.contains("a code from your authenticator app or one of your recovery codes"),
        "{page}"
    );
    assert!(!page.to_lowercase().contains("password"), "{page}");
}
