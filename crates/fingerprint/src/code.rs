//! The collusion-resistant code: a symmetric Tardos code (Škorić, Katzenbeisser
//! and Celik, "Symmetric Tardos fingerprinting codes for arbitrary alphabet
//! sizes", 2008) with the arcsine bias distribution cut off at `t`, and the
//! accusation threshold for a chosen false-accusation probability.
//!
//! The code is infinite and sparse: a code *position* is any 64-bit number.
//! Position `j` has a secret bias `p_j` and every account `a` has a bit
//! `X_aj = [U(k_a, j) < p_j]` with `U` a keyed PRF; a download `d` of account
//! `a` likewise has bits `[U(k_ad, j) < p_j]`. Each position belongs to one of
//! two *layers* (decided by `j` itself): the account layer, scored to accuse
//! accounts, and the download layer, scored to name the exact download of an
//! accused account.
//!
//! ## Score
//! For an observed (pirate) symbol `y_j` the symmetric score of a user with bit
//! `x` is `g(x, y) = sqrt((1-p)/p)` if `x = y = 1`, `sqrt(p/(1-p))` if
//! `x = y = 0`, and `-sqrt(p/(1-p))`, `-sqrt((1-p)/p)` for `x = 0, y = 1` and
//! `x = 1, y = 0`. Decoding is soft: several reads of the same position (the
//! same anchor in two files of a dump, or copies of two colluders in one dump)
//! are merged into `v_j = (n1 - n0) / (n1 + n0)` in `[-1, 1]`, and the term is
//! `v_j * g(x, 1)` (for `v = ±1` this is exactly `g(x, y)`, because
//! `g(x, 0) = -g(x, 1)`). A position that is not read contributes nothing.
//!
//! ## Threshold (false accusation ≤ ε per innocent account)
//! For an innocent account the bits are independent of everything the pirates
//! saw (assumption: BLAKE3 keyed with the server secret is a PRF), so its score
//! `Z = Σ_j T_j` is a sum of independent terms with `T_j = v_j a_j` with
//! probability `p_j` and `-v_j b_j` otherwise (`a_j = sqrt((1-p_j)/p_j)`,
//! `b_j = 1/a_j`): mean 0, variance `v_j² ≤ 1`, bounded by `sqrt((1-t)/t)`.
//! We use the Chernoff bound with the *exact* moment generating function:
//!
//! ```text
//! P(Z ≥ z) ≤ exp(-λz) Π_j (p_j e^{λ v_j a_j} + (1-p_j) e^{-λ v_j b_j})   for every λ > 0
//! threshold Z* = min_λ>0 ( ln(1/ε) + Σ_j ln M_j(λ) ) / λ
//! ```
//!
//! Every λ gives a valid bound, so an inexact minimisation only makes the
//! threshold more conservative. No Gaussian approximation is involved, and for
//! few positions (a short excerpt) the bound automatically rises above the
//! Gaussian `4.75 σ` because the heavy terms near the cutoff are accounted for.
//! For many positions it approaches `sqrt(2 ln(1/ε) V)` with `V = Σ v_j²`
//! (≈ 5.26 σ for ε = 10⁻⁶, more conservative than the exact Gaussian tail
//! 4.75 σ: that gap is our safety factor). The bound depends only on the
//! positions actually read, never on how many were embedded.
//!
//! ## Parameters and why
//! * `t = 0.01`: the cutoff keeps the largest score term at `sqrt(0.99/0.01)
//!   ≈ 9.95`, so the Chernoff threshold of a short excerpt stays close to the
//!   Gaussian one, while coalitions up to c = 3..5 still face biases close
//!   enough to 0 and 1 (Tardos' proof value `1/(300c)` is far too cautious for
//!   practice, see Škorić et al., "Tardos fingerprinting is better than we
//!   thought", 2008).
//! * ε = 10⁻⁶ per innocent account, as the design requires.
//! * a quarter of positions in the download layer: naming the download among
//!   the few downloads of one already accused account needs far fewer
//!   positions than finding the account among thousands.

use crate::error::{Error, Result};
use crate::keys::Keys;

/// Tunable code parameters. The defaults are the ones the simulations in
/// `tests/` validate; the download registry records [`Params::ID`] so that a
/// copy is always decoded with the parameters it was marked with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Bias cutoff `t`: biases are drawn from the arcsine density on `[t, 1-t]`.
    pub cutoff: f64,
    /// Target false-accusation probability per innocent account (and per
    /// candidate download).
    pub false_accusation: f64,
    /// Share of positions that form the download layer.
    pub download_share: f64,
    /// Share of word gaps that carry the space channel (the rest keep their
    /// ordinary space, which limits runs of no-break spaces).
    pub space_share: f64,
}

