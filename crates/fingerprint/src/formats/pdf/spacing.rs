//! The word-spacing channel: a bit in the horizontal gap of a word gap of
//! the page's own text, by quantisation index modulation (QIM).
//!
//! The gap's adjustment `g` (the `TJ` number after it, thousandths of text
//! space, 0 if none) is replaced by a value `g'` on the lattice
//! `Δ·k + Δ/4` for bit 1 or `Δ·k + 3Δ/4` for bit 0 ([`STEP`] `Δ` = 16): of
//! the two lattice points of the bit around `g` (one below, one above),
//! the one that keeps the shift accumulated along the line smallest, so
//! the shift never exceeds `Δ` whatever the bits (a TOC leader, whose gaps
//! all share one anchor and hence one bit, included). The last gap of each
//! text-showing operator is followed by one more number that cancels the
//! accumulated shift: the last word — the justified right margin — and
//! everything after it on the line are exactly where they were. Reading
//! needs no original: `g' mod Δ` near `Δ/4` reads 1, near `3Δ/4` reads 0,
//! anything else is not read; and a page is read at all only if a good
//! share of its adjustments is exactly on the lattice (all of a marked
//! page's, about one in eight of an unmarked page's integer kerning, none
//! of TeX's `-333.333`). A nudge is at most 16/1000 em: invisible at any normal zoom.
//! Only number gaps from `GAP_MIN + Δ` to 800 thousandths (moving right)
//! are marked: a marked one always stays a gap, and wider ones are layout
//! (a numbered heading, a table column) whose move might flip an
//! extractor's column heuristics.
//!
//! A gap is named by a hash of the glyph codes of the [`WINDOW`] words on
//! each side (its *anchor*), so it is found again in any copy of the file,
//! after a re-save that recompresses or renumbers objects (qpdf), and in a
//! file made of extracted pages.

use std::collections::HashMap;
use std::io::Read;

use lopdf::{Document, Object, ObjectId};

use super::content::{FontClass, GapSite, Scan, Token, Visitor};

/// Words on each side of a gap that name it.
const WINDOW: usize = 3;
/// Number gaps wider than this (thousandths of an em) are layout (a table
/// column, a numbered heading) rather than word gaps: left unmarked, so
/// that no extractor's column heuristics see them move.
const MAX_TEX_GAP: f64 = 800.0;
/// The QIM lattice step (thousandths of text space).
const STEP: f64 = 16.0;
/// A read is taken within this distance of `Δ/4` or `3Δ/4`. We write exact
/// integers; the slack is for writers that re-position glyphs with their
/// own small corrections (Ghostscript's pdfwrite adds up to about ±1).
const TOLERANCE: f64 = 2.0;
/// "Exactly on the lattice", for the gate.
const EXACT: f64 = 0.5;
/// A page is read only if at least this share of its adjusted gaps is
/// exactly on the lattice: about 1 for a marked page (0.4 after
/// Ghostscript's pdfwrite), about 1/8 for an unmarked page's integer
/// kerning. Reads of an unmarked page could not accuse an innocent anyway
/// (the threshold holds for any reads); the gate keeps unmarked files from
/// counting as "watermark read".
const GATE: f64 = 0.25;
/// Decoded content bytes per document at most (a Flate bomb stops there).
pub(super) const MAX_DECODED: usize = 256 << 20;
/// Pages read at most.
const MAX_PAGES: usize = 50_000;
/// Reads (or gaps) per document at most.
const MAX_GAPS: usize = 1 << 21;
/// Domain separation of the anchors.
const TAG: &[u8] = b"rampart pdf word gap v1";

/// One word gap read from a PDF: its anchor (the hash of the words around
/// it) and the bit its spacing carries. Turn reads into observations for a
/// version with [`Fingerprinter::observe_spacing`](crate::Fingerprinter::observe_spacing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpacingRead {
    /// Unkeyed hash of the glyph codes around the gap.
    pub anchor: [u8; 16],
    /// The bit read.
    pub bit: bool,
}

/// One gap every copy of a version marks.
#[derive(Debug, Clone)]
pub(super) struct TemplateGap {
    pub(super) anchor: [u8; 16],
    /// The original adjustment (0 if none).
    adjust: f64,
}

