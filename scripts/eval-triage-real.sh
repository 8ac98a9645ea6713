#!/usr/bin/env bash
# Real-document evaluation of `rampart triage` (not part of `cargo test`).
#
# Fetches real PDFs from Debian documentation packages (`apt-get download`:
# pdfTeX/texinfo, LaTeX, DocBook via dblatex and FOP, groff via Ghostscript
# and gropdf, htmldoc, ReportLab, MiKTeX) and real texts (licences, NEWS,
# a FAQ) that LibreOffice turns into PDF, DOCX and ODT; imports them into a
# fresh install, downloads each through the API by 1–3 accounts, leaks the
# copies through many paths (as is, pdftotext and friends, mutool,
# pdf-extract, qpdf and gs re-saves, page ranges, two readers' pages
# mixed, DOCX/ODT → PDF, text pasted into a new DOCX), adds originals never
# downloaded, registered public documents and unrelated ones, runs
# `rampart triage` on the dump and scores every file against the ground
# truth: one row per leak path (see crates/triage/EVALUATION.md).
#
# Usage: scripts/eval-triage-real.sh
#   env: EVAL_DIR=/var/tmp/rampart-eval   work dir (downloads, corpus and
#                                          tools cached; run/ is redone)
#        RAMPART_BIN=/path/to/rampart     use this binary (else build one
#                                          in release, CARGO_TARGET_DIR)
#        SEED=20261123                    fixed seed: recipients, pages
#        JOBS=2 TOOL_TIMEOUT=300          leak tools in parallel; per file
# Prints the table per leak path; run/table.md keeps it, run/scored.tsv
# has one line per file, run/report.json is triage's report.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
EVAL_DIR=${EVAL_DIR:-/var/tmp/rampart-eval}
export EVAL_DIR
export RAMPART_LOG=${RAMPART_LOG:-warn}

die() {
    echo "eval-triage-real: $*" >&2
    exit 1
}

# Tools, from Debian's packages, installed when missing.
need=()
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v mutool >/dev/null || need+=(mupdf-tools)
command -v qpdf >/dev/null || need+=(qpdf)
command -v gs >/dev/null || need+=(ghostscript)
command -v soffice >/dev/null || need+=(libreoffice-writer-nogui)
command -v python3 >/dev/null || need+=(python3)
command -v cargo >/dev/null || die "cargo is needed (for pdf-extract)"
if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing ${need[*]}: run as root or install them"
    echo "installing ${need[*]}" >&2
    apt-get update -qq >/dev/null || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
        die "apt-get install ${need[*]} failed"
fi

mkdir -p "$EVAL_DIR"

# The rampart binary: given, or a release build of this tree.
if [ -n "${RAMPART_BIN:-}" ]; then
    [ -x "$RAMPART_BIN" ] || die "RAMPART_BIN=$RAMPART_BIN is not an executable"
else
    target=${CARGO_TARGET_DIR:-$ROOT/target}
    echo "building rampart (release, $target)" >&2
    (cd "$ROOT" && CARGO_TARGET_DIR=$target nice -n 10 cargo build --release -p rampart) ||
        die "cargo build failed"
    RAMPART_BIN=$target/release/rampart
fi
export RAMPART_BIN

# pdf-extract (the crate, https://docs.rs/pdf-extract) as a leak tool: a
# throwaway cargo project in the work dir, not part of the workspace.
PX=$EVAL_DIR/tools/pdf-extract-text
if [ ! -x "$PX/target/release/pdf-extract-text" ]; then
    echo "building the pdf-extract tool in $PX" >&2
    mkdir -p "$PX/src"
    cat >"$PX/Cargo.toml" <<'EOF'
[package]
name = "pdf-extract-text"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
pdf-extract = "=0.12.1"

[workspace]
EOF
    cat >"$PX/src/main.rs" <<'EOF'
// Prints the text pdf-extract finds in the PDF named by the first argument.
fn main() {
    let path = std::env::args().nth(1).expect("usage: pdf-extract-text FILE.pdf");
    match pdf_extract::extract_text(&path) {
        Ok(text) => print!("{text}"),
        Err(e) => {
            eprintln!("pdf-extract: {path}: {e}");
            std::process::exit(1);
        }
    }
}
EOF
    (cd "$PX" && CARGO_TARGET_DIR=$PX/target nice -n 10 cargo build --release -q) ||
        die "building the pdf-extract tool failed"
fi
export PDF_EXTRACT_BIN=$PX/target/release/pdf-extract-text

exec python3 "$ROOT/scripts/eval_triage_real.py"
