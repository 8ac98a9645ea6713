//! PDF, DOCX and ODT marking: structure (incremental update, valid zip and
//! XML, metadata) and read-back through the extractors a leaker would use
//! (`pdftotext`, `qpdf`; each skipped with a printed reason when missing).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test and example code: a failed assumption fails the run

mod common;

use std::io::Read;
use std::process::Command;

use common::*;
use rampart_fingerprint::{
    extract_download_id, extract_pdf_metadata, AccountId, Format, PdfTemplate,
};

fn tool(name: &str) -> bool {
    let ok = Command::new(name).arg("--version").output().is_ok()
        || Command::new(name).arg("-v").output().is_ok();
    if !ok {
        println!("skipping the {name} checks: {name} is not installed");
    }
    ok
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("rampart-fp-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

fn pdftotext(pdf: &[u8], name: &str) -> String {
    let p = tmp(name);
    std::fs::write(&p, pdf).unwrap();
    let out = Command::new("pdftotext").arg(&p).arg("-").output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn qpdf_check(pdf: &[u8], name: &str) {
    let p = tmp(name);
    std::fs::write(&p, pdf).unwrap();
    let out = Command::new("qpdf")
        .arg("--check")
        .arg(&p)
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && s.contains("No syntax or stream encoding errors"),
        "{s}"
    );
}

fn accused(text: &str, account: i64, v: rampart_fingerprint::VersionId) -> bool {
    let fp = fingerprinter();
    let obs = fp.extract(text, &[v]);
    let mut cands = innocents(200);
    cands.push(AccountId(account));
    let acc = fp.accuse(&obs, &cands);
    let ids: Vec<_> = acc.accused().map(|s| s.account).collect();
    ids == vec![AccountId(account)]
}

/// A page whose text is drawn by form XObjects, one nested in the other
/// (groff's `gropdf` slide decks): the invisible layer carries that text.
#[test]
fn pdf_text_in_form_xobjects_is_marked() {
    let text = document();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(80)
        .collect();
    let (inner, outer) = lines.split_at(40);
    let show = |lines: &[&str]| {
        let mut c = String::from("BT /F1 10 Tf 12 TL 50 740 Td\n");
        for l in lines {
            let l: String = l
                .chars()
                .filter(|c| c.is_ascii() && !c.is_ascii_control() && !matches!(c, '(' | ')' | '\\'))
                .collect();
            c.push_str(&format!("({l}) Tj T*\n"));
        }
        c + "ET\n"
    };
    let stream = |dict: &str, c: String| {
        format!("<< {dict} /Length {} >>\nstream\n{c}\nendstream", c.len()).into_bytes()
    };
    let form = "/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> /XObject << /X0 7 0 R >> >>";
    let original = build::file(
        "1.4",
        &[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Count 1 /Kids [4 0 R] /MediaBox [0 0 612 792] >>".to_vec(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /Contents 5 0 R /Resources << /XObject << /X1 6 0 R >> >> >>".to_vec(),
            stream("", "q /X1 Do Q".to_owned()),
            stream(form, format!("q /X0 Do Q\n{}", show(outer))),
            stream(form, show(inner)),
        ],
    );
    let t = PdfTemplate::parse(&original).unwrap();
    for l in [inner[0], inner[39], outer[0], outer[39]] {
        let word = l
            .split_whitespace()
            .max_by_key(|w| w.chars().filter(|c| c.is_alphabetic()).count())
            .unwrap();
        assert!(t.text().contains(word), "{word:?} in {:?}", t.text());
    }
    let v = version(21);
    let m = mark(12, v, 4);
    let e = fingerprinter()
        .embed_pdf(&t, &original, &m, "NON-PUBLIC")
        .unwrap();
    assert!(e.counts.zero_width > 100, "{:?}", e.counts);
    if tool("pdftotext") {
        assert!(accused(&pdftotext(&e.bytes, "forms.pdf"), 12, v));
    }
}

#[test]
fn pdf_is_an_incremental_update_carrying_the_mark() {
    let fp = fingerprinter();
    let original = build::pdf(&document());
    let v = version(20);
    let m = mark(11, v, 3);
    let t = PdfTemplate::parse(&original).unwrap();
    assert!(t.pages() >= 2);
    assert!(
        t.text().contains("GNU GENERAL PUBLIC LICENSE"),
        "{}",
        t.text()
    );
    let e = fp
        .embed_pdf(
            &t,
            &original,
            &m,
            "NON-PUBLIC \u{2014} issued to Test User \u{2014} 1a2b",
        )
        .unwrap();
    assert!(
        e.bytes.starts_with(&original),
        "the original must be a prefix"
    );
    assert!(e.counts.zero_width > 1000, "{:?}", e.counts);
    assert_eq!(extract_pdf_metadata(&e.bytes), Some(m.download));
    assert_eq!(extract_download_id(Format::Pdf, &e.bytes), Some(m.download));
    assert_eq!(extract_pdf_metadata(&original), None);
    // lopdf reads the update: every page has our fonts and three streams more.
    let doc = lopdf::Document::load_mem(&e.bytes).unwrap();
    assert_eq!(doc.get_pages().len(), t.pages());
    // The template refuses other bytes.
    assert!(fp.embed_pdf(&t, &e.bytes, &m, "x").is_err());
    if tool("pdftotext") {
        let text = pdftotext(&e.bytes, "a.pdf");
        assert!(text.contains("issued to Test User"));
        assert!(accused(&text, 11, v), "pdftotext of the marked PDF");
        assert!(fp.extract(&pdftotext(&original, "o.pdf"), &[v]).is_empty());
    }
    if tool("qpdf") {
        qpdf_check(&e.bytes, "a.pdf");
        // The same with a cross-reference stream original.
        let src = tmp("src.pdf");
        let xs = tmp("xs.pdf");
        std::fs::write(&src, &original).unwrap();
        let st = Command::new("qpdf")
            .args(["--object-streams=generate"])
            .arg(&src)
            .arg(&xs)
            .status()
            .unwrap();
        assert!(st.success());
        let xs = std::fs::read(&xs).unwrap();
        let e = fp.embed(Format::Pdf, &xs, &m).unwrap();
        assert!(e.bytes.starts_with(&xs));
        assert!(String::from_utf8_lossy(&e.bytes[xs.len()..]).contains("/Type /XRef"));
        qpdf_check(&e.bytes, "b.pdf");
        assert_eq!(extract_pdf_metadata(&e.bytes), Some(m.download));
        if tool("pdftotext") {
            assert!(accused(&pdftotext(&e.bytes, "b.pdf"), 11, v));
        }
    }
}

fn check_xml(xml: &str) {
    let mut r = quick_xml::Reader::from_str(xml);
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("invalid XML: {e}"),
        }
    }
}

