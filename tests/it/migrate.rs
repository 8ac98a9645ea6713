//! `rampart migrate`: an embedded install (a data dir) copied to PostgreSQL
//! and a bucket, checked, resumable, and refused into another install.

use rampart_store_postgres::scratch::{test_database, Schema};
use rampart_testkit::s3::{S3Server, ACCESS_KEY, SECRET_KEY};
use std::{path::Path, process::Command};

/// `rampart ARGS --data DATA`, with the bucket's credentials and, when
/// given, a configuration file.
fn rampart(
    data: &Path,
    config: Option<&Path>,
    s3: &S3Server,
    args: &[&str],
) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rampart"));
    cmd.args(args).arg("--data").arg(data);
    if let Some(config) = config {
        cmd.arg("--config").arg(config);
    }
    cmd.env("RAMPART_LOG", "warn")
        .env("RAMPART_STORE__S3__ENDPOINT", &s3.endpoint)
        .env("RAMPART_STORE__S3__ACCESS_KEY_ID", ACCESS_KEY)
        .env("RAMPART_STORE__S3__SECRET_ACCESS_KEY", SECRET_KEY)
        .env("RAMPART_STORE__S3__REGION", "us-east-1")
        .env("RAMPART_STORE__S3__ALLOW_HTTP", "true")
        .output()
        .unwrap()
}

fn ok(out: std::process::Output) -> String {
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An embedded install with a portal, a member, two documents (one of
/// them imported twice, so two versions) and some audit events.
fn embedded_install(data: &Path, s3: &S3Server, work: &Path) {
    ok(rampart(
        data,
        None,
        s3,
        &["admin", "portal", "add", "alpha", "Alpha"],
    ));
    ok(rampart(
        data,
        None,
        s3,
        &["admin", "community", "add", "alpha", "ops", "Ops"],
    ));
    ok(rampart(
        data,
        None,
        s3,
        &[
            "admin",
            "user",
            "add",
            "--email",
            "ann@example.org",
            "--name",
            "Ann",
            "--nation",
            "NOR",
        ],
    ));
    let src = work.join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("plan.txt"), "Logistics plan. ".repeat(200)).unwrap();
    std::fs::write(
        src.join("lessons.md"),
        "# Lessons\n\nWhat we learned. ".repeat(100),
    )
    .unwrap();
    ok(rampart(
        data,
        None,
        s3,
        &["import", src.to_str().unwrap(), "--community", "alpha/ops"],
    ));
}

#[tokio::test]
async fn an_embedded_install_moves_to_postgresql_and_a_bucket_and_verifies() {
    let s3 = S3Server::start("rampart").await;
    let schema = Schema::create(&test_database()).await.unwrap();
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    embedded_install(&data, &s3, work.path());
    // The versions' passages, embedded by the model: hours of CPU on a
    // real install, so the copy must carry them.
    let model = std::env::var_os("RAMPART_MODEL_DIR").expect(
        "RAMPART_MODEL_DIR names the model folder: run `scripts/fetch-model.sh` and export what it prints",
    );
    let reindexed = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["reindex", "--data"])
        .arg(&data)
        .env("RAMPART_LOG", "warn")
        .env("RAMPART_SEMANTIC__MODEL_DIR", &model)
        .output()
        .unwrap();
    ok(reindexed);
    let source_root = ok(rampart(&data, None, &s3, &["audit", "verify"]));

    let to = [
        "migrate",
        "--to-database",
        &schema.url(),
        "--to-blobs",
        "s3://rampart/portal",
    ];
    let first = rampart(&data, None, &s3, &to);
    let summary = ok(first);
    assert!(summary.contains("and 2 blobs"), "{summary}");
    assert!(summary.contains("verified"), "{summary}");
    assert!(summary.contains("2 versions searchable"), "{summary}");
    // Both blobs are in the bucket, under the prefix.
    let objects = walk(&s3.root.path().join("rampart"));
    assert_eq!(objects.len(), 2, "{objects:?}");

    // The copy is the install: the audit log verifies on it with the same
    // root, and commands work on it through the configuration.
    let config = work.path().join("rampart.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\ndatabase = \"{}\"\nblobs = \"s3://rampart/portal\"\n",
            schema.url()
        ),
    )
    .unwrap();
    let target_root = ok(rampart(&data, Some(&config), &s3, &["audit", "verify"]));
    let root = |text: &str| text.split(", ").nth(1).unwrap().to_owned();
    assert!(target_root.contains("the log is intact"), "{target_root}");
    assert_eq!(root(&target_root), root(&source_root));
    // Every version came with its passages.
    let pool = sqlx::PgPool::connect(&schema.url()).await.unwrap();
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let versions = count("SELECT count(*) FROM versions").await;
    assert!(versions >= 2, "{versions}");
    assert_eq!(
        count("SELECT count(*) FROM semantic_versions").await,
        versions
    );
    let passages = count("SELECT count(*) FROM version_passages").await;
    assert_eq!(
        passages,
        count("SELECT COALESCE(sum(passages), 0)::BIGINT FROM semantic_versions").await
    );
    assert!(passages >= versions, "{passages} passages");
    // Run again: nothing new, still verified. A copy cut short (rows
    // missing from the target) is completed.
    let again = ok(rampart(&data, None, &s3, &to));
    assert!(again.contains("0 new in this run"), "{again}");
    sqlx::query("DELETE FROM match_bands")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM tlog_checkpoints")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let resumed = ok(rampart(&data, None, &s3, &to));
    assert!(!resumed.contains(" 0 new in this run"), "{resumed}");
    // The copy is in use now: new rows get new keys after the copied
    // ones, and copying into it again is refused.
    ok(rampart(
        &data,
        Some(&config),
        &s3,
        &[
            "admin",
            "user",
            "add",
            "--email",
            "bob@example.org",
            "--name",
            "Bob",
            "--nation",
            "FRA",
        ],
    ));

    let refused = rampart(&data, None, &s3, &to);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
}

#[tokio::test]
async fn a_database_holding_another_install_is_refused() {
    let s3 = S3Server::start("rampart").await;
    let schema = Schema::create(&test_database()).await.unwrap();
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    embedded_install(&data, &s3, work.path());
    // Another install already lives in the target database.
    let other = work.path().join("other");
    let config = work.path().join("other.toml");
    std::fs::write(
        &config,
        format!("[store]\ndatabase = \"{}\"\n", schema.url()),
    )
    .unwrap();
    ok(rampart(
        &other,
        Some(&config),
        &s3,
        &["admin", "portal", "add", "beta", "Beta"],
    ));
    let out = rampart(
        &data,
        None,
        &s3,
        &[
            "migrate",
            "--to-database",
            &schema.url(),
            "--to-blobs",
            "s3://rampart/portal",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("another install"), "{err}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if !path.to_string_lossy().contains(".s3s") {
            out.push(path);
        }
    }
    out
}
