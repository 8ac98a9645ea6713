//! Every download is marked for its recipient: the served copy of a real
//! document carries an invisible fingerprint that decodes to the account
//! and the download; PDFs get an incremental update with a visible marking
//! line; unmarkable files are registered as such; and triage of a dump of
//! served copies accuses the leaker, names the download, and lists what
//! else the account took.

use rampart_fingerprint::{AccountId, DownloadId, Fingerprinter, VersionId};
use rampart_testkit::{upload_form, Session, TestApp, PASSWORD};
use serde_json::Value;

const DOCS: &str = "/api/v1/portals/alpha/communities/ops/documents";

/// A real document shipped by Debian.
pub(crate) fn licence(name: &str) -> String {
    std::fs::read_to_string(format!("/usr/share/common-licenses/{name}"))
        .unwrap_or_else(|e| panic!("/usr/share/common-licenses/{name}: {e}"))
}

pub(crate) struct World {
    pub(crate) app: TestApp,
    pub(crate) ann: Session,
    pub(crate) readers: Vec<(String, Session)>,
}

/// ann contributes to alpha/ops; bob, cat and dan read it.
pub(crate) async fn world() -> World {
    let app = TestApp::spawn().await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.user("ann@example.org", "NOR", None).await;
    app.member("alpha/ops", "ann@example.org", "contributor")
        .await;
    let ann = app.login("ann@example.org", PASSWORD).await;
    let mut readers = Vec::new();
    for (name, nation) in [("bob", "FRA"), ("cat", "DEU"), ("dan", "ITA")] {
        let email = format!("{name}@example.org");
        app.user(&email, nation, None).await;
        app.member("alpha/ops", &email, "reader").await;
        readers.push((email.clone(), app.login(&email, PASSWORD).await));
    }
    World { app, ann, readers }
}

pub(crate) async fn upload(s: &Session, title: &str, file: &str, body: Vec<u8>) -> String {
    let r = s
        .post_multipart(DOCS, upload_form(title, file, body, &[]))
        .await;
    assert_eq!(r.status(), 201, "{title}");
    let v: Value = r.json().await.unwrap();
    v["id"].as_str().unwrap().to_owned()
}

/// Downloads the current version: (bytes, download id, watermark scheme,
/// content disposition).
pub(crate) async fn download(s: &Session, id: &str) -> (Vec<u8>, String, String, String) {
    let r = s.get(&format!("/api/v1/documents/{id}/content")).await;
    assert_eq!(r.status(), 200);
    let h = |name: &str| r.headers()[name].to_str().unwrap().to_owned();
    let (dl, scheme, disposition) = (
        h("x-rampart-download"),
        h("x-rampart-watermark"),
        h("content-disposition"),
    );
    let len: usize = h("content-length").parse().unwrap();
    let body = r.bytes().await.unwrap().to_vec();
    assert_eq!(body.len(), len);
    (body, dl, scheme, disposition)
}