#[test]
fn docx_and_odt_are_marked_in_their_text_runs() {
    let fp = fingerprinter();
    let doc = document();
    let v = version(21);
    let m = mark(12, v, 4);
    for (format, input, main, para) in [
        (
            Format::Docx,
            build::docx(&doc),
            "word/document.xml",
            "</w:p>",
        ),
        (Format::Odt, build::odt(&doc), "content.xml", "</text:p>"),
    ] {
        let e = fp
            .embed_with_marking(
                format,
                &input,
                &m,
                "NON-PUBLIC \u{2014} issued to <Test & User>",
            )
            .unwrap();
        assert!(e.counts.space > 500, "{format:?} {:?}", e.counts);
        let xml = build::member(&e.bytes, main).unwrap();
        check_xml(&xml);
        assert!(xml.contains("issued to &lt;Test &amp; User&gt;"));
        let text = build::xml_text(&xml, para);
        assert!(accused(&text, 12, v), "{format:?}");
        assert_eq!(extract_download_id(format, &e.bytes), Some(m.download));
        assert_eq!(extract_download_id(format, &input), None);
        // Markup is untouched: the tags of the original all come back.
        let orig = build::member(&input, main).unwrap();
        let tags = |s: &str| s.matches('<').count();
        assert!(tags(&xml) > tags(&orig));
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(&e.bytes)).unwrap();
        if format == Format::Odt {
            let mut f = z.by_index(0).unwrap();
            assert_eq!(f.name(), "mimetype");
            assert_eq!(f.compression(), zip::CompressionMethod::Stored);
            let mut s = String::new();
            f.read_to_string(&mut s).unwrap();
            assert_eq!(s, "application/vnd.oasis.opendocument.text");
            drop(f);
            check_xml(&build::member(&e.bytes, "meta.xml").unwrap());
        } else {
            for p in ["docProps/custom.xml", "[Content_Types].xml", "_rels/.rels"] {
                check_xml(&build::member(&e.bytes, p).unwrap());
            }
            assert!(build::member(&e.bytes, "[Content_Types].xml")
                .unwrap()
                .contains("/docProps/custom.xml"));
        }
    }
}

#[test]
fn media_types_and_malformed_inputs() {
    assert_eq!(
        Format::from_media_type("application/pdf"),
        Some(Format::Pdf)
    );
    assert_eq!(
        Format::from_media_type("Text/HTML; charset=utf-8"),
        Some(Format::Html)
    );
    assert_eq!(
        Format::from_media_type(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        ),
        Some(Format::Docx)
    );
    assert_eq!(
        Format::from_media_type("application/vnd.oasis.opendocument.text"),
        Some(Format::Odt)
    );
    assert_eq!(
        Format::from_media_type("text/markdown"),
        Some(Format::Markdown)
    );
    assert_eq!(Format::from_media_type("image/png"), None);
    let fp = fingerprinter();
    let m = mark(1, version(1), 0);
    for f in [Format::Pdf, Format::Docx, Format::Odt] {
        assert!(matches!(
            fp.embed(f, b"not a container", &m),
            Err(rampart_fingerprint::Error::Malformed { .. })
        ));
    }
}
