//! The upload form as contributors use it: several files in one go, a
//! label from the configured list, releasability ticked from the nations
//! of the members and the uploader's other communities, and a message
//! listing what was uploaded. The configured list binds the API too.

use rampart_app::Config;
use rampart_testkit::{bearer, csrf_of, upload_form, TestApp, PASSWORD};
use reqwest::{multipart, StatusCode};
use serde_json::Value;

const PARTNERS: &str = "NON-PUBLIC // PARTNERS";

#[tokio::test]
async fn several_files_upload_in_one_go_with_a_configured_label() {
    let mut config = Config::default();
    config.markings.labels = vec!["NON-PUBLIC".into(), PARTNERS.into()];
    let app = TestApp::spawn_with(config).await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.community("alpha", "logistics").await;
    app.user("ann@example.org", "NOR", None).await;
    app.user("bob@example.org", "DNK", None).await;
    app.member("alpha/ops", "ann@example.org", "contributor")
        .await;
    app.member("alpha/ops", "bob@example.org", "reader").await;
    app.member("alpha/logistics", "ann@example.org", "reader")
        .await;
    let (client, _) = app.browser_sign_in("ann@example.org", PASSWORD).await;

    let html = client
        .get(app.url("/p/alpha/ops"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"<select id="label" name="label">"#),
        "a list, not free text"
    );
    assert!(html.contains(r#"<option value="NON-PUBLIC" selected>"#));
    assert!(html.contains(r#"value="DNK">"#) && html.contains(r#"value="NOR">"#));
    assert!(html.contains(r#"value="alpha/logistics">"#));
    assert!(
        !html.contains(r#"value="alpha/ops">"#),
        "not its own community"
    );
    let csrf = csrf_of(&client, &app, "/p/alpha/ops").await;

    let mut form = multipart::Form::new()
        .text("title", "")
        .text("label", PARTNERS)
        .text("releasable", "DNK")
        .text("releasable", "alpha/logistics")
        .text("releasable", "");
    for (name, body) in [("a.txt", "first"), ("b.md", "# second"), ("c.txt", "third")] {
        form = form.part(
            "file",
            multipart::Part::bytes(body.as_bytes().to_vec()).file_name(name),
        );
    }
    let r = client
        .post(app.url(&format!("/p/alpha/ops/documents?csrf={csrf}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let body = r.text().await.unwrap();
    let why = body.split("upload-error\">").nth(1).unwrap_or(&body);
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "{}",
        &why[..why.len().min(300)]
    );
    let location = location.unwrap();
    assert!(location.starts_with("/p/alpha/ops?uploaded="), "{location}");
    let html = client
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("3 documents uploaded."), "{html}");
    for title in ["a", "b", "c"] {
        assert!(
            html.contains(&format!("\">{title}</a></li>")),
            "{title} listed"
        );
    }
    // A crafted link names nothing the listing holds: no message.
    let html = client
        .get(app.url("/p/alpha/ops?uploaded=0123.4567"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("uploaded."), "{html}");

    let ann = app.login("ann@example.org", PASSWORD).await;
    let listed: Value = ann
        .get("/api/v1/portals/alpha/communities/ops/documents")
        .await
        .json()
        .await
        .unwrap();
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    for item in items {
        assert_eq!(item["marking"]["label"], PARTNERS, "{item}");
        let banner = item["banner"].as_str().unwrap();
        assert!(
            banner.contains("DNK") && banner.contains("alpha/logistics"),
            "{banner}"
        );
    }

    // A label outside the list is refused through the API as well.
    let token = app.token("ann@example.org", "full", None).await;
    let r = bearer(&app, &token)
        .post_multipart(
            "/api/v1/portals/alpha/communities/ops/documents",
            upload_form("Typo", "t.txt", b"x".to_vec(), &[("label", "NON-PUBLC")]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert!(
        body.to_string()
            .contains("is not one of this install's labels"),
        "{body}"
    );

    // More files than a form may carry: refused, nothing stored.
    let mut form = multipart::Form::new();
    for i in 0..21 {
        form = form.part(
            "file",
            multipart::Part::bytes(b"x".to_vec()).file_name(format!("f{i}.txt")),
        );
    }
    let r = client
        .post(app.url(&format!("/p/alpha/ops/documents?csrf={csrf}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let listed: Value = ann
        .get("/api/v1/portals/alpha/communities/ops/documents")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 3);
}
