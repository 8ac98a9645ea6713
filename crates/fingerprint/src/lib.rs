//! Forensic watermarks for Rampart: every served copy of a document carries
//! an invisible, collusion-resistant fingerprint of its recipient, so that a
//! leaked file — even an excerpt, reflowed, normalised, or mixed from the
//! copies of several colluding accounts — names its source.
//!
//! # How it works
//! * **Code** ([`code`](crate::Params)): a symmetric Tardos code with the arcsine
//!   bias distribution cut off at `t`. Each account has one infinite secret code
//!   word derived with keyed BLAKE3 from the server secret; each copy carries the
//!   bits of that word at *positions* derived from the document version and the
//!   content around each carrier. Scores of all files of a dump add up.
//! * **Download layer**: a quarter of the positions (chosen by the position
//!   itself) carries the bits of a per-download code word instead, derived from
//!   the account and the download id. Once an account is accused,
//!   [`Fingerprinter::score_downloads`] scores its candidate downloads on those
//!   positions and names the one the copy came from. We chose this over an
//!   error-corrected download tag because it degrades softly like the rest of
//!   the code (a partial read only lowers the score) and survives collusion
//!   and mixing, where a tag would decode to garbage.
//! * **Anchors and channels**: a site (a gap between two words, an apostrophe,
//!   ...) is named by a hash of the three words on each side; its code position
//!   is a keyed hash of that name and the version. Channels: space variants,
//!   punctuation variants, zero-width characters (see [`strip`]), and in
//!   PDFs the horizontal spacing of the word gaps of the page's own text
//!   ([`read_pdf_spacing`], [`Channel::WordSpacing`]), named by the glyph
//!   codes of the words around each gap.
//! * **Formats**: plain text, Markdown and HTML are marked in place; DOCX and
//!   ODT in the text runs of their main XML part; PDF by an incremental update
//!   that appends a visible marking line and an invisible marked text layer
//!   to every page and re-emits the page's own text with its word spacing
//!   marked (see [`PdfTemplate`]). The word spacing survives removal of the
//!   added layer, re-saves (qpdf, mutool), page extraction and merging, and
//!   in our measurements even Ghostscript's pdfwrite and cairo, which
//!   re-derive the spacing from the glyph positions; it does not survive
//!   text extraction, re-typesetting, rasterisation or OCR, where the
//!   invisible layer's text channels (or nothing) remain. The download id is also written to
//!   the metadata of PDF, DOCX and ODT ([`extract_download_id`]). Other media
//!   types ([`Format::from_media_type`] gives `None`) are served with a
//!   visible marking where possible and recorded as unmarkable.
//! * **Threshold**: the Chernoff bound with the exact moment generating function
//!   of an innocent account's score over the positions actually read; it keeps
//!   the false-accusation probability of each innocent account ≤ ε = 10⁻⁶. The
//!   formula and its assumptions are in the `code` module's documentation,
//!   reproduced here:
//!
//!   `Z* = min_{λ>0} ( ln(1/ε) + Σ_j ln(p_j e^{λ v_j a_j} + (1-p_j) e^{-λ v_j / a_j}) ) / λ`,
//!   `a_j = sqrt((1-p_j)/p_j)`, `v_j ∈ [-1, 1]` the merged read of position `j`.
//!   Assumptions: the PRF is indistinguishable from random (so an innocent's bits
//!   are independent of the pirate copy and across positions); positions are
//!   distinct (repeated reads are merged first); the innocent's own copy is not
//!   part of the leak. With N candidate accounts the expected number of innocents
//!   accused per decode is ≤ N·ε.
//!
//! # Limits
//! A leaker who knows the scheme can remove every channel with [`strip`] (or by
//! retyping), and a PDF's word spacing by rounding every `TJ` number (or by
//! rasterising); text watermarks resist unaware transformations and collusion
//! by mixing, not a deliberate, informed scrub. Visible marking lines are the
//! complementary deterrent.

mod channels;
mod code;
mod decode;
mod error;
mod formats;
mod keys;
mod model;
mod text;

pub use channels::{strip, ChannelCounts, Plan};
pub use code::{Layer, Params};
pub use decode::{AccountScore, Accusation, DownloadScore, Evidence, Observation, Observations};
pub use error::{Error, Result};
pub use formats::{
    default_marking_line, extract_download_id, extract_pdf_metadata, layer_sentinels,
    read_pdf_spacing, Embedded, Format, Markable, PdfTemplate, SpacingRead,
};
pub use keys::{AccountId, DownloadId, Mark, ServerSecret, VersionId};
pub use text::Channel;

/// Alias of [`strip`] under the name triage uses: removes every watermark
/// channel so leaked and stored texts can be compared.
pub fn normalize_away(text: &str) -> String {
    strip(text)
}

/// Marks copies and decodes leaks under one server secret and parameter set.
#[derive(Clone)]
pub struct Fingerprinter {
    code: code::Code,
}

impl std::fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fingerprinter")
            .field("params", &self.code.params)
            .finish_non_exhaustive()
    }
}

