//! Rewritten leaks, end to end: documents uploaded through the API get
//! their passages from the background embedder (the one `rampart serve`
//! runs); public material registered with the model gets its own; the
//! `rampart triage` binary then reports a paraphrase and a summary of our
//! documents as `rewritten`, with the aligned passages and the recipients
//! as leads (nobody accused), a paraphrase of public material as
//! `public`, and another article on the same topic, quoting the same
//! document word for word, as `unknown`. The texts are those of the
//! calibration set (`calibration/rewrites`).

use rampart_testkit::{upload_form, TestApp, PASSWORD};
use serde_json::Value;
use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

const DOCS: &str = "/api/v1/portals/alpha/communities/ops/documents";

fn model_dir() -> PathBuf {
    std::env::var_os("RAMPART_MODEL_DIR").map(PathBuf::from).expect(
        "RAMPART_MODEL_DIR names the model folder: run `scripts/fetch-model.sh` and export what it prints",
    )
}

fn calibration(path: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("calibration/rewrites")
        .join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `rampart ARGS --data DIR` with the model configured.
fn rampart(cwd: &Path, app: &TestApp, args: &[&str], model: bool) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rampart"));
    cmd.current_dir(cwd)
        .args(args)
        .arg("--data")
        .arg(app.dir.path())
        .envs(app.command_env())
        .env("RAMPART_LOG", "warn");
    if model {
        cmd.env("RAMPART_SEMANTIC__MODEL_DIR", model_dir());
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triage_reports_rewrites_with_aligned_passages_and_recipients_as_leads() {
    let app = TestApp::spawn().await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.user("ann@example.org", "NOR", None).await;
    app.member("alpha/ops", "ann@example.org", "contributor")
        .await;
    app.user("bob@example.org", "NOR", None).await;
    app.member("alpha/ops", "bob@example.org", "reader").await;
    let ann = app.login("ann@example.org", PASSWORD).await;
    let mut ids = Vec::new();
    for (title, file) in [
        ("Write-ahead logging", "01-wal"),
        ("When to use it", "07-whentouse"),
        ("R-tree index", "12-rtree"),
    ] {
        let body = calibration(&format!("sources/{file}.txt")).into_bytes();
        let r = ann
            .post_multipart(DOCS, upload_form(title, &format!("{file}.txt"), body, &[]))
            .await;
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        ids.push(v["id"].as_str().unwrap().to_owned());
    }
    // Bob takes the WAL document: a recipient, so a lead for its rewrite.
    let bob = app.login("bob@example.org", PASSWORD).await;
    let r = bob
        .get(&format!("/api/v1/documents/{}/content", ids[0]))
        .await;
    assert_eq!(r.status(), 200);

    // The uploads did not wait for the model: the background embedder
    // (as `rampart serve` runs it) takes them from the queue.
    let embedder = rampart_app::semantic::load(&rampart_app::semantic::SemanticConfig {
        model_dir: Some(model_dir()),
    })
    .unwrap()
    .unwrap();
    let pending = app
        .state
        .store
        .versions_to_embed(rampart_semantic::MODEL, 10)
        .await
        .unwrap();
    assert_eq!(pending.len(), 3, "uploads are queued, not embedded inline");
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(rampart_app::semantic::run_embedder(
        app.state.store.clone(),
        app.state.blobs.clone(),
        embedder,
        stopping,
    ));
    let mut waited = 0;
    loop {
        let cov = app
            .state
            .store
            .semantic_coverage(rampart_semantic::MODEL)
            .await
            .unwrap();
        if cov.embedded == 3 {
            assert!(cov.passages >= 15, "{cov:?}");
            break;
        }
        assert!(waited < 300, "the embedder did not finish: {cov:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
        waited += 1;
    }
    stop.send_replace(true);
    running.await.unwrap();

    let work = tempfile::tempdir().unwrap();
    let public_dir = work.path().join("published");
    std::fs::create_dir(&public_dir).unwrap();
    std::fs::write(
        public_dir.join("atomic-commit.txt"),
        calibration("sources/02-atomiccommit.txt"),
    )
    .unwrap();
    let out = rampart(
        work.path(),
        &app,
        &["public", "add", "published", "--source", "sqlite.org"],
        true,
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("passages embedded"), "{said}");

    let dump = work.path().join("dump");
    std::fs::create_dir(&dump).unwrap();
    for (name, path) in [
        ("wal-paraphrase.txt", "positives/paraphrase/01-wal.txt"),
        ("rtree-summary.txt", "positives/summary/12-rtree.txt"),
        ("wal-article.txt", "negatives/same-event/01-wal.txt"),
        (
            "atomic-paraphrase.txt",
            "positives/paraphrase/02-atomiccommit.txt",
        ),
        (
            "python-tutorial.txt",
            "negatives/unrelated/python-tutorial-venv.txt",
        ),
    ] {
        std::fs::write(dump.join(name), calibration(path)).unwrap();
    }
    let out = rampart(
        work.path(),
        &app,
        &[
            "triage", "dump", "--json", "r.json", "--html", "r.html", "--quiet",
        ],
        true,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("rewritten"), "{text}");
    let report: Value =
        serde_json::from_slice(&std::fs::read(work.path().join("r.json")).unwrap()).unwrap();
    let item = |name: &str| -> Value {
        report["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["path"].as_str().unwrap().ends_with(name))
            .cloned()
            .unwrap_or_else(|| panic!("{name} not in the report"))
    };
    let paraphrase = item("wal-paraphrase.txt");
    assert_eq!(paraphrase["verdict"], "rewritten", "{paraphrase:#}");
    assert_eq!(paraphrase["document"], ids[0].as_str());
    assert_eq!(paraphrase["title"], "Write-ahead logging");
    assert!(paraphrase["accused"].as_array().unwrap().is_empty());
    assert!(paraphrase["containment"].as_f64().unwrap() >= 0.6);
    let pairs = paraphrase["rewrite"]["pairs"].as_array().unwrap();
    assert!(pairs.len() >= 3, "{paraphrase:#}");
    // The pairs are the file's passage beside ours, in order.
    let leaked = calibration("positives/paraphrase/01-wal.txt");
    let ours = calibration("sources/01-wal.txt");
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    for p in pairs {
        assert!(words(&leaked).contains(p["leaked"].as_str().unwrap()));
        assert!(words(&ours).contains(p["ours"].as_str().unwrap()));
        assert!(p["similarity"].as_f64().unwrap() > 0.6);
    }
    let summary = item("rtree-summary.txt");
    assert_eq!(summary["verdict"], "rewritten", "{summary:#}");
    assert_eq!(summary["document"], ids[2].as_str());
    // Another article on the topic, quoting the document word for word.
    let article = item("wal-article.txt");
    assert_eq!(article["verdict"], "unknown", "{article:#}");
    // A rewrite of public material is public, not ours.
    let public = item("atomic-paraphrase.txt");
    assert_eq!(public["verdict"], "public", "{public:#}");
    assert_eq!(public["public_source"], "sqlite.org");
    assert_eq!(item("python-tutorial.txt")["verdict"], "unknown");
    assert_eq!(report["summary"]["rewritten"], 2);
    assert!(report["accounts"].as_array().unwrap().is_empty());

    // The recipients are leads under the document, nobody is accused.
    let doc = report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["document"] == ids[0].as_str())
        .unwrap();
    assert_eq!(doc["rewritten"][0], "dump/wal-paraphrase.txt");
    assert!(doc["accused"].as_array().unwrap().is_empty());
    let recipients: Vec<&str> = doc["downloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["account"].as_str().unwrap())
        .collect();
    assert_eq!(recipients, ["bob@example.org"]);
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("compared files that match nothing by words with 3 of 3 stored versions"),
        "{notes}"
    );
    assert!(
        notes.contains("nobody is accused on its account"),
        "{notes}"
    );
    let html = std::fs::read_to_string(work.path().join("r.html")).unwrap();
    assert!(html.contains("Rewritten files, passage by passage"));
    assert!(html.contains("the recipients below are leads to examine, not accused"));

    // Without the model, the same dump's rewrites are unknown, and the
    // report says why.
    let out = rampart(
        work.path(),
        &app,
        &["triage", "dump", "--json", "off.json", "--quiet"],
        false,
    );
    assert!(out.status.success());
    let off: Value =
        serde_json::from_slice(&std::fs::read(work.path().join("off.json")).unwrap()).unwrap();
    assert_eq!(off["summary"]["rewritten"], 0);
    assert!(off["notes"]
        .to_string()
        .contains("The semantic matcher is off"));
}
