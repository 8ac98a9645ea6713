//! File formats. A text format turns its source into a [`TextModel`] (the
//! visible text plus which parts of it may be edited); the channels then plan
//! edits on the visible text and the model maps them back onto the source.
//! DOCX and ODT plug in the same way: a model of the text runs of their main
//! XML part, edits written back into the container. PDF carries the marked
//! text in an invisible layer of an incremental update instead (see
//! [`PdfTemplate`]).
//!
//! # Unmarkable formats
//! Anything [`Format::from_media_type`] does not recognise (images, archives,
//! spreadsheets, ...) has no text channel here. The caller serves such a file
//! with a visible marking where its format allows one (for example a marking
//! line next to the download link or in the file name), and records the
//! download as *unmarkable* in the download record, so that triage knows no
//! fingerprint can be read from a leak of it. The same applies when marking
//! fails with [`Error::Malformed`] or [`Error::Unsupported`] (an encrypted
//! PDF, a DOCX that is not a zip).

mod html;
mod markdown;
mod office;
mod pdf;

pub(crate) use office::{mark_prepared as office_mark_prepared, prepare as office_prepare};
pub use pdf::{
    default_marking_line, extract_pdf_metadata, layer_sentinels, read_pdf_spacing, PdfTemplate,
    SpacingRead,
};

use crate::channels::ChannelCounts;
use crate::error::{Error, Result};
use crate::keys::{DownloadId, Mark};
use crate::model::TextModel;
use crate::Fingerprinter;

/// The formats this crate knows about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Plain UTF-8 text.
    PlainText,
    /// CommonMark / GitHub-flavoured Markdown: prose only; code blocks,
    /// inline code, link destinations, autolinks and raw HTML stay untouched.
    Markdown,
    /// HTML: text nodes only; markup, attributes, comments and the contents of
    /// `script`, `style`, `pre`, `code` (and similar) stay untouched.
    Html,
    /// PDF: an incremental update with a visible marking line, an invisible
    /// marked text layer and the download id in the Info dictionary.
    Pdf,
    /// DOCX: text runs of `word/document.xml` marked, a final marking
    /// paragraph, the download id as a custom document property.
    Docx,
    /// ODT: paragraphs of `content.xml` marked, a final marking paragraph,
    /// the download id as a user-defined property in `meta.xml`.
    Odt,
}

/// A marked copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embedded {
    /// The bytes to serve.
    pub bytes: Vec<u8>,
    /// How many code positions each channel carries in this copy.
    pub counts: ChannelCounts,
}

/// A format that can be marked: the extension point for PDF, DOCX and ODT.
pub trait Markable {
    /// Marks `input` for `mark`.
    fn embed(&self, fp: &Fingerprinter, input: &[u8], mark: &Mark) -> Result<Embedded>;
}

impl Format {
    /// A short name of the format.
    pub fn name(self) -> &'static str {
        match self {
            Format::PlainText => "text",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Odt => "odt",
        }
    }

    /// Whether this crate can mark the format (every variant can; kept so
    /// callers need not change when a variant is added before its marker).
    pub fn is_markable(self) -> bool {
        true
    }

    /// The format of a media type (parameters such as `; charset=utf-8` and
    /// case are ignored), or `None` for media types this crate cannot mark:
    /// the caller serves those with a visible marking where possible and
    /// records the download as unmarkable (see the module docs).
    pub fn from_media_type(media_type: &str) -> Option<Format> {
        let essence = media_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        Some(match essence.as_str() {
            "text/plain" => Format::PlainText,
            "text/markdown" | "text/x-markdown" => Format::Markdown,
            "text/html" | "application/xhtml+xml" => Format::Html,
            "application/pdf" | "application/x-pdf" => Format::Pdf,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
                Format::Docx
            }
            "application/vnd.oasis.opendocument.text" => Format::Odt,
            _ => return None,
        })
    }

    /// Marks `input` for `mark` with `marking_line` as the visible marking
    /// (PDF: bottom line of every page; DOCX/ODT: a final paragraph). Text
    /// formats carry no visible line: their bytes are the text itself, and a
    /// caller that wants one adds it around the marked text.
    pub fn embed_with_marking(
        self,
        fp: &Fingerprinter,
        input: &[u8],
        mark: &Mark,
        marking_line: &str,
    ) -> Result<Embedded> {
        match self {
            Format::Pdf => {
                let t = PdfTemplate::parse(input)?;
                fp.embed_pdf(&t, input, mark, marking_line)
            }
            Format::Docx | Format::Odt => office::embed(self, fp, input, mark, marking_line),
            Format::PlainText | Format::Markdown | Format::Html => {
                let src =
                    std::str::from_utf8(input).map_err(|e| Error::NotUtf8(e.valid_up_to()))?;
                let model = text_model(self, src)?;
                let (text, counts) = fp.embed_model(src, &model, mark);
                Ok(Embedded {
                    bytes: text.into_bytes(),
                    counts,
                })
            }
        }
    }
}

/// The download id recorded in the metadata of a marked PDF, DOCX or ODT
/// (`None` for other formats, unmarked files, or metadata stripped by a
/// re-save).
pub fn extract_download_id(format: Format, bytes: &[u8]) -> Option<DownloadId> {
    match format {
        Format::Pdf => extract_pdf_metadata(bytes),
        Format::Docx | Format::Odt => office::extract_download_id(format, bytes),
        _ => None,
    }
}

impl Markable for Format {
    /// Marks with [`default_marking_line`] as the visible marking.
    fn embed(&self, fp: &Fingerprinter, input: &[u8], mark: &Mark) -> Result<Embedded> {
        self.embed_with_marking(fp, input, mark, &default_marking_line(mark))
    }
}

/// The text model of a plain text, Markdown or HTML source.
pub(crate) fn text_model(format: Format, src: &str) -> Result<TextModel> {
    Ok(match format {
        Format::PlainText => plain_model(src),
        Format::Markdown => markdown::model(src),
        Format::Html => html::model(src),
        Format::Pdf | Format::Docx | Format::Odt => {
            return Err(Error::Unsupported("not a text format"))
        }
    })
}

fn plain_model(src: &str) -> TextModel {
    let mut m = TextModel::default();
    m.push_editable(src, 0);
    m
}
