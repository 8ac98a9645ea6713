//! Shared helpers for the integration tests: a deterministic RNG, the test
//! documents, the colluders' mixing attacks and the leak transformations.
#![allow(dead_code)]

use rampart_fingerprint::{
    AccountId, DownloadId, Fingerprinter, Mark, Params, ServerSecret, VersionId,
};
use unicode_normalization::UnicodeNormalization;

/// One accusation's outcome: whether a colluder was caught, and how many
/// innocent accounts were accused.
pub fn outcome(acc: &rampart_fingerprint::Accusation, guilty: &[AccountId]) -> (bool, usize) {
    let caught = acc.accused().any(|s| guilty.contains(&s.account));
    let innocents = acc
        .accused()
        .filter(|s| !guilty.contains(&s.account))
        .count();
    (caught, innocents)
}

/// xorshift64*: deterministic, dependency-free.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

pub fn fingerprinter() -> Fingerprinter {
    Fingerprinter::new(&ServerSecret::new([42u8; 32]), Params::default()).unwrap()
}

pub fn version(n: u8) -> VersionId {
    VersionId {
        document: [n; 16],
        version: 1,
    }
}

pub fn mark(account: i64, v: VersionId, salt: u8) -> Mark {
    let mut d = [salt; 16];
    d[..8].copy_from_slice(&account.to_le_bytes());
    Mark {
        account: AccountId(account),
        download: DownloadId(d),
        version: v,
    }
}

/// ~3000 words of real English: the GPL-2 as shipped by Debian (fallback:
/// the GPL-3, then the Apache licence).
pub fn document() -> String {
    for p in ["GPL-2", "GPL-3", "Apache-2.0"] {
        if let Ok(s) = std::fs::read_to_string(format!("/usr/share/common-licenses/{p}")) {
            return s;
        }
    }
    panic!("no licence text under /usr/share/common-licenses");
}

/// The document split into `n` shorter files at paragraph boundaries.
pub fn files(n: usize) -> Vec<String> {
    let doc = document();
    let paras: Vec<&str> = doc.split("\n\n").collect();
    let per = paras.len().div_ceil(n);
    paras.chunks(per).map(|c| c.join("\n\n")).collect()
}

/// A simple HTML rendering of a text (paragraphs, escaped).
pub fn to_html(text: &str) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html><head><title>Licence</title>\n<style>p { margin: 1em }</style></head>\n<body>\n");
    for p in text.split("\n\n") {
        let esc = p
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        out.push_str("<p class=\"para\">");
        out.push_str(&esc);
        out.push_str("</p>\n\n");
    }
    out.push_str("<pre>fn main() { println!(\"don't touch\") }</pre>\n</body></html>\n");
    out
}

/// HTML to text by dropping tags and decoding the basic entities.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => in_tag = true,
            (true, '>') => in_tag = false,
            (false, c) => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Alternating whitespace / non-whitespace runs; copies of one document
