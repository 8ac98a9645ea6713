#![allow(clippy::unwrap_used)]
//! The storage conformance suite on PostgreSQL: a fresh schema per test in
//! the test database (`RAMPART_TEST_POSTGRES`).

use rampart_store::Store;
use rampart_store_postgres::scratch::{test_database, Schema};

async fn fresh() -> (Schema, Store) {
    let schema = Schema::create(&test_database()).await.unwrap();
    let store = rampart_store_postgres::connect(&schema.url())
        .await
        .unwrap();
    (schema, store)
}

rampart_store_conformance::conformance!(fresh);
