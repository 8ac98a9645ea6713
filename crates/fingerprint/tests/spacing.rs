//! The PDF word-spacing channel: marked copies show the same glyphs with
//! the same line advances, the spacing alone convicts the recipient (the
//! invisible layer and marking line stripped), colluders mixing pages are
//! caught with no innocent accused, unmarked PDFs accuse nobody, and hostile
//! files do not panic the reader.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test and example code: a failed assumption fails the run

mod common;

use std::io::Write;

use common::*;
use lopdf::{content::Content, Document, Object};
use rampart_fingerprint::{
    read_pdf_spacing, AccountId, Channel, Fingerprinter, Mark, PdfTemplate, VersionId,
};

/// A PDF of `pages` content streams with a simple font /F1 (Helvetica
/// WinAnsi) and a composite one /F2, Flate-compressed if asked.
fn assemble(pages: &[Vec<u8>], compress: bool) -> Vec<u8> {
    let n = pages.len();
    let mut objs: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!(
            "<< /Type /Pages /Count {n} /Kids [{}] /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>",
            (0..n).map(|i| format!("{} 0 R", 5 + 2 * i)).collect::<Vec<_>>().join(" ")
        )
        .into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Helvetica /Encoding /Identity-H /DescendantFonts [] >>".to_vec(),
    ];
    for (i, c) in pages.iter().enumerate() {
        objs.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /Contents {} 0 R >>",
                6 + 2 * i
            )
            .into_bytes(),
        );
        let (body, filter) = if compress {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(c).unwrap();
            (e.finish().unwrap(), " /Filter /FlateDecode")
        } else {
            (c.clone(), "")
        };
        let mut s = format!("<< /Length {}{filter} >>\nstream\n", body.len()).into_bytes();
        s.extend_from_slice(&body);
        s.extend_from_slice(b"\nendstream");
        objs.push(s);
    }
    build::file("1.5", &objs)
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('(', "\\(")
        .replace(')', "\\)")
}

/// Lines of about a dozen words.
fn lines(text: &str) -> Vec<Vec<String>> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_ascii() && !c.is_control())
                .collect()
        })
        .filter(|w: &String| !w.is_empty())
        .collect();
    words.chunks(12).map(|c| c.to_vec()).collect()
}

/// TeX-style pages: words in `TJ` arrays separated by justified gaps
/// (-333 and more), kerning inside some words, some words in hex, some
/// lines shown with `'` and spaces, a composite-font line, compressed.
fn tex_pdf(text: &str) -> Vec<u8> {
    let mut pages = Vec::new();
    for (p, chunk) in lines(text).chunks(50).enumerate() {
        let mut c = String::from("BT /F1 10 Tf 12 TL 72 720 Td\n");
        for (i, l) in chunk.iter().enumerate() {
            if i % 7 == 3 {
                c.push_str(&format!("({}) '\n", esc(&l.join(" "))));
                continue;
            }
            if i % 11 == 5 {
                c.push_str(&format!("0.5 0 ({}) \"\n", esc(&l.join(" "))));
                continue;
            }
            let gap = -333 - ((i * 37 + p) % 9) as i64 * 13;
            c.push('[');
            for (k, w) in l.iter().enumerate() {
                if k > 0 {
                    c.push_str(&format!("{gap}.{}", k % 3));
                }
                if k % 5 == 2 {
                    let hex: String = w.bytes().map(|b| format!("{b:02x}")).collect();
                    c.push_str(&format!("<{hex}>"));
                } else if w.len() > 3 && k % 4 == 1 {
                    let (a, b) = w.split_at(1);
                    c.push_str(&format!("({}) 80 ({})", esc(a), esc(b)));
                } else {
                    c.push_str(&format!("({})", esc(w)));
                }
            }
            c.push_str("] TJ T*\n");
        }
        c.push_str("/F2 10 Tf [<00410042> -400 <00430044>] TJ T*\nET\n");
        pages.push(c.into_bytes());
    }
    assemble(&pages, true)
}

