//! PDF text extraction with `pdf-extract` (pure Rust, on top of `lopdf`).
//!
//! `pdf-extract` is the most complete pure-Rust extractor (fonts, CMaps,
//! encodings); the crate README compares it with poppler's `pdftotext` on real
//! PDFs. It panics on some real files — a font whose ToUnicode map it cannot
//! parse, a character neither that map nor an encoding covers (measured: 2
//! of 63 Debian manuals, developers-reference and glpk's) — and one panic
//! lost the whole document, which was then matched by its bytes alone. So
//! when the whole document panics, it is read again page by page, each page
//! on its own: the pages that panic are left out, the others kept. The
//! caller still runs all of this under `catch_unwind`; errors and
//! encryption are mapped to [`Error`] values. pdf-extract skips the text
//! operators `'` and `"`, which Ghostscript writes for most lines: they are
//! rewritten first (see [`expand_quote_operators`]), and `/ToUnicode`
//! maps its CMap parser panics on are repaired (`cmap`).

use crate::format::find;
use crate::{Error, Format, Result};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Extracts the text of a PDF (all pages, in content-stream order; pages
/// the parser panics on are left out).
pub(super) fn extract(bytes: &[u8]) -> Result<String> {
    // PDF readers accept junk before the header; lopdf wants it first.
    let start = find(&bytes[..bytes.len().min(1024)], b"%PDF-").ok_or_else(|| Error::Corrupt {
        format: Format::Pdf,
        detail: "no %PDF- header".into(),
    })?;
    let bytes = &bytes[start..];
    let mut doc = pdf_extract::Document::load_mem(bytes).map_err(|e| error(e.into()))?;
    if doc.is_encrypted() {
        // What pdf-extract does: the empty user password, else refused.
        doc.decrypt("")
            .map_err(|e| error(pdf_extract::OutputError::PdfError(e)))?;
    }
    expand_quote_operators(&mut doc);
    super::cmap::repair_to_unicode_maps(&mut doc);
    give_widths_to_dingbats(&mut doc);
    give_encodings_to_mapped_fonts(&mut doc);
    match catch_unwind(AssertUnwindSafe(|| {
        let mut s = String::new();
        let mut output = pdf_extract::PlainTextOutput::new(&mut s);
        pdf_extract::output_doc(&doc, &mut output).map(|()| s)
    })) {
        Ok(done) => done.map_err(error),
        Err(_) => by_pages(&doc),
    }
}

/// Rewrites the text operators `'` and `"` (next line, then show a
/// string; `"` also sets word and character spacing) as `T*` and `Tj`
/// (with `Tw` and `Tc`), on the pages that use them. pdf-extract 0.12
/// ignores both, and Ghostscript writes `'` for most lines it sets
/// (groff → `ps2pdf`): bash's man page lost 613 words of its 48,000, so
/// every text another tool took from it differed from ours by whole
/// sentences and was called altered. Only the parsed document in memory
/// changes (inline images are left out of it: lopdf cannot encode them
/// back); a page that fails to parse or encode keeps its content.
fn expand_quote_operators(doc: &mut pdf_extract::Document) {
    use pdf_extract::content::{Content, Operation};
    for page in doc.get_pages().into_values() {
        let Ok(raw) = doc.get_page_content(page) else {
            continue;
        };
        if !may_use_quote_operators(&raw) {
            continue;
        }
        let Ok(content) = Content::decode(&raw) else {
            continue;
        };
        if !content
            .operations
            .iter()
            .any(|op| op.operator == "'" || op.operator == "\"")
        {
            continue;
        }
        let mut operations = Vec::with_capacity(content.operations.len() + 64);
        for op in content.operations {
            match (op.operator.as_str(), op.operands.as_slice()) {
                ("'", [text]) => {
                    operations.push(Operation::new("T*", vec![]));
                    operations.push(Operation::new("Tj", vec![text.clone()]));
                }
                ("\"", [word, char, text]) => {
                    operations.push(Operation::new("Tw", vec![word.clone()]));
                    operations.push(Operation::new("Tc", vec![char.clone()]));
                    operations.push(Operation::new("T*", vec![]));
                    operations.push(Operation::new("Tj", vec![text.clone()]));
                }
                // lopdf parses an inline image into a bare `BI` that does
                // not parse again once encoded (its data is not kept): a
                // page holding one lost all its text. Images carry no text.
                ("BI", _) => {}
                _ => operations.push(op),
            }
        }
        let Ok(bytes) = (Content { operations }).encode() else {
            continue;
        };
        let stream = doc.add_object(pdf_extract::Stream::new(
            pdf_extract::Dictionary::new(),
            bytes,
        ));
        if let Ok(pdf_extract::Object::Dictionary(dict)) = doc.get_object_mut(page) {
            dict.set("Contents", stream);
        }
    }
}

/// Whether dictionary `d`'s `key` is a name among `values`.
fn named(d: &pdf_extract::Dictionary, key: &[u8], values: &[&[u8]]) -> bool {
    d.get(key)
        .and_then(pdf_extract::Object::as_name)
        .is_ok_and(|n| values.contains(&n))
}

/// Gives the standard fonts Symbol and ZapfDingbats, when a file names
/// them without `/Widths`, widths of half an em. pdf-extract then looks
/// each glyph of such a font up in the standard glyph list to apply the
/// font's own metrics, and panics on the dingbats' names (`a1`, `a2`, …),
/// which the list does not hold: Ghostscript re-saves refer to both fonts
/// this way, and every page that used one (groff's slide bullets) was
/// lost. The widths only space the glyphs, which carry no words.
fn give_widths_to_dingbats(doc: &mut pdf_extract::Document) {
    use pdf_extract::Object;
    for object in doc.objects.values_mut() {
        let Ok(font) = object.as_dict_mut() else {
            continue;
        };
        if !named(font, b"Type", &[b"Font"])
            || !named(font, b"BaseFont", &[b"Symbol", b"ZapfDingbats"])
            || font.has(b"Widths")
        {
            continue;
        }
        font.set("FirstChar", 0);
        font.set("LastChar", 255);
        font.set("Widths", vec![Object::Integer(500); 256]);
    }
}

/// Gives a Type 1 font that has no `/Encoding` and no Type 1 program
/// (whose built-in encoding pdf-extract reads) the encoding WinAnsi.
/// pdf-extract reads such a font's codes from its `/ToUnicode` map or its
/// CFF program's glyph names, falls back on the encoding for a code
/// neither holds, and panics when there is none ("missing unicode map and
/// encoding"): one such code lost glpk's manual a page of text. Codes the
/// map holds are read from it as before.
fn give_encodings_to_mapped_fonts(doc: &mut pdf_extract::Document) {
    use pdf_extract::Object;
    let fonts: Vec<pdf_extract::ObjectId> = doc
        .objects
        .iter()
        .filter_map(|(id, o)| Some((*id, o.as_dict().ok()?)))
        .filter(|(_, font)| {
            named(font, b"Type", &[b"Font"])
                && named(font, b"Subtype", &[b"Type1", b"MMType1"])
                && !font.has(b"Encoding")
        })
        .filter(|(_, font)| {
            let descriptor = font
                .get(b"FontDescriptor")
                .and_then(|d| doc.dereference(d))
                .and_then(|(_, d)| d.as_dict());
            !descriptor.is_ok_and(|d| d.has(b"FontFile"))
        })
        .map(|(id, _)| id)
        .collect();
    for id in fonts {
        if let Ok(font) = doc.get_object_mut(id).and_then(Object::as_dict_mut) {
            font.set("Encoding", Object::Name(b"WinAnsiEncoding".to_vec()));
        }
    }
}

/// Whether a content stream may hold a `'` or `"` operator: one of the two
/// right after a string operand's closing `)` or `>` (whitespace between).
/// An apostrophe inside a string is followed by more of the string, so
/// most pages of English text are ruled out without parsing them.
fn may_use_quote_operators(content: &[u8]) -> bool {
    memchr::memchr2_iter(b'\'', b'"', content).any(|i| {
        content[..i]
            .iter()
            .rev()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| matches!(b, b')' | b'>'))
    })
}

