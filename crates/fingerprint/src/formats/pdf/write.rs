//! Writing the incremental update: serialising PDF objects, the fonts and
//! content streams we add, and the cross-reference section (a classic table
//! or a cross-reference stream, matching the original's last section) with a
//! trailer whose `/Prev` points at the original's.

use std::io::Write;

use lopdf::{Object, StringFormat};

/// A TrueType font program with `glyphs` empty glyphs (no outlines), for
/// the invisible layer. Embedding it gives every code a glyph of its own
/// (`/CIDToGIDMap /Identity`): with a substituted system font instead,
/// Ghostscript's pdfwrite drops the codes that font has no glyph for —
/// zero-width characters among them, which carry watermark bits. Tables:
/// the ones a TrueType rasteriser needs (`head`, `hhea`, `maxp`, `loca`,
/// `glyf`, `hmtx`) and `post`; advances come from the PDF's `/W` array.
pub(super) fn blank_truetype(glyphs: u16) -> Vec<u8> {
    let n = usize::from(glyphs.max(1));
    let be16 = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_be_bytes());
    let be32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_be_bytes());
    let mut head = Vec::with_capacity(54);
    be32(&mut head, 0x0001_0000); // version
    be32(&mut head, 0x0001_0000); // fontRevision
    be32(&mut head, 0); // checkSumAdjustment, set below
    be32(&mut head, 0x5F0F_3CF5); // magicNumber
    be16(&mut head, 0x0003); // flags: baseline and lsb at 0
    be16(&mut head, 1000); // unitsPerEm
    head.extend_from_slice(&[0; 16]); // created, modified
    head.extend_from_slice(&[0; 8]); // bounding box
    be16(&mut head, 0); // macStyle
    be16(&mut head, 8); // lowestRecPPEM
    be16(&mut head, 2); // fontDirectionHint
    be16(&mut head, 0); // indexToLocFormat: short
    be16(&mut head, 0); // glyphDataFormat
    let mut hhea = Vec::with_capacity(36);
    be32(&mut hhea, 0x0001_0000);
    be16(&mut hhea, 800); // ascender
    be16(&mut hhea, (-200i16) as u16); // descender
    be16(&mut hhea, 0); // lineGap
    be16(&mut hhea, 500); // advanceWidthMax
    hhea.extend_from_slice(&[0; 6]); // min lsb, min rsb, xMaxExtent
    be16(&mut hhea, 1); // caretSlopeRise
    hhea.extend_from_slice(&[0; 4 + 8 + 2]); // run, offset, reserved, format
    be16(&mut hhea, 1); // numberOfHMetrics
    let mut maxp = Vec::with_capacity(32);
    be32(&mut maxp, 0x0001_0000);
    be16(&mut maxp, n as u16);
    maxp.extend_from_slice(&[0; 8]); // points, contours, composite points/contours
    be16(&mut maxp, 2); // maxZones
    maxp.extend_from_slice(&[0; 16]);
    let mut hmtx = Vec::with_capacity(2 + 2 * n);
    be16(&mut hmtx, 500);
    hmtx.resize(2 + 2 * n, 0);
    let loca = vec![0u8; 2 * (n + 1)];
    let mut post = Vec::with_capacity(32);
    be32(&mut post, 0x0003_0000);
    post.resize(32, 0);
    let tables: [(&[u8; 4], &[u8]); 7] = [
        (b"glyf", &[]),
        (b"head", &head),
        (b"hhea", &hhea),
        (b"hmtx", &hmtx),
        (b"loca", &loca),
        (b"maxp", &maxp),
        (b"post", &post),
    ];
    let checksum = |data: &[u8]| -> u32 {
        data.chunks(4).fold(0u32, |acc, c| {
            let mut w = [0u8; 4];
            w[..c.len()].copy_from_slice(c);
            acc.wrapping_add(u32::from_be_bytes(w))
        })
    };
    let count = tables.len() as u16;
    let mut out = Vec::new();
    be32(&mut out, 0x0001_0000);
    be16(&mut out, count);
    be16(&mut out, 64); // searchRange: 16 · 2^floor(log2 7)
    be16(&mut out, 2); // entrySelector
    be16(&mut out, count * 16 - 64); // rangeShift
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = 0;
    for (tag, data) in &tables {
        out.extend_from_slice(*tag);
        be32(&mut out, checksum(data));
        be32(&mut out, offset as u32);
        be32(&mut out, data.len() as u32);
        if *tag == b"head" {
            head_at = offset;
        }
        offset += data.len().div_ceil(4) * 4;
    }
    for (_, data) in &tables {
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(4) * 4, 0);
    }
    let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
    out[head_at + 8..head_at + 12].copy_from_slice(&adjust.to_be_bytes());
    out
}

