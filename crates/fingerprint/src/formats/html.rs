//! HTML: a small, careful tokenizer that finds the text between tags and
//! leaves every other byte alone.
//!
//! Why not a parser crate: html5ever and friends build a DOM and serialise it
//! again, which rewrites markup (attribute quoting, implied tags, entity
//! forms) and breaks the promise that markup is untouched; streaming rewriters
//! that do preserve bytes pull in a CSS-selector stack. Marking only needs the
//! byte ranges of text nodes, which the WHATWG tokenizer rules give with a few
//! states: comments, `<!...>`/`<?...>` declarations, CDATA, tags with quoted
//! attribute values (which may contain `>`), and raw-text elements (`script`,
//! `style`, `textarea`, `title`, ...) whose content is not markup at all.
//! A `<` that does not start a tag is text, as in the standard. Text inside
//! `pre`, `code`, `kbd`, `samp`, `tt` and `var` is seen but never edited;
//! entities are decoded for anchoring but never edited either.

use crate::model::TextModel;

const RAW_TEXT: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "plaintext",
];
const FROZEN: &[&str] = &["pre", "code", "kbd", "samp", "tt", "var", "listing"];
const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "dfn", "em", "font", "i", "kbd",
    "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u",
    "var", "wbr",
];

pub(super) fn model(src: &str) -> TextModel {
    let mut m = TextModel::default();
    let b = src.as_bytes();
    let mut i = 0;
    let mut frozen = 0usize;
    while i < b.len() {
        if b[i] != b'<' {
            let end = memchr_lt(b, i);
            text(&mut m, src, i, end, frozen > 0);
            i = end;
            continue;
        }
        let rest = &src[i..];
        if rest.starts_with("<!--") {
            i = find(src, i + 4, "-->").map_or(b.len(), |e| e + 3);
        } else if rest.starts_with("<![CDATA[") {
            i = find(src, i + 9, "]]>").map_or(b.len(), |e| e + 3);
        } else if rest.starts_with("<!") || rest.starts_with("<?") {
            i = find(src, i + 2, ">").map_or(b.len(), |e| e + 1);
        } else if let Some((name, end, closing)) = tag(b, i) {
            i = end;
            if !INLINE.contains(&name.as_str()) {
                m.push_break();
            }
            if FROZEN.contains(&name.as_str()) {
                frozen = if closing {
                    frozen.saturating_sub(1)
                } else {
                    frozen + 1
                };
            }
            if !closing && RAW_TEXT.contains(&name.as_str()) {
                i = raw_text_end(src, i, &name);
            }
        } else {
            // A lone '<' is text.
            let end = memchr_lt(b, i + 1);
            text(&mut m, src, i, end, frozen > 0);
            i = end;
        }
    }
    m
}

fn memchr_lt(b: &[u8], from: usize) -> usize {
    b[from..]
        .iter()
        .position(|&c| c == b'<')
        .map_or(b.len(), |p| from + p)
}

fn find(src: &str, from: usize, pat: &str) -> Option<usize> {
    src.get(from..)?.find(pat).map(|p| from + p)
}

/// Parses a start or end tag at `i` (which holds '<'): the lower-case name,
/// the offset after '>', and whether it is an end tag.
fn tag(b: &[u8], i: usize) -> Option<(String, usize, bool)> {
    let mut j = i + 1;
    let closing = b.get(j) == Some(&b'/');
    if closing {
        j += 1;
    }
    if !b.get(j)?.is_ascii_alphabetic() {
        return None;
    }
    let start = j;
    while j < b.len() && !matches!(b[j], b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>') {
        j += 1;
    }
    let name = String::from_utf8_lossy(&b[start..j]).to_ascii_lowercase();
    // Attributes: skip to the '>' that is not inside a quoted value.
    let mut quote = None;
    while j < b.len() {
        match (quote, b[j]) {
            (None, b'"' | b'\'') => quote = Some(b[j]),
            (Some(q), c) if c == q => quote = None,
            (None, b'>') => return Some((name, j + 1, closing)),
            _ => {}
        }
        j += 1;
    }
    Some((name, b.len(), closing))
}

/// The offset of the end tag closing a raw-text element opened before `from`.
fn raw_text_end(src: &str, from: usize, name: &str) -> usize {
    let lower = src[from..].to_ascii_lowercase();
    let pat = format!("</{name}");
    let mut at = 0;
    while let Some(p) = lower[at..].find(&pat) {
        let after = lower.as_bytes().get(at + p + pat.len()).copied();
        if after.is_none_or(|c| matches!(c, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>')) {
            return from + at + p;
        }
        at += p + pat.len();
    }
    src.len()
}

/// Adds the text node `src[start..end]`: literal runs editable (unless
/// frozen), entities as fixed decoded text.
fn text(m: &mut TextModel, src: &str, start: usize, end: usize, frozen: bool) {
    let node = &src[start..end];
    let mut lit = 0;
    let mut k = 0;
    while let Some(p) = node[k..].find('&') {
        let amp = k + p;
        if let Some((decoded, len)) = entity(&node[amp..]) {
            push(m, &node[lit..amp], start + lit, frozen);
            m.push_fixed(&decoded);
            lit = amp + len;
            k = lit;
        } else {
            k = amp + 1;
        }
    }
    push(m, &node[lit..], start + lit, frozen);
}

fn push(m: &mut TextModel, s: &str, at: usize, frozen: bool) {
    if frozen {
        m.push_fixed(s);
    } else {
        m.push_editable(s, at);
    }
}

/// Decodes a character reference at the start of `s`: (text, bytes used).
fn entity(s: &str) -> Option<(String, usize)> {
    let semi = s.get(..40.min(s.len()))?.find(';')?;
    let body = &s[1..semi];
    let c = if let Some(num) = body.strip_prefix('#') {
        let v = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        char::from_u32(v)?
    } else {
        match body {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => '\u{00A0}',
            "ndash" => '\u{2013}',
            "mdash" => '\u{2014}',
            "lsquo" => '\u{2018}',
            "rsquo" => '\u{2019}',
            "ldquo" => '\u{201C}',
            "rdquo" => '\u{201D}',
            "hellip" => '\u{2026}',
            "copy" => '\u{00A9}',
            "reg" => '\u{00AE}',
            _ => return None,
        }
    };
    Some((c.to_string(), semi + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_text_skips_markup_and_raw_text() {
        let html = "<html><head><title>T &amp; x</title><style>p{a:b}</style></head>\
            <body><p class=\"a>b\">Hello <b>big</b> world &amp; more</p><!-- c -->\
            <pre>code here</pre><script>if (a<b) x()</script><p>end</p></body></html>";
        let m = model(html);
        assert_eq!(
            m.visible.split_whitespace().collect::<Vec<_>>().join(" "),
            "Hello big world & more code here end"
        );
    }
}
