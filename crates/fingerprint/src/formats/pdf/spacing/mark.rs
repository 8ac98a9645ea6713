//! Marking: the template's scan records every gap with the edits that
//! write it (and turn `Tj`, `'` and `"` into `TJ` where a gap needs a
//! number), and a download emits the streams with its bits.

use super::super::content::{GapSite, Visitor};
use super::super::lex::{Kind, Token};
use super::{nudge, page_streams, scan_page, StreamVisitor, Words, MAX_GAPS, MAX_TEX_GAP, STEP};
use lopdf::{Document, ObjectId};

/// One gap every copy of a version marks.
#[derive(Debug, Clone)]
pub(in crate::formats::pdf) struct TemplateGap {
    pub(in crate::formats::pdf) anchor: [u8; 16],
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
pub(in crate::formats::pdf) struct Rewrite {
    data: Vec<u8>,
    edits: Vec<Edit>,
}

/// The rewritten streams of one page, one slot per `/Contents` entry.
#[derive(Debug, Clone, Default)]
pub(in crate::formats::pdf) struct SpacingPage {
    pub(in crate::formats::pdf) streams: Vec<Option<Rewrite>>,
}

impl SpacingPage {
    pub(in crate::formats::pdf) fn heap_bytes(&self) -> usize {
        self.streams
            .iter()
            .flatten()
            .map(|r| r.data.capacity() + r.edits.capacity() * std::mem::size_of::<Edit>())
            .sum()
    }
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
                    |a: f64| (-MAX_TEX_GAP..=-(super::super::content::GAP_MIN + STEP)).contains(&a);
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
            .rfind(|t| matches!(t.kind, Kind::Str { .. }))
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
                .rfind(|t| matches!(t.kind, Kind::Close))
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
                        matches!(a.kind, Kind::Number(_))
                            && matches!(b.kind, Kind::Number(_))
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
pub(in crate::formats::pdf) fn template_page(
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
    let mut buf = Vec::new();
    for (g, b) in gaps.iter_mut().skip(first).zip(boundaries) {
        g.anchor = words.anchor(b, &mut buf);
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

/// Writes `rw` with the bits of `bits` (by template gap index).
pub(in crate::formats::pdf) fn emit(
    rw: &Rewrite,
    gaps: &[TemplateGap],
    bits: &[bool],
    out: &mut Vec<u8>,
) {
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
                    super::super::write::real(out, -drift);
                    drift = 0.0;
                }
                out.extend_from_slice(post);
            }
            Piece::Close(t) => {
                if drift.abs() >= 5e-5 {
                    out.push(b' ');
                    super::super::write::real(out, -drift);
                }
                drift = 0.0;
                out.extend_from_slice(t.bytes());
            }
        }
        at = at.max(e_at + e_skip);
    }
    out.extend_from_slice(rw.data.get(at..).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_keeps_little_per_gap() {
        assert!(std::mem::size_of::<Edit>() <= 16);
        assert!(std::mem::size_of::<TemplateGap>() <= 24);
    }
}
