//! `rampart triage` end to end: documents uploaded through the API are
//! indexed at upload; a dump (zip + tar.gz + loose files, with hostile
//! members) is triaged by the binary against the data dir; the JSON report
//! is snapshotted (ids redacted) and covers every verdict.

use rampart_testkit::{upload_form, Session, TestApp, PASSWORD};
use serde_json::Value;
use std::{io::Write, path::Path, process::Command};

const DOCS: &str = "/api/v1/portals/alpha/communities/ops/documents";

/// Deterministic prose: `n` words drawn from a syllable vocabulary.
fn prose(seed: u64, n: usize) -> String {
    const SYL: [&str; 16] = [
        "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "do", "fe", "gu", "hi", "jo",
        "be",
    ];
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut words = Vec::with_capacity(n);
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = 2 + (x % 3) as usize;
        let w: String = (0..len)
            .map(|k| SYL[((x >> (8 + 4 * k)) & 15) as usize])
            .collect();
        words.push(w);
        if i % 12 == 11 {
            words.push("\n".into());
        }
    }
    words.join(" ")
}

/// Replaces every `every`-th word.
fn edit(text: &str, every: usize) -> String {
    text.split(' ')
        .enumerate()
        .map(|(i, w)| if i % every == 0 { "CHANGED" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

async fn upload(
    s: &Session,
    title: &str,
    file: &str,
    body: &str,
    extra: &[(&str, &str)],
) -> String {
    let r = s
        .post_multipart(
            DOCS,
            upload_form(title, file, body.as_bytes().to_vec(), extra),
        )
        .await;
    assert_eq!(r.status(), 201, "{title}");
    let v: Value = r.json().await.unwrap();
    v["id"].as_str().unwrap().to_owned()
}

/// `rampart ARGS --data DIR` on the app's state, in `cwd`.
fn rampart(cwd: &Path, app: &TestApp, args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .current_dir(cwd)
        .args(args)
        .arg("--data")
        .arg(app.dir.path())
        .envs(app.command_env())
        .env("RAMPART_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    out
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.add_symlink("shortcut", "/etc/passwd", opts).unwrap();
    w.finish().unwrap().into_inner()
}

fn tar_gz_of(entries: &[(&[u8], tar::EntryType, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, kind, data) in entries {
        let mut h = tar::Header::new_ustar();
        h.as_old_mut().name[..name.len()].copy_from_slice(name);
        h.set_entry_type(*kind);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    let tar = b.into_inner().unwrap();
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(&tar).unwrap();
    e.finish().unwrap()
}

#[tokio::test]
async fn triage_report_covers_every_verdict_and_refused_members() {
    let app = TestApp::spawn().await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.user("ann@example.org", "NOR", None).await;
    app.member("alpha/ops", "ann@example.org", "contributor")
        .await;
    let ann = app.login("ann@example.org", PASSWORD).await;

    let plan = prose(1, 600);
    let memo = prose(2, 600);
    let manual = prose(3, 2400);
    let release = prose(4, 500);
    let press = prose(5, 500);
    let plan_id = upload(&ann, "Operation plan", "plan.txt", &plan, &[]).await;
    upload(&ann, "Staff memo", "memo.md", &memo, &[]).await;
    let manual_id = upload(&ann, "Field manual", "manual.txt", &manual, &[]).await;
    upload(
        &ann,
        "Released statement",
        "statement.txt",
        &release,
        &[
            ("public_since", "2024-03-01"),
            ("public_source", "press conference"),
        ],
    )
    .await;
    // A version that cannot be extracted still uploads (indexed by bytes).
    let scan_id = upload(&ann, "Scan", "scan.pdf", "%PDF-1.4 not really a pdf", &[]).await;
    // Recorded downloads of the plan: listed as audit trail, nobody accused.
    let r = ann
        .get(&format!("/api/v1/documents/{plan_id}/content"))
        .await;
    assert_eq!(r.status(), 200);
    // Ann's served copy of the manual leaks (its watermark accuses her);
    // the scan she also took does not (it is "also downloaded").
    let r = ann
        .get(&format!("/api/v1/documents/{manual_id}/content"))
        .await;
    assert_eq!(r.headers()["x-rampart-watermark"], "tardos-sym-v1");
    let manual_served = r.bytes().await.unwrap().to_vec();
    let r = ann
        .get(&format!("/api/v1/documents/{scan_id}/content"))
        .await;
    assert_eq!(r.headers()["x-rampart-watermark"], "unmarkable");

    let work = tempfile::tempdir().unwrap();
    let public_dir = work.path().join("press");
    std::fs::create_dir(&public_dir).unwrap();
    std::fs::write(public_dir.join("release-2024.txt"), &press).unwrap();
    let out = rampart(
        work.path(),
        &app,
        &[
            "public",
            "add",
            "press",
            "--source",
            "Press release, March 2024",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("registered 1 files"));

    let words: Vec<&str> = manual.split(' ').collect();
    let excerpt = words[600..1200].join(" ");
    let zeros = vec![0u8; 8 << 20];
    let zip = zip_of(&[
        ("leak/plan.txt", plan.as_bytes()),
        ("leak/memo-edited.md", edit(&memo, 30).as_bytes()),
        ("leak/manual-part.txt", excerpt.as_bytes()),
        ("leak/manual-served.txt", &manual_served),
        ("leak/statement.txt", release.to_uppercase().as_bytes()),
        ("leak/press.txt", press.as_bytes()),
        ("leak/fabricated.txt", prose(99, 500).as_bytes()),
        ("../escape.txt", b"outside"),
        ("bomb.bin", &zeros),
    ]);
    let tgz = tar_gz_of(&[
        (
            b"more/plan-copy.txt",
            tar::EntryType::Regular,
            plan.as_bytes(),
        ),
        (b"/etc/passwd", tar::EntryType::Regular, b"root:x:0:0"),
        (b"more/hard", tar::EntryType::Link, b""),
        (b"more/\xffname.txt", tar::EntryType::Regular, b"x"),
    ]);
    let dump = work.path().join("dump");
    std::fs::create_dir(&dump).unwrap();
    std::fs::write(dump.join("part1.zip"), zip).unwrap();
    std::fs::write(dump.join("part2.tar.gz"), tgz).unwrap();
    std::fs::write(dump.join("broken.pdf"), b"%PDF-1.7\n1 0 obj <<\n").unwrap();

    let out = rampart(
        work.path(),
        &app,
        &[
            "triage",
            "dump",
            "--json",
            "report.json",
            "--html",
            "report.html",
        ],
    );
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("genuine"), "{summary}");
    let mut report: Value =
        serde_json::from_slice(&std::fs::read(work.path().join("report.json")).unwrap()).unwrap();
    for verdict in ["genuine", "altered", "excerpt", "public", "unknown"] {
        assert!(
            report["summary"][verdict].as_u64().unwrap() > 0,
            "{verdict}: {report:#}"
        );
    }
    // Only the served copy carries a watermark: unmarked originals accuse
    // nobody, not even their uploader.
    for item in report["items"].as_array().unwrap() {
        let accused = item["accused"].as_array().unwrap();
        if item["path"] == "dump/part1.zip!/leak/manual-served.txt" {
            assert_eq!(accused.len(), 1, "{item:#}");
            assert_eq!(accused[0]["account"], "ann@example.org");
        } else {
            assert!(accused.is_empty(), "{item:#}");
        }
    }
    let accounts = report["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(
        accounts[0]["also_downloaded"][0]["document"],
        scan_id.as_str()
    );
    // The served copy's bytes depend on the data dir's random key.
    report["bytes"] = "[varies with the served copy]".into();
    for item in report["items"].as_array_mut().unwrap() {
        if item["path"] == "dump/part1.zip!/leak/manual-served.txt" {
            item["sha256"] = "[served copy]".into();
        }
    }
    let id = insta::dynamic_redaction(|value, _| {
        if value.as_str().is_some() {
            insta::internals::Content::from("[document id]")
        } else {
            value
        }
    });
    insta::assert_json_snapshot!(report, {
        ".items[].document" => id,
        ".documents[].document" => "[document id]",
        ".documents[].downloads[].download" => "[download id]",
        // The fingerprint key is random per data dir: scores vary.
        ".items[].accused[].download" => "[download id]",
        ".items[].accused[].score" => "[score]",
        ".items[].accused[].threshold" => "[threshold]",
        ".accounts[].also_downloaded[].document" => "[document id]",
    });

    let html = std::fs::read_to_string(work.path().join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("ann@example.org"));
    assert!(!html.contains("<script") && !html.contains("<link") && !html.contains("src="));
    assert!(html.contains("dump/part1.zip!/../escape.txt"));
}

/// A server where ann@example.org uploaded `text` as "Plan" to alpha/ops.
async fn plan_uploaded(text: String) -> (TestApp, String) {
    let app = TestApp::spawn().await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.user("ann@example.org", "NOR", None).await;
    app.member("alpha/ops", "ann@example.org", "contributor")
        .await;
    let ann = app.login("ann@example.org", PASSWORD).await;
    upload(&ann, "Plan", "plan.txt", &text, &[]).await;
    (app, text)
}

#[tokio::test]
async fn reindex_rebuilds_the_index_from_the_blobs() {
    let (app, text) = plan_uploaded(prose(7, 400)).await;
    app.state.store.clear_match_index().await.unwrap();
    assert_eq!(
        app.state
            .store
            .index_stats(rampart_docmatch::Fingerprint::ENCODING)
            .await
            .unwrap()
            .indexed,
        0
    );

    let work = tempfile::tempdir().unwrap();
    let out = rampart(work.path(), &app, &["reindex"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("reindexed 1 versions"));
    std::fs::write(work.path().join("copy.txt"), edit(&text, 15)).unwrap();
    let out = rampart(
        work.path(),
        &app,
        &["triage", "copy.txt", "--json", "r.json"],
    );
    assert!(out.stderr.is_empty() || !String::from_utf8_lossy(&out.stderr).contains('\r'));
    let report: Value =
        serde_json::from_slice(&std::fs::read(work.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["items"][0]["verdict"], "altered", "{report:#}");
    assert_eq!(report["items"][0]["title"], "Plan");
}

/// Rewrites every stored fingerprint as an earlier release wrote it: its
/// encoding tag, and no band keys (an earlier signature's bands never meet
/// a current one's). As the release before this one encoded them (`DMF2`,
/// with other shingle hashes), tagged as migration 0009 tags rows.
async fn age_the_index(app: &TestApp) {
    const EARLIER: &[u8; 4] = b"DMF2";
    if rampart_testkit::on_postgres() {
        let mut sql = String::new();
        for table in ["match_versions", "public_refs"] {
            sql.push_str(&format!(
                "UPDATE {table} SET fingerprint = overlay(fingerprint PLACING 'DMF2'::bytea FROM 1 FOR 4),
                     encoding = 'DMF2'::bytea WHERE fingerprint IS NOT NULL;"
            ));
        }
        sql.push_str("DELETE FROM match_bands;");
        app.execute_sql("", &sql).await;
        return;
    }
    let db = app.dir.path().join("rampart.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    for table in ["match_versions", "public_refs"] {
        let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(&format!(
            "SELECT rowid, fingerprint FROM {table} WHERE fingerprint IS NOT NULL"
        ))
        .fetch_all(&pool)
        .await
        .unwrap();
        assert!(!rows.is_empty(), "{table}");
        for (rowid, mut fp) in rows {
            fp[..4].copy_from_slice(EARLIER);
            sqlx::query(&format!(
                "UPDATE {table} SET fingerprint = ?, encoding = ? WHERE rowid = ?"
            ))
            .bind(fp)
            .bind(&EARLIER[..])
            .bind(rowid)
            .execute(&pool)
            .await
            .unwrap();
        }
    }
    sqlx::query("DELETE FROM match_bands")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

#[tokio::test]
async fn an_index_from_an_earlier_release_matches_exactly_until_reindex_renews_it() {
    let (app, text) = plan_uploaded(prose(11, 600)).await;
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir(work.path().join("press")).unwrap();
    std::fs::write(work.path().join("press/release.txt"), prose(12, 600)).unwrap();
    rampart(
        work.path(),
        &app,
        &["public", "add", "press", "--source", "Press"],
    );
    age_the_index(&app).await;
    std::fs::create_dir(work.path().join("dump")).unwrap();
    std::fs::write(work.path().join("dump/copy.txt"), edit(&text, 15)).unwrap();
    std::fs::write(work.path().join("dump/exact.txt"), &text).unwrap();
    let triage = || {
        rampart(work.path(), &app, &["triage", "dump", "--json", "r.json"]);
        let r: Value =
            serde_json::from_slice(&std::fs::read(work.path().join("r.json")).unwrap()).unwrap();
        let notes = r["notes"].to_string();
        let verdict = |i: usize| r["items"][i]["verdict"].as_str().unwrap().to_owned();
        assert!(r["items"][1]["path"]
            .as_str()
            .unwrap()
            .ends_with("exact.txt"));
        ((verdict(0), verdict(1)), notes)
    };

    // The aged fingerprints cannot be compared (other shingle hashes):
    // the exact copy still matches by its hashes, the altered one is
    // unknown, and the report says why and what to run.
    let (verdicts, notes) = triage();
    assert_eq!(verdicts, ("unknown".into(), "genuine".into()), "{notes}");
    assert!(notes.contains("1 indexed versions were fingerprinted by an earlier release"));
    assert!(notes.contains("rampart reindex"), "{notes}");
    assert!(notes.contains("1 public references were registered by an earlier release"));

    let out = rampart(work.path(), &app, &["reindex"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("reindexed 1 versions"), "{err}");
    assert!(err.contains("register them again"), "{err}");
    let (verdicts, notes) = triage();
    assert_eq!(verdicts, ("altered".into(), "genuine".into()), "{notes}");
    assert!(
        !notes.contains("indexed versions were fingerprinted"),
        "{notes}"
    );
    assert!(notes.contains("public references were registered by an earlier release"));
}

#[test]
fn triage_fails_with_one_line_on_a_missing_dump() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["triage", "nope.zip", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[tokio::test]
async fn triage_stops_with_one_line_when_the_store_fails_mid_run() {
    let (app, _) = plan_uploaded(prose(13, 300)).await;
    // More files than the hand-over channels hold, so the walk is still
    // going when the lookups fail (it used to block there for ever).
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir(work.path().join("dump")).unwrap();
    for i in 0..200 {
        std::fs::write(
            work.path().join(format!("dump/f{i}.txt")),
            prose(100 + i, 200),
        )
        .unwrap();
    }
    app.execute_sql(
        "DROP TABLE public_ref_anchors",
        "DROP TABLE public_ref_anchors",
    )
    .await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .current_dir(work.path())
        .args(["triage", "dump", "--json", "r.json", "--data"])
        .arg(app.dir.path())
        .envs(app.command_env())
        .env("RAMPART_LOG", "off")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("triage did not stop after the store failed");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success());
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    // SQLite's words, or PostgreSQL's.
    let missing = errors[0]
        .matches("no such table: public_ref_anchors")
        .count()
        + errors[0]
            .matches("relation \"public_ref_anchors\" does not exist")
            .count();
    assert_eq!(missing, 1, "{stderr}");
    assert!(!work.path().join("r.json").exists());
}
