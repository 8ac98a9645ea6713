//! DOCX and ODT: the text runs of the main XML part (`word/document.xml`,
//! `content.xml`) are marked in place — only the contents of text nodes
//! change, every tag, attribute and entity stays byte for byte, so the part
//! remains valid XML with the same structure. quick-xml gives the byte span
//! of every event; text nodes that a reader sees (inside `w:t`, or inside
//! `text:p`/`text:h` outside annotations and tracked changes) are editable,
//! entities and `<w:tab/>`, `<text:s/>`, ... are seen but fixed.
//!
//! Also added: a final paragraph with the visible marking line, and the
//! download id as a document property (`docProps/custom.xml` for DOCX, with
//! `[Content_Types].xml` and `_rels/.rels` updated when the part is new; a
//! `meta:user-defined` entry in `meta.xml` for ODT). The zip is rebuilt with
//! untouched members copied raw (no recompression) in their original order;
//! for ODT `mimetype` is written first and stored, as the format requires.

use std::io::{Cursor, Read, Write};

use quick_xml::events::Event;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::error::{Error, Result};
use crate::formats::{pdf::parse_hex_id, Embedded, Format};
use crate::keys::{DownloadId, Mark};
use crate::model::TextModel;
use crate::Fingerprinter;

/// Largest XML part we read (decompressed), against zip bombs.
const MAX_PART: u64 = 256 << 20;
const PROPERTY: &str = "RampartDownload";
const ODT_MIME: &str = "application/vnd.oasis.opendocument.text";
const CUSTOM_FMTID: &str = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}";

fn malformed(format: Format, reason: impl std::fmt::Display) -> Error {
    Error::Malformed {
        format: format.name(),
        reason: reason.to_string(),
    }
}

fn read_part<R: Read + std::io::Seek>(
    zip: &mut ZipArchive<R>,
    name: &str,
    format: Format,
) -> Result<Option<String>> {
    let Ok(f) = zip.by_name(name) else {
        return Ok(None);
    };
    let mut s = String::new();
    f.take(MAX_PART)
        .read_to_string(&mut s)
        .map_err(|e| malformed(format, format!("{name}: {e}")))?;
    Ok(Some(s))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn hex(d: &DownloadId) -> String {
    d.0.iter().map(|b| format!("{b:02x}")).collect()
}

/// Inserts `what` before the last closing tag of the document (the root's).
fn before_root_end(xml: &str, what: &str) -> Option<String> {
    let at = xml.rfind("</")?;
    Some(format!("{}{what}{}", &xml[..at], &xml[at..]))
}

pub(super) fn embed(
    format: Format,
    fp: &Fingerprinter,
    input: &[u8],
    mark: &Mark,
    line: &str,
) -> Result<Embedded> {
    let mut zip = ZipArchive::new(Cursor::new(input)).map_err(|e| malformed(format, e))?;
    let main = main_part(&mut zip, format)?;
    let plan = plan_main(format, fp, &main, mark.version)?;
    mark_main(format, fp, &plan, zip, &main, mark, line)
}

fn main_name(format: Format) -> &'static str {
    if format == Format::Docx {
        "word/document.xml"
    } else {
        "content.xml"
    }
}

fn main_part<R: Read + std::io::Seek>(zip: &mut ZipArchive<R>, format: Format) -> Result<String> {
    let name = main_name(format);
    read_part(zip, name, format)?.ok_or_else(|| malformed(format, format!("no {name}")))
}

/// The mark-independent work: the main part's text runs and every site in
/// them, with its code position (see [`Fingerprinter::prepare`]).
pub(crate) fn prepare(
    format: Format,
    fp: &Fingerprinter,
    input: &[u8],
    version: crate::keys::VersionId,
) -> Result<crate::Plan> {
    let mut zip = ZipArchive::new(Cursor::new(input)).map_err(|e| malformed(format, e))?;
    plan_main(format, fp, &main_part(&mut zip, format)?, version)
}

fn plan_main(
    format: Format,
    fp: &Fingerprinter,
    main: &str,
    version: crate::keys::VersionId,
) -> Result<crate::Plan> {
    let model = xml_model(main, format == Format::Docx).map_err(|e| malformed(format, e))?;
    let mut plan = fp.plan_of(main, &model, version);
    plan.office = Some(format);
    Ok(plan)
}