async fn account_id(app: &TestApp, email: &str) -> AccountId {
    let row = app
        .state
        .store
        .account_by_email(&email.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    AccountId(row.id.0)
}

fn version(doc: &str, n: i64) -> VersionId {
    let id: rampart_domain::DocumentId = doc.parse().unwrap();
    VersionId {
        document: id.bytes(),
        version: n,
    }
}

fn download_id(hex: &str) -> DownloadId {
    let id: rampart_domain::DownloadId = hex.parse().unwrap();
    DownloadId(id.bytes())
}

/// The accounts (emails) accused for `text` among every reader and ann.
async fn accused(w: &World, fp: &Fingerprinter, text: &str, doc: &str) -> Vec<AccountId> {
    let mut candidates = vec![account_id(&w.app, "ann@example.org").await];
    for (email, _) in &w.readers {
        candidates.push(account_id(&w.app, email).await);
    }
    let obs = fp.extract(text, &[version(doc, 1)]);
    fp.accuse(&obs, &candidates)
        .accused()
        .map(|s| s.account)
        .collect()
}

#[tokio::test]
async fn text_copies_carry_their_recipient_and_download() {
    let w = world().await;
    let original = licence("GPL-3");
    let doc = upload(
        &w.ann,
        "Licence",
        "licence.txt",
        original.clone().into_bytes(),
    )
    .await;
    let fp = w.app.state.watermark.fingerprinter().clone();
    let bob = account_id(&w.app, "bob@example.org").await;

    let (copy, dl, scheme, _) = download(&w.readers[0].1, &doc).await;
    assert_eq!(scheme, "tardos-sym-v1");
    let copy = String::from_utf8(copy).unwrap();
    assert_ne!(copy, original, "the copy is marked");
    assert_eq!(
        rampart_fingerprint::strip(&copy),
        original,
        "words unchanged"
    );
    let (other, ..) = download(&w.readers[1].1, &doc).await;
    assert_ne!(
        String::from_utf8(other).unwrap(),
        copy,
        "copies differ per recipient"
    );

    // The whole copy and a 25 % excerpt both name bob and only bob.
    assert_eq!(accused(&w, &fp, &copy, &doc).await, vec![bob]);
    let paras: Vec<&str> = copy.split("\n\n").collect();
    let excerpt = paras[paras.len() / 2..paras.len() / 2 + paras.len() / 4].join("\n\n");
    assert_eq!(accused(&w, &fp, &excerpt, &doc).await, vec![bob]);

    // The download layer names the exact download.
    let (_, dl2, ..) = download(&w.readers[0].1, &doc).await;
    let obs = fp.extract(&copy, &[version(&doc, 1)]);
    let scores = fp.score_downloads(
        &obs,
        bob,
        &[
            (download_id(&dl2), version(&doc, 1)),
            (download_id(&dl), version(&doc, 1)),
        ],
    );
    assert_eq!(scores[0].download, download_id(&dl));
    assert!(scores[0].matched && !scores[1].matched, "{scores:?}");

    // The registry keeps what decoding needs.
    let (scheme, params) = w
        .app
        .state
        .store
        .download_params(&dl)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(scheme, "tardos-sym-v1");
    let params: Value = serde_json::from_str(&params).unwrap();
    assert_eq!(params["format"], "text");
    assert!(
        params["positions"]["space"].as_u64().unwrap() > 100,
        "{params}"
    );
    assert_eq!(params["code"]["false_accusation"], 1e-6);
    let events = w.app.audit().await;
    let event = events
        .iter()
        .find(|e| e.download.as_deref() == Some(dl.as_str()))
        .unwrap();
    assert_eq!(event.detail["watermark"], "tardos-sym-v1");
}

#[tokio::test]
async fn colluders_mixing_their_copies_are_caught_and_nobody_else() {
    let w = world().await;
    let original = licence("GPL-2");
    let doc = upload(&w.ann, "GPL 2", "gpl2.md", original.into_bytes()).await;
    let fp = w.app.state.watermark.fingerprinter().clone();
    let (bob_copy, ..) = download(&w.readers[0].1, &doc).await;
    let (cat_copy, ..) = download(&w.readers[1].1, &doc).await;
    let _ = download(&w.readers[2].1, &doc).await; // dan: innocent
    let (bob_copy, cat_copy) = (
        String::from_utf8(bob_copy).unwrap(),
        String::from_utf8(cat_copy).unwrap(),
    );
    let mixed: Vec<&str> = bob_copy
        .split("\n\n")
        .zip(cat_copy.split("\n\n"))
        .enumerate()
        .map(|(i, (b, c))| if i % 2 == 0 { b } else { c })
        .collect();
    let got = accused(&w, &fp, &mixed.join("\n\n"), &doc).await;
    let (bob, cat) = (
        account_id(&w.app, "bob@example.org").await,
        account_id(&w.app, "cat@example.org").await,
    );
    assert!(!got.is_empty(), "a colluder is caught");
    assert!(got.iter().all(|a| *a == bob || *a == cat), "{got:?}");
}

/// The Apache licence as a PDF of the demo's writer.
pub(crate) fn apache_pdf() -> Vec<u8> {
    let blocks: Vec<(rampart_demo::pdf::Style, String)> = licence("Apache-2.0")
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| (rampart_demo::pdf::Style::Body, p.replace('\n', " ")))
        .collect();
    rampart_demo::pdf::render("Apache License", "NON-PUBLIC", &blocks)
}

