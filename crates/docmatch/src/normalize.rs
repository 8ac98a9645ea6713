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

use crate::ascii8;

/// Returns the normalised form of `text` (see the module docs).
///
/// Runs of ASCII are folded byte by byte; Unicode normalisation runs only
/// on the segments around non-ASCII characters. That gives the same result
/// as normalising the whole text (tested against the whole-text form):
/// ASCII characters are stable starters — NFKC leaves them alone, never
/// reorders marks across them and never composes them with what precedes
/// them — so a text may be cut before any ASCII character. A segment
/// therefore starts at the ASCII character before a non-ASCII run (which
/// may compose with the marks that follow it) and ends before the next
/// ASCII character. Most leaked text is mostly ASCII: this is what makes
/// triage read text at hundreds of MB/s instead of ~20.
pub fn normalize(text: &str) -> String {
    // A served PDF's invisible layers go first: told by their marks, which
    // folding erases.
    let text = crate::layers::strip(text);
    // Ghostscript's swapped ligatures, which folding would keep as they are.
    let text = &*crate::ligatures::repair(&text);
    let mut out = Collapser::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let run = ascii8::ascii_prefix(&bytes[i..]);
        let Some(&next) = bytes.get(i + run) else {
            out.push_ascii(&bytes[i..]);
            break;
        };
        debug_assert!(!next.is_ascii());
        // One simple character between ASCII (a watermark mark or a
        // typographic quote: every few bytes of a served copy) is folded
        // alone, as its segment would be: it composes with neither side.
        let c_start = i + run;
        // The watermark's marks (a quarter of a served copy's characters,
        // often two in a row), told from their bytes: a run of them
        // between ASCII folds to a space if any is a space, else to
        // nothing, without decoding a character.
        if let Some((len, space)) = watermark_mark(&bytes[c_start..]) {
            let (mut end, mut any_space) = (c_start + len, space);
            while let Some((len, space)) = watermark_mark(&bytes[end..]) {
                end += len;
                any_space |= space;
            }
            if bytes.get(end).is_none_or(u8::is_ascii) {
                out.push_ascii(&bytes[i..c_start]);
                if any_space {
                    out.space();
                }
                i = end;
                continue;
            }
        }
        if let Some(c) = text[c_start..].chars().next().filter(|&c| is_simple(c)) {
            let c_end = c_start + c.len_utf8();
            if bytes.get(c_end).is_none_or(u8::is_ascii) {
                out.push_ascii(&bytes[i..c_start]);
                out.push_simple(c);
                i = c_end;
                continue;
            }
        }
        let start = i + run.saturating_sub(1);
        out.push_ascii(&bytes[i..start]);
        let end = i
            + run
            + bytes[i + run..]
                .iter()
                .position(u8::is_ascii)
                .unwrap_or(bytes.len() - i - run);
        // Both ends are ASCII positions (or the text's ends): char boundaries.
        out.push_unicode(&text[start..end]);
        i = end;
    }
    strip_marking_lines(out.into_string())
}

/// The byte length of the watermark mark `bytes` starts with, and whether
/// it folds to a space (NBSP, U+2000–U+200A) or to nothing (U+200B–U+200F,
/// U+2060–U+2064): the [`is_simple`] characters whose folding is that.
#[inline]
fn watermark_mark(bytes: &[u8]) -> Option<(usize, bool)> {
    match *bytes {
        [0xC2, 0xA0, ..] => Some((2, true)),
        [0xE2, 0x80, 0x80..=0x8A, ..] => Some((3, true)),
        [0xE2, 0x80, 0x8B..=0x8F, ..] | [0xE2, 0x81, 0xA0..=0xA4, ..] => Some((3, false)),
        _ => None,
    }
}

/// The last normalisation steps, applied character by character: drop
/// invisible characters, whitespace runs to one space (none at either
/// end), hyphen runs to one hyphen.
///
/// It writes UTF-8 bytes (whole characters only), so that ASCII, most of
/// any text, is copied byte by byte without encoding a `char` each time.
struct Collapser {
    out: Vec<u8>,
    pending_space: bool,
    /// Whether the last character written is `-`.
    last_dash: bool,
    /// Where a character is folded before it is pushed: kept, because a
    /// served copy has a mark every few bytes, and a buffer allocated per
    /// mark cost more than folding it.
    folded: String,
}

