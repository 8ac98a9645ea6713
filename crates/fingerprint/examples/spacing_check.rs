//! Checks the PDF word-spacing channel on real files (a tool, not a test):
//! `cargo run --release -p rampart-fingerprint --example spacing_check --
//! a.pdf [b.pdf ...]`. For each file it marks a copy, writes the copy and a
//! copy stripped of the added layer (`<name>.marked.pdf`,
//! `<name>.stripped.pdf` in the temporary directory, to compare renderings),
//! and prints the gaps marked, the update size, the reads of the stripped
//! copy, and whether its recipient alone is accused among 1000 accounts.
//! An argument `read:<file>` instead reads a file made from such a copy
//! (by another tool) and prints whom it accuses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test and example code: a failed assumption fails the run

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use rampart_fingerprint::{read_pdf_spacing, AccountId, PdfTemplate};

fn main() {
    let fp = fingerprinter();
    let v = version(40);
    let m = mark(11, v, 1);
    let mut candidates = innocents(1000);
    candidates.push(AccountId(11));
    for path in std::env::args().skip(1) {
        if let Some(file) = path.strip_prefix("read:") {
            let reads = read_pdf_spacing(&std::fs::read(file).unwrap());
            let acc = fp.accuse(&fp.observe_spacing(&reads, &[v]), &candidates);
            let accused: Vec<i64> = acc.accused().map(|s| s.account.0).collect();
            println!(
                "{file}: {} reads, {} positions, accused {accused:?}",
                reads.len(),
                acc.positions
            );
            continue;
        }
        let original = std::fs::read(&path).unwrap();
        let t = PdfTemplate::parse(&original).unwrap();
        let e = fp.embed_pdf(&t, &original, &m, "NON-PUBLIC check").unwrap();
        let stripped = strip(&e.bytes);
        let name = std::path::Path::new(&path)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let dir = std::env::temp_dir();
        std::fs::write(dir.join(format!("{name}.marked.pdf")), &e.bytes).unwrap();
        std::fs::write(dir.join(format!("{name}.stripped.pdf")), &stripped).unwrap();
        let reads = read_pdf_spacing(&stripped);
        let acc = fp.accuse(&fp.observe_spacing(&reads, &[v]), &candidates);
        let accused: Vec<i64> = acc.accused().map(|s| s.account.0).collect();
        println!(
            "{path}: {} pages, {} KB; {} word gaps marked; update +{} KB; stripped copy: {} reads, {} positions, accused {accused:?} (score {:.0} / threshold {:.0}); unmarked original: {} reads",
            t.pages(),
            original.len() / 1024,
            t.word_gaps(),
            (e.bytes.len() - original.len()) / 1024,
            reads.len(),
            acc.positions,
            acc.scores[0].score,
            acc.threshold,
            read_pdf_spacing(&original).len(),
        );
    }
}
