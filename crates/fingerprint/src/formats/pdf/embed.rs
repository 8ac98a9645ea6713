//! Marking a served copy: the original bytes followed by an incremental
//! update (the visible marking line, the invisible marked text layer, the
//! page's own text re-emitted with its word spacing marked, the download id
//! in the Info dictionary).

use super::{
    hex, layer_sentinels, spacing, write, Page, PdfTemplate, COMPRESS_REWRITTEN, INFO_KEY,
    INVISIBLE_ADVANCE, INVISIBLE_LEADING, INVISIBLE_SIZE, LINE_SIZE, OUR_STREAM_START, PAGE_BREAK,
};
use crate::{
    error::{Error, Result},
    formats::Embedded,
    keys::Mark,
    Fingerprinter,
};
use lopdf::Object;
use std::io::Write;

impl Fingerprinter {
    /// Marks the PDF `original` (which `template` was parsed from) for
    /// `mark`: returns the original bytes followed by an incremental update
    /// with `marking_line` visible on every page, the marked text in an
    /// invisible layer and the download id in the Info dictionary.
    pub fn embed_pdf(
        &self,
        template: &PdfTemplate,
        original: &[u8],
        mark: &Mark,
        marking_line: &str,
    ) -> Result<Embedded> {
        if original.len() != template.len || *blake3::hash(original).as_bytes() != template.digest {
            return Err(Error::TemplateMismatch);
        }
        let update = self.pdf_update(template, mark, marking_line)?;
        let mut bytes = Vec::with_capacity(original.len() + update.bytes.len());
        bytes.extend_from_slice(original);
        bytes.extend_from_slice(&update.bytes);
        Ok(Embedded {
            bytes,
            counts: update.counts,
        })
    }

    /// The incremental update alone: the bytes to append to the original
    /// `template` was parsed from. A server streams the original from disk
    /// and then these, so a marked PDF costs little more than a plain copy.
    /// The caller must serve it after exactly that original (the template
    /// is bound to the original's BLAKE3 digest and length; see
    /// [`PdfTemplate::digest`]).
    pub fn pdf_update(
        &self,
        template: &PdfTemplate,
        mark: &Mark,
        marking_line: &str,
    ) -> Result<Embedded> {
        let plan = self.prepare_pdf(template, mark.version);
        self.pdf_update_prepared(template, &plan, mark, marking_line)
    }

    /// [`Fingerprinter::pdf_update`] with the mark-independent work done
    /// once per version ([`Fingerprinter::prepare_pdf`]).
    pub fn pdf_update_prepared(
        &self,
        template: &PdfTemplate,
        plan: &crate::Plan,
        mark: &Mark,
        marking_line: &str,
    ) -> Result<Embedded> {
        let t = template;
        let Ok(Embedded {
            bytes: marked,
            counts,
        }) = self.mark_prepared(plan, t.text.as_bytes(), mark)
        else {
            return Err(Error::TemplateMismatch);
        };
        let marked = String::from_utf8(marked).map_err(|_| Error::TemplateMismatch)?;
        if plan.gaps.len() != t.gaps.len() {
            return Err(Error::TemplateMismatch);
        }
        let bits = crate::channels::bits(&self.code, mark, &plan.gaps);
        let mut rewritten = Vec::new();
        let texts: Vec<&str> = marked.split(PAGE_BREAK).collect();

        // Offsets in the cross-reference section count from the start of
        // the whole file: the original comes first.
        let base = t.len;
        let mut out = Vec::with_capacity(8192 * (t.pages.len() + 1));
        if !t.ends_with_eol {
            out.push(b'\n');
        }
        let mut entries: Vec<(u32, usize, u16)> = Vec::new();
        let mut next = t.size;
        let mut alloc = || {
            next += 1;
            next - 1
        };
        let (q_id, vis_id, inv_id, cid_id, desc_id, tu_id, file_id, info_id) = (
            alloc(),
            alloc(),
            alloc(),
            alloc(),
            alloc(),
            alloc(),
            alloc(),
            alloc(),
        );
        let begin = |out: &mut Vec<u8>, entries: &mut Vec<(u32, usize, u16)>, id: u32| {
            entries.push((id, base + out.len(), 0));
            let _ = writeln!(out, "{id} 0 obj");
        };
        let end = |out: &mut Vec<u8>| out.extend_from_slice(b"\nendobj\n");

        begin(&mut out, &mut entries, q_id);
        write::stream(&mut out, "", b"q\n", false);
        end(&mut out);
        let fonts = write::fonts(cid_id, desc_id, tu_id, file_id, &t.chars);
        for (id, body) in [vis_id, inv_id, cid_id, desc_id, tu_id, file_id]
            .into_iter()
            .zip(&fonts)
        {
            begin(&mut out, &mut entries, id);
            out.extend_from_slice(body);
            end(&mut out);
        }
        let line = write::win_ansi(marking_line);
        let sentinels = layer_sentinels(&mark.download);
        for (i, p) in t.pages.iter().enumerate() {
            let content = page_content(p, &line, texts.get(i).copied().unwrap_or(""), &sentinels);
            let c_id = alloc();
            begin(&mut out, &mut entries, c_id);
            write::stream(&mut out, "", &content, true);
            end(&mut out);
            // The page's own streams that carry word gaps, re-emitted with
            // the gaps marked; the others are referenced as they are.
            let mut ids = Vec::with_capacity(p.contents.len());
            for rw in &p.spacing.streams {
                ids.push(rw.as_ref().map(|rw| {
                    rewritten.clear();
                    spacing::emit(rw, &t.gaps, &bits, &mut rewritten);
                    let id = alloc();
                    begin(&mut out, &mut entries, id);
                    write::stream(&mut out, "", &rewritten, COMPRESS_REWRITTEN);
                    end(&mut out);
                    id
                }));
            }
            entries.push((p.id.0, base + out.len(), p.id.1));
            let _ = write!(out, "{} {} obj\n<<", p.id.0, p.id.1);
            out.extend_from_slice(&p.head);
            out.extend_from_slice(b"/Contents [");
            let _ = write!(out, "{q_id} 0 R");
            for (i, c) in p.contents.iter().enumerate() {
                out.push(b' ');
                match ids.get(i).copied().flatten() {
                    Some(id) => {
                        let _ = write!(out, "{id} 0 R");
                    }
                    None => write::object(&mut out, c),
                }
            }
            let _ = write!(out, " {c_id} 0 R]/Resources <<");
            out.extend_from_slice(&p.resources);
            out.extend_from_slice(b"/Font <<");
            out.extend_from_slice(&p.fonts);
            let _ = write!(out, "/RampartV {vis_id} 0 R/RampartI {inv_id} 0 R>>>>>>");
            end(&mut out);
        }
        begin(&mut out, &mut entries, info_id);
        let mut info = t.info.clone();
        info.set(INFO_KEY, Object::string_literal(hex(&mark.download)));
        write::object(&mut out, &Object::Dictionary(info));
        end(&mut out);

        let mut trailer = Vec::new();
        let _ = write!(
            trailer,
            " /Root {} {} R /Info {info_id} 0 R",
            t.root.0, t.root.1
        );
        if let Some(id) = &t.id {
            trailer.extend_from_slice(b" /ID ");
            write::object(&mut trailer, id);
        }
        let trailer = String::from_utf8_lossy(&trailer).into_owned();
        write::xref_and_trailer(
            &mut out,
            base,
            entries,
            &trailer,
            next,
            t.prev,
            t.xref_stream,
        );
        Ok(Embedded { bytes: out, counts })
    }
}

