//! Benchmark (not a test) of the audit log on both backends, in one run on
//! the same machine: durable appends per second with 1, 16 and 256
//! concurrent writers and the wait until durable (p50/p99) on the embedded
//! SQLite and on PostgreSQL (a scratch schema of `RAMPART_TEST_POSTGRES`,
//! by default the local test database); inclusion-proof generation and
//! verification and `audit verify` over a large log, on each.
//!
//!     cargo run --release -p rampart-store-conformance --example audit_bench -- [SECONDS] [VERIFY_ENTRIES]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rampart_store::{auditlog, AuditEvent, AuditSink, Outcome, Store};
use rampart_store_postgres::scratch::{test_database, Schema};
use std::time::{Duration, Instant};

fn event(i: u64) -> AuditEvent {
    AuditEvent {
        seq: 0,
        time: "2026-11-22T12:00:00.000Z".into(),
        kind: "download".into(),
        account: Some(format!("user{}@example.org", i % 150)),
        session: Some("s-0123456789abcdef".into()),
        ip: Some("192.0.2.10".into()),
        document: Some("0123456789abcdef0123456789abcdef".into()),
        version: Some(1),
        download: Some(format!("{i:032x}")),
        outcome: Outcome::Ok,
        detail: serde_json::json!({"size": 123456, "canary": false}),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// A fresh store of `backend`, and what must live as long as it.
async fn fresh(backend: &str) -> (Box<dyn std::any::Any>, Store) {
    if backend == "postgres" {
        let schema = Schema::create(&test_database()).await.unwrap();
        let store = rampart_store_postgres::connect(&schema.url())
            .await
            .unwrap();
        (Box::new(schema), store)
    } else {
        let dir = tempfile::tempdir().unwrap();
        let store = rampart_store_sqlite::open(&dir.path().join("bench.db"))
            .await
            .unwrap();
        (Box::new(dir), store)
    }
}

async fn appends(backend: &str, writers: usize, secs: u64) {
    let (_keep, store) = fresh(backend).await;
    let signer = rampart_tlog::Signer::from_seed("bench.example/audit", &[1; 32]).unwrap();
    let log = auditlog::AuditLog::start(store.clone(), signer);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let log = log.clone();
        tasks.push(tokio::spawn(async move {
            let mut waits = Vec::new();
            let mut i = w as u64 * 1_000_000_000;
            while Instant::now() < deadline {
                let t = Instant::now();
                log.append(event(i)).await.unwrap();
                waits.push(t.elapsed());
                i += 1;
            }
            waits
        }));
    }
    let mut waits = Vec::new();
    for t in tasks {
        waits.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    waits.sort_unstable();
    println!(
        "{backend:>8} {writers:>4} writers: {:>8.0} durable events/s   wait p50 {:>7.2} ms   p99 {:>7.2} ms   ({} events)",
        waits.len() as f64 / elapsed,
        percentile(&waits, 0.50).as_secs_f64() * 1e3,
        percentile(&waits, 0.99).as_secs_f64() * 1e3,
        waits.len()
    );
    log.close().await.unwrap();
}

async fn proofs_and_verify(backend: &str, entries: u64) {
    let (_keep, store) = fresh(backend).await;
    let signer = rampart_tlog::Signer::from_seed("bench.example/audit", &[1; 32]).unwrap();
    let verifier = signer.verifier();
    let fill = Instant::now();
    let mut i = 0;
    while i < entries {
        let n = (entries - i).min(4096);
        store
            .append_entries((i..i + n).map(event).collect())
            .await
            .unwrap();
        i += n;
    }
    let fill = fill.elapsed();
    let log = auditlog::AuditLog::start(store.clone(), signer);
    log.checkpoint().await.unwrap();
    let cp = store.latest_checkpoint().await.unwrap().unwrap();
    let (size, root) = store.log_head().await.unwrap();
    let rounds = 200u64;
    let t = Instant::now();
    let mut proofs = Vec::new();
    for k in 0..rounds {
        let index = (k * 7919) % size;
        let proof = store
            .with_hashes(|r| rampart_tlog::prove_record(size, index, r))
            .await
            .unwrap();
        proofs.push((index, proof));
    }
    let prove = t.elapsed() / rounds as u32;
    let entries_of: Vec<Vec<u8>> = {
        let mut v = Vec::new();
        for (index, _) in &proofs {
            v.push(
                store
                    .log_entries(*index, index + 1)
                    .await
                    .unwrap()
                    .remove(0),
            );
        }
        v
    };
    let t = Instant::now();
    for ((index, proof), entry) in proofs.iter().zip(&entries_of) {
        rampart_tlog::check_record(proof, size, root, *index, rampart_tlog::leaf_hash(entry))
            .unwrap();
    }
    let check = t.elapsed() / rounds as u32;
    let t = Instant::now();
    let report = auditlog::verify_log(
        &store,
        &rampart_tlog::VerifierList::from(verifier),
        "bench.example/audit",
        Some(cp.signed.as_bytes()),
    )
    .await
    .unwrap();
    let verify = t.elapsed();
    assert!(report.ok(), "{:?}", report.findings);
    println!(
        "{backend}: log of {size} entries (filled in {:.1} s, batches of 4096)",
        fill.as_secs_f64()
    );
    println!(
        "inclusion proof: generate {:.1} µs, verify {:.1} µs",
        prove.as_secs_f64() * 1e6,
        check.as_secs_f64() * 1e6
    );
    println!(
        "audit verify: {:.1} s ({:.0} entries/s)",
        verify.as_secs_f64(),
        size as f64 / verify.as_secs_f64()
    );
    log.close().await.unwrap();
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let secs: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let verify_entries: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    println!(
        "durable appends ({secs} s each; SQLite WAL synchronous=FULL, PostgreSQL as configured; group commit ≤ {} per batch)",
        auditlog::MAX_BATCH
    );
    for backend in ["sqlite", "postgres"] {
        for writers in [1, 16, 256] {
            appends(backend, writers, secs).await;
        }
    }
    for backend in ["sqlite", "postgres"] {
        proofs_and_verify(backend, verify_entries).await;
    }
}
