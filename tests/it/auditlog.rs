//! The tamper-evident log end to end: served tiles a standard client can
//! check, access control on `/audit/`, and `rampart audit verify` catching
//! every kind of tampering done directly in the database.

use rampart_testkit::{bearer, TestApp, PASSWORD};
use rampart_tlog::{merkle_tree_hash, parse_entry_bundle, Checkpoint, Hash, VerifierList};
use std::{path::Path, process::Command, time::Duration};

async fn wait_for_checkpoint(app: &TestApp, size: u64) -> String {
    for _ in 0..100 {
        if let Some(cp) = app.state.store.latest_checkpoint().await.unwrap() {
            if cp.size >= size {
                return cp.signed;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no checkpoint covering {size} entries within 10 s");
}

#[tokio::test]
async fn tiles_and_checkpoints_verify_with_a_standard_client() {
    let mut config = rampart_app::Config::default();
    config.audit.witness_tokens = vec!["witness-secret-0123456789".into()];
    let app = TestApp::spawn_with(config).await;
    app.user("sec@example.org", "NOR", Some("security")).await;
    app.user("ann@example.org", "NOR", None).await;
    let sec = app.login("sec@example.org", PASSWORD).await;
    let ann = app.login("ann@example.org", PASSWORD).await;
    let (size, _) = app.state.store.log_head().await.unwrap();
    let signed = wait_for_checkpoint(&app, size).await;

    // Only security officers, admins and witnesses see the log.
    assert_eq!(app.anonymous().get("/audit/checkpoint").await.status(), 404);
    assert_eq!(ann.get("/audit/checkpoint").await.status(), 404);
    let served = sec.get("/audit/checkpoint").await.text().await.unwrap();
    let witness = bearer(&app, "witness-secret-0123456789");
    assert_eq!(witness.get("/audit/checkpoint").await.status(), 200);
    assert_eq!(
        bearer(&app, "witness-secret-wrong")
            .get("/audit/checkpoint")
            .await
            .status(),
        404
    );

    let verifiers = VerifierList::from(app.state.log_verifier());
    let (checkpoint, _) =
        Checkpoint::open(served.as_bytes(), app.state.log.origin(), &verifiers).unwrap();
    assert!(checkpoint.size() >= size && signed.len() > 10);
    let n = checkpoint.size();
    assert!(n < 256, "one partial tile");
    let tile = sec.get(&format!("/audit/tile/0/000.p/{n}")).await;
    assert_eq!(tile.status(), 200);
    assert_eq!(tile.headers()["cache-control"], "no-cache");
    let hashes: Vec<Hash> = tile
        .bytes()
        .await
        .unwrap()
        .chunks(32)
        .map(|c| Hash::from_slice(c).unwrap())
        .collect();
    assert_eq!(
        merkle_tree_hash(&hashes),
        checkpoint.hash(),
        "leaf tile hashes to the signed root"
    );
    let bundle = sec
        .get(&format!("/audit/tile/entries/000.p/{n}"))
        .await
        .bytes()
        .await
        .unwrap();
    let entries = parse_entry_bundle(&bundle).unwrap();
    assert_eq!(entries.len() as u64, n);
    for (entry, hash) in entries.iter().zip(&hashes) {
        assert_eq!(rampart_tlog::leaf_hash(entry), *hash);
        let event: serde_json::Value = serde_json::from_slice(entry).unwrap();
        assert!(event["kind"].is_string() && event["seq"].is_u64());
    }
    // Beyond the tree, malformed paths: nothing.
    assert_eq!(
        sec.get(&format!("/audit/tile/0/000.p/{}", n + 1))
            .await
            .status(),
        404
    );
    assert_eq!(
        sec.get("/audit/tile/0/000").await.status(),
        404,
        "no full tile yet"
    );
    assert_eq!(sec.get("/audit/tile/0/x/../etc").await.status(), 404);
}

fn rampart(data: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .arg("--data")
        .arg(data)
        .env("RAMPART_LOG", "error")
        .output()
        .unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

async fn tamper(data: &Path, sql: &[&str]) {
    let pool =
        sqlx::SqlitePool::connect(&format!("sqlite://{}", data.join("rampart.db").display()))
            .await
            .unwrap();
    for statement in sql {
        sqlx::query(statement).execute(&pool).await.unwrap();
    }
    pool.close().await;
}

#[tokio::test]
async fn verify_names_the_first_bad_index_for_every_kind_of_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    for args in [
        &["admin", "portal", "add", "alpha", "Alpha"][..],
        &["admin", "community", "add", "alpha", "ops", "Ops"],
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
        &[
            "admin",
            "member",
            "add",
            "alpha/ops",
            "ann@example.org",
            "reader",
        ],
        &["admin", "portal", "add", "beta", "Beta"],
        &["admin", "portal", "add", "gamma", "Gamma"],
    ] {
        assert!(rampart(&base, args).status.success());
    }
    let ok = rampart(&base, &["audit", "verify"]);
    assert!(ok.status.success(), "{ok:?}");
    let out = String::from_utf8_lossy(&ok.stdout);
    assert!(out.contains("7 entries") && out.contains("OK"), "{out}");
    let key = String::from_utf8(rampart(&base, &["audit", "key"]).stdout).unwrap();
    assert!(key.starts_with("rampart.local/audit+"), "{key}");
    let checkpoint = rampart(&base, &["audit", "checkpoint"]).stdout;
    std::fs::write(dir.path().join("trusted.txt"), &checkpoint).unwrap();

    // Inclusion proofs verify offline and break when touched.
    let proof = dir.path().join("proof.txt");
    assert!(rampart(
        &base,
        &["audit", "proof", "3", "--out", proof.to_str().unwrap()]
    )
    .status
    .success());
    let checked = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args([
            "audit",
            "verify-proof",
            proof.to_str().unwrap(),
            "--key",
            key.trim(),
        ])
        .output()
        .unwrap();
    assert!(checked.status.success(), "{checked:?}");
    assert!(String::from_utf8_lossy(&checked.stdout).contains("\"seq\":3"));
    let text = std::fs::read_to_string(&proof).unwrap();
    std::fs::write(&proof, text.replacen("index 3", "index 2", 1)).unwrap();
    let bad = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args([
            "audit",
            "verify-proof",
            proof.to_str().unwrap(),
            "--key",
            key.trim(),
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    std::fs::write(&proof, "garbage\n").unwrap();
    let garbage = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args([
            "audit",
            "verify-proof",
            proof.to_str().unwrap(),
            "--key",
            key.trim(),
        ])
        .output()
        .unwrap();
    assert_eq!(garbage.status.code(), Some(1));

    // A validly signed checkpoint of a different tree (a fork).
    let seed_hex = std::fs::read_to_string(base.join("keys/audit-signing.key")).unwrap();
    let mut seed = [0u8; 32];
    hex::decode_to_slice(seed_hex.trim(), &mut seed).unwrap();
    let signer = rampart_tlog::Signer::from_seed("rampart.local/audit", &seed).unwrap();
    let forked_root = merkle_tree_hash(&[rampart_tlog::leaf_hash(b"forged"); 5]);
    let forked = Checkpoint::new("rampart.local/audit", 5, forked_root)
        .unwrap()
        .sign(&[&signer])
        .unwrap();
    std::fs::write(dir.path().join("forked.txt"), &forked).unwrap();
    let bad_sig = Checkpoint::new("rampart.local/audit", 7, forked_root)
        .unwrap()
        .sign(&[&signer])
        .unwrap();
    let bad_sig_sql = format!(
        "INSERT OR REPLACE INTO tlog_checkpoints (size, root, signed, created_at) VALUES (7, x'{}', '{}', 0)",
        hex::encode(forked_root.0),
        bad_sig.replace('\'', "''")
    );

    // (name, SQL to run, trusted checkpoint file, expected index, expected word)
    type Case<'a> = (&'a str, Vec<String>, Option<&'a str>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        ("edited entry", vec!["UPDATE audit_events SET entry = CAST(REPLACE(CAST(entry AS TEXT), 'beta', 'BETA') AS BLOB) WHERE seq = 5".into()], None, "index 5", "edited"),
        ("edited columns", vec!["UPDATE audit_events SET account = 'someone@else.org' WHERE seq = 2".into()], None, "index 2", "edited event"),
        ("deleted entry", vec!["DELETE FROM audit_events WHERE seq = 4".into()], None, "index 4", "missing"),
        ("reordered", vec![
            "UPDATE audit_events SET entry = (SELECT entry FROM audit_events WHERE seq = 6) WHERE seq = 1".into(),
        ], None, "index 1", "reordered"),
        ("edited tile", vec!["UPDATE tlog_hashes SET hash = zeroblob(32) WHERE idx = 3".into()], None, "index 2", "tile"),
        ("truncated", vec![
            "DELETE FROM audit_events WHERE seq >= 5".into(),
            "DELETE FROM tlog_hashes WHERE idx >= 8".into(),
        ], None, "index 5", "truncated"),
        ("bad signature", vec![bad_sig_sql.replace("— rampart.local/audit ", "— rampart.local/audit A")], None, "index 6", "signature"),
        ("forked checkpoint", vec![bad_sig_sql.clone()], None, "index 6", "fork"),
        ("forked trusted copy", vec![], Some("forked.txt"), "index 4", "fork"),
    ];
    for (name, sql, trusted, index, word) in cases {
        let data = dir.path().join(name.replace(' ', "-"));
        copy_dir(&base, &data);
        let statements: Vec<&str> = sql.iter().map(String::as_str).collect();
        tamper(&data, &statements).await;
        let mut args = vec!["audit", "verify"];
        let trusted_path;
        if let Some(file) = trusted {
            trusted_path = dir.path().join(file).to_str().unwrap().to_owned();
            args.extend(["--trusted", &trusted_path]);
        }
        let out = rampart(&data, &args);
        let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
        assert_eq!(out.status.code(), Some(1), "{name}: {out:?}");
        assert!(
            stderr.contains(index) && stderr.contains(word),
            "{name}: {stderr}"
        );
    }
    // The untouched log still verifies against the trusted copy.
    let trusted = dir.path().join("trusted.txt");
    assert!(rampart(
        &base,
        &["audit", "verify", "--trusted", trusted.to_str().unwrap()]
    )
    .status
    .success());
}

#[tokio::test]
async fn audit_show_filters_by_account_kind_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    assert!(
        rampart(&data, &["admin", "portal", "add", "alpha", "Alpha"])
            .status
            .success()
    );
    assert!(rampart(
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
            "NOR"
        ]
    )
    .status
    .success());
    let all = String::from_utf8(rampart(&data, &["audit", "show", "--json"]).stdout).unwrap();
    assert_eq!(all.lines().count(), 3, "{all}");
    let kinds = String::from_utf8(
        rampart(
            &data,
            &["audit", "show", "--json", "--kind", "admin.portal_add"],
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(kinds.lines().count(), 1);
    let future =
        String::from_utf8(rampart(&data, &["audit", "show", "--since", "2999-01-01"]).stdout)
            .unwrap();
    assert!(future.is_empty());
    let past = String::from_utf8(
        rampart(
            &data,
            &[
                "audit",
                "show",
                "--json",
                "--until",
                "2999-01-01",
                "--since",
                "2000-01-01",
            ],
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(past.lines().count(), 3);
    assert_eq!(
        rampart(&data, &["audit", "show", "--since", "yesterday"])
            .status
            .code(),
        Some(1)
    );
}
