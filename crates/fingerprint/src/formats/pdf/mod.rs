//! PDF: an **incremental update** appended to the original, never a rewrite,
//! so the original bytes are a byte-exact prefix of every marked copy (and
//! any signature over them stays verifiable as a signature of a prior
//! revision). The update adds, per page:
//!
//! * a visible marking line (Helvetica 6 pt, grey) in the bottom margin;
//! * an invisible text layer (text rendering mode 3, 1 pt, also in the bottom
//!   margin, away from the page's own text so that extractors do not mix the
//!   two) carrying the page's text with the fingerprint channels embedded. It
//!   uses a Type0 font with Identity-H encoding and a `/ToUnicode` map code ↦
//!   code, so every character — no-break and four-per-em spaces, zero-width
//!   characters, typographic punctuation — comes out of `pdftotext` as
//!   written. The font embeds a TrueType program of empty glyphs, one per
//!   code: with a substituted system font instead, Ghostscript's pdfwrite
//!   (10.0) dropped every code that font has no glyph for — the zero-width
//!   characters among them — and a `gs` re-save lost the layer's bits
//!   (measured on libtasn1.pdf: 337 reads after `gs` → `pdftotext` without
//!   the embedded program, 9,845 with it, of 9,861 before `gs`);
//!
//! * the page's own content streams that show text, re-emitted as new
//!   stream objects with the horizontal spacing of every word gap carrying
//!   a code bit (the *word-spacing channel*, see the `spacing` module): the
//!   glyphs, words and line advances are exactly the original's, each gap
//!   moves by at most 16/1000 em. The page's `/Contents` references the
//!   re-emitted streams instead of the originals (which stay in the file,
//!   unreferenced, as the byte-exact prefix requires);
//!
//! and for the document a new Info dictionary (the original entries plus
//! `/RampartDownload`, the download id in hex). Each modified page is written
//! again under its own object number with `/Contents [q-stream, original
//! or re-emitted streams…, our stream]` and explicit `/Resources` (the
//! inherited ones plus
//! our two fonts); the original content is wrapped in `q … Q` so its
//! graphics state cannot leak into our marking.
//!
//! The cross-reference section matches the original's last one: a classic
//! table after a table, a cross-reference stream after a stream, with
//! `/Prev` pointing at the original's. Encrypted originals are refused
//! ([`Error::Unsupported`]): unencrypted additions to an encrypted file would
//! be read as garbage.
//!
//! Parsing (page tree, fonts, text, content streams and their word gaps)
//! is done once per document version in a [`PdfTemplate`]; marking a
//! download from a template draws the code bits, marks the text of the
//! invisible layer and writes the page streams with their gaps' numbers
//! (see the cost below).
//!
//! The word-spacing channel is the one that lives in the page's own text:
//! removing our extra stream (the invisible layer and the marking line)
//! leaves it intact, and so do — measured on two Debian manuals (pdfTeX,
//! FOP) and a `Tj`-with-spaces file, each stripped of the added layer
//! first: re-saves (qpdf with object streams, recompression, content
//! normalisation or coalescing; `mutool clean`, also with `-s`; lopdf),
//! page extraction and merging (qpdf `--pages`, pdfseparate, pdfunite: each
//! gap is anchored by the words around it, not by its page or offset),
//! mixing pages of several copies (the code is collusion-resistant), and
//! even re-writers that re-derive every `TJ` from the glyph positions —
//! Ghostscript's pdfwrite, `pdftops | ps2pdf`, `pdftocairo -pdf` — because
//! the channel *is* the glyph positions (84–96 % of the reads survived
//! Ghostscript, 18–96 % cairo, and the recipient was accused each time;
//! that is measured, not guaranteed). It does not survive what loses the
//! positions or the words: text extraction or copy-and-paste (the text
//! channels of the invisible layer cover those), re-typesetting (PDF to
//! DOCX and back), rasterisation, scanning, OCR or photographs. A leaker
//! who knows the scheme can also round every `TJ` number to a multiple of
//! 16. Content streams with filters other than Flate (or with predictors)
//! are neither marked nor read by this channel, nor is text in form
//! XObjects (whose text the invisible layer does carry).
//!
//! Cost per download: the template keeps each page's decoded text streams
//! with the list of edits, so a download only draws one code bit per gap (a
//! keyed hash, as for every other channel: most of the cost), writes the
//! streams with a number per gap and compresses them with Flate's fast
//! level. Measured on the GPL repeated to 1 MB (273 pages, 129,000 word
//! gaps; `examples/throughput.rs`): 106 ms and +2.0 MB per download against
//! 84 ms and +1.3 MB without the re-emitted streams (about 2.5 KB more per
//! page); uncompressed, the update would grow by another 1 MB for 15 ms
//! less, and Flate's default level saves a third of the update for more
//! than twice its time: fast it is. The template keeps about 16 bytes per
//! gap and the decoded streams that carry gaps.
//!
//! Known limits: page `/Rotate` is ignored (the marking line then runs along
//! a side of the displayed page); text in form XObjects, annotations and
//! Type3 glyph procedures is not extracted; characters outside the Basic
//! Multilingual Plane are dropped from the invisible layer.

