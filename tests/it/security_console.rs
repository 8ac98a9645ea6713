//! The security console page: only investigators see it, its timeline
//! filters, the latest checkpoint, and "Verify now" catching tampering done
//! directly in the database.

use rampart_testkit::{Session, TestApp, PASSWORD};
use reqwest::StatusCode;
use std::time::Duration;

/// The timeline's rows (the page outside them names the viewer too).
fn rows(html: &str) -> Vec<String> {
    let Some(start) = html.find("<tbody>") else {
        return Vec::new();
    };
    let end = html[start..].find("</tbody>").unwrap() + start;
    html[start..end]
        .split("<tr class=\"event")
        .skip(1)
        .map(str::to_owned)
        .collect()
}

/// The sequence number in a row's first cell.
fn seq_of(row: &str) -> u64 {
    let start = row.find("<td>").unwrap() + 4;
    let end = row[start..].find("</td>").unwrap() + start;
    row[start..end].parse().unwrap()
}

async fn page(session: &Session, path: &str) -> (StatusCode, String) {
    let r = session.get(path).await;
    (r.status(), r.text().await.unwrap())
}

async fn verify(app: &TestApp, session: &Session, csrf: &str) -> reqwest::Response {
    session
        .client
        .post(app.url(&format!("/security/verify?csrf={csrf}")))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn only_investigators_see_the_console_and_its_filters_work() {
    let app = TestApp::spawn().await;
    app.user("sec@example.org", "NOR", Some("security")).await;
    app.user("ann@example.org", "NOR", None).await;
    let anon = app.anonymous();
    let r = anon.get("/security").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login");

    let ann = app.login("ann@example.org", PASSWORD).await;
    assert_eq!(ann.get("/security").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        ann.get("/security?since=garbage").await.status(),
        StatusCode::NOT_FOUND,
        "no oracle through input errors"
    );
    assert_eq!(
        verify(&app, &ann, &ann.csrf).await.status(),
        StatusCode::NOT_FOUND
    );
    let (_, home) = page(&ann, "/").await;
    assert!(!home.contains("href=\"/security\""), "no link for members");
    assert!(app.audit().await.iter().any(|e| e.kind == "audit.view"
        && e.account.as_deref() == Some("ann@example.org")
        && e.outcome == rampart_store::Outcome::Denied));

    let sec = app.login("sec@example.org", PASSWORD).await;
    let (_, home) = page(&sec, "/").await;
    assert!(
        home.contains("href=\"/security\""),
        "the nav links the console"
    );
    let (status, html) = page(&sec, "/security").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Security console"));
    let all = rows(&html);
    assert!(
        all.iter()
            .any(|r| r.contains("<code>login</code>") && r.contains("sec@example.org")),
        "its own sign-in is on the timeline"
    );
    assert!(
        seq_of(&all[0]) > seq_of(all.last().unwrap()),
        "newest first"
    );
    assert!(
        all[0].contains("<code>audit.view</code>"),
        "the view itself"
    );

    // The log signs a checkpoint every second.
    let origin = app.state.log.origin().to_owned();
    let mut shown = false;
    for _ in 0..100 {
        let (_, html) = page(&sec, "/security").await;
        if !html.contains("No checkpoint yet.") {
            assert!(
                html.contains(&format!("class=\"note\">{origin}\n")),
                "{html}"
            );
            assert!(html.contains(" entries</dd>"));
            shown = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(shown, "a checkpoint within 10 s");

    // Filters.
    let (status, html) = page(&sec, "/security?kind=login").await;
    assert_eq!(status, StatusCode::OK);
    let logins = rows(&html);
    assert_eq!(logins.len(), 2, "two sign-ins");
    assert!(logins.iter().all(|r| r.contains("<code>login</code>")));
    let (_, html) = page(
        &sec,
        "/security?account=ann%40example.org&kind=&since=&until=&limit=",
    )
    .await;
    let anns = rows(&html);
    assert!(!anns.is_empty());
    assert!(anns
        .iter()
        .all(|r| r.contains("ann@example.org") && !r.contains("sec@example.org")));
    let (_, html) = page(&sec, "/security?since=2099-01-01T00%3A00").await;
    assert!(rows(&html).is_empty() && html.contains("No events match."));
    let (_, html) = page(&sec, "/security?until=2001-01-01").await;
    assert!(rows(&html).is_empty());
    let (_, html) = page(&sec, "/security?since=2001-01-01&until=2099-12-31").await;
    assert!(!rows(&html).is_empty());
    let (status, html) = page(&sec, "/security?since=next+tuesday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("since"));
    assert_eq!(
        page(&sec, "/security?limit=abc").await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        page(&sec, "/security?before_seq=-4").await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        page(&sec, "/security?colour=red").await.0,
        StatusCode::BAD_REQUEST
    );

    // Pagination: one row a page, the older link continues below it.
    let (_, html) = page(&sec, "/security?kind=login&limit=1").await;
    let first = rows(&html);
    assert_eq!(first.len(), 1);
    let start = html.find("\">Older</a>").expect("an older link");
    let href_start = html[..start].rfind("href=\"").unwrap() + 6;
    let older = html[href_start..start]
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    assert!(older.contains("before_seq="), "{older}");
    let (_, html) = page(&sec, &older).await;
    let second = rows(&html);
    assert_eq!(second.len(), 1);
    assert!(seq_of(&second[0]) < seq_of(&first[0]));
    assert!(second[0].contains("ann@example.org"));
    assert!(!html.contains(">Older</a>"), "no third sign-in");
    assert!(html.contains(">Newest</a>"));

    // Every view is audited with its filter.
    let events = app.audit().await;
    assert!(events.iter().any(|e| e.kind == "audit.view"
        && e.account.as_deref() == Some("sec@example.org")
        && e.detail["filter"]["kind"] == "login"
        && e.detail["filter"]["limit"] == 1));
}

#[tokio::test]
async fn verify_now_records_the_outcome_and_names_the_tampered_index() {
    let app = TestApp::spawn().await;
    app.user("sec@example.org", "NOR", Some("security")).await;
    app.user("ann@example.org", "NOR", None).await;
    let _ann = app.login("ann@example.org", PASSWORD).await;
    let sec = app.login("sec@example.org", PASSWORD).await;
    let (_, html) = page(&sec, "/security").await;
    assert!(html.contains("The log has not been verified yet."));

    assert_eq!(
        verify(&app, &sec, "").await.status(),
        StatusCode::FORBIDDEN,
        "no CSRF token"
    );
    let r = verify(&app, &sec, &sec.csrf).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/security");
    let (_, html) = page(&sec, "/security").await;
    assert!(html.contains("Verification passed"), "{html}");
    let record = app.state.store.last_verification().await.unwrap().unwrap();
    assert!(record.ok && record.entries > 0);

    // Rewrite who signed in, directly in the database.
    let seq = app
        .audit()
        .await
        .iter()
        .find(|e| e.kind == "login" && e.account.as_deref() == Some("ann@example.org"))
        .unwrap()
        .seq;
    app.execute_sql(
        &format!("UPDATE audit_events SET entry = CAST(REPLACE(CAST(entry AS TEXT), 'ann@example.org', 'eve@example.org') AS BLOB) WHERE seq = {seq}"),
        &format!("UPDATE audit_events SET entry = convert_to(replace(convert_from(entry, 'UTF8'), 'ann@example.org', 'eve@example.org'), 'UTF8') WHERE seq = {seq}"),
    )
    .await;

    let r = verify(&app, &sec, &sec.csrf).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(&sec, "/security").await;
    assert!(html.contains("Verification failed"), "{html}");
    assert!(html.contains(&format!("at index {seq}")), "{html}");
    let events = app.audit().await;
    let runs: Vec<_> = events.iter().filter(|e| e.kind == "audit.verify").collect();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].outcome, rampart_store::Outcome::Ok);
    assert_eq!(runs[1].outcome, rampart_store::Outcome::Failed);
    assert_eq!(runs[1].detail["ok"], false);
}
