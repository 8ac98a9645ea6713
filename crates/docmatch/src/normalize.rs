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
//! whitespace runs to one space, hyphen runs (`--`) to one hyphen, trimmed,
//! and the visible marking lines Rampart adds to served copies removed
//! ([`MARKING_PREFIX`]). The result is idempotent (tested).

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
    strip_marking_lines(out)
}

/// How every visible marking line of a served copy begins ("Rampart copy
/// for alice@example.org (FRA) · NON-PUBLIC · 2026-11-22 14:05 UTC ·
/// download 1a2b3c4d"); it ends with `download` and eight hex digits.
pub const MARKING_PREFIX: &str = "Rampart copy for ";

/// Longest marking line we remove (an email is at most 254 bytes).
const MARKING_MAX: usize = 600;

/// Longest invisible text layer of one PDF page we remove with its line.
const LAYER_MAX: usize = 256 * 1024;

/// Removes marking lines from normalised (lower-cased, single-spaced) text,
/// wherever extraction put them: PDF extractors may join them with the
/// page's last line. A PDF page's marking line is followed by the page's
/// invisible text layer (the page's text again, carrying the watermark),
/// which ends with "rampart end" and the same eight hex digits: that whole
/// span goes too, so a served PDF normalises to its original's text.
fn strip_marking_lines(text: String) -> String {
    const END: &str = " download ";
    const LAYER_END: &str = "rampart end ";
    let prefix = MARKING_PREFIX.to_lowercase();
    if !text.contains(&prefix) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find(&prefix) {
        let after = &rest[start..];
        let window = &after[..floor_boundary(after, MARKING_MAX)];
        let end = window.find(END).and_then(|i| {
            let id = after.get(i + END.len()..i + END.len() + 8)?;
            id.bytes()
                .all(|b| b.is_ascii_hexdigit())
                .then_some(i + END.len() + 8)
        });
        // Extend over the invisible layer when its sentinel follows.
        let end = end.map(|line_end| {
            let id = &after[line_end - 8..line_end];
            let sentinel = format!("{LAYER_END}{id}");
            let tail = &after[line_end..];
            let window = &tail[..floor_boundary(tail, LAYER_MAX)];
            match window.find(&sentinel) {
                Some(j) => line_end + j + sentinel.len(),
                None => line_end,
            }
        });
        match end {
            Some(end) => {
                out.push_str(&rest[..start]);
                rest = &after[end..];
            }
            None => {
                out.push_str(&rest[..start + prefix.len()]);
                rest = &after[prefix.len()..];
            }
        }
    }
    out.push_str(rest);
    // Re-collapse the spaces the removal left behind.
    out.split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The largest char boundary of `s` at or below `max`.
fn floor_boundary(s: &str, max: usize) -> usize {
    let mut i = max.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
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
    fn marking_lines_vanish() {
        let page = "Page one text. Rampart copy for Ann@Example.org (FRA) \u{b7} NON-PUBLIC \u{b7} 2026-11-22 14:05 UTC \u{b7} download 1a2b3c4d\nPage two.";
        assert_eq!(normalize(page), "page one text. page two.");
        let layered = "Text. Rampart copy for a@b.c (FRA) \u{b7} X \u{b7} download 1a2b3c4d\ntext.\u{a0}again Rampart end 1a2b3c4d\nNext page.";
        assert_eq!(normalize(layered), "text. next page.");
        assert_eq!(normalize(&normalize(page)), normalize(page));
        // Without the download id it is ordinary text.
        let prose = "a Rampart copy for review download later";
        assert_eq!(normalize(prose), "a rampart copy for review download later");
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
