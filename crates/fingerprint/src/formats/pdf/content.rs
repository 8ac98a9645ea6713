//! A small content-stream scanner shared by embedding and reading the
//! word-spacing channel: it tokenises a page's (decoded) content streams,
//! follows the text-showing operators and finds the *word gaps* and the
//! words around them. Embedding and reading run the very same scan, so a
//! gap is named identically on both sides; the marks only ever change
//! numbers, never the bytes the scan splits words on.
//!
//! A word gap is either a space byte (0x20) shown with a simple (one byte
//! per code) font and followed by a glyph within the same operator, or a
//! `TJ` number of at least [`GAP_MIN`] thousandths of an em in magnitude
//! between two strings (a TeX-style word gap). Words are the shown code
//! bytes between gaps and text-positioning operators.
//!
//! Hostile input: every loop is bounded by the input length, nesting is
//! capped, and a scan stops after [`MAX_TOKENS`] tokens per page.

/// Smallest `TJ` number (in magnitude, thousandths of text space) that
/// separates two words.
pub(super) const GAP_MIN: f64 = 150.0;
/// Tokens scanned per page at most (a hostile stream is cut off there).
pub(super) const MAX_TOKENS: usize = 4_000_000;
/// Nesting of `q`/`Q` followed for the current font.
const MAX_SAVE: usize = 64;

/// One lexical token of a content stream.
#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) kind: Kind,
    /// Byte range in the stream.
    pub(super) start: usize,
    pub(super) end: usize,
}

#[derive(Debug, Clone)]
pub(super) enum Kind {
    Number(f64),
    /// A string: its bytes, whether written in hex, and for each space
    /// byte its index in `bytes`, the stream offset right after it and
    /// whether it can be split there (a literal at nesting depth 1 or a hex
    /// string at a digit pair boundary).
    Str {
        bytes: Vec<u8>,
        hex: bool,
        spaces: Vec<(usize, usize, bool)>,
    },
    Name(Vec<u8>),
    Open,
    Close,
    Operator,
    Other,
}