mod content;
mod embed;
mod extract;
mod lex;
mod spacing;
mod write;

pub use spacing::{read_pdf_spacing, SpacingRead};

use lopdf::{Dictionary, Document, Object, ObjectId};

use crate::error::{Error, Result};
use crate::keys::{DownloadId, Mark};

/// Separates pages in the joined text (never produced by extraction).
const PAGE_BREAK: char = '\u{0C}';
/// Font size and leading of the invisible layer (points).
const INVISIBLE_SIZE: f64 = 1.0;
const INVISIBLE_LEADING: f64 = 1.25;
/// Average advance of the invisible font (em), for wrapping.
const INVISIBLE_ADVANCE: f64 = 0.5;
/// Font size of the visible marking line (points).
const LINE_SIZE: f64 = 6.0;

/// Whether the re-emitted content streams are Flate-compressed (fast
/// level) or written as they are; see the module docs for the measurement.
const COMPRESS_REWRITTEN: bool = true;

/// How the stream we append to every page starts (the word-spacing reader
/// skips such streams: they show nothing of the page's own text).
const OUR_STREAM_START: &[u8] = b"Q\nq\nBT\n/RampartV";

/// Name of the Info dictionary entry holding the download id.
const INFO_KEY: &str = "RampartDownload";

/// A PDF parsed once per document version: page objects, their effective
/// resources, page boxes, extracted text and the trailer facts needed to
/// append an update. Reuse it for every download of that version with
/// [`Fingerprinter::embed_pdf`].
#[derive(Debug, Clone)]
pub struct PdfTemplate {
    digest: [u8; 32],
    len: usize,
    /// Whether the original ends with an end-of-line marker (else the
    /// update starts with one).
    ends_with_eol: bool,
    pages: Vec<Page>,
    /// Joined page texts, separated by form feeds.
    text: String,
    /// Characters of the text and of every channel variant.
    chars: std::collections::BTreeSet<char>,
    /// First free object number.
    size: u32,
    /// Offset of the original's last cross-reference section.
    prev: usize,
    xref_stream: bool,
    root: ObjectId,
    info: Dictionary,
    id: Option<Object>,
    /// Every word gap of the pages' own text, in page order.
    gaps: Vec<spacing::TemplateGap>,
}

#[derive(Debug, Clone)]
struct Page {
    id: ObjectId,
    /// The page dictionary without `/Contents` and `/Resources`, serialised.
    head: Vec<u8>,
    /// Original content stream references.
    contents: Vec<Object>,
    /// Effective resources without `/Font`, serialised body entries.
    resources: Vec<u8>,
    /// Effective font dictionary entries, serialised.
    fonts: Vec<u8>,
    /// Lower-left corner and width of the crop box.
    llx: f64,
    lly: f64,
    width: f64,
    /// The page's content streams that carry word gaps, ready to re-emit.
    spacing: spacing::SpacingPage,
}

fn malformed(reason: impl std::fmt::Display) -> Error {
    Error::Malformed {
        format: "pdf",
        reason: reason.to_string(),
    }
}

