//! The commands on PostgreSQL: an install whose `[store] database` names a
//! PostgreSQL schema (in the configuration file given with `--config`)
//! keeps its state there, never in a file of the data dir, and every
//! command works on it.

use rampart_store_postgres::scratch::{test_database, Schema};
use std::{path::Path, process::Command};

fn rampart(config: &Path, data: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .arg("--config")
        .arg(config)
        .arg("--data")
        .arg(data)
        .env("RAMPART_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    out
}

#[tokio::test]
async fn every_command_works_on_the_configured_postgresql_database() {
    let schema = Schema::create(&test_database()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (config, data) = (dir.path().join("rampart.toml"), dir.path().join("data"));
    std::fs::write(
        &config,
        format!("[store]\ndatabase = \"{}\"\n", schema.url()),
    )
    .unwrap();
    rampart(
        &config,
        &data,
        &["admin", "portal", "add", "alpha", "Alpha"],
    );
    rampart(
        &config,
        &data,
        &["admin", "community", "add", "alpha", "ops", "Ops"],
    );
    let password = rampart(
        &config,
        &data,
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
    );
    assert_eq!(String::from_utf8_lossy(&password.stdout).trim().len(), 20);
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    let plan = "Logistics plan for the spring exercise. ".repeat(40);
    std::fs::write(src.join("plan.txt"), &plan).unwrap();
    rampart(
        &config,
        &data,
        &["import", src.to_str().unwrap(), "--community", "alpha/ops"],
    );
    rampart(&config, &data, &["reindex"]);
    std::fs::write(dir.path().join("leak.txt"), &plan).unwrap();
    let report = dir.path().join("report.json");
    rampart(
        &config,
        &data,
        &[
            "triage",
            dir.path().join("leak.txt").to_str().unwrap(),
            "--json",
            report.to_str().unwrap(),
        ],
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(report["items"][0]["verdict"], "genuine", "{report:#}");
    let verified = rampart(&config, &data, &["audit", "verify"]);
    assert!(
        String::from_utf8_lossy(&verified.stdout).contains("the log is intact"),
        "{verified:?}"
    );
    let shown = rampart(&config, &data, &["audit", "show", "--json"]);
    let kinds = String::from_utf8_lossy(&shown.stdout).into_owned();
    assert!(kinds.contains("\"upload\""), "{kinds}");

    // The state is in the schema, and no database file was made.
    assert!(!data.join("rampart.db").exists());
    let pool = sqlx::PgPool::connect(&schema.url()).await.unwrap();
    let (accounts, documents, events): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM documents),
                (SELECT count(*) FROM audit_events)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((accounts, documents), (2, 1), "the administrator and Ann");
    assert!(events > 3, "{events}");
    pool.close().await;
}

/// A database URL that is neither SQLite nor PostgreSQL is refused at
/// start, naming the setting, without its password.
#[test]
fn an_unknown_database_url_is_refused_without_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rampart.toml");
    std::fs::write(
        &config,
        "[store]\ndatabase = \"mysql://root:hunter2@db/rampart\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["admin", "portal", "add", "alpha", "Alpha", "--config"])
        .arg(&config)
        .arg("--data")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[store] database"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}