/// marked for different accounts have the same runs in the same order.
pub fn units(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut ws = None;
    for (i, c) in text.char_indices() {
        let w = c.is_whitespace();
        if ws.is_some_and(|x| x != w) {
            out.push(&text[start..i]);
            start = i;
        }
        ws = Some(w);
    }
    out.push(&text[start..]);
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attack {
    /// Paragraph i comes from colluder i mod c.
    Interleave,
    /// Each unit is the most frequent among the copies (ties at random).
    Majority,
    /// Each unit comes from a random copy.
    Random,
}

pub const ATTACKS: [Attack; 3] = [Attack::Interleave, Attack::Majority, Attack::Random];

pub fn collude(copies: &[String], attack: Attack, rng: &mut Rng) -> String {
    if copies.len() == 1 {
        return copies[0].clone();
    }
    match attack {
        Attack::Interleave => {
            let split: Vec<Vec<&str>> = copies.iter().map(|c| c.split("\n\n").collect()).collect();
            let n = split[0].len();
            (0..n)
                .map(|i| split[i % copies.len()][i])
                .collect::<Vec<_>>()
                .join("\n\n")
        }
        Attack::Majority | Attack::Random => {
            let u: Vec<Vec<&str>> = copies.iter().map(|c| units(c)).collect();
            assert!(
                u.iter().all(|x| x.len() == u[0].len()),
                "copies do not align"
            );
            let mut out = String::new();
            for i in 0..u[0].len() {
                let pick = if attack == Attack::Random {
                    rng.below(copies.len())
                } else {
                    let counts: Vec<usize> = (0..copies.len())
                        .map(|k| u.iter().filter(|x| x[i] == u[k][i]).count())
                        .collect();
                    let best = *counts.iter().max().unwrap();
                    let ties: Vec<usize> =
                        (0..copies.len()).filter(|&k| counts[k] == best).collect();
                    ties[rng.below(ties.len())]
                };
                out.push_str(u[pick][i]);
            }
            out
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leak {
    AsIs,
    Nfc,
    Nfkc,
    /// Runs of ASCII whitespace collapsed to one space (HTML rendering, `tr -s`).
    CollapseAscii,
    /// Every Unicode whitespace run replaced by one space (kills the space channel).
    CollapseUnicode,
    /// A random contiguous 25 % of the paragraphs.
    Excerpt25,
    ShuffleParagraphs,
}

pub const LEAKS: [Leak; 7] = [
    Leak::AsIs,
    Leak::Nfc,
    Leak::Nfkc,
    Leak::CollapseAscii,
    Leak::CollapseUnicode,
    Leak::Excerpt25,
    Leak::ShuffleParagraphs,
];

pub fn leak(text: &str, how: Leak, rng: &mut Rng) -> String {
    match how {
        Leak::AsIs => text.to_string(),
        Leak::Nfc => text.nfc().collect(),
        Leak::Nfkc => text.nfkc().collect(),
        Leak::CollapseAscii => {
            let mut out = String::new();
            let mut prev = false;
            for c in text.chars() {
                let w = matches!(c, ' ' | '\t' | '\n' | '\r');
                if !(w && prev) {
                    out.push(if w { ' ' } else { c });
                }
                prev = w;
            }
            out
        }
        Leak::CollapseUnicode => text.split_whitespace().collect::<Vec<_>>().join(" "),
        Leak::Excerpt25 => {
            let paras: Vec<&str> = text.split("\n\n").collect();
            let total: usize = paras.iter().map(|p| p.len()).sum();
            let start = rng.below(paras.len());
            let mut out = Vec::new();
            let mut len = 0;
            let mut i = start;
            while len * 4 < total {
                out.push(paras[i % paras.len()]);
                len += paras[i % paras.len()].len();
                i += 1;
            }
            out.join("\n\n")
        }
        Leak::ShuffleParagraphs => {
            let mut paras: Vec<&str> = text.split("\n\n").collect();
            for i in (1..paras.len()).rev() {
                paras.swap(i, rng.below(i + 1));
            }
            paras.join("\n\n")
        }
    }
}

/// Innocent accounts: ids 1_000_000.. (colluders use small ids).
pub fn innocents(n: usize) -> Vec<AccountId> {
    (0..n as i64).map(|i| AccountId(1_000_000 + i)).collect()
}

/// Builds small but well-formed container files around a text, for tests
/// that must not depend on external documents.
/// Drops our streams from one page of a served PDF copy: the first (our
/// leading `q`) and the last (visible marking line, invisible layer).
pub fn drop_our_streams(doc: &mut lopdf::Document, page: lopdf::ObjectId) -> Option<()> {
    let d = doc.get_object_mut(page).ok()?.as_dict_mut().ok()?;
    let mut c = d.get(b"Contents").ok()?.as_array().ok()?.clone();
    c.pop();
    c.remove(0);
    d.set("Contents", lopdf::Object::Array(c));
    Some(())
}

/// The copy without our streams on any page, saved as a new file by lopdf.
pub fn strip(copy: &[u8]) -> Vec<u8> {
    let mut doc = lopdf::Document::load_mem(copy).unwrap();
    let pages: Vec<lopdf::ObjectId> = doc.get_pages().into_values().collect();
    for p in pages {
        drop_our_streams(&mut doc, p).unwrap();
    }
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

pub mod build {
    use std::io::Write;

    fn pdf_escape(s: &str) -> String {
        s.chars()
            .filter(|c| c.is_ascii() && !c.is_ascii_control())
            .flat_map(|c| match c {
                '(' | ')' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect()
    }

    /// A PDF (classic xref table) showing `text` in Helvetica, 60 lines per
    /// page, wrapped at 90 characters.
    pub fn pdf(text: &str) -> Vec<u8> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut cur = String::new();
            for w in para.split_whitespace() {
                if cur.len() + w.len() > 90 {
                    lines.push(std::mem::take(&mut cur));
                }
                if !cur.is_empty() {
                    cur.push(' ');
                }
                cur.push_str(w);
            }
            lines.push(cur);
        }
        let pages: Vec<&[String]> = lines.chunks(60).collect();
        let n = pages.len();
        // 1 catalog, 2 pages, 3 font, then (page, content) pairs.
        let mut objs: Vec<Vec<u8>> = vec![
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            format!(
                "<< /Type /Pages /Count {n} /Kids [{}] /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> >>",
                (0..n).map(|i| format!("{} 0 R", 4 + 2 * i)).collect::<Vec<_>>().join(" ")
            )
            .into_bytes(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
        ];
        for (i, page) in pages.iter().enumerate() {
            objs.push(
                format!(
                    "<< /Type /Page /Parent 2 0 R /Contents {} 0 R >>",
                    5 + 2 * i
                )
                .into_bytes(),
            );
            let mut c = String::from("BT /F1 10 Tf 12 TL 50 740 Td\n");
            for l in page.iter() {
                c.push_str(&format!("({}) Tj T*\n", pdf_escape(l)));
            }
            c.push_str("ET\n");
            let mut s = format!("<< /Length {} >>\nstream\n", c.len()).into_bytes();
            s.extend_from_slice(c.as_bytes());
            s.extend_from_slice(b"\nendstream");
            objs.push(s);
        }
        file("1.4", &objs)
    }

    /// A PDF file of `objs` (object `i + 1` is `objs[i]`, object 1 the
    /// catalog) with a classic cross-reference table.
    pub fn file(version: &str, objs: &[Vec<u8>]) -> Vec<u8> {
        let mut out = format!("%PDF-{version}\n").into_bytes();
        out.extend_from_slice(b"%\xe2\xe3\xcf\xd3\n");
        let mut offs = Vec::new();
        for (i, o) in objs.iter().enumerate() {
            offs.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(o);
            out.extend_from_slice(b"\nendobj\n");
        }
        let x = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f\r\n", objs.len() + 1).as_bytes(),
        );
        for o in offs {
            out.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{x}\n%%EOF\n",
                objs.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    fn esc(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }

    fn zip(files: &[(&str, String)], stored_first: bool) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (i, (name, body)) in files.iter().enumerate() {
            let method = if stored_first && i == 0 {
                zip::CompressionMethod::Stored
            } else {
                zip::CompressionMethod::Deflated
            };
            let o = zip::write::SimpleFileOptions::default().compression_method(method);
            w.start_file(*name, o).unwrap();
            w.write_all(body.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    /// A minimal DOCX, one paragraph per paragraph of `text`, each split in
    /// two runs.
    pub fn docx(text: &str) -> Vec<u8> {
        let mut body = String::new();
        for p in text.split("\n\n") {
            let p = p.split_whitespace().collect::<Vec<_>>().join(" ");
            let cut = p
                .char_indices()
                .nth(p.chars().count() / 2)
                .map_or(0, |x| x.0);
            body.push_str(&format!(
                "<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
                esc(&p[..cut]),
                esc(&p[cut..])
            ));
        }
        let doc = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}<w:sectPr><w:pgSz w:w=\"12240\" w:h=\"15840\"/></w:sectPr></w:body></w:document>"
        );
        zip(
            &[
                ("[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>".into()),
                ("_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>".into()),
                ("word/document.xml", doc),
            ],
            false,
        )
    }

    /// A minimal ODT (mimetype first and stored, manifest, meta.xml).
    pub fn odt(text: &str) -> Vec<u8> {
        let mut body = String::new();
        for p in text.split("\n\n") {
            let p = p.split_whitespace().collect::<Vec<_>>().join(" ");
            body.push_str(&format!("<text:p>{}</text:p>", esc(&p)));
        }
        let ns = "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\" office:version=\"1.2\"";
        zip(
            &[
                ("mimetype", "application/vnd.oasis.opendocument.text".into()),
                ("META-INF/manifest.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\"><manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.text\"/><manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/><manifest:file-entry manifest:full-path=\"meta.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>".into()),
                ("meta.xml", format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-meta {ns}><office:meta><meta:generator>rampart-test</meta:generator></office:meta></office:document-meta>")),
                ("content.xml", format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content {ns}><office:body><office:text>{body}</office:text></office:body></office:document-content>")),
            ],
            true,
        )
    }

    /// The visible text of an XML part: text nodes, paragraphs on their own
    /// lines (a naive extractor, as a leaker's script would be).
    pub fn xml_text(xml: &str, para_end: &str) -> String {
        let xml = xml.replace(para_end, &format!("\n\n{para_end}"));
        let mut out = String::new();
        let mut in_tag = false;
        for c in xml.chars() {
            match (in_tag, c) {
                (false, '<') => in_tag = true,
                (true, '>') => in_tag = false,
                (false, c) => out.push(c),
                _ => {}
            }
        }
        out.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&")
    }

    /// One member of a zip archive as text.
    pub fn member(zip: &[u8], name: &str) -> Option<String> {
        use std::io::Read;
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip)).ok()?;
        let mut f = z.by_name(name).ok()?;
        let mut s = String::new();
        f.read_to_string(&mut s).ok()?;
        Some(s)
    }
}
