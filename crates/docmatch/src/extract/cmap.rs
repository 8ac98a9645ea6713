//! Repairs of `/ToUnicode` maps that pdf-extract's CMap parser
//! (adobe-cmap-parser 0.4) panics on, so that the pages using such a font
//! are read instead of lost.
//!
//! The parser takes a `bfrange` destination of one or two UTF-16 code
//! units only, and panics ("bad length of hexstring") on the whole map
//! otherwise; every page with that font was then missing from our text.
//! Met on a real document: a destination of one byte (`<C5> <D6> <C5>`,
//! Debian's developers-reference, 4 ranges in its maps). Also handled: a
//! ligature mapped to three letters (`<1D> <1D> <006600660069>`, "ffi").
//! One-byte destinations are padded to a code unit; longer ones are
//! rewritten as `bfchar` entries, which take destinations of any length
//! (per the PDF reference, a range's destination grows by its last byte).

/// Ranges longer than this are dropped rather than expanded (a map of a
/// real font is a few hundred codes).
const MAX_RANGE: u32 = 256;

/// Rewrites every `/ToUnicode` stream of `doc` that has a `bfrange` entry
/// of another destination length than 2 or 4 bytes.
pub(super) fn repair_to_unicode_maps(doc: &mut pdf_extract::Document) {
    use pdf_extract::{Dictionary, Object, Stream};
    let mut maps: Vec<pdf_extract::ObjectId> = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| {
            d.get(b"Type")
                .and_then(Object::as_name)
                .is_ok_and(|t| t == b"Font")
        })
        .filter_map(|d| d.get(b"ToUnicode").and_then(Object::as_reference).ok())
        .collect();
    maps.sort_unstable();
    maps.dedup();
    for id in maps {
        let Ok(stream) = doc.get_object(id).and_then(Object::as_stream) else {
            continue;
        };
        let Some(repaired) = stream
            .decompressed_content()
            .ok()
            .and_then(|content| repair(&content))
        else {
            continue;
        };
        doc.objects
            .insert(id, Object::Stream(Stream::new(Dictionary::new(), repaired)));
    }
}

/// The map with its odd-length `bfrange` entries moved into a `bfchar`
/// block, or `None` when there is nothing to repair.
fn repair(cmap: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(cmap).ok()?;
    let mut out = String::with_capacity(text.len() + 256);
    let mut chars: Vec<(String, String)> = Vec::new();
    let mut rest = text;
    let mut changed = false;
    while let Some(begin) = rest.find("beginbfrange") {
        let end = begin + rest[begin..].find("endbfrange")?;
        // The entry count before the operator is written again.
        let head = rest[..begin].trim_end();
        let count_at = head.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        out.push_str(&head[..count_at]);
        let body = &rest[begin + "beginbfrange".len()..end];
        let (kept, moved, repaired) = split_ranges(body)?;
        changed |= repaired;
        chars.extend(moved);
        if !kept.is_empty() {
            out.push_str(&format!("\n{} beginbfrange\n", kept.len()));
            for entry in &kept {
                out.push_str(entry);
                out.push('\n');
            }
            out.push_str("endbfrange");
        }
        rest = &rest[end + "endbfrange".len()..];
    }
    if !changed {
        return None;
    }
    let endcmap = rest.find("endcmap")?;
    out.push_str(&rest[..endcmap]);
    for block in chars.chunks(100) {
        out.push_str(&format!("\n{} beginbfchar\n", block.len()));
        for (code, dst) in block {
            out.push_str(&format!("<{code}> <{dst}>\n"));
        }
        out.push_str("endbfchar\n");
    }
    out.push_str(&rest[endcmap..]);
    Some(out.into_bytes())
}

