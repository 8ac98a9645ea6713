//! Removes the invisible text layers of a served PDF from its extracted text.
//!
//! Every page of a PDF we serve carries an invisible copy of the page's text
//! with the watermark's marks in it (see `rampart-fingerprint`'s PDF
//! module), between two sentinel lines, `Rampart layer` and `Rampart end`,
//! each with eight hex digits of the download id. Text extractors give that
//! layer back beside the visible text — `pdftotext` after the page's text
//! and before its marking line, `mutool` after the marking line,
//! copy-and-paste wherever the viewer sorts it — so a served copy leaked as
//! text holds every page twice, and once in a shape (wrapping, hyphenation)
//! no other copy has. The watermark reader wants the layer; matching wants
//! the page as it looks: this module drops each layer, from its first
//! sentinel to its last.
//!
//! Copies served before the first sentinel existed end their layers with
//! `Rampart end` only. Their layer is told from the page by its marks:
//! going back from the sentinel, the layer is the run of words that carry
//! marks (a zero-width character, or a no-break or other special space
//! where a space was), and it ends where [`UNMARKED_RUN`] words in a row
//! carry none. That rule can leave a layer's first words, or a passage the
//! marks skip: the first sentinel is what makes the cut exact. Only text
//! that holds a sentinel is touched; the marking lines themselves are
//! removed later, from normalised text.

use std::borrow::Cow;

/// How a layer's last line begins; eight hex digits follow.
pub const SENTINEL: &str = "Rampart end ";

/// How a layer's first line begins; the same eight hex digits follow.
pub const FIRST: &str = "Rampart layer ";

/// Unmarked words in a row that end a layer, going back from its sentinel.
/// The layer marks nearly every word; visible text marks none.
const UNMARKED_RUN: usize = 8;

/// Longest layer removed for one sentinel (a page's text, generously).
const LAYER_MAX: usize = 256 * 1024;

/// Whether `c` is one of the watermark's marks: a zero-width character or a
/// space variant that stands where a plain space was.
fn is_mark(c: char) -> bool {
    matches!(c, '\u{A0}' | '\u{2000}'..='\u{200F}' | '\u{2060}'..='\u{2064}')
}

/// The download-id prefixes (eight hex digits) of the layers' sentinels
/// `text` holds, most frequent first: which served copy, or copies, the
/// text was taken from. Anyone can type a sentinel, so this is a lead
/// that chooses among matches the words support, never evidence.
pub fn sentinel_downloads(text: &str) -> Vec<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for sentinel in [FIRST, SENTINEL] {
        for i in memchr::memmem::find_iter(text.as_bytes(), sentinel) {
            let id = text.get(i + sentinel.len()..i + sentinel.len() + 8);
            let Some(id) = id.filter(|id| id.bytes().all(|b| b.is_ascii_hexdigit())) else {
                continue;
            };
            let id = id.to_ascii_lowercase();
            if let Some((_, n)) = counts.iter_mut().find(|(known, _)| *known == id) {
                *n += 1;
            } else if counts.len() < 16 {
                counts.push((id, 1));
            }
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts.into_iter().map(|(id, _)| id).collect()
}

/// The text without the invisible layers it holds (borrowed when it holds
/// none).
pub fn strip(text: &str) -> Cow<'_, str> {
    let finder = memchr::memmem::Finder::new(SENTINEL);
    if finder.find(text.as_bytes()).is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut kept = 0; // text[..kept] is decided
    let mut at = 0;
    while let Some(i) = finder.find(&text.as_bytes()[at..]) {
        let start = at + i;
        let id_end = start + SENTINEL.len() + 8;
        at = start + SENTINEL.len();
        let is_id = text
            .get(start + SENTINEL.len()..id_end)
            .is_some_and(|id| id.bytes().all(|b| b.is_ascii_hexdigit()));
        if !is_id || start < kept {
            continue;
        }
        let before = &text[kept..start];
        let first = format!("{FIRST}{}", &text[start + SENTINEL.len()..id_end]);
        let layer = kept
            + match before.rfind(&first) {
                Some(j) => j,
                None => layer_start(before),
            };
        out.push_str(&text[kept..layer]);
        out.push('\n');
        kept = id_end;
        at = id_end;
    }
    out.push_str(&text[kept..]);
    Cow::Owned(out)
}

