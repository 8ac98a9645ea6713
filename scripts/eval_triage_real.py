#!/usr/bin/env python3
"""Real-document evaluation of `rampart triage` (driven by
scripts/eval-triage-real.sh, which installs the tools and provides
RAMPART_BIN and PDF_EXTRACT_BIN). Python 3 standard library only.

Phases: fetch Debian packages (cached) → build the corpus (cached: PDFs
as shipped, texts made into PDF/DOCX/ODT by LibreOffice) → a fresh
install: accounts, import, public references, `serve` with generous
guard budgets, downloads through the API → leaks through every path →
`rampart triage` → score against the ground truth, one row per leak path.
Every choice (recipients, copies, pages) comes from one seeded RNG.
"""

import concurrent.futures
import gzip
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

WORK = os.path.abspath(os.environ.get("EVAL_DIR", "/var/tmp/rampart-eval"))
RAMPART = os.environ.get("RAMPART_BIN", "")
PDF_EXTRACT = os.environ.get("PDF_EXTRACT_BIN", "")
SEED = int(os.environ.get("SEED", "20261123"))
JOBS = int(os.environ.get("JOBS", "2"))
TOOL_TIMEOUT = int(os.environ.get("TOOL_TIMEOUT", "300"))
# RETRIAGE=1: keep run/ (install, copies, dump) from the last full run and
# only reindex it with RAMPART_BIN, triage and score again (to compare
# builds of the matcher on the same leaks; marking changes need a full run).
RETRIAGE = os.environ.get("RETRIAGE", "") == "1"

# A page carries text when the original's page has at least this many
# words (pdftotext of the stored original, split at form feeds, words are
# whitespace-separated tokens). A recipient must be named on a file that
# carries at least MUST_NAME_PAGES such pages of its copy.
MIN_PAGE_WORDS = 50
MUST_NAME_PAGES = 2

ACCOUNTS = [f"reader{i}@eval.example" for i in range(1, 7)]
PORTAL, COMMUNITY = "eval", "docs"