impl Collapser {
    fn with_capacity(n: usize) -> Self {
        Collapser {
            out: Vec::with_capacity(n),
            pending_space: false,
            last_dash: false,
            folded: String::with_capacity(8),
        }
    }

    /// The text written: only whole characters were pushed, so the bytes
    /// are UTF-8 (checked anyway, at memory speed: this never panics).
    fn into_string(self) -> String {
        String::from_utf8(self.out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    fn push(&mut self, c: char) {
        if is_invisible(c) {
            return;
        }
        if c.is_whitespace() {
            self.space();
        } else {
            self.push_visible(c);
        }
    }

    #[inline]
    fn space(&mut self) {
        self.pending_space = !self.out.is_empty();
    }

    #[inline]
    fn push_visible(&mut self, c: char) {
        if self.pending_space {
            self.out.push(b' ');
            self.pending_space = false;
        } else if c == '-' && self.last_dash {
            // `--`, `---` are typewriter forms of the dashes mapped to `-`.
            return;
        }
        self.out
            .extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        self.last_dash = c == '-';
    }

    /// ASCII folds to itself lower-cased, except the backtick (an
    /// apostrophe) and whitespace (a space): [`Collapser::push_visible`]
    /// on bytes (measured: twice as fast as pushing `char`s). Eight bytes
    /// that need nothing but lower-casing (no control character or
    /// backtick, no two spaces or dashes in a row: most of any text) are
    /// copied at once.
    fn push_ascii(&mut self, ascii: &[u8]) {
        // Locals, not fields, in the loop: they stay in registers.
        let out = &mut self.out;
        out.reserve(ascii.len());
        let (mut pending, mut dash) = (self.pending_space, self.last_dash);
        let mut i = 0;
        while let Some(&b) = ascii.get(i) {
            if let (Some(x), false) = (ascii8::load(ascii, i), out.is_empty()) {
                let (spaces, dashes) = (ascii8::eq(x, b' '), ascii8::eq(x, b'-'));
                let special = ascii8::below(x, 0x20)
                    | ascii8::eq(x, b'`')
                    | (spaces & spaces << 8)
                    | (dashes & dashes << 8);
                let continues_run = match pending {
                    true => b == b' ',
                    false => dash && b == b'-',
                };
                if special == 0 && !continues_run {
                    if pending {
                        out.push(b' ');
                    }
                    let lower = ascii8::to_lowercase(x).to_le_bytes();
                    // A last space waits for the next visible character.
                    let n = if lower[7] == b' ' { 7 } else { 8 };
                    out.extend_from_slice(&lower[..n]);
                    (pending, dash) = (n == 7, lower[n - 1] == b'-');
                    i += 8;
                    continue;
                }
                // The bytes before the first special one (a line end, most
                // often) are copied the same way, at once. The block above
                // is this one at k = 8, kept apart for its fixed lengths:
                // folded into this one, triage of the benchmark's altered
                // files took 2 % more CPU (1.66 s against 1.63 s).
                let k = ascii8::first(special);
                if k > 0 && !continues_run {
                    if pending {
                        out.push(b' ');
                    }
                    let lower = ascii8::to_lowercase(x).to_le_bytes();
                    let n = if lower[k - 1] == b' ' { k - 1 } else { k };
                    out.extend_from_slice(&lower[..n]);
                    (pending, dash) = (n < k, n > 0 && lower[n - 1] == b'-');
                    i += k;
                    continue;
                }
            }
            i += 1;
            let c = match b {
                b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' => {
                    pending = !out.is_empty();
                    continue;
                }
                b'`' => b'\'',
                b => b.to_ascii_lowercase(),
            };
            if pending {
                out.push(b' ');
                pending = false;
            } else if c == b'-' && dash {
                continue;
            }
            out.push(c);
            dash = c == b'-';
        }
        (self.pending_space, self.last_dash) = (pending, dash);
    }

    /// Pushes one [`is_simple`] character: its normalisation ignores its
    /// neighbours.
    fn push_simple(&mut self, c: char) {
        match c {
            c if is_invisible(c) => {}
            '\u{A0}' | '\u{2000}'..='\u{200A}' => self.space(),
            '\u{2026}' => "...".chars().for_each(|c| self.push(c)),
            c if c.is_ascii() => self.push_ascii(&[c as u8]),
            c => {
                let mut folded = std::mem::take(&mut self.folded);
                folded.clear();
                fold_char(c, &mut folded);
                folded.chars().for_each(|c| self.push(c));
                self.folded = folded;
            }
        }
    }

    /// The whole-text steps on one segment: drop invisible characters,
    /// NFKC, fold, NFKC again.
    fn push_unicode(&mut self, segment: &str) {
        if segment.chars().all(is_simple) {
            segment.chars().for_each(|c| self.push_simple(c));
            return;
        }
        let stripped: String = segment.chars().filter(|&c| !is_invisible(c)).collect();
        let mut folded = String::with_capacity(stripped.len());
        if is_nfkc_quick(stripped.chars()) == IsNormalized::Yes {
            stripped.chars().for_each(|c| fold_char(c, &mut folded));
        } else {
            stripped.nfkc().for_each(|c| fold_char(c, &mut folded));
        }
        if is_nfkc_quick(folded.chars()) == IsNormalized::Yes {
            folded.chars().for_each(|c| self.push(c));
        } else {
            folded.nfkc().for_each(|c| self.push(c));
        }
    }
}

/// Characters whose normalisation is a fixed mapping that ignores their
/// neighbours, when every other character of the segment is ASCII or one
/// of them: none decomposes into or composes with a combining mark, so
/// NFKC either leaves them alone (Latin-1 letters, typographic quotes and
/// dashes) or maps them to ASCII (spaces, the ellipsis), and they are what
/// most non-ASCII text of a leak (and every watermark variant) consists of.
fn is_simple(c: char) -> bool {
    c.is_ascii()
        || matches!(c,
            '\u{A0}' | '\u{AD}'
            | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{FF}'
            | '\u{2000}'..='\u{200F}'
            | '\u{2010}' | '\u{2012}'..='\u{2015}'
            | '\u{2018}'..='\u{201F}'
            | '\u{2026}'
            | '\u{2060}'..='\u{2064}'
        )
}

/// How every visible marking line of a served copy begins ("Rampart copy
/// for alice@example.org (FRA) · NON-PUBLIC · 2026-11-22 14:05 UTC ·
/// download 1a2b3c4d"); it ends with `download` and eight hex digits.
pub const MARKING_PREFIX: &str = "Rampart copy for ";

/// Longest marking line we remove (an email is at most 254 bytes).
const MARKING_MAX: usize = 600;

/// Removes marking lines from normalised (lower-cased, single-spaced) text,
/// wherever extraction put them: PDF extractors may join them with the
/// page's last line. (A served PDF's invisible layers are gone by then:
/// `layers::strip`.)
fn strip_marking_lines(text: String) -> String {
    const END: &str = " download ";
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
    word_spans(normalized).filter_map(|r| normalized.get(r))
}

/// Where the [`words`] of the text are, as byte ranges (for hashing their
/// bytes without taking `str` slices).
pub(crate) fn word_spans(normalized: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    Words {
        text: normalized,
        base: 0,
        next_base: 0,
        edges: 0,
        in_word: false,
        spill: (0, false),
        start: None,
    }
}

/// [`words`] by 64-byte blocks: each block becomes a bit mask of its
/// alphanumeric bytes (eight ASCII bytes classified at once; a block with
/// non-ASCII bytes character by character), and the words are the runs of
/// set bits. Splitting byte by byte paid a mispredicted branch at nearly
/// every word boundary and was a third of fingerprinting a text.
struct Words<'a> {
    text: &'a str,
    /// Where the block of `edges` starts.
    base: usize,
    /// Where the next block starts.
    next_base: usize,
    /// Bit `i` set where byte `base + i` starts or ends a word (the first
    /// byte after it), not yet taken.
    edges: u64,
    /// Whether the last byte of the block is alphanumeric.
    in_word: bool,
    /// Bytes of a character begun in the previous block that fall in the
    /// next one, and whether it is alphanumeric.
    spill: (usize, bool),
    /// Where the word being read starts.
    start: Option<usize>,
}

