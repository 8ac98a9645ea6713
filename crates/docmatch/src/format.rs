//! Format detection: magic bytes first, then the file name's extension.
//!
//! Leaked files are often renamed (`report.pdf.txt`, no extension at all), so
//! the content decides whenever it can; the extension only breaks ties for
//! formats without a reliable signature (plain text, Markdown).

use std::fmt;
use std::io::Cursor;

/// A document format this crate can extract text from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Plain text (UTF-8, UTF-16 with BOM, or Windows-1252 as a fallback).
    Text,
    /// Markdown (extracted as text with link targets and fences removed).
    Markdown,
    /// HTML or XHTML.
    Html,
    /// PDF.
    Pdf,
    /// Office Open XML word-processing document.
    Docx,
    /// OpenDocument text.
    Odt,
}

impl Format {
    /// Lower-case short name (`"pdf"`, `"docx"`, ...), as used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Odt => "odt",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const ODT_MIME: &[u8] = b"mimetypeapplication/vnd.oasis.opendocument.text";

/// Guesses the format of `bytes`, optionally helped by the file name.
///
/// Order: PDF signature (`%PDF-` in the first KiB), ZIP signature (then the
/// ODF `mimetype` member or the member names decide DOCX vs ODT), an HTML
/// prologue, then the extension, then "looks like text". Returns `None` for
/// binary content of an unsupported kind.
pub fn detect_format(bytes: &[u8], file_name: Option<&str>) -> Option<Format> {
    let ext = file_name.and_then(extension);
    let head = &bytes[..bytes.len().min(1024)];
    if find(head, b"%PDF-").is_some() {
        return Some(Format::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        if bytes.get(30..30 + ODT_MIME.len()) == Some(ODT_MIME) {
            return Some(Format::Odt);
        }
        match ext.as_deref() {
            Some("docx") => return Some(Format::Docx),
            Some("odt") => return Some(Format::Odt),
            _ => {}
        }
        return zip_kind(bytes);
    }
    if looks_like_html(head) {
        return Some(Format::Html);
    }
    match ext.as_deref() {
        Some("html" | "htm" | "xhtml") => return Some(Format::Html),
        Some("md" | "markdown" | "mkd") => return Some(Format::Markdown),
        Some("pdf") => return Some(Format::Pdf),
        Some("docx") => return Some(Format::Docx),
        Some("odt") => return Some(Format::Odt),
        _ => {}
    }
    if looks_like_text(bytes) {
        Some(Format::Text)
    } else {
        None
    }
}

/// Lower-cased extension of a file name, if any.
fn extension(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let (stem, ext) = base.rsplit_once('.')?;
    (!stem.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// Reads the zip's central directory to tell DOCX from ODT.
fn zip_kind(bytes: &[u8]) -> Option<Format> {
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut names = archive.file_names();
    if names.any(|n| n == "word/document.xml") {
        return Some(Format::Docx);
    }
    if archive.file_names().any(|n| n == "content.xml") {
        return Some(Format::Odt);
    }
    None
}

fn looks_like_html(head: &[u8]) -> bool {
    let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
    let t = lower.trim_start_matches('\u{feff}').trim_start();
    if ["<!doctype html", "<html", "<head", "<body"]
        .iter()
        .any(|p| t.starts_with(p))
    {
        return true;
    }
    (t.starts_with("<!--") || t.starts_with("<?xml")) && t.contains("<html")
}

/// Text if it has a Unicode BOM, or no NUL byte and mostly valid UTF-8 in the
/// first 8 KiB.
fn looks_like_text(bytes: &[u8]) -> bool {
    if encoding_rs::Encoding::for_bom(bytes).is_some() {
        return true;
    }
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return false;
    }
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    controls * 100 <= head.len()
}

/// Position of `needle` in `hay`.
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_beats_extension() {
        assert_eq!(
            detect_format(b"%PDF-1.4\n...", Some("a.txt")),
            Some(Format::Pdf)
        );
        assert_eq!(
            detect_format(b"<!DOCTYPE html><p>x", Some("a.md")),
            Some(Format::Html)
        );
        assert_eq!(
            detect_format(b"# Title\n", Some("a.md")),
            Some(Format::Markdown)
        );
        assert_eq!(detect_format(b"hello", None), Some(Format::Text));
        assert_eq!(detect_format(b"\x00\x01\x02binary", Some("x.bin")), None);
        assert_eq!(
            detect_format(b"hello", Some("dir.v2/readme")),
            Some(Format::Text)
        );
    }
}
