//! The text of a PDF page, as the invisible layer will carry it: the strings
//! shown by the page's content stream, decoded with each font's encoding
//! (lopdf's `/Encoding` and `/ToUnicode` support), with spaces inferred from
//! `TJ` kerning and text positioning and line breaks from line moves.
//!
//! This extraction does not need to equal any other extractor's: the marked
//! text is written into the invisible layer with a font we control, and the
//! decoder reads it back from whatever `pdftotext` makes of *that* layer.
//! It only needs real words, so that the content anchors are the document's.

use std::collections::BTreeMap;

use lopdf::{content::Operation, Dictionary, Document, Encoding, Object, ObjectId};

/// Kerning (thousandths of an em) in a `TJ` array taken for a word space.
const TJ_SPACE: f64 = -180.0;

/// Extracts the text of one page, given its effective (possibly inherited)
/// font resources; never fails (undecodable parts are skipped).
pub(super) fn page_text(doc: &Document, page: ObjectId, fonts: &Dictionary) -> String {
    let encodings: BTreeMap<Vec<u8>, Encoding> = fonts
        .iter()
        .filter_map(|(name, font)| {
            let font = doc.dereference(font).ok()?.1.as_dict().ok()?;
            font.get_font_encoding(doc).ok().map(|e| (name.clone(), e))
        })
        .collect();
    let Ok(content) = doc.get_and_decode_page_content(page) else {
        return String::new();
    };
    let mut out = String::new();
    let mut enc: Option<&Encoding> = None;
    let mut last_y: Option<f64> = None;
    for op in &content.operations {
        match op.operator.as_str() {
            "Tf" => {
                enc = op
                    .operands
                    .first()
                    .and_then(|o| o.as_name().ok())
                    .and_then(|n| encodings.get(n));
            }
            "Tj" => show(&mut out, enc, op),
            "'" | "\"" => {
                out.push('\n');
                show(&mut out, enc, op);
            }
            "TJ" => {
                if let Some(Object::Array(items)) = op.operands.first() {
                    for it in items {
                        match it {
                            Object::String(..) => decode(&mut out, enc, it),
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
            _ => {}
        }
    }
    tidy(&out)
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
