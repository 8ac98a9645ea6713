//! The bridge between a file format and the channels: a format parser turns
//! its input into the *visible text* a reader (or a text extractor) would see,
//! made of segments that are either editable (copied verbatim from the source,
//! so an offset in the segment is an offset in the source) or fixed (code,
//! URLs, decoded entities, separators between blocks). The channels plan their
//! edits on the visible text and this module maps them back onto the source
//! bytes, refusing any edit that would touch a fixed segment. That is how
//! markup, code and URLs are guaranteed to stay untouched.

use std::ops::Range;

#[derive(Debug, Clone)]
struct Segment {
    visible: Range<usize>,
    source: Option<usize>,
}

/// Visible text plus the map back to the source.
#[derive(Debug, Default, Clone)]
pub(crate) struct TextModel {
    pub(crate) visible: String,
    segments: Vec<Segment>,
}

/// One edit of the source: replace `range` by `with` (every channel
/// variant is one character).
#[derive(Debug, Clone)]
pub(crate) struct Edit {
    pub(crate) range: Range<usize>,
    pub(crate) with: char,
}

impl TextModel {
    /// Appends text copied verbatim from `source_offset` in the source.
    pub(crate) fn push_editable(&mut self, text: &str, source_offset: usize) {
        let start = self.visible.len();
        self.visible.push_str(text);
        self.segments.push(Segment {
            visible: start..self.visible.len(),
            source: Some(source_offset),
        });
    }

    /// Appends text that is seen but must not be edited.
    pub(crate) fn push_fixed(&mut self, text: &str) {
        let start = self.visible.len();
        self.visible.push_str(text);
        self.segments.push(Segment {
            visible: start..self.visible.len(),
            source: None,
        });
    }

    /// Appends a single space separating blocks, unless the visible text
    /// already ends in whitespace (or is empty).
    pub(crate) fn push_break(&mut self) {
        if self
            .visible
            .chars()
            .next_back()
            .is_some_and(|c| !c.is_whitespace())
        {
            self.push_fixed(" ");
        }
    }

    /// The source range of a visible range, if it lies inside one editable
    /// segment. An empty range (an insertion point) must lie before a
    /// character of an editable segment.
    pub(crate) fn source_range(&self, r: &Range<usize>) -> Option<Range<usize>> {
        let idx = self.segments.partition_point(|s| s.visible.end <= r.start);
        let seg = self.segments.get(idx)?;
        let inside = seg.visible.start <= r.start
            && r.end <= seg.visible.end
            && (r.start < r.end || r.start < seg.visible.end);
        let base = seg.source?;
        inside.then(|| base + r.start - seg.visible.start..base + r.end - seg.visible.start)
    }
}

/// Applies non-overlapping edits (any order) to the source.
pub(crate) fn apply(source: &str, mut edits: Vec<Edit>) -> String {
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(source.len() + source.len() / 4);
    let mut at = 0;
    for e in edits {
        if e.range.start < at {
            continue; // overlapping edit: never produced, but never corrupt
        }
        let Some(before) = source.get(at..e.range.start) else {
            continue; // not on a char boundary: never produced
        };
        out.push_str(before);
        out.push(e.with);
        at = e.range.end;
    }
    out.push_str(&source[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_only_editable_ranges() {
        let mut m = TextModel::default();
        m.push_editable("abc ", 10);
        m.push_fixed("XY");
        m.push_editable("def", 30);
        assert_eq!(m.visible, "abc XYdef");
        assert_eq!(m.source_range(&(3..4)), Some(13..14));
        assert_eq!(m.source_range(&(4..5)), None);
        assert_eq!(m.source_range(&(3..7)), None);
        assert_eq!(m.source_range(&(6..6)), Some(30..30));
        assert_eq!(m.source_range(&(9..9)), None);
    }
}
