//! How fast the scan of stored passages runs (`rampart_semantic::scan`),
//! against the same loop over `dot_quantised` (the baseline instruction
//! set), on 846,175 pseudo-random rows (the rewrite benchmark's index) and
//! two queries (one file's first samples), or `QUERIES` (triage scans the
//! first samples of 16 files at once: 32).
//!
//!     [QUERIES=32] cargo run --release -p rampart-semantic --example scan
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rampart_semantic::{dot_floor, dot_quantised, scan, DIM};
use std::time::Instant;

fn main() {
    let rows_n = 846_175;
    let mut state = 7u64;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) % 41) as i8 - 20
    };
    let rows: Vec<i8> = (0..rows_n * DIM).map(|_| next()).collect();
    let count: usize = std::env::var("QUERIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let queries: Vec<Vec<i8>> = (0..count)
        .map(|_| (0..DIM).map(|_| next()).collect())
        .collect();
    let queries: Vec<&[i8]> = queries.iter().map(Vec::as_slice).collect();
    let floor = dot_floor(0.55);
    let rounds = 10;

    let t = Instant::now();
    let mut plain_hits = 0usize;
    for _ in 0..rounds {
        for row in rows.chunks_exact(DIM) {
            for q in &queries {
                if dot_quantised(q, row) >= floor {
                    plain_hits += 1;
                }
            }
        }
    }
    let plain = t.elapsed().as_secs_f64() / rounds as f64;

    let t = Instant::now();
    let mut scan_hits = 0usize;
    for _ in 0..rounds {
        scan(&rows, &queries, floor, |_, _, _| scan_hits += 1);
    }
    let fast = t.elapsed().as_secs_f64() / rounds as f64;
    assert_eq!(plain_hits, scan_hits);
    println!(
        "{rows_n} rows x {count} queries: plain loop {:.1} ms, scan {:.1} ms ({:.1} x faster; {} hits each)",
        plain * 1e3,
        fast * 1e3,
        plain / fast,
        scan_hits / rounds
    );
}
