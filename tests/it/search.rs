//! Search over HTTP: what each principal finds (and never learns), the
//! query language, snippets, paging and filters, the results page, the
//! audit trail, and enumeration through search contained by the guard.

use crate::guard::{alerts, world, ANN};
use rampart_app::Config;
use rampart_testkit::{bearer, upload_form, Session, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::Value;

async fn upload(
    s: &Session,
    community: &str,
    title: &str,
    body: &str,
    extra: &[(&str, &str)],
) -> String {
    let (portal, c) = community.split_once('/').unwrap();
    let r = s
        .post_multipart(
            &format!("/api/v1/portals/{portal}/communities/{c}/documents"),
            upload_form(title, "notes.txt", body.as_bytes().to_vec(), extra),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn search(s: &Session, query: &str) -> (StatusCode, Value) {
    let url = reqwest::Url::parse_with_params("http://x/api/v1/search", [("q", query)]).unwrap();
    let url = format!("/api/v1/search?{}", url.query().unwrap_or_default());
    let r = s.get(&url).await;
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn ids(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    NonMember,
    Reader,
    Contributor,
    Manager,
    Admin,
    Security,
    WrongNation,
    ScopedElsewhere,
}

/// The search matrix: every kind of principal × a document of its own
/// community open to all, one of its own community released to NOR only
/// (hidden from the FRA member), and one of a foreign community. Each is
/// found by a word only it holds; a principal who may not read a document
/// gets exactly the answer of a word found nowhere — on the API and on
/// the results page.
#[tokio::test]
async fn each_principal_finds_exactly_what_the_policy_lets_it_read() {
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
            Who::Security,
            "sec@example.org",
            "NOR",
            Some("security"),
            None,
        ),
        (
            Who::WrongNation,
            "fra@example.org",
            "FRA",
            None,
            Some("contributor"),
        ),
        (
            Who::ScopedElsewhere,
            "scoped@example.org",
            "NOR",
            None,
            Some("reader"),
        ),
    ];
    for (_, email, nation, role, membership) in &people {
        app.user(email, nation, *role).await;
        if let Some(m) = membership {
            app.member("alpha/ops", email, m).await;
        }
    }
    app.member("beta/intel", "scoped@example.org", "reader")
        .await;
    app.user("owner@example.org", "NOR", None).await;
    app.member("beta/intel", "owner@example.org", "manager")
        .await;
    let contrib = app.login("contrib@example.org", PASSWORD).await;
    let owner = app.login("owner@example.org", PASSWORD).await;
    let open = upload(&contrib, "alpha/ops", "Open", "zebrafinch convoy", &[]).await;
    let nor = upload(
        &contrib,
        "alpha/ops",
        "Nor",
        "quokkapatrol convoy",
        &[("releasable", "NOR")],
    )
    .await;
    let foreign = upload(&owner, "beta/intel", "Foreign", "axolotlbase convoy", &[]).await;

    let mut sessions: Vec<(Who, String, Session)> =
        vec![(Who::Anonymous, "session".into(), app.anonymous())];
    for (who, email, ..) in &people {
        if *who == Who::ScopedElsewhere {
            // A token limited to beta/intel: alpha/ops is not searched.
            let beta = app.token(email, "beta/intel", None).await;
            sessions.push((*who, "token".into(), bearer(&app, &beta)));
            continue;
        }
        sessions.push((*who, "session".into(), app.login(email, PASSWORD).await));
        sessions.push((
            *who,
            "token".into(),
            bearer(&app, &app.token(email, "read", None).await),
        ));
    }

    let expected = |who: Who| -> Option<Vec<&str>> {
        use Who::*;
        match who {
            Anonymous => None,
            NonMember | Admin | Security => Some(vec![]),
            Reader | Contributor | Manager => Some(vec!["open", "nor"]),
            WrongNation => Some(vec!["open"]),
            ScopedElsewhere => Some(vec!["foreign"]),
        }
    };
    let words = [
        ("open", "zebrafinch", &open),
        ("nor", "quokkapatrol", &nor),
        ("foreign", "axolotlbase", &foreign),
    ];
    let (_, nowhere) = search(&contrib, "nonexistentword").await;
    let mut mismatches = Vec::new();
    for (who, via, s) in &sessions {
        for (name, word, id) in words {
            let (status, body) = search(s, word).await;
            let want = expected(*who);
            let ok = match &want {
                None => status == StatusCode::UNAUTHORIZED,
                Some(found) if found.contains(&name) => {
                    status == StatusCode::OK && ids(&body) == vec![id.clone()]
                }
                // Not found: exactly the answer of a word found nowhere.
                Some(_) => status == StatusCode::OK && body == nowhere,
            };
            if !ok {
                mismatches.push(format!(
                    "{who:?} via {via} searching {name}: {status} {body}"
                ));
            }
            // The shared word: the same set, no more.
            if *name == *"open" {
                let (_, body) = search(s, "convoy").await;
                let mut got: Vec<String> = ids(&body);
                got.sort();
                let mut want_ids: Vec<String> = want
                    .unwrap_or_default()
                    .iter()
                    .map(|n| words.iter().find(|w| w.0 == *n).unwrap().2.clone())
                    .collect();
                want_ids.sort();
                if got != want_ids {
                    mismatches.push(format!("{who:?} via {via} searching convoy: {got:?}"));
                }
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert_eq!(nowhere["items"], Value::Array(vec![]));
    assert_eq!(nowhere["next"], Value::Null);

    // The results page answers alike: the FRA member's page for the NOR
    // word is the page for a word found nowhere (but for the words).
    let fra = app.login("fra@example.org", PASSWORD).await;
    let page = |q: &'static str| {
        let fra = &fra;
        async move {
            let r = fra.get(&format!("/search?q={q}")).await;
            assert_eq!(r.status(), StatusCode::OK);
            r.text().await.unwrap().replace(q, "WORD")
        }
    };
    assert_eq!(page("quokkapatrol").await, page("nonexistentword").await);
    assert!(page("zebrafinch").await.contains(&format!("/d/{open}")));
    // Filters naming an invisible or missing community narrow to nothing.
    let (status, body) = search(&fra, "zebrafinch").await;
    assert_eq!((status, ids(&body)), (StatusCode::OK, vec![open.clone()]));
    for community in ["beta/intel", "nope/none"] {
        let r = fra
            .get(&format!(
                "/api/v1/search?q=axolotlbase&community={community}"
            ))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.json::<Value>().await.unwrap(), nowhere);
    }
}

/// Accents, case, `ß`, phrases and prefixes; titles rank first; every
/// version's text is searched; snippets are escaped with the hits marked.
#[tokio::test]
async fn queries_fold_accents_and_read_phrases_prefixes_and_versions() {
    let app = TestApp::spawn().await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.user("carl@example.org", "NOR", None).await;
    app.member("alpha/ops", "carl@example.org", "contributor")
        .await;
    let carl = app.login("carl@example.org", PASSWORD).await;
    let fr = upload(
        &carl,
        "alpha/ops",
        "Retour d'expérience",
        "La sécurité des drones près de la Straße. Lessons learned in Zürich.",
        &[],
    )
    .await;
    let titled = upload(
        &carl,
        "alpha/ops",
        "Hypersonic glide vehicles",
        "Notes.",
        &[],
    )
    .await;
    let body = upload(
        &carl,
        "alpha/ops",
        "Quarterly report",
        "Figures, then a short note on hypersonic testing <script>alert(1)</script> & more.",
        &[],
    )
    .await;
    let found = |q: &'static str| {
        let carl = &carl;
        async move {
            let (status, v) = search(carl, q).await;
            assert_eq!(status, StatusCode::OK, "{q}: {v}");
            ids(&v)
        }
    };
    for q in [
        "securite",
        "SÉCURITÉ",
        "strasse",
        "zurich",
        "expérience",
        "\"lessons learned\"",
        "dron*",
        "\"lessons lear\"*",
        "retour",
    ] {
        assert_eq!(found(q).await, vec![fr.clone()], "{q}");
    }
    for q in ["\"learned lessons\"", "dro", "securites"] {
        assert!(found(q).await.is_empty(), "{q}");
    }
    // The title outranks the body.
    assert_eq!(
        found("hypersonic").await,
        vec![titled.clone(), body.clone()]
    );
    // The snippet is escaped HTML with the hits marked.
    let (_, v) = search(&carl, "alert hypersonic").await;
    let snippet = v["items"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>hypersonic</mark>"), "{snippet}");
    assert!(
        snippet.contains("&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt; &amp; more."),
        "{snippet}"
    );
    assert!(!snippet.contains("<script"), "{snippet}");
    let (_, v) = search(&carl, "securite").await;
    let snippet = v["items"][0]["snippet"].as_str().unwrap();
    assert!(
        snippet.contains("La <mark>sécurité</mark> des"),
        "{snippet}"
    );
    // On the page too: the hit marked, nothing of the text unescaped.
    let page = carl.get("/search?q=alert").await.text().await.unwrap();
    assert!(page.contains("<mark>alert</mark>"));
    assert!(!page.contains("<script>alert"));
    // A new version: its words find the document, so do the old ones.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"Renewed plan for the wombat depot.".to_vec())
            .file_name("v2.txt"),
    );
    let r = carl
        .post_multipart(&format!("/api/v1/documents/{fr}/versions"), form)
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let (_, v) = search(&carl, "wombat").await;
    assert_eq!(
        (ids(&v), v["items"][0]["version"].as_i64()),
        (vec![fr.clone()], Some(2))
    );
    let (_, v) = search(&carl, "securite").await;
    assert_eq!(
        (ids(&v), v["items"][0]["version"].as_i64()),
        (vec![fr.clone()], Some(1))
    );
    // Unusable queries say why.
    for (q, says) in [
        ("", "at least one word"),
        ("a*", "prefix"),
        ("!!", "at least one word"),
    ] {
        let (status, v) = search(&carl, q).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        assert!(
            v["message"].as_str().unwrap_or_default().contains(says)
                || v.to_string().contains(says),
            "{q}: {v}"
        );
    }
    assert_eq!(
        carl.get("/api/v1/search?q=x&cursor=abc").await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        carl.get("/api/v1/search?q=x&since=yesterday")
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let page = carl.get("/search?q=a*").await;
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("a prefix needs at least 2 letters"));
}

/// Pages of 20, filters by community, label and date, and an audit event
/// per page with the query and the number shown.
#[tokio::test]
async fn results_page_filter_and_are_audited() {
    let app = TestApp::spawn().await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.community("alpha", "log").await;
    app.user("carl@example.org", "NOR", None).await;
    app.member("alpha/ops", "carl@example.org", "contributor")
        .await;
    app.member("alpha/log", "carl@example.org", "contributor")
        .await;
    let carl = bearer(&app, &app.token("carl@example.org", "full", None).await);
    for i in 0..23 {
        upload(
            &carl,
            "alpha/ops",
            &format!("Convoy {i}"),
            "fuel convoy",
            &[],
        )
        .await;
    }
    let labelled = upload(
        &carl,
        "alpha/log",
        "Depot",
        "fuel depot",
        &[("label", "PARTNER")],
    )
    .await;
    let (_, first) = search(&carl, "convoy").await;
    assert_eq!(ids(&first).len(), 20);
    let next = first["next"].as_str().unwrap().to_owned();
    let second: Value = carl
        .get(&format!("/api/v1/search?q=convoy&cursor={next}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&second).len(), 3);
    assert_eq!(second["next"], Value::Null);
    let mut all = ids(&first);
    all.extend(ids(&second));
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 23);
    let got = |q: &'static str| {
        let carl = &carl;
        async move { ids(&carl.get(q).await.json::<Value>().await.unwrap()) }
    };
    assert_eq!(
        got("/api/v1/search?q=fuel&community=alpha/log").await,
        vec![labelled.clone()]
    );
    assert_eq!(
        got("/api/v1/search?q=fuel&portal=alpha&community=log").await,
        vec![labelled.clone()]
    );
    assert_eq!(
        got("/api/v1/search?q=fuel&label=PARTNER").await,
        vec![labelled.clone()]
    );
    assert_eq!(got("/api/v1/search?q=fuel&since=2999-01-01").await.len(), 0);
    assert_eq!(
        got("/api/v1/search?q=fuel&until=2999-01-01").await.len(),
        20
    );
    let events: Vec<_> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.kind == "search")
        .collect();
    assert_eq!(events.len(), 7);
    assert_eq!(events[0].detail["q"], "convoy");
    assert_eq!(events[0].detail["count"], 20);
    assert_eq!(events[1].detail["offset"], 20);
    assert_eq!(events[1].detail["count"], 3);
    assert_eq!(events[0].account.as_deref(), Some("carl@example.org"));
}

/// A canary is found like any other document (its answer has nothing
/// that tells it apart) and enumerating the library through search runs
/// into the listing budget: refused with 429 and an alert.
#[tokio::test]
async fn canaries_are_found_and_enumeration_is_contained() {
    let mut config = Config::default();
    config.guard.budgets.reader.list_pages_per_hour = 6;
    let (app, _ids, decoy) = world(config, 3, true).await;
    let decoy = decoy.unwrap();
    let ann = bearer(&app, &app.token(ANN, "full", None).await);
    let (status, v) = search(&ann, "budget").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&v), vec![decoy.clone()]);
    assert!(!v.to_string().contains("canary"));
    let (_, report) = search(&ann, "report").await;
    let keys = |item: &Value| {
        item.as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&v["items"][0]), keys(&report["items"][0]));
    // Walking the library one query after another: the budget of listing
    // pages holds it.
    let mut refused = None;
    for i in 0..20 {
        let (status, _) = search(&ann, &format!("report{i}* number")).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(i);
            break;
        }
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(
        refused,
        Some(4),
        "2 searches above, then 4 more within the 6 per hour"
    );
    let alerts = alerts(&app).await;
    let alert = alerts
        .iter()
        .find(|a| a["account"] == ANN)
        .expect("an alert for ann");
    assert!(
        alert.to_string().contains("listing pages per hour"),
        "{alert}"
    );
}