/// Fixed bytes an edit inserts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Insert {
    Nothing,
    /// Before the string of a `Tj`.
    Open,
    /// Before the string of a `'`.
    LineOpen,
    /// After the word spacing of a `"`.
    Tw,
    /// After the character spacing of a `"`.
    TcLineOpen,
    /// In place of `Tj`, `'` or `"`.
    CloseTj,
}

impl Insert {
    fn bytes(self) -> &'static [u8] {
        match self {
            Insert::Nothing => b"",
            Insert::Open => b"[",
            Insert::LineOpen => b"T* [",
            Insert::Tw => b" Tw",
            Insert::TcLineOpen => b" Tc T* [",
            Insert::CloseTj => b"] TJ",
        }
    }
}

/// How a gap's number is written: splitting a hex or literal string,
/// after a string, or in place of a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Hex,
    Literal,
    After,
    Number,
}

impl Form {
    fn around(self) -> (&'static [u8], &'static [u8]) {
        match self {
            Form::Hex => (b">", b"<"),
            Form::Literal => (b")", b"("),
            Form::After => (b"", b" "),
            Form::Number => (b"", b""),
        }
    }
}

/// How a mark is written into a stream (small: a template holds one per
/// gap).
#[derive(Debug, Clone, Copy)]
enum Piece {
    Text(Insert),
    /// The gap's value. The last gap of an operator is followed by the
    /// number that cancels the shift accumulated, so the last word is
    /// where it was.
    Gap {
        index: u32,
        form: Form,
        last: bool,
    },
    /// The compensation number (if any shift is left), then the insert.
    Close(Insert),
}

#[derive(Debug, Clone)]
struct Edit {
    at: u32,
    /// Bytes of the stream replaced.
    skip: u32,
    piece: Piece,
}

/// A content stream that carries gaps: its decoded bytes and the edits.
#[derive(Debug, Clone)]
pub(super) struct Rewrite {
    data: Vec<u8>,
    edits: Vec<Edit>,
}

/// The rewritten streams of one page, one slot per `/Contents` entry.
#[derive(Debug, Clone, Default)]
pub(super) struct SpacingPage {
    pub(super) streams: Vec<Option<Rewrite>>,
}

impl SpacingPage {
    pub(super) fn heap_bytes(&self) -> usize {
        self.streams
            .iter()
            .flatten()
            .map(|r| r.data.capacity() + r.edits.capacity() * std::mem::size_of::<Edit>())
            .sum()
    }
}

/// The words of a page, to name gaps once the words after them are known.
#[derive(Default)]
struct Words {
    bytes: Vec<u8>,
    /// End offset of each finished word in `bytes`.
    ends: Vec<usize>,
    start: usize,
}

impl Words {
    fn split(&mut self) {
        if self.bytes.len() > self.start {
            self.ends.push(self.bytes.len());
            self.start = self.bytes.len();
        }
    }

    fn anchor(&self, boundary: usize) -> [u8; 16] {
        let word = |i: usize| {
            let s = if i == 0 { 0 } else { self.ends[i - 1] };
            self.bytes.get(s..self.ends[i]).unwrap_or_default()
        };
        let mut h = blake3::Hasher::new();
        h.update(TAG);
        let n = self.ends.len();
        for i in boundary.saturating_sub(WINDOW)..boundary.min(n) {
            h.update(&(word(i).len() as u32).to_le_bytes());
            h.update(word(i));
        }
        h.update(b"|");
        for i in boundary..(boundary + WINDOW).min(n) {
            h.update(&(word(i).len() as u32).to_le_bytes());
            h.update(word(i));
        }
        let mut out = [0u8; 16];
        out.copy_from_slice(&h.finalize().as_bytes()[..16]);
        out
    }
}

/// The effective font classes of a page.
fn font_classes(doc: &Document, page: ObjectId) -> HashMap<Vec<u8>, FontClass> {
    let mut out = HashMap::new();
    let Ok(mut dict) = doc.get_dictionary(page) else {
        return out;
    };
    let mut res = None;
    for _ in 0..64 {
        if let Ok(r) = dict.get(b"Resources") {
            res = doc.dereference(r).ok().and_then(|(_, o)| o.as_dict().ok());
            break;
        }
        let Some(parent) = dict
            .get(b"Parent")
            .and_then(Object::as_reference)
            .ok()
            .and_then(|p| doc.get_dictionary(p).ok())
        else {
            break;
        };
        dict = parent;
    }
    let fonts = res
        .and_then(|r| r.get(b"Font").ok())
        .and_then(|f| doc.dereference(f).ok())
        .and_then(|(_, o)| o.as_dict().ok());
    for (name, font) in fonts.into_iter().flat_map(|d| d.iter()) {
        let class = if name == b"RampartV" || name == b"RampartI" {
            FontClass::Ours
        } else {
            let composite = doc
                .dereference(font)
                .ok()
                .and_then(|(_, o)| o.as_dict().ok())
                .and_then(|d| d.get(b"Subtype").ok())
                .and_then(|s| s.as_name().ok())
                == Some(b"Type0".as_slice());
            if composite {
                FontClass::Composite
            } else {
                FontClass::Simple
            }
        };
        out.insert(name.clone(), class);
    }
    out
}