/// Serialises a direct object. Streams never occur as direct objects; one
/// found anyway is written as `null` rather than corrupting the file.
pub(super) fn object(out: &mut Vec<u8>, o: &Object) {
    match o {
        Object::Null | Object::Stream(_) => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => real(out, f64::from(*r)),
        Object::Name(n) => name(out, n),
        Object::String(s, StringFormat::Hexadecimal) => hex_string(out, s),
        Object::String(s, StringFormat::Literal) => literal(out, s),
        Object::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                object(out, x);
            }
            out.push(b']');
        }
        Object::Dictionary(d) => {
            out.extend_from_slice(b"<<");
            for (k, v) in d.iter() {
                name(out, k);
                out.push(b' ');
                object(out, v);
            }
            out.extend_from_slice(b">>");
        }
        Object::Reference((id, gen)) => {
            let _ = write!(out, "{id} {gen} R");
        }
    }
}

/// A real number without exponent notation (PDF has none).
pub(super) fn real(out: &mut Vec<u8>, r: f64) {
    let r = if r.is_finite() { r } else { 0.0 };
    let s = format!("{r:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    out.extend_from_slice(if s.is_empty() || s == "-" { "0" } else { s }.as_bytes());
}

/// A name, `#xx`-escaping delimiters and bytes outside `!`..`~`.
pub(super) fn name(out: &mut Vec<u8>, n: &[u8]) {
    out.push(b'/');
    for &b in n {
        if (0x21..=0x7e).contains(&b) && !b"#()<>[]{}/%".contains(&b) {
            out.push(b);
        } else {
            let _ = write!(out, "#{b:02X}");
        }
    }
}

/// A literal string, escaping parentheses, backslashes and non-printables.
pub(super) fn literal(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'(');
    for &b in s {
        match b {
            b'(' | b')' | b'\\' => {
                out.push(b'\\');
                out.push(b);
            }
            0x20..=0x7e => out.push(b),
            _ => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out.push(b')');
}

/// A hexadecimal string.
pub(super) fn hex_string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'<');
    for b in s {
        let _ = write!(out, "{b:02X}");
    }
    out.push(b'>');
}

/// `n 0 obj` + stream with `dict_extra` entries, Flate-compressed when that
/// helps.
pub(super) fn stream(out: &mut Vec<u8>, dict_extra: &str, data: &[u8], compress: bool) {
    let packed;
    let (body, filter) = if compress && data.len() > 64 {
        packed = deflate(data);
        (&packed[..], " /Filter /FlateDecode")
    } else {
        (data, "")
    };
    let _ = write!(
        out,
        "<<{dict_extra} /Length {}{filter}>>\nstream\n",
        body.len()
    );
    out.extend_from_slice(body);
    out.extend_from_slice(b"\nendstream");
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(data.len() / 3 + 16),
        flate2::Compression::fast(),
    );
    // Writing into a Vec cannot fail.
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