impl Words<'_> {
    /// The alphanumeric mask of the block at `next_base` (bit `i` for byte
    /// `next_base + i`) and its length; moves `next_base` past it.
    fn block(&mut self) -> (u64, usize) {
        let bytes = self.text.as_bytes();
        let at = self.next_base;
        let block = &bytes[at..bytes.len().min(at + 64)];
        let mut mask = 0u64;
        let all_ascii = block.len() == 64
            && self.spill.0 == 0
            && (0..8).all(|j| ascii8::load(block, 8 * j).is_some_and(ascii8::is_ascii));
        if all_ascii {
            for j in 0..8 {
                if let Some(x) = ascii8::load(block, 8 * j) {
                    mask |= ascii8::gather(ascii8::alphanumeric(x)) << (8 * j);
                }
            }
        } else {
            let mut i = 0;
            while i < block.len() {
                let (len, alnum) = match self.spill {
                    (n, alnum) if n > 0 => (n, alnum),
                    _ if block[i].is_ascii() => (1, block[i].is_ascii_alphanumeric()),
                    // A lead byte: the spill covered the continuation bytes
                    // of a character begun in the previous block.
                    _ => match self.text.get(at + i..).and_then(|t| t.chars().next()) {
                        Some(c) => (c.len_utf8(), c.is_alphanumeric()),
                        None => (1, false),
                    },
                };
                let here = len.min(block.len() - i);
                if alnum {
                    mask |= (u64::MAX >> (64 - here)) << i;
                }
                self.spill = (len - here, alnum);
                i += here;
            }
        }
        self.next_base += block.len();
        (mask, block.len())
    }
}