fn is_white(b: u8) -> bool {
    matches!(b, 0 | 9 | 10 | 12 | 13 | 32)
}

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// A lexer over one stream.
pub(super) struct Lexer<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
        Self { data, at: 0 }
    }

    fn peek(&self, i: usize) -> Option<u8> {
        self.data.get(self.at + i).copied()
    }

    /// Skips inline image data after an `ID` operator: up to whitespace,
    /// `EI` and a following whitespace or end.
    pub(super) fn skip_inline_image(&mut self) {
        let d = self.data;
        let mut i = self.at + 1;
        while i + 2 <= d.len() {
            if d.get(i) == Some(&b'E')
                && d.get(i + 1) == Some(&b'I')
                && d.get(i.wrapping_sub(1)).is_some_and(|&b| is_white(b))
                && d.get(i + 2).is_none_or(|&b| is_white(b) || is_delim(b))
            {
                self.at = i + 2;
                return;
            }
            i += 1;
        }
        self.at = d.len();
    }

    /// The next token, or `None` at the end.
    pub(super) fn next_token(&mut self) -> Option<Token> {
        let d = self.data;
        loop {
            let b = self.peek(0)?;
            if is_white(b) {
                self.at += 1;
            } else if b == b'%' {
                while self.peek(0).is_some_and(|b| b != b'\n' && b != b'\r') {
                    self.at += 1;
                }
            } else {
                break;
            }
        }
        let start = self.at;
        let b = self.peek(0)?;
        let kind = match b {
            b'(' => self.literal(),
            b'<' if self.peek(1) == Some(b'<') => {
                self.at += 2;
                Kind::Other
            }
            b'<' => self.hex(),
            b'>' => {
                self.at += if self.peek(1) == Some(b'>') { 2 } else { 1 };
                Kind::Other
            }
            b'[' => {
                self.at += 1;
                Kind::Open
            }
            b']' => {
                self.at += 1;
                Kind::Close
            }
            b'{' | b'}' | b')' => {
                self.at += 1;
                Kind::Other
            }
            b'/' => {
                self.at += 1;
                let s = self.at;
                while self.peek(0).is_some_and(|b| !is_white(b) && !is_delim(b)) {
                    self.at += 1;
                }
                Kind::Name(unescape_name(d.get(s..self.at).unwrap_or_default()))
            }
            _ => {
                while self.peek(0).is_some_and(|b| !is_white(b) && !is_delim(b)) {
                    self.at += 1;
                }
                let word = d.get(start..self.at).unwrap_or_default();
                match number(word) {
                    Some(n) => Kind::Number(n),
                    None if word.first().is_some_and(u8::is_ascii_alphabetic)
                        || word == b"'"
                        || word == b"\"" =>
                    {
                        Kind::Operator
                    }
                    None => Kind::Other,
                }
            }
        };
        Some(Token {
            kind,
            start,
            end: self.at,
        })
    }

    fn literal(&mut self) -> Kind {
        let d = self.data;
        self.at += 1;
        let mut depth = 1usize;
        let mut bytes = Vec::new();
        let mut spaces = Vec::new();
        while let Some(&b) = d.get(self.at) {
            self.at += 1;
            match b {
                b'\\' => {
                    let Some(&e) = d.get(self.at) else { break };
                    self.at += 1;
                    let v = match e {
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'b' => Some(8),
                        b'f' => Some(12),
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match d.get(self.at) {
                                    Some(&o @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(o - b'0');
                                        self.at += 1;
                                    }
                                    _ => break,
                                }
                            }
                            Some((v & 0xff) as u8)
                        }
                        b'\r' => {
                            if d.get(self.at) == Some(&b'\n') {
                                self.at += 1;
                            }
                            None
                        }
                        b'\n' => None,
                        other => Some(other),
                    };
                    if let Some(v) = v {
                        if v == b' ' {
                            spaces.push((bytes.len(), self.at, depth == 1));
                        }
                        bytes.push(v);
                    }
                }
                b'(' => {
                    depth += 1;
                    bytes.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                    bytes.push(b);
                }
                _ => {
                    if b == b' ' {
                        spaces.push((bytes.len(), self.at, depth == 1));
                    }
                    bytes.push(b);
                }
            }
        }
        Kind::Str {
            bytes,
            hex: false,
            spaces,
        }
    }

    fn hex(&mut self) -> Kind {
        let d = self.data;
        self.at += 1;
        let mut bytes = Vec::new();
        let mut spaces = Vec::new();
        let mut high: Option<u8> = None;
        while let Some(&b) = d.get(self.at) {
            self.at += 1;
            if b == b'>' {
                break;
            }
            let Some(v) = (b as char).to_digit(16) else {
                continue;
            };
            let v = v as u8;
            match high.take() {
                None => high = Some(v),
                Some(h) => {
                    let byte = h << 4 | v;
                    if byte == b' ' {
                        spaces.push((bytes.len(), self.at, true));
                    }
                    bytes.push(byte);
                }
            }
        }
        if let Some(h) = high {
            bytes.push(h << 4);
        }
        Kind::Str {
            bytes,
            hex: true,
            spaces,
        }
    }
}

fn unescape_name(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        if b == b'#' {
            let hex = raw
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

fn number(word: &[u8]) -> Option<f64> {
    let first = *word.first()?;
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return None;
    }
    let s = std::str::from_utf8(word).ok()?;
    if !s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.'))
    {
        return None;
    }
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// What the scan reports to its caller (the embedder records edits, the
/// reader only gaps and words).
pub(super) trait Visitor {
    /// A word boundary (before the next shown byte).
    fn split(&mut self);
    /// A glyph code byte of a word.
    fn byte(&mut self, b: u8);
    /// A word gap in the operator being shown: a space byte or a number.
    /// `adjust` is the `TJ` number that follows (for a space: only if it
    /// directly follows the space and a string follows it); `site` says
    /// where it is.
    fn gap(&mut self, adjust: Option<f64>, site: GapSite);
    /// A text-showing operator with its operand tokens, before its gaps
    /// are reported, and once they are (`done`).
    fn show(&mut self, _op: &[u8], _operator: &Token, _operands: &[Token], _done: bool) {}
}

/// Where a gap is in the stream.
#[derive(Debug, Clone, Copy)]
pub(super) enum GapSite {
    /// A space inside a string: the offset right after it and whether the
    /// string is hex and may be split there.
    Inside {
        after: usize,
        hex: bool,
        splittable: bool,
    },
    /// A space ending a string with no number after it: insert after
    /// the string token ending at `after`.
    After { after: usize },
    /// A number token (replace it); `tex`: a number gap (no space before
    /// it), which must stay at least [`GAP_MIN`] in magnitude.
    Number { start: usize, end: usize, tex: bool },
}

/// The scan state carried across the streams of one page.
pub(super) struct Scan<'f> {
    /// Whether a font resource name is simple (one byte per code); fonts
    /// not listed count as simple.
    fonts: &'f dyn Fn(&[u8]) -> FontClass,
    font: FontClass,
    saved: Vec<FontClass>,
    tokens: usize,
}

/// How text in a font is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FontClass {
    /// One byte per code: spaces are gaps.
    Simple,
    /// Multi-byte codes: only `TJ` numbers are gaps.
    Composite,
    /// Our own marking fonts: ignored entirely.
    Ours,
}