impl Params {
    /// Identifier of the parameter set and derivation scheme of this version.
    pub const ID: &'static str = "tardos-sym-v1";

    /// Checks that every parameter is in its meaningful range.
    pub fn validate(&self) -> Result<()> {
        let bad = |name, reason| Err(Error::Param { name, reason });
        if !(self.cutoff > 0.0 && self.cutoff < 0.5) {
            return bad("cutoff", "must be in (0, 0.5)");
        }
        if !(self.false_accusation > 0.0 && self.false_accusation < 1.0) {
            return bad("false_accusation", "must be in (0, 1)");
        }
        if !(self.download_share > 0.0 && self.download_share < 1.0) {
            return bad("download_share", "must be in (0, 1)");
        }
        if !(self.space_share > 0.0 && self.space_share <= 1.0) {
            return bad("space_share", "must be in (0, 1]");
        }
        Ok(())
    }
}

impl Default for Params {
    fn default() -> Self {
        Self {
            cutoff: 0.01,
            false_accusation: 1e-6,
            download_share: 0.25,
            space_share: 0.5,
        }
    }
}

/// Which layer a position belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    /// Scored per account; adds up over every file of a dump.
    Account,
    /// Scored per download of an accused account.
    Download,
}

/// The code: parameters plus derived keys.
#[derive(Clone)]
pub(crate) struct Code {
    pub(crate) params: Params,
    pub(crate) keys: Keys,
}

impl Code {
    pub(crate) fn layer(&self, pos: u64) -> Layer {
        let u = (pos >> 32) as f64 / 4_294_967_296.0;
        if u < self.params.download_share {
            Layer::Download
        } else {
            Layer::Account
        }
    }

    /// The secret bias `p_j` (arcsine density cut off at `t`).
    pub(crate) fn bias(&self, pos: u64) -> f64 {
        let t0 = self.params.cutoff.sqrt().asin();
        let r = t0 + self.keys.bias_uniform(pos) * (std::f64::consts::FRAC_PI_2 - 2.0 * t0);
        let s = r.sin();
        s * s
    }
}

/// Score contribution for `x = 1` and `x = 0` of a position with bias `p`
/// and soft pirate value `v` (the symmetric Tardos score).
pub(crate) fn score_terms(p: f64, v: f64) -> (f64, f64) {
    let a = ((1.0 - p) / p).sqrt();
    (v * a, -v / a)
}

