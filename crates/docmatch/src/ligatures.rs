//! Ligatures Ghostscript's `pdfwrite` maps to the wrong characters.
//!
//! Ghostscript 10.0 writes the `/ToUnicode` entry of a ligature glyph (`ﬁ`,
//! `ﬂ`, `ﬀ`, …) as its letters' UTF-16 code units with the bytes swapped:
//! `<66006900>` for "fi", so every reader of the re-saved file — pdftotext,
//! MuPDF, ours — reads `con昀椀guration` for `configuration` (U+6600 U+6900).
//! A re-save of a genuine copy then differed from it in every ligature
//! (2,410 words of Debian Policy). [`repair`] turns those runs back into
//! letters. Only the ligatures Latin fonts carry are repaired, and only
//! when they start with U+6600 (`f`) or U+7300 (`s`): ideographs rare in
//! Chinese, and in these pairs never seen in real text.

use std::borrow::Cow;

/// The letters a swapped code unit stands for, if it is one of the letters
/// ligatures are made of.
fn swapped_letter(c: char) -> Option<char> {
    match c as u32 {
        0x6600 => Some('f'),
        0x6900 => Some('i'),
        0x6A00 => Some('j'),
        0x6C00 => Some('l'),
        0x7300 => Some('s'),
        0x7400 => Some('t'),
        _ => None,
    }
}

/// The ligatures Latin fonts carry, spelled out.
const LIGATURES: &[&str] = &["ff", "fi", "fl", "ffi", "ffl", "fj", "ft", "st"];

/// `text` with byte-swapped ligatures spelled out (borrowed when it holds
/// none: the common case costs one scan for U+6600 and U+7300).
pub(crate) fn repair(text: &str) -> Cow<'_, str> {
    // UTF-8 of U+6600 is E6 98 80 and of U+7300 E7 8C 80.
    let bytes = text.as_bytes();
    let may = memchr::memchr2_iter(0xE6, 0xE7, bytes).any(|i| {
        matches!(
            bytes.get(i..i + 3),
            Some([0xE6, 0x98, 0x80] | [0xE7, 0x8C, 0x80])
        )
    });
    if !may {
        return Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let run: String = chars[i..]
            .iter()
            .take(3)
            .map_while(|&c| swapped_letter(c))
            .collect();
        // The longest ligature the run starts with.
        let found = (2..=run.len())
            .rev()
            .find(|&n| LIGATURES.contains(&&run[..n]));
        match found {
            Some(n) => {
                out.push_str(&run[..n]);
                i += n;
            }
            None => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::repair;

    #[test]
    fn swapped_ligatures_are_spelled_out() {
        assert_eq!(
            repair("con\u{6600}\u{6900}guration \u{6600}\u{6900}les, o\u{6600}\u{6600}\u{6900}ce, \u{6600}\u{6C00}ow, \u{7300}\u{7400}ar"),
            "configuration files, office, flow, star"
        );
        // Text without them is borrowed; a lone ideograph is kept.
        assert!(matches!(
            repair("plain text"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(
            repair("\u{6600}日 \u{6900}\u{6600}"),
            "\u{6600}日 \u{6900}\u{6600}"
        );
    }
}
