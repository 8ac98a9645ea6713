//! The robustness matrix with real tools and real documents: for each
//! format × leak path × coalition size c ∈ {1, 2, 3}, the share of trials in
//! which at least one colluder is accused and the number of innocents (out of
//! 1000 accounts) accused.
//!
//! The full matrix is `#[ignore]`d: `scripts/matrix.sh` installs the tools,
//! fetches Debian's documents into `RAMPART_MATRIX_DOCS` and runs it in
//! release mode. A small version (a generated PDF of the GPL through
//! `pdftotext`, and the GPL as text) runs in the normal test suite.
//!
//! Method: a pool of marked copies (one per colluder account) is pushed
//! through each extractor once; each trial draws c colluders from the pool,
//! mixes their extracted texts (even trials: paragraphs interleaved, odd
//! trials: majority vote per whitespace unit, random on ties), then applies
//! the text transformation of the path. Innocents are scored in the first
//! `WITH_INNOCENTS` trials of every cell (the threshold does not depend on
//! the candidates, so detection is computed identically in every trial).
//!
//! The PDF rows "layer stripped, word spacing" are not text: each trial
//! mixes the colluders' PDF copies page by page, cuts the added layer
//! (invisible text and marking line) from every page and accuses through
//! the word-spacing channel alone (`+ 25% pages`: the first quarter of the
//! pages only).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test and example code: a failed assumption fails the run

mod common;

use std::collections::HashMap;
use std::process::Command;

use common::*;
use rampart_fingerprint::{read_pdf_spacing, AccountId, Fingerprinter, Format, VersionId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Ex {
    /// The file's own text: text as is, HTML tags stripped, DOCX/ODT text
    /// nodes of the main part, PDF through pdftotext.
    File,
    Pdftotext,
    Mutool,
    Qpdf,
    Gs,
    /// Not a text: the PDF copies with the added layer (invisible text and
    /// marking line) cut from every page, pages interleaved between the
    /// colluders, read through the word-spacing channel alone.
    SpacingStripped,
    /// The same, then rewritten by Ghostscript's pdfwrite.
    SpacingStrippedGs,
    PandocMdHtmlTxt,
    PandocToTxt,
    LibreOfficePdf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    None,
    Nfc,
    Nfkc,
    Collapse,
    Excerpt,
    Shuffle,
}

struct Doc {
    label: &'static str,
    format: Format,
    bytes: Vec<u8>,
    rows: Vec<(Ex, Op)>,
}

fn tmpdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("rampart-matrix-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok()
}

fn run(cmd: &mut Command) -> Option<Vec<u8>> {
    let out = cmd.output().ok()?;
    out.status.success().then_some(out.stdout)
}

fn ext(format: Format) -> &'static str {
    match format {
        Format::PlainText => "txt",
        Format::Markdown => "md",
        Format::Html => "html",
        Format::Pdf => "pdf",
        Format::Docx => "docx",
        Format::Odt => "odt",
    }
}