/// Marks the package `input` from its `plan`: the main part is inflated,
/// edited at the planned sites and deflated again, the marking paragraph
/// and the download property added, every other member copied raw.
pub(crate) fn mark_prepared(
    format: Format,
    fp: &Fingerprinter,
    plan: &crate::Plan,
    input: &[u8],
    mark: &Mark,
    line: &str,
) -> Result<Embedded> {
    let mut zip = ZipArchive::new(Cursor::new(input)).map_err(|e| malformed(format, e))?;
    let main = main_part(&mut zip, format)?;
    if plan.office != Some(format)
        || mark.version != plan.version
        || *blake3::hash(main.as_bytes()).as_bytes() != plan.source
    {
        return Err(Error::TemplateMismatch);
    }
    mark_main(format, fp, plan, zip, &main, mark, line)
}

/// Marks the package whose (already checked) main part is `main`.
fn mark_main(
    format: Format,
    fp: &Fingerprinter,
    plan: &crate::Plan,
    mut zip: ZipArchive<Cursor<&[u8]>>,
    main: &str,
    mark: &Mark,
    line: &str,
) -> Result<Embedded> {
    let docx = format == Format::Docx;
    let main_name = main_name(format);
    let edits = crate::channels::edits(&fp.code, plan, mark);
    let marked = crate::model::apply(main, edits);
    let counts = plan.counts;
    let marked = add_marking(&marked, docx, &escape(line))
        .ok_or_else(|| malformed(format, "no document body"))?;
    let id = hex(&mark.download);
    // (name, new content) of every replaced or added part.
    let mut parts: Vec<(String, String)> = vec![(main_name.to_string(), marked)];
    if docx {
        let prop = format!(
            "<property fmtid=\"{CUSTOM_FMTID}\" pid=\"{{PID}}\" name=\"{PROPERTY}\"><vt:lpwstr>{id}</vt:lpwstr></property>"
        );
        match read_part(&mut zip, "docProps/custom.xml", format)? {
            Some(custom) => {
                let pid = custom
                    .match_indices("pid=\"")
                    .filter_map(|(i, _)| {
                        custom[i + 5..]
                            .split('"')
                            .next()
                            .and_then(|n| n.parse::<u32>().ok())
                    })
                    .max()
                    .unwrap_or(1)
                    + 1;
                let new = before_root_end(&custom, &prop.replace("{PID}", &pid.to_string()))
                    .ok_or_else(|| malformed(format, "bad docProps/custom.xml"))?;
                parts.push(("docProps/custom.xml".into(), new));
            }
            None => {
                let custom = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
                     <Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties\" \
                     xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">{}</Properties>",
                    prop.replace("{PID}", "2")
                );
                parts.push(("docProps/custom.xml".into(), custom));
                let types = read_part(&mut zip, "[Content_Types].xml", format)?
                    .ok_or_else(|| malformed(format, "no [Content_Types].xml"))?;
                let types = before_root_end(
                    &types,
                    "<Override PartName=\"/docProps/custom.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.custom-properties+xml\"/>",
                )
                .ok_or_else(|| malformed(format, "bad [Content_Types].xml"))?;
                parts.push(("[Content_Types].xml".into(), types));
                let rels = read_part(&mut zip, "_rels/.rels", format)?
                    .ok_or_else(|| malformed(format, "no _rels/.rels"))?;
                let rels = before_root_end(
                    &rels,
                    "<Relationship Id=\"rIdRampartCustom\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties\" Target=\"docProps/custom.xml\"/>",
                )
                .ok_or_else(|| malformed(format, "bad _rels/.rels"))?;
                parts.push(("_rels/.rels".into(), rels));
            }
        }
    } else {
        let entry = format!("<meta:user-defined meta:name=\"{PROPERTY}\">{id}</meta:user-defined>");
        match read_part(&mut zip, "meta.xml", format)? {
            Some(meta) => {
                let new = if let Some(at) = meta.find("</office:meta>") {
                    format!("{}{entry}{}", &meta[..at], &meta[at..])
                } else if meta.contains("<office:meta/>") {
                    meta.replacen(
                        "<office:meta/>",
                        &format!("<office:meta>{entry}</office:meta>"),
                        1,
                    )
                } else {
                    return Err(malformed(format, "meta.xml without office:meta"));
                };
                parts.push(("meta.xml".into(), new));
            }
            None => {
                let meta = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                     <office:document-meta xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
                     xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\" office:version=\"1.2\">\
                     <office:meta>{entry}</office:meta></office:document-meta>"
                );
                parts.push(("meta.xml".into(), meta));
                if let Some(man) = read_part(&mut zip, "META-INF/manifest.xml", format)? {
                    let man = before_root_end(
                        &man,
                        "<manifest:file-entry manifest:full-path=\"meta.xml\" manifest:media-type=\"text/xml\"/>",
                    )
                    .ok_or_else(|| malformed(format, "bad manifest"))?;
                    parts.push(("META-INF/manifest.xml".into(), man));
                }
            }
        }
    }
    let bytes = rebuild(&mut zip, format, parts).map_err(|e| malformed(format, e))?;
    Ok(Embedded { bytes, counts })
}