impl Iterator for Words<'_> {
    type Item = std::ops::Range<usize>;

    fn next(&mut self) -> Option<std::ops::Range<usize>> {
        loop {
            if self.edges != 0 {
                let at = self.base + self.edges.trailing_zeros() as usize;
                self.edges &= self.edges - 1;
                match self.start.take() {
                    None => self.start = Some(at),
                    // Both ends are character boundaries: every byte of a
                    // character has its class.
                    Some(start) => return Some(start..at),
                }
                continue;
            }
            if self.next_base >= self.text.len() {
                return self.start.take().map(|s| s..self.text.len());
            }
            self.base = self.next_base;
            let (alnum, len) = self.block();
            let before = (alnum << 1) | u64::from(self.in_word);
            let valid = u64::MAX >> (64 - len);
            self.edges = (alnum ^ before) & valid;
            self.in_word = alnum >> (len - 1) & 1 == 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The whole-text form [`normalize`] must equal.
    fn reference(text: &str) -> String {
        let text = crate::layers::strip(text);
        // Ghostscript's swapped ligatures, which folding would keep as they are.
        let text = &*crate::ligatures::repair(&text);
        let stripped: String = text.chars().filter(|&c| !is_invisible(c)).collect();
        let mut folded = String::new();
        stripped.nfkc().for_each(|c| fold_char(c, &mut folded));
        let folded: String = folded.nfkc().collect();
        let mut out = String::new();
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
                    continue;
                }
                out.push(c);
            }
        }
        strip_marking_lines(out)
    }

    /// Characters that exercise every path: ASCII (letters, whitespace,
    /// hyphens, backtick), combining marks after ASCII, precomposed and
    /// compatibility characters, Hangul jamo, invisible characters, our
    /// watermark variants, case-special letters.
    fn tricky() -> impl Strategy<Value = String> {
        let chars = prop::sample::select(vec![
            'a', 'E', 'z', ' ', '\u{c0}', '\u{d6}', '\u{ff}', '\u{2011}', '\u{2012}', '\t', '\n',
            '-', '`', '.', '0', '\u{301}', '\u{308}', '\u{327}', '\u{316}', '\u{e9}', '\u{fb01}',
            '\u{ff26}', '\u{2163}', '\u{1100}', '\u{1161}', '\u{11a8}', '\u{ac00}', '\u{200b}',
            '\u{2063}', '\u{ad}', '\u{a0}', '\u{2005}', '\u{2019}', '\u{201c}', '\u{2013}',
            '\u{2014}', '\u{2026}', '\u{df}', '\u{3a3}', '\u{130}', '\u{3c2}', '\u{2022}',
            '\u{212b}', '\u{1e9b}', '\u{fe0f}',
        ]);
        prop::collection::vec(chars, 0..40).prop_map(|v| v.into_iter().collect())
    }

    /// Long, mostly ASCII texts: every run the eight-byte paths take or
    /// refuse (spaces and dashes in runs, controls, backticks, upper case)
    /// at every offset, with a few non-ASCII characters between.
    fn mostly_ascii() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "a",
            "Word",
            "UPPER",
            "x1",
            " ",
            "  ",
            "-",
            "--",
            "`",
            "\n",
            "\t",
            "\r\n",
            "\u{1}",
            "\u{7f}",
            ".",
            "it's",
            "\u{e9}",
            "\u{2019}",
            "\u{a0}",
            "\u{200b}",
            "abcdefgh",
            "\u{2005}",
            "\u{200c}",
            "\u{2063}",
            "\u{2063}\u{301}",
            "\u{200c}\u{a0}",
            "\u{2063}\u{2005}\u{301}",
            "\u{a0}\u{308}",
        ]);
        prop::collection::vec(pieces, 0..120).prop_map(|v| v.concat())
    }

    /// Texts of several 64-byte blocks of [`words`], with characters of
    /// two, three and four bytes, alphanumeric or not, at every offset
    /// (so across block ends), and long words and long gaps.
    fn across_blocks() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "a",
            "Word",
            "x1",
            " ",
            ".",
            "abcdefghijklmnopqrstuvwxyz0123456789",
            "                                        ",
            "\u{e9}",
            "\u{2019}",
            "\u{65e5}\u{672c}",
            "\u{1d400}",
            "\u{1f600}",
            "\u{a0}",
            "\u{2014}",
        ]);
        prop::collection::vec(pieces, 0..200).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn segmented_equals_whole_text(text in tricky()) {
            prop_assert_eq!(normalize(&text), reference(&text));
        }

        #[test]
        fn segmented_equals_whole_text_any(text in "\\PC{0,60}") {
            prop_assert_eq!(normalize(&text), reference(&text));
        }

        #[test]
        fn segmented_equals_whole_text_long_ascii(text in mostly_ascii()) {
            prop_assert_eq!(normalize(&text), reference(&text));
        }

        #[test]
        fn words_are_alphanumeric_runs_long_ascii(text in mostly_ascii()) {
            let expected: Vec<&str> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            prop_assert_eq!(words(&text).collect::<Vec<_>>(), expected);
        }

        #[test]
        fn words_are_alphanumeric_runs_across_blocks(text in across_blocks()) {
            let expected: Vec<&str> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            prop_assert_eq!(words(&text).collect::<Vec<_>>(), expected);
        }

        #[test]
        fn words_are_alphanumeric_runs(text in "\\PC{0,60}") {
            let expected: Vec<&str> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            prop_assert_eq!(words(&text).collect::<Vec<_>>(), expected);
        }
    }

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
        // pdftotext's order: the layer before its sentinel and the line.
        let layered = "Text here. text.\u{a0}here\u{200c}again Rampart end 1a2b3c4d\nRampart copy for a@b.c (FRA) \u{b7} X \u{b7} download 1a2b3c4d\nNext page.";
        assert_eq!(normalize(layered), "text here. next page.");
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