# (package, path in the package, role, how it is made into a document).
# role: corpus (imported), public (registered with `public add`),
# unrelated (never given to Rampart). make: pdf (as shipped, gunzipped),
# lo-pdf / docx / odt (a real text converted by LibreOffice headless).
D = "/usr/share/doc"
SOURCES = [
    # pdfTeX from texinfo ("TeX" creator)
    ("r-doc-pdf", "/usr/share/R/doc/manual/R-FAQ.pdf", "corpus", "pdf"),
    ("r-doc-pdf", "/usr/share/R/doc/manual/R-admin.pdf", "corpus", "pdf"),
    ("r-doc-pdf", "/usr/share/R/doc/manual/R-data.pdf", "corpus", "pdf"),
    ("r-doc-pdf", "/usr/share/R/doc/manual/R-exts.pdf", "corpus", "pdf"),
    ("r-doc-pdf", "/usr/share/R/doc/manual/R-intro.pdf", "corpus", "pdf"),
    ("r-doc-pdf", "/usr/share/R/doc/manual/R-ints.pdf", "corpus", "pdf"),
    ("r-doc-pdf", "/usr/share/R/doc/manual/R-lang.pdf", "corpus", "pdf"),
    ("asymptote-doc", f"{D}/asymptote/asymptote.pdf", "corpus", "pdf"),
    ("asymptote-doc", f"{D}/asymptote/CAD.pdf", "corpus", "pdf"),
    ("asymptote-doc", f"{D}/asymptote/asy-latex.pdf", "corpus", "pdf"),
    ("asymptote-doc", f"{D}/asymptote/asyRefCard.pdf", "corpus", "pdf"),
    ("asymptote-doc", f"{D}/asymptote/TeXShopAndAsymptote.pdf", "corpus", "pdf"),
    ("auctex", f"{D}/auctex/tex-ref.pdf", "corpus", "pdf"),
    ("bash-doc", f"{D}/bash/bashref.pdf", "corpus", "pdf"),
    ("octave-doc", f"{D}/octave/liboctave.pdf", "corpus", "pdf"),
    ("octave-doc", f"{D}/octave/refcard-a4.pdf", "corpus", "pdf"),
    ("sbcl-doc", f"{D}/sbcl/sbcl.pdf.gz", "corpus", "pdf"),
    ("sbcl-doc", f"{D}/sbcl/sbcl-internals.pdf.gz", "corpus", "pdf"),
    # pdfTeX, LaTeX (hyperref) and plain TeX
    ("developers-reference", "/usr/share/developers-reference/developers-reference.pdf", "corpus", "pdf"),
    ("gnuplot-doc", f"{D}/gnuplot/gnuplot.pdf", "corpus", "pdf"),
    ("gprolog-doc", f"{D}/gprolog-doc/gprolog.pdf", "corpus", "pdf"),
    ("doxygen-doc", f"{D}/doxygen/doxygen_manual.pdf", "corpus", "pdf"),
    ("pari-doc", "/usr/share/pari/doc/tutorial.pdf", "corpus", "pdf"),
    ("pari-doc", "/usr/share/pari/doc/tutorial-mf.pdf", "corpus", "pdf"),
    ("pari-doc", "/usr/share/pari/doc/develop.pdf", "corpus", "pdf"),
    ("pari-doc", "/usr/share/pari/doc/parallel.pdf", "corpus", "pdf"),
    ("pari-doc", "/usr/share/pari/doc/INSTALL.pdf", "corpus", "pdf"),
    ("pari-doc", "/usr/share/pari/doc/refcard.pdf", "corpus", "pdf"),
    ("ghostscript-doc", f"{D}/ghostscript/GS9_Color_Management.pdf", "corpus", "pdf"),
    # LaTeX via dvipdfmx / xdvipdfmx (Sphinx, DocBook via dblatex)
    ("glpk-doc", f"{D}/glpk-doc/glpk.pdf", "corpus", "pdf"),
    ("glpk-doc", f"{D}/glpk-doc/gmpl.pdf", "corpus", "pdf"),
    ("glpk-doc", f"{D}/glpk-doc/graphs.pdf", "corpus", "pdf"),
    ("glpk-doc", f"{D}/glpk-doc/cnfsat.pdf", "corpus", "pdf"),
    ("debian-policy", f"{D}/debian-policy/policy.pdf.gz", "corpus", "pdf"),
    ("debian-faq", f"{D}/debian/FAQ/debian-faq.en.pdf.gz", "corpus", "pdf"),
    ("debian-reference-en", "/usr/share/debian-reference/debian-reference.en.pdf", "corpus", "pdf"),
    ("docbook-xsl-doc-pdf", f"{D}/docbook-xsl-doc-pdf/doc/reference.pdf.gz", "corpus", "pdf"),
    # DocBook via Apache FOP
    ("debian-policy", f"{D}/debian-policy/fhs/fhs-3.0.pdf.gz", "corpus", "pdf"),
    # groff → PostScript → Ghostscript; groff → gropdf
    ("bash-doc", f"{D}/bash/bash.pdf", "corpus", "pdf"),
    ("clisp-doc", f"{D}/clisp/doc/clisp.pdf.gz", "corpus", "pdf"),
    ("clisp-doc", f"{D}/clisp/doc/clisp-link.pdf.gz", "corpus", "pdf"),
    ("groff", f"{D}/groff-base/pdf/pdfmark.pdf.gz", "corpus", "pdf"),
    ("xfig-doc", f"{D}/xfig/xfig-howto.pdf", "corpus", "pdf"),
    ("groff", f"{D}/groff-base/pdf/automake.pdf.gz", "corpus", "pdf"),
    ("groff", f"{D}/groff-base/examples/mom/mom-pdf.pdf.gz", "corpus", "pdf"),
    ("groff", f"{D}/groff-base/examples/mom/sample_docs.pdf.gz", "corpus", "pdf"),
    ("groff", f"{D}/groff-base/examples/mom/slide-demo.pdf.gz", "corpus", "pdf"),
    ("groff", f"{D}/groff-base/examples/mom/typesetting.pdf.gz", "corpus", "pdf"),
    ("groff", f"{D}/groff-base/examples/mom/mon_premier_doc.pdf.gz", "corpus", "pdf"),
    # htmldoc, ReportLab
    ("xfig-doc", f"{D}/xfig/xfig_ref_en.pdf", "corpus", "pdf"),
    ("python-reportlab-doc", f"{D}/python-reportlab-doc/reportlab-userguide.pdf", "corpus", "pdf"),
    # real texts made into documents by LibreOffice
    ("base-files", "/usr/share/common-licenses/Apache-2.0", "corpus", "lo-pdf"),
    ("base-files", "/usr/share/common-licenses/MPL-2.0", "corpus", "lo-pdf"),
    ("base-files", "/usr/share/common-licenses/GFDL-1.3", "corpus", "lo-pdf"),
    ("gnuplot-doc", f"{D}/gnuplot/NEWS.gz", "corpus", "lo-pdf"),
    ("base-files", "/usr/share/common-licenses/GPL-3", "corpus", "docx"),
    ("groff", f"{D}/groff-base/pic.txt.gz", "corpus", "docx"),
    ("lp-solve-doc", f"{D}/lp-solve-doc/FAQ.htm", "corpus", "docx"),
    ("base-files", "/usr/share/common-licenses/GPL-2", "corpus", "odt"),
    ("clisp-doc", f"{D}/clisp/NEWS.gz", "corpus", "odt"),
    # registered as public (`rampart public add`)
    ("pari-doc", "/usr/share/pari/doc/refcard-ell.pdf", "public", "pdf"),
    ("pari-doc", "/usr/share/pari/doc/refcard-nf.pdf", "public", "pdf"),
    ("glpk-doc", f"{D}/glpk-doc/gmpl_es.pdf", "public", "pdf"),
    ("groff", f"{D}/groff-base/examples/mom/letter.pdf.gz", "public", "pdf"),
    # unrelated documents of the same kinds, never given to Rampart
    ("pari-doc", "/usr/share/pari/doc/refcard-lfun.pdf", "unrelated", "pdf"),
    ("pari-doc", "/usr/share/pari/doc/refcard-mf.pdf", "unrelated", "pdf"),
    ("r-doc-pdf", "/usr/share/R/doc/manual/refman.pdf", "unrelated", "pdf"),
    ("base-files", "/usr/share/common-licenses/LGPL-3", "unrelated", "lo-pdf"),
    ("base-files", "/usr/share/common-licenses/Artistic", "unrelated", "docx"),
]
NEVER_DOWNLOADED = 5  # corpus PDFs imported but never downloaded

# Leak paths: name → (expected verdicts, description). Rows of the table,
# in this order.
PATHS = [
    ("as-is PDF", {"genuine"}, "the served PDF as downloaded"),
    ("as-is DOCX/ODT", {"genuine"}, "the served DOCX/ODT as downloaded"),
    ("pdftotext", {"genuine"}, "pdftotext"),
    ("pdftotext -layout", {"genuine"}, "pdftotext -layout"),
    ("pdftotext -raw (paste)", {"genuine"}, "pdftotext -raw, stand-in for copy-paste from a viewer"),
    ("mutool draw -F txt", {"genuine"}, "mutool draw -F txt"),
    ("pdf-extract", {"genuine"}, "the pdf-extract crate's extract_text"),
    ("qpdf re-save", {"genuine"}, "qpdf IN OUT"),
    ("gs pdfwrite", {"genuine"}, "gs -sDEVICE=pdfwrite"),
    ("pages 10 %", {"excerpt"}, "qpdf --pages, a contiguous 10 % of the pages"),
    ("pages 25 %", {"excerpt"}, "qpdf --pages, a contiguous 25 % of the pages"),
    ("mix of 2 readers", {"excerpt"}, "qpdf --pages, 40 % of the pages, first half from one reader's copy, second from another's"),
    ("DOCX/ODT → PDF", {"genuine", "altered"}, "LibreOffice converts the served DOCX/ODT to PDF"),
    ("text pasted into DOCX", {"genuine", "altered"}, "the copy's text (pdftotext -raw, or LibreOffice's text export of a DOCX/ODT) made a new DOCX by LibreOffice"),
    ("original, never downloaded", {"genuine"}, "the stored original of a document nobody downloaded"),
    ("public, as is", {"public"}, "a registered public document"),
    ("public, pdftotext", {"public"}, "pdftotext of a registered public document"),
    ("unrelated, as is", {"unknown"}, "a document Rampart never saw"),
    ("unrelated, pdftotext", {"unknown"}, "pdftotext of a document Rampart never saw"),
]
EXPECTED = {name: exp for name, exp, _ in PATHS}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def die(msg):
    log(f"eval-triage-real: {msg}")
    sys.exit(1)


