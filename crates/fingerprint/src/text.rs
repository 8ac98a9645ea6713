//! The anchoring model shared by embedding and extraction: a text is split
//! into whitespace-separated tokens, each token is reduced to a canonical
//! *word* (NFKC, lower case, letters and digits only), and every place that
//! can carry a bit (a *site*) is named by a hash of the words around it.
//!
//! Because a site's name depends only on its neighbouring words, never on
//! offsets, line breaks or paragraph order, the same site is found again in an
//! excerpt, after reflow, after paragraphs were shuffled, and after Unicode
//! normalisation; and because our own variants (other spaces, zero-width
//! characters, typographic punctuation) are either whitespace or not letters,
//! marking a text never changes the names of its sites.

use std::ops::Range;
use unicode_normalization::UnicodeNormalization;

/// Number of words on each side of a site that name it.
pub(crate) const WINDOW: usize = 3;

/// An embedding channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// The space between two words: U+00A0 (bit 0) or U+2005 (bit 1).
    Space,
    /// Apostrophes, quotes, ellipses and spaced dashes: straight (bit 0) or
    /// typographic (bit 1).
    Punctuation,
    /// A zero-width character before a word: U+2063 (bit 0) or U+200C (bit 1).
    ZeroWidth,
    /// The horizontal spacing of a word gap in a PDF page's own text (see
    /// [`read_pdf_spacing`](crate::read_pdf_spacing)).
    WordSpacing,
}

/// The punctuation classes of [`Channel::Punctuation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Punct {
    Single,
    Double,
    Ellipsis,
    Dash,
}

impl Punct {
    fn tag(self) -> u8 {
        match self {
            Punct::Single => 3,
            Punct::Double => 4,
            Punct::Ellipsis => 5,
            Punct::Dash => 6,
        }
    }

    pub(crate) fn index(self) -> usize {
        self.tag() as usize - 3
    }
}

/// Which carrier a site is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Carrier {
    Space,
    ZeroWidth,
    Punct(Punct),
}

impl Carrier {
    pub(crate) fn channel(self) -> Channel {
        match self {
            Carrier::Space => Channel::Space,
            Carrier::ZeroWidth => Channel::ZeroWidth,
            Carrier::Punct(_) => Channel::Punctuation,
        }
    }

    fn tag(self) -> u8 {
        match self {
            Carrier::Space => 1,
            Carrier::ZeroWidth => 2,
            Carrier::Punct(p) => p.tag(),
        }
    }
}

/// What a site currently shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// The plain form (an ordinary space, no zero-width character, straight
    /// punctuation).
    Plain,
    /// One of our two variants.
    Bit(bool),
}

/// One place able to carry a bit.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    pub(crate) carrier: Carrier,
    /// Unkeyed hash of the carrier kind and the neighbouring words; keyed
    /// with a version key it becomes the code position.
    pub(crate) name: [u8; 32],
    /// Bytes of the carrier in the text (empty: insertion point).
    pub(crate) range: Range<usize>,
    pub(crate) reading: Reading,
}

pub(crate) const NBSP: char = '\u{00A0}';
pub(crate) const SPACE1: char = '\u{2005}';
/// U+2063 INVISIBLE SEPARATOR, not U+200B ZERO WIDTH SPACE: LibreOffice
/// drops U+200B (a line-break opportunity) when it writes a PDF but keeps
/// U+2063 and U+200C, and neither joins nor breaks words in any script.
pub(crate) const ZW0: char = '\u{2063}';
/// Bit 0 as the invisible layer of a PDF writes it: Ghostscript's pdfwrite
/// keeps U+200B there but drops U+2063. Both read as bit 0.
pub(crate) const ZW0_PDF: char = '\u{200B}';
pub(crate) const ZW1: char = '\u{200C}';
pub(crate) const EN_DASH: char = '\u{2013}';
pub(crate) const ELLIPSIS: char = '\u{2026}';

struct Token {
    start: usize,
    end: usize,
    /// Index in the word list if the token is a word.
    word: Option<usize>,
}

