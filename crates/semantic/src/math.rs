//! The element-wise steps of the model, written so that the compiler turns
//! them into vector instructions: no call into the C library per value
//! (`expf` and `erff` were a tenth of triage's CPU time under candle), and
//! approximations far below the int8 products' own error. Each step is
//! compiled again for AVX2 and AVX-512 by `pulp` and run with the widest
//! the CPU has ([`vectorized`]): on the triage benchmark they were most of
//! the model's time outside the products, on baseline x86-64's SSE2.

/// Runs `f` compiled for the widest vector instructions the CPU has (no
/// `unsafe` here: `pulp` checks the CPU once). `f` and what it calls must
/// be inlined into it (`#[inline(always)]`) to be compiled so.
#[inline(always)]
fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    struct Run<F>(F);
    impl<R, F: FnOnce() -> R> pulp::WithSimd for Run<F> {
        type Output = R;
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _simd: S) -> R {
            (self.0)()
        }
    }
    pulp::Arch::new().dispatch(Run(f))
}

/// Adding 1.5 × 2^23 rounds an f32 of magnitude below 2^22 to the nearest
/// integer, and leaves that integer in the low bits of the sum: no
/// float-to-int conversion (Rust's saturates, and does not vectorise).
const ROUND: f32 = 12_582_912.0;
/// `ROUND`'s bits: the sum's bits less these are the integer.
const ROUND_BITS: u32 = 0x4B40_0000;

/// `e^x` to about 2e-7 relative error: `x = n ln 2 + r`, a degree-6
/// polynomial in `r` (|r| ≤ ln 2 / 2), and `2^n` built from its bits.
/// Below -87 it is e^-87 (~1.6e-38: the softmax's far tail, where it is
/// as good as 0); above 88, e^88.
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 in two parts, so that n ln 2 is exact to f32's precision.
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;

    let x = x.clamp(-87.0, 88.0);
    let k = x * LOG2E + ROUND;
    let n = k - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    // 2^n: n + 127 in the exponent's bits.
    let scale = f32::from_bits(k.to_bits().wrapping_sub(ROUND_BITS).wrapping_add(127) << 23);
    p * scale
}

/// `erf(x)` to 2e-6 in f32 (Abramowitz & Stegun 7.1.28, 3e-7 exactly): a polynomial and a
/// division, no exponential.
#[inline(always)]
fn erf(x: f32) -> f32 {
    let a = x.abs();
    let t = 1.0
        + a * (0.070_523_08
            + a * (0.042_282_01
                + a * (0.009_270_527
                    + a * (0.000_152_014_3 + a * (0.000_276_567_2 + a * 0.000_043_063_8)))));
    let t2 = t * t;
    let t4 = t2 * t2;
    let t8 = t4 * t4;
    // Past |x| ≈ 6, t^16 overflows to infinity and 1 / t^16 is 0: erf = ±1.
    let e = 1.0 - 1.0 / (t8 * t8);
    e.copysign(x)
}

/// BERT's activation (the exact, erf-based GELU), in place.
pub(crate) fn gelu(xs: &mut [f32]) {
    vectorized(
        #[inline(always)]
        || {
            for x in xs {
                *x = 0.5 * *x * (1.0 + erf(*x * std::f32::consts::FRAC_1_SQRT_2));
            }
        },
    )
}

/// Each row of `rows` (width `residual`'s rows) plus the same row of
/// `residual`, then normalised, in place: a sub-layer's output joining the
/// stream. With no residual, the normalisation alone.
pub(crate) fn add_and_norm(
    rows: &mut [f32],
    residual: Option<&[f32]>,
    gamma: &[f32],
    beta: &[f32],
    eps: f32,
) {
    let width = gamma.len();
    vectorized(
        #[inline(always)]
        || {
            if let Some(residual) = residual {
                rows.iter_mut().zip(residual).for_each(|(x, r)| *x += r);
            }
            for row in rows.chunks_exact_mut(width) {
                let mean = sum_of(row, |x| x) / width as f32;
                let var = sum_of(row, |x| (x - mean) * (x - mean)) / width as f32;
                let inv = 1.0 / (var + eps).sqrt();
                for ((x, g), b) in row.iter_mut().zip(gamma).zip(beta) {
                    *x = (*x - mean) * inv * g + b;
                }
            }
        },
    )
}

