//! The administration pages as an administrator uses them: sections,
//! account search and paging, the page of one account and its actions
//! (each audited and taking effect at once), and forms answered in place.

use rampart_testkit::{csrf_of, TestApp, PASSWORD};
use reqwest::StatusCode;

const ROOT: &str = "root@example.org";
const ANN: &str = "ann@example.org";

async fn text(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The page of `email`, from the accounts list searched for it.
async fn account_href(client: &reqwest::Client, app: &TestApp, email: &str) -> String {
    let (_, html) = text(client, app, &format!("/admin?q={email}")).await;
    let table = &html[html.find("<table").expect("a list")..];
    let link = format!(r#"">{email}</a>"#);
    let end = table.find(&link).expect("the account is listed");
    let start = table[..end].rfind("href=\"").unwrap() + 6;
    table[start..end].to_owned()
}

#[tokio::test]
async fn accounts_are_found_paged_and_managed_from_their_page() {
    let app = TestApp::spawn().await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.user(ROOT, "NOR", Some("admin")).await;
    app.user(ANN, "NOR", None).await;
    for i in 0..60 {
        app.user(&format!("user{i:02}@example.org"), "DNK", None)
            .await;
    }
    let (admin, _) = app.browser_sign_in(ROOT, PASSWORD).await;

    // Tabs, the current one marked; a count; paging at 50.
    let (status, html) = text(&admin, &app, "/admin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<a href="/admin" aria-current="page">Accounts</a>"#));
    assert!(html.contains("1–50 of 63 accounts."), "{html}");
    assert!(html.contains(r#"<a href="/admin?offset=50">Next</a>"#));
    let (_, second) = text(&admin, &app, "/admin?offset=50").await;
    assert!(second.contains("51–63 of 63 accounts."));
    assert!(second.contains("user59@example.org"));
    // Search: every word, accents and case ignored.
    let (_, found) = text(&admin, &app, "/admin?q=ANN+example").await;
    assert!(
        found.contains("1–1 of 1 matching accounts (63 in all)."),
        "{found}"
    );
    assert!(found.contains(ANN) && !found.contains("user01@example.org"));
    let (_, none) = text(&admin, &app, "/admin?q=nobody").await;
    assert!(none.contains("No account matches. There are 63 in all."));

    let page = account_href(&admin, &app, ANN).await;
    let (status, html) = text(&admin, &app, &page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Not a member of any community"));
    assert!(html.contains("<dt>Authenticator app</dt><dd>set up</dd>"));
    let csrf = csrf_of(&admin, &app, &page).await;
    let post = |path: String, form: Vec<(&'static str, &'static str)>| {
        let admin = admin.clone();
        let url = app.url(&path);
        let csrf = csrf.clone();
        async move {
            let mut form: Vec<(&str, String)> =
                form.into_iter().map(|(k, v)| (k, v.to_owned())).collect();
            form.push(("csrf", csrf));
            admin.post(url).form(&form).send().await.unwrap()
        }
    };

    // A membership from the account page.
    let r = post(
        format!("{page}/memberships"),
        vec![("community", "alpha/ops"), ("role", "contributor")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = text(&admin, &app, &format!("{page}?done=membership")).await;
    assert!(html.contains("Membership saved."));
    assert!(html.contains("<td>contributor</td>"));
    // A community that does not exist answers in place.
    let r = post(
        format!("{page}/memberships"),
        vec![("community", "alpha/nowhere"), ("role", "reader")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(r#"role="alert">No community named alpha/nowhere."#),
        "{html}"
    );
    assert!(
        html.contains(r#"aria-current="page">Accounts</a>"#),
        "still the section"
    );

    // Ann signs in; each action takes effect on her at once.
    let (ann, r) = app.browser_sign_in(ANN, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let ann_api = app.login(ANN, PASSWORD).await;
    let r = post(format!("{page}/end_sessions"), vec![]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = ann.get(app.url("/account")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "her session ended");
    assert_eq!(ann_api.get("/api/v1/me").await.status(), 401);

    let r = post(format!("{page}/suspend"), vec![]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = text(&admin, &app, &format!("{page}?done=suspend")).await;
    assert!(html.contains(r#"<span class="badge danger">suspended</span>"#));
    assert!(html.contains(r#"action="/admin/accounts/"#) && html.contains("/unlock\""));
    let r = app
        .anonymous()
        .post_json(
            "/api/v1/login",
            &serde_json::json!({"email": ANN, "password": PASSWORD}),
        )
        .await;
    assert_ne!(
        r.status(),
        StatusCode::OK,
        "a suspended account cannot sign in"
    );
    let r = post(format!("{page}/suspend"), vec![]).await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "already suspended"
    );
    let r = post(format!("{page}/unlock"), vec![]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, signed_in) = app.browser_sign_in(ANN, PASSWORD).await;
    assert_eq!(
        signed_in.status(),
        StatusCode::SEE_OTHER,
        "unlocked: she signs in"
    );

    // Reset of the second factor: the next sign-in enrolls a new one.
    let r = post(format!("{page}/reset_second_factor"), vec![]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = text(&admin, &app, &page).await;
    assert!(html.contains("<dt>Authenticator app</dt><dd>none</dd>"));
    let r = app
        .anonymous()
        .post_json(
            "/api/v1/login",
            &serde_json::json!({"email": ANN, "password": PASSWORD}),
        )
        .await;
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "enroll_second_factor", "{body}");

    // A forced password change: the next sign-in must choose a new one.
    let r = post(format!("{page}/force_password_change"), vec![]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app
        .anonymous()
        .post_json(
            "/api/v1/login",
            &serde_json::json!({"email": ANN, "password": PASSWORD}),
        )
        .await;
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "password_change_required", "{body}");

    // No suspending or unlocking oneself; unknown actions and accounts do not exist.
    let own = account_href(&admin, &app, ROOT).await;
    for action in ["suspend", "unlock"] {
        let r = post(format!("{own}/{action}"), vec![]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{action}");
        let body = r.text().await.unwrap();
        let why = body.split("role=\"alert\">").nth(1).unwrap_or(&body);
        assert!(
            why.starts_with("You cannot suspend or unlock your own account"),
            "{action}: {}",
            &why[..why.len().min(200)]
        );
    }
    let (_, past) = text(&admin, &app, "/admin?offset=100").await;
    assert!(past.contains("No more accounts past 100: 63 match."));
    assert_eq!(
        post(format!("{page}/delete"), vec![]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        text(&admin, &app, "/admin/accounts/999999").await.0,
        StatusCode::NOT_FOUND
    );

    // Every action is audited with the account it names.
    let events = app.audit().await;
    for kind in [
        "admin.sessions_end",
        "admin.account_suspend",
        "admin.account_unlock",
        "admin.factors_reset",
        "admin.password_expire",
    ] {
        let e = events
            .iter()
            .find(|e| e.kind == kind)
            .unwrap_or_else(|| panic!("{kind} audited"));
        assert_eq!(e.account.as_deref(), Some(ROOT));
        assert_eq!(e.detail["email"], ANN, "{kind}: {}", e.detail);
    }

    // Not an administrator: none of it exists.
    let (member, _) = app.browser_sign_in("user01@example.org", PASSWORD).await;
    for path in ["/admin", "/admin/portals", "/admin/tokens", page.as_str()] {
        assert_eq!(
            text(&member, &app, path).await.0,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let csrf = csrf_of(&member, &app, "/account").await;
    let r = member
        .post(app.url(&format!("{page}/suspend")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn refused_admin_forms_keep_what_was_typed() {
    let app = TestApp::spawn().await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.user(ROOT, "NOR", Some("admin")).await;
    let (admin, _) = app.browser_sign_in(ROOT, PASSWORD).await;
    let csrf = csrf_of(&admin, &app, "/admin").await;
    let post = |path: &'static str, form: Vec<(&'static str, &'static str)>| {
        let admin = admin.clone();
        let url = app.url(path);
        let csrf = csrf.clone();
        async move {
            let mut form: Vec<(&str, String)> =
                form.into_iter().map(|(k, v)| (k, v.to_owned())).collect();
            form.push(("csrf", csrf));
            let r = admin.post(url).form(&form).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (status, html) = post(
        "/admin/accounts",
        vec![
            ("email", "new@example.org"),
            ("name", "New Person"),
            ("nation", "XX1"),
            ("security", "true"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"value="new@example.org""#));
    assert!(html.contains(r#"value="New Person""#));
    assert!(html.contains(r#"name="security" type="checkbox" value="true" checked"#));
    assert!(html.contains(r#"class="error" role="alert""#));

    let (status, html) = post("/admin/portals", vec![("slug", "alpha"), ("name", "Again")]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains(r#"aria-current="page">Portals and communities</a>"#));
    assert!(html.contains(r#"name="name" type="text" required value="Again""#));

    let (status, html) = post(
        "/admin/tokens",
        vec![
            ("email", "root@example.org"),
            ("name", "sync"),
            ("scope", "communities"),
            ("days", "30"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Choose at least one community"), "{html}");
    assert!(html.contains(r#"value="communities" checked"#));
    let (status, html) = post(
        "/admin/tokens",
        vec![
            ("email", "root@example.org"),
            ("name", "sync"),
            ("scope", "communities"),
            ("community", "alpha/ops"),
            ("days", "30"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(html.contains("shown <strong>only this once</strong>"));
    let events = app.audit().await;
    let issued = events
        .iter()
        .find(|e| e.kind == "admin.token_create")
        .expect("audited");
    let scope = issued.detail["scope"].as_str().unwrap_or_default();
    assert!(scope.starts_with("communities:"), "{scope}");
}