/// A `bfrange` block's entries: those kept as ranges (a destination of one
/// byte or of odd digits padded to whole code units), the `bfchar` pairs
/// (code, destination, in hex) of those of three or more units, and whether
/// anything changed. `None` if the block cannot be read.
#[allow(clippy::type_complexity)]
fn split_ranges(body: &str) -> Option<(Vec<String>, Vec<(String, String)>, bool)> {
    let mut kept = Vec::new();
    let mut moved = Vec::new();
    let mut changed = false;
    let mut tokens = Tokens(body);
    while let Some(lo) = tokens.next() {
        let hi = tokens.next()?;
        let dst = tokens.next()?;
        let (Some(lo_hex), Some(hi_hex)) = (hex(lo), hex(hi)) else {
            return None;
        };
        match hex(dst) {
            Some(d) if !d.is_empty() && !matches!(d.len(), 4 | 8) => {
                // One byte (`<C5>`, seen in developers-reference) or an odd
                // number of hex digits: the code units it meant, padded.
                let d = format!("{}{d}", "0".repeat((4 - d.len() % 4) % 4));
                changed = true;
                if matches!(d.len(), 4 | 8) {
                    kept.push(format!("{lo} {hi} <{d}>"));
                    continue;
                }
                let (lo_n, hi_n) = (
                    u32::from_str_radix(lo_hex, 16).ok()?,
                    u32::from_str_radix(hi_hex, 16).ok()?,
                );
                if hi_n < lo_n || hi_n - lo_n >= MAX_RANGE {
                    continue;
                }
                let (stem, last) = d.split_at(d.len() - 4);
                let last = u16::from_str_radix(last, 16).ok()?;
                for (i, code) in (lo_n..=hi_n).enumerate() {
                    let unit = last.wrapping_add(u16::try_from(i).ok()?);
                    moved.push((
                        format!("{code:0width$X}", width = lo_hex.len()),
                        format!("{stem}{unit:04X}"),
                    ));
                }
            }
            _ => kept.push(format!("{lo} {hi} {dst}")),
        }
    }
    Some((kept, moved, changed))
}

/// The hex digits of a `<…>` token.
fn hex(token: &str) -> Option<&str> {
    let inner = token.strip_prefix('<')?.strip_suffix('>')?;
    inner
        .chars()
        .all(|c| c.is_ascii_hexdigit())
        .then_some(inner)
}

/// The tokens of a `bfrange` block: `<hex>` strings and `[ … ]` arrays
/// (kept whole), whitespace between.
struct Tokens<'a>(&'a str);

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.0.trim_start();
        let close = match s.chars().next()? {
            '<' => '>',
            '[' => ']',
            _ => return None,
        };
        let end = s.find(close)? + 1;
        self.0 = &s[end..];
        Some(&s[..end])
    }
}

#[cfg(test)]
mod tests {
    use super::repair;

    #[test]
    fn destinations_the_parser_panics_on_are_rewritten() -> Result<(), String> {
        let cmap = "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n1 begincodespacerange\n<00> <FF>\nendcodespacerange\n4 beginbfrange\n<1B> <1B> <00660066>\n<1D> <1E> <006600660069>\n<41> <42> [<0041> <0042>]\n<C5> <D6> <C5>\nendbfrange\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";
        let out = repair(cmap.as_bytes()).ok_or("nothing repaired")?;
        let out = String::from_utf8(out).map_err(|e| e.to_string())?;
        assert!(
            out.contains("3 beginbfrange\n<1B> <1B> <00660066>\n<41> <42> [<0041> <0042>]\n<C5> <D6> <00C5>\nendbfrange"),
            "{out}"
        );
        assert!(
            out.contains(
                "2 beginbfchar\n<1D> <006600660069>\n<1E> <00660066006A>\nendbfchar\nendcmap"
            ),
            "{out}"
        );
        // And the parser pdf-extract uses now reads it.
        let map = adobe_cmap_parser::get_unicode_map(out.as_bytes())?;
        assert_eq!(map.get(&0x1D), Some(&vec![0, 0x66, 0, 0x66, 0, 0x69]));
        assert_eq!(map.get(&0x1B), Some(&vec![0, 0x66, 0, 0x66]));
        assert_eq!(map.get(&0xC6), Some(&vec![0, 0xC6]));
        // A map the parser takes is left alone.
        assert!(repair(b"1 beginbfrange\n<01> <02> <0041>\nendbfrange\nendcmap").is_none());
        Ok(())
    }
}