/// The page's `/Contents` entries and each one's decoded bytes (`None`
/// when it is not a stream we can decode: an unknown filter or parameters,
/// or over the budget).
pub(super) fn page_streams(
    doc: &Document,
    page: ObjectId,
    budget: &mut usize,
) -> Vec<(Object, Option<Vec<u8>>)> {
    let Ok(dict) = doc.get_dictionary(page) else {
        return Vec::new();
    };
    let entries = match dict.get(b"Contents") {
        Ok(Object::Array(a)) => a.clone(),
        Ok(Object::Reference(r)) => match doc.get_object(*r) {
            Ok(Object::Array(a)) => a.clone(),
            _ => vec![Object::Reference(*r)],
        },
        _ => Vec::new(),
    };
    entries
        .into_iter()
        .map(|e| {
            let data = e
                .as_reference()
                .ok()
                .and_then(|r| doc.get_object(r).ok())
                .and_then(|o| o.as_stream().ok())
                .and_then(|s| decode(s, budget));
            (e, data)
        })
        .collect()
}

fn decode(s: &lopdf::Stream, budget: &mut usize) -> Option<Vec<u8>> {
    let filters: Vec<&[u8]> = match s.dict.get(b"Filter") {
        Err(_) | Ok(Object::Null) => Vec::new(),
        Ok(Object::Name(n)) => vec![n.as_slice()],
        Ok(Object::Array(a)) => a.iter().map(|f| f.as_name().ok()).collect::<Option<_>>()?,
        Ok(_) => return None,
    };
    let params = s
        .dict
        .get(b"DecodeParms")
        .ok()
        .is_some_and(|p| !matches!(p, Object::Null));
    let out = match filters.as_slice() {
        [] => s.content.clone(),
        [b"FlateDecode" | b"Fl"] if !params => {
            let mut out = Vec::new();
            let limit = (*budget as u64).saturating_add(1);
            flate2::read::ZlibDecoder::new(s.content.as_slice())
                .take(limit)
                .read_to_end(&mut out)
                .ok()?;
            out
        }
        _ => return None,
    };
    *budget = budget.checked_sub(out.len())?;
    Some(out)
}

/// Scans the streams of one page with `v`, naming fonts from the page.
fn scan_page(
    doc: &Document,
    page: ObjectId,
    streams: &[(Object, Option<Vec<u8>>)],
    v: &mut dyn StreamVisitor,
) {
    let classes = font_classes(doc, page);
    let lookup = |n: &[u8]| classes.get(n).copied().unwrap_or(FontClass::Simple);
    let mut scan = Scan::new(&lookup);
    for (i, (_, data)) in streams.iter().enumerate() {
        if let Some(data) = data {
            v.begin_stream(i);
            scan.stream(data, v.visitor());
        }
    }
}

trait StreamVisitor {
    fn begin_stream(&mut self, index: usize);
    fn visitor(&mut self) -> &mut dyn Visitor;
}

/// The template's scan of one page: gaps and the edits that mark them.
struct Recorder<'g> {
    words: Words,
    gaps: &'g mut Vec<TemplateGap>,
    /// Word boundary of each gap of this page (anchors come at the end).
    boundaries: Vec<usize>,
    stream: usize,
    edits: Vec<Vec<Edit>>,
    op_edits: Vec<Edit>,
    op_first: usize,
    op_first_boundary: usize,
}

impl StreamVisitor for Recorder<'_> {
    fn begin_stream(&mut self, index: usize) {
        self.stream = index;
    }
    fn visitor(&mut self) -> &mut dyn Visitor {
        self
    }
}

