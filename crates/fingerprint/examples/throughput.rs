//! Marking throughput per format on ~1 MB and ~10 MB inputs (a benchmark,
//! not a test): `cargo run --release -p rampart-fingerprint --example
//! throughput`. The documents are the GPL-2 text repeated, rendered as each
//! format by the test builders. "time" is marking from scratch; for text
//! formats and PDF it also prints the per-version work (parse, plan) apart
//! from what each download costs once that is cached, as the server does,
//! and a plain copy of the same bytes for comparison. DOCX and ODT are sized by their text (~1 MB / ~10 MB of text),
//! as the repeated text compresses far below that in the zip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test and example code: a failed assumption fails the run

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use common::*;
use rampart_fingerprint::{read_pdf_spacing, Format, PdfTemplate};

/// The GPL repeated until `build(text)` is about `target` bytes.
fn sized(target: usize, build: &dyn Fn(&str) -> Vec<u8>) -> Vec<u8> {
    let doc = document();
    let one = build(&doc).len().max(1);
    let mut n = target.div_ceil(one).max(1);
    loop {
        let text = std::iter::repeat_n(doc.as_str(), n)
            .collect::<Vec<_>>()
            .join("\n\n");
        let b = build(&text);
        // Repeated text compresses ~100x in a zip: size DOCX/ODT by content.
        if b.len() * 10 >= target * 9 || text.len() >= target {
            return b;
        }
        n = (n * target).div_ceil(b.len().max(1)).max(n + 1);
    }
}

fn time<T>(f: impl FnMut() -> T) -> (f64, T) {
    let mut f = f;
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..3 {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    (best, out.unwrap())
}

/// Renders a text as one format.
type Builder = Box<dyn Fn(&str) -> Vec<u8>>;

fn main() {
    let fp = fingerprinter();
    let m = mark(7, version(1), 1);
    let builders: Vec<(Format, Builder)> = vec![
        (Format::PlainText, Box::new(|t: &str| t.as_bytes().to_vec())),
        (Format::Markdown, Box::new(|t: &str| t.as_bytes().to_vec())),
        (Format::Html, Box::new(|t: &str| to_html(t).into_bytes())),
        (Format::Pdf, Box::new(build::pdf)),
        (Format::Docx, Box::new(build::docx)),
        (Format::Odt, Box::new(build::odt)),
    ];
    println!(
        "{:<10} {:>10} {:>12} {:>12}  notes",
        "format", "input", "time", "MB/s"
    );
    // THROUGHPUT_FORMATS=pdf,html limits the run to those formats.
    let only = std::env::var("THROUGHPUT_FORMATS").ok();
    for mb in [1usize, 10] {
        for (format, build) in &builders {
            if only
                .as_deref()
                .is_some_and(|o| !o.split(',').any(|f| f == format.name()))
            {
                continue;
            }
            let input = sized(mb << 20, build.as_ref());
            let size = input.len() as f64 / (1 << 20) as f64;
            let (secs, out) = time(|| fp.embed(*format, &input, &m).unwrap());
            let mut note = format!("{} positions", out.counts.total());
            let (copy, c) = time(|| input.clone());
            std::hint::black_box(c);
            if *format == Format::Pdf {
                let (parse, t) = time(|| PdfTemplate::parse(&input).unwrap());
                let (prep, plan) = time(|| fp.prepare_pdf(&t, m.version));
                let (mark, e) =
                    time(|| fp.pdf_update_prepared(&t, &plan, &m, "NON-PUBLIC").unwrap());
                let leaked = [input.as_slice(), e.bytes.as_slice()].concat();
                let (read, reads) = time(|| read_pdf_spacing(&leaked));
                note = format!(
                    "{note} ({} word gaps on {} pages); once per version: parse {:.1} ms + plan {:.1} ms; per download {:.1} ms (update only, +{} KB; the original streams as is); template {} KB; plain copy {:.2} ms; triage's word-spacing read {:.1} ms ({} reads)",
                    t.word_gaps(),
                    t.pages(),
                    parse * 1e3,
                    prep * 1e3,
                    mark * 1e3,
                    e.bytes.len() / 1024,
                    t.heap_bytes() / 1024,
                    copy * 1e3,
                    read * 1e3,
                    reads.len()
                );
            } else {
                let (prep, plan) = time(|| fp.prepare(*format, &input, m.version).unwrap());
                let (mark, e) = time(|| fp.mark_prepared(&plan, &input, &m).unwrap());
                note = format!(
                    "{note}; once per version: plan {:.1} ms; per download {:.1} ms = {:.0} MB/s, {} KB out; plain copy {:.2} ms",
                    prep * 1e3,
                    mark * 1e3,
                    size / mark,
                    e.bytes.len() / 1024,
                    copy * 1e3
                );
            }
            println!(
                "{:<10} {:>8.1}MB {:>10.1}ms {:>12.1}  {note}",
                format.name(),
                size,
                secs * 1e3,
                size / secs
            );
        }
    }
}
