//! Property tests: normalisation, MinHash accuracy, hostile bytes.

use std::collections::HashSet;

use proptest::prelude::*;
use rampart_docmatch::minhash::{estimate_jaccard, minhash};
use rampart_docmatch::{extract_as, extract_text, normalize, Fingerprint, Format, Limits, Params};

use crate::fixtures;

/// Replaces characters of plain ASCII text by the variants a watermark or a
/// different renderer may use; `choice` picks the variant per position.
fn disguise(text: &str, choices: &[u8]) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        let k = choices.get(i % choices.len().max(1)).copied().unwrap_or(0);
        match c {
            ' ' => out.push_str(
                [
                    " ", "\u{a0}", "\u{2009}", "\n", "\t ", "  ", "\u{202f}", "\u{3000}",
                ][k as usize % 8],
            ),
            '\'' => out.push(['\'', '\u{2019}', '\u{2018}', '\u{2032}'][k as usize % 4]),
            '"' => out.push(['"', '\u{201c}', '\u{201d}', '\u{ab}'][k as usize % 4]),
            '-' => out.push(['-', '\u{2013}', '\u{2014}', '\u{2212}', '\u{2010}'][k as usize % 5]),
            '.' if k % 3 == 1 => out.push('.'),
            c if c.is_ascii_alphabetic() => {
                match k % 5 {
                    0 => out.push(c),
                    1 => out.push(c.to_ascii_uppercase()),
                    // Fullwidth forms (NFKC maps them back).
                    2 => out.push(char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c)),
                    3 => {
                        out.push(c);
                        out.push(
                            [
                                '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}',
                                '\u{ad}',
                            ][k as usize % 6],
                        );
                    }
                    _ => out.push(c),
                }
            }
            c => out.push(c),
        }
    }
    out.replace("...", "\u{2026}")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn normalize_is_idempotent(s in any::<String>()) {
        let once = normalize(&s);
        prop_assert_eq!(normalize(&once), once);
    }

    #[test]
    fn normalize_is_idempotent_on_unicode_mix(s in "[\\PC\u{200b}-\u{200f}\u{2010}-\u{2027}\u{fe00}-\u{fe0f}ﬁﬂßẞΣς ]{0,60}") {
        let once = normalize(&s);
        prop_assert_eq!(normalize(&once), once);
    }

    #[test]
    fn disguised_text_normalizes_equal(
        text in "[a-z]{1,8}([ .,'\"-]{1,3}[a-z]{1,8}){0,30}",
        choices in proptest::collection::vec(any::<u8>(), 1..50),
    ) {
        let variant = disguise(&text, &choices);
        prop_assert_eq!(normalize(&variant), normalize(&text), "variant {:?}", variant);
        let p = Params::default();
        let a = Fingerprint::new(text.as_bytes(), &text, &p);
        let b = Fingerprint::new(variant.as_bytes(), &variant, &p);
        prop_assert_eq!(a.text_sha256, b.text_sha256);
    }

    #[test]
    fn minhash_estimates_jaccard(
        common in 0usize..400,
        only_a in 0usize..400,
        only_b in 0usize..400,
        seed in any::<u64>(),
    ) {
        prop_assume!(common + only_a + only_b > 0);
        let mk = |tag: u64, n: usize| (0..n as u64).map(move |i| (i ^ (tag << 40)).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ seed);
        let mut a: Vec<u64> = mk(1, common).chain(mk(2, only_a)).collect();
        let mut b: Vec<u64> = mk(1, common).chain(mk(3, only_b)).collect();
        a.sort_unstable();
        b.sort_unstable();
        let sa: HashSet<_> = a.iter().collect();
        let sb: HashSet<_> = b.iter().collect();
        let exact = sa.intersection(&sb).count() as f64 / sa.union(&sb).count() as f64;
        let n = 512;
        let est = estimate_jaccard(&minhash(&a, n), &minhash(&b, n));
        // Standard error of the estimate is sqrt(J(1-J)/n); allow 5 sigma.
        let tol = 5.0 * (exact * (1.0 - exact) / n as f64).sqrt() + 0.01;
        prop_assert!((est - exact).abs() <= tol, "exact {} est {} tol {}", exact, est, tol);
    }

    #[test]
    fn random_bytes_with_magic_never_panic(
        tail in proptest::collection::vec(any::<u8>(), 0..2000),
        magic in prop_oneof![Just(&b"%PDF-1.4\n"[..]), Just(&b"PK\x03\x04"[..]), Just(&b"<html>"[..]), Just(&b""[..])],
    ) {
        let mut bytes = magic.to_vec();
        bytes.extend_from_slice(&tail);
        let _ = extract_text(&bytes, None, &Limits::default());
        for f in [Format::Pdf, Format::Docx, Format::Odt, Format::Html, Format::Markdown] {
            let _ = extract_as(f, &bytes, &Limits::default());
        }
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0usize..3,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..20),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = match which {
            0 => fixtures::pdf(&["hello world", "second line"]),
            1 => fixtures::docx(&["hello world", "second"]),
            _ => fixtures::odt(&["hello world", "second"]),
        };
        for (i, v) in edits {
            let i = i.index(bytes.len());
            bytes[i] = v;
        }
        if cut.index(4) == 0 {
            let at = cut.index(bytes.len());
            bytes.truncate(at);
        }
        let _ = extract_text(&bytes, None, &Limits::default());
    }

    #[test]
    fn fingerprint_roundtrip(text in "\\PC{0,400}") {
        let p = Params { sketch_max: 16, ..Params::default() };
        let fp = Fingerprint::new(text.as_bytes(), &text, &p);
        prop_assert_eq!(Fingerprint::from_bytes(&fp.to_bytes()).ok(), Some(fp));
    }

    #[test]
    fn fingerprint_decode_garbage(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut d = b"DMF1".to_vec();
        d.extend_from_slice(&data);
        let _ = Fingerprint::from_bytes(&d);
        let _ = Fingerprint::from_bytes(&data);
    }
}