impl Visitor for Recorder<'_> {
    fn split(&mut self) {
        self.words.split();
    }
    fn byte(&mut self, b: u8) {
        self.words.bytes.push(b);
    }
    fn gap(&mut self, adjust: Option<f64>, site: GapSite) {
        if self.gaps.len() >= MAX_GAPS {
            return;
        }
        let index = self.gaps.len() as u32;
        let (at, skip, form) = match site {
            GapSite::Inside {
                splittable: false, ..
            } => return,
            GapSite::Inside {
                after, hex: true, ..
            } => (after, 0, Form::Hex),
            GapSite::Inside { after, .. } => (after, 0, Form::Literal),
            GapSite::After { after } => (after, 0, Form::After),
            // An absurd adjustment (a hostile or broken file) stays as is.
            GapSite::Number { .. } if adjust.is_none_or(|a| a.abs() > 10_000.0) => return,
            GapSite::Number { start, end, tex } => {
                let word_gap =
                    |a: f64| (-MAX_TEX_GAP..=-(super::content::GAP_MIN + STEP)).contains(&a);
                if tex && !adjust.is_some_and(word_gap) {
                    return;
                }
                (start, end.saturating_sub(start), Form::Number)
            }
        };
        let (Ok(at), Ok(skip)) = (u32::try_from(at), u32::try_from(skip)) else {
            return;
        };
        let edit = Edit {
            at,
            skip,
            piece: Piece::Gap {
                index,
                form,
                last: false,
            },
        };
        self.gaps.push(TemplateGap {
            anchor: [0; 16],
            adjust: adjust.unwrap_or(0.0),
        });
        self.boundaries.push(self.words.ends.len());
        self.op_edits.push(edit);
    }
    fn show(&mut self, op: &[u8], operator: &Token, operands: &[Token], done: bool) {
        if !done {
            self.op_first = self.gaps.len();
            self.op_first_boundary = self.boundaries.len();
            self.op_edits.clear();
            return;
        }
        if self.gaps.len() == self.op_first {
            return;
        }
        let last_string = operands
            .iter()
            .rfind(|t| matches!(t.kind, super::content::Kind::Str { .. }))
            .map(|t| t.start);
        let edit = |at: usize, skip: usize, piece| {
            Some(Edit {
                at: u32::try_from(at).ok()?,
                skip: u32::try_from(skip).ok()?,
                piece,
            })
        };
        let close_op = || {
            edit(
                operator.start,
                operator.end.saturating_sub(operator.start),
                Piece::Close(Insert::CloseTj),
            )
        };
        let planned: Option<(Vec<Option<Edit>>, Option<Edit>)> = match (op, last_string) {
            (b"TJ", _) => operands
                .iter()
                .rfind(|t| matches!(t.kind, super::content::Kind::Close))
                .map(|c| (Vec::new(), edit(c.start, 0, Piece::Close(Insert::Nothing)))),
            (b"Tj", Some(s)) => Some((vec![edit(s, 0, Piece::Text(Insert::Open))], close_op())),
            (b"'", Some(s)) => Some((vec![edit(s, 0, Piece::Text(Insert::LineOpen))], close_op())),
            (b"\"", Some(s)) => {
                // `aw ac (string) "`: the two numbers right before the string.
                let n = operands.len();
                let numbers = n
                    .checked_sub(3)
                    .and_then(|i| {
                        Some((operands.get(i)?, operands.get(i + 1)?, operands.get(i + 2)?))
                    })
                    .filter(|(a, b, l)| {
                        matches!(a.kind, super::content::Kind::Number(_))
                            && matches!(b.kind, super::content::Kind::Number(_))
                            && l.start == s
                    });
                numbers.map(|(aw, ac, _)| {
                    (
                        vec![
                            edit(aw.end, 0, Piece::Text(Insert::Tw)),
                            edit(ac.end, 0, Piece::Text(Insert::TcLineOpen)),
                        ],
                        close_op(),
                    )
                })
            }
            _ => None,
        };
        let Some((pre, Some(post))) = planned else {
            return self.drop_op();
        };
        let Some(pre) = pre.into_iter().collect::<Option<Vec<Edit>>>() else {
            return self.drop_op();
        };
        if let Some(Piece::Gap { last, .. }) = self.op_edits.last_mut().map(|e| &mut e.piece) {
            *last = true;
        }
        let Some(edits) = self.edits.get_mut(self.stream) else {
            return self.drop_op();
        };
        edits.extend(pre);
        edits.append(&mut self.op_edits);
        edits.push(post);
    }
}

