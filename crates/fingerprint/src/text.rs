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

/// The canonical form of a token: NFKC, letters and digits only, lower case.
#[cfg(test)]
pub(crate) fn canonical_word(token: &str) -> String {
    let mut out = String::new();
    push_canonical_word(token, &mut out);
    out
}

/// Appends the canonical form of `token` to `out`.
fn push_canonical_word(token: &str, out: &mut String) {
    // NFKC leaves ASCII as it is, and our own marks and typographic
    // variants are starters that compose with nothing and are not letters
    // or digits (nor is U+2026's NFKC form "..."): a token of only those —
    // every word of a marked copy — skips the decomposition machinery.
    let inert = |c: char| {
        c.is_ascii()
            || matches!(
                c,
                ZW0 | ZW0_PDF
                    | ZW1
                    | EN_DASH
                    | ELLIPSIS
                    | '\u{2018}'
                    | '\u{2019}'
                    | '\u{201C}'
                    | '\u{201D}'
            )
    };
    if token.chars().all(inert) {
        for b in token.bytes().filter(u8::is_ascii_alphanumeric) {
            out.push(char::from(b.to_ascii_lowercase()));
        }
        return;
    }
    out.extend(
        token
            .nfkc()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase),
    );
}

/// The canonical words of a text, in one buffer (a `String` per word was
/// an allocation per word of every text read).
struct WordList {
    text: String,
    /// End of each word in `text`.
    ends: Vec<usize>,
}

impl WordList {
    /// A list for the words of a text of `len` bytes: canonical words are
    /// no longer than their tokens, but for the rare NFKC expansion.
    fn with_capacity(len: usize) -> Self {
        WordList {
            text: String::with_capacity(len),
            ends: Vec::with_capacity(len / 4),
        }
    }