def run(cmd, timeout=TOOL_TIMEOUT, **kw):
    """Runs cmd; returns CompletedProcess (stdout/stderr captured, bytes)."""
    return subprocess.run(cmd, capture_output=True, timeout=timeout, **kw)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def soffice(args, outdir, timeout=1800):
    """LibreOffice headless with a private profile in the work dir."""
    profile = os.path.join(WORK, "tools", "lo-profile")
    os.makedirs(profile, exist_ok=True)
    cmd = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
           "--norestore", *args, "--outdir", outdir]
    return run(cmd, timeout=timeout)


def page_words(pdf):
    """Words per page of a PDF (pdftotext, split at form feeds)."""
    r = run(["pdftotext", "-q", pdf, "-"])
    pages = r.stdout.decode("utf-8", "replace").split("\f")
    n = pdf_pages(pdf)
    counts = [len(p.split()) for p in pages[:n]]
    return counts + [0] * (n - len(counts))


def pdf_pages(pdf):
    r = run(["pdfinfo", pdf])
    m = re.search(rb"^Pages:\s+(\d+)", r.stdout, re.M)
    return int(m.group(1)) if m else 0


def pdf_info(pdf, key):
    r = run(["pdfinfo", pdf])
    m = re.search(rb"^" + key.encode() + rb":\s+(.*)$", r.stdout, re.M)
    return m.group(1).decode("utf-8", "replace").strip() if m else ""


# ---------------------------------------------------------------- fetch

def fetch():
    debs = os.path.join(WORK, "debs")
    roots = os.path.join(WORK, "pkgroot")
    os.makedirs(debs, exist_ok=True)
    os.makedirs(roots, exist_ok=True)
    updated = False
    for pkg in sorted({s[0] for s in SOURCES}):
        have = [f for f in os.listdir(debs) if f.startswith(pkg + "_") and f.endswith(".deb")]
        if not have:
            log(f"apt-get download {pkg}")
            r = run(["apt-get", "download", pkg], cwd=debs, timeout=600)
            if r.returncode != 0 and not updated:
                run(["apt-get", "update", "-qq"], timeout=600)
                updated = True
                r = run(["apt-get", "download", pkg], cwd=debs, timeout=600)
            if r.returncode != 0:
                die(f"apt-get download {pkg} failed: {r.stderr.decode(errors='replace').strip()}")
            have = [f for f in os.listdir(debs) if f.startswith(pkg + "_") and f.endswith(".deb")]
        root = os.path.join(roots, pkg)
        if not os.path.isdir(root):
            tmp = root + ".tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            os.makedirs(tmp)
            r = run(["dpkg-deb", "-x", os.path.join(debs, sorted(have)[-1]), tmp])
            if r.returncode != 0:
                die(f"dpkg-deb -x {have[0]} failed")
            os.rename(tmp, root)


# --------------------------------------------------------------- corpus

def doc_name(pkg, path):
    base = os.path.basename(path)
    if base.endswith(".gz"):
        base = base[:-3]
    base = re.sub(r"\.(pdf|htm|html|txt)$", "", base)
    return f"{pkg}--{base}"


