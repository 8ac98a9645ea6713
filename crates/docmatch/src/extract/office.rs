//! DOCX and ODT text extraction: `zip` for the container, `quick-xml` for the
//! word-processing XML.
//!
//! Only the body text is read (DOCX: `word/document.xml`, footnotes and
//! endnotes; ODT: `content.xml`). Headers and footers are skipped on purpose:
//! that is where a served copy's visible marking line lives, and it must not
//! make an intact leaked copy look altered. Deleted tracked changes, field
//! codes and comments are skipped too. Every member is read with absolute and
//! compression-ratio limits so that a zip bomb disguised as a DOCX is refused.

use std::borrow::Cow;
use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use zip::result::ZipError;
use zip::ZipArchive;

use crate::{Error, Format, Limits, Result};

/// Extracts the body text of a DOCX or ODT file.
pub(super) fn extract(format: Format, bytes: &[u8], limits: &Limits) -> Result<String> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| zip_err(format, e))?;
    let mut out = String::new();
    match format {
        Format::Odt => {
            let xml = read_member(&mut archive, format, "content.xml", limits)?
                .ok_or_else(|| corrupt(format, "no content.xml member"))?;
            odt_text(&xml, &mut out).map_err(|e| corrupt(format, e))?;
        }
        _ => {
            let xml = read_member(&mut archive, format, "word/document.xml", limits)?
                .ok_or_else(|| corrupt(format, "no word/document.xml member"))?;
            docx_text(&xml, &mut out).map_err(|e| corrupt(format, e))?;
            for extra in ["word/footnotes.xml", "word/endnotes.xml"] {
                if let Some(xml) = read_member(&mut archive, format, extra, limits)? {
                    docx_text(&xml, &mut out).map_err(|e| corrupt(format, e))?;
                }
            }
        }
    }
    if out.len() > limits.max_text_bytes {
        return Err(Error::TextTooLarge {
            limit: limits.max_text_bytes,
        });
    }
    Ok(out)
}

fn corrupt(format: Format, detail: impl ToString) -> Error {
    Error::Corrupt {
        format,
        detail: detail.to_string(),
    }
}

fn zip_err(format: Format, e: ZipError) -> Error {
    match e {
        ZipError::UnsupportedArchive(ZipError::PASSWORD_REQUIRED) | ZipError::InvalidPassword => {
            Error::Encrypted(format)
        }
        other => corrupt(format, other),
    }
}

/// Reads one member fully, or `None` if it does not exist.
fn read_member(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    format: Format,
    name: &str,
    limits: &Limits,
) -> Result<Option<Vec<u8>>> {
    let file = match archive.by_name(name) {
        Ok(f) => f,
        Err(ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(zip_err(format, e)),
    };
    let bomb = |detail: String| Error::ZipBomb {
        format,
        member: name.to_owned(),
        detail,
    };
    if file.encrypted() {
        return Err(Error::Encrypted(format));
    }
    let ratio_cap = file
        .compressed_size()
        .max(1)
        .saturating_mul(limits.max_member_ratio);
    let cap = limits.max_member_bytes.min(ratio_cap);
    if file.size() > cap {
        return Err(bomb(format!(
            "declares {} bytes uncompressed from {} compressed (limits: {} bytes, ratio {})",
            file.size(),
            file.compressed_size(),
            limits.max_member_bytes,
            limits.max_member_ratio
        )));
    }
    let mut data = Vec::with_capacity(usize::try_from(file.size().min(cap)).unwrap_or(0));
    // The declared size may lie: never read more than the cap allows.
    file.take(cap.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| corrupt(format, format!("{name}: {e}")))?;
    if data.len() as u64 > cap {
        return Err(bomb(format!(
            "inflates past {cap} bytes (limits: {} bytes, ratio {})",
            limits.max_member_bytes, limits.max_member_ratio
        )));
    }
    Ok(Some(data))
}

/// Appends decoded character data or a resolved entity reference.
fn push_text(out: &mut String, ev: &Event<'_>) -> std::result::Result<(), String> {
    match ev {
        Event::Text(t) => out.push_str(&t.xml10_content().map_err(|e| e.to_string())?),
        Event::CData(t) => out.push_str(&t.decode().map_err(|e| e.to_string())?),
        Event::GeneralRef(r) => {
            if let Some(c) = r.resolve_char_ref().map_err(|e| e.to_string())? {
                out.push(c);
            } else {
                let name = r.decode().map_err(|e| e.to_string())?;
                if let Some(v) = quick_xml::escape::resolve_predefined_entity(&name) {
                    out.push_str(v);
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn local<'a>(e: &'a BytesStart<'_>) -> Cow<'a, [u8]> {
    Cow::Borrowed(e.local_name().into_inner())
}

/// WordprocessingML: text in `w:t`, tabs and breaks as elements, paragraphs
/// end with `</w:p>`.
fn docx_text(xml: &[u8], out: &mut String) -> std::result::Result<(), String> {
    let mut reader = Reader::from_reader(xml);
    let mut in_t = 0u32;
    let mut skip = 0u32; // inside w:delText / w:instrText
    let mut buf = Vec::new();
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| e.to_string())?;
        match &ev {
            Event::Start(e) => match local(e).as_ref() {
                b"t" => in_t += 1,
                b"delText" | b"instrText" => skip += 1,
                _ => {}
            },
            Event::End(e) => match e.local_name().into_inner() {
                b"t" => in_t = in_t.saturating_sub(1),
                b"delText" | b"instrText" => skip = skip.saturating_sub(1),
                b"p" => out.push('\n'),
                _ => {}
            },
            Event::Empty(e) => match local(e).as_ref() {
                b"tab" | b"ptab" => out.push('\t'),
                b"br" | b"cr" | b"p" => out.push('\n'),
                b"noBreakHyphen" | b"softHyphen" => out.push('-'),
                _ => {}
            },
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) if in_t > 0 && skip == 0 => {
                push_text(out, &ev)?;
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}

/// ODF text: everything inside `office:body` except annotations and tracked
/// deletions; `text:s` is `c` spaces; paragraphs and headings end lines.
fn odt_text(xml: &[u8], out: &mut String) -> std::result::Result<(), String> {
    let mut reader = Reader::from_reader(xml);
    let mut in_body = 0u32;
    let mut skip = 0u32;
    let mut buf = Vec::new();
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| e.to_string())?;
        match &ev {
            Event::Start(e) => match local(e).as_ref() {
                b"body" => in_body += 1,
                b"annotation" | b"tracked-changes" | b"note-citation" => skip += 1,
                _ => {}
            },
            Event::End(e) => match e.local_name().into_inner() {
                b"body" => in_body = in_body.saturating_sub(1),
                b"annotation" | b"tracked-changes" | b"note-citation" => {
                    skip = skip.saturating_sub(1);
                }
                b"p" | b"h" if skip == 0 => out.push('\n'),
                _ => {}
            },
            Event::Empty(e) if in_body > 0 && skip == 0 => match local(e).as_ref() {
                b"s" => {
                    let n = e
                        .try_get_attribute("text:c")
                        .ok()
                        .flatten()
                        .and_then(|a| std::str::from_utf8(&a.value).ok()?.parse::<usize>().ok())
                        .unwrap_or(1)
                        .min(1024);
                    out.extend(std::iter::repeat_n(' ', n));
                }
                b"tab" => out.push('\t'),
                b"line-break" | b"p" | b"h" => out.push('\n'),
                _ => {}
            },
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) if in_body > 0 && skip == 0 => {
                push_text(out, &ev)?;
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}