/// `Σ f(x)` in sixteen lanes: float addition is not associative, so the
/// compiler keeps a plain loop's order, one value at a time.
#[inline(always)]
fn sum_of(xs: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let (chunks, tail) = xs.as_chunks::<16>();
    let mut lanes = [0f32; 16];
    for c in chunks {
        for k in 0..16 {
            lanes[k] += f(c[k]);
        }
    }
    reduce(lanes, |a, b| a + b) + tail.iter().map(|x| f(*x)).sum::<f32>()
}

/// Sixteen lanes combined by `op` in halves (8 + 8, 4 + 4, …): four vector
/// steps. Folded one lane at a time, the compiler keeps that order, and a
/// row's fold cost as much as the row's own loop on rows of 384 values
/// (it was most of `quantise_rows`' time).
#[inline(always)]
fn reduce(mut lanes: [f32; 16], op: impl Fn(f32, f32) -> f32) -> f32 {
    for half in [8, 4, 2, 1] {
        for k in 0..half {
            lanes[k] = op(lanes[k], lanes[k + half]);
        }
    }
    lanes[0]
}

/// The least and the greatest of `xs` and 0, in sixteen lanes (with
/// comparisons: `f32::min`'s NaN rule costs a fix-up per vector; a NaN
/// is skipped).
#[inline(always)]
fn range(xs: &[f32]) -> (f32, f32) {
    let (chunks, tail) = xs.as_chunks::<16>();
    let (mut lo, mut hi) = ([0f32; 16], [0f32; 16]);
    for c in chunks {
        for k in 0..16 {
            lo[k] = if c[k] < lo[k] { c[k] } else { lo[k] };
            hi[k] = if c[k] > hi[k] { c[k] } else { hi[k] };
        }
    }
    let low = |m: f32, v: &f32| if *v < m { *v } else { m };
    let high = |m: f32, v: &f32| if *v > m { *v } else { m };
    let lo = tail.iter().fold(reduce(lo, |a, b| low(a, &b)), low);
    let hi = tail.iter().fold(reduce(hi, |a, b| high(a, &b)), high);
    (lo, hi)
}

/// The greatest of `xs` (which is not empty).
#[inline(always)]
fn max(xs: &[f32]) -> f32 {
    let first = xs.first().copied().unwrap_or(0.0);
    let (chunks, tail) = xs.as_chunks::<16>();
    let mut lanes = [first; 16];
    for c in chunks {
        for k in 0..16 {
            lanes[k] = if c[k] > lanes[k] { c[k] } else { lanes[k] };
        }
    }
    let high = |m: f32, v: &f32| if *v > m { *v } else { m };
    tail.iter().fold(reduce(lanes, |a, b| high(a, &b)), high)
}

/// Each row of `x` (width `k`) quantised to `0..=levels` over its own
/// range: `q = x / scale + zero`, rounded. The range holds 0, so that
/// the zero point is a level.
pub(crate) fn quantise_rows(
    x: &[f32],
    k: usize,
    levels: f32,
    q: &mut [u8],
    zero: &mut [u8],
    scale: &mut [f32],
) {
    vectorized(
        #[inline(always)]
        || {
            for (((row, out), z_out), s_out) in x
                .chunks_exact(k)
                .zip(q.chunks_exact_mut(k))
                .zip(zero.iter_mut())
                .zip(scale.iter_mut())
            {
                let (lo, hi) = range(row);
                // A scale of at least the least normal float: a row of
                // denormals would otherwise divide by zero.
                let s = if hi > lo {
                    ((hi - lo) / levels).max(f32::MIN_POSITIVE)
                } else {
                    1.0
                };
                let z = (-lo / s).round().clamp(0.0, levels);
                let inv = 1.0 / s;
                for (o, v) in out.iter_mut().zip(row) {
                    // Rounded by adding `ROUND`: the level is then the
                    // low byte of the sum's bits.
                    let level = (v * inv + z).clamp(0.0, levels);
                    *o = (level + ROUND).to_bits() as u8;
                }
                *z_out = z as u8;
                *s_out = s;
            }
        },
    )
}

