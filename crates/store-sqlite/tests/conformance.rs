#![allow(clippy::unwrap_used)]
//! The storage conformance suite on SQLite: a fresh database file per test.

use rampart_store::Store;

async fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = rampart_store_sqlite::open(&dir.path().join("rampart.db"))
        .await
        .unwrap();
    (dir, store)
}

rampart_store_conformance::conformance!(fresh);