    /// Adds the canonical form of `token` (`ascii`: every byte of it is
    /// ASCII); its index, or None if empty.
    fn push_token(&mut self, token: &str, ascii: bool) -> Option<usize> {
        let start = self.text.len();
        if ascii {
            self.text.extend(
                token
                    .bytes()
                    .filter(u8::is_ascii_alphanumeric)
                    .map(|b| char::from(b.to_ascii_lowercase())),
            );
        } else {
            push_canonical_word(token, &mut self.text);
        }
        (self.text.len() > start).then(|| {
            self.ends.push(self.text.len());
            self.ends.len() - 1
        })
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    /// Words `range`, in order.
    fn range(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = &str> {
        range.map(|i| {
            let start = match i {
                0 => 0,
                i => self.ends[i - 1],
            };
            &self.text[start..self.ends[i]]
        })
    }
}

/// Which sites [`sites`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wanted {
    /// Every site (marking: each may be given a bit).
    All,
    /// Only the sites that can carry a bit as read: gaps holding a plain
    /// space and no zero-width mark carry none, and naming a site hashes the
    /// ten words around it, so a reader skips them (most gaps of a text).
    Reads,
}

/// What the gap between two words carries: a plain space (a site when
/// marking), or a bit. A reader also takes a mark with ordinary spaces or
/// a line break beside it: a PDF made from a marked DOCX by LibreOffice
/// sets the zero-width mark after a space as a glyph of no width, which
/// pdf-extract reads as one more space (`PUBLIC\u{2005} LICENSE`), and
/// its copies lost every space mark.
fn gap_reading(gap: &str, wanted: Wanted) -> Option<Reading> {
    match gap {
        " " => (wanted == Wanted::All).then_some(Reading::Plain),
        "\u{00A0}" => Some(Reading::Bit(false)),
        "\u{2005}" => Some(Reading::Bit(true)),
        _ if wanted == Wanted::Reads => {
            let mut marks = gap
                .chars()
                .filter(|c| !matches!(c, ' ' | '\n' | '\r' | '\t'));
            match (marks.next(), marks.next()) {
                (Some('\u{00A0}'), None) => Some(Reading::Bit(false)),
                (Some('\u{2005}'), None) => Some(Reading::Bit(true)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Finds the sites of `text` (all, or those that can be read), in text
/// order.
pub(crate) fn sites(text: &str, wanted: Wanted) -> Vec<Site> {
    find(text, wanted).named()
}

/// A site found but not yet named.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pending {
    pub(crate) carrier: Carrier,
    pub(crate) reading: Reading,
    occurrence: u32,
    /// First word of the site's window.
    from: usize,
    range: Range<usize>,
}

/// The sites of a text before they are named: naming hashes the words
/// around each site, the cost of reading a text, so a reader first drops
/// the sites it does not need ([`Found::retain`], [`Found::sample`]).
pub(crate) struct Found {
    words: WordList,
    pub(crate) pending: Vec<Pending>,
}

impl Found {
    /// Keeps the sites `keep` accepts.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&Pending) -> bool) {
        self.pending.retain(|p| keep(p));
    }

    /// Adds the sites `other` found in the part of a text that starts at
    /// byte `offset` (its words after these: a site's window stays within
    /// the part it was found in).
    fn append(&mut self, other: Found, offset: usize) {
        let (words, len) = (self.words.len(), self.words.text.len());
        self.words.text.push_str(&other.words.text);
        self.words
            .ends
            .extend(other.words.ends.iter().map(|e| e + len));
        self.pending.extend(other.pending.into_iter().map(|mut p| {
            p.from += words;
            p.range = p.range.start + offset..p.range.end + offset;
            p
        }));
    }

    /// Keeps at most about `max` sites, chosen by a cheap hash of each
    /// site's carrier and words: content-defined, so two copies of the same
    /// text (or an excerpt and the whole) keep the same sites, and a
    /// stricter level keeps a subset of a looser one.
    pub(crate) fn sample(&mut self, max: usize) {
        if self.pending.len() <= max {
            return;
        }
        // A hash of every window of 2·WINDOW words, rolled along the text:
        // one multiply-add per word, where hashing each site's six words
        // (and each word byte by byte) was a fifth of reading a served copy.
        const SPAN: usize = 2 * WINDOW;
        const BASE: u64 = 0x0000_0100_0000_01b3;
        let drop = BASE.wrapping_pow(SPAN as u32);
        let hashes: Vec<u64> = self
            .words
            .range(0..self.words.len())
            .map(|w| word_hash(w.as_bytes()))
            .collect();
        let mut windows = Vec::with_capacity(hashes.len());
        let mut h = 0u64;
        for (i, &w) in hashes.iter().enumerate() {
            h = h.wrapping_mul(BASE).wrapping_add(w);
            if i >= SPAN {
                h = h.wrapping_sub(hashes[i - SPAN].wrapping_mul(drop));
            }
            if i + 1 >= SPAN {
                // The window of words `i + 1 - SPAN ..= i`.
                windows.push(h);
            }
        }
        let key = |p: &Pending| {
            let site = u64::from(p.carrier.tag()) << 32 | u64::from(p.occurrence);
            mix64(windows[p.from] ^ mix64(site)).trailing_zeros()
        };
        let keys: Vec<u32> = self.pending.iter().map(key).collect();
        let mut at_least = [0usize; 66];
        for &k in &keys {
            at_least[k as usize] += 1;
        }
        for l in (0..65).rev() {
            at_least[l] += at_least[l + 1];
        }
        let level = (0..65).find(|&l| at_least[l] <= max).unwrap_or(64) as u32;
        let mut keys = keys.into_iter();
        self.pending
            .retain(|_| keys.next().is_some_and(|k| k >= level));
    }

    /// Names every kept site.
    pub(crate) fn named(self) -> Vec<Site> {
        // One hashing call per name: feeding the hasher piece by piece cost
        // as much as the hashing itself (same bytes, same name).
        let mut input = Vec::with_capacity(256);
        let words = self.words;
        self.pending
            .into_iter()
            .map(|p| {
                input.clear();
                input.push(p.carrier.tag());
                input.extend_from_slice(&p.occurrence.to_le_bytes());
                for w in words.range(p.from..p.from + 2 * WINDOW) {
                    input.extend_from_slice(&(w.len() as u32).to_le_bytes());
                    input.extend_from_slice(w.as_bytes());
                }
                Site {
                    carrier: p.carrier,
                    name: *blake3::hash(&input).as_bytes(),
                    range: p.range,
                    reading: p.reading,
                }
            })
            .collect()
    }
}

/// A quick hash of a word, eight bytes at a time (for sampling only: any
/// well-spread function of the word will do; names are BLAKE3).
fn word_hash(bytes: &[u8]) -> u64 {
    let mut h = bytes.len() as u64;
    for chunk in bytes.chunks(8) {
        let mut b = [0u8; 8];
        b[..chunk.len()].copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(b))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29);
    }
    h
}

/// The splitmix64 finaliser.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A whitespace-separated token: `text[start..end]`.
#[derive(Debug, Clone, Copy)]
struct Tok {
    start: usize,
    end: usize,
    /// Every byte is ASCII: no mark, no typographic variant, no NFKC.
    ascii: bool,
}

/// Whether the UTF-8 character `bytes` starts with is whitespace (as
/// [`char::is_whitespace`] has it), and its length: from the bytes, without
/// decoding it or looking it up in the Unicode tables (a served copy has a
/// mark or typographic character every few bytes).
#[inline]
fn space_at(bytes: &[u8]) -> (bool, usize) {
    match *bytes {
        [b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ', ..] => (true, 1),
        [b, ..] if b.is_ascii() => (false, 1),
        // U+0085, U+00A0.
        [0xC2, 0x85 | 0xA0, ..] => (true, 2),
        [0xC0..=0xDF, ..] => (false, 2),
        // U+1680; U+2000–U+200A, U+2028, U+2029, U+202F; U+205F; U+3000.
        [0xE1, 0x9A, 0x80, ..]
        | [0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF, ..]
        | [0xE2, 0x81, 0x9F, ..]
        | [0xE3, 0x80, 0x80, ..] => (true, 3),
        [0xE0..=0xEF, ..] => (false, 3),
        [0xF0..=0xF7, ..] => (false, 4),
        // Not the start of a character (not in a `str`).
        _ => (false, 1),
    }
}

/// Splits a text into maximal runs of non-whitespace characters (as
/// [`char::is_whitespace`] has it), byte by byte where the text is ASCII.
struct Tokens<'a> {
    text: &'a str,
    pos: usize,
}

impl Tokens<'_> {
    /// Whether the character at `i` is whitespace, and its length.
    #[inline]
    fn space_at(&self, i: usize) -> (bool, usize) {
        space_at(&self.text.as_bytes()[i..])
    }

    fn next_token(&mut self) -> Option<Tok> {
        let len = self.text.len();
        loop {
            if self.pos >= len {
                return None;
            }
            let (space, n) = self.space_at(self.pos);
            if !space {
                break;
            }
            self.pos += n;
        }
        let start = self.pos;
        let mut ascii = true;
        while self.pos < len {
            let (space, n) = self.space_at(self.pos);
            if space {
                break;
            }
            ascii &= n == 1 && self.text.as_bytes()[self.pos].is_ascii();
            self.pos += n;
        }
        Some(Tok {
            start,
            end: self.pos,
            ascii,
        })
    }
}

/// Finds the sites of `text` (all, or those that can be read), unnamed.
///
/// One pass over the tokens with one token of look-ahead: reading a served
/// copy is mostly this loop, and the token and word-count tables it used to
/// build first cost more in page faults and copies than the scan itself.
pub(crate) fn find(text: &str, wanted: Wanted) -> Found {
    let mut words = WordList::with_capacity(text.len());
    let mut out = Vec::new();
    let mut tokens = Tokens { text, pos: 0 };
    let Some(mut tok) = tokens.next_token() else {
        return Found {
            words,
            pending: out,
        };
    };
    let mut word = words.push_token(&text[tok.start..tok.end], tok.ascii);
    // Words among the tokens before `tok`; whether the one before is a word.
    let (mut words_before, mut prev_is_word) = (0usize, false);
    let mut pend = |carrier: Carrier, occurrence: usize, from: usize, range, reading| {
        out.push(Pending {
            carrier,
            reading,
            occurrence: occurrence as u32,
            from,
            range,
        })
    };
    loop {
        let next = tokens.next_token();
        let next_word = next.and_then(|n| words.push_token(&text[n.start..n.end], n.ascii));
        // Gap between this token and the next, both words.
        if let (Some(w), Some(next)) = (word, next) {
            if next_word.is_some() && w + 1 >= WINDOW {
                let from = w + 1 - WINDOW;
                let gap = &text[tok.end..next.start];
                let space = gap_reading(gap, wanted);
                if let Some(reading) = space {
                    pend(Carrier::Space, 0, from, tok.end..next.start, reading);
                }
                // ASCII tokens hold no zero-width mark.
                let first = (!next.ascii)
                    .then(|| text[next.start..].chars().next())
                    .flatten();
                let last = (!tok.ascii)
                    .then(|| text[tok.start..tok.end].chars().next_back())
                    .flatten();
                let marked = [first, last]
                    .iter()
                    .any(|c| matches!(c, Some(ZW0 | ZW0_PDF | ZW1)));
                if wanted == Wanted::All || marked {
                    // Written before the next word; read there, or at the
                    // end of this word: zero-width glyphs have no advance,
                    // and PDF re-writers (Ghostscript) and extractors may
                    // put them on either side of the gap.
                    let (reading, range) = match (first, last) {
                        (Some(ZW0 | ZW0_PDF), _) => {
                            (Reading::Bit(false), next.start..next.start + 3)
                        }
                        (Some(ZW1), _) => (Reading::Bit(true), next.start..next.start + 3),
                        (_, Some(ZW0 | ZW0_PDF)) => (Reading::Bit(false), tok.end - 3..tok.end),
                        (_, Some(ZW1)) => (Reading::Bit(true), tok.end - 3..tok.end),
                        _ => (Reading::Plain, next.start..next.start),
                    };
                    pend(Carrier::ZeroWidth, 0, from, range, reading);
                }
            }
        }
        // Punctuation inside the token (or the token itself, for a dash).
        if words_before >= WINDOW {
            let from = words_before - WINDOW;
            let body = &text[tok.start..tok.end];
            if body == "-" || body == "\u{2013}" {
                if prev_is_word && next_word.is_some() {
                    let reading = if body == "-" {
                        Reading::Plain
                    } else {
                        Reading::Bit(true)
                    };
                    pend(
                        Carrier::Punct(Punct::Dash),
                        0,
                        from,
                        tok.start..tok.end,
                        reading,
                    );
                }
            } else if !tok.ascii || body.bytes().any(|b| matches!(b, b'\'' | b'"' | b'.')) {
                punctuation(body, tok.start, from, &mut pend);
            }
        }
        words_before += usize::from(word.is_some());
        prev_is_word = word.is_some();
        match next {
            Some(n) => (tok, word) = (n, next_word),
            None => break,
        }
    }
    // A site needs a whole window of words after `from`.
    let n_words = words.len();
    out.retain(|p| p.from + 2 * WINDOW <= n_words);
    Found {
        words,
        pending: out,
    }
}

/// [`find`] in a content-defined share of the lines of a long text, enough
/// for a reader that keeps about `max` sites ([`Found::sample`]).
///
/// A served copy marks nearly every gap (some 80,000 sites in 0.8 MB of
/// text) and a reader keeps a few thousand, but [`find`] tokenises and
/// canonicalises every word first, which was most of the cost of reading a
/// served copy. So lines are chosen by a hash of their letters and digits
/// in any script (which no mark changes: [`line_level`]), at the highest
/// level whose lines hold twice `max` mark characters, and only they are
/// searched, each run of chosen lines with a line around it for the words
/// a site is named by (a site whose words reach past those is dropped,
/// never misnamed).
/// A text with few marks, or one line, is searched whole.
pub(crate) fn find_in_lines(text: &str, wanted: Wanted, max: usize) -> Found {
    struct Line {
        start: usize,
        end: usize,
        level: u32,
        marks: usize,
    }
    let mut lines = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let bytes = line.as_bytes();
        lines.push(Line {
            start,
            end: start + bytes.len(),
            level: line_level(bytes),
            marks: marks_in(bytes),
        });
        start += bytes.len();
    }
    let target = max.saturating_mul(2);
    let mut marks_at = [0usize; 65];
    for l in &lines {
        marks_at[l.level as usize] += l.marks;
    }
    for l in (0..64).rev() {
        marks_at[l] += marks_at[l + 1];
    }
    let level = (1..65).rev().find(|&l| marks_at[l] >= target).unwrap_or(0) as u32;
    if level == 0 || lines.len() < 2 {
        return find(text, wanted);
    }
    let chosen: Vec<bool> = lines.iter().map(|l| l.level >= level).collect();
    let mut out = Found {
        words: WordList::with_capacity(0),
        pending: Vec::new(),
    };
    let mut i = 0;
    while i < lines.len() {
        if !chosen[i] {
            i += 1;
            continue;
        }
        let first = i;
        while i < lines.len() && chosen[i] {
            i += 1;
        }
        // Lines `first..i` are chosen; search them with a line around.
        let part = lines[first.saturating_sub(1)].start..lines[i.min(lines.len() - 1)].end;
        let keep = lines[first].start - part.start..lines[i - 1].end - part.start;
        let mut found = find(&text[part.clone()], wanted);
        found
            .pending
            .retain(|p| keep.start <= p.range.start && p.range.end <= keep.end);
        out.append(found, part.start);
    }
    out
}