impl Recorder<'_> {
    fn drop_op(&mut self) {
        self.gaps.truncate(self.op_first);
        self.boundaries.truncate(self.op_first_boundary);
        self.op_edits.clear();
    }
}

/// Scans one page of the original for the template: appends its gaps to
/// `gaps` (anchored) and returns the page's rewritable streams.
pub(super) fn template_page(
    doc: &Document,
    page: ObjectId,
    gaps: &mut Vec<TemplateGap>,
    budget: &mut usize,
) -> SpacingPage {
    let streams = page_streams(doc, page, budget);
    let first = gaps.len();
    let mut rec = Recorder {
        words: Words::default(),
        gaps,
        boundaries: Vec::new(),
        stream: 0,
        edits: vec![Vec::new(); streams.len()],
        op_edits: Vec::new(),
        op_first: 0,
        op_first_boundary: 0,
    };
    scan_page(doc, page, &streams, &mut rec);
    rec.words.split();
    let (words, boundaries, edits) = (rec.words, rec.boundaries, rec.edits);
    for (g, b) in gaps.iter_mut().skip(first).zip(boundaries) {
        g.anchor = words.anchor(b);
    }
    SpacingPage {
        streams: streams
            .into_iter()
            .zip(edits)
            .map(|((_, data), mut edits)| {
                let data = data.filter(|_| !edits.is_empty())?;
                // Ops are recorded in stream order; keep equal offsets stable.
                edits.sort_by_key(|e| e.at);
                edits.shrink_to_fit();
                Some(Rewrite { data, edits })
            })
            .collect(),
    }
}

/// The value written at a gap: of the two lattice points of `bit` around
/// `adjust` (each less than [`STEP`] away), the one closest to cancelling
/// `drift` (the shift accumulated so far in the array).
fn nudge(adjust: f64, bit: bool, drift: f64) -> f64 {
    let offset = if bit { STEP / 4.0 } else { 3.0 * STEP / 4.0 };
    let below = ((adjust - offset) / STEP).floor() * STEP + offset;
    let above = below + STEP;
    if (drift + below - adjust).abs() <= (drift + above - adjust).abs() {
        below
    } else {
        above
    }
}

/// Writes `rw` with the bits of `bits` (by template gap index).
pub(super) fn emit(rw: &Rewrite, gaps: &[TemplateGap], bits: &[bool], out: &mut Vec<u8>) {
    let mut at = 0usize;
    let mut drift = 0.0f64;
    for e in &rw.edits {
        let (e_at, e_skip) = (e.at as usize, e.skip as usize);
        if e_at >= at {
            out.extend_from_slice(rw.data.get(at..e_at).unwrap_or_default());
            at = e_at;
        }
        match e.piece {
            Piece::Text(t) => out.extend_from_slice(t.bytes()),
            Piece::Gap { index, form, last } => {
                let i = index as usize;
                let (Some(g), Some(&bit)) = (gaps.get(i), bits.get(i)) else {
                    continue;
                };
                let v = nudge(g.adjust, bit, drift);
                drift += v - g.adjust;
                let (pre, post) = form.around();
                out.extend_from_slice(pre);
                // Lattice values are integers: no float formatting.
                let _ = std::io::Write::write_fmt(out, format_args!("{}", v as i64));
                if last && drift.abs() >= 5e-5 {
                    out.push(b' ');
                    super::write::real(out, -drift);
                    drift = 0.0;
                }
                out.extend_from_slice(post);
            }
            Piece::Close(t) => {
                if drift.abs() >= 5e-5 {
                    out.push(b' ');
                    super::write::real(out, -drift);
                }
                drift = 0.0;
                out.extend_from_slice(t.bytes());
            }
        }
        at = at.max(e_at + e_skip);
    }
    out.extend_from_slice(rw.data.get(at..).unwrap_or_default());
}

/// The reader's scan: gaps whose adjustment is on the lattice.
struct Reader<'r> {
    words: Words,
    pending: Vec<(usize, bool)>,
    reads: &'r mut Vec<SpacingRead>,
    /// Gaps with an adjustment, and those exactly on the lattice (the gate).
    numbered: usize,
    exact: usize,
}