/// Text a leaker gets from `bytes` by `ex`; `None` if the tool failed.
fn extract(ex: Ex, format: Format, bytes: &[u8], tag: &str) -> Option<String> {
    let dir = tmpdir();
    let input = dir.join(format!("{tag}.{}", ext(format)));
    std::fs::write(&input, bytes).ok()?;
    let pdftotext = |p: &std::path::Path| -> Option<String> {
        let out = run(Command::new("pdftotext").arg(p).arg("-"))?;
        String::from_utf8(out).ok()
    };
    match (ex, format) {
        (Ex::File, Format::PlainText | Format::Markdown) => String::from_utf8(bytes.to_vec()).ok(),
        (Ex::File, Format::Html) => Some(html_to_text(std::str::from_utf8(bytes).ok()?)),
        (Ex::File, Format::Docx) => Some(build::xml_text(
            &build::member(bytes, "word/document.xml")?,
            "</w:p>",
        )),
        (Ex::File, Format::Odt) => Some(build::xml_text(
            &build::member(bytes, "content.xml")?,
            "</text:p>",
        )),
        (Ex::File | Ex::Pdftotext, Format::Pdf) => pdftotext(&input),
        (Ex::Mutool, _) => {
            let out = dir.join(format!("{tag}.mu.txt"));
            run(Command::new("mutool")
                .args(["draw", "-q", "-F", "txt", "-o"])
                .arg(&out)
                .arg(&input))?;
            std::fs::read_to_string(out).ok()
        }
        (Ex::Qpdf, _) => {
            let out = dir.join(format!("{tag}.q.pdf"));
            let st = Command::new("qpdf").arg(&input).arg(&out).status().ok()?;
            // qpdf exits 3 for warnings with a written file.
            (st.success() || st.code() == Some(3)).then_some(())?;
            pdftotext(&out)
        }
        (Ex::Gs, _) => {
            let out = dir.join(format!("{tag}.gs.pdf"));
            run(Command::new("gs")
                .args(["-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=pdfwrite"])
                .arg(format!("-sOutputFile={}", out.display()))
                .arg(&input))?;
            pdftotext(&out)
        }
        (Ex::PandocMdHtmlTxt, _) => {
            let html = run(Command::new("pandoc")
                .args(["-f", "gfm", "-t", "html"])
                .arg(&input))?;
            let h = dir.join(format!("{tag}.p.html"));
            std::fs::write(&h, html).ok()?;
            let t = run(Command::new("pandoc")
                .args(["-f", "html", "-t", "plain", "--wrap=none"])
                .arg(&h))?;
            String::from_utf8(t).ok()
        }
        (Ex::PandocToTxt, _) => {
            let t = run(Command::new("pandoc")
                .args(["-t", "plain", "--wrap=none"])
                .arg(&input))?;
            String::from_utf8(t).ok()
        }
        (Ex::LibreOfficePdf, _) => {
            let out = dir.join(format!("lo-{tag}"));
            run(Command::new("soffice")
                .args(["--headless", "--convert-to", "pdf", "--outdir"])
                .arg(&out)
                .arg(&input))?;
            pdftotext(&out.join(format!("{tag}.pdf")))
        }
        _ => None,
    }
}

fn apply(op: Op, text: &str, rng: &mut Rng) -> String {
    match op {
        Op::None => text.to_string(),
        Op::Nfc => leak(text, Leak::Nfc, rng),
        Op::Nfkc => leak(text, Leak::Nfkc, rng),
        Op::Collapse => leak(text, Leak::CollapseUnicode, rng),
        Op::Excerpt => leak(text, Leak::Excerpt25, rng),
        Op::Shuffle => leak(text, Leak::ShuffleParagraphs, rng),
    }
}