fn copy_of(fp: &Fingerprinter, original: &[u8], m: &Mark) -> Vec<u8> {
    let t = PdfTemplate::parse(original).unwrap();
    fp.embed_pdf(&t, original, m, "NON-PUBLIC copy")
        .unwrap()
        .bytes
}

/// Per page, what is shown and how lines move, numbers aside: `'` and `"`
/// are spelt out, so a copy that turned them into `TJ` compares equal.
fn shown(pdf: &[u8]) -> Vec<Vec<String>> {
    let doc = Document::load_mem(pdf).unwrap();
    let mut out = Vec::new();
    for (_, id) in doc.get_pages() {
        let content = Content::decode(&doc.get_page_content(id).unwrap()).unwrap();
        let mut ops = Vec::new();
        let mut ours = false;
        for op in content.operations {
            let strings = |ops: &mut Vec<String>| {
                let mut s = Vec::new();
                for o in &op.operands {
                    match o {
                        Object::String(b, _) => s.extend_from_slice(b),
                        Object::Array(a) => a.iter().for_each(|x| {
                            if let Object::String(b, _) = x {
                                s.extend_from_slice(b)
                            }
                        }),
                        _ => {}
                    }
                }
                ops.push(format!("show {}", String::from_utf8_lossy(&s)));
            };
            match op.operator.as_str() {
                "Tf" => ours = op.operands[0].as_name().unwrap().starts_with(b"Rampart"),
                _ if ours => {}
                "Tj" | "TJ" => strings(&mut ops),
                "'" => {
                    ops.push("T*".into());
                    strings(&mut ops)
                }
                "\"" => {
                    ops.extend(["Tw".into(), "Tc".into(), "T*".into()]);
                    strings(&mut ops)
                }
                "q" | "Q" => {}
                o => ops.push(o.to_owned()),
            }
        }
        // Runs of shows on one line concatenate (a Tj split in two is fine).
        out.push(ops);
    }
    out
}

/// Sum of the numbers of each text-showing operator (0 for `Tj`), per page:
/// the advance it adds to the glyphs' own.
fn advances(pdf: &[u8]) -> Vec<Vec<f64>> {
    let doc = Document::load_mem(pdf).unwrap();
    doc.get_pages()
        .into_values()
        .map(|id| {
            let content = Content::decode(&doc.get_page_content(id).unwrap()).unwrap();
            content
                .operations
                .iter()
                .filter(|op| matches!(op.operator.as_str(), "Tj" | "TJ" | "'" | "\""))
                .map(|op| match op.operands.first() {
                    Some(Object::Array(a)) => a
                        .iter()
                        .filter_map(|x| x.as_float().ok())
                        .map(f64::from)
                        .sum(),
                    _ => 0.0,
                })
                .collect()
        })
        .collect()
}

fn accused(
    fp: &Fingerprinter,
    pdf: &[u8],
    v: VersionId,
    candidates: &[AccountId],
) -> Vec<AccountId> {
    let obs = fp.observe_spacing(&read_pdf_spacing(pdf), &[v]);
    fp.accuse(&obs, candidates)
        .accused()
        .map(|s| s.account)
        .collect()
}

fn candidates() -> Vec<AccountId> {
    let mut c = innocents(200);
    c.extend([AccountId(11), AccountId(12)]);
    c
}

