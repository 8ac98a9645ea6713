use rampart_app::Config;
use rampart_testkit::{upload_form, Session, TestApp, PASSWORD};
use serde_json::Value;

const DOCS: &str = "/api/v1/portals/alpha/communities/ops/documents";

async fn world(config: Config) -> (TestApp, Session) {
    let app = TestApp::spawn_with(config).await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.portal("beta").await;
    app.community("beta", "intel").await;
    app.user("ann@example.org", "NOR", None).await;
    app.member("alpha/ops", "ann@example.org", "contributor")
        .await;
    let ann = app.login("ann@example.org", PASSWORD).await;
    (app, ann)
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while out.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(n);
    out
}

fn files_under(dir: &std::path::Path) -> usize {
    walk(dir).len()
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[tokio::test]
async fn upload_then_download_is_byte_exact_and_audited() {
    let (app, ann) = world(Config::default()).await;
    let content = random_bytes(3 * 1024 * 1024 + 17);
    let r = ann
        .post_multipart(
            DOCS,
            upload_form(
                "Counter-drone tactics",
                "cdt.pdf",
                content.clone(),
                &[("releasable", "NOR,FRA")],
            ),
        )
        .await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 32);
    assert_eq!(created["version"], 1);

    let meta: Value = ann
        .get(&format!("/api/v1/documents/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(meta["title"], "Counter-drone tactics");
    assert_eq!(meta["media_type"], "application/pdf");
    assert_eq!(
        meta["marking"]["releasable_nations"],
        serde_json::json!(["FRA", "NOR"])
    );
    assert_eq!(meta["banner"], "NON-PUBLIC // REL TO FRA, NOR");

    let r = ann.get(&format!("/api/v1/documents/{id}/content")).await;
    assert_eq!(r.status(), 200);
    let download = r.headers()["x-rampart-download"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(r.bytes().await.unwrap().to_vec(), content);

    let events = app.audit().await;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert!(
        kinds.contains(&"upload") && kinds.contains(&"view"),
        "{kinds:?}"
    );
    let dl = events.iter().find(|e| e.kind == "download").unwrap();
    assert_eq!(dl.download.as_deref(), Some(download.as_str()));
    assert_eq!(dl.document.as_deref(), Some(id.as_str()));
    assert_eq!(dl.account.as_deref(), Some("ann@example.org"));
    let ann_id = app
        .state
        .store
        .account_by_email(&"ann@example.org".parse().unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(app.state.store.count_downloads_of(ann_id).await.unwrap(), 1);
}

#[tokio::test]
async fn versions_are_immutable_and_listed() {
    let (_app, ann) = world(Config::default()).await;
    let created: Value = ann
        .post_multipart(
            DOCS,
            upload_form("Plan", "plan.txt", b"first".to_vec(), &[]),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"second".to_vec()).file_name("plan-v2.txt"),
    );
    let r = ann
        .post_multipart(&format!("/api/v1/documents/{id}/versions"), form)
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["version"], 2);
    let current = ann
        .get(&format!("/api/v1/documents/{id}/content"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(&current[..], b"second");
    let first = ann
        .get(&format!("/api/v1/documents/{id}/content?version=1"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(&first[..], b"first");
    assert_eq!(
        ann.get(&format!("/api/v1/documents/{id}/content?version=3"))
            .await
            .status(),
        404
    );
    let meta: Value = ann
        .get(&format!("/api/v1/documents/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(meta["versions"].as_array().unwrap().len(), 2);
    assert_eq!(meta["version"], 2);
}

/// Regression: `invoice\u{202e}txt.exe` showed as "invoiceexe.txt" on the
/// document page. File names are stripped (not refused, unlike titles) of
/// bidi controls and other invisible format characters.
#[tokio::test]
async fn bidi_and_invisible_characters_are_stripped_from_file_names() {
    let (_app, ann) = world(Config::default()).await;
    let r = ann
        .post_multipart(
            DOCS,
            upload_form(
                "Invoice",
                "in\u{200b}voice\u{202e}txt.exe\u{feff}",
                b"MZ".to_vec(),
                &[],
            ),
        )
        .await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let meta: Value = ann
        .get(&format!("/api/v1/documents/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(meta["filename"], "invoicetxt.exe");
    let page = ann.get(&format!("/d/{id}")).await.text().await.unwrap();
    assert!(page.contains(">invoicetxt.exe</td>"), "{page}");
    assert!(!page.contains('\u{202e}') && !page.contains("&#8238;"));
    // Titles still refuse what file names lose.
    let r = ann
        .post_multipart(
            DOCS,
            upload_form("in\u{202e}voice", "a.txt", b"x".to_vec(), &[]),
        )
        .await;
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn listing_paginates_with_a_cursor() {
    let (app, ann) = world(Config::default()).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        app.clock.advance(std::time::Duration::from_secs(1));
        let v: Value = ann
            .post_multipart(
                DOCS,
                upload_form(&format!("doc {i}"), "a.txt", vec![b'a' + i], &[]),
            )
            .await
            .json()
            .await
            .unwrap();
        ids.push(v["id"].as_str().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = cursor
            .as_ref()
            .map(|c| format!("&cursor={c}"))
            .unwrap_or_default();
        let page: Value = ann
            .get(&format!("{DOCS}?limit=3{q}"))
            .await
            .json()
            .await
            .unwrap();
        for item in page["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    ids.reverse();
    assert_eq!(seen, ids, "newest first, each exactly once");
    assert_eq!(
        ann.get(&format!("{DOCS}?cursor=garbage")).await.status(),
        400
    );
    assert_eq!(ann.get(&format!("{DOCS}?limit=abc")).await.status(), 400);
}

#[tokio::test]
async fn releasability_hides_documents_from_other_nations() {
    let (app, ann) = world(Config::default()).await;
    app.user("fred@example.org", "FRA", None).await;
    app.member("alpha/ops", "fred@example.org", "reader").await;
    let fred = app.login("fred@example.org", PASSWORD).await;
    let v: Value = ann
        .post_multipart(
            DOCS,
            upload_form(
                "Norway only",
                "n.txt",
                b"n".to_vec(),
                &[("releasable", "NOR")],
            ),
        )
        .await
        .json()
        .await
        .unwrap();
    let hidden = v["id"].as_str().unwrap();
    let v: Value = ann
        .post_multipart(DOCS, upload_form("Everyone", "e.txt", b"e".to_vec(), &[]))
        .await
        .json()
        .await
        .unwrap();
    let open = v["id"].as_str().unwrap();
    let listed: Value = fred.get(DOCS).await.json().await.unwrap();
    let listed: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [open]);
    assert_eq!(
        fred.get(&format!("/api/v1/documents/{hidden}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        fred.get(&format!("/api/v1/documents/{hidden}/content"))
            .await
            .status(),
        404
    );
    assert_eq!(
        fred.get(&format!("/api/v1/documents/{open}/content"))
            .await
            .status(),
        200
    );
    let denials = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.outcome == rampart_store::Outcome::Denied)
        .count();
    assert_eq!(denials, 2);

    // Releasable to a community: members of that community may read, whatever their nation.
    app.community("alpha", "partners").await;
    app.member("alpha/partners", "ann@example.org", "reader")
        .await;
    app.member("alpha/partners", "fred@example.org", "reader")
        .await;
    let v: Value = ann
        .post_multipart(
            DOCS,
            upload_form(
                "For partners",
                "p.txt",
                b"p".to_vec(),
                &[("releasable", "alpha/partners")],
            ),
        )
        .await
        .json()
        .await
        .unwrap();
    let shared = v["id"].as_str().unwrap();
    assert_eq!(
        fred.get(&format!("/api/v1/documents/{shared}/content"))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn bad_uploads_get_clear_errors_and_leave_nothing_behind() {
    let mut config = Config::default();
    config.upload.max_bytes = 64 * 1024;
    let (app, ann) = world(config).await;
    let blobs = app.dir.path().join("blobs");
    let before = files_under(&blobs);
    let cases: Vec<(&str, reqwest::multipart::Form, u16)> = vec![
        (
            "oversized",
            upload_form("big", "big.bin", random_bytes(200 * 1024), &[]),
            413,
        ),
        (
            "missing title",
            reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("a.txt"),
            ),
            422,
        ),
        (
            "missing file",
            reqwest::multipart::Form::new().text("title", "no file"),
            422,
        ),
        (
            "unknown nation",
            upload_form("t", "a.txt", b"x".to_vec(), &[("releasable", "NOR,XYZ")]),
            422,
        ),
        (
            "foreign community",
            upload_form("t", "a.txt", b"x".to_vec(), &[("releasable", "beta/intel")]),
            422,
        ),
        (
            "absent community",
            upload_form("t", "a.txt", b"x".to_vec(), &[("releasable", "beta/nope")]),
            422,
        ),
        (
            "path title",
            upload_form("../../etc/passwd", "a.txt", b"x".to_vec(), &[]),
            422,
        ),
        (
            "control title",
            upload_form("line\nbreak", "a.txt", b"x".to_vec(), &[]),
            422,
        ),
        (
            "bad date",
            upload_form(
                "t",
                "a.txt",
                b"x".to_vec(),
                &[("public_since", "yesterday")],
            ),
            422,
        ),
        (
            // Only security officers make canaries; anyone else is refused
            // before the value is even read.
            "canary from a contributor",
            upload_form("t", "a.txt", b"x".to_vec(), &[("canary", "perhaps")]),
            403,
        ),
        (
            "unknown field",
            upload_form("t", "a.txt", b"x".to_vec(), &[("owner", "me")]),
            400,
        ),
        (
            "sql title",
            upload_form(
                "'; DROP TABLE documents; --",
                "a.txt",
                b"x".to_vec(),
                &[("label", "X' OR '1'='1")],
            ),
            422,
        ),
    ];
    for (name, form, status) in cases {
        let r = ann.post_multipart(DOCS, form).await;
        assert_eq!(r.status().as_u16(), status, "{name}");
        let body: Value = r.json().await.unwrap_or_default();
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{name}: {body}"
        );
        assert_eq!(files_under(&blobs), before, "{name} left a file behind");
    }
    // A raw truncated multipart body.
    let r = ann
        .client
        .post(app.url(DOCS))
        .header("x-csrf-token", &ann.csrf)
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body("--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\npartial data without end")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(files_under(&blobs), before);
    // SQL metacharacters as a title are fine when they are not path-like.
    let ok = ann
        .post_multipart(
            DOCS,
            upload_form(
                "O'Brien \"quoted\"; SELECT 1 --",
                "a.txt",
                b"x".to_vec(),
                &[],
            ),
        )
        .await;
    assert_eq!(ok.status(), 201);
    let list: Value = ann.get(DOCS).await.json().await.unwrap();
    assert_eq!(list["items"][0]["title"], "O'Brien \"quoted\"; SELECT 1 --");
    // Malformed and unknown ids look the same.
    for id in [
        "nope",
        "../../etc/passwd",
        "00000000000000000000000000000000",
        "' OR 1=1 --",
    ] {
        let encoded = id
            .replace('/', "%2F")
            .replace(' ', "%20")
            .replace('\'', "%27");
        assert_eq!(
            ann.get(&format!("/api/v1/documents/{encoded}"))
                .await
                .status(),
            404,
            "{id}"
        );
    }
}