/// Where the layer that ends at the end of `before` begins: going back word
/// by word, the earliest marked word before [`UNMARKED_RUN`] unmarked ones
/// in a row (the end itself when no marked word precedes the sentinel).
/// Words are split at ASCII whitespace: the marks that replace spaces stay
/// inside the word they join, which makes it a marked word.
fn layer_start(before: &str) -> usize {
    let floor = before.len().saturating_sub(LAYER_MAX);
    let bytes = before.as_bytes();
    let (mut start, mut unmarked, mut end) = (before.len(), 0, before.len());
    loop {
        while end > floor && bytes[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        if end <= floor {
            return start;
        }
        let mut begin = end;
        while begin > 0 && !bytes[begin - 1].is_ascii_whitespace() {
            begin -= 1;
        }
        // ASCII bytes never occur inside a multi-byte character: `begin`
        // and `end` are character boundaries.
        if before[begin..end].chars().any(is_mark) {
            start = begin;
            unmarked = 0;
        } else {
            unmarked += 1;
            if unmarked >= UNMARKED_RUN {
                return start;
            }
        }
        end = begin;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "Libtasn1 Abstract Syntax Notation One (ASN.1) library for the GNU system\nfor version 4.19.0, 18 August 2022\n\nFabio Fiorina Simon Josefsson\n";
    const LAYER: &str = "Libtasn1 Abstract Syntax \u{200c}Notation \u{200c}One \u{200c}(ASN.1) \u{200b}library \u{200b}for \u{200c}the \u{200b}GNU\u{a0}system \u{200b}for \u{200c}version \u{200c}4.19.0, \u{200c}18 \u{200b}August \u{200c}2022 \u{200b}Fabio \u{200c}Fiorina Simon\u{2005}Josefsson\n";
    const LINE: &str = "Rampart copy for ann@example.org (NOR) \u{b7} NON-PUBLIC \u{b7} 2026-12-04 05:06 UTC \u{b7} download 400ae55d\n";

    fn end() -> String {
        format!("{SENTINEL}400ae55d\n")
    }

    #[test]
    fn sentinels_name_the_copies_a_text_was_taken_from() {
        // Two readers' pages, the second reader's on more of them; a
        // sentinel cut short or not hexadecimal names nothing.
        let text = format!(
            "{FIRST}400ae55d\n{PAGE}{LAYER}{}{FIRST}9b01C2ff\n{LAYER}{SENTINEL}9b01c2ff\n{FIRST}9b01c2ff\n{SENTINEL}9b01 {FIRST}zzzzzzzz",
            end()
        );
        assert_eq!(sentinel_downloads(&text), ["9b01c2ff", "400ae55d"]);
        assert!(sentinel_downloads(PAGE).is_empty());
    }

    #[test]
    fn the_layer_goes_in_every_extractor_order() {
        // pdftotext: page, layer, sentinel, marking line.
        let pdftotext = format!(
            "{PAGE}{LAYER}{}\n{LINE}\n{PAGE}{LAYER}{}{LINE}",
            end(),
            end()
        );
        let stripped = strip(&pdftotext);
        assert_eq!(stripped.matches("Notation One").count(), 2, "{stripped}");
        assert!(!stripped.contains('\u{200c}') && !stripped.contains(SENTINEL));
        assert_eq!(stripped.matches("Rampart copy for").count(), 2);
        // mutool: page, marking line, layer, sentinel.
        let mutool = format!("{PAGE}{LINE}{LAYER}{}{PAGE}{LINE}{LAYER}{}", end(), end());
        let stripped = strip(&mutool);
        assert_eq!(stripped.matches("Notation One").count(), 2, "{stripped}");
        assert!(!stripped.contains('\u{a0}') && !stripped.contains('\u{2005}'));
        // Only the layer's first word (which no mark precedes) stays.
        assert!(stripped.contains("Libtasn1 Abstract Syntax Notation One (ASN.1)"));
    }

    /// With its first sentinel, a layer goes whole, even where its marks
    /// are sparse or its first words carry none.
    #[test]
    fn a_layer_between_its_sentinels_goes_whole() {
        let sparse = "Libtasn1 Abstract Syntax Notation One (ASN.1) library for the GNU system for version 4.19.0,\u{200c}18 August 2022 Fabio Fiorina Simon Josefsson\n";
        let first = format!("{FIRST}400ae55d\n");
        let pdftotext = format!(
            "{PAGE}{first}{sparse}{}\n{LINE}\n{PAGE}{first}{LAYER}{}{LINE}",
            end(),
            end()
        );
        let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(
            words(&strip(&pdftotext)),
            words(&format!("{PAGE}{LINE}{PAGE}{LINE}"))
        );
        // A first sentinel of another download does not bound this layer.
        let other = format!("{PAGE}{FIRST}99999999\n{PAGE}{LAYER}{}", end());
        assert_eq!(strip(&other).matches("Fabio Fiorina").count(), 2);
    }

    #[test]
    fn text_without_a_sentinel_is_untouched() {
        let served_text = format!("{LAYER}{LAYER}");
        assert!(matches!(strip(&served_text), Cow::Borrowed(_)));
        // A sentinel without its hex id is ordinary text.
        let prose = format!("{PAGE}Rampart end of the story\n");
        assert_eq!(strip(&prose), prose);
    }

    #[test]
    fn a_sentinel_with_no_layer_before_it_removes_only_itself() {
        let text = format!("{PAGE}{}{PAGE}", end());
        assert_eq!(strip(&text), format!("{PAGE}\n\n{PAGE}"));
    }
}