impl<'f> Scan<'f> {
    pub(super) fn new(fonts: &'f dyn Fn(&[u8]) -> FontClass) -> Self {
        Self {
            fonts,
            font: FontClass::Simple,
            saved: Vec::new(),
            tokens: 0,
        }
    }

    /// Scans one stream of the page.
    pub(super) fn stream(&mut self, data: &[u8], v: &mut dyn Visitor) {
        let mut lex = Lexer::new(data);
        let mut operands: Vec<Token> = Vec::new();
        while let Some(t) = lex.next_token() {
            self.tokens += 1;
            if self.tokens > MAX_TOKENS {
                return;
            }
            if !matches!(t.kind, Kind::Operator) {
                if operands.len() < 1 << 16 {
                    operands.push(t);
                }
                continue;
            }
            let op = data.get(t.start..t.end).unwrap_or_default();
            match op {
                b"ID" => lex.skip_inline_image(),
                b"q" if self.saved.len() < MAX_SAVE => self.saved.push(self.font),
                b"Q" => {
                    if let Some(f) = self.saved.pop() {
                        self.font = f;
                    }
                }
                b"Tf" => {
                    let name = operands.iter().rev().find_map(|o| match &o.kind {
                        Kind::Name(n) => Some(n.as_slice()),
                        _ => None,
                    });
                    if let Some(n) = name {
                        self.font = (self.fonts)(n);
                    }
                }
                b"BT" | b"ET" | b"Td" | b"TD" | b"Tm" | b"T*" => v.split(),
                b"Tj" | b"'" | b"\"" | b"TJ" => {
                    if op != b"Tj" && op != b"TJ" {
                        v.split();
                    }
                    if self.font != FontClass::Ours {
                        self.show(op, &t, &operands, v);
                    }
                }
                _ => {}
            }
            operands.clear();
        }
    }

