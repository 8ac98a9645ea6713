//! A small, self-contained PDF 1.4 writer for text-only documents.
//!
//! The demo needs real PDFs (the portal extracts their text, watermarks and
//! previews them) but no heavyweight dependency, so this module writes them
//! directly: the standard Type1 fonts Helvetica and Helvetica-Bold with
//! WinAnsiEncoding, A4 pages of at most [`LINES_PER_PAGE`] lines wrapped at
//! about [`CHARS_PER_LINE`] characters, and a correct cross-reference table.
//! Characters WinAnsi cannot represent are transliterated (Ł → L) or replaced
//! by `?`.

/// Maximum characters on one body line.
pub const CHARS_PER_LINE: usize = 90;
/// Maximum lines (of any style, blank lines included) on one page.
pub const LINES_PER_PAGE: usize = 50;

const PAGE_WIDTH: u32 = 595;
const PAGE_HEIGHT: u32 = 842;
const MARGIN_LEFT: u32 = 56;
const TOP_LINE_Y: u32 = 772;
const LEADING: u32 = 14;

/// How a block of text is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Document title: Helvetica-Bold 13 pt, wrapped at 60 characters.
    Title,
    /// Section heading: Helvetica-Bold 11 pt, wrapped at 75 characters.
    Heading,
    /// Body text: Helvetica 10 pt, wrapped at [`CHARS_PER_LINE`].
    Body,
    /// Like [`Style::Body`] but not followed by a blank line (list items,
    /// metadata rows).
    Line,
}

impl Style {
    fn font(self) -> (&'static str, u32, usize) {
        match self {
            Style::Title => ("F2", 13, 60),
            Style::Heading => ("F2", 11, 75),
            Style::Body | Style::Line => ("F1", 10, CHARS_PER_LINE),
        }
    }
}

/// Render `blocks` into a complete PDF file. Every block is wrapped and,
/// unless it is a [`Style::Line`] followed by another, followed by a blank
/// line; `running` (e.g. the marking) is printed at the
/// top of every page and `title` is stored in the document information.
pub fn render(title: &str, running: &str, blocks: &[(Style, String)]) -> Vec<u8> {
    let mut lines: Vec<(Style, Vec<u8>)> = Vec::new();
    for (i, (style, text)) in blocks.iter().enumerate() {
        let (_, _, width) = style.font();
        for line in wrap(&winansi_text(text), width) {
            lines.push((*style, encode(&line)));
        }
        let next_is_line = blocks.get(i + 1).is_some_and(|(s, _)| *s == Style::Line);
        if !(*style == Style::Line && next_is_line) {
            lines.push((Style::Body, Vec::new()));
        }
    }
    if lines.last().is_some_and(|(_, l)| l.is_empty()) {
        lines.pop();
    }
    let pages: Vec<&[(Style, Vec<u8>)]> = if lines.is_empty() {
        vec![&[]]
    } else {
        lines.chunks(LINES_PER_PAGE).collect()
    };

    let mut w = Writer::default();
    w.raw(b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");
    let page_count = pages.len();
    let kids: Vec<String> = (0..page_count)
        .map(|i| format!("{} 0 R", 6 + 2 * i))
        .collect();
    w.object(1, b"<< /Type /Catalog /Pages 2 0 R >>");
    w.object(
        2,
        format!(
            "<< /Type /Pages /Kids [{}] /Count {page_count} >>",
            kids.join(" ")
        )
        .as_bytes(),
    );
    for (id, base) in [(3, "Helvetica"), (4, "Helvetica-Bold")] {
        let font = format!(
            "<< /Type /Font /Subtype /Type1 /BaseFont /{base} /Encoding /WinAnsiEncoding >>"
        );
        w.object(id, font.as_bytes());
    }
    let mut info = b"<< /Title ".to_vec();
    info.extend(literal(&encode(&winansi_text(title))));
    info.extend(b" /Producer (Rampart demo generator) >>");
    w.object(5, &info);

    let running = encode(&winansi_text(running));
    for (i, page) in pages.iter().enumerate() {
        let page_id = 6 + 2 * i;
        let dict = format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] \
             /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
            page_id + 1
        );
        w.object(page_id, dict.as_bytes());
        let content = page_content(page, &running, i + 1, page_count);
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend(&content);
        stream.extend(b"\nendstream");
        w.object(page_id + 1, &stream);
    }
    w.finish(5 + 2 * page_count)
}

