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
//! encryption are mapped to [`Error`] values.

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
    match catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::extract_text_from_mem(bytes)
    })) {
        Ok(done) => done.map_err(error),
        Err(_) => by_pages(bytes),
    }
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
fn by_pages(bytes: &[u8]) -> Result<String> {
    let doc = pdf_extract::Document::load_mem(bytes).map_err(|e| Error::Corrupt {
        format: Format::Pdf,
        detail: e.to_string(),
    })?;
    if doc.is_encrypted() {
        return Err(Error::Encrypted(Format::Pdf));
    }
    let mut out = String::new();
    let mut read = 0usize;
    for page in doc.get_pages().into_keys() {
        let text = catch_unwind(AssertUnwindSafe(|| {
            let mut s = String::new();
            let mut output = pdf_extract::PlainTextOutput::new(&mut s);
            pdf_extract::output_doc_page(&doc, &mut output, page).map(|()| s)
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
