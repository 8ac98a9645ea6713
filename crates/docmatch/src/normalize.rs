//! Text normalisation: the canonical form two copies of one text share.
//!
//! The forensic watermark hides bits in invisible or look-alike characters
//! (zero-width characters, curly vs straight quotes, en/em dashes vs hyphen,
//! NBSP and thin spaces vs space, `…` vs `...`), and extraction from different
//! formats differs in case-insensitive details and whitespace. Normalising
//! removes all of these channels, so a watermarked copy has exactly the same
//! normalised text — and text hash — as the original.
//!
//! Steps: drop invisible format characters, Unicode NFKC, full lower-casing
//! (plus `ß`→`ss`, final sigma), typographic variants to ASCII, NFKC again,
//! whitespace runs to one space, hyphen runs (`--`) to one hyphen, trimmed. The result is idempotent (tested).

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// Returns the normalised form of `text` (see the module docs).
pub fn normalize(text: &str) -> String {
    let stripped: String = text.chars().filter(|&c| !is_invisible(c)).collect();
    let mut folded = String::with_capacity(stripped.len());
    if is_nfkc_quick(stripped.chars()) == IsNormalized::Yes {
        // Fast path (e.g. ASCII): NFKC would return the text unchanged.
        stripped.chars().for_each(|c| fold_char(c, &mut folded));
    } else {
        stripped.nfkc().for_each(|c| fold_char(c, &mut folded));
    }
    let folded: String = if is_nfkc_quick(folded.chars()) == IsNormalized::Yes {
        folded
    } else {
        folded.nfkc().collect()
    };
    let mut out = String::with_capacity(folded.len());
    let mut pending_space = false;
    for c in folded.chars() {
        if is_invisible(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            } else if c == '-' && out.ends_with('-') {
                // `--`, `---` are typewriter forms of the dashes mapped to `-`.
                continue;
            }
            out.push(c);
        }
    }
    out
}

/// Case-folds one character and maps typographic variants to ASCII.
fn fold_char(c: char, out: &mut String) {
    match c {
        // Quotes and primes.
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{2035}'
        | '\u{02BC}' | '\u{FF07}' | '`' | '\u{00B4}' => out.push('\''),
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{2036}'
        | '\u{00AB}' | '\u{00BB}' | '\u{2039}' | '\u{203A}' | '\u{FF02}' => out.push('"'),
        // Hyphens, dashes and minus signs.
        '\u{2010}'..='\u{2015}'
        | '\u{2212}'
        | '\u{2043}'
        | '\u{FE58}'
        | '\u{FE63}'
        | '\u{FF0D}' => out.push('-'),
        '\u{2026}' => out.push_str("..."),
        // Bullets are list decoration, not words.
        '\u{2022}' | '\u{2023}' | '\u{25E6}' => out.push(' '),
        'ß' | 'ẞ' => out.push_str("ss"),
        'ς' => out.push('σ'),
        c if c.is_whitespace() => out.push(' '),
        c => out.extend(c.to_lowercase()),
    }
}

/// Characters that render as nothing: zero-width space/joiners, directional
/// marks and embeddings, word joiner and invisible operators, BOM, soft
/// hyphen, combining grapheme joiner, Mongolian vowel separator, variation
/// selectors and tag characters.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{E0000}'..='\u{E0FFF}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}'
    )
}

/// Splits normalised text into words: maximal runs of alphanumeric
/// characters. Punctuation is dropped so that PDF/HTML/DOCX extraction
/// differences in punctuation and spacing do not change the word sequence.
pub fn words(normalized: &str) -> impl Iterator<Item = &str> {
    normalized
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watermark_variants_vanish() {
        let original = "The \"quick\" brown fox - it's here... Done";
        let marked = "The\u{00A0}\u{201C}quick\u{201D} brown\u{200B} fox \u{2014} it\u{2019}s\u{2009}here\u{2026}  DONE\u{FEFF}";
        assert_eq!(normalize(original), normalize(marked));
    }

    #[test]
    fn nfkc_and_case() {
        assert_eq!(
            normalize("ﬁle Ｆｕｌｌ STRASSE straße"),
            "file full strasse strasse"
        );
        assert_eq!(normalize("  a \n\t b  "), "a b");
        assert_eq!(normalize("ΣΟΦΟΣ"), normalize("σοφοσ"));
    }

    #[test]
    fn words_split_on_punctuation() {
        let w: Vec<_> = words("it's a well-known, fact.").collect();
        assert_eq!(w, ["it", "s", "a", "well", "known", "fact"]);
    }
}
