//! The exact scan of stored passages: every (row, query) pair whose dot
//! product of quantised embeddings reaches a floor. Triage runs it once per
//! file that matches nothing by words, over every stored passage (846,175
//! rows on the rewrite benchmark): it was a third of that run's CPU time,
//! compiled for the baseline x86-64 that Rust targets by default (SSE2, 8
//! products an instruction). `pulp` compiles the loop again for AVX2 and
//! AVX-512 and picks, once per call, the widest the CPU has, with no
//! `unsafe` here; the arithmetic is the same integer sum on every path, so
//! the hits are exactly those of the plain loop (tested). Each row is
//! widened to 16 bits once for all the queries (widened once per call):
//! 154 → 47 ms for two queries over the benchmark's rows on an AVX-512
//! machine (`examples/scan.rs`), where the scan now reads memory about as
//! fast as the machine gives it.

use crate::DIM;

/// The dot product of two quantised embeddings in sixteen `i32` lanes, the
/// shape the compiler turns into vector multiply-adds (one pair at a time:
/// [`dot_quantised`](crate::dot_quantised)).
#[inline(always)]
pub(crate) fn dot_lanes(a: &[i8], b: &[i8]) -> i32 {
    let (xs, ys) = (a.chunks_exact(16), b.chunks_exact(16));
    let tail: i32 = xs
        .remainder()
        .iter()
        .zip(ys.remainder())
        .map(|(x, y)| i32::from(*x) * i32::from(*y))
        .sum();
    let mut lanes = [0i32; 16];
    for (x, y) in xs.zip(ys) {
        for k in 0..16 {
            lanes[k] += i32::from(x[k]) * i32::from(y[k]);
        }
    }
    lanes.iter().sum::<i32>() + tail
}

struct Scan<'a, F> {
    rows: &'a [i8],
    queries: &'a [[i16; DIM]],
    floor: i32,
    hit: F,
}

/// `a · b` of a row and a query widened to 16 bits, in 32 lanes (a 512-bit
/// multiply-add's width). Inlined into the scan, so that it is compiled
/// with the scan's instruction set.
#[inline(always)]
fn dot_wide(a: &[i16; DIM], b: &[i16; DIM]) -> i32 {
    let mut lanes = [0i32; 32];
    for (x, y) in a.chunks_exact(32).zip(b.chunks_exact(32)) {
        for k in 0..32 {
            lanes[k] += i32::from(x[k]) * i32::from(y[k]);
        }
    }
    lanes.iter().sum()
}

impl<F: FnMut(usize, usize, i32)> pulp::WithSimd for Scan<'_, F> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(mut self, _simd: S) {
        let mut wide = [0i16; DIM];
        for (r, row) in self.rows.chunks_exact(DIM).enumerate() {
            for (w, v) in wide.iter_mut().zip(row) {
                *w = i16::from(*v);
            }
            for (k, q) in self.queries.iter().enumerate() {
                let d = dot_wide(q, &wide);
                if d >= self.floor {
                    (self.hit)(r, k, d);
                }
            }
        }
    }
}

/// Calls `hit(row, query, dot)` for every row of `rows` (embeddings of
/// [`DIM`] values, one after another) and every query whose dot product
/// with it is at least `floor`, in row order. Queries of another length
/// than [`DIM`] are never hits.
pub fn scan(rows: &[i8], queries: &[&[i8]], floor: i32, mut hit: impl FnMut(usize, usize, i32)) {
    let whole: Vec<(usize, &[i8])> = queries
        .iter()
        .enumerate()
        .filter(|(_, q)| q.len() == DIM)
        .map(|(k, q)| (k, *q))
        .collect();
    let wide: Vec<[i16; DIM]> = whole
        .iter()
        .map(|(_, q)| {
            let mut w = [0i16; DIM];
            for (w, v) in w.iter_mut().zip(q.iter()) {
                *w = i16::from(*v);
            }
            w
        })
        .collect();
    pulp::Arch::new().dispatch(Scan {
        rows,
        queries: &wide,
        floor,
        hit: |r: usize, k: usize, d: i32| hit(r, whole[k].0, d),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scan_finds_exactly_the_pairs_the_plain_sum_finds() {
        // Pseudo-random rows and queries (a fixed linear congruential
        // sequence), and a floor that some pairs reach and most do not.
        let mut state = 12345u32;
        let mut next = || {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            ((state >> 16) % 255) as i32 - 127
        };
        let rows: Vec<i8> = (0..DIM * 500).map(|_| next() as i8).collect();
        let queries: Vec<Vec<i8>> = (0..3)
            .map(|_| (0..DIM).map(|_| next() as i8).collect())
            .collect();
        // A query equal to row 7: that pair is the largest dot product.
        let mut queries: Vec<&[i8]> = queries.iter().map(Vec::as_slice).collect();
        queries.push(&rows[7 * DIM..8 * DIM]);
        queries.insert(1, &[1, 2, 3]); // not an embedding: never a hit
        let plain = |a: &[i8], b: &[i8]| -> i32 {
            a.iter()
                .zip(b)
                .map(|(x, y)| i32::from(*x) * i32::from(*y))
                .sum()
        };
        let floor = 250_000;
        let mut expected = Vec::new();
        for (r, row) in rows.chunks_exact(DIM).enumerate() {
            for (k, q) in queries.iter().enumerate() {
                if q.len() == DIM && plain(q, row) >= floor {
                    expected.push((r, k, plain(q, row)));
                }
            }
        }
        let mut got = Vec::new();
        scan(&rows, &queries, floor, |r, k, d| got.push((r, k, d)));
        assert_eq!(got, expected);
        assert!(got.len() > 1 && got.iter().any(|&(r, k, _)| (r, k) == (7, 4)));
        assert!(
            got.len() < 200,
            "the floor must leave most pairs out: {}",
            got.len()
        );
    }
}
