//! The text of a PDF page, as the invisible layer will carry it: the strings
//! shown by the page's content stream and by the form XObjects it draws,
//! decoded with each font's encoding (lopdf's `/Encoding` and `/ToUnicode`
//! support), with spaces inferred from `TJ` kerning and text positioning
//! and line breaks from line moves.
//!
//! This extraction does not need to equal any other extractor's: the marked
//! text is written into the invisible layer with a font we control, and the
//! decoder reads it back from whatever `pdftotext` makes of *that* layer.
//! It only needs real words, so that the content anchors are the document's.
//!
//! Form XObjects are followed because some producers put a page's whole
//! text in them: groff's `gropdf` draws each slide of a deck as `/XO18 Do`
//! (each slide nesting the previous one), so without them a 27-page deck
//! had one line of layer and no copy of it accused anyone
//! (`crates/triage/EVALUATION.md`).

use std::collections::{BTreeMap, HashSet};

use lopdf::{
    content::Content, content::Operation, Dictionary, Document, Encoding, Object, ObjectId,
};

/// Kerning (thousandths of an em) in a `TJ` array taken for a word space.
const TJ_SPACE: f64 = -180.0;

/// Form XObjects nested deeper than this are not read (a deck nests each
/// slide in the next; real nesting stays far below).
const MAX_FORM_DEPTH: usize = 32;

/// Extracts the text of one page, given its effective (possibly inherited)
/// resources; never fails (undecodable parts are skipped).
pub(super) fn page_text(doc: &Document, page: ObjectId, resources: &Dictionary) -> String {
    let Ok(content) = doc.get_and_decode_page_content(page) else {
        return String::new();
    };
    let mut out = String::new();
    let mut seen = HashSet::new();
    show_operations(doc, &content.operations, resources, &mut seen, 0, &mut out);
    tidy(&out)
}

/// The text shown by `operations` (with `resources`), and by the form
/// XObjects they draw, each form once per page.
fn show_operations(
    doc: &Document,
    operations: &[Operation],
    resources: &Dictionary,
    seen: &mut HashSet<ObjectId>,
    depth: usize,
    out: &mut String,
) {
    let encodings: BTreeMap<Vec<u8>, Encoding> = dict_entry(doc, resources, b"Font")
        .into_iter()
        .flat_map(Dictionary::iter)
        .filter_map(|(name, font)| {
            let font = doc.dereference(font).ok()?.1.as_dict().ok()?;
            font.get_font_encoding(doc).ok().map(|e| (name.clone(), e))
        })
        .collect();
    let mut enc: Option<&Encoding> = None;
    let mut last_y: Option<f64> = None;
    for op in operations {
        match op.operator.as_str() {
            "Tf" => {
                enc = op
                    .operands
                    .first()
                    .and_then(|o| o.as_name().ok())
                    .and_then(|n| encodings.get(n));
            }
            "Tj" => show(out, enc, op),
            "'" | "\"" => {
                out.push('\n');
                show(out, enc, op);
            }
            "TJ" => {
                if let Some(Object::Array(items)) = op.operands.first() {
                    for it in items {
                        match it {
                            Object::String(..) => decode(out, enc, it),
                            o => {
                                if number(o).is_some_and(|n| n < TJ_SPACE) {
                                    out.push(' ');
                                }
                            }
                        }
                    }
                }
            }
            "Td" | "TD" => {
                let ty = op.operands.get(1).and_then(number).unwrap_or(0.0);
                out.push(if ty.abs() > 1e-6 { '\n' } else { ' ' });
            }
            "Tm" => {
                let y = op.operands.get(5).and_then(number);
                out.push(if y.is_some() && y == last_y {
                    ' '
                } else {
                    '\n'
                });
                last_y = y;
            }
            "T*" | "ET" => out.push('\n'),
            "Do" if depth < MAX_FORM_DEPTH => {
                if let Some((id, form)) = form_xobject(doc, resources, op) {
                    if seen.insert(id) {
                        let inner = dict_entry(doc, &form.dict, b"Resources").unwrap_or(resources);
                        if let Some(content) = form
                            .decompressed_content()
                            .ok()
                            .and_then(|c| Content::decode(&c).ok())
                        {
                            out.push('\n');
                            show_operations(doc, &content.operations, inner, seen, depth + 1, out);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// The form XObject a `Do` operation draws, with its object id.
fn form_xobject<'a>(
    doc: &'a Document,
    resources: &'a Dictionary,
    op: &Operation,
) -> Option<(ObjectId, &'a lopdf::Stream)> {
    let name = op.operands.first()?.as_name().ok()?;
    let xobjects = dict_entry(doc, resources, b"XObject")?;
    let id = xobjects.get(name).ok()?.as_reference().ok()?;
    let stream = doc.get_object(id).ok()?.as_stream().ok()?;
    let form = stream
        .dict
        .get(b"Subtype")
        .and_then(Object::as_name)
        .is_ok_and(|s| s == b"Form");
    form.then_some((id, stream))
}

/// The entry `key` of `dict` when it is (or refers to) a dictionary.
pub(super) fn dict_entry<'a>(
    doc: &'a Document,
    dict: &'a Dictionary,
    key: &[u8],
) -> Option<&'a Dictionary> {
    let entry = dict.get(key).ok()?;
    doc.dereference(entry).ok()?.1.as_dict().ok()
}

fn show(out: &mut String, enc: Option<&Encoding>, op: &Operation) {
    if let Some(s) = op.operands.last() {
        decode(out, enc, s);
    }
}

fn decode(out: &mut String, enc: Option<&Encoding>, s: &Object) {
    if let (Some(enc), Object::String(bytes, _)) = (enc, s) {
        if let Ok(t) = Document::decode_text(enc, bytes) {
            out.push_str(&t);
        }
    }
}

fn number(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}

/// One line per line of text, single spaces between words, no control
/// characters (the form feed separates pages later on).
fn tidy(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for line in raw.split('\n') {
        let mut first = true;
        for w in line
            .split(|c: char| c.is_whitespace() || c.is_control())
            .filter(|w| !w.is_empty())
        {
            if first {
                if !out.is_empty() {
                    out.push('\n');
                }
                first = false;
            } else {
                out.push(' ');
            }
            out.extend(
                w.chars()
                    .filter(|c| !matches!(c, '\u{200B}'..='\u{200D}' | '\u{2063}' | '\u{FEFF}')),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_keeps_lines_and_single_spaces() {
        assert_eq!(tidy("  a  b\n\n c\u{c}d \n"), "a b\nc d");
    }
}
