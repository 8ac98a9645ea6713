//! The web UI over HTTP: sign-in forms, redirects, CSRF on forms, the
//! marking banner, and the same authorization answers as the API.

use rampart_testkit::{csrf_of, upload_form, TestApp, PASSWORD};
use reqwest::{redirect::Policy, StatusCode};

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn first_sign_in_goes_through_the_password_change() {
    let app = TestApp::spawn().await;
    let anon = browser();
    let r = anon.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login");
    let login = anon.get(app.url("/login")).send().await.unwrap();
    assert_eq!(login.status(), 200);
    assert!(login.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));

    let (email, otp) = app.first_admin.clone();
    let (_, bad) = app.browser_sign_in(&email, "not the password").await;
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    assert!(
        bad.text().await.unwrap().contains(&email),
        "the typed email is kept"
    );

    let (client, r) = app.browser_sign_in(&email, &otp).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/account/password");
    let home = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(
        home.headers()["location"],
        "/account/password",
        "nothing else until the password is changed"
    );
    let csrf = csrf_of(&client, &app, "/account/password").await;
    let change = |csrf: String, new: &'static str, repeat: &'static str| {
        let client = client.clone();
        let url = app.url(&format!("/account/password?csrf={csrf}"));
        let otp = otp.clone();
        async move {
            client
                .post(url)
                .form(&[("current", otp.as_str()), ("new", new), ("confirm", repeat)])
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        change(csrf.clone(), PASSWORD, "something else entirely")
            .await
            .status(),
        422
    );
    assert_eq!(change(csrf.clone(), "short", "short").await.status(), 422);
    assert_eq!(
        change(String::new(), PASSWORD, PASSWORD).await.status(),
        403,
        "no CSRF token"
    );
    let done = change(csrf, PASSWORD, PASSWORD).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    // Then the second factor: a QR code, the key and the link, and the
    // recovery codes once the first code is accepted.
    assert_eq!(done.headers()["location"], "/account/second-factor");
    let home = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.headers()["location"], "/account/second-factor");
    let enroll = client
        .get(app.url("/account/second-factor"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(enroll.contains("<svg") && enroll.contains("otpauth://totp/"));
    let start = enroll.find("id=\"totp-secret\">").unwrap() + 17;
    let secret: String = enroll[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    app.remember_totp(&email, &secret, -1);
    let csrf = csrf_of(&client, &app, "/account/second-factor").await;
    let wrong = client
        .post(app.url(&format!("/account/second-factor?csrf={csrf}")))
        .form(&[("code", "12345")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 422);
    // A refused code shows the same secret again (the one already scanned).
    let html = wrong.text().await.unwrap();
    let start = html.find("id=\"totp-secret\">").unwrap() + 17;
    let again: String = html[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    assert_eq!(again, secret);
    let codes = client
        .post(app.url(&format!("/account/second-factor?csrf={csrf}")))
        .form(&[("code", app.next_totp_code(&email))])
        .send()
        .await
        .unwrap();
    assert_eq!(codes.status(), 200);
    assert_eq!(
        codes.text().await.unwrap().matches("<li><code>").count(),
        10,
        "ten recovery codes"
    );
    let home = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    assert!(home.text().await.unwrap().contains("Sign out"));
}

#[tokio::test]
async fn upload_form_and_document_page_with_banner() {
    let app = TestApp::spawn().await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.user("ann@example.org", "NOR", None).await;
    app.member("alpha/ops", "ann@example.org", "contributor")
        .await;
    let (client, r) = app.browser_sign_in("ann@example.org", PASSWORD).await;
    assert_eq!(r.headers()["location"], "/");
    let community = client
        .get(app.url("/p/alpha/ops"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        community.contains("Upload"),
        "contributors see the upload form"
    );
    let csrf = csrf_of(&client, &app, "/p/alpha/ops").await;
    let form = upload_form(
        "Field report",
        "report.txt",
        b"fictional".to_vec(),
        &[("releasable", "NOR,alpha/ops")],
    );
    let no_csrf = client
        .post(app.url("/p/alpha/ops/documents"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(no_csrf.status(), 403);
    let form = upload_form(
        "Field report",
        "report.txt",
        b"fictional".to_vec(),
        &[("releasable", "NOR,alpha/ops")],
    );
    let r = client
        .post(app.url(&format!("/p/alpha/ops/documents?csrf={csrf}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/d/") && location.ends_with("?uploaded=1"));
    let page = client
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("class=\"banner\""), "marking banner");
    assert!(page.contains(r#"<p class="notice" role="status">Uploaded."#));
    let location = location.trim_end_matches("?uploaded=1").to_owned();
    assert!(
        page.contains("NON-PUBLIC // REL TO NOR, alpha/ops"),
        "{page}"
    );
    assert!(
        !page.to_lowercase().contains("canary"),
        "canaries are not revealed to members"
    );
    let content = client
        .get(app.url(&format!("{location}/content?version=1")))
        .send()
        .await
        .unwrap();
    assert_eq!(content.status(), 200);
    assert!(content.headers().contains_key("x-rampart-download"));
    assert_eq!(content.bytes().await.unwrap().as_ref(), b"fictional");
    // Error pages show a request id and nothing else of the failure.
    let missing = client
        .get(app.url("/d/00000000000000000000000000000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let id = missing.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(missing.text().await.unwrap().contains(&id));
}

#[tokio::test]
async fn admin_pages_manage_structure_and_reject_duplicates() {
    let app = TestApp::spawn().await;
    app.user("root@example.org", "NOR", Some("admin")).await;
    app.user("ann@example.org", "NOR", None).await;
    let (admin, _) = app.browser_sign_in("root@example.org", PASSWORD).await;
    let (ann, _) = app.browser_sign_in("ann@example.org", PASSWORD).await;
    assert_eq!(
        ann.get(app.url("/admin")).send().await.unwrap().status(),
        404,
        "not an admin: nothing here"
    );
    assert_eq!(
        admin.get(app.url("/admin")).send().await.unwrap().status(),
        200
    );
    let csrf = csrf_of(&admin, &app, "/admin").await;
    let post = |path: &'static str, form: Vec<(&'static str, &'static str)>| {
        let admin = admin.clone();
        let url = app.url(&format!("{path}?csrf={csrf}"));
        async move {
            admin
                .post(url)
                .form(&form)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        post("/admin/portals", vec![("slug", "alpha"), ("name", "Alpha")]).await,
        303
    );
    assert_eq!(
        post("/admin/portals", vec![("slug", "alpha"), ("name", "Again")]).await,
        409
    );
    assert_eq!(
        post("/admin/portals", vec![("slug", "Bad Slug"), ("name", "x")]).await,
        422
    );
    assert_eq!(
        post(
            "/admin/communities",
            vec![("portal", "alpha"), ("slug", "ops"), ("name", "Ops")]
        )
        .await,
        303
    );
    assert_eq!(
        post(
            "/admin/communities",
            vec![("portal", "alpha"), ("slug", "ops"), ("name", "Ops")]
        )
        .await,
        409
    );
    assert_eq!(
        post(
            "/admin/memberships",
            vec![
                ("community", "alpha/ops"),
                ("email", "ann@example.org"),
                ("role", "reader")
            ]
        )
        .await,
        303
    );
    let created = admin
        .post(app.url(&format!("/admin/accounts?csrf={csrf}")))
        .form(&[
            ("email", "new@example.org"),
            ("name", "New Person"),
            ("nation", "DNK"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    assert!(created.text().await.unwrap().contains("one-time password"));
    assert_eq!(
        ann.get(app.url("/p/alpha/ops"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let kinds: Vec<String> = app.audit().await.into_iter().map(|e| e.kind).collect();
    for kind in [
        "admin.portal_add",
        "admin.community_add",
        "admin.member_set",
        "admin.account_add",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} audited: {kinds:?}");
    }
}

/// A refused upload answers in place: the community page again, signed in,
/// the reason beside the form, every field as typed, and word that the
/// file must be chosen again; nothing is stored.
#[tokio::test]
async fn a_refused_upload_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.user("ann@example.org", "NOR", None).await;
    app.member("alpha/ops", "ann@example.org", "contributor")
        .await;
    let (client, _) = app.browser_sign_in("ann@example.org", PASSWORD).await;
    let csrf = csrf_of(&client, &app, "/p/alpha/ops").await;
    let form = upload_form(
        "Convoy lessons <winter>",
        "lessons.txt",
        b"fictional".to_vec(),
        &[
            ("label", "RESTRICTED"),
            ("releasable", "NOR, XXQ"),
            ("public_source", "nowhere yet"),
        ],
    );
    let r = client
        .post(app.url(&format!("/p/alpha/ops/documents?csrf={csrf}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("Sign out"), "the signed-in layout");
    assert!(
        page.contains(r#"id="upload-error""#) && page.contains("XXQ"),
        "{page}"
    );
    assert!(page.contains("Choose lessons.txt again."), "{page}");
    assert!(
        page.contains(r#"value="Convoy lessons &#60;winter&#62;""#)
            || page.contains(r#"value="Convoy lessons &lt;winter&gt;""#),
        "the title as typed, escaped: {page}"
    );
    assert!(page.contains(r#"value="RESTRICTED""#));
    // NOR is a member's nation: its box is ticked; the rest stays typed.
    assert!(
        page.contains(r#"name="releasable" value="NOR" checked"#),
        "{page}"
    );
    assert!(page.contains(r#"name="releasable" type="text" placeholder="FRA, NOR, portal/community" aria-describedby="releasable-help" value="XXQ""#));
    assert!(page.contains(r#"value="nowhere yet""#));
    let listed: serde_json::Value = app
        .login("ann@example.org", PASSWORD)
        .await
        .get("/api/v1/portals/alpha/communities/ops/documents")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        0,
        "nothing stored"
    );
}

/// An error page for a signed-in person keeps the signed-in header (home,
/// account, sign out), so that nobody is stranded on a bare error.
#[tokio::test]
async fn error_pages_keep_the_signed_in_layout() {
    let app = TestApp::spawn().await;
    app.portal("alpha").await;
    app.user("ann@example.org", "NOR", None).await;
    let (client, _) = app.browser_sign_in("ann@example.org", PASSWORD).await;
    for path in [
        "/p/alpha/nothing",
        "/d/00000000000000000000000000000000",
        "/no/such/page",
    ] {
        let r = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        let page = r.text().await.unwrap();
        assert!(
            page.contains("Sign out") && page.contains("ann@example.org"),
            "{path}: {page}"
        );
        assert!(page.contains("Error 404"));
    }
    // Anonymous visitors get the same page without a header to sign out of.
    let r = reqwest::get(app.url("/nothing/here")).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(!r.text().await.unwrap().contains("Sign out"));
}

/// Page forms carry the CSRF token in a hidden field, so that it never
/// shows in the address bar of an answer given in place: no url-encoded
/// form's action holds it; posted in the body it is accepted and the
/// handler never sees the field; missing or wrong, the form is refused.
#[tokio::test]
async fn form_tokens_travel_in_the_body_not_the_address() {
    let app = TestApp::spawn().await;
    app.user("ann@example.org", "NOR", None).await;
    let (client, r) = app.browser_sign_in("ann@example.org", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = client
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("csrf="), "a token in a form's address");
    let csrf = csrf_of(&client, &app, "/account").await;
    assert_eq!(csrf.len(), 64);
    let post = |form: Vec<(&'static str, String)>| {
        let client = client.clone();
        let url = app.url("/account/profile");
        async move { client.post(url).form(&form).send().await.unwrap() }
    };
    // The profile form refuses fields it does not know: the token field
    // reaching it would be a 422.
    let r = post(vec![("csrf", csrf.clone()), ("organisation", "NDA".into())]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Profile saved."));
    for form in [
        vec![("organisation", "Forged".to_owned())],
        vec![("csrf", "0".repeat(64)), ("organisation", "Forged".into())],
    ] {
        assert_eq!(post(form).await.status(), StatusCode::FORBIDDEN);
    }
    let profile = client
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(profile.contains(r#"value="NDA""#) && !profile.contains("Forged"));
}

/// A community's library sorts, filters by label and type, counts and
/// pages, keeping the settings from page to page.
#[tokio::test]
async fn community_pages_sort_filter_count_and_page() {
    let app = TestApp::spawn().await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.user("carl@example.org", "NOR", None).await;
    app.member("alpha/ops", "carl@example.org", "contributor")
        .await;
    let carl = rampart_testkit::bearer(&app, &app.token("carl@example.org", "full", None).await);
    let upload = |title: String, file: &'static str, label: &'static str, body: Vec<u8>| {
        let carl = &carl;
        // One second apart: the order by date is the upload order.
        app.clock.advance(std::time::Duration::from_secs(1));
        async move {
            let r = carl
                .post_multipart(
                    "/api/v1/portals/alpha/communities/ops/documents",
                    upload_form(&title, file, body, &[("label", label)]),
                )
                .await;
            assert_eq!(r.status(), StatusCode::CREATED);
        }
    };
    upload("Zulu notes".into(), "z.md", "PARTNER", b"# z".to_vec()).await;
    upload("alpha plan".into(), "a.txt", "NON-PUBLIC", vec![b'a'; 5000]).await;
    upload("Mike memo".into(), "m.txt", "NON-PUBLIC", b"m".to_vec()).await;
    let (client, _) = app.browser_sign_in("carl@example.org", PASSWORD).await;
    let page = |query: &'static str| {
        let client = client.clone();
        let url = app.url(&format!("/p/alpha/ops{query}"));
        async move {
            let r = client.get(url).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let titles = |html: &str| -> Vec<String> {
        html.split("<td class=\"name\"><a href=\"/d/")
            .skip(1)
            .map(|part| {
                let start = part.find('>').unwrap() + 1;
                part[start..part.find("</a>").unwrap()].to_owned()
            })
            .collect()
    };
    let (status, html) = page("").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("1–3 of 3 documents."), "{html}");
    assert_eq!(titles(&html), ["Mike memo", "alpha plan", "Zulu notes"]);
    assert!(html.contains("Markdown text") && html.contains("carl@example.org"));
    let (_, html) = page("?sort=title").await;
    assert_eq!(titles(&html), ["alpha plan", "Mike memo", "Zulu notes"]);
    let (_, html) = page("?sort=largest").await;
    assert_eq!(titles(&html)[0], "alpha plan");
    let (_, html) = page("?sort=oldest&label=PARTNER").await;
    assert_eq!(titles(&html), ["Zulu notes"]);
    assert!(
        html.contains("1–1 of 1 matching documents (3 in all)."),
        "{html}"
    );
    assert!(html.contains(r#"<option value="PARTNER" selected>"#));
    let (_, html) = page("?type=text%2Fplain&label=PARTNER").await;
    assert!(titles(&html).is_empty());
    assert!(html.contains("None of the 3 documents matches these filters."));
    assert_eq!(page("?sort=random").await.0, StatusCode::BAD_REQUEST);
    // Paging keeps the order and filters.
    for i in 0..50 {
        upload(format!("Log {i:02}"), "l.txt", "NON-PUBLIC", b"l".to_vec()).await;
    }
    let (_, html) = page("?sort=title&label=NON-PUBLIC").await;
    assert_eq!(titles(&html).len(), 50);
    assert!(
        html.contains("1–50 of 52 matching documents (53 in all)."),
        "{html}"
    );
    assert!(
        html.contains(
            r#"href="/p/alpha/ops?sort=title&#38;label=NON-PUBLIC&#38;offset=50">Next page"#
        ),
        "{html}"
    );
    let (_, html) = page("?sort=title&label=NON-PUBLIC&offset=50").await;
    assert_eq!(titles(&html), ["Log 49", "Mike memo"]);
    assert!(html.contains("51–52 of 52 matching documents"));
    assert!(html.contains("Previous page") && !html.contains("Next page"));
}