impl PdfTemplate {
    /// Parses `original`. Fails with [`Error::Malformed`] if lopdf cannot
    /// read it and with [`Error::Unsupported`] if it is encrypted.
    pub fn parse(original: &[u8]) -> Result<Self> {
        let doc = Document::load_mem(original).map_err(malformed)?;
        if doc.trailer.get(b"Encrypt").is_ok() || doc.encryption_state.is_some() {
            return Err(Error::Unsupported("encrypted pdf"));
        }
        let (prev, xref_stream) = last_xref(original).ok_or_else(|| malformed("no startxref"))?;
        let root = doc
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .map_err(malformed)?;
        let info = doc
            .trailer
            .get(b"Info")
            .and_then(|o| doc.dereference(o))
            .and_then(|(_, o)| o.as_dict())
            .cloned()
            .unwrap_or_default();
        let size = doc
            .trailer
            .get(b"Size")
            .and_then(Object::as_i64)
            .ok()
            .and_then(|s| u32::try_from(s).ok())
            .unwrap_or(0)
            .max(doc.max_id + 1);
        let mut pages = Vec::new();
        let mut texts = Vec::new();
        let mut gaps = Vec::new();
        let mut budget = spacing::MAX_DECODED;
        for (_, id) in doc.get_pages() {
            let (mut p, text) = page(&doc, id)?;
            p.spacing = spacing::template_page(&doc, id, &mut gaps, &mut budget);
            pages.push(p);
            texts.push(text);
        }
        gaps.shrink_to_fit();
        let text = texts.join(&PAGE_BREAK.to_string());
        let mut chars: std::collections::BTreeSet<char> = text.chars().collect();
        chars.extend(crate::channels::VARIANTS);
        chars.insert(crate::text::ZW0_PDF);
        Ok(Self {
            chars,
            digest: *blake3::hash(original).as_bytes(),
            len: original.len(),
            ends_with_eol: original.ends_with(b"\n") || original.ends_with(b"\r"),
            pages,
            text,
            size,
            prev,
            xref_stream,
            root,
            info,
            id: doc.trailer.get(b"ID").ok().cloned(),
            gaps,
        })
    }

    /// BLAKE3 digest of the original this template was parsed from.
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }

    /// Length in bytes of that original.
    pub fn original_len(&self) -> usize {
        self.len
    }

    /// Number of pages.
    pub fn pages(&self) -> usize {
        self.pages.len()
    }

    /// The extracted text of every page (pages separated by form feeds), as
    /// the invisible layer carries it before marking.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub(crate) fn gap_anchors(&self) -> impl Iterator<Item = &[u8; 16]> {
        self.gaps.iter().map(|g| &g.anchor)
    }

    /// Number of word gaps the word-spacing channel marks in every copy.
    pub fn word_gaps(&self) -> usize {
        self.gaps.len()
    }

    /// Approximate heap size, for caches: the text, and the content
    /// streams kept to re-emit with their word gaps marked.
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.gaps.capacity() * std::mem::size_of::<spacing::TemplateGap>()
            + self
                .pages
                .iter()
                .map(|p| {
                    p.head.capacity()
                        + p.resources.capacity()
                        + p.fonts.capacity()
                        + p.spacing.heap_bytes()
                })
                .sum::<usize>()
    }
}