#[tokio::test]
async fn pdf_copies_are_the_original_plus_an_update() {
    let w = world().await;
    let pdf = apache_pdf();
    let doc = upload(&w.ann, "Apache", "apache.pdf", pdf.clone()).await;
    let fp = w.app.state.watermark.fingerprinter().clone();

    let (copy, dl, scheme, _) = download(&w.readers[0].1, &doc).await;
    assert_eq!(scheme, "tardos-sym-v1");
    assert!(
        copy.len() > pdf.len() && copy.starts_with(&pdf),
        "an append-only update"
    );
    let meta = rampart_fingerprint::extract_pdf_metadata(&copy).unwrap();
    assert_eq!(meta, download_id(&dl));

    // The text an extractor reads has the marking line and the fingerprint.
    let extracted =
        rampart_docmatch::extract_text(&copy, Some("x.pdf"), &Default::default()).unwrap();
    assert!(
        extracted
            .text
            .contains("Rampart copy for bob@example.org (FRA)"),
        "marking line missing"
    );
    let bob = account_id(&w.app, "bob@example.org").await;
    assert_eq!(accused(&w, &fp, &extracted.text, &doc).await, vec![bob]);
    // ... and still matches the original as genuine (the marking line and
    // the invisible layer aside).
    let params = rampart_docmatch::Params::default();
    let limits = rampart_docmatch::Limits::default();
    let (_, original) =
        rampart_docmatch::Fingerprint::from_file(&pdf, Some("x.pdf"), &limits, &params).unwrap();
    let (_, leaked) =
        rampart_docmatch::Fingerprint::from_file(&copy, Some("x.pdf"), &limits, &params).unwrap();
    let m = rampart_docmatch::classify(&leaked, &original, &params);
    assert_eq!(m.verdict, rampart_docmatch::Verdict::Genuine, "{m:?}");
}

