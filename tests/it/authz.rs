//! The authorization matrix: every API route × every kind of principal ×
//! own and foreign community, against the answer the policy promises.
//! Anything a principal may not see is 404, exactly like a missing object;
//! 403 only where the object is visible and the action is not allowed.

use rampart_testkit::{bearer, upload_form, Session, TestApp, PASSWORD};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    NonMember,
    Reader,
    Contributor,
    Manager,
    Admin,
    WrongNation,
}

#[derive(Clone, Copy, Debug)]
enum Route {
    ListCommunities,
    ListDocuments,
    Upload,
    Metadata,
    Content,
    NewVersion,
    PageCommunity,
    PageUpload,
    PageDocument,
    PageContent,
    PageAdmin,
}

/// What the policy promises. `own` is alpha/ops, where every role below is
/// held; `foreign` is beta/intel, where none is.
fn expected(who: Who, route: Route, own: bool) -> u16 {
    use Route::*;
    use Who::*;
    let page = matches!(
        route,
        PageCommunity | PageUpload | PageDocument | PageContent | PageAdmin
    );
    match (who, own) {
        (Anonymous, _) if page => 303, // to the sign-in page
        (Anonymous, _) => 401,
        (Admin, _) if matches!(route, PageCommunity | PageAdmin) => 200,
        (_, _) if matches!(route, PageAdmin) => 404,
        (_, _) if page => {
            // Pages answer like their API twins; a successful upload redirects.
            let twin = match route {
                PageCommunity => ListDocuments,
                PageUpload => Upload,
                PageDocument => Metadata,
                _ => Content,
            };
            match expected(who, twin, own) {
                201 => 303,
                other => other,
            }
        }
        (Admin, _) => match route {
            // Administrators see every community to manage it, but are not
            // readers of their documents.
            ListCommunities => 200,
            _ => 404,
        },
        (_, false) | (NonMember, true) => 404,
        (Reader, true) => match route {
            Upload | NewVersion => 403,
            _ => 200,
        },
        (Contributor | Manager, true) => match route {
            Upload | NewVersion => 201,
            _ => 200,
        },
        // A contributor of another nation: the community is visible, the
        // document (released to NOR only) is not.
        (WrongNation, true) => match route {
            ListCommunities | ListDocuments => 200,
            Upload => 201,
            Metadata | Content | NewVersion => 404,
            PageCommunity | PageUpload | PageDocument | PageContent | PageAdmin => {
                unreachable!("pages are answered above")
            }
        },
    }
}

async fn call(s: &Session, route: Route, portal: &str, community: &str, doc: &str) -> u16 {
    let docs = format!("/api/v1/portals/{portal}/communities/{community}/documents");
    let r = match route {
        Route::ListCommunities => {
            s.get(&format!("/api/v1/portals/{portal}/communities"))
                .await
        }
        Route::ListDocuments => s.get(&docs).await,
        Route::Upload => {
            s.post_multipart(&docs, upload_form("matrix", "m.txt", b"m".to_vec(), &[]))
                .await
        }
        Route::Metadata => s.get(&format!("/api/v1/documents/{doc}")).await,
        Route::Content => s.get(&format!("/api/v1/documents/{doc}/content")).await,
        Route::NewVersion => {
            let form = reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(b"v".to_vec()).file_name("v.txt"),
            );
            s.post_multipart(&format!("/api/v1/documents/{doc}/versions"), form)
                .await
        }
        Route::PageCommunity => s.get(&format!("/p/{portal}/{community}")).await,
        Route::PageUpload => {
            s.post_multipart(
                &format!("/p/{portal}/{community}/documents"),
                upload_form("matrix", "m.txt", b"m".to_vec(), &[]),
            )
            .await
        }
        Route::PageDocument => s.get(&format!("/d/{doc}")).await,
        Route::PageContent => s.get(&format!("/d/{doc}/content")).await,
        Route::PageAdmin => s.get("/admin").await,
    };
    r.status().as_u16()
}

