//! Every generated PDF must be readable by real tools: `pdftotext` (poppler)
//! must extract the title and the fictional-document notice, and `qpdf
//! --check` must find no structural error. Skips with a message when the
//! tools are missing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Stdio};

use rampart_demo::{generate, pdf::winansi_text, FICTION_NOTICE};

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn normalise(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn pdftotext_extracts_every_pdf() {
    if !have("pdftotext") {
        println!("SKIPPED: pdftotext not on PATH (apt-get install poppler-utils)");
        return;
    }
    let world = generate(7);
    let pdfs: Vec<_> = world
        .documents
        .iter()
        .filter(|d| d.media_type == "application/pdf")
        .collect();
    assert!(pdfs.len() > 50);
    for d in &pdfs {
        let mut child = Command::new("pdftotext")
            .args(["-enc", "UTF-8", "-", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&d.content).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            d.filename,
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{}: {}",
            d.filename,
            String::from_utf8_lossy(&out.stderr)
        );
        let text = normalise(&String::from_utf8_lossy(&out.stdout));
        assert!(
            text.contains(&normalise(&winansi_text(&d.title))),
            "{}: title missing",
            d.filename
        );
        assert!(
            text.contains(FICTION_NOTICE),
            "{}: notice missing",
            d.filename
        );
        assert!(text.contains(&d.label), "{}: label missing", d.filename);
    }
    println!("pdftotext extracted {} PDFs", pdfs.len());
}

#[test]
fn qpdf_check_passes() {
    if !have("qpdf") {
        println!("SKIPPED: qpdf not on PATH (apt-get install qpdf)");
        return;
    }
    let world = generate(7);
    let dir = std::env::temp_dir().join(format!("rampart-demo-qpdf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pdfs: Vec<_> = world
        .documents
        .iter()
        .filter(|d| d.media_type == "application/pdf")
        .collect();
    for d in pdfs.iter().step_by(4) {
        let path = dir.join(&d.filename);
        std::fs::write(&path, &d.content).unwrap();
        let out = Command::new("qpdf")
            .arg("--check")
            .arg(&path)
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}: {report}", d.filename);
        assert!(
            report.contains("No syntax or stream encoding errors"),
            "{}: {report}",
            d.filename
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
