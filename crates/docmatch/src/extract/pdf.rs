//! PDF text extraction with `pdf-extract` (pure Rust, on top of `lopdf`).
//!
//! `pdf-extract` is the most complete pure-Rust extractor (fonts, CMaps,
//! encodings); the crate README compares it with poppler's `pdftotext` on real
//! PDFs. It can panic on malformed files, so the caller runs this under
//! `catch_unwind`; errors and encryption are mapped to [`Error`] values.

use crate::format::find;
use crate::{Error, Format, Result};

/// Extracts the text of a PDF (all pages, in content-stream order).
pub(super) fn extract(bytes: &[u8]) -> Result<String> {
    // PDF readers accept junk before the header; lopdf wants it first.
    let start = find(&bytes[..bytes.len().min(1024)], b"%PDF-").ok_or_else(|| Error::Corrupt {
        format: Format::Pdf,
        detail: "no %PDF- header".into(),
    })?;
    pdf_extract::extract_text_from_mem(&bytes[start..]).map_err(|e| match e {
        pdf_extract::OutputError::PdfError(pdf_extract::Error::Decryption(_)) => {
            Error::Encrypted(Format::Pdf)
        }
        other => Error::Corrupt {
            format: Format::Pdf,
            detail: other.to_string(),
        },
    })
}
