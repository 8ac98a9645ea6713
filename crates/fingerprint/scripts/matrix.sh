#!/usr/bin/env bash
# The robustness matrix of rampart-fingerprint with real tools and real
# documents (Debian's own documentation, fetched with `apt-get download`).
# Installs what it needs (root, apt), prepares the documents in
# $RAMPART_MATRIX_DOCS (default /tmp/rampart-matrix-docs) and runs the
# ignored `full_matrix` test in release mode, printing the matrix.
# LibreOffice is optional: its columns are skipped, with the reason printed,
# when `libreoffice-writer-nogui` cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/../../.."

DOCS=${RAMPART_MATRIX_DOCS:-/tmp/rampart-matrix-docs}
export RAMPART_MATRIX_DOCS=$DOCS
export DEBIAN_FRONTEND=noninteractive

apt-get update -qq
apt-get install -y -qq poppler-utils mupdf-tools qpdf ghostscript pandoc >/dev/null
if ! command -v soffice >/dev/null; then
  if ! apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null 2>&1; then
    echo "LibreOffice could not be installed (libreoffice-writer-nogui): its columns will be skipped"
  fi
fi

mkdir -p "$DOCS/deb"
(
  cd "$DOCS/deb"
  for p in libtasn1-doc shared-mime-info python3.11-doc; do
    ls ${p}_*.deb >/dev/null 2>&1 || apt-get download "$p" >/dev/null 2>&1
  done
  for f in *.deb; do dpkg-deb -x "$f" x; done
)
X=$DOCS/deb/x/usr/share/doc
PYDOC=$X/python3.11/html
cp "$PYDOC/_sources/tutorial/classes.rst.txt" "$DOCS/doc.txt"
pandoc -f rst -t gfm --wrap=none -o "$DOCS/doc.md" "$DOCS/doc.txt" 2>/dev/null
cp "$PYDOC/tutorial/classes.html" "$DOCS/doc.html"
cp "$X/libtasn1-doc/libtasn1.pdf" "$DOCS/xrefstream.pdf"
qpdf --object-streams=disable "$X/shared-mime-info/shared-mime-info-spec.pdf" "$DOCS/classic.pdf"
pandoc -f html -t docx -o "$DOCS/doc.docx" "$DOCS/doc.html" 2>/dev/null
if command -v soffice >/dev/null; then
  # A LibreOffice-written ODT, as users' ODT files are.
  (cd "$DOCS" && soffice --headless --convert-to odt doc.docx >/dev/null 2>&1) || true
fi
[ -s "$DOCS/doc.odt" ] || pandoc -f html -t odt -o "$DOCS/doc.odt" "$DOCS/doc.html" 2>/dev/null

echo "tools:"
pdftotext -v 2>&1 | sed -n 1p
mutool -v 2>&1 | sed -n 1p || true
qpdf --version | sed -n 1p
echo "ghostscript $(gs --version)"
pandoc --version | sed -n 1p
command -v soffice >/dev/null && soffice --version | sed -n 1p || echo "LibreOffice: not installed"
echo "documents in $DOCS:"
ls -l "$DOCS"/doc.* "$DOCS"/*.pdf

CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-fp} CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} \
  cargo test --release -p rampart-fingerprint --test matrix -- --ignored --nocapture