fn check_copy(original: &[u8], name: &str) {
    let fp = fingerprinter();
    let v = version(30);
    let m = mark(11, v, 5);
    let t = PdfTemplate::parse(original).unwrap();
    assert!(t.word_gaps() > 500, "{name}: {} gaps", t.word_gaps());
    let e = fp.embed_pdf(&t, original, &m, "NON-PUBLIC copy").unwrap();
    assert_eq!(e.counts.word_spacing, t.word_gaps());
    let copy = e.bytes;
    assert!(copy.starts_with(original));

    // Same glyphs, same operators; each operator adds the same advance.
    let stripped = strip(&copy);
    assert_eq!(shown(&stripped), shown(original), "{name}");
    let (a, b) = (advances(&stripped), advances(original));
    assert_eq!(a.len(), b.len());
    for (pa, pb) in a.iter().zip(&b) {
        assert_eq!(pa.len(), pb.len(), "{name}");
        for (x, y) in pa.iter().zip(pb) {
            assert!((x - y).abs() < 1e-3, "{name}: advance {x} vs {y}");
        }
    }

    // Every gap reads back; the spacing alone convicts and names the download.
    let reads = read_pdf_spacing(&stripped);
    assert_eq!(reads.len(), t.word_gaps(), "{name}");
    assert_eq!(read_pdf_spacing(&copy), reads);
    let obs = fp.observe_spacing(&reads, &[v]);
    assert_eq!(obs.count(Channel::WordSpacing), reads.len());
    // Nothing of the text channels is left in the stripped copy.
    assert_eq!(
        accused(&fp, &stripped, v, &candidates()),
        vec![AccountId(11)],
        "{name}"
    );
    let other = mark(11, v, 6);
    let dl = fp.score_downloads(&obs, AccountId(11), &[(other.download, v), (m.download, v)]);
    assert_eq!(dl[0].download, m.download);
    assert!(dl[0].matched && !dl[1].matched, "{dl:?}");
    // Under another version the reads mean nothing.
    assert!(accused(&fp, &stripped, version(31), &candidates()).is_empty());
    // The unmarked original accuses nobody.
    assert!(
        accused(&fp, original, v, &candidates()).is_empty(),
        "{name}"
    );
}

#[test]
fn tj_spaces_carry_the_mark_alone() {
    let original = build::pdf(&document());
    assert!(
        read_pdf_spacing(&original).is_empty(),
        "no number after any space"
    );
    check_copy(&original, "tj");
}

#[test]
fn tex_gaps_carry_the_mark_alone() {
    let original = tex_pdf(&document());
    check_copy(&original, "tex");
}

#[test]
fn colluders_mixing_pages_are_caught_and_nobody_else() {
    let fp = fingerprinter();
    let v = version(32);
    for (name, original) in [
        ("tj", build::pdf(&document())),
        ("tex", tex_pdf(&document())),
    ] {
        let a = copy_of(&fp, &original, &mark(11, v, 1));
        let b = copy_of(&fp, &original, &mark(12, v, 1));
        // Same template, same object numbers: odd pages take B's streams.
        let mut doc = Document::load_mem(&a).unwrap();
        let db = Document::load_mem(&b).unwrap();
        for (i, (_, page)) in db.get_pages().into_iter().enumerate() {
            if i % 2 == 1 {
                for id in db.get_page_contents(page) {
                    doc.objects.insert(id, db.get_object(id).unwrap().clone());
                }
            }
        }
        let mut mixed = Vec::new();
        doc.save_to(&mut mixed).unwrap();
        let mixed = strip(&mixed);
        let got = accused(&fp, &mixed, v, &candidates());
        assert!(!got.is_empty(), "{name}: a colluder is caught");
        assert!(
            got.iter().all(|x| x.0 == 11 || x.0 == 12),
            "{name}: {got:?}"
        );
    }
}

#[test]
fn hostile_pdfs_do_not_panic() {
    let fp = fingerprinter();
    let mut rng = Rng(7);
    let bodies: Vec<&[u8]> = vec![
        b"BT /F1 10 Tf [(a ) (b) ( ) 9999999999999999999999 (c)] TJ ET",
        b"BT (((((a b) Tj [[[[ ]]]] TJ ) ' \" ET",
        b"BT /F1 Tf 1 2 (x y) \" 1 (x y) \" [(a b)] TJ ] TJ [ TJ ET",
        b"BT <20 20 2> Tj <a> ' (\\",
        b"BI /W 1 ID \x00\x01 EI (a b) Tj",
        b"q q q Q Q Q Q Q Q BT /Nope 3 Tf (a b c) Tj ET",
    ];
    let mut original = assemble(
        &bodies.iter().map(|b| b.to_vec()).collect::<Vec<_>>(),
        false,
    );
    let t = PdfTemplate::parse(&original).unwrap();
    let copy = fp
        .embed_pdf(&t, &original, &mark(11, version(1), 1), "x")
        .unwrap()
        .bytes;
    let _ = read_pdf_spacing(&copy);
    let big = vec![b'['; 1 << 20];
    let _ = read_pdf_spacing(&assemble(&[big], true));
    for _ in 0..300 {
        let i = rng.below(original.len());
        original[i] = rng.next() as u8;
        let _ = read_pdf_spacing(&original);
        let cut = rng.below(copy.len());
        let _ = read_pdf_spacing(&copy[..cut]);
        if let Ok(t) = PdfTemplate::parse(&original) {
            let _ = fp.embed_pdf(&t, &original, &mark(1, version(1), 1), "x");
        }
    }
    // A Flate bomb (a 100 MB page of spaces) is cut off, not inflated whole.
    let bomb = vec![b' '; 100 << 20];
    let t = std::time::Instant::now();
    assert!(read_pdf_spacing(&assemble(&[bomb], true)).is_empty());
    assert!(t.elapsed().as_secs() < 20);
    assert!(read_pdf_spacing(b"").is_empty());
    assert!(read_pdf_spacing(b"%PDF-1.4 garbage").is_empty());
}

