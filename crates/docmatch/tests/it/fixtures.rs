//! Tiny documents built in memory: DOCX, ODT, PDF.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

fn zip(members: &[(&str, &[u8], CompressionMethod)]) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data, method) in members {
        w.start_file(
            *name,
            SimpleFileOptions::default().compression_method(*method),
        )
        .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A DOCX whose body has one paragraph per entry of `paragraphs`, plus a
/// header part (which extraction must skip).
pub fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let mut body = String::new();
    for p in paragraphs {
        // Split each paragraph into two runs to test run concatenation.
        let mid = p
            .char_indices()
            .nth(p.chars().count() / 2)
            .map_or(0, |(i, _)| i);
        body.push_str(&format!(
            "<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r><w:r><w:t>{}</w:t></w:r></w:p>",
            xml_escape(&p[..mid]),
            xml_escape(&p[mid..])
        ));
    }
    body.push_str("<w:p><w:r><w:delText>deleted words</w:delText></w:r></w:p>");
    let doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let types = "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";
    let header = "<w:hdr xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:p><w:r><w:t>Issued to alice@example.org</w:t></w:r></w:p></w:hdr>";
    zip(&[
        (
            "[Content_Types].xml",
            types.as_bytes(),
            CompressionMethod::Deflated,
        ),
        (
            "word/document.xml",
            doc.as_bytes(),
            CompressionMethod::Deflated,
        ),
        (
            "word/header1.xml",
            header.as_bytes(),
            CompressionMethod::Deflated,
        ),
    ])
}

/// An ODT with the given paragraphs (ODF requires `mimetype` first, stored).
pub fn odt(paragraphs: &[&str]) -> Vec<u8> {
    let mut body = String::new();
    for p in paragraphs {
        let escaped = xml_escape(p).replacen(' ', "<text:s text:c=\"1\"/>", 1);
        body.push_str(&format!("<text:p>{escaped}</text:p>"));
    }
    body.push_str("<office:annotation><text:p>a reviewer comment</text:p></office:annotation>");
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body><office:text>{body}</office:text></office:body></office:document-content>"
    );
    zip(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.text",
            CompressionMethod::Stored,
        ),
        (
            "content.xml",
            content.as_bytes(),
            CompressionMethod::Deflated,
        ),
    ])
}

/// A DOCX whose document.xml is a deflate bomb (huge run of one byte).
pub fn docx_bomb(uncompressed: usize) -> Vec<u8> {
    let mut doc = b"<w:document><w:body><w:p><w:r><w:t>".to_vec();
    doc.resize(uncompressed, b'a');
    zip(&[("word/document.xml", &doc, CompressionMethod::Deflated)])
}

fn pdf_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('(', "\\(")
        .replace(')', "\\)")
}

/// A minimal valid one-page PDF showing `lines` in Helvetica.
pub fn pdf(lines: &[&str]) -> Vec<u8> {
    let mut content = String::from("BT /F1 12 Tf 72 760 Td 14 TL\n");
    for l in lines {
        content.push_str(&format!("({}) Tj T*\n", pdf_escape(l)));
    }
    content.push_str("ET");
    one_page_pdf(&content)
}

/// The same page, set as Ghostscript sets lines: the first with `Tj`, the
/// others with `'` (next line and show) and the last with `"` (spacing,
/// next line and show).
pub fn pdf_with_quote_operators(lines: &[&str]) -> Vec<u8> {
    let mut content = String::from("BT /F1 12 Tf 72 760 Td 14 TL\n");
    for (i, l) in lines.iter().enumerate() {
        let text = format!("({})", pdf_escape(l));
        content.push_str(&match i {
            0 => format!("{text} Tj\n"),
            i if i + 1 == lines.len() => format!("0.5 0 {text} \"\n"),
            _ => format!("{text}'\n"),
        });
    }
    content.push_str("ET");
    one_page_pdf(&content)
}

/// Lines set with `'` as Ghostscript sets them, on a page that also draws
/// an inline image with a filter (lopdf parses it into a bare `BI`), and
/// a bullet in ZapfDingbats named without `/Widths`, as Ghostscript names
/// the standard fonts.
pub fn pdf_as_ghostscript_writes(lines: &[&str]) -> Vec<u8> {
    let mut content =
        String::from("q 10 0 0 10 72 700 cm BI /W 2 /H 1 /BPC 8 /CS /G /F /AHx ID 00FF> EI Q\n");
    content.push_str("BT /F2 12 Tf 60 774 Td (l) Tj ET\n");
    content.push_str("BT /F1 12 Tf 72 760 Td 14 TL\n");
    for (i, l) in lines.iter().enumerate() {
        let text = format!("({})", pdf_escape(l));
        content.push_str(&if i == 0 {
            format!("{text} Tj\n")
        } else {
            format!("{text}'\n")
        });
    }
    content.push_str("ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /ZapfDingbats /Encoding /WinAnsiEncoding >>".to_owned(),
    ];
    pdf_file(&objects)
}

fn one_page_pdf(content: &str) -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned(),
    ];
    pdf_file(&objects)
}

/// The objects as a PDF file: numbered from 1, with a classic
/// cross-reference table; the first object is the catalog.
fn pdf_file(objects: &[String]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A two-page PDF whose second page uses a font with a ToUnicode map that
/// `pdf-extract`'s CMap parser cannot parse (a destination left open), so
/// it panics: the first page reads, the second does not.
pub fn pdf_with_a_broken_second_page(first: &str, second: &str) -> Vec<u8> {
    pdf_with_a_second_page_map(first, second, "<20> <7E> <0020")
}

/// The same two pages, the second page's font mapped by one `bfrange`
/// entry `range` (codes 0x20–0x7E).
pub fn pdf_with_a_second_page_map(first: &str, second: &str, range: &str) -> Vec<u8> {
    two_page_pdf(first, second, range, "/BaseFont /Helvetica")
}

/// The same two pages, the second page's font with widths of its own and
/// no encoding (as TeX's CFF fonts are), its map covering codes 0x20–0x5A
/// only: its lower-case letters are in neither.
pub fn pdf_with_a_partly_mapped_second_page(first: &str, second: &str) -> Vec<u8> {
    let widths = vec!["500"; 95].join(" ");
    two_page_pdf(
        first,
        second,
        "<20> <5A> <0020>",
        &format!("/BaseFont /CMSS10 /FirstChar 32 /LastChar 126 /Widths [{widths}]"),
    )
}

fn two_page_pdf(first: &str, second: &str, range: &str, second_font: &str) -> Vec<u8> {
    let page = |font: &str, text: &str| {
        let c = format!("BT /{font} 12 Tf 72 760 Td ({}) Tj ET", pdf_escape(text));
        format!("<< /Length {} >>\nstream\n{c}\nendstream", c.len())
    };
    let cmap = format!("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n1 begincodespacerange <00> <FF> endcodespacerange\n1 beginbfrange {range} endbfrange\nendcmap CMapName currentdict /CMap defineresource pop end end");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 7 0 R >> >> /Contents 5 0 R >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F2 8 0 R >> >> /Contents 6 0 R >>".to_owned(),
        page("F1", first),
        page("F2", second),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned(),
        format!("<< /Type /Font /Subtype /Type1 {second_font} /ToUnicode 9 0 R >>"),
        format!("<< /Length {} >>\nstream\n{cmap}\nendstream", cmap.len()),
    ];
    pdf_file(&objects)
}