/// Copies the archive, replacing or adding `parts`.
fn rebuild<R: Read + std::io::Seek>(
    zip: &mut ZipArchive<R>,
    format: Format,
    mut parts: Vec<(String, String)>,
) -> std::result::Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    // Level 3: the main part is deflated again on every download, and the
    // default level 6 was most of a download's time. Measured on a DOCX of
    // 1 MB of text (`examples/throughput.rs`): level 6 269 ms / 1,175 KB,
    // level 3 136 ms / 1,225 KB, level 1 112 ms / 1,776 KB.
    let deflated = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(3));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    if format == Format::Odt {
        let mime = read_part(zip, "mimetype", format)
            .ok()
            .flatten()
            .unwrap_or_else(|| ODT_MIME.to_string());
        w.start_file("mimetype", stored)?;
        w.write_all(mime.as_bytes())?;
    }
    for i in 0..zip.len() {
        let name = zip.by_index_raw(i)?.name().to_string();
        if format == Format::Odt && name == "mimetype" {
            continue;
        }
        if let Some(k) = parts.iter().position(|(n, _)| *n == name) {
            let (n, content) = parts.remove(k);
            w.start_file(n, deflated)?;
            w.write_all(content.as_bytes())?;
        } else {
            w.raw_copy_file(zip.by_index_raw(i)?)?;
        }
    }
    for (n, content) in parts {
        w.start_file(n, deflated)?;
        w.write_all(content.as_bytes())?;
    }
    Ok(w.finish()?.into_inner())
}

/// Adds the marking paragraph at the end of the body.
fn add_marking(xml: &str, docx: bool, line: &str) -> Option<String> {
    if docx {
        let body_end = xml.rfind("</w:body>")?;
        let head = &xml[..body_end];
        let last_block = head.rfind("</w:p>").max(head.rfind("</w:tbl>"));
        let at = match head.rfind("<w:sectPr") {
            Some(s) if last_block.is_none_or(|b| s > b) => s,
            _ => body_end,
        };
        let p = format!(
            "<w:p><w:r><w:rPr><w:color w:val=\"666666\"/><w:sz w:val=\"12\"/></w:rPr>\
             <w:t xml:space=\"preserve\">{line}</w:t></w:r></w:p>"
        );
        Some(format!("{}{p}{}", &xml[..at], &xml[at..]))
    } else {
        let at = xml.rfind("</office:text>")?;
        Some(format!(
            "{}<text:p>{line}</text:p>{}",
            &xml[..at],
            &xml[at..]
        ))
    }
}