fn qpdf(args: &[&str], input: &[u8], name: &str) -> Option<Vec<u8>> {
    if std::process::Command::new("qpdf")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("qpdf not installed: skipped");
        return None;
    }
    let dir = std::env::temp_dir().join(format!("rampart-spacing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (src, dst) = (
        dir.join(format!("{name}-in.pdf")),
        dir.join(format!("{name}-out.pdf")),
    );
    std::fs::write(&src, input).unwrap();
    let st = std::process::Command::new("qpdf")
        .args(args)
        .arg(&src)
        .arg(&dst)
        .status()
        .unwrap();
    assert!(
        st.code() == Some(0) || st.code() == Some(3),
        "qpdf {args:?}"
    );
    Some(std::fs::read(&dst).unwrap())
}

#[test]
fn survives_qpdf_resave_and_page_extraction() {
    let fp = fingerprinter();
    let v = version(33);
    for (name, original) in [
        ("tj", build::pdf(&document())),
        ("tex", tex_pdf(&document())),
    ] {
        let copy = strip(&copy_of(&fp, &original, &mark(11, v, 1)));
        let Some(resaved) = qpdf(
            &["--object-streams=generate", "--recompress-flate"],
            &copy,
            name,
        ) else {
            return;
        };
        assert_ne!(resaved, copy);
        // A "permissions" password (empty user password) does not hide it.
        let Some(locked) = qpdf(&["--encrypt", "", "owner", "256", "--"], &copy, name) else {
            return;
        };
        assert_eq!(
            accused(&fp, &locked, v, &candidates()),
            vec![AccountId(11)],
            "{name} encrypted"
        );
        assert_eq!(
            accused(&fp, &resaved, v, &candidates()),
            vec![AccountId(11)],
            "{name} re-saved"
        );
        let dir = std::env::temp_dir().join(format!("rampart-spacing-{}", std::process::id()));
        let (src, dst) = (
            dir.join(format!("{name}-p.pdf")),
            dir.join(format!("{name}-p-out.pdf")),
        );
        std::fs::write(&src, &resaved).unwrap();
        let st = std::process::Command::new("qpdf")
            .arg("--empty")
            .arg("--pages")
            .arg(&src)
            .arg("2-3")
            .arg("--")
            .arg(&dst)
            .status()
            .unwrap();
        assert!(st.success());
        let extracted = std::fs::read(&dst).unwrap();
        let n = read_pdf_spacing(&extracted).len();
        assert!(n > 300, "{name}: {n} reads on two pages");
        assert_eq!(
            accused(&fp, &extracted, v, &candidates()),
            vec![AccountId(11)],
            "{name} pages 2-3"
        );
    }
}