/// The shared font objects: `[visible, invisible, descendant, descriptor,
/// to-unicode]` bodies (without `n 0 obj`), given the object numbers of the
/// last three and the characters (beyond U+04FF) the text layer uses.
pub(super) fn fonts(
    descendant: u32,
    descriptor: u32,
    to_unicode: u32,
    font_file: u32,
    extra: &std::collections::BTreeSet<char>,
) -> [Vec<u8>; 6] {
    let visible =
        b"<</Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding>>".to_vec();
    let invisible = format!(
        "<</Type /Font /Subtype /Type0 /BaseFont /RampartLayer /Encoding /Identity-H \
         /DescendantFonts [{descendant} 0 R] /ToUnicode {to_unicode} 0 R>>"
    )
    .into_bytes();
    let cid = format!(
        "<</Type /Font /Subtype /CIDFontType2 /BaseFont /RampartLayer \
         /CIDSystemInfo <</Registry (Adobe) /Ordering (Identity) /Supplement 0>> \
         /FontDescriptor {descriptor} 0 R /DW 500 \
         /W [32 [250] 160 [250] 8192 8202 250 8203 8205 0 8239 [250]] /CIDToGIDMap /Identity>>"
    )
    .into_bytes();
    let desc = format!(
        "<</Type /FontDescriptor /FontName /RampartLayer /Flags 4 \
         /FontBBox [0 0 0 0] /ItalicAngle 0 /Ascent 800 /Descent -200 \
         /CapHeight 700 /StemV 80 /FontFile2 {font_file} 0 R>>"
    )
    .into_bytes();
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    // One bfrange per high byte for the Latin ranges (a range may only vary
    // in its last byte); Ghostscript's pdfwrite misreads ranges outside the
    // first 256 codes, so every other character in use gets a bfchar entry.
    let highs: Vec<u32> = (0..=0x04u32).collect();
    cmap.push_str(&format!("{} beginbfrange\n", highs.len()));
    for h in &highs {
        cmap.push_str(&format!("<{h:02X}00> <{h:02X}FF> <{h:02X}00>\n"));
    }
    cmap.push_str("endbfrange\n");
    let singles: Vec<u32> = extra
        .iter()
        .map(|&c| c as u32)
        .filter(|&c| c > 0x04FF && c <= 0xFFFF)
        .collect();
    for chunk in singles.chunks(100) {
        cmap.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for c in chunk {
            cmap.push_str(&format!("<{c:04X}> <{c:04X}>\n"));
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    let mut tu = Vec::new();
    stream(&mut tu, "", cmap.as_bytes(), true);
    // One glyph per code up to the highest in use (the layer writes BMP
    // characters only).
    let highest = extra
        .iter()
        .map(|&c| c as u32)
        .filter(|&c| c < 0xFFFF)
        .max()
        .unwrap_or(0x7F)
        .max(0x04FF);
    let program = blank_truetype(u16::try_from(highest + 1).unwrap_or(u16::MAX));
    let mut file = Vec::new();
    stream(
        &mut file,
        &format!(" /Length1 {}", program.len()),
        &program,
        true,
    );
    [visible, invisible, cid, desc, tu, file]
}

/// Encodes a marking line in WinAnsiEncoding (characters it lacks become `?`).
pub(super) fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{ff}' => c as u8,
            '\u{2014}' => 0x97,
            '\u{2013}' => 0x96,
            '\u{2018}' => 0x91,
            '\u{2019}' => 0x92,
            '\u{201C}' => 0x93,
            '\u{201D}' => 0x94,
            '\u{2022}' => 0x95,
            '\u{2026}' => 0x85,
            '\u{20AC}' => 0x80,
            _ => b'?',
        })
        .collect()
}

/// Appends the cross-reference section for `entries` (object number, byte
/// offset, generation) and the trailer. `trailer` holds the trailer
/// entries except `/Size` and `/Prev`; `size` is the new `/Size` before the
/// cross-reference stream itself (which takes number `size` when used).
pub(super) fn xref_and_trailer(
    out: &mut Vec<u8>,
    base: usize,
    mut entries: Vec<(u32, usize, u16)>,
    trailer: &str,
    size: u32,
    prev: usize,
    as_stream: bool,
) {
    let start = base + out.len();
    if as_stream {
        entries.push((size, start, 0));
        entries.sort_unstable();
        let width = (usize::BITS - start.leading_zeros()).div_ceil(8).max(1) as usize;
        let mut data = Vec::with_capacity(entries.len() * (width + 3));
        for &(_, off, gen) in &entries {
            data.push(1u8);
            data.extend_from_slice(&(off as u64).to_be_bytes()[8 - width..]);
            data.extend_from_slice(&gen.to_be_bytes());
        }
        let index: Vec<String> = runs(&entries)
            .iter()
            .map(|(a, n)| format!("{a} {n}"))
            .collect();
        let _ = writeln!(out, "{size} 0 obj");
        let extra = format!(
            " /Type /XRef /Size {} /Index [{}] /W [1 {width} 2] /Prev {prev}{trailer}",
            size + 1,
            index.join(" ")
        );
        stream(out, &extra, &data, false);
        out.extend_from_slice(b"\nendobj\n");
    } else {
        entries.sort_unstable();
        out.extend_from_slice(b"xref\n");
        let mut i = 0;
        for (first, n) in runs(&entries) {
            let _ = writeln!(out, "{first} {n}");
            for &(_, off, gen) in &entries[i..i + n as usize] {
                let _ = write!(out, "{off:010} {gen:05} n\r\n");
            }
            i += n as usize;
        }
        let _ = write!(out, "trailer\n<</Size {size} /Prev {prev}{trailer}>>\n");
    }
    let _ = write!(out, "startxref\n{start}\n%%EOF\n");
}