/// The content stream of one page.
fn page_content(lines: &[(Style, Vec<u8>)], running: &[u8], page: usize, pages: usize) -> Vec<u8> {
    let mut c = Vec::new();
    if !running.is_empty() {
        c.extend(format!("BT /F2 8 Tf {MARGIN_LEFT} 810 Td ").as_bytes());
        c.extend(literal(running));
        c.extend(b" Tj ET\n");
    }
    c.extend(
        format!("BT /F1 8 Tf {MARGIN_LEFT} 30 Td (Page {page} of {pages}) Tj ET\n").as_bytes(),
    );
    c.extend(format!("BT {LEADING} TL {MARGIN_LEFT} {TOP_LINE_Y} Td\n").as_bytes());
    let mut current = None;
    for (i, (style, text)) in lines.iter().enumerate() {
        if i > 0 {
            c.extend(b"T*\n");
        }
        if text.is_empty() {
            continue;
        }
        if current != Some(*style) {
            let (font, size, _) = style.font();
            c.extend(format!("/{font} {size} Tf\n").as_bytes());
            current = Some(*style);
        }
        c.extend(literal(text));
        c.extend(b" Tj\n");
    }
    c.extend(b"ET");
    c
}

/// Accumulates objects and their byte offsets.
#[derive(Default)]
struct Writer {
    out: Vec<u8>,
    offsets: Vec<(usize, usize)>,
}

impl Writer {
    fn raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    fn object(&mut self, id: usize, body: &[u8]) {
        self.offsets.push((id, self.out.len()));
        self.raw(format!("{id} 0 obj\n").as_bytes());
        self.raw(body);
        self.raw(b"\nendobj\n");
    }

    /// Append the xref table and trailer; `max_id` is the highest object number.
    fn finish(mut self, max_id: usize) -> Vec<u8> {
        let xref_at = self.out.len();
        let size = max_id + 1;
        let mut xref = format!("xref\n0 {size}\n0000000000 65535 f \n");
        for id in 1..=max_id {
            let offset = self
                .offsets
                .iter()
                .find(|(i, _)| *i == id)
                .map(|(_, o)| *o)
                .unwrap_or(0);
            xref.push_str(&format!("{offset:010} 00000 n \n"));
        }
        xref.push_str(&format!(
            "trailer\n<< /Size {size} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref_at}\n%%EOF\n"
        ));
        self.raw(xref.as_bytes());
        self.out
    }
}

/// A PDF literal string `( ... )` with `(`, `)` and `\` escaped.
fn literal(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 2);
    out.push(b'(');
    for &b in bytes {
        if matches!(b, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b')');
    out
}

/// Greedy word wrap at `width` characters; over-long words are split.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > width {
            if len > 0 {
                lines.push(std::mem::take(&mut line));
                len = 0;
            }
            let rest = word.split_off(width);
            lines.push(word.into_iter().collect());
            word = rest;
        }
        if len > 0 && len + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
            len = 0;
        }
        if len > 0 {
            line.push(' ');
            len += 1;
        }
        len += word.len();
        line.extend(word);
    }
    if len > 0 {
        lines.push(line);
    }
    lines
}

/// WinAnsi code of `c`, if it has one.
fn win_ansi(c: char) -> Option<u8> {
    const HIGH: &str = "€\u{81}‚ƒ„…†‡ˆ‰Š‹Œ\u{8D}Ž\u{8F}\u{90}‘’“”•–—˜™š›œ\u{9D}žŸ";
    match c as u32 {
        0x20..=0x7E | 0xA0..=0xFF => u8::try_from(c as u32).ok(),
        _ => HIGH
            .chars()
            .position(|h| h == c && !matches!(h as u32, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D))
            .and_then(|i| u8::try_from(0x80 + i).ok()),
    }
}