/// Ghostscript's pdfwrite re-derives every `TJ` from the glyph positions,
/// which is what the channel moves: the reads survive (measured, not a
/// guarantee; skipped without `gs`).
#[test]
fn survives_ghostscript_pdfwrite() {
    if std::process::Command::new("gs")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("gs not installed: skipped");
        return;
    }
    let fp = fingerprinter();
    let v = version(34);
    for (name, original) in [
        ("tj", build::pdf(&document())),
        ("tex", tex_pdf(&document())),
    ] {
        let copy = strip(&copy_of(&fp, &original, &mark(11, v, 1)));
        let dir = std::env::temp_dir().join(format!("rampart-spacing-gs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (src, dst) = (
            dir.join(format!("{name}.pdf")),
            dir.join(format!("{name}-gs.pdf")),
        );
        std::fs::write(&src, &copy).unwrap();
        let st = std::process::Command::new("gs")
            .args(["-q", "-dBATCH", "-dNOPAUSE", "-dSAFER", "-sDEVICE=pdfwrite"])
            .arg(format!("-sOutputFile={}", dst.display()))
            .arg(&src)
            .status()
            .unwrap();
        assert!(st.success());
        let out = std::fs::read(&dst).unwrap();
        let reads = read_pdf_spacing(&out).len();
        eprintln!(
            "{name}: {reads} of {} reads after gs",
            read_pdf_spacing(&copy).len()
        );
        assert_eq!(
            accused(&fp, &out, v, &candidates()),
            vec![AccountId(11)],
            "{name} after gs"
        );
    }
}

/// One text-showing operation of a generated content stream: kind and
/// words (0 `Tj`, 1 `'`, 2 `"`, 3 `TJ` with kerning and gaps, 4 hex `TJ`).
fn op_of(kind: u8, words: &[String], gap: i32, kern: i32) -> String {
    let lit = |s: &str| format!("({})", esc(s));
    match kind % 5 {
        0 => format!("{} Tj\n", lit(&words.join(" "))),
        1 => format!("{} '\n", lit(&words.join("  "))),
        2 => format!("1 0.5 {} \"\n", lit(&words.join(" "))),
        3 => {
            let mut c = String::from("[");
            for (i, w) in words.iter().enumerate() {
                if i > 0 {
                    c.push_str(&format!(" {gap} "));
                }
                let (a, b) = w.split_at(w.len() / 2);
                c.push_str(&format!("{}{kern}{}", lit(a), lit(b)));
            }
            c + "] TJ\n"
        }
        _ => {
            let hex: String = words
                .join(" ")
                .bytes()
                .map(|b| format!("{b:02X}"))
                .collect();
            format!("[<{hex}> {gap} (x y)] TJ\n")
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Whatever the mix of operators, spaces, kerning and gap widths: the
    /// copy shows the same glyphs with the same advances, and two copies
    /// for different accounts give reads at exactly the same anchors.
    #[test]
    fn copies_keep_glyphs_advances_and_anchors(
        ops in proptest::collection::vec(
            (0u8..5, proptest::collection::vec("[a-z(\\\\]{1,6}", 1..8), -900i32..-100, -60i32..60),
            1..40,
        )
    ) {
        let mut c = String::from("BT /F1 10 Tf 12 TL 72 720 Td\n");
        for (kind, words, gap, kern) in &ops {
            c.push_str(&op_of(*kind, words, *gap, *kern));
            c.push_str("T*\n");
        }
        c.push_str("ET\n");
        let original = assemble(&[c.clone().into_bytes(), c.into_bytes()], true);
        let fp = fingerprinter();
        let v = version(35);
        let a = strip(&copy_of(&fp, &original, &mark(11, v, 1)));
        let b = strip(&copy_of(&fp, &original, &mark(12, v, 1)));
        proptest::prop_assert_eq!(shown(&a), shown(&original));
        for (pa, pb) in advances(&a).iter().zip(&advances(&original)) {
            for (x, y) in pa.iter().zip(pb) {
                proptest::prop_assert!((x - y).abs() < 1e-3, "{} vs {}", x, y);
            }
        }
        let anchors = |pdf: &[u8]| {
            let mut v: Vec<[u8; 16]> = read_pdf_spacing(pdf).iter().map(|r| r.anchor).collect();
            v.sort_unstable();
            v
        };
        proptest::prop_assert_eq!(anchors(&a), anchors(&b));
    }
}
