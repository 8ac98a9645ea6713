#![allow(clippy::unwrap_used, clippy::expect_used)]
//! What only the SQLite backend has: its file, its migrations.

use crate::MIGRATIONS;
use rampart_store::{Error, IndexEntry, MatchSource, Store};
use rampart_store_conformance::fixtures::{now, one_document};

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::open(&dir.path().join("rampart.db")).await.unwrap();
    (dir, store)
}

#[tokio::test]
async fn migration_10_moves_an_existing_index_to_item_ids() {
    let (dir, s) = store().await;
    let doc = one_document(&s).await;
    s.close().await;
    // Back to the shapes of migration 9, holding one indexed version.
    let db = dir.path().join("rampart.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    sqlx::raw_sql(
        "DROP TABLE match_bands; DROP TABLE match_anchors; DROP TABLE match_versions;
         DROP TABLE public_ref_bands; DROP TABLE public_ref_anchors; DROP TABLE public_refs;
         DELETE FROM schema_migrations WHERE version IN (2, 8, 9, 10)",
    )
    .execute(&pool)
    .await
    .unwrap();
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| [2, 8, 9].contains(v)) {
        sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)")
            .bind(version)
            .execute(&pool)
            .await
            .unwrap();
    }
    sqlx::query(
        "INSERT INTO match_versions (document_id, version, bytes_sha256, fingerprint, encoding, indexed_at)
         VALUES (?, 2, ?, X'444D463278', X'444D4632', 0)",
    )
    .bind(&doc)
    .bind(&[2u8; 32][..])
    .execute(&pool)
    .await
    .unwrap();
    for sql in [
        "INSERT INTO match_bands (band, key, document_id, version) VALUES (5, 55, ?, 2)",
        "INSERT INTO match_anchors (anchor, document_id, version) VALUES (77, ?, 2)",
    ] {
        sqlx::query(sql).bind(&doc).execute(&pool).await.unwrap();
    }
    pool.close().await;

    let s = crate::open(&db).await.unwrap();
    let mut r = s.index_reader().await.unwrap();
    let found = r.match_candidates(&[(5, 55)], &[77], 8).await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].bands, found[0].anchors), (1, 1));
    let stored = r.fingerprints_of(&[found[0].item]).await.unwrap();
    assert_eq!(
        stored[0].source,
        MatchSource::Version {
            document: doc.clone(),
            version: 2
        }
    );
    assert_eq!(stored[0].fingerprint.as_deref(), Some(&b"DMF2x"[..]));
    drop(r);
    let stats = s.index_stats(b"DMF2").await.unwrap();
    assert_eq!((stats.indexed, stats.stale), (1, 0));
}

/// `rampart migrate` copies the tables of [`TABLES`]: every table of the
/// schema must be one of them, or rebuilt by the copy (the search index),
/// or the copy loses it without a word (the passage index once did).
#[tokio::test]
async fn every_table_of_the_schema_is_copied_by_migrate() {
    use rampart_store::transfer::TABLES;
    let (dir, s) = store().await;
    s.close().await;
    let db = dir.path().join("rampart.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let names: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&pool)
            .await
            .unwrap();
    let not_copied: Vec<&String> = names
        .iter()
        .filter(|n| !TABLES.iter().any(|t| t.name == n.as_str()))
        // Bookkeeping, and leases on work in progress (of the source's
        // embedders, not the target's).
        .filter(|n| {
            !["schema_migrations", "sqlite_sequence", "semantic_claims"].contains(&n.as_str())
        })
        .filter(|n| !n.starts_with("search_"))
        .collect();
    assert!(
        not_copied.is_empty(),
        "tables migrate leaves out: {not_copied:?}"
    );
    for table in TABLES {
        assert!(
            names.iter().any(|n| n == table.name),
            "{} is not in the schema",
            table.name
        );
    }
}

#[tokio::test]
async fn the_database_and_its_wal_and_shm_are_private_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, s) = store().await;
    let slug = "modes".parse().unwrap();
    s.create_portal(&slug, "Modes", now()).await.unwrap();
    for name in ["rampart.db", "rampart.db-wal", "rampart.db-shm"] {
        let meta = std::fs::metadata(dir.path().join(name)).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{name}");
    }
}

/// A stored hash of another length (a hand-edited database) is refused,
/// not read as shifted hashes.
#[tokio::test]
async fn a_hand_edited_hash_of_another_length_is_refused() {
    let (dir, s) = store().await;
    let entry = IndexEntry {
        bytes_sha256: [1; 32],
        text_sha256: Some([2; 32]),
        ..IndexEntry::default()
    };
    s.add_public_ref("Press", "p.txt", &entry, now())
        .await
        .unwrap();
    let db = dir.path().join("rampart.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    sqlx::query("UPDATE public_refs SET bytes_sha256 = x'f70102'")
        .execute(&pool)
        .await
        .unwrap();
    let err = s.indexed_hashes().await.unwrap_err();
    assert!(matches!(err, Error::Corrupt(_)), "{err}");
}
