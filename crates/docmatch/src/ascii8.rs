//! Eight ASCII bytes at a time in a `u64` ("SIMD within a register").
//!
//! Normalisation and word splitting look at every byte of a dump's text,
//! and a byte-at-a-time loop pays a hard-to-predict branch per word; these
//! masks classify eight bytes with a dozen integer operations, so the loops
//! branch per eight bytes instead. Every mask is exact per byte (no carry
//! crosses a byte) for bytes below 0x80; callers check [`is_ascii`] first.

const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte: where the masks below report.
pub(crate) const HIGH: u64 = 0x8080_8080_8080_8080;
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// The eight bytes at `at`, little-endian (byte `i` in bits `8i..8i+8`),
/// when there are eight.
#[inline]
pub(crate) fn load(bytes: &[u8], at: usize) -> Option<u64> {
    let chunk: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(chunk))
}

/// Whether all eight bytes are ASCII.
#[inline]
pub(crate) fn is_ascii(x: u64) -> bool {
    x & HIGH == 0
}

/// High bit set in each byte equal to `c`.
#[inline]
pub(crate) fn eq(x: u64, c: u8) -> u64 {
    let y = x ^ (ONES * u64::from(c));
    !(((y & LOW7) + LOW7) | y) & HIGH
}

/// High bit set in each byte within `lo..=hi` (ASCII `x`, `lo <= hi < 0x80`).
#[inline]
pub(crate) fn range(x: u64, lo: u8, hi: u8) -> u64 {
    let at_least = (x | HIGH) - ONES * u64::from(lo);
    let at_most = ONES * (0x80 + u64::from(hi)) - x;
    at_least & at_most & HIGH
}

/// High bit set in each byte below `n` (ASCII `x`, `n <= 0x80`).
#[inline]
pub(crate) fn below(x: u64, n: u8) -> u64 {
    !((x | HIGH) - ONES * u64::from(n)) & HIGH
}

/// High bit set in each ASCII letter or digit.
#[inline]
pub(crate) fn alphanumeric(x: u64) -> u64 {
    range(x, b'0', b'9') | range(x, b'a', b'z') | range(x, b'A', b'Z')
}

/// The bytes lower-cased (ASCII `x`).
#[inline]
pub(crate) fn to_lowercase(x: u64) -> u64 {
    x | (range(x, b'A', b'Z') >> 2)
}

/// The high bits of a mask's eight bytes as eight bits: bit `i` for byte `i`.
#[inline]
pub(crate) fn gather(mask: u64) -> u64 {
    ((mask >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// Index of the first byte whose high bit is set in `mask` (8 if none).
#[inline]
pub(crate) fn first(mask: u64) -> usize {
    (mask.trailing_zeros() / 8) as usize
}

/// Length of the longest ASCII prefix of `bytes`.
pub(crate) fn ascii_prefix(bytes: &[u8]) -> usize {
    let mut i = 0;
    while let Some(x) = load(bytes, i) {
        if !is_ascii(x) {
            return i + first(x & HIGH);
        }
        i += 8;
    }
    i + bytes[i..]
        .iter()
        .position(|b| !b.is_ascii())
        .unwrap_or(bytes.len() - i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_match_byte_predicates() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let x = state & LOW7;
            let bytes = x.to_le_bytes();
            let per_byte = |f: &dyn Fn(u8) -> bool| {
                bytes
                    .iter()
                    .enumerate()
                    .filter(|(_, &b)| f(b))
                    .fold(0u64, |m, (i, _)| m | 0x80 << (8 * i))
            };
            assert_eq!(eq(x, b' '), per_byte(&|b| b == b' '));
            assert_eq!(eq(x, b'-'), per_byte(&|b| b == b'-'));
            assert_eq!(below(x, 0x20), per_byte(&|b| b < 0x20));
            assert_eq!(alphanumeric(x), per_byte(&|b| b.is_ascii_alphanumeric()));
            let lower = u64::from_le_bytes(bytes.map(|b| b.to_ascii_lowercase()));
            assert_eq!(to_lowercase(x), lower);
            let bits = bytes
                .iter()
                .enumerate()
                .filter(|(_, &b)| b.is_ascii_alphanumeric())
                .fold(0u64, |m, (i, _)| m | 1 << i);
            assert_eq!(gather(alphanumeric(x)), bits);
            assert!(is_ascii(x));
        }
        assert!(!is_ascii(0x80));
        assert_eq!(first(0), 8);
        assert_eq!(first(0x80 << 24), 3);
        assert_eq!(load(b"abcdefgh", 0), Some(u64::from_le_bytes(*b"abcdefgh")));
        assert_eq!(load(b"abcdefgh", 1), None);
        for text in [
            "",
            "abc",
            "abcdefgh",
            "abcdefghij\u{e9}",
            "\u{e9}",
            "abcdefg\u{e9}xyz",
        ] {
            let expected = text
                .bytes()
                .position(|b| !b.is_ascii())
                .unwrap_or(text.len());
            assert_eq!(ascii_prefix(text.as_bytes()), expected, "{text:?}");
        }
    }
}
