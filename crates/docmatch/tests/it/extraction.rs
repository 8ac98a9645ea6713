//! Extraction of generated fixtures, and hostile inputs.

use rampart_docmatch::{extract_as, extract_text, normalize, Error, Format, Limits};

use crate::fixtures;

const PARAS: [&str; 3] = [
    "Quarterly figures for the northern region & partners",
    "The “merger” – confidential until release…",
    "Third paragraph with <angle> brackets",
];

fn norm_words(s: &str) -> String {
    rampart_docmatch::words(&normalize(s))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn docx_body_without_header_or_deletions() {
    let bytes = fixtures::docx(&PARAS);
    let ex = extract_text(&bytes, Some("leak.bin"), &Limits::default()).unwrap();
    assert_eq!(ex.format, Format::Docx);
    assert_eq!(
        norm_words(&ex.text),
        norm_words(&PARAS.join("\n")),
        "{:?}",
        ex.text
    );
    assert!(!ex.text.contains("alice") && !ex.text.contains("deleted"));
}

#[test]
fn odt_body_without_annotations() {
    let bytes = fixtures::odt(&PARAS);
    let ex = extract_text(&bytes, None, &Limits::default()).unwrap();
    assert_eq!(ex.format, Format::Odt);
    assert_eq!(
        norm_words(&ex.text),
        norm_words(&PARAS.join("\n")),
        "{:?}",
        ex.text
    );
    assert!(!ex.text.contains("reviewer"));
}

#[test]
fn html_visible_text() {
    let html = format!(
        "<!doctype html><html><head><script>alert(1)</script></head><body><h1>{}</h1><p>{}</p><p>{}</p></body></html>",
        "Quarterly figures for the northern region &amp; partners",
        "The &ldquo;merger&rdquo; &ndash; confidential until release&hellip;",
        "Third paragraph with &lt;angle&gt; brackets"
    );
    let ex = extract_text(html.as_bytes(), Some("x.txt"), &Limits::default()).unwrap();
    assert_eq!(ex.format, Format::Html);
    assert_eq!(norm_words(&ex.text), norm_words(&PARAS.join("\n")));
    assert_eq!(normalize(&ex.text), normalize(&PARAS.join("\n")));
}

#[test]
fn pdf_text() {
    let lines = [
        "Quarterly figures for the northern region",
        "confidential (until) release",
    ];
    let bytes = fixtures::pdf(&lines);
    let ex = extract_text(&bytes, None, &Limits::default()).unwrap();
    assert_eq!(ex.format, Format::Pdf);
    assert_eq!(
        norm_words(&ex.text),
        norm_words(&lines.join("\n")),
        "{:?}",
        ex.text
    );
}

/// A ToUnicode map whose ranges map to one byte (`<20> <7E> <20>`, as in
/// Debian's developers-reference), on which pdf-extract's CMap parser
/// panics, is repaired: the page it is used on is read.
#[test]
fn a_to_unicode_map_of_one_byte_destinations_is_read() {
    let pdf = fixtures::pdf_with_a_second_page_map(
        "Logistics lessons learned at the northern depot",
        "Second page in a font mapped to single bytes",
        "<20> <7E> <20>",
    );
    let e = extract_text(&pdf, Some("x.pdf"), &Limits::default()).unwrap();
    assert!(e.text.contains("Logistics lessons learned"), "{:?}", e.text);
    assert!(e.text.contains("mapped to single bytes"), "{:?}", e.text);
}

/// Lines set with the `'` and `"` operators (Ghostscript's way) are read
/// like lines set with `Tj`.
#[test]
fn pdf_lines_set_with_quote_operators() {
    let lines = [
        "If the search is unsuccessful the shell prints an error",
        "and returns an exit status of 127",
        "If the search is successful the shell executes the program",
        "named in a separate execution environment",
    ];
    let bytes = fixtures::pdf_with_quote_operators(&lines);
    let ex = extract_text(&bytes, None, &Limits::default()).unwrap();
    assert_eq!(
        norm_words(&ex.text),
        norm_words(&lines.join("\n")),
        "{:?}",
        ex.text
    );
}

/// A Ghostscript re-save's page — lines set with `'`, an inline image, a
/// standard symbol font named without widths — is read whole (it lost
/// all its text to the first two, the third made pdf-extract panic).
#[test]
fn a_page_as_ghostscript_writes_it_is_read() {
    let lines = [
        "The invisible layer of a served copy is dropped",
        "before its words are matched with the version",
        "and the lines Ghostscript sets are all read",
    ];
    let bytes = fixtures::pdf_as_ghostscript_writes(&lines);
    let ex = extract_text(&bytes, None, &Limits::default()).unwrap();
    for line in lines {
        assert!(
            norm_words(&ex.text).contains(&norm_words(line)),
            "{:?}",
            ex.text
        );
    }
}

/// A font whose map lacks a code the page uses, and which has no encoding
/// to fall back on, is read (pdf-extract panicked and the page was lost).
#[test]
fn a_code_missing_from_a_fonts_map_does_not_lose_the_page() {
    let pdf = fixtures::pdf_with_a_partly_mapped_second_page(
        "Logistics lessons learned at the northern depot",
        "SECOND PAGE with lower case letters the map lacks",
    );
    let e = extract_text(&pdf, Some("x.pdf"), &Limits::default()).unwrap();
    assert!(e.text.contains("Logistics lessons learned"), "{:?}", e.text);
    assert!(e.text.contains("SECOND PAGE"), "{:?}", e.text);
    assert!(e.text.contains("lower case letters"), "{:?}", e.text);
}

/// A page the PDF parser panics on loses that page, not the document.
#[test]
fn a_page_the_parser_panics_on_is_left_out_not_the_document() {
    let pdf = fixtures::pdf_with_a_broken_second_page(
        "Logistics lessons learned at the northern depot",
        "Second page in a font the parser chokes on",
    );
    let e = extract_text(&pdf, Some("x.pdf"), &Limits::default()).unwrap();
    assert!(e.text.contains("Logistics lessons learned"), "{:?}", e.text);
    assert!(!e.text.contains("chokes"), "{:?}", e.text);
}

#[test]
fn markdown_and_text() {
    let md = "# Title\n\nSee [the report](https://x.example/r.pdf).\n";
    let ex = extract_text(md.as_bytes(), Some("notes.md"), &Limits::default()).unwrap();
    assert_eq!(ex.format, Format::Markdown);
    assert_eq!(norm_words(&ex.text), "title see the report");
    let t = extract_text("plain words".as_bytes(), None, &Limits::default()).unwrap();
    assert_eq!((t.format, t.text.as_str()), (Format::Text, "plain words"));
}

#[test]
fn zip_bomb_in_docx_refused() {
    let bytes = fixtures::docx_bomb(8 << 20);
    assert!(bytes.len() < 100_000);
    let err = extract_as(Format::Docx, &bytes, &Limits::default()).unwrap_err();
    assert!(matches!(err, Error::ZipBomb { .. }), "{err}");
    let small = Limits {
        max_member_bytes: 1000,
        max_member_ratio: 1_000_000,
        ..Limits::default()
    };
    let err = extract_as(Format::Docx, &bytes, &small).unwrap_err();
    assert!(matches!(err, Error::ZipBomb { .. }), "{err}");
}

#[test]
fn corrupt_inputs_are_errors() {
    let l = Limits::default();
    let mut truncated = fixtures::pdf(&["hello world"]);
    truncated.truncate(60);
    assert!(extract_text(&truncated, None, &l).is_err());
    assert!(extract_text(b"%PDF-1.7\n garbage", None, &l).is_err());
    let mut docx = fixtures::docx(&PARAS);
    docx.truncate(docx.len() / 2);
    assert!(extract_as(Format::Docx, &docx, &l).is_err());
    assert!(extract_as(Format::Odt, b"PK\x03\x04 nope", &l).is_err());
    assert!(matches!(
        extract_text(b"\x7fELF\x02\x01\x01\x00\x00\x00", Some("a.out"), &l),
        Err(Error::UnsupportedFormat(_))
    ));
}

#[test]
fn real_pdfs_if_present() {
    // Debian ships a few PDFs in common packages; use one when available to
    // exercise fonts/CMaps beyond the generated fixture. Skips otherwise.
    let candidates = ["/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf"];
    for path in candidates {
        if let Ok(bytes) = std::fs::read(path) {
            let ex = extract_text(&bytes, Some(path), &Limits::default()).unwrap();
            assert!(ex.text.split_whitespace().count() > 100);
        }
    }
}