/// A served PDF copy with our streams (the visible marking line and the
/// invisible text layer, and the leading `q`) cut from every page, saved
/// as a new file: what a leaker who found the extra layer would post.
fn strip_our_layers(copy: &[u8]) -> Vec<u8> {
    let mut doc = lopdf::Document::load_mem(copy).unwrap();
    let pages: Vec<lopdf::ObjectId> = doc.get_pages().into_values().collect();
    for p in pages {
        let d = doc.get_object_mut(p).unwrap().as_dict_mut().unwrap();
        let mut c = d.get(b"Contents").unwrap().as_array().unwrap().clone();
        c.pop();
        c.remove(0);
        d.set("Contents", lopdf::Object::Array(c));
    }
    if let Ok(info) = doc
        .trailer
        .get(b"Info")
        .and_then(lopdf::Object::as_reference)
    {
        doc.objects.remove(&info);
    }
    doc.trailer.remove(b"Info");
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[tokio::test]
async fn triage_names_the_pdf_leaker_from_the_word_spacing_alone() {
    let w = world().await;
    let pdf = apache_pdf();
    let doc = upload(&w.ann, "Apache", "apache.pdf", pdf).await;
    let (copy, dl, ..) = download(&w.readers[0].1, &doc).await;
    let _ = download(&w.readers[1].1, &doc).await; // cat read it too

    let leaked = strip_our_layers(&copy);
    let extracted =
        rampart_docmatch::extract_text(&leaked, Some("x.pdf"), &Default::default()).unwrap();
    assert!(
        !extracted.text.contains("Rampart"),
        "marking line and layer gone"
    );
    assert!(rampart_fingerprint::extract_pdf_metadata(&leaked).is_none());
    let fp = w.app.state.watermark.fingerprinter().clone();
    assert!(
        fp.extract(&extracted.text, &[version(&doc, 1)]).is_empty(),
        "no text channel left: only the word spacing can accuse"
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("leak.pdf"), &leaked).unwrap();
    let opts = rampart_triage::Options {
        progress: false,
        fingerprinter: Some(w.app.state.watermark.fingerprinter().clone()),
        ..Default::default()
    };
    let report = rampart_triage::triage(&w.app.state.store, &[dir.path().to_owned()], &opts)
        .await
        .unwrap();
    let item = &report.items[0];
    assert_eq!(item.document.as_deref(), Some(doc.as_str()), "{item:?}");
    assert_eq!(item.accused.len(), 1, "{item:?} {:?}", report.notes);
    let a = &item.accused[0];
    assert_eq!(a.account, "bob@example.org");
    assert_eq!(a.download, dl);
    assert!(a.download_confirmed && a.score > a.threshold, "{a:?}");
}

#[tokio::test]
async fn unmarkable_files_are_registered_and_named_in_the_file_name() {
    let w = world().await;
    let bytes: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let doc = upload(&w.ann, "Data", "sensor.bin", bytes.clone()).await;
    let (copy, dl, scheme, disposition) = download(&w.readers[0].1, &doc).await;
    assert_eq!(copy, bytes);
    assert_eq!(scheme, "unmarkable");
    assert!(
        disposition.contains(&format!("sensor (Rampart {}).bin", &dl[..8])),
        "{disposition}"
    );
    let (scheme, params) = w
        .app
        .state
        .store
        .download_params(&dl)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(scheme, "unmarkable");
    assert!(params.contains("application/octet-stream"), "{params}");
}

#[tokio::test]
async fn triage_names_the_leaker_its_download_and_what_else_it_took() {
    let w = world().await;
    let mut docs = Vec::new();
    for (title, name) in [("GPL 3", "GPL-3"), ("GPL 2", "GPL-2"), ("MPL", "MPL-2.0")] {
        let body = licence(name).into_bytes();
        docs.push(upload(&w.ann, title, &format!("{name}.txt"), body).await);
    }
    let bob = &w.readers[0].1;
    let mut bob_downloads = Vec::new();
    for d in &docs {
        bob_downloads.push(download(bob, d).await);
    }
    let _ = download(&w.readers[1].1, &docs[0]).await; // cat read it too

    // The dump: bob's whole copy of the first, a quarter of the second.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("leak1.txt"), &bob_downloads[0].0).unwrap();
    let second = String::from_utf8(bob_downloads[1].0.clone()).unwrap();
    let paras: Vec<&str> = second.split("\n\n").collect();
    let quarter = paras[..paras.len() / 4].join("\n\n");
    std::fs::write(dir.path().join("leak2.txt"), quarter).unwrap();

    let opts = rampart_triage::Options {
        progress: false,
        fingerprinter: Some(w.app.state.watermark.fingerprinter().clone()),
        ..Default::default()
    };
    let report = rampart_triage::triage(&w.app.state.store, &[dir.path().to_owned()], &opts)
        .await
        .unwrap();
    let items = &report.items;
    assert_eq!(items.len(), 2, "{:?}", report.notes);
    assert_eq!(items[0].verdict, "genuine", "{:?}", items[0]);
    assert_eq!(items[0].document.as_deref(), Some(docs[0].as_str()));
    assert_eq!(items[1].verdict, "excerpt", "{:?}", items[1]);
    for (item, (_, dl, ..)) in items.iter().zip(&bob_downloads) {
        assert_eq!(item.accused.len(), 1, "{item:?} {:?}", report.notes);
        let a = &item.accused[0];
        assert_eq!(a.account, "bob@example.org");
        assert_eq!(&a.download, dl);
        assert!(a.download_confirmed && a.score > a.threshold, "{a:?}");
    }
    assert_eq!(report.accounts.len(), 1);
    let acc = &report.accounts[0];
    assert_eq!(acc.account, "bob@example.org");
    assert_eq!(acc.files.len(), 2);
    let also: Vec<&str> = acc
        .also_downloaded
        .iter()
        .map(|d| d.document.as_str())
        .collect();
    assert_eq!(
        also,
        vec![docs[2].as_str()],
        "the MPL was taken but not posted"
    );
    assert!(!acc.first_access.is_empty() && acc.first_access <= acc.last_access);

    // Without the key nobody is accused, and the report says why.
    let report = rampart_triage::triage(
        &w.app.state.store,
        &[dir.path().to_owned()],
        &rampart_triage::Options {
            progress: false,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(report.items.iter().all(|i| i.accused.is_empty()));
    assert!(report
        .notes
        .iter()
        .any(|n| n.contains("No fingerprint key")));
}