impl Fingerprinter {
    /// A fingerprinter for `secret` with validated `params`.
    pub fn new(secret: &ServerSecret, params: Params) -> Result<Self> {
        params.validate()?;
        Ok(Self {
            code: code::Code {
                params,
                keys: keys::Keys::new(secret),
            },
        })
    }

    /// The same fingerprinter with another false-accusation target, for a
    /// caller that runs several tests on one account and splits its error
    /// budget between them (a union bound).
    pub fn with_false_accusation(&self, epsilon: f64) -> Result<Self> {
        let mut code = self.code.clone();
        code.params.false_accusation = epsilon;
        code.params.validate()?;
        Ok(Self { code })
    }

    /// The parameters in use.
    pub fn params(&self) -> &Params {
        &self.code.params
    }

    /// Marks `input` in `format` for `mark` (the visible marking of PDF,
    /// DOCX and ODT is [`default_marking_line`]).
    pub fn embed(&self, format: Format, input: &[u8], mark: &Mark) -> Result<Embedded> {
        format.embed(self, input, mark)
    }

    /// Marks `input` in `format` for `mark` with `marking_line` as the
    /// visible marking (see [`Format::embed_with_marking`]).
    pub fn embed_with_marking(
        &self,
        format: Format,
        input: &[u8],
        mark: &Mark,
        marking_line: &str,
    ) -> Result<Embedded> {
        format.embed_with_marking(self, input, mark, marking_line)
    }

    /// Marks a plain text; shorthand for [`Format::PlainText`].
    pub fn embed_text(&self, text: &str, mark: &Mark) -> (String, ChannelCounts) {
        let mut m = model::TextModel::default();
        m.push_editable(text, 0);
        self.embed_model(text, &m, mark)
    }

    pub(crate) fn embed_model(
        &self,
        src: &str,
        model: &model::TextModel,
        mark: &Mark,
    ) -> (String, ChannelCounts) {
        let plan = channels::prepare(&self.code, model, mark.version);
        let edits = channels::edits(&self.code, &plan, mark);
        (model::apply(src, edits), plan.counts)
    }

    /// The mark-independent work of marking a plain text, Markdown, HTML,
    /// DOCX or ODT version: do it once per version and mark each download with
    /// [`Fingerprinter::mark_prepared`], which then costs about one keyed
    /// hash per site (DOCX and ODT: plus inflating and deflating the main
    /// part). PDF gives an error (it has [`Fingerprinter::prepare_pdf`]).
    pub fn prepare(&self, format: Format, input: &[u8], version: VersionId) -> Result<Plan> {
        if matches!(format, Format::Docx | Format::Odt) {
            return formats::office_prepare(format, self, input, version);
        }
        let src = std::str::from_utf8(input).map_err(|e| Error::NotUtf8(e.valid_up_to()))?;
        let model = formats::text_model(format, src)?;
        Ok(self.plan_of(src, &model, version))
    }

    /// [`Fingerprinter::prepare`] for the text of a parsed PDF.
    pub fn prepare_pdf(&self, template: &PdfTemplate, version: VersionId) -> Plan {
        let mut model = model::TextModel::default();
        model.push_editable(template.text(), 0);
        let mut plan = self.plan_of(template.text(), &model, version);
        let vk = self.code.keys.version_key(&version);
        plan.gaps = template
            .gap_anchors()
            .map(|a| {
                let pos = keys::position(&vk, a);
                (pos, self.code.bias(pos))
            })
            .collect();
        plan.counts.word_spacing = plan.gaps.len();
        plan
    }

    pub(crate) fn plan_of(&self, src: &str, model: &model::TextModel, version: VersionId) -> Plan {
        let mut plan = channels::prepare(&self.code, model, version);
        plan.source = *blake3::hash(src.as_bytes()).as_bytes();
        plan
    }

    /// Marks `input` (the exact bytes `plan` was prepared from) for `mark`
    /// (DOCX and ODT with [`default_marking_line`]).
    pub fn mark_prepared(&self, plan: &Plan, input: &[u8], mark: &Mark) -> Result<Embedded> {
        self.mark_prepared_with_marking(plan, input, mark, &default_marking_line(mark))
    }

    /// [`Fingerprinter::mark_prepared`] with `marking_line` as the visible
    /// marking of a DOCX or ODT (text formats carry none).
    pub fn mark_prepared_with_marking(
        &self,
        plan: &Plan,
        input: &[u8],
        mark: &Mark,
        marking_line: &str,
    ) -> Result<Embedded> {
        if let Some(format) = plan.office {
            return formats::office_mark_prepared(format, self, plan, input, mark, marking_line);
        }
        if mark.version != plan.version || *blake3::hash(input).as_bytes() != plan.source {
            return Err(Error::TemplateMismatch);
        }
        let src = std::str::from_utf8(input).map_err(|e| Error::NotUtf8(e.valid_up_to()))?;
        let edits = channels::edits(&self.code, plan, mark);
        Ok(Embedded {
            bytes: model::apply(src, edits).into_bytes(),
            counts: plan.counts,
        })
    }
}
