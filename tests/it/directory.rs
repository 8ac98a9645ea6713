//! The member directory over HTTP: need-to-know for every kind of
//! principal, one's own profile, personal fields never on disk in clear,
//! harvesting contained by the guard, and the CSV import.

use crate::guard::alerts;
use rampart_app::Config;
use rampart_testkit::{bearer, on_postgres, Session, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::process::Command;

const PHONE: &str = "+47 555 0199 123";
const ADDRESS: &str = "Kongens gate 99, 0153 Oslo";

fn emails(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["email"].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

async fn put_profile(s: &Session, body: &Value) -> reqwest::Response {
    s.put_json("/api/v1/account/profile", body).await
}

/// alpha/ops: ann (reader) and carl (contributor); beta/intel: bob and
/// carl; dave in no community; an administrator and a security officer.
/// Everyone has filled in a profile.
async fn world(config: Config) -> TestApp {
    let app = TestApp::spawn_with(config).await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.portal("beta").await;
    app.community("beta", "intel").await;
    for (email, role) in [
        ("ann@example.org", None),
        ("carl@example.org", None),
        ("bob@example.org", None),
        ("dave@example.org", None),
        ("adm@example.org", Some("admin")),
        ("sec@example.org", Some("security")),
    ] {
        app.user(email, "NOR", role).await;
    }
    app.member("alpha/ops", "ann@example.org", "reader").await;
    app.member("alpha/ops", "carl@example.org", "contributor")
        .await;
    app.member("beta/intel", "carl@example.org", "reader").await;
    app.member("beta/intel", "bob@example.org", "reader").await;
    for email in [
        "ann@example.org",
        "carl@example.org",
        "bob@example.org",
        "dave@example.org",
        "adm@example.org",
        "sec@example.org",
    ] {
        let s = app.login(email, PASSWORD).await;
        let local = email.split('@').next().unwrap();
        let r = put_profile(
            &s,
            &json!({"organisation": format!("Org of {local}"), "phone": format!("{local} phone"), "unit": "J4"}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    }
    app
}

#[tokio::test]
async fn each_principal_sees_the_profiles_it_needs_to_know() {
    let app = world(Config::default()).await;
    // The first administrator (no profile filled in) is a member too.
    let all: Vec<String> = [
        "adm@example.org",
        "admin@rampart.local",
        "ann@example.org",
        "bob@example.org",
        "carl@example.org",
        "dave@example.org",
        "sec@example.org",
    ]
    .map(String::from)
    .to_vec();
    let cases: [(&str, Vec<&str>); 6] = [
        (
            "ann@example.org",
            vec!["ann@example.org", "carl@example.org"],
        ),
        (
            "carl@example.org",
            vec!["ann@example.org", "bob@example.org", "carl@example.org"],
        ),
        (
            "bob@example.org",
            vec!["bob@example.org", "carl@example.org"],
        ),
        ("dave@example.org", vec!["dave@example.org"]),
        ("adm@example.org", all.iter().map(String::as_str).collect()),
        ("sec@example.org", all.iter().map(String::as_str).collect()),
    ];
    for (email, want) in cases {
        for s in [
            app.login(email, PASSWORD).await,
            bearer(&app, &app.token(email, "read", None).await),
        ] {
            let r = s.get("/api/v1/directory").await;
            assert_eq!(r.status(), StatusCode::OK);
            let v: Value = r.json().await.unwrap();
            assert_eq!(emails(&v), want, "{email}");
            // Whoever is shown is shown whole, decrypted.
            for item in v["items"].as_array().unwrap() {
                let local = item["email"].as_str().unwrap().split('@').next().unwrap();
                if local == "admin" {
                    assert_eq!(
                        (item["organisation"].as_str(), item.get("phone")),
                        (Some(""), None)
                    );
                    continue;
                }
                assert_eq!(item["phone"], format!("{local} phone"));
                assert_eq!(item["unit"], "J4");
                assert_eq!(item["organisation"], format!("Org of {local}"));
            }
        }
    }
    // A credential limited to beta/intel sees the members of beta/intel.
    let scoped = bearer(
        &app,
        &app.token("carl@example.org", "beta/intel", None).await,
    );
    let v: Value = scoped.get("/api/v1/directory").await.json().await.unwrap();
    assert_eq!(emails(&v), vec!["bob@example.org", "carl@example.org"]);
    assert_eq!(
        app.anonymous().get("/api/v1/directory").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Search by name, organisation and nation; a hidden profile is not
    // found by its words either.
    let ann = app.login("ann@example.org", PASSWORD).await;
    let found = |q: &'static str| {
        let ann = &ann;
        async move {
            emails(
                &ann.get(&format!("/api/v1/directory?q={q}"))
                    .await
                    .json::<Value>()
                    .await
                    .unwrap(),
            )
        }
    };
    assert_eq!(found("org%20of%20carl").await, vec!["carl@example.org"]);
    assert_eq!(found("ORG%20OF%20CARL").await, vec!["carl@example.org"]);
    assert_eq!(found("nor").await.len(), 2);
    assert!(found("org%20of%20bob").await.is_empty());
    // The page shows what the API shows.
    let page = ann.get("/directory").await.text().await.unwrap();
    assert!(page.contains("carl phone") && !page.contains("bob phone"));
    // Every page is audited with whom it showed.
    let shown: Vec<Value> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.kind == "directory.view")
        .map(|e| e.detail["shown"].clone())
        .collect();
    assert!(shown
        .iter()
        .any(|s| *s == json!(["ann@example.org", "carl@example.org"])));
}

#[tokio::test]
async fn owners_edit_their_profile_with_clear_errors() {
    let app = world(Config::default()).await;
    let ann = app.login("ann@example.org", PASSWORD).await;
    let v: Value = ann
        .get("/api/v1/account/profile")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["phone"], "ann phone");
    assert!(v["name"].as_str().is_some());
    // A field left out is removed.
    let v: Value = put_profile(&ann, &json!({"organisation": "NDA", "position": "Analyst"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (v["position"].as_str(), v.get("phone")),
        (Some("Analyst"), None)
    );
    for (body, says) in [
        (json!({"shoe_size": "44"}), "not a profile field"),
        (json!({"phone": "x".repeat(501)}), "at most 500"),
        (json!({"organisation": "a\u{0}b"}), "control"),
    ] {
        let r = put_profile(&ann, &body).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains(says), "{says}");
    }
    // A read-only credential may read the profile, not change it.
    let read = bearer(&app, &app.token("ann@example.org", "read", None).await);
    assert_eq!(
        read.get("/api/v1/account/profile").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        put_profile(&read, &json!({})).await.status(),
        StatusCode::FORBIDDEN
    );
    // The account page's form.
    let r = ann
        .post_form(
            "/account/profile",
            &[("organisation", "NDA"), ("unit", "J7 Training")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Profile saved."));
    let v: Value = ann
        .get("/api/v1/account/profile")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (v["unit"].as_str(), v.get("position")),
        (Some("J7 Training"), None)
    );
    let audit = app.audit().await;
    let edit = audit
        .iter()
        .rev()
        .find(|e| e.kind == "account.profile")
        .unwrap();
    assert_eq!(edit.detail["fields"], json!(["unit"]));
    assert!(!audit
        .iter()
        .any(|e| e.detail.to_string().contains("ann phone")));
}

/// A profile's phone number and address are nowhere on disk in clear: not
/// in the database, its WAL, its shared memory, nor any other file of the
/// data dir (on PostgreSQL: in no row of any table of the schema). The
/// organisation, kept in clear to be searched, is found the same way: the
/// check sees what is there.
#[tokio::test]
async fn personal_fields_are_not_on_disk_in_clear() {
    let app = world(Config::default()).await;
    let ann = app.login("ann@example.org", PASSWORD).await;
    let r = put_profile(&ann, &json!({"phone": PHONE, "address": ADDRESS})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let carl = app.login("carl@example.org", PASSWORD).await;
    let v: Value = carl
        .get("/api/v1/directory?q=ann")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["items"][0]["phone"], PHONE);
    if on_postgres() {
        // Every row of every table of the schema, as text (bytes as hex).
        let url = app.schema.as_ref().unwrap().url();
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::TEXT FROM information_schema.tables WHERE table_schema = current_schema()",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert!(tables.iter().any(|t| t == "profile_fields"), "{tables:?}");
        let mut organisation_seen = false;
        for table in tables {
            let rows: Vec<String> =
                sqlx::query_scalar(&format!("SELECT t::TEXT FROM \"{table}\" t"))
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            organisation_seen |= rows.iter().any(|r| r.contains("Org of ann"));
            for secret in [PHONE, ADDRESS, "Kongens gate"] {
                let hexed = hex::encode(secret);
                assert!(
                    !rows
                        .iter()
                        .any(|r| r.contains(secret) || r.contains(&hexed)),
                    "{secret} in clear in {table}"
                );
            }
        }
        pool.close().await;
        assert!(organisation_seen);
        return;
    }
    let mut files = Vec::new();
    let mut dirs = vec![app.dir.path().to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    let names: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    assert!(names.iter().any(|n| n == "rampart.db-wal"), "{names:?}");
    let mut organisation_seen = false;
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        organisation_seen |= bytes.windows(10).any(|w| w == b"Org of ann");
        for secret in [PHONE, ADDRESS, "Kongens gate", "0199 123"] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} in clear in {}",
                file.display()
            );
        }
    }
    assert!(organisation_seen, "the organisation is on disk in clear");
}

#[tokio::test]
async fn harvesting_the_directory_is_contained_with_an_alert() {
    let mut config = Config::default();
    config.guard.budgets.reader.profile_views_per_hour = 10;
    let app = world(config).await;
    for i in 0..8 {
        let email = format!("m{i}@example.org");
        app.user(&email, "FRA", None).await;
        app.member("alpha/ops", &email, "reader").await;
    }
    let ann = bearer(&app, &app.token("ann@example.org", "full", None).await);
    // 9 others on the first page: within 10.
    let r = ann.get("/api/v1/directory").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(emails(&r.json().await.unwrap()).len(), 10);
    // Again: 18 would be over; refused, with nobody's profile in the answer.
    let r = ann.get("/api/v1/directory").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(!r.text().await.unwrap().contains("phone"));
    let alerts = alerts(&app).await;
    let alert = alerts
        .iter()
        .find(|a| a["account"] == "ann@example.org")
        .expect("an alert for ann");
    assert!(
        alert.to_string().contains("profiles viewed per hour"),
        "{alert}"
    );
    // Looking up oneself is no view of anyone.
    assert_eq!(
        ann.get("/api/v1/account/profile").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_csv_import_is_checked_whole_and_writes_nothing_when_wrong() {
    let app = world(Config::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let import = |csv: &str| {
        let path = dir.path().join("people.csv");
        std::fs::write(&path, csv).unwrap();
        Command::new(env!("CARGO_BIN_EXE_rampart"))
            .args(["admin", "user", "import"])
            .arg(&path)
            .arg("--data")
            .arg(app.dir.path())
            .envs(app.command_env())
            .env("RAMPART_LOG", "warn")
            .output()
            .unwrap()
    };
    let bad = "email,name,nation,organisation,phone,shoe_size\nann@example.org,,,X,1,2\n";
    let out = import(bad);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown column \"shoe_size\""), "{err}");
    let bad = "email,name,nation,organisation,phone\n\
               new1@example.org,New One,NOR,Agency,+1 555 0101\n\
               new2@example.org,New Two,XXX,Agency,+1 555 0102\n\
               ann@example.org,,,Changed,+1 555 0103\n\
               new3@example.org,,,Agency,\n";
    let out = import(bad);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3: nation"), "{err}");
    assert!(
        err.contains("line 5: new3@example.org has no account yet"),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    // Nothing: no account, no change.
    let adm = app.login("adm@example.org", PASSWORD).await;
    let v: Value = adm
        .get("/api/v1/directory?q=new")
        .await
        .json()
        .await
        .unwrap();
    assert!(emails(&v).is_empty());
    let v: Value = adm
        .get("/api/v1/directory?q=ann")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["items"][0]["organisation"], "Org of ann");
    let good = "Email,Name,Nation,Organisation,Phone,Address\n\
                new1@example.org,Nouvelle Élise,FRA,Agence,+33 555 0101,\"1 rue X, Paris\"\n\
                ann@example.org,,,Changed,+1 555 0103,\n";
    let out = import(good);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("new1@example.org,"), "{stdout}");
    let v: Value = adm
        .get("/api/v1/directory?q=elise")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["items"][0]["address"], "1 rue X, Paris");
    assert_eq!(v["items"][0]["nation"], "FRA");
    let v: Value = adm
        .get("/api/v1/directory?q=ann")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            v["items"][0]["organisation"].as_str(),
            v["items"][0].get("unit")
        ),
        (Some("Changed"), None)
    );
    assert!(app
        .audit()
        .await
        .iter()
        .any(|e| e.kind == "admin.profile_import"));
}
