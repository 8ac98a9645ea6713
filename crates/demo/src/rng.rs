//! The seeded random source and the few sampling helpers every generator
//! module uses. One place decides the algorithm (ChaCha8, stable across
//! platforms and releases of `rand_chacha` 0.3), so a seed always means the
//! same world.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator's random source.
pub(crate) type DemoRng = ChaCha8Rng;

/// The root random source for `seed`.
pub(crate) fn root(seed: u64) -> DemoRng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// A child source, so that one part's consumption does not shift another's.
pub(crate) fn child(rng: &mut DemoRng) -> DemoRng {
    ChaCha8Rng::seed_from_u64(rng.gen())
}

/// One element of a slice of strings (`""` when empty).
pub(crate) fn pick<'a>(rng: &mut DemoRng, items: &[&'a str]) -> &'a str {
    items.choose(rng).copied().unwrap_or_default()
}

/// True with probability `p`.
pub(crate) fn chance(rng: &mut DemoRng, p: f64) -> bool {
    rng.gen_bool(p.clamp(0.0, 1.0))
}

/// Index chosen with probability proportional to `weights` (0 if all zero).
pub(crate) fn weighted(rng: &mut DemoRng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    if total == 0 {
        return 0;
    }
    let mut roll = rng.gen_range(0..total);
    for (i, w) in weights.iter().enumerate() {
        if roll < *w {
            return i;
        }
        roll -= w;
    }
    0
}