/// The page's facts for the update, and its text.
fn page(doc: &Document, id: ObjectId) -> Result<(Page, String)> {
    let dict = doc.get_dictionary(id).map_err(malformed)?;
    let inherited = |key: &[u8]| -> Option<&Object> {
        let mut d = dict;
        for _ in 0..64 {
            if let Ok(v) = d.get(key) {
                return doc.dereference(v).ok().map(|(_, o)| o);
            }
            let parent = d.get(b"Parent").and_then(Object::as_reference).ok()?;
            d = doc.get_dictionary(parent).ok()?;
        }
        None
    };
    let rect = inherited(b"CropBox")
        .or_else(|| inherited(b"MediaBox"))
        .and_then(|o| o.as_array().ok())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_float().ok())
                .collect::<Vec<_>>()
        })
        .filter(|v| v.len() == 4)
        .unwrap_or_else(|| vec![0.0, 0.0, 612.0, 792.0]);
    let (llx, lly) = (
        f64::from(rect[0].min(rect[2])),
        f64::from(rect[1].min(rect[3])),
    );
    let width = f64::from((rect[2] - rect[0]).abs());
    let res = inherited(b"Resources")
        .and_then(|o| o.as_dict().ok())
        .cloned()
        .unwrap_or_default();
    let fonts = extract::dict_entry(doc, &res, b"Font")
        .cloned()
        .unwrap_or_default();
    let entries = |d: &Dictionary, skip: &[&[u8]]| {
        let mut out = Vec::new();
        for (k, v) in d.iter() {
            if !skip.contains(&k.as_slice()) {
                write::name(&mut out, k);
                out.push(b' ');
                write::object(&mut out, v);
            }
        }
        out
    };
    let contents = match dict.get(b"Contents") {
        Ok(Object::Array(a)) => a.clone(),
        Ok(Object::Reference(r)) => match doc.get_object(*r) {
            // An indirect array of streams.
            Ok(Object::Array(a)) => a.clone(),
            _ => vec![Object::Reference(*r)],
        },
        _ => Vec::new(),
    };
    let text = extract::page_text(doc, id, &res);
    let page = Page {
        id,
        head: entries(dict, &[b"Contents", b"Resources"]),
        contents,
        resources: entries(&res, &[b"Font"]),
        fonts: entries(&fonts, &[b"RampartV", b"RampartI"]),
        llx,
        lly,
        width,
        spacing: spacing::SpacingPage::default(),
    };
    Ok((page, text))
}

/// Offset of the last cross-reference section and whether it is a stream.
fn last_xref(pdf: &[u8]) -> Option<(usize, bool)> {
    let tail_start = pdf.len().saturating_sub(2048);
    let tail = &pdf[tail_start..];
    let at = tail.windows(9).rposition(|w| w == b"startxref")?;
    let num: String = tail[at + 9..]
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| char::from(b))
        .collect();
    let off: usize = num.parse().ok()?;
    let sect = pdf.get(off..)?;
    let first = sect.iter().position(|b| !b.is_ascii_whitespace())?;
    Some((off, !sect[first..].starts_with(b"xref")))
}

/// The first and last lines of every page's invisible layer: "Rampart
/// layer" and "Rampart end", each with the first eight hex digits of the
/// download id. Text extractors put the layer beside the page's own text,
/// before or after the visible marking line as they order text, so a
/// matcher drops everything from the first sentinel to the second and
/// compares the page's own text only (`rampart-docmatch` does), while the
/// watermark reader reads the layer.
pub fn layer_sentinels(download: &DownloadId) -> (String, String) {
    let short = &hex(download)[..8];
    (
        format!("Rampart layer {short}"),
        format!("Rampart end {short}"),
    )
}

/// The marking line used when the caller gives none.
pub fn default_marking_line(mark: &Mark) -> String {
    let short: String = mark.download.0[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "Rampart copy for account {} \u{b7} NON-PUBLIC \u{b7} download {short}",
        mark.account.0
    )
}

fn hex(id: &DownloadId) -> String {
    id.0.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn parse_hex_id(s: &str) -> Option<DownloadId> {
    let s = s.trim();
    if s.len() != 32 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(DownloadId(out))
}

/// The download id recorded in a marked PDF's Info dictionary, if any:
/// read through lopdf, or by a byte search when the file does not parse
/// (a damaged or truncated leak).
pub fn extract_pdf_metadata(bytes: &[u8]) -> Option<DownloadId> {
    if let Ok(doc) = Document::load_mem(bytes) {
        let found = doc
            .trailer
            .get(b"Info")
            .and_then(|o| doc.dereference(o))
            .and_then(|(_, o)| o.as_dict())
            .and_then(|d| d.get(INFO_KEY.as_bytes()))
            .ok()
            .and_then(|o| lopdf::decode_text_string(o).ok())
            .and_then(|s| parse_hex_id(&s));
        if found.is_some() {
            return found;
        }
    }
    let key = format!("/{INFO_KEY}");
    let key = key.as_bytes();
    let at = bytes.windows(key.len()).rposition(|w| w == key)?;
    let rest = &bytes[at + key.len()..];
    let open = rest.iter().position(|&b| !b.is_ascii_whitespace())?;
    if rest.get(open) != Some(&b'(') {
        return None;
    }
    let s: String = rest[open + 1..]
        .iter()
        .take(32)
        .map(|&b| char::from(b))
        .collect();
    parse_hex_id(&s)
}