impl StreamVisitor for Reader<'_> {
    fn begin_stream(&mut self, _: usize) {}
    fn visitor(&mut self) -> &mut dyn Visitor {
        self
    }
}

impl Visitor for Reader<'_> {
    fn split(&mut self) {
        self.words.split();
    }
    fn byte(&mut self, b: u8) {
        self.words.bytes.push(b);
    }
    fn gap(&mut self, adjust: Option<f64>, _: GapSite) {
        let Some(g) = adjust else { return };
        self.numbered += 1;
        if read_bit(g, EXACT).is_some() {
            self.exact += 1;
        }
        if let Some(bit) = read_bit(g, TOLERANCE) {
            if self.reads.len() + self.pending.len() < MAX_GAPS {
                self.pending.push((self.words.ends.len(), bit));
            }
        }
    }
}

/// The bit a gap's adjustment carries, if it is within `tolerance` of the
/// lattice.
fn read_bit(g: f64, tolerance: f64) -> Option<bool> {
    let r = g.rem_euclid(STEP);
    if (r - STEP / 4.0).abs() <= tolerance {
        Some(true)
    } else if (r - 3.0 * STEP / 4.0).abs() <= tolerance {
        Some(false)
    } else {
        None
    }
}

/// Reads the word-spacing channel of a PDF: every gap whose spacing is on
/// the lattice, with its anchor. Needs no key, no original and no version:
/// a leaked file is read once, then turned into observations for each
/// candidate version. A file that does not parse, or is encrypted, gives
/// no reads; decoding is capped (content bytes, pages, reads) so that a
/// hostile file costs bounded time and memory.
pub fn read_pdf_spacing(bytes: &[u8]) -> Vec<SpacingRead> {
    let Ok(doc) = Document::load_mem(bytes) else {
        return Vec::new();
    };
    if doc.trailer.get(b"Encrypt").is_ok() || doc.encryption_state.is_some() {
        return Vec::new();
    }
    let mut reads = Vec::new();
    let mut budget = MAX_DECODED;
    for (_, page) in doc.get_pages().into_iter().take(MAX_PAGES) {
        let streams = page_streams(&doc, page, &mut budget);
        let mut r = Reader {
            words: Words::default(),
            pending: Vec::new(),
            reads: &mut reads,
            numbered: 0,
            exact: 0,
        };
        scan_page(&doc, page, &streams, &mut r);
        r.words.split();
        // The gate: a marked page has (nearly) every adjustment on the
        // lattice; an unmarked one about one in eight of its integers.
        let marked = r.exact as f64 >= GATE * r.numbered as f64;
        let (words, mut pending) = (r.words, r.pending);
        if !marked {
            pending.clear();
        }
        reads.extend(pending.into_iter().map(|(b, bit)| SpacingRead {
            anchor: words.anchor(b),
            bit,
        }));
        if reads.len() >= MAX_GAPS || budget == 0 {
            break;
        }
    }
    reads
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_keeps_little_per_gap() {
        assert!(std::mem::size_of::<Edit>() <= 16);
        assert!(std::mem::size_of::<TemplateGap>() <= 24);
    }

    #[test]
    fn nudges_are_small_readable_and_keep_gaps() {
        for adjust in [0.0, -20.0, -166.0, -167.5, -333.333, 250.0, -1000.0] {
            for bit in [false, true] {
                for drift in [-16.0, -12.0, 0.0, 7.0, 16.0] {
                    let v = nudge(adjust, bit, drift);
                    assert!((v - adjust).abs() <= STEP, "{adjust} {bit} {v}");
                    assert!((drift + v - adjust).abs() <= STEP, "{adjust} {drift} {v}");
                    assert_eq!(read_bit(v, EXACT), Some(bit), "{adjust} {bit} {v}");
                    if adjust.abs() >= 166.0 {
                        assert!(v.abs() >= 150.0 && v.signum() == adjust.signum());
                    }
                }
            }
        }
        // The same bit at every gap of a line (a leader's repeated
        // anchor) does not accumulate a shift.
        let mut drift = 0.0;
        for _ in 0..1000 {
            drift += nudge(-167.0, true, drift) + 167.0;
            assert!(drift.abs() <= STEP, "{drift}");
        }
        assert_eq!(read_bit(0.0, TOLERANCE), None);
        assert_eq!(read_bit(-333.333, EXACT), None);
        assert_eq!(read_bit(-340.9, TOLERANCE), Some(false));
    }
}