/// `s` as it will appear in the PDF: characters without a WinAnsi code are
/// transliterated to ASCII (or `?`), whitespace becomes a space.
pub fn winansi_text(s: &str) -> String {
    const FOLD: &[(&str, &str)] = &[
        ("ĀĂĄ", "A"),
        ("āăą", "a"),
        ("ĆĈĊČ", "C"),
        ("ćĉċč", "c"),
        ("Ď", "D"),
        ("ďđ", "d"),
        ("ĒĖĘĚ", "E"),
        ("ēėęě", "e"),
        ("ĞĢ", "G"),
        ("ğģ", "g"),
        ("ĪĮİ", "I"),
        ("īįı", "i"),
        ("Ķ", "K"),
        ("ķ", "k"),
        ("ĹĻĽŁ", "L"),
        ("ĺļľł", "l"),
        ("ŃŅŇ", "N"),
        ("ńņň", "n"),
        ("Ő", "O"),
        ("ő", "o"),
        ("ŔŘ", "R"),
        ("ŕř", "r"),
        ("ŚŞ", "S"),
        ("śş", "s"),
        ("ŢŤ", "T"),
        ("ţť", "t"),
        ("ŪŮŰŲ", "U"),
        ("ūůűų", "u"),
        ("ŹŻ", "Z"),
        ("źż", "z"),
        ("≥", ">="),
        ("≤", "<="),
        ("→", "->"),
        ("−", "-"),
        ("\u{2009}\u{202F}", " "),
    ];
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_whitespace() {
            out.push(' ');
        } else if win_ansi(c).is_some() {
            out.push(c);
        } else if let Some((_, to)) = FOLD.iter().find(|(from, _)| from.contains(c)) {
            out.push_str(to);
        } else {
            out.push('?');
        }
    }
    out
}

/// WinAnsi bytes of an already transliterated string.
fn encode(s: &str) -> Vec<u8> {
    s.chars().map(|c| win_ansi(c).unwrap_or(b'?')).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn wraps_at_width_without_losing_words() {
        let text = "word ".repeat(100);
        let lines = wrap(&text, CHARS_PER_LINE);
        assert!(lines.iter().all(|l| l.chars().count() <= CHARS_PER_LINE));
        assert_eq!(lines.join(" ").split_whitespace().count(), 100);
        let long = "x".repeat(200);
        assert_eq!(
            wrap(&long, 90),
            vec!["x".repeat(90), "x".repeat(90), "x".repeat(20)]
        );
    }

    #[test]
    fn transliterates_and_encodes() {
        assert_eq!(
            winansi_text("Łukasz Wiśniewski — Zürich"),
            "Lukasz Wisniewski — Zürich"
        );
        assert_eq!(encode("— € ü"), vec![0x97, b' ', 0x80, b' ', 0xFC]);
        assert_eq!(winansi_text("漢"), "?");
        assert_eq!(literal(b"a(b)c\\"), b"(a\\(b\\)c\\\\)".to_vec());
    }

    #[test]
    fn xref_offsets_point_at_objects() {
        let blocks: Vec<(Style, String)> = (0..120)
            .map(|i| {
                (
                    Style::Body,
                    format!("Paragraph {i} (with parentheses) and a \\ backslash."),
                )
            })
            .collect();
        let pdf = render("Test (title)", "NON-PUBLIC", &blocks);
        let text = String::from_utf8_lossy(&pdf).into_owned();
        assert!(text.starts_with("%PDF-1.4\n"));
        assert!(text.ends_with("%%EOF\n"));
        let startxref: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(pdf[startxref..].starts_with(b"xref\n"));
        let xref = std::str::from_utf8(&pdf[startxref..]).unwrap();
        let size: usize = xref
            .lines()
            .nth(1)
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        for (id, line) in xref.lines().skip(3).take(size - 1).enumerate() {
            assert_eq!(line.len(), 19, "entry {line:?}");
            let offset: usize = line[..10].parse().unwrap();
            let header = format!("{} 0 obj", id + 1);
            assert!(
                pdf[offset..].starts_with(header.as_bytes()),
                "object {}",
                id + 1
            );
        }
        // 240 lines at 50 a page.
        assert!(text.contains("/Count 5 "));
    }
}