/// The content stream appended to a page: restore the original's graphics
/// state, draw the visible line, then the invisible layer.
fn page_content(p: &Page, line: &[u8], text: &str, sentinels: &(String, String)) -> Vec<u8> {
    let mut c = Vec::with_capacity(64 + text.len() * 5);
    let margin = 18.0f64.min(p.width / 20.0);
    c.extend_from_slice(OUR_STREAM_START);
    c.push(b' ');
    write::real(&mut c, LINE_SIZE);
    c.extend_from_slice(b" Tf\n0.4 g\n1 0 0 1 ");
    write::real(&mut c, p.llx + margin);
    c.push(b' ');
    write::real(&mut c, p.lly + 4.0);
    c.extend_from_slice(b" Tm\n");
    write::literal(&mut c, line);
    c.extend_from_slice(b" Tj\nET\n");
    // Invisible layer: wrap at plain spaces only, so no marked gap is lost.
    let per_line = ((p.width - 2.0 * margin) / (INVISIBLE_SIZE * INVISIBLE_ADVANCE)).max(40.0);
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_len = 0usize;
    for chunk in text.split([' ', '\n']).filter(|s| !s.is_empty()) {
        let n = chunk.chars().count();
        if cur_len > 0 && (cur_len + 1 + n) as f64 > per_line {
            lines.push(std::mem::take(&mut cur));
            cur_len = 0;
        }
        if cur_len > 0 {
            cur.push(' ');
            cur_len += 1;
        }
        cur.push_str(chunk);
        cur_len += n;
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    if !lines.is_empty() {
        lines.insert(0, sentinels.0.clone());
        lines.push(sentinels.1.clone());
        let top = p.lly + 4.0 + LINE_SIZE + 2.0 + INVISIBLE_LEADING * lines.len() as f64;
        c.extend_from_slice(b"BT\n3 Tr\n/RampartI ");
        write::real(&mut c, INVISIBLE_SIZE);
        c.extend_from_slice(b" Tf\n1 0 0 1 ");
        write::real(&mut c, p.llx + margin);
        c.push(b' ');
        write::real(&mut c, top);
        c.extend_from_slice(b" Tm\n");
        for l in &lines {
            c.push(b'<');
            let mut units = [0u16; 2];
            for ch in l.chars() {
                let ch = if ch == crate::text::ZW0 {
                    crate::text::ZW0_PDF
                } else {
                    ch
                };
                if ch.encode_utf16(&mut units).len() == 1 {
                    let _ = write!(c, "{:04X}", units[0]);
                }
            }
            c.extend_from_slice(b"> Tj\n0 ");
            write::real(&mut c, -INVISIBLE_LEADING);
            c.extend_from_slice(b" Td\n");
        }
        c.extend_from_slice(b"ET\n");
    }
    c.extend_from_slice(b"Q\n");
    c
}
