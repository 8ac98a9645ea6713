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

use super::lex::{Kind, Lexer, Token};

/// Smallest `TJ` number (in magnitude, thousandths of text space) that
/// separates two words.
pub(super) const GAP_MIN: f64 = 150.0;
/// Tokens scanned per page at most (a hostile stream is cut off there).
pub(super) const MAX_TOKENS: usize = 4_000_000;
/// Nesting of `q`/`Q` followed for the current font.
const MAX_SAVE: usize = 64;

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
    /// The class of a font resource name.
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
            // Before any `Tf` (invalid) the font is unknown: treated as
            // composite, so no string is ever split inside a code.
            font: FontClass::Composite,
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