def build_corpus():
    """WORK/corpus/{corpus,public,unrelated}/ and corpus/manifest.json."""
    cdir = os.path.join(WORK, "corpus")
    manifest_path = os.path.join(cdir, "manifest.json")
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
        if len(manifest) == len(SOURCES):
            return manifest
    shutil.rmtree(cdir, ignore_errors=True)
    texts = os.path.join(cdir, "texts")
    render = os.path.join(cdir, "render")
    for d in ("corpus", "public", "unrelated", "texts", "render"):
        os.makedirs(os.path.join(cdir, d))
    manifest = []
    lo_jobs = {}  # (format) → [(text file, entry)]
    for pkg, path, role, make in SOURCES:
        src = os.path.join(WORK, "pkgroot", pkg) + path
        if os.path.islink(src):
            src = os.path.join(WORK, "pkgroot", pkg) + os.path.realpath(src).removeprefix(
                os.path.join(WORK, "pkgroot", pkg))
        if not os.path.isfile(src):
            die(f"{pkg} has no {path} (a newer package may have moved it)")
        name = doc_name(pkg, path)
        with (gzip.open(src) if src.endswith(".gz") else open(src, "rb")) as f:
            data = f.read()
        entry = {"name": name, "package": pkg, "source": path, "role": role, "make": make}
        if make == "pdf":
            out = os.path.join(cdir, role, name + ".pdf")
            with open(out, "wb") as f:
                f.write(data)
            entry["file"] = out
        else:
            ext = ".htm" if path.endswith((".htm", ".html")) else ".txt"
            tfile = os.path.join(texts, name + ext)
            with open(tfile, "wb") as f:
                f.write(data)
            fmt = {"lo-pdf": "pdf", "docx": "docx", "odt": "odt"}[make]
            lo_jobs.setdefault(fmt, []).append((tfile, entry))
            entry["file"] = os.path.join(cdir, role, name + "." + fmt)
        manifest.append(entry)
    filters = {"pdf": "pdf:writer_pdf_Export", "docx": 'docx:MS Word 2007 XML', "odt": "odt:writer8"}
    for fmt, jobs in lo_jobs.items():
        for tfile, entry in jobs:
            outdir = os.path.dirname(entry["file"])
            args = ["--convert-to", filters[fmt]]
            if tfile.endswith(".htm"):
                args = ["--infilter=HTML (StarWriter)"] + args
            else:
                args = ["--infilter=Text (encoded):UTF8,LF,,,"] + args
            log(f"LibreOffice: {os.path.basename(tfile)} → {fmt}")
            r = soffice(args + [tfile], outdir)
            if not os.path.exists(entry["file"]):
                die(f"LibreOffice could not make {entry['file']}: {r.stderr.decode(errors='replace')[-300:]}")
    # Page texts: PDFs directly; DOCX/ODT through a LibreOffice rendering.
    for entry in manifest:
        pdf = entry["file"]
        if not pdf.endswith(".pdf"):
            soffice(["--convert-to", "pdf:writer_pdf_Export", pdf], render)
            pdf = os.path.join(render, os.path.splitext(os.path.basename(pdf))[0] + ".pdf")
            if not os.path.exists(pdf):
                die(f"LibreOffice could not render {entry['file']}")
        entry["sha256"] = sha256(entry["file"])
        entry["pages"] = pdf_pages(pdf)
        entry["page_words"] = page_words(pdf)
        entry["producer"] = pdf_info(entry["file"], "Producer") if entry["file"].endswith(".pdf") else "LibreOffice"
        entry["creator"] = pdf_info(entry["file"], "Creator") if entry["file"].endswith(".pdf") else ""
        if entry["pages"] == 0 or sum(entry["page_words"]) < 100:
            die(f"{entry['file']}: no pages or no text ({entry['pages']} pages)")
    shas = {}
    for entry in manifest:
        if entry["sha256"] in shas:
            die(f"{entry['name']} and {shas[entry['sha256']]} are the same file")
        shas[entry["sha256"]] = entry["name"]
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1)
    return manifest


# -------------------------------------------------------------- install

def rampart(*args, data, capture=True, timeout=3600):
    cmd = [RAMPART, *args, "--data", data]
    r = subprocess.run(cmd, capture_output=True, timeout=timeout)
    if r.returncode != 0:
        # stderr of admin commands may hold a one-time password: show only
        # lines that do not.
        err = "\n".join(l for l in r.stderr.decode(errors="replace").splitlines()
                        if "password" not in l.lower())[-2000:]
        die(f"rampart {args[0]} {args[1] if len(args) > 1 else ''} failed: {err}")
    return r.stdout.decode()


def write_config(path):
    big = 1_000_000
    with open(path, "w") as f:
        f.write(f"""# Evaluation of triage, not of the guard: budgets and scores out of the way.
[guard.budgets.reader]
downloads_per_minute = {big}
downloads_per_hour = {big}
downloads_per_day = {big}
bytes_per_minute = 100000000000
bytes_per_hour = 100000000000
bytes_per_day = 100000000000
distinct_documents_per_7_days = 1000
list_pages_per_hour = {big}
metadata_views_per_hour = {big}
""")
        for acct in ACCOUNTS:
            f.write(f"""[guard.budgets.accounts."{acct}"]
downloads_per_minute = {big}
downloads_per_hour = {big}
downloads_per_day = {big}
distinct_documents_per_7_days = 1000
""")
        f.write(f"""[guard.scoring]
step_up_at = 100000
throttle_at = 100000
suspend_at = 100000
library_share_percent = 100
library_share_min_documents = {big}
""")


