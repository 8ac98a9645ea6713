//! Reading: the gaps of a (leaked) PDF whose spacing is on the lattice,
//! with their anchors, behind a per-page gate.

use super::super::content::{GapSite, Visitor};
use super::{
    page_streams, read_bit, scan_page, SpacingRead, StreamVisitor, Words, EXACT, GATE, MAX_DECODED,
    MAX_GAPS, MAX_PAGES, TOLERANCE,
};
use lopdf::Document;

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

/// Reads the word-spacing channel of a PDF: every gap whose spacing is on
/// the lattice, with its anchor. Needs no key, no original and no version:
/// a leaked file is read once, then turned into observations for each
/// candidate version. A file encrypted with an empty user password (a
/// leaker's "permissions" password) is read as lopdf decrypts it; one that
/// does not parse, or cannot be decrypted, gives no reads. Decoding is capped (content bytes, pages, reads) so that a
/// hostile file costs bounded time and memory.
pub fn read_pdf_spacing(bytes: &[u8]) -> Vec<SpacingRead> {
    let Ok(doc) = Document::load_mem(bytes) else {
        return Vec::new();
    };
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
        let mut buf = Vec::new();
        reads.extend(pending.into_iter().map(|(b, bit)| SpacingRead {
            anchor: words.anchor(b, &mut buf),
            bit,
        }));
        if reads.len() >= MAX_GAPS || budget == 0 {
            break;
        }
    }
    reads
}
