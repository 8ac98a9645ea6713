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
//! of TeX's `-333.333`). A nudge is at most 16/1000 em: invisible at any
//! normal zoom (at 150 dpi no pixel of a rendered page changes by more
//! than a quarter of its grey range). Only number gaps from `GAP_MIN + Δ` to 800 thousandths (moving right)
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

mod mark;
mod read;

pub(super) use mark::{emit, template_page, SpacingPage, TemplateGap};
pub use read::read_pdf_spacing;

use super::content::{FontClass, Scan, Visitor};

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
/// How the stream we append to every page starts: it shows only our own
/// fonts, which the scan ignores anyway, so it is neither inflated nor
/// scanned.
const OURS: &[u8] = super::OUR_STREAM_START;
/// Decoded bytes of one content stream at most.
const MAX_STREAM: usize = 64 << 20;
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

    /// The anchor of the gap before word `boundary`: one BLAKE3 of the tag
    /// and the length-prefixed words on each side (`buf` is scratch).
    fn anchor(&self, boundary: usize, buf: &mut Vec<u8>) -> [u8; 16] {
        let word = |i: usize| {
            let s = if i == 0 { 0 } else { self.ends[i - 1] };
            self.bytes.get(s..self.ends[i]).unwrap_or_default()
        };
        buf.clear();
        buf.extend_from_slice(TAG);
        let n = self.ends.len();
        let push = |buf: &mut Vec<u8>, i: usize| {
            buf.extend_from_slice(&(word(i).len() as u32).to_le_bytes());
            buf.extend_from_slice(word(i));
        };
        for i in boundary.saturating_sub(WINDOW)..boundary.min(n) {
            push(buf, i);
        }
        buf.push(b'|');
        for i in boundary..(boundary + WINDOW).min(n) {
            push(buf, i);
        }
        let mut out = [0u8; 16];
        out.copy_from_slice(&blake3::hash(buf).as_bytes()[..16]);
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
            // Simple only when the font says so: a known simple subtype.
            let subtype = doc
                .dereference(font)
                .ok()
                .and_then(|(_, o)| o.as_dict().ok())
                .and_then(|d| d.get(b"Subtype").ok())
                .and_then(|s| s.as_name().ok());
            match subtype {
                Some(b"Type1" | b"TrueType" | b"Type3" | b"MMType1") => FontClass::Simple,
                _ => FontClass::Composite,
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
    let limit = (*budget).min(MAX_STREAM);
    let out = match filters.as_slice() {
        [] => s.content.clone(),
        [b"FlateDecode" | b"Fl"] if !params => {
            let mut z = flate2::read::ZlibDecoder::new(s.content.as_slice());
            let mut out = Vec::new();
            // Our own appended stream is recognised by its first bytes and
            // not inflated (it is most of a marked copy's content).
            let ours = (&mut z)
                .take(OURS.len() as u64)
                .read_to_end(&mut out)
                .is_ok_and(|_| out == OURS);
            if ours {
                return None;
            }
            let read = z
                .take((limit as u64 + 1).saturating_sub(out.len() as u64))
                .read_to_end(&mut out);
            // The work is spent either way: a broken or oversized stream
            // is charged to the budget too.
            *budget = budget.saturating_sub(out.len());
            read.ok()?;
            return (out.len() <= limit).then_some(out);
        }
        _ => return None,
    };
    // Our leading `q` stream is skipped too, so that the `q`/`Q` nesting the
    // scan follows for the font is the original's in every copy.
    if out.len() > limit || out.starts_with(OURS) || out == b"q\n" {
        return None;
    }
    *budget -= out.len();
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
    // A font the page does not name could be composite: never split its
    // strings (only its `TJ` numbers carry bits).
    let lookup = |n: &[u8]| classes.get(n).copied().unwrap_or(FontClass::Composite);
    let mut scan = Scan::new(&lookup);
    for (i, (_, data)) in streams.iter().enumerate() {
        // Our own appended stream (marking line, invisible layer) shows only
        // our fonts, which the scan ignores anyway: skip lexing it.
        if let Some(data) = data
            .as_ref()
            .filter(|d| !d.starts_with(super::OUR_STREAM_START))
        {
            v.begin_stream(i);
            scan.stream(data, v.visitor());
        }
    }
}

trait StreamVisitor {
    fn begin_stream(&mut self, index: usize);
    fn visitor(&mut self) -> &mut dyn Visitor;
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

#[cfg(test)]
mod tests {
    use super::*;

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
