//! File formats. A text format turns its source into a [`TextModel`] (the
//! visible text plus which parts of it may be edited); the channels then plan
//! edits on the visible text and the model maps them back onto the source.
//! Binary formats (PDF, DOCX, ODT) will plug in the same way: build a model of
//! their text runs, let the channels plan, and write the edits (plus their own
//! channels, such as PDF word spacing) into their container.

mod html;
mod markdown;

use crate::channels::ChannelCounts;
use crate::error::{Error, Result};
use crate::keys::Mark;
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
    /// PDF (not yet markable by this crate).
    Pdf,
    /// DOCX (not yet markable by this crate).
    Docx,
    /// ODT (not yet markable by this crate).
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

    /// Whether this crate can mark the format today.
    pub fn is_markable(self) -> bool {
        matches!(self, Format::PlainText | Format::Markdown | Format::Html)
    }
}

impl Markable for Format {
    fn embed(&self, fp: &Fingerprinter, input: &[u8], mark: &Mark) -> Result<Embedded> {
        let build: fn(&str) -> TextModel = match self {
            Format::PlainText => plain_model,
            Format::Markdown => markdown::model,
            Format::Html => html::model,
            Format::Pdf | Format::Docx | Format::Odt => {
                return Err(Error::Unsupported(self.name()))
            }
        };
        let src = std::str::from_utf8(input).map_err(|e| Error::NotUtf8(e.valid_up_to()))?;
        let model = build(src);
        let (text, counts) = fp.embed_model(src, &model, mark);
        Ok(Embedded {
            bytes: text.into_bytes(),
            counts,
        })
    }
}

fn plain_model(src: &str) -> TextModel {
    let mut m = TextModel::default();
    m.push_editable(src, 0);
    m
}