class Server:
    def __init__(self, data, config, logpath):
        self.logf = open(logpath, "wb")
        os.chmod(logpath, 0o600)
        self.proc = subprocess.Popen(
            [RAMPART, "serve", "--data", data, "--listen", "127.0.0.1:0", "--config", config],
            stdout=self.logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + 120
        self.base = None
        while time.time() < deadline:
            with open(logpath, "rb") as f:
                m = re.search(rb"Rampart is listening on (http://[0-9.:]+)", f.read())
            if m:
                self.base = m.group(1).decode()
                break
            if self.proc.poll() is not None:
                die(f"rampart serve exited with {self.proc.returncode}; see {logpath}")
            time.sleep(0.2)
        if not self.base:
            self.stop()
            die(f"rampart serve did not say where it listens within 120 s; see {logpath}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()


def api_get(base, path, token, out=None):
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=300) as resp:
            body = resp.read()
            headers = dict(resp.headers)
    except urllib.error.HTTPError as e:
        die(f"GET {path}: HTTP {e.code}: {e.read()[:300].decode(errors='replace')}")
    if out:
        with open(out, "wb") as f:
            f.write(body)
        return headers
    return json.loads(body)


# ---------------------------------------------------------------- leaks

class Leaks:
    """Builds the dump and its ground truth; tool failures are recorded."""

    def __init__(self, dump):
        self.dump = dump
        self.truth = []
        self.failures = []
        self.tasks = []  # (path name, out rel path, fn, truth entry)
        self.seconds = {}  # path name → tool seconds (a LibreOffice batch as a whole)

    def add(self, path, rel, fn, doc, contributors):
        """contributors: {account: number of text pages of its copy in the file}."""
        out = os.path.join(self.dump, rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        entry = {"file": rel, "path": path, "doc": doc["name"] if doc else None,
                 "document": doc.get("id") if doc else None,
                 "contributors": contributors,
                 "must_name": sorted(a for a, n in contributors.items() if n >= MUST_NAME_PAGES)}
        self.tasks.append((path, out, fn, entry))

    def execute(self):
        def do(task):
            path, out, fn, entry = task
            started = time.time()
            try:
                err = fn(out)
            except subprocess.TimeoutExpired:
                err = f"timed out after {TOOL_TIMEOUT} s"
            except Exception as e:  # noqa: BLE001 — any tool failure is recorded
                err = f"{type(e).__name__}: {e}"
            if err is None and (not os.path.exists(out) or os.path.getsize(out) == 0):
                err = "no output"
            return task, err, time.time() - started
        with concurrent.futures.ThreadPoolExecutor(max(1, JOBS)) as pool:
            for (path, out, fn, entry), err, took in pool.map(do, self.tasks):
                self.seconds[path] = self.seconds.get(path, 0.0) + took
                if err:
                    self.failures.append({"file": entry["file"], "path": path, "error": str(err)[:300]})
                    if os.path.exists(out):
                        os.remove(out)
                else:
                    self.truth.append(entry)


def tool(cmd_fn):
    """Wraps a command builder into a leak function: out → error or None."""
    def fn(out):
        cmd, stdout_to = cmd_fn(out)
        r = run(cmd)
        if stdout_to:
            with open(out, "wb") as f:
                f.write(r.stdout)
        if r.returncode != 0 and not (cmd[0] == "qpdf" and r.returncode == 3):
            lines = [l.strip() for l in r.stderr.decode(errors="replace").splitlines() if l.strip()]
            panic = [i for i, l in enumerate(lines) if "panicked" in l]
            why = " ".join(lines[panic[0]:panic[0] + 2]) if panic else (lines[-1] if lines else "")
            return f"exit {r.returncode}: {why[:240]}"
        return None
    return fn


def copy_fn(src):
    def fn(out):
        shutil.copyfile(src, out)
    return fn


def build_leaks(manifest, copies, dump, rng, lo_dir):
    L = Leaks(dump)
    corpus = [e for e in manifest if e["role"] == "corpus"]
    downloaded = [e for e in corpus if e["name"] in copies]

    def text_pages(doc, pages):  # pages: 1-based page numbers
        return sum(1 for p in pages if doc["page_words"][p - 1] >= MIN_PAGE_WORDS)

    def whole(doc):
        return text_pages(doc, range(1, doc["pages"] + 1))

    def pick_range(doc, k):
        """First page of k contiguous pages holding at least one text page
        (a range of figures or blank pages has nothing to match); None
        after 20 draws."""
        for _ in range(20):
            start = rng.randint(1, doc["pages"] - k + 1)
            if text_pages(doc, range(start, start + k)) > 0:
                return start
        return None

    paste_pdf, office_jobs = [], []
    for doc in downloaded:
        recips = sorted(copies[doc["name"]])
        pick = lambda: rng.choice(recips)  # noqa: E731
        n = doc["pages"]
        short = doc["name"]
        if doc["file"].endswith(".pdf"):
            a = pick()
            L.add("as-is PDF", f"as-is/{short}.pdf", copy_fn(copies[short][a]), doc, {a: whole(doc)})
            for path, sub, argv in [
                ("pdftotext", "pdftotext", ["pdftotext", "-q"]),
                ("pdftotext -layout", "pdftotext-layout", ["pdftotext", "-q", "-layout"]),
                ("pdftotext -raw (paste)", "pdftotext-raw", ["pdftotext", "-q", "-raw"]),
            ]:
                a = pick()
                src = copies[short][a]
                L.add(path, f"{sub}/{short}.txt",
                      tool(lambda out, argv=argv, src=src: (argv + [src, out], False)), doc, {a: whole(doc)})
            a = pick()
            src = copies[short][a]
            L.add("mutool draw -F txt", f"mutool/{short}.txt",
                  tool(lambda out, src=src: (["mutool", "draw", "-q", "-F", "txt", "-o", out, src], False)),
                  doc, {a: whole(doc)})
            a = pick()
            src = copies[short][a]
            L.add("pdf-extract", f"pdf-extract/{short}.txt",
                  tool(lambda out, src=src: ([PDF_EXTRACT, src], True)), doc, {a: whole(doc)})
            a = pick()
            src = copies[short][a]
            L.add("qpdf re-save", f"qpdf/{short}.pdf",
                  tool(lambda out, src=src: (["qpdf", src, out], False)), doc, {a: whole(doc)})
            a = pick()
            src = copies[short][a]
            L.add("gs pdfwrite", f"gs/{short}.pdf",
                  tool(lambda out, src=src: (["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER",
                                              "-sDEVICE=pdfwrite", f"-sOutputFile={out}", src], False)),
                  doc, {a: whole(doc)})
            for frac, path, sub in [(0.10, "pages 10 %", "pages10"), (0.25, "pages 25 %", "pages25")]:
                k = max(1, round(frac * n))
                if n < 4 or k >= n:
                    continue
                start = pick_range(doc, k)
                if start is None:
                    continue
                a = pick()
                src = copies[short][a]
                rng_pages = range(start, start + k)
                L.add(path, f"{sub}/{short}.p{start}-{start + k - 1}.pdf",
                      tool(lambda out, src=src, s=start, e=start + k - 1:
                           (["qpdf", "--empty", "--pages", src, f"{s}-{e}", "--", out], False)),
                      doc, {a: text_pages(doc, rng_pages)})
            if len(recips) >= 2 and n >= 8:
                k = max(4, round(0.4 * n))
                start = pick_range(doc, k)
                if start is None:
                    continue
                a, b = rng.sample(recips, 2)
                mid = start + k // 2
                end = start + k - 1
                L.add("mix of 2 readers", f"mix/{short}.p{start}-{end}.pdf",
                      tool(lambda out, sa=copies[short][a], sb=copies[short][b], s=start, m=mid, e=end:
                           (["qpdf", "--empty", "--pages", sa, f"{s}-{m - 1}", sb, f"{m}-{e}", "--", out], False)),
                      doc, {a: text_pages(doc, range(start, mid)), b: text_pages(doc, range(mid, end + 1))})
            a = pick()
            paste_pdf.append((doc, a))
        else:
            ext = os.path.splitext(doc["file"])[1]
            a = pick()
            L.add("as-is DOCX/ODT", f"as-is/{short}{ext}", copy_fn(copies[short][a]), doc, {a: whole(doc)})
            a = pick()
            office_jobs.append((doc, a))
            a = pick()
            paste_pdf.append((doc, a))

    # LibreOffice leaks, in batches (one soffice start each): served
    # DOCX/ODT → PDF; copied text → a new DOCX.
    os.makedirs(os.path.join(lo_dir, "in-office"), exist_ok=True)
    os.makedirs(os.path.join(lo_dir, "in-text"), exist_ok=True)
    os.makedirs(os.path.join(lo_dir, "out"), exist_ok=True)
    office_in = []
    for doc, a in office_jobs:
        src = os.path.join(lo_dir, "in-office", doc["name"] + os.path.splitext(doc["file"])[1])
        shutil.copyfile(copies[doc["name"]][a], src)
        office_in.append(src)
    if office_in:
        started = time.time()
        soffice(["--convert-to", "pdf:writer_pdf_Export", *office_in], os.path.join(lo_dir, "out"))
        L.seconds["DOCX/ODT → PDF"] = time.time() - started
    for doc, a in office_jobs:
        made = os.path.join(lo_dir, "out", doc["name"] + ".pdf")
        L.add("DOCX/ODT → PDF", f"office-to-pdf/{doc['name']}.pdf", copy_fn(made) if os.path.exists(made)
              else (lambda out: "LibreOffice made no PDF"), doc, {a: whole(doc)})
    # The copy's text: pdftotext -raw (a viewer's copy), or LibreOffice's
    # text export of a DOCX/ODT copy; then LibreOffice makes a new DOCX.
    started = time.time()
    text_in, text_err = [], {}
    office_text = []
    for doc, a in paste_pdf:
        src = copies[doc["name"]][a]
        txt = os.path.join(lo_dir, "in-text", doc["name"] + ".txt")
        if src.endswith(".pdf"):
            r = run(["pdftotext", "-q", "-raw", "-enc", "UTF-8", src, txt])
            if r.returncode != 0 or not os.path.exists(txt):
                text_err[doc["name"]] = f"pdftotext -raw: exit {r.returncode}"
                continue
            text_in.append(txt)
        else:  # under the document's name: copies are named by reader
            named = os.path.join(lo_dir, "in-office-text", doc["name"] + os.path.splitext(src)[1])
            os.makedirs(os.path.dirname(named), exist_ok=True)
            shutil.copyfile(src, named)
            office_text.append((doc, named))
    if office_text:
        tdir = os.path.join(lo_dir, "office-text")
        os.makedirs(tdir, exist_ok=True)
        soffice(["--convert-to", "txt:Text (encoded):UTF8", *[s for _, s in office_text]], tdir)
        for doc, src in office_text:
            made = os.path.join(tdir, doc["name"] + ".txt")
            if not os.path.exists(made):
                text_err[doc["name"]] = "LibreOffice made no text"
                continue
            txt = os.path.join(lo_dir, "in-text", doc["name"] + ".txt")
            shutil.copyfile(made, txt)
            text_in.append(txt)
    if text_in:
        soffice(["--infilter=Text (encoded):UTF8,LF,,,", "--convert-to", "docx:MS Word 2007 XML",
                 *text_in], os.path.join(lo_dir, "out"))
    L.seconds["text pasted into DOCX"] = time.time() - started
    for doc, a in paste_pdf:
        made = os.path.join(lo_dir, "out", doc["name"] + ".docx")
        err = text_err.get(doc["name"])
        fn = copy_fn(made) if (err is None and os.path.exists(made)) else \
            (lambda out, err=err: err or "LibreOffice made no DOCX")
        L.add("text pasted into DOCX", f"pasted-docx/{doc['name']}.docx", fn, doc, {a: whole(doc)})

    # Originals never downloaded, public and unrelated documents.
    for doc in corpus:
        if doc["name"] not in copies:
            L.add("original, never downloaded", f"original/{os.path.basename(doc['file'])}",
                  copy_fn(doc["file"]), doc, {})
    for role, p_asis, p_text in [("public", "public, as is", "public, pdftotext"),
                                 ("unrelated", "unrelated, as is", "unrelated, pdftotext")]:
        for doc in manifest:
            if doc["role"] != role:
                continue
            base = os.path.basename(doc["file"])
            L.add(p_asis, f"{role}/{base}", copy_fn(doc["file"]), None, {})
            if base.endswith(".pdf"):
                src = doc["file"]
                L.add(p_text, f"{role}-pdftotext/{doc['name']}.txt",
                      tool(lambda out, src=src: (["pdftotext", "-q", src, out], False)), None, {})
    L.execute()
    return L


# ---------------------------------------------------------------- score

def score(truth, report, failures):
    items = {}
    for it in report["items"]:
        p = it["path"]
        p = p.split("dump/", 1)[1] if "dump/" in p else p
        items[p] = it
    rows = {name: {"files": 0, "right": 0, "must": 0, "named": 0, "innocent_files": 0,
                   "innocent_names": 0, "got": {}, "failed": 0} for name, _, _ in PATHS}
    for f in failures:
        rows[f["path"]]["failed"] += 1
    lines = []
    for t in truth:
        it = items.get(t["file"])
        row = rows[t["path"]]
        row["files"] += 1
        verdict = it["verdict"] if it else "missing"
        document = it.get("document") if it else None
        accused = sorted({a["account"] for a in (it or {}).get("accused", [])})
        right = verdict in EXPECTED[t["path"]] and (
            verdict not in ("genuine", "altered", "excerpt") or document == t["document"])
        row["right"] += right
        key = verdict
        if verdict in ("genuine", "altered", "excerpt") and document != t["document"]:
            key = verdict + " (other document)"
        row["got"][key] = row["got"].get(key, 0) + 1
        innocents = [a for a in accused if a not in t["contributors"]]
        if t["must_name"]:
            row["must"] += 1
            row["named"] += all(a in accused for a in t["must_name"])
        if innocents:
            row["innocent_files"] += 1
            row["innocent_names"] += len(innocents)
        lines.append("\t".join([t["path"], t["file"], "/".join(sorted(EXPECTED[t["path"]])), verdict,
                                "yes" if right else "NO",
                                ",".join(f"{a}:{n}" for a, n in sorted(t["contributors"].items())) or "-",
                                ",".join(accused) or "-", ",".join(innocents) or "-"]))
    return rows, lines


def table(rows, seconds):
    out = ["| leak path | files | right verdicts | verdicts got | leaker named (files that must name it) | innocents named (files) | tool failures | tool s |",
           "|---|---|---|---|---|---|---|---|"]
    tot = {"files": 0, "right": 0, "must": 0, "named": 0, "innocent_files": 0, "innocent_names": 0, "failed": 0}
    for name, _, _ in PATHS:
        r = rows[name]
        if r["files"] == 0 and r["failed"] == 0:
            continue
        for k in tot:
            tot[k] += r[k]
        pct = 100.0 * r["right"] / r["files"] if r["files"] else 0.0
        got = ", ".join(f"{k} {v}" for k, v in sorted(r["got"].items(), key=lambda kv: -kv[1]))
        named = f"{r['named']}/{r['must']}" if r["must"] else "–"
        inn = f"{r['innocent_files']} ({r['innocent_names']} names)" if r["innocent_files"] else "0"
        out.append(f"| {name} | {r['files']} | {r['right']} ({pct:.1f} %) | {got} | {named} | {inn} | {r['failed']} | {seconds.get(name, 0.0):.0f} |")
    pct = 100.0 * tot["right"] / tot["files"] if tot["files"] else 0.0
    out.append(f"| **total** | **{tot['files']}** | **{tot['right']} ({pct:.1f} %)** | | "
               f"**{tot['named']}/{tot['must']}** | **{tot['innocent_files']} ({tot['innocent_names']} names)** | {tot['failed']} | {sum(seconds.values()):.0f} |")
    goals = [
        f"- right verdicts ≥ 99 %: {pct:.1f} % — {'met' if pct >= 99.0 else 'NOT MET'}",
        f"- every leaker named on each file carrying ≥ {MUST_NAME_PAGES} pages of its copy's text: "
        f"{tot['named']}/{tot['must']} files — {'met' if tot['named'] == tot['must'] else 'NOT MET'}",
        f"- no innocent named on any file: {tot['innocent_files']} files name "
        f"{tot['innocent_names']} innocents — {'met' if tot['innocent_files'] == 0 else 'NOT MET'}",
    ]
    return "\n".join(out), "\n".join(goals)


# ----------------------------------------------------------------- main

def main():
    if not RAMPART or not os.access(RAMPART, os.X_OK):
        die("RAMPART_BIN must name the rampart binary (scripts/eval-triage-real.sh sets it)")
    if not PDF_EXTRACT or not os.access(PDF_EXTRACT, os.X_OK):
        die("PDF_EXTRACT_BIN must name the pdf-extract tool (scripts/eval-triage-real.sh builds it)")
    t0 = time.time()
    phases = []

    def phase(name, start):
        phases.append((name, time.time() - start))
        log(f"{name}: {time.time() - start:.1f} s")

    s = time.time()
    fetch()
    manifest = build_corpus()
    phase("fetch and corpus (cached after the first run)", s)
    rng = random.Random(SEED)

    runroot = os.path.join(WORK, "run")
    shutil.rmtree(runroot, ignore_errors=True)
    os.makedirs(runroot, mode=0o700)
    data = os.path.join(runroot, "data")
    s = time.time()
    rampart("admin", "portal", "add", PORTAL, "Evaluation", data=data)
    rampart("admin", "community", "add", PORTAL, COMMUNITY, "Documents", data=data)
    for i, acct in enumerate(ACCOUNTS, 1):
        rampart("admin", "user", "add", "--email", acct, "--name", f"Reader {i}", "--nation", "BEL", data=data)
        rampart("admin", "member", "add", f"{PORTAL}/{COMMUNITY}", acct, "reader", data=data)
    corpus_dir = os.path.join(WORK, "corpus", "corpus")
    out = rampart("import", corpus_dir, "--community", f"{PORTAL}/{COMMUNITY}", data=data)
    by_file = {}
    for line in out.splitlines():
        doc_id, path = line.split("\t", 1)
        by_file[os.path.abspath(path)] = doc_id
    for e in manifest:
        if e["role"] == "corpus":
            if e["file"] not in by_file:
                die(f"import did not report {e['file']}")
            e["id"] = by_file[e["file"]]
    rampart("public", "add", os.path.join(WORK, "corpus", "public"), "--source",
            "Debian documentation packages (published in the Debian archive)", data=data)
    tokens = {}
    for acct in ACCOUNTS:  # secrets: kept in memory, never printed
        tokens[acct] = rampart("admin", "token", "add", "--email", acct, "--scope", "read", data=data).strip()
    phase("install, import, public references, tokens", s)

    # Recipients: NEVER_DOWNLOADED corpus PDFs nobody downloads; every
    # other corpus document 1–3 distinct readers.
    corpus = [e for e in manifest if e["role"] == "corpus"]
    pdfs = [e["name"] for e in corpus if e["file"].endswith(".pdf")]
    never = set(rng.sample(pdfs, NEVER_DOWNLOADED))
    plan = []
    for e in corpus:
        if e["name"] in never:
            continue
        for acct in rng.sample(ACCOUNTS, rng.choice([1, 2, 2, 3])):
            plan.append((e, acct))
    rng.shuffle(plan)

    config = os.path.join(runroot, "rampart.toml")
    write_config(config)
    s = time.time()
    server = Server(data, config, os.path.join(runroot, "serve.log"))
    copies = {}
    try:
        # The document list through the API (cursor pages), checked
        # against what `import` reported.
        listed, cursor = {}, None
        while True:
            q = "?limit=200" + (f"&cursor={urllib.request.quote(cursor)}" if cursor else "")
            page = api_get(server.base, f"/api/v1/portals/{PORTAL}/communities/{COMMUNITY}/documents{q}",
                           tokens[ACCOUNTS[0]])
            for d in page["items"]:
                listed[d["id"]] = d
            cursor = page.get("next")
            if not cursor:
                break
        missing = [e["name"] for e in corpus if e["id"] not in listed]
        if missing:
            die(f"the API does not list {missing}")
        cdir = os.path.join(runroot, "copies")
        marks = {}
        for e, acct in plan:
            ext = os.path.splitext(e["file"])[1]
            out = os.path.join(cdir, e["name"], acct.split("@")[0] + ext)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            headers = api_get(server.base, f"/api/v1/documents/{e['id']}/content", tokens[acct], out=out)
            mark = headers.get("X-Rampart-Watermark", headers.get("x-rampart-watermark", "?"))
            marks[mark] = marks.get(mark, 0) + 1
            copies.setdefault(e["name"], {})[acct] = out
    finally:
        server.stop()
    phase(f"serve and {len(plan)} downloads (X-Rampart-Watermark: {marks})", s)

    s = time.time()
    dump = os.path.join(runroot, "dump")
    leaks = build_leaks(manifest, copies, dump, rng, os.path.join(runroot, "lo"))
    with open(os.path.join(runroot, "truth.json"), "w") as f:
        json.dump({"truth": leaks.truth, "failures": leaks.failures, "seconds": leaks.seconds,
                   "downloads": {k: sorted(v) for k, v in copies.items()}}, f, indent=1)
    phase(f"leaks: {len(leaks.truth)} files, {len(leaks.failures)} tool failures", s)

    triage_and_score(manifest, runroot, data, leaks, phases, phase, t0, len(plan))


def retriage():
    """Reindexes the last run's install with RAMPART_BIN, then triages and
    scores its dump again."""
    t0 = time.time()
    phases = []

    def phase(name, start):
        phases.append((name, time.time() - start))
        log(f"{name}: {time.time() - start:.1f} s")

    runroot = os.path.join(WORK, "run")
    data = os.path.join(runroot, "data")
    try:
        with open(os.path.join(runroot, "truth.json")) as f:
            saved = json.load(f)
        with open(os.path.join(WORK, "corpus", "manifest.json")) as f:
            manifest = json.load(f)
    except OSError as e:
        die(f"RETRIAGE=1 needs a full run first ({e})")
    leaks = Leaks.__new__(Leaks)
    leaks.truth, leaks.failures = saved["truth"], saved["failures"]
    leaks.seconds = saved.get("seconds", {})
    s = time.time()
    rampart("reindex", data=data)
    phase("reindex", s)
    downloads = sum(len(v) for v in saved["downloads"].values())
    triage_and_score(manifest, runroot, data, leaks, phases, phase, t0, downloads)


def triage_and_score(manifest, runroot, data, leaks, phases, phase, t0, downloads):
    corpus = [e for e in manifest if e["role"] == "corpus"]
    s = time.time()
    r = subprocess.run([RAMPART, "triage", "dump", "--data", data, "--json", "report.json", "--quiet"],
                       cwd=runroot, capture_output=True)
    if r.returncode != 0:
        die(f"rampart triage failed: {r.stderr.decode(errors='replace')[-2000:]}")
    triage_s = time.time() - s
    phase("triage", s)
    with open(os.path.join(runroot, "report.json")) as f:
        report = json.load(f)
    rows, lines = score(leaks.truth, report, leaks.failures)
    with open(os.path.join(runroot, "scored.tsv"), "w") as f:
        f.write("path\tfile\texpected\tverdict\tright\tcontributors:text pages\taccused\tinnocents\n")
        f.write("\n".join(lines) + "\n")
    tab, goals = table(rows, leaks.seconds)
    producers = {}
    for e in manifest:
        if e["file"].endswith(".pdf"):
            key = e["producer"].split(",")[0] or "?"
            producers[key] = producers.get(key, 0) + 1
    n_pdf = sum(1 for e in manifest if e["file"].endswith(".pdf"))
    summary = [
        f"Corpus: {len(manifest)} documents ({n_pdf} PDFs) from "
        f"{len({e['package'] for e in manifest})} Debian packages; "
        f"{len(corpus)} imported, {sum(e['role'] == 'public' for e in manifest)} public, "
        f"{sum(e['role'] == 'unrelated' for e in manifest)} unrelated; {downloads} downloads by "
        f"{len(ACCOUNTS)} readers; dump of {len(leaks.truth)} files "
        f"({len(leaks.failures)} leak-tool failures skipped); seed {SEED}.",
        "PDF producers: " + ", ".join(f"{k} {v}" for k, v in sorted(producers.items(), key=lambda kv: -kv[1])),
        f"Triage: {triage_s:.1f} s; whole run: {time.time() - t0:.0f} s "
        f"({'; '.join(f'{n} {d:.0f} s' for n, d in phases)}).",
    ]
    text = "\n".join(summary) + "\n\n" + tab + "\n\n" + goals + "\n"
    if leaks.failures:
        text += "\nLeak-tool failures (skipped):\n" + "\n".join(
            f"- {f['path']}: {f['file']}: {f['error']}" for f in leaks.failures) + "\n"
    with open(os.path.join(runroot, "table.md"), "w") as f:
        f.write(text)
    print(text)
    log(f"per-file results: {runroot}/scored.tsv; report: {runroot}/report.json")


if __name__ == "__main__":
    if RETRIAGE:
        retriage()
    else:
        main()