/// Runs of consecutive object numbers: (first, count).
fn runs(entries: &[(u32, usize, u16)]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for &(id, _, _) in entries {
        match out.last_mut() {
            Some((first, n)) if *first + *n == id => *n += 1,
            _ => out.push((id, 1)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_objects() {
        let mut d = lopdf::Dictionary::new();
        d.set("A b", Object::string_literal("x(y)\\\n"));
        d.set("R", Object::Reference((3, 0)));
        d.set("N", Object::Real(0.5));
        let mut out = Vec::new();
        object(&mut out, &Object::Dictionary(d));
        assert_eq!(
            out,
            b"<</A#20b (x\\(y\\)\\\\\\012)/R 3 0 R/N 0.5>>".to_vec()
        );
        assert_eq!(
            runs(&[(3, 0, 0), (4, 0, 0), (7, 0, 0)]),
            vec![(3, 2), (7, 1)]
        );
        assert_eq!(win_ansi("a\u{2014}é\u{4e00}"), vec![b'a', 0x97, 0xe9, b'?']);
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn blank_font_is_a_consistent_truetype_program() {
        let font = blank_truetype(0x2064);
        let u16_at = |i: usize| u16::from_be_bytes([font[i], font[i + 1]]);
        let u32_at =
            |i: usize| u32::from_be_bytes([font[i], font[i + 1], font[i + 2], font[i + 3]]);
        assert_eq!(u32_at(0), 0x0001_0000);
        let tables = usize::from(u16_at(4));
        let mut by_tag = std::collections::HashMap::new();
        let mut last = [0u8; 4];
        for t in 0..tables {
            let rec = 12 + 16 * t;
            let tag: [u8; 4] = font[rec..rec + 4].try_into().unwrap();
            assert!(tag > last, "tables sorted by tag");
            last = tag;
            let (off, len) = (u32_at(rec + 8) as usize, u32_at(rec + 12) as usize);
            assert!(off % 4 == 0 && off + len <= font.len());
            let mut data = font[off..off + len].to_vec();
            if &tag == b"head" {
                data[8..12].fill(0); // its checksum is taken with the adjustment zeroed
            }
            data.resize(len.div_ceil(4) * 4, 0);
            let sum = data.chunks(4).fold(0u32, |a, c| {
                a.wrapping_add(u32::from_be_bytes(c.try_into().unwrap()))
            });
            assert_eq!(sum, u32_at(rec + 4), "{}", String::from_utf8_lossy(&tag));
            by_tag.insert(tag, (off, len));
        }
        // The whole file sums to the magic constant.
        let total = font.chunks(4).fold(0u32, |a, c| {
            let mut w = [0u8; 4];
            w[..c.len()].copy_from_slice(c);
            a.wrapping_add(u32::from_be_bytes(w))
        });
        assert_eq!(total, 0xB1B0_AFBA);
        let (maxp, _) = by_tag[b"maxp"];
        assert_eq!(u16_at(maxp + 4), 0x2064, "numGlyphs");
        assert_eq!(by_tag[b"loca"].1, 2 * (0x2064 + 1));
        assert_eq!(by_tag[b"hmtx"].1, 4 + 2 * (0x2064 - 1));
    }
}