/// The canonical form of a token: NFKC, letters and digits only, lower case.
pub(crate) fn canonical_word(token: &str) -> String {
    token
        .nfkc()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Finds every site of `text`, in text order.
pub(crate) fn sites(text: &str) -> Vec<Site> {
    let mut tokens = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                let canon = canonical_word(&text[s..i]);
                let word = if canon.is_empty() {
                    None
                } else {
                    words.push(canon);
                    Some(words.len() - 1)
                };
                tokens.push(Token {
                    start: s,
                    end: i,
                    word,
                });
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    // words_before[t]: number of words among tokens[..t].
    let mut words_before = Vec::with_capacity(tokens.len());
    let mut n = 0;
    for t in &tokens {
        words_before.push(n);
        if t.word.is_some() {
            n += 1;
        }
    }
    let name = |carrier: Carrier, occurrence: usize, from: usize| -> Option<[u8; 32]> {
        let window = words.get(from..from + 2 * WINDOW)?;
        let mut h = blake3::Hasher::new();
        h.update(&[carrier.tag()]);
        h.update(&(occurrence as u32).to_le_bytes());
        for w in window {
            h.update(&(w.len() as u32).to_le_bytes());
            h.update(w.as_bytes());
        }
        Some(*h.finalize().as_bytes())
    };

    let mut out = Vec::new();
    for (t, tok) in tokens.iter().enumerate() {
        // Gap between this token and the next, both words.
        if let (Some(w), Some(next)) = (tok.word, tokens.get(t + 1)) {
            if next.word.is_some() && w + 1 >= WINDOW {
                let from = w + 1 - WINDOW;
                let gap = &text[tok.end..next.start];
                let space = match gap {
                    " " => Some(Reading::Plain),
                    "\u{00A0}" => Some(Reading::Bit(false)),
                    "\u{2005}" => Some(Reading::Bit(true)),
                    _ => None,
                };
                if let (Some(reading), Some(nm)) = (space, name(Carrier::Space, 0, from)) {
                    out.push(Site {
                        carrier: Carrier::Space,
                        name: nm,
                        range: tok.end..next.start,
                        reading,
                    });
                }
                if let Some(nm) = name(Carrier::ZeroWidth, 0, from) {
                    let first = text[next.start..].chars().next();
                    // Written before the next word; read there, or at the
                    // end of this word: zero-width glyphs have no advance,
                    // and PDF re-writers (Ghostscript) and extractors may
                    // put them on either side of the gap.
                    let last = text[tok.start..tok.end].chars().next_back();
                    let (reading, range) = match (first, last) {
                        (Some(ZW0 | ZW0_PDF), _) => {
                            (Reading::Bit(false), next.start..next.start + 3)
                        }
                        (Some(ZW1), _) => (Reading::Bit(true), next.start..next.start + 3),
                        (_, Some(ZW0 | ZW0_PDF)) => (Reading::Bit(false), tok.end - 3..tok.end),
                        (_, Some(ZW1)) => (Reading::Bit(true), tok.end - 3..tok.end),
                        _ => (Reading::Plain, next.start..next.start),
                    };
                    out.push(Site {
                        carrier: Carrier::ZeroWidth,
                        name: nm,
                        range,
                        reading,
                    });
                }
            }
        }
        // Punctuation inside the token (or the token itself, for a dash).
        let b = words_before[t];
        if b < WINDOW {
            continue;
        }
        let from = b - WINDOW;
        let body = &text[tok.start..tok.end];
        if body == "-" || body == "\u{2013}" {
            let between_words = t > 0
                && tokens[t - 1].word.is_some()
                && tokens.get(t + 1).is_some_and(|n| n.word.is_some());
            if between_words {
                if let Some(nm) = name(Carrier::Punct(Punct::Dash), 0, from) {
                    out.push(Site {
                        carrier: Carrier::Punct(Punct::Dash),
                        name: nm,
                        range: tok.start..tok.end,
                        reading: if body == "-" {
                            Reading::Plain
                        } else {
                            Reading::Bit(true)
                        },
                    });
                }
            }
            continue;
        }
        let mut occ = [0usize; 4];
        let bytes = body.as_bytes();
        let mut iter = body.char_indices().peekable();
        while let Some((i, c)) = iter.next() {
            let found = match c {
                '\'' => Some((Punct::Single, Reading::Plain, 1)),
                '\u{2018}' | '\u{2019}' => Some((Punct::Single, Reading::Bit(true), 3)),
                '"' => Some((Punct::Double, Reading::Plain, 1)),
                '\u{201C}' | '\u{201D}' => Some((Punct::Double, Reading::Bit(true), 3)),
                ELLIPSIS => Some((Punct::Ellipsis, Reading::Bit(true), 3)),
                '.' => {
                    let run = bytes[i..].iter().take_while(|&&x| x == b'.').count();
                    let preceded = i > 0 && bytes[i - 1] == b'.';
                    // skip the rest of the run
                    for _ in 1..run {
                        iter.next();
                    }
                    (run == 3 && !preceded).then_some((Punct::Ellipsis, Reading::Plain, 3))
                }
                _ => None,
            };
            if let Some((class, reading, len)) = found {
                let k = occ[class.index()];
                occ[class.index()] += 1;
                if let Some(nm) = name(Carrier::Punct(class), k, from) {
                    let s = tok.start + i;
                    out.push(Site {
                        carrier: Carrier::Punct(class),
                        name: nm,
                        range: s..s + len,
                        reading,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_ignore_layout_and_variants() {
        let a = sites("one two three four five six seven eight");
        let b = sites("One\u{00A0}two  three\nfour \u{2063}five\tsix SEVEN eight");
        let names = |s: &[Site], c: Carrier| -> Vec<[u8; 32]> {
            s.iter()
                .filter(|x| x.carrier == c)
                .map(|x| x.name)
                .collect()
        };
        assert_eq!(names(&a, Carrier::ZeroWidth), names(&b, Carrier::ZeroWidth));
        assert_eq!(names(&a, Carrier::ZeroWidth).len(), 3);
        let zw: Vec<_> = b
            .iter()
            .filter(|s| s.carrier == Carrier::ZeroWidth)
            .collect();
        assert_eq!(zw[1].reading, Reading::Bit(false));
    }

    #[test]
    fn punctuation_sites() {
        let s = sites("a b c don't say \"this\" - or that... now ok then fine");
        let kinds: Vec<_> = s
            .iter()
            .filter_map(|x| match x.carrier {
                Carrier::Punct(p) => Some(p),
                _ => None,
            })
            .collect();
        assert_eq!(
            kinds,
            vec![
                Punct::Single,
                Punct::Double,
                Punct::Double,
                Punct::Dash,
                Punct::Ellipsis
            ]
        );
    }
}