    fn show(&self, op: &[u8], operator: &Token, operands: &[Token], v: &mut dyn Visitor) {
        let simple = self.font == FontClass::Simple;
        // The shown elements: for TJ the array's, else the last string.
        let elems: &[Token] = if op == b"TJ" {
            let open = operands.iter().position(|o| matches!(o.kind, Kind::Open));
            let close = operands.iter().rposition(|o| matches!(o.kind, Kind::Close));
            match (open, close) {
                (Some(a), Some(b)) if a < b => operands.get(a + 1..b).unwrap_or_default(),
                _ => return,
            }
        } else {
            match operands
                .iter()
                .rposition(|o| matches!(o.kind, Kind::Str { .. }))
            {
                Some(i) => operands.get(i..=i).unwrap_or_default(),
                None => return,
            }
        };
        v.show(op, operator, operands, false);
        // Whether an element after `i` shows a glyph (not a space).
        let mut glyph_later = vec![false; elems.len() + 1];
        for (i, e) in elems.iter().enumerate().rev() {
            let here = match &e.kind {
                Kind::Str { bytes, .. } => bytes.iter().any(|&b| !(simple && b == b' ')),
                _ => false,
            };
            glyph_later[i] = here || glyph_later[i + 1];
        }
        let shows_glyph_after = |i: usize, bytes: &[u8], from: usize| -> bool {
            bytes.iter().skip(from).any(|&b| !(simple && b == b' '))
                || glyph_later.get(i + 1).copied().unwrap_or(false)
        };
        // Whether the first element after element `i` that is not a
        // number is a string (a marked gap may be followed by a second,
        // compensating number).
        let string_after = |i: usize| {
            elems
                .iter()
                .skip(i + 1)
                .find(|e| !matches!(e.kind, Kind::Number(_)))
                .is_some_and(|e| matches!(e.kind, Kind::Str { .. }))
        };
        let mut prev_str: Option<&Vec<u8>> = None;
        for (i, e) in elems.iter().enumerate() {
            match &e.kind {
                Kind::Str { bytes, hex, spaces } => {
                    let mut sp = spaces.iter().peekable();
                    for (k, &b) in bytes.iter().enumerate() {
                        if simple && b == b' ' {
                            let site = sp.find(|s| s.0 == k).copied();
                            v.split();
                            let next_is_space = bytes.get(k + 1) == Some(&b' ');
                            if next_is_space || !shows_glyph_after(i, bytes, k + 1) {
                                continue;
                            }
                            let last = k + 1 == bytes.len();
                            let number = elems.get(i + 1).and_then(|n| match n.kind {
                                Kind::Number(x) => Some((x, n.start, n.end)),
                                _ => None,
                            });
                            let string_follows = string_after(i + 1);
                            match (last, number) {
                                (true, Some((x, start, end))) if string_follows => v.gap(
                                    Some(x),
                                    GapSite::Number {
                                        start,
                                        end,
                                        tex: false,
                                    },
                                ),
                                (true, Some(_)) => {}
                                (true, None) => v.gap(None, GapSite::After { after: e.end }),
                                (false, _) => {
                                    if let Some((_, after, splittable)) = site {
                                        v.gap(
                                            None,
                                            GapSite::Inside {
                                                after,
                                                hex: *hex,
                                                splittable,
                                            },
                                        );
                                    }
                                }
                            }
                        } else {
                            v.byte(b);
                        }
                    }
                    prev_str = Some(bytes);
                }
                Kind::Number(x) => {
                    let after_word =
                        prev_str.is_some_and(|s| s.last().is_some_and(|&l| !(simple && l == b' ')));
                    if x.abs() >= GAP_MIN && after_word && string_after(i) {
                        v.split();
                        v.gap(
                            Some(*x),
                            GapSite::Number {
                                start: e.start,
                                end: e.end,
                                tex: true,
                            },
                        );
                    }
                    prev_str = None;
                }
                _ => prev_str = None,
            }
        }
        v.show(op, operator, operands, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes_strings_numbers_and_operators() {
        let s = b"BT /F#31 12 Tf [(a b\\) c) -333 <61 2062>] TJ (x\\040y) ' ET";
        let mut lex = Lexer::new(s);
        let mut kinds = Vec::new();
        while let Some(t) = lex.next_token() {
            kinds.push(t.kind);
        }
        assert!(matches!(&kinds[1], Kind::Name(n) if n == b"F1"));
        assert!(matches!(kinds[2], Kind::Number(n) if n == 12.0));
        assert!(matches!(&kinds[5], Kind::Str { bytes, .. } if bytes == b"a b) c"));
        assert!(matches!(kinds[6], Kind::Number(n) if n == -333.0));
        assert!(
            matches!(&kinds[7], Kind::Str { bytes, hex: true, spaces } if bytes == b"a b" && spaces.len() == 1)
        );
        assert!(matches!(&kinds[10], Kind::Str { bytes, .. } if bytes == b"x y"));
        assert!(matches!(kinds[11], Kind::Operator));
    }

    #[test]
    fn lexer_survives_garbage() {
        for s in [
            &b"(((("[..],
            b"<",
            b"\\",
            b"(\\",
            b"/#",
            b"<<>>]]][[",
            b"ID",
            b"BI ID \xff\xfe",
        ] {
            let mut lex = Lexer::new(s);
            let mut n = 0;
            while lex.next_token().is_some() {
                n += 1;
                assert!(n < 100);
            }
        }
    }
}
