//! Lexing of PDF content streams for the word-spacing channel: strings
//! (literal and hex, with where each space byte can be split), numbers,
//! names, array brackets and operators, each with its byte range, so that
//! a mark can rewrite a stream by splicing at those ranges. Anything else
//! (dictionaries, inline image data) is passed over. Every loop is bounded
//! by the input length.

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