/// The mark characters of a line, counted by their bytes: every mark is
/// U+00A0 or in U+2000–U+2FFF (first byte 0xE2), and letters of other
/// scripts must not count. A served copy's every line is counted: by
/// chunks of at most 255 bytes into byte-wide sums, which compile to
/// sixteen compares per instruction, where a window compare per byte was
/// a twelfth of reading a served copy.
fn marks_in(line: &[u8]) -> usize {
    let next = line.get(1..).unwrap_or_default();
    // The zip drops a last chunk of one byte: the last byte of a line is
    // never the lead byte of a mark.
    line.chunks(255)
        .zip(next.chunks(255))
        .map(|(bytes, after)| {
            let wide = bytes.iter().fold(0u8, |n, &b| n + u8::from(b == 0xE2));
            let nbsp = bytes
                .iter()
                .zip(after)
                .fold(0u8, |n, (&a, &b)| n + u8::from(a == 0xC2 && b == 0xA0));
            usize::from(wide) + usize::from(nbsp)
        })
        .sum()
}

/// The sampling level of a line: trailing zeros of a hash of its first
/// letters and digits, as bytes: ASCII punctuation and whitespace, and the
/// characters of U+0080–U+00BF and U+2000–U+2FFF (every mark and
/// typographic variant is one), are left out, so marking never changes it.
fn line_level(line: &[u8]) -> u32 {
    let mut h = 0x243f_6a88_85a3_08d3u64;
    let (mut i, mut taken) = (0, 0);
    while let (Some(&b), true) = (line.get(i), taken < 48) {
        i += match b {
            0xC2 => 2,
            0xE2 => 3,
            b if b.is_ascii() && !b.is_ascii_alphanumeric() => 1,
            b => {
                h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
                taken += 1;
                1
            }
        };
    }
    mix64(h).trailing_zeros()
}

