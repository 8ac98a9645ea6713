//! Guard budgets set by administrators (JSON API and admin page): an
//! account override and a community override change when a scrape is
//! throttled, the account's beats the community's, invalid values are
//! refused with 422, non-administrators are told there is nothing here,
//! and every change is audited.

use crate::guard::{download, tick, world, ANN};
use rampart_app::Config;
use rampart_testkit::{Session, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

const ROOT: &str = "root@example.org";

async fn admin(app: &TestApp) -> Session {
    app.user(ROOT, "NOR", Some("admin")).await;
    app.login(ROOT, PASSWORD).await
}

async fn put(app: &TestApp, s: &Session, path: &str, body: &Value) -> reqwest::Response {
    s.client
        .put(app.url(path))
        .header("x-csrf-token", &s.csrf)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn delete(app: &TestApp, s: &Session, path: &str) -> reqwest::Response {
    s.client
        .delete(app.url(path))
        .header("x-csrf-token", &s.csrf)
        .send()
        .await
        .unwrap()
}

/// Downloads `ids` one second apart until one is refused; returns how many
/// were served and the refusal's status.
async fn downloads_until_refused(
    app: &TestApp,
    s: &Session,
    ids: &[String],
) -> (usize, StatusCode) {
    for (i, id) in ids.iter().enumerate() {
        tick(app, 1_000);
        let r = download(s, id).await;
        if r.status() != StatusCode::OK {
            return (i, r.status());
        }
    }
    (ids.len(), StatusCode::OK)
}

#[tokio::test]
async fn an_account_override_lowers_the_budget_and_a_scrape_is_throttled_earlier() {
    let (app, ids, _) = world(Config::default(), 8, false).await;
    let root = admin(&app).await;
    let path = format!("/api/v1/admin/budgets/accounts/{ANN}");
    let r = put(&app, &root, &path, &json!({"downloads_per_minute": 3})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let listed: Value = root
        .get("/api/v1/admin/budgets")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["roles"]["reader"]["downloads_per_minute"], 40);
    assert_eq!(listed["accounts"][0]["account"], ANN);
    assert_eq!(listed["accounts"][0]["limits"]["downloads_per_minute"], 3);
    assert_eq!(listed["accounts"][0]["updated_by"], ROOT);

    let ann = app.login(ANN, PASSWORD).await;
    let (served, refused) = downloads_until_refused(&app, &ann, &ids).await;
    assert_eq!(
        served, 3,
        "the override of 3 per minute, not the default 40"
    );
    assert_eq!(refused, StatusCode::TOO_MANY_REQUESTS);

    let audit = app.audit().await;
    let set = audit
        .iter()
        .find(|e| e.kind == "admin.budget_set")
        .expect("the change is audited");
    assert_eq!(set.detail["account"], ANN);
    assert_eq!(set.detail["limits"]["downloads_per_minute"], 3);

    // Removed: the role default applies again (after the throttle passes).
    assert_eq!(
        delete(&app, &root, &path).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        delete(&app, &root, &path).await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(app
        .audit()
        .await
        .iter()
        .any(|e| e.kind == "admin.budget_remove"));
    tick(&app, 120_000);
    let ann = app.login(ANN, PASSWORD).await;
    let (served, _) = downloads_until_refused(&app, &ann, &ids[..5]).await;
    assert_eq!(served, 5);
}

#[tokio::test]
async fn a_community_override_applies_and_an_account_override_beats_it() {
    let (app, ids, _) = world(Config::default(), 8, false).await;
    app.user("bob@example.org", "NOR", None).await;
    app.member("alpha/ops", "bob@example.org", "reader").await;
    let root = admin(&app).await;
    let r = put(
        &app,
        &root,
        "/api/v1/admin/budgets/communities/alpha/ops/reader",
        &json!({"downloads_per_minute": 2}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["effective"]["downloads_per_minute"], 2);
    assert_eq!(
        body["effective"]["downloads_per_hour"], 60,
        "the rest is the role default"
    );
    let r = put(
        &app,
        &root,
        "/api/v1/admin/budgets/accounts/bob@example.org",
        &json!({"downloads_per_minute": 4}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);

    let ann = app.login(ANN, PASSWORD).await;
    assert_eq!(
        downloads_until_refused(&app, &ann, &ids).await,
        (2, StatusCode::TOO_MANY_REQUESTS),
        "the community's readers get 2 per minute"
    );
    let bob = app.login("bob@example.org", PASSWORD).await;
    assert_eq!(
        downloads_until_refused(&app, &bob, &ids).await,
        (4, StatusCode::TOO_MANY_REQUESTS),
        "bob's own override beats the community's"
    );
    let listed: Value = root
        .get("/api/v1/admin/budgets")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["communities"][0]["community"], "alpha/ops");
    assert_eq!(listed["communities"][0]["role"], "reader");
}

#[tokio::test]
async fn invalid_budgets_are_refused_with_422() {
    let (app, _, _) = world(Config::default(), 0, false).await;
    let root = admin(&app).await;
    let account = format!("/api/v1/admin/budgets/accounts/{ANN}");
    let community = "/api/v1/admin/budgets/communities/alpha/ops/reader";
    for (path, body, needle) in [
        (
            account.as_str(),
            json!({"downloads_per_hour": -1}),
            "downloads_per_hour",
        ),
        (
            account.as_str(),
            json!({"downloads_per_hour": 0}),
            "at least 1",
        ),
        (
            account.as_str(),
            json!({"downloads_per_hour": 2_000_000}),
            "at most 1000000",
        ),
        (
            account.as_str(),
            json!({"distinct_documents_per_7_days": 5_000}),
            "at most 1000",
        ),
        (
            account.as_str(),
            json!({"bytes_per_day": 10_u64.pow(18)}),
            "at most",
        ),
        (
            account.as_str(),
            json!({"downloads_per_fortnight": 3}),
            "downloads_per_fortnight",
        ),
        (account.as_str(), json!({}), "at least one limit"),
        (
            community,
            json!({"downloads_per_hour": "ten"}),
            "downloads_per_hour",
        ),
        (
            "/api/v1/admin/budgets/accounts/nobody@example.org",
            json!({"downloads_per_hour": 5}),
            "no account",
        ),
        (
            "/api/v1/admin/budgets/communities/alpha/nowhere/reader",
            json!({"downloads_per_hour": 5}),
            "no community",
        ),
        (
            "/api/v1/admin/budgets/communities/alpha/ops/owner",
            json!({"downloads_per_hour": 5}),
            "role",
        ),
    ] {
        let r = put(&app, &root, path, &body).await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {body}"
        );
        let error: Value = r.json().await.unwrap();
        assert_eq!(error["error"]["code"], "invalid", "{body}");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{body}: {message}");
    }
    let listed: Value = root
        .get("/api/v1/admin/budgets")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["accounts"], json!([]));
    assert_eq!(listed["communities"], json!([]));
}

#[tokio::test]
async fn only_administrators_see_or_change_budgets() {
    let (app, _, _) = world(Config::default(), 0, false).await;
    let root = admin(&app).await;
    let account = format!("/api/v1/admin/budgets/accounts/{ANN}");
    let limits = json!({"downloads_per_minute": 100});
    // A member, a security officer: nothing here.
    for email in [ANN, "sec@example.org"] {
        let s = app.login(email, PASSWORD).await;
        assert_eq!(
            s.get("/api/v1/admin/budgets").await.status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            put(&app, &s, &account, &limits).await.status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            delete(&app, &s, &account).await.status(),
            StatusCode::NOT_FOUND
        );
    }
    // An administrator's read-only token may not change anything.
    let token = app.token(ROOT, "read", None).await;
    let read_only = rampart_testkit::bearer(&app, &token);
    assert_eq!(
        put(&app, &read_only, &account, &limits).await.status(),
        StatusCode::FORBIDDEN
    );
    // No credential: 401; a session without its CSRF token: 403.
    assert_eq!(
        app.anonymous().get("/api/v1/admin/budgets").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let no_csrf = root.clone().with_csrf("");
    assert_eq!(
        put(&app, &no_csrf, &account, &limits).await.status(),
        StatusCode::FORBIDDEN
    );
    let listed: Value = root
        .get("/api/v1/admin/budgets")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["accounts"], json!([]), "nothing was changed");
}

#[tokio::test]
async fn the_admin_page_sets_and_removes_overrides_with_forms() {
    let (app, ids, _) = world(Config::default(), 4, false).await;
    app.user(ROOT, "NOR", Some("admin")).await;
    let (page, r) = app.browser_sign_in(ROOT, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = page
        .get(app.url("/admin/budgets"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Download budgets"));
    assert!(html.contains("Downloads / minute"));
    let field = r#"name="csrf" value=""#;
    let start = html.find(field).unwrap() + field.len();
    let csrf: String = html[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();

    let post = |path: &str, form: Vec<(&'static str, &'static str)>| {
        page.post(app.url(&format!("{path}?csrf={csrf}")))
            .form(&form)
            .send()
    };
    let r = post(
        "/admin/budgets",
        vec![
            ("community", "alpha/ops"),
            ("role", "reader"),
            ("downloads_per_minute", "1"),
            ("downloads_per_hour", ""),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = post(
        "/admin/budgets",
        vec![("email", ANN), ("downloads_per_hour", "0")],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("at least 1"));
    // Answered in place: the reason in the account form, the email kept.
    let form = html
        .split("Set an account override")
        .nth(1)
        .unwrap_or_default();
    assert!(
        form.contains(r#"role="alert">Downloads / hour must be"#),
        "{form}"
    );
    assert!(form.contains(&format!(
        r#"name="email" type="email" required value="{ANN}""#
    )));
    // Byte budgets are typed and shown in units.
    let r = post(
        "/admin/budgets",
        vec![("email", ANN), ("bytes_per_day", "2 GiB")],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Without the CSRF token the form is refused.
    let r = page
        .post(app.url("/admin/budgets"))
        .form(&[("email", ANN), ("downloads_per_hour", "5")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let html = page
        .get(app.url("/admin/budgets?done=budget"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Budget override saved."));
    assert!(html.contains("Downloads / minute: 1"), "{html}");
    assert!(html.contains("Bytes / day: 2.0 GiB"));

    let ann = app.login(ANN, PASSWORD).await;
    assert_eq!(
        downloads_until_refused(&app, &ann, &ids).await,
        (1, StatusCode::TOO_MANY_REQUESTS)
    );

    let r = post(
        "/admin/budgets/remove",
        vec![("community", "alpha/ops"), ("role", "reader")],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = page
        .get(app.url("/admin/budgets"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("Downloads / minute: 1"));
    let kinds: Vec<String> = app.audit().await.into_iter().map(|e| e.kind).collect();
    assert!(kinds.iter().any(|k| k == "admin.budget_set"));
    assert!(kinds.iter().any(|k| k == "admin.budget_remove"));

    // A member has no admin page to post to.
    let (member, _) = app.browser_sign_in(ANN, PASSWORD).await;
    assert_eq!(
        member
            .get(app.url("/admin/budgets"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}