/// Rows of a linear layer's output from its integer sums: `(acc - z ·
/// sum) · row scale · column scale + bias`, `acc` the products of the
/// quantised row (zero point `z`) and the quantised weights, `sum` each
/// column's weights summed.
pub(crate) fn dequantise_rows(
    acc: &[i32],
    zero: &[u8],
    scale: &[f32],
    sums: &[i32],
    scales: &[f32],
    bias: &[f32],
    y: &mut [f32],
) {
    let n = bias.len();
    vectorized(
        #[inline(always)]
        || {
            for (((out, a), s), z) in y
                .chunks_exact_mut(n)
                .zip(acc.chunks_exact(n))
                .zip(scale)
                .zip(zero)
            {
                let z = i32::from(*z);
                for ((((y, a), sum), w), b) in out.iter_mut().zip(a).zip(sums).zip(scales).zip(bias)
                {
                    *y = (a - z * sum) as f32 * s * w + b;
                }
            }
        },
    )
}

/// Each row of `rows` (width `width`) scaled by `scale` and turned into
/// probabilities, in place.
pub(crate) fn softmax(rows: &mut [f32], width: usize, scale: f32) {
    vectorized(
        #[inline(always)]
        || {
            for row in rows.chunks_exact_mut(width) {
                let max = max(row);
                for x in row.iter_mut() {
                    *x = exp((*x - max) * scale);
                }
                let inv = 1.0 / sum_of(row, |x| x);
                row.iter_mut().for_each(|x| *x *= inv);
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_and_erf_agree_with_the_library() {
        let mut worst_exp = 0f32;
        let mut worst_erf = 0f32;
        for i in -9000..=9000 {
            let x = i as f32 / 100.0; // -90 … 90
            let want = x.exp();
            if (-85.0..=88.0).contains(&x) {
                worst_exp = worst_exp.max(((exp(x) - want) / want).abs());
            }
            let x = i as f32 / 1000.0; // -9 … 9
            worst_erf = worst_erf.max((erf(x) - erf_reference(x)).abs());
        }
        assert!(worst_exp < 1e-6, "exp off by {worst_exp}");
        assert!(worst_erf < 2e-6, "erf off by {worst_erf}");
        assert_eq!(exp(-200.0), exp(-87.0));
        assert!(exp(-200.0) < 1e-37);
    }

    /// erf by its Taylor series (|x| < 3) and its continued fraction
    /// beyond: slow and exact to f64, for the test only.
    fn erf_reference(x: f32) -> f32 {
        let x = f64::from(x);
        let a = x.abs();
        let e = if a < 3.0 {
            let (mut term, mut sum, mut n) = (a, a, 0.0);
            while term.abs() > 1e-17 {
                n += 1.0;
                term *= -a * a / n;
                sum += term / (2.0 * n + 1.0);
            }
            sum * 2.0 / std::f64::consts::PI.sqrt()
        } else {
            let mut f = 0.0;
            for k in (1..60).rev() {
                f = f64::from(k) / 2.0 / (a + f);
            }
            1.0 - (-a * a).exp() / std::f64::consts::PI.sqrt() / (a + f)
        };
        (e.copysign(x)) as f32
    }

    #[test]
    fn layer_norm_and_softmax_do_what_they_say() {
        let mut rows = vec![0.0, 1.0, 2.0, 3.0, -2.0, -2.0, -2.0, -2.0];
        let residual = [1.0; 8];
        add_and_norm(&mut rows, Some(&residual), &[1.0; 4], &[0.5; 4], 1e-12);
        let first: f32 = rows[..4].iter().sum();
        assert!((first - 2.0).abs() < 1e-5); // mean 0 plus the bias, ×4
        assert!((rows[3] - rows[0] - 2.0 * 1.5 / 1.25f32.sqrt()).abs() < 1e-4);
        assert_eq!(&rows[4..], &[0.5; 4]); // a constant row is its bias
        let mut p = vec![0.0, 1.0, 2.0, 1000.0, 1000.0, -1000.0];
        softmax(&mut p, 3, 1.0);
        let e = [1.0f32, 1f32.exp(), 2f32.exp()];
        let s: f32 = e.iter().sum();
        for (got, want) in p[..3].iter().zip(e) {
            assert!((got - want / s).abs() < 1e-6);
        }
        assert!((p[3] - 0.5).abs() < 1e-6 && p[5] < 1e-30);
    }

    #[test]
    fn gelu_is_x_times_the_normal_cdf() {
        let mut xs = vec![-3.0, -1.0, 0.0, 1.0, 3.0];
        gelu(&mut xs);
        let want = [-0.004_049_7, -0.158_655_3, 0.0, 0.841_344_7, 2.995_950_3];
        for (got, want) in xs.iter().zip(want) {
            assert!((got - want).abs() < 1e-6, "{got} vs {want}");
        }
    }
}