fn error(e: pdf_extract::OutputError) -> Error {
    match e {
        pdf_extract::OutputError::PdfError(pdf_extract::Error::Decryption(_)) => {
            Error::Encrypted(Format::Pdf)
        }
        other => Error::Corrupt {
            format: Format::Pdf,
            detail: other.to_string(),
        },
    }
}

/// Every page the parser reads without a panic, in page order.
fn by_pages(doc: &pdf_extract::Document) -> Result<String> {
    let mut out = String::new();
    let mut read = 0usize;
    for page in doc.get_pages().into_keys() {
        let text = catch_unwind(AssertUnwindSafe(|| {
            let mut s = String::new();
            let mut output = pdf_extract::PlainTextOutput::new(&mut s);
            pdf_extract::output_doc_page(doc, &mut output, page).map(|()| s)
        }));
        if let Ok(Ok(text)) = text {
            out.push_str(&text);
            out.push('\n');
            read += 1;
        }
    }
    if read == 0 {
        return Err(Error::ParserPanic {
            format: Format::Pdf,
            detail: "the PDF parser failed on every page".into(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::may_use_quote_operators;

    #[test]
    fn quote_operators_are_told_from_apostrophes_in_strings() {
        assert!(may_use_quote_operators(b"(tus of 127.)'\n"));
        assert!(may_use_quote_operators(b"1 0 <0041> \""));
        assert!(may_use_quote_operators(b"(a) '"));
        assert!(!may_use_quote_operators(b"(the command's name) Tj"));
        assert!(!may_use_quote_operators(b"[(it')-250(s)] TJ"));
    }
}
