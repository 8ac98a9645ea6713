//! Reviewing an alert from the console (a note, required, into the audit
//! log; a refused review answered in place) and exporting the filtered
//! timeline as CSV and JSON (audited, titles included, formulas defused).

use crate::guard::{alerts, download, world, ANN};
use rampart_app::Config;
use rampart_testkit::{bearer, csrf_of, PASSWORD};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn reviews_carry_a_note_and_the_timeline_exports() {
    let (app, ids, decoy) = world(Config::default(), 2, true).await;
    let ann = bearer(&app, &app.token(ANN, "full", None).await);
    assert_eq!(download(&ann, &ids[0]).await.status(), StatusCode::OK);
    let decoy = decoy.unwrap();
    assert_eq!(
        download(&ann, &decoy).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let alert = alerts(&app)
        .await
        .into_iter()
        .find(|a| a["account"] == ANN)
        .expect("an alert");
    let id = alert["id"].as_i64().unwrap();

    let (sec, _) = app.browser_sign_in("sec@example.org", PASSWORD).await;
    let csrf = csrf_of(&sec, &app, "/security").await;
    let close = |note: &'static str| {
        let sec = sec.clone();
        let url = app.url(&format!("/security/alerts/{id}/close"));
        let csrf = csrf.clone();
        async move {
            sec.post(url)
                .form(&[("csrf", csrf.as_str()), ("note", note)])
                .send()
                .await
                .unwrap()
        }
    };
    // Without a note: the console again, the reason beside this alert's
    // forms, nothing closed.
    let r = close("   ").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!(
            r#"id="review-error-{id}">Write a note saying why"#
        )),
        "{html}"
    );
    assert!(
        alerts(&app).await.iter().any(|a| a["id"] == id),
        "still open"
    );
    let r = close("Not Ann: the token leaked. Incident 42 opened.").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(alerts(&app).await.iter().all(|a| a["id"] != id), "closed");
    let events = app.audit().await;
    let kept = events
        .iter()
        .find(|e| e.kind == "guard.keep_locked")
        .expect("audited");
    assert_eq!(
        kept.detail["note"],
        "Not Ann: the token leaked. Incident 42 opened."
    );
    assert_eq!(kept.account.as_deref(), Some("sec@example.org"));

    // The timeline names documents by title.
    let html = sec
        .get(app.url("/security?account=ann%40example.org"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(">Report 0</a>"), "{html}");
    assert!(html.contains("/security/export.csv?account=ann%40example.org"));

    // CSV: an attachment, a header, Ann's events only, titles included.
    let r = sec
        .get(app.url("/security/export.csv?account=ann%40example.org"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment; filename=\"rampart-audit-"));
    let csv = r.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("seq,time,kind,outcome,account,session,ip,document,title,version,download,detail")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(rows.len() >= 2, "{csv}");
    assert!(
        rows.iter().all(|r| r.contains(",ann@example.org,")),
        "{csv}"
    );
    assert!(rows
        .iter()
        .any(|r| r.contains(",download,ok,") && r.contains(",Report 0,")));

    // JSON: the same events, with the filter and who exported.
    let r = sec
        .get(app.url("/security/export.json?account=ann%40example.org&kind=download"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["exported_by"], "sec@example.org");
    assert_eq!(body["filter"]["kind"], "download");
    let items = body["events"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items
        .iter()
        .all(|e| e["kind"] == "download" && e["account"] == ANN));
    assert!(items.iter().any(|e| e["title"] == "Report 0"));

    // Both exports are audited with their filter; members get nothing.
    let exports: Vec<Value> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.kind == "audit.export")
        .map(|e| e.detail)
        .collect();
    assert_eq!(exports.len(), 2, "{exports:?}");
    assert_eq!(exports[0]["format"], "csv");
    assert_eq!(exports[0]["filter"]["account"], ANN);
    let (carl, _) = app.browser_sign_in("carl@example.org", PASSWORD).await;
    let r = carl
        .get(app.url("/security/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The review forms do not exist for a member either, whatever the body
    // (the policy answers before the form is read).
    let carl_csrf = csrf_of(&carl, &app, "/account").await;
    for body in [
        vec![("csrf", carl_csrf.as_str())],
        vec![("csrf", carl_csrf.as_str()), ("note", "x")],
    ] {
        let r = carl
            .post(app.url(&format!("/security/alerts/{id}/close")))
            .form(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
    // No officer lifts a hold on their own account.
    let sec_api = app.login("sec@example.org", PASSWORD).await;
    let r = sec_api
        .post_json(
            "/api/v1/security/accounts/sec@example.org/unlock",
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