async fn create_doc(app: &TestApp, email: &str, community: &str, releasable: &str) -> String {
    let s = app.login(email, PASSWORD).await;
    let (portal, c) = community.split_once('/').unwrap();
    let r = s
        .post_multipart(
            &format!("/api/v1/portals/{portal}/communities/{c}/documents"),
            upload_form(
                "target",
                "t.txt",
                b"secret".to_vec(),
                &[("releasable", releasable)],
            ),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_route_every_principal_own_and_foreign() {
    let app = TestApp::spawn().await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.portal("beta").await;
    app.community("beta", "intel").await;
    let people = [
        (Who::NonMember, "non@example.org", "NOR", None, None),
        (
            Who::Reader,
            "reader@example.org",
            "NOR",
            None,
            Some("reader"),
        ),
        (
            Who::Contributor,
            "contrib@example.org",
            "NOR",
            None,
            Some("contributor"),
        ),
        (
            Who::Manager,
            "manager@example.org",
            "NOR",
            None,
            Some("manager"),
        ),
        (Who::Admin, "admin@example.org", "NOR", Some("admin"), None),
        (
            Who::WrongNation,
            "fra@example.org",
            "FRA",
            None,
            Some("contributor"),
        ),
    ];
    for (_, email, nation, role, membership) in &people {
        app.user(email, nation, *role).await;
        if let Some(m) = membership {
            app.member("alpha/ops", email, m).await;
        }
    }
    app.user("owner@example.org", "NOR", None).await;
    app.member("beta/intel", "owner@example.org", "manager")
        .await;
    let own_doc = create_doc(&app, "contrib@example.org", "alpha/ops", "NOR").await;
    let foreign_doc = create_doc(&app, "owner@example.org", "beta/intel", "").await;

    let mut sessions: Vec<(Who, &str, Session)> =
        vec![(Who::Anonymous, "session", app.anonymous())];
    for (who, email, ..) in &people {
        sessions.push((*who, "session", app.login(email, PASSWORD).await));
        sessions.push((
            *who,
            "token",
            bearer(&app, &app.token(email, "full", None).await),
        ));
    }

    let routes = [
        Route::ListCommunities,
        Route::ListDocuments,
        Route::Upload,
        Route::Metadata,
        Route::Content,
        Route::NewVersion,
        Route::PageCommunity,
        Route::PageUpload,
        Route::PageDocument,
        Route::PageContent,
        Route::PageAdmin,
    ];
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for (who, via, session) in &sessions {
        for route in routes {
            for own in [true, false] {
                let (portal, community, doc) = if own {
                    ("alpha", "ops", own_doc.as_str())
                } else {
                    ("beta", "intel", foreign_doc.as_str())
                };
                let got = call(session, route, portal, community, doc).await;
                let want = expected(*who, route, own);
                checked += 1;
                if got != want {
                    mismatches.push(format!(
                        "{who:?} via {via} {route:?} own={own}: got {got}, want {want}"
                    ));
                }
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {checked} cells differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert_eq!(checked, 13 * 11 * 2);

    // Unknown portals and communities answer exactly like foreign ones.
    let reader = &sessions
        .iter()
        .find(|(w, v, _)| *w == Who::Reader && *v == "session")
        .unwrap()
        .2;
    assert_eq!(
        call(reader, Route::ListCommunities, "nope", "x", "x").await,
        404
    );
    assert_eq!(
        call(reader, Route::ListDocuments, "alpha", "nope", "x").await,
        404
    );
    let foreign: Value = reader.get("/api/v1/portals").await.json().await.unwrap();
    assert_eq!(
        foreign["items"].as_array().unwrap().len(),
        1,
        "only portals with a membership: {foreign}"
    );
}

#[tokio::test]
async fn suspended_accounts_lose_every_credential() {
    let app = TestApp::spawn().await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.user("ann@example.org", "NOR", None).await;
    app.member("alpha/ops", "ann@example.org", "reader").await;
    let session = app.login("ann@example.org", PASSWORD).await;
    let token = bearer(&app, &app.token("ann@example.org", "full", None).await);
    let ann = app
        .state
        .store
        .account_by_email(&"ann@example.org".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let now = rampart_domain::Clock::now(&*app.clock);
    app.state
        .store
        .set_account_status(ann.id, rampart_domain::AccountStatus::Suspended, now)
        .await
        .unwrap();
    assert_eq!(session.get("/api/v1/me").await.status(), 401);
    assert_eq!(token.get("/api/v1/me").await.status(), 401);
    let r = app
        .anonymous()
        .post_json(
            "/api/v1/login",
            &serde_json::json!({"email": "ann@example.org", "password": PASSWORD}),
        )
        .await;
    // The right password learns that the account is locked, nothing more.
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"]["code"],
        "account_locked"
    );
}
