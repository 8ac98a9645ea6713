//! Regression tests for the penetration test's findings on data at rest:
//! a private data dir, fresh or tightened on start.

use rampart_testkit::{upload_form, TestApp, PASSWORD};
use serde_json::Value;
use std::{
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::Command,
};

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Every path under `dir`, `dir` included.
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    if std::fs::symlink_metadata(dir).unwrap().is_dir() {
        for entry in std::fs::read_dir(dir).unwrap() {
            out.extend(tree(&entry.unwrap().path()));
        }
    }
    out
}

#[tokio::test]
async fn a_fresh_data_dir_stays_private_after_serving_uploading_and_signing_in() {
    let app = TestApp::spawn().await;
    app.portal("alpha").await;
    app.community("alpha", "ops").await;
    app.user("ann@example.org", "NOR", None).await;
    app.member("alpha/ops", "ann@example.org", "contributor")
        .await;
    let ann = app.login("ann@example.org", PASSWORD).await;
    let r = ann
        .post_multipart(
            "/api/v1/portals/alpha/communities/ops/documents",
            upload_form("Plans", "plans.txt", b"the plans".to_vec(), &[]),
        )
        .await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = ann.get(&format!("/api/v1/documents/{id}/content")).await;
    assert_eq!(r.status(), 200);

    let data = app.dir.path();
    let paths = tree(data);
    for path in &paths {
        let expected = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(path), expected, "{}", path.display());
    }
    for name in [
        "rampart.db",
        "rampart.db-wal",
        "rampart.db-shm",
        "keys/data.key",
    ] {
        assert!(paths.contains(&data.join(name)), "{name} is in the tree");
    }
    let blobs = paths
        .iter()
        .filter(|p| p.is_file() && p.starts_with(data.join("blobs")))
        .count();
    assert!(blobs >= 1, "the upload is in the tree");
}

fn rampart(data: &Path, args: &[&str]) -> std::process::Output {
    let output = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .arg("--data")
        .arg(data)
        .env("RAMPART_LOG", "warn")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    output
}

#[test]
fn a_data_dir_left_open_to_other_accounts_is_tightened_on_start_and_said_so() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    rampart(&data, &["admin", "portal", "add", "alpha", "Alpha"]);
    let db = data.join("rampart.db");
    let key = data.join("keys").join("data.key");
    let open_up = || {
        chmod(&data, 0o755);
        chmod(&db, 0o644);
        chmod(&data.join("keys"), 0o755);
        chmod(&key, 0o644);
    };

    open_up();
    let output = rampart(&data, &["admin", "portal", "add", "beta", "Beta"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("tightened permissions"), "{stderr}");
    for path in [&data, &db, &data.join("keys")] {
        assert!(
            stderr.contains(&path.display().to_string()),
            "names {}: {stderr}",
            path.display()
        );
    }
    for path in tree(&data) {
        let expected = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&path), expected, "{}", path.display());
    }

    // Commands that only read an install tighten it too.
    open_up();
    let output = rampart(&data, &["reindex"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("tightened permissions"));
    assert_eq!((mode(&data), mode(&db), mode(&key)), (0o700, 0o600, 0o600));

    // Nothing to say when nothing was open.
    let output = rampart(&data, &["reindex"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("tightened"), "{stderr}");
}