/// The punctuation sites inside one token `body` (at `offset` in the
/// text), each numbered by its occurrence in the token.
fn punctuation(
    body: &str,
    offset: usize,
    from: usize,
    pend: &mut impl FnMut(Carrier, usize, usize, Range<usize>, Reading),
) {
    let mut occ = [0usize; 4];
    let bytes = body.as_bytes();
    let mut iter = body.char_indices();
    while let Some((i, c)) = iter.next() {
        let found = match c {
            '\'' => Some((Punct::Single, Reading::Plain, 1)),
            '\u{2018}' | '\u{2019}' => Some((Punct::Single, Reading::Bit(true), 3)),
            '"' => Some((Punct::Double, Reading::Plain, 1)),
            '\u{201C}' | '\u{201D}' => Some((Punct::Double, Reading::Bit(true), 3)),
            ELLIPSIS => Some((Punct::Ellipsis, Reading::Bit(true), 3)),
            '.' => {
                let run = bytes[i..].iter().take_while(|&&x| x == b'.').count();
                // skip the rest of the run
                for _ in 1..run {
                    iter.next();
                }
                (run == 3).then_some((Punct::Ellipsis, Reading::Plain, 3))
            }
            _ => None,
        };
        if let Some((class, reading, len)) = found {
            let k = occ[class.index()];
            occ[class.index()] += 1;
            let s = offset + i;
            pend(Carrier::Punct(class), k, from, s..s + len, reading);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Marks are counted by character: NBSP and U+2000–U+2FFF, nothing
    /// else, at either end of a line or side by side.
    #[test]
    fn marks_are_counted_by_character() {
        let count = |line: &str| {
            line.chars()
                .filter(|&c| c == '\u{A0}' || ('\u{2000}'..='\u{2FFF}').contains(&c))
                .count()
        };
        for line in [
            "",
            "\u{A0}",
            "plain words\n",
            "a\u{A0}b\u{2005}c\u{200B}d\u{2019}\u{A0}\u{A0}",
            "\u{2060}é à\u{A0}\u{E2}\u{C2}\u{20AC} 中文 \u{1F600} Ġ\u{2FFF}\n",
        ] {
            assert_eq!(marks_in(line.as_bytes()), count(line), "{line:?}");
        }
        // Across the counting chunks' edges: a NBSP split between two, and
        // more marks than a byte-wide sum holds.
        for pad in 250..=260 {
            for marks in [1, 300] {
                let line = "x".repeat(pad) + &"\u{A0}\u{2005}".repeat(marks);
                assert_eq!(marks_in(line.as_bytes()), count(&line), "{pad} {marks}");
            }
        }
    }

    /// The token-table implementation `find` replaced, kept as its oracle.
    struct RefToken {
        start: usize,
        end: usize,
        word: Option<usize>,
    }

    #[allow(clippy::needless_range_loop)]
    fn find_reference(text: &str, wanted: Wanted) -> Found {
        let mut tokens = Vec::new();
        let mut words = WordList::with_capacity(0);
        let mut start = None;
        for (i, c) in text
            .char_indices()
            .chain(std::iter::once((text.len(), ' ')))
        {
            match (c.is_whitespace(), start) {
                (true, Some(s)) => {
                    let word = words.push_token(&text[s..i], false);
                    tokens.push(RefToken {
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
        // A site needs a whole window of words after `from`.
        let n_words = words.len();
        let mut out = Vec::new();
        let mut pend = |carrier: Carrier, occurrence: usize, from: usize, range, reading| {
            if from + 2 * WINDOW <= n_words {
                out.push(Pending {
                    carrier,
                    reading,
                    occurrence: occurrence as u32,
                    from,
                    range,
                });
            }
        };
        for (t, tok) in tokens.iter().enumerate() {
            // Gap between this token and the next, both words.
            if let (Some(w), Some(next)) = (tok.word, tokens.get(t + 1)) {
                if next.word.is_some() && w + 1 >= WINDOW {
                    let from = w + 1 - WINDOW;
                    let gap = &text[tok.end..next.start];
                    let space = gap_reading(gap, wanted);
                    if let Some(reading) = space {
                        pend(Carrier::Space, 0, from, tok.end..next.start, reading);
                    }
                    let first = text[next.start..].chars().next();
                    let last = text[tok.start..tok.end].chars().next_back();
                    let marked = [first, last]
                        .iter()
                        .any(|c| matches!(c, Some(ZW0 | ZW0_PDF | ZW1)));
                    if wanted == Wanted::All || marked {
                        // Written before the next word; read there, or at the
                        // end of this word: zero-width glyphs have no advance,
                        // and PDF re-writers (Ghostscript) and extractors may
                        // put them on either side of the gap.
                        let (reading, range) = match (first, last) {
                            (Some(ZW0 | ZW0_PDF), _) => {
                                (Reading::Bit(false), next.start..next.start + 3)
                            }
                            (Some(ZW1), _) => (Reading::Bit(true), next.start..next.start + 3),
                            (_, Some(ZW0 | ZW0_PDF)) => (Reading::Bit(false), tok.end - 3..tok.end),
                            (_, Some(ZW1)) => (Reading::Bit(true), tok.end - 3..tok.end),
                            _ => (Reading::Plain, next.start..next.start),
                        };
                        pend(Carrier::ZeroWidth, 0, from, range, reading);
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
                    let reading = if body == "-" {
                        Reading::Plain
                    } else {
                        Reading::Bit(true)
                    };
                    pend(
                        Carrier::Punct(Punct::Dash),
                        0,
                        from,
                        tok.start..tok.end,
                        reading,
                    );
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
                    let s = tok.start + i;
                    pend(Carrier::Punct(class), k, from, s..s + len, reading);
                }
            }
        }
        Found {
            words,
            pending: out,
        }
    }

    fn same_finds(text: &str) {
        for wanted in [Wanted::All, Wanted::Reads] {
            let (a, b) = (find(text, wanted), find_reference(text, wanted));
            assert_eq!(a.words.text, b.words.text);
            assert_eq!(a.words.ends, b.words.ends);
            assert_eq!(a.pending, b.pending, "{text:?}");
        }
    }

    #[test]
    fn the_one_pass_finder_finds_what_the_token_table_found() {
        let pieces = [
            " ",
            "\u{00A0}",
            "\u{2005}",
            " \u{2063}",
            "\u{200C} ",
            " \u{200B}",
            "  ",
            "\n\t",
            "\u{3000}",
            "\u{85}",
            "Alpha",
            "don't",
            "\"quoted\"",
            "beta...",
            "a....b",
            "-",
            "\u{2013}",
            "--",
            "Gamma\u{2019}s",
            "\u{201C}delta\u{201D}",
            "caf\u{E9}",
            "\u{2026}",
            "x",
            "...",
            "e\u{301}",
            "\u{FB01}ne",
            "\u{2063}w",
            "w\u{200C}",
            "\u{200B}",
            "'",
            "\"",
            ".",
        ];
        proptest::proptest!(proptest::prelude::ProptestConfig::with_cases(500), |(
            picks in proptest::collection::vec(0..pieces.len(), 0..80)
        )| {
            let text: String = picks.iter().map(|&i| pieces[i]).collect();
            same_finds(&text);
        });
    }

    #[test]
    fn sampling_is_content_defined_so_an_excerpt_keeps_the_sites_the_whole_keeps() {
        let words: Vec<String> = (0..6000).map(|i| format!("w{i}")).collect();
        let (text, excerpt) = (words.join(" "), words[2000..4000].join(" "));
        let names = |f: Found| {
            f.named()
                .into_iter()
                .map(|s| s.name)
                .collect::<std::collections::HashSet<_>>()
        };
        let sampled = |t: &str| {
            let mut f = find(t, Wanted::All);
            f.sample(500);
            names(f)
        };
        let (whole, part) = (sampled(&text), sampled(&excerpt));
        assert!(whole.len() <= 500 && whole.len() > 100, "{}", whole.len());
        assert_eq!(whole, sampled(&text));
        // The whole text's sampled sites that the excerpt holds are in the
        // excerpt's sample too (fewer sites: a level no stricter).
        let held = names(find(&excerpt, Wanted::All));
        let shared: Vec<_> = whole.intersection(&held).collect();
        assert!(shared.len() > 50, "{}", shared.len());
        assert!(shared.iter().all(|n| part.contains(*n)));
    }

    #[test]
    fn searching_some_lines_names_sites_as_searching_the_whole_text() {
        // Lines of marked gaps (a no-break space carries a bit), some blank.
        let mut text = String::new();
        for line in 0..3000 {
            for word in 0..12 {
                text.push_str(&format!("w{line}x{word}"));
                text.push(if word % 3 == 0 { ' ' } else { '\u{a0}' });
            }
            text.push_str(if line % 5 == 0 { "\n\n" } else { "\n" });
        }
        let named = |f: Found| {
            f.named()
                .into_iter()
                .map(|s| (s.name, s.reading == Reading::Bit(true), s.range))
                .collect::<std::collections::HashSet<_>>()
        };
        // Each site once (runs of lines share the lines around them), named
        // as in the whole text, twice the marks asked for less the sites
        // at the edges of runs: (all sites, those found).
        let thinned = |text: &str| {
            let all = named(find(text, Wanted::Reads));
            let found = find_in_lines(text, Wanted::Reads, 1000);
            let sites = found.pending.len();
            let part = named(found);
            assert_eq!(part.len(), sites);
            assert!(part.is_subset(&all));
            assert!(
                part.len() > 1000 && part.len() < all.len() / 4,
                "{} of {}",
                part.len(),
                all.len()
            );
            (all, part)
        };
        let (whole, some) = thinned(&text);
        // Content-defined: the same lines are chosen wherever they are.
        let shifted = format!("{}{text}", "a\u{a0}b\u{a0}c\n".repeat(7));
        let again = find_in_lines(&shifted, Wanted::Reads, 1000);
        let again: std::collections::HashSet<_> =
            again.named().into_iter().map(|s| s.name).collect();
        assert!(some.iter().all(|(name, _, _)| again.contains(name)));
        // Lines of another script are told apart as well, and its letters
        // are not taken for marks.
        let cyrillic: String = text
            .chars()
            .map(|c| match c {
                '0'..='9' => char::from_u32(u32::from(c) - u32::from('0') + 0x430).unwrap_or(c),
                'w' => 'ш',
                'x' => 'ж',
                c => c,
            })
            .collect();
        thinned(&cyrillic);
        // A text with few marks, or of one line, is searched whole.
        assert_eq!(
            named(find_in_lines(&text, Wanted::Reads, whole.len())),
            whole
        );
        let one_line = text.replace('\n', " ");
        assert_eq!(
            named(find_in_lines(&one_line, Wanted::Reads, 10)),
            named(find(&one_line, Wanted::Reads))
        );
    }

    #[test]
    fn space_at_is_char_is_whitespace_for_every_character() {
        let mut buf = [0u8; 4];
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            assert_eq!(
                space_at(bytes),
                (c.is_whitespace(), c.len_utf8()),
                "U+{:04X}",
                u32::from(c)
            );
        }
    }

    #[test]
    fn names_ignore_layout_and_variants() {
        let a = sites("one two three four five six seven eight", Wanted::All);
        let b = sites(
            "One\u{00A0}two  three\nfour \u{2063}five\tsix SEVEN eight",
            Wanted::All,
        );
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
    fn a_space_mark_beside_ordinary_spaces_is_read() {
        // Every gap marked; then as pdf-extract reads a LibreOffice PDF of
        // a marked DOCX: a space after each mark (a zero-width glyph's
        // place), now and then a line break.
        let words: Vec<String> = (0..60).map(|i| format!("word{i}")).collect();
        let mark = |i: usize| {
            if i.is_multiple_of(3) {
                "\u{00A0}"
            } else {
                "\u{2005}"
            }
        };
        let (mut marked, mut extracted, mut doubled) =
            (String::new(), String::new(), String::new());
        for (i, w) in words.iter().enumerate() {
            marked.push_str(w);
            extracted.push_str(w);
            doubled.push_str(w);
            marked.push_str(mark(i));
            extracted.push_str(mark(i));
            extracted.push_str(if i.is_multiple_of(5) { "\n" } else { " " });
            doubled.push_str("\u{2005}\u{00A0}");
        }
        let bits = |text: &str| -> Vec<([u8; 32], Reading)> {
            sites(text, Wanted::Reads)
                .into_iter()
                .filter(|x| x.carrier == Carrier::Space)
                .map(|x| (x.name, x.reading))
                .collect()
        };
        assert!(bits(&marked).len() > 5, "{:?}", bits(&marked).len());
        assert_eq!(bits(&marked), bits(&extracted));
        // Two marks in one gap are no read.
        assert!(bits(&doubled).is_empty());
    }

    #[test]
    fn a_reader_gets_the_sites_that_carry_a_read() {
        // Every kind of gap and mark, ASCII and not, in a varied order.
        let pieces = [
            " ",
            "\u{00A0}",
            "\u{2005}",
            " \u{2063}",
            "\u{200C} ",
            " \u{200B}",
            "  ",
        ];
        let words = [
            "Alpha",
            "don't",
            "\"quoted\"",
            "beta...",
            "-",
            "\u{2013}",
            "Gamma\u{2019}s",
            "\u{201C}delta\u{201D}",
            "caf\u{E9}",
            "\u{2026}",
            "x",
        ];
        let mut text = String::new();
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            text.push_str(words[(x % words.len() as u64) as usize]);
            text.push_str(pieces[((x >> 20) % pieces.len() as u64) as usize]);
        }
        let readable =
            |s: &Site| matches!(s.carrier, Carrier::Punct(_)) || s.reading != Reading::Plain;
        let all: Vec<(Carrier, [u8; 32], Reading)> = sites(&text, Wanted::All)
            .into_iter()
            .filter(readable)
            .map(|s| (s.carrier, s.name, s.reading))
            .collect();
        let reads: Vec<(Carrier, [u8; 32], Reading)> = sites(&text, Wanted::Reads)
            .into_iter()
            .map(|s| (s.carrier, s.name, s.reading))
            .collect();
        assert!(all.len() > 1_000);
        assert_eq!(reads, all);
    }

    #[test]
    fn simple_words_canonicalise_as_by_nfkc() {
        for w in [
            "Don't",
            "ABC-12",
            "x",
            "",
            "--",
            "MiXeD42case",
            "\u{2063}Word",
            "end\u{200C}",
            "\u{200B}it\u{2019}s",
            "\u{201C}Quoted\u{201D}\u{2026}",
            "1990\u{2013}2000",
            "caf\u{E9}\u{2063}",
            "e\u{301}\u{200C}",
            "\u{FB01}ne",
        ] {
            let reference: String = w
                .nfkc()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect();
            assert_eq!(canonical_word(w), reference);
        }
    }

    #[test]
    fn punctuation_sites() {
        let s = sites(
            "a b c don't say \"this\" - or that... now ok then fine",
            Wanted::All,
        );
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