/// Colluders mixing their texts; majority vote needs aligned copies and
/// falls back to interleaving when a tool laid the copies out differently.
fn mix(texts: &[String], trial: usize, rng: &mut Rng) -> String {
    let aligned = texts
        .iter()
        .all(|t| units(t).len() == units(&texts[0]).len());
    if trial % 2 == 1 && aligned {
        return collude(texts, Attack::Majority, rng);
    }
    // Interleave paragraphs; a tool may have split the copies differently.
    let split: Vec<Vec<&str>> = texts.iter().map(|t| t.split("\n\n").collect()).collect();
    let n = split.iter().map(Vec::len).max().unwrap_or(0);
    (0..n)
        .filter_map(|i| {
            let k = i % texts.len();
            split[k]
                .get(i)
                .or_else(|| split.iter().find_map(|s| s.get(i)))
                .copied()
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[derive(Default, Clone)]
struct Cell {
    trials: usize,
    detected: usize,
    innocents: usize,
    failed: usize,
}

impl Cell {
    /// Counts one trial's outcome: a colluder caught, innocents accused.
    fn record(&mut self, acc: &rampart_fingerprint::Accusation, guilty: &[AccountId]) {
        let (caught, innocents) = outcome(acc, guilty);
        self.detected += usize::from(caught);
        self.innocents += innocents;
    }
}

struct Config {
    pool: usize,
    trials: usize,
    with_innocents: usize,
    innocents: usize,
}

fn row_name(ex: Ex, op: Op) -> String {
    let ex = match ex {
        Ex::File => "file",
        Ex::Pdftotext => "pdftotext",
        Ex::Mutool => "mutool draw -F txt",
        Ex::Qpdf => "qpdf → pdftotext",
        Ex::Gs => "gs pdfwrite → pdftotext",
        Ex::SpacingStripped => "layer stripped, word spacing",
        Ex::SpacingStrippedGs => "layer stripped → gs, word spacing",
        Ex::PandocMdHtmlTxt => "pandoc md→html→txt",
        Ex::PandocToTxt => "pandoc → txt",
        Ex::LibreOfficePdf => "soffice → pdf → pdftotext",
    };
    match op {
        Op::None => ex.to_string(),
        Op::Nfc => format!("{ex} + NFC"),
        Op::Nfkc => format!("{ex} + NFKC"),
        Op::Collapse => format!("{ex} + ws collapse"),
        Op::Excerpt if ex == "layer stripped, word spacing" => format!("{ex} + 25% pages"),
        Op::Excerpt => format!("{ex} + 25% excerpt"),
        Op::Shuffle => format!("{ex} + para shuffle"),
    }
}

/// The colluders' PDF copies (marked from one template, so their objects
/// have the same numbers) mixed page by page (page i from colluder
/// i mod c), with our added streams cut from every page; an excerpt keeps
/// the first quarter of the pages.
fn stripped_mix(marked: &[Vec<u8>], who: &[usize], excerpt: bool) -> Option<Vec<u8>> {
    let copies: Vec<lopdf::Document> = who
        .iter()
        .map(|&k| lopdf::Document::load_mem(&marked[k]).ok())
        .collect::<Option<_>>()?;
    let mut doc = copies[0].clone();
    let pages: Vec<(u32, lopdf::ObjectId)> = doc.get_pages().into_iter().collect();
    for (i, &(_, page)) in pages.iter().enumerate() {
        let src = &copies[i % copies.len()];
        for id in src.get_page_contents(page) {
            doc.objects.insert(id, src.get_object(id).ok()?.clone());
        }
        drop_our_streams(&mut doc, page)?;
    }
    if excerpt {
        let keep = pages.len().div_ceil(4);
        let drop: Vec<u32> = pages.iter().skip(keep).map(|&(n, _)| n).collect();
        doc.delete_pages(&drop);
    }
    let mut out = Vec::new();
    doc.save_to(&mut out).ok()?;
    Some(out)
}

/// Runs the matrix over `docs`, prints it and returns failures.
fn matrix(docs: &[Doc], cfg: &Config) -> Vec<String> {
    let fp: Fingerprinter = fingerprinter();
    let inn = innocents(cfg.innocents);
    let mut failures = Vec::new();
    println!(
        "\n{:<26} {:<40} {:>16} {:>16} {:>16}",
        "format", "leak path", "c=1", "c=2", "c=3"
    );
    println!(
        "{:<26} {:<40} {:>16} {:>16} {:>16}",
        "", "", "det% (fp)", "det% (fp)", "det% (fp)"
    );
    for (d, doc) in docs.iter().enumerate() {
        let v = VersionId {
            document: [d as u8 + 100; 16],
            version: 1,
        };
        let pool: Vec<AccountId> = (1..=cfg.pool as i64).map(AccountId).collect();
        let marked: Vec<Vec<u8>> = pool
            .iter()
            .map(|a| {
                fp.embed(doc.format, &doc.bytes, &mark(a.0, v, 7))
                    .unwrap()
                    .bytes
            })
            .collect();
        let mut cache: HashMap<(Ex, usize), Option<String>> = HashMap::new();
        let mut rng = Rng(0xC0FFEE ^ d as u64);
        for &(ex, op) in &doc.rows {
            let mut cells = vec![Cell::default(); 3];
            for c in 1..=3usize {
                for trial in 0..cfg.trials {
                    let mut who: Vec<usize> = Vec::new();
                    while who.len() < c {
                        let k = rng.below(cfg.pool);
                        if !who.contains(&k) {
                            who.push(k);
                        }
                    }
                    if matches!(ex, Ex::SpacingStripped | Ex::SpacingStrippedGs) {
                        let guilty: Vec<AccountId> = who.iter().map(|&k| pool[k]).collect();
                        let mut cands = guilty.clone();
                        if trial < cfg.with_innocents {
                            cands.extend_from_slice(&inn);
                        }
                        let cell = &mut cells[c - 1];
                        cell.trials += 1;
                        let pdf = stripped_mix(&marked, &who, op == Op::Excerpt).and_then(|p| {
                            if ex == Ex::SpacingStripped {
                                return Some(p);
                            }
                            let dir = tmpdir();
                            let (src, out) = (dir.join("mix.pdf"), dir.join("mix.gs.pdf"));
                            std::fs::write(&src, p).ok()?;
                            run(Command::new("gs")
                                .args(["-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=pdfwrite"])
                                .arg(format!("-sOutputFile={}", out.display()))
                                .arg(&src))?;
                            std::fs::read(&out).ok()
                        });
                        let Some(pdf) = pdf else {
                            cell.failed += 1;
                            continue;
                        };
                        let obs = fp.observe_spacing(&read_pdf_spacing(&pdf), &[v]);
                        cell.record(&fp.accuse(&obs, &cands), &guilty);
                        continue;
                    }
                    let texts: Option<Vec<String>> = who
                        .iter()
                        .map(|&k| {
                            cache
                                .entry((ex, k))
                                .or_insert_with(|| {
                                    extract(
                                        ex,
                                        doc.format,
                                        &marked[k],
                                        &format!("{}-{k}", doc.label),
                                    )
                                })
                                .clone()
                        })
                        .collect();
                    let cell = &mut cells[c - 1];
                    cell.trials += 1;
                    let Some(texts) = texts else {
                        cell.failed += 1;
                        continue;
                    };
                    let leaked = apply(op, &mix(&texts, trial, &mut rng), &mut rng);
                    let guilty: Vec<AccountId> = who.iter().map(|&k| pool[k]).collect();
                    let mut cands = guilty.clone();
                    if trial < cfg.with_innocents {
                        cands.extend_from_slice(&inn);
                    }
                    cell.record(&fp.accuse(&fp.extract(&leaked, &[v]), &cands), &guilty);
                }
            }
            let show = |c: &Cell| {
                let rate = 100.0 * c.detected as f64 / c.trials.max(1) as f64;
                let f = if c.failed > 0 {
                    format!(" !{}", c.failed)
                } else {
                    String::new()
                };
                format!("{rate:5.1}% ({}){f}", c.innocents)
            };
            let name = row_name(ex, op);
            println!(
                "{:<26} {:<40} {:>16} {:>16} {:>16}",
                doc.label,
                name,
                show(&cells[0]),
                show(&cells[1]),
                show(&cells[2]),
            );
            for (k, cell) in cells.iter().enumerate() {
                if cell.innocents > 0 {
                    failures.push(format!(
                        "{} / {name} c={}: innocents accused",
                        doc.label,
                        k + 1
                    ));
                }
                let rate = cell.detected as f64 / cell.trials.max(1) as f64;
                if rate < 0.95 {
                    failures.push(format!(
                        "{} / {name} c={}: detection {rate:.2}",
                        doc.label,
                        k + 1
                    ));
                }
            }
        }
    }
    println!(
        "(pool of {} colluder accounts per document, {} trials per cell, {} innocents scored in {} trials per cell; !n = tool failures)",
        cfg.pool, cfg.trials, cfg.innocents, cfg.with_innocents
    );
    failures
}

#[test]
fn small_matrix() {
    let text = document();
    let mut docs = vec![Doc {
        label: "text (GPL-2)",
        format: Format::PlainText,
        bytes: text.clone().into_bytes(),
        rows: vec![
            (Ex::File, Op::None),
            (Ex::File, Op::Nfkc),
            (Ex::File, Op::Excerpt),
        ],
    }];
    let mut rows = vec![
        (Ex::SpacingStripped, Op::None),
        (Ex::SpacingStripped, Op::Excerpt),
    ];
    if have("pdftotext") || Command::new("pdftotext").arg("-v").output().is_ok() {
        rows.extend([(Ex::Pdftotext, Op::None), (Ex::Pdftotext, Op::Excerpt)]);
    } else {
        println!("skipping the PDF text cells: pdftotext (poppler-utils) is not installed");
    }
    docs.push(Doc {
        label: "pdf (generated GPL-2)",
        format: Format::Pdf,
        bytes: build::pdf(&text),
        rows,
    });
    let failures = matrix(
        &docs,
        &Config {
            pool: 6,
            trials: 6,
            with_innocents: 1,
            innocents: 300,
        },
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
#[ignore = "needs the tools and documents of scripts/matrix.sh"]
fn full_matrix() {
    let Ok(dir) = std::env::var("RAMPART_MATRIX_DOCS") else {
        panic!("set RAMPART_MATRIX_DOCS (scripts/matrix.sh does)");
    };
    let read = |n: &str| std::fs::read(format!("{dir}/{n}")).ok();
    let lo = have("soffice");
    if !lo {
        println!("LibreOffice (soffice) is not installed: its columns are skipped");
    }
    let text_ops = |ex: Ex| {
        vec![
            (ex, Op::None),
            (ex, Op::Nfc),
            (ex, Op::Nfkc),
            (ex, Op::Collapse),
            (ex, Op::Excerpt),
            (ex, Op::Shuffle),
        ]
    };
    let mut docs = Vec::new();
    let mut add = |label, format, name: &str, rows: Vec<(Ex, Op)>| match read(name) {
        Some(bytes) => docs.push(Doc {
            label,
            format,
            bytes,
            rows,
        }),
        None => println!("missing {dir}/{name}: {label} skipped"),
    };
    add(
        "text (python tutorial)",
        Format::PlainText,
        "doc.txt",
        text_ops(Ex::File),
    );
    add(
        "markdown (python tutorial)",
        Format::Markdown,
        "doc.md",
        vec![
            (Ex::File, Op::None),
            (Ex::PandocMdHtmlTxt, Op::None),
            (Ex::PandocMdHtmlTxt, Op::Nfkc),
            (Ex::PandocMdHtmlTxt, Op::Excerpt),
        ],
    );
    let mut html = text_ops(Ex::File);
    html.push((Ex::PandocToTxt, Op::None));
    add("html (python tutorial)", Format::Html, "doc.html", html);
    let mut pdf = vec![
        (Ex::Mutool, Op::None),
        (Ex::Qpdf, Op::None),
        (Ex::Gs, Op::None),
        (Ex::SpacingStripped, Op::None),
        (Ex::SpacingStripped, Op::Excerpt),
        (Ex::SpacingStrippedGs, Op::None),
    ];
    pdf.extend(text_ops(Ex::Pdftotext));
    add(
        "pdf xref-stream (libtasn1)",
        Format::Pdf,
        "xrefstream.pdf",
        pdf,
    );
    add(
        "pdf classic (shared-mime)",
        Format::Pdf,
        "classic.pdf",
        vec![
            (Ex::Pdftotext, Op::None),
            (Ex::Mutool, Op::None),
            (Ex::Qpdf, Op::None),
            (Ex::Gs, Op::None),
            (Ex::Pdftotext, Op::Shuffle),
            (Ex::SpacingStripped, Op::None),
            (Ex::SpacingStripped, Op::Excerpt),
            (Ex::SpacingStrippedGs, Op::None),
        ],
    );
    let mut office = |label, format, name: &str| {
        let mut rows = vec![
            (Ex::File, Op::None),
            (Ex::PandocToTxt, Op::None),
            (Ex::PandocToTxt, Op::Nfkc),
            (Ex::File, Op::Excerpt),
            (Ex::File, Op::Shuffle),
        ];
        if lo {
            rows.push((Ex::LibreOfficePdf, Op::None));
            rows.push((Ex::LibreOfficePdf, Op::Excerpt));
        }
        add(label, format, name, rows);
    };
    office("docx (python tutorial)", Format::Docx, "doc.docx");
    office("odt (python tutorial)", Format::Odt, "doc.odt");
    let failures = matrix(
        &docs,
        &Config {
            pool: 10,
            trials: 20,
            with_innocents: 3,
            innocents: 1000,
        },
    );
    assert!(failures.is_empty(), "{failures:#?}");
}