/// The accusation threshold for positions `(p_j, v_j)`: see the module docs.
/// Returns `f64::INFINITY` when nothing was read.
///
/// The bound `(ln(1/ε) + K(λ)) / λ` holds for every `λ > 0`, with `K` the
/// innocent score's cumulant generating function (convex, `K(0) = 0`); its
/// minimum is where `g(λ) = λK'(λ) − K(λ) − ln(1/ε)` crosses zero, and
/// `g` increases (`g' = λK''`). Newton's method on `g`, kept inside a
/// bracket that shrinks with every step (bisection where Newton leaves it),
/// reaches it in a handful of passes over the terms, where a golden-section
/// search took 50 (this sum is most of a dump's accusation time).
pub(crate) fn chernoff_threshold(terms: &[(f64, f64)], epsilon: f64) -> f64 {
    let terms: Vec<(f64, f64, f64)> = terms
        .iter()
        .filter(|(_, v)| *v != 0.0)
        .map(|&(p, v)| {
            let (hi, lo) = score_terms(p, v);
            (p, hi, lo)
        })
        .collect();
    if terms.is_empty() {
        return f64::INFINITY;
    }
    let l = (1.0 / epsilon).ln();
    // K(λ), K'(λ), K''(λ): per term, ln(p e^u1 + (1-p) e^u2) factored by
    // the larger exponent, so one `exp` and one `ln`.
    let cgf = |lambda: f64| {
        let (mut k, mut k1, mut k2) = (0.0, 0.0, 0.0);
        for &(p, hi, lo) in &terms {
            let (u1, u2) = (lambda * hi, lambda * lo);
            let (m, w1, w2) = if u1 >= u2 {
                (u1, p, (1.0 - p) * (u2 - u1).exp())
            } else {
                (u2, p * (u1 - u2).exp(), 1.0 - p)
            };
            let s = w1 + w2;
            let d1 = (w1 * hi + w2 * lo) / s;
            k += m + s.ln();
            k1 += d1;
            k2 += (w1 * hi * hi + w2 * lo * lo) / s - d1 * d1;
        }
        (k, k1, k2)
    };
    let bound = |lambda: f64, k: f64| (l + k) / lambda;
    let (mut lo, mut hi) = (1e-5f64, 20.0f64);
    // Start where the Gaussian approximation K ≈ σ²λ²/2 has its minimum
    // (an innocent score has mean 0 and variance Σ v²).
    let variance: f64 = terms
        .iter()
        .map(|&(p, h, d)| p * h * h + (1.0 - p) * d * d)
        .sum();
    let mut lambda = (2.0 * l / variance.max(f64::MIN_POSITIVE))
        .sqrt()
        .clamp(lo, hi);
    let mut best = f64::INFINITY;
    for _ in 0..64 {
        let (k, k1, k2) = cgf(lambda);
        best = best.min(bound(lambda, k));
        let g = lambda * k1 - k - l;
        if g < 0.0 {
            lo = lambda;
        } else {
            hi = lambda;
        }
        let newton = lambda - g / (lambda * k2);
        let next = if newton > lo && newton < hi {
            newton
        } else {
            (lo * hi).sqrt()
        };
        if (next - lambda).abs() <= 1e-12 * lambda || hi - lo <= 1e-12 * lo {
            break;
        }
        lambda = next;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn innocent_terms_have_mean_zero_and_unit_variance() {
        for p in [0.01, 0.1, 0.5, 0.9, 0.99] {
            let (hi, lo) = score_terms(p, 1.0);
            let mean = p * hi + (1.0 - p) * lo;
            let var = p * hi * hi + (1.0 - p) * lo * lo;
            assert!(mean.abs() < 1e-12, "mean {mean}");
            assert!((var - 1.0).abs() < 1e-12, "var {var}");
        }
    }

    #[test]
    fn threshold_is_between_gaussian_and_trivial_bounds() {
        let terms: Vec<(f64, f64)> = (0..2000)
            .map(|i| {
                (
                    0.02 + 0.96 * (i as f64 / 2000.0),
                    if i % 2 == 0 { 1.0 } else { -1.0 },
                )
            })
            .collect();
        let z = chernoff_threshold(&terms, 1e-6);
        let sigma = (terms.len() as f64).sqrt();
        assert!(z > 4.75 * sigma, "{z} vs {}", 4.75 * sigma);
        assert!(z < 7.0 * sigma, "{z} vs {}", 7.0 * sigma);
        assert_eq!(chernoff_threshold(&[], 1e-6), f64::INFINITY);
    }

    #[test]
    fn threshold_is_the_minimum_of_the_bound() {
        let terms: Vec<(f64, f64)> = (0..500)
            .map(|i| {
                let p = 0.01 + 0.98 * ((i * 37 % 500) as f64 / 500.0);
                (p, [1.0, -0.5, 0.25, 0.0][i % 4])
            })
            .collect();
        for epsilon in [1e-2f64, 1e-6, 1e-9] {
            let l = (1.0 / epsilon).ln();
            let bound = |lambda: f64| {
                let k: f64 = terms
                    .iter()
                    .filter(|(_, v)| *v != 0.0)
                    .map(|&(p, v)| {
                        let (h, d) = score_terms(p, v);
                        (p * (lambda * h).exp() + (1.0 - p) * (lambda * d).exp()).ln()
                    })
                    .sum();
                (l + k) / lambda
            };
            let grid = (0..4000)
                .map(|i| bound((1e-5f64.ln() + i as f64 * (20f64 / 1e-5).ln() / 4000.0).exp()))
                .fold(f64::INFINITY, f64::min);
            let z = chernoff_threshold(&terms, epsilon);
            assert!(z <= grid * (1.0 + 1e-9), "{z} vs grid {grid}");
            assert!(
                z >= grid * (1.0 - 1e-4),
                "{z} below the bound's minimum {grid}"
            );
        }
    }

    #[test]
    fn threshold_controls_innocent_tail_empirically() {
        // Monte Carlo with ε = 1e-2 so the tail is observable: the share of
        // innocents above the threshold must stay below ε.
        let terms: Vec<(f64, f64)> = (0..300)
            .map(|i| (0.01 + 0.98 * ((i * 37 % 300) as f64 / 300.0), 1.0))
            .collect();
        let z = chernoff_threshold(&terms, 1e-2);
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut above = 0;
        let trials = 20_000;
        for _ in 0..trials {
            let mut s = 0.0;
            for &(p, v) in &terms {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let u = (state >> 11) as f64 / (1u64 << 53) as f64;
                let (hi, lo) = score_terms(p, v);
                s += if u < p { hi } else { lo };
            }
            if s >= z {
                above += 1;
            }
        }
        assert!((above as f64) / (trials as f64) < 1e-2, "{above}");
    }
}