/// The visible text of the main part with editable text-node contents.
fn xml_model(src: &str, docx: bool) -> std::result::Result<TextModel, quick_xml::Error> {
    let mut m = TextModel::default();
    let mut r = quick_xml::Reader::from_str(src);
    r.config_mut().check_end_names = false;
    // DOCX: depth inside w:t. ODT: depth inside paragraphs, and inside
    // invisible or frozen elements.
    let mut text_depth = 0usize;
    let mut frozen = 0usize;
    loop {
        let before = r.buffer_position() as usize;
        let ev = r.read_event()?;
        let after = r.buffer_position() as usize;
        let visible = text_depth > 0 && frozen == 0;
        match ev {
            Event::Eof => break,
            Event::Start(e) => {
                let n = e.name();
                let n = n.as_ref();
                if is_text(n, docx) {
                    text_depth += 1;
                } else if is_frozen(n, docx) {
                    frozen += 1;
                }
            }
            Event::End(e) => {
                let n = e.name();
                let n = n.as_ref();
                if is_text(n, docx) {
                    text_depth = text_depth.saturating_sub(1);
                } else if is_frozen(n, docx) {
                    frozen = frozen.saturating_sub(1);
                }
                if frozen == 0 && matches!(n, b"w:p" | b"text:p" | b"text:h") {
                    m.push_fixed("\n");
                }
            }
            Event::Empty(e) => match e.name().as_ref() {
                b"w:tab" | b"text:tab" => m.push_fixed("\t"),
                b"w:br" | b"w:cr" | b"text:line-break" => m.push_fixed("\n"),
                b"text:s" if visible => m.push_fixed(" "),
                b"w:p" | b"text:p" | b"text:h" => m.push_fixed("\n"),
                _ => {}
            },
            Event::Text(_) if visible => match src.get(before..after) {
                Some(raw) if !raw.contains(['&', '<']) => m.push_editable(raw, before),
                Some(raw) => m.push_fixed(raw),
                None => {}
            },
            Event::GeneralRef(e) if visible => {
                let c = match &*e {
                    b"amp" => Some('&'),
                    b"lt" => Some('<'),
                    b"gt" => Some('>'),
                    b"quot" => Some('"'),
                    b"apos" => Some('\''),
                    _ => e.resolve_char_ref().ok().flatten(),
                };
                if let Some(c) = c {
                    m.push_fixed(c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::CData(e) if visible => m.push_fixed(&String::from_utf8_lossy(&e)),
            _ => {}
        }
    }
    Ok(m)
}

fn is_text(name: &[u8], docx: bool) -> bool {
    if docx {
        name == b"w:t"
    } else {
        matches!(name, b"text:p" | b"text:h")
    }
}

fn is_frozen(name: &[u8], docx: bool) -> bool {
    !docx
        && matches!(
            name,
            b"office:annotation" | b"text:tracked-changes" | b"text:note-citation"
        )
}

/// The download id recorded in a marked DOCX's or ODT's properties.
pub(super) fn extract_download_id(format: Format, bytes: &[u8]) -> Option<DownloadId> {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).ok()?;
    let (part, key) = if format == Format::Docx {
        ("docProps/custom.xml", format!("name=\"{PROPERTY}\""))
    } else {
        ("meta.xml", format!("meta:name=\"{PROPERTY}\""))
    };
    let xml = read_part(&mut zip, part, format).ok()??;
    let at = xml.rfind(&key)?;
    let rest = &xml[at + key.len()..];
    let rest = if format == Format::Docx {
        rest.split_once("<vt:lpwstr>")?.1
    } else {
        rest.split_once('>')?.1
    };
    parse_hex_id(rest.split('<').next()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_only_visible_text() {
        let x = "<w:document><w:body><w:p><w:r><w:t>Hello big</w:t></w:r><w:r><w:instrText>PAGE x</w:instrText><w:t xml:space=\"preserve\"> world &amp; more</w:t></w:r></w:p></w:body></w:document>";
        let m = xml_model(x, true).unwrap_or_default();
        assert_eq!(m.visible, "Hello big world & more\n");
        let o = "<office:text><text:p>One <text:span>two</text:span><text:s/>three<office:annotation><text:p>note</text:p></office:annotation></text:p></office:text>";
        let m = xml_model(o, false).unwrap_or_default();
        assert_eq!(m.visible, "One two three\n");
    }

    #[test]
    fn marking_goes_before_the_final_section_properties() {
        let x = "<w:body><w:p/><w:sectPr><w:pgSz/></w:sectPr></w:body>";
        let out = add_marking(x, true, "L").unwrap_or_default();
        assert!(out.ends_with("L</w:t></w:r></w:p><w:sectPr><w:pgSz/></w:sectPr></w:body>"));
    }
}
