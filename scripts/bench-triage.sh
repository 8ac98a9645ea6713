#!/usr/bin/env bash
# Issue-5 triage benchmark (prints figures; not part of `cargo test`).
#
# Builds `rampart` and `rampart-bench` in release, generates (once, cached
# under $BENCH_DIR) an install with $VERSIONS indexed document versions,
# watermarked downloads and public references, and a dump of $FILES files
# (~$DUMP_MB MB: txt, md, html, PDF; genuine served copies and originals,
# altered, excerpts, public, unknown) with its ground truth; then, in one
# run and on a warm page cache, measures with /usr/bin/time -v:
#   rampart triage over the whole dump, over its text files, over its PDFs;
#   rampart-bench triage --no-key over the whole dump (watermark decoding
#   cost = difference); sha256sum over the same files; pdftotext over the
#   PDFs alone (one process per file, as a user would run it);
# scores every verdict and accusation against the ground truth, and
# compares TLSH and ssdeep (py-tlsh, ppdeep in a venv) with our matcher on
# a sample of (leaked file, source version) pairs plus as many non-matching
# pairs.
#
# Usage: scripts/bench-triage.sh   (env: VERSIONS=100000 FILES=3000
#   DUMP_MB=1000 PAIRS=300 BENCH_DIR=/var/tmp/rampart-bench CARGO_TARGET_DIR)
# Small run while developing: VERSIONS=2000 FILES=300 DUMP_MB=20 scripts/bench-triage.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSIONS=${VERSIONS:-100000}
FILES=${FILES:-3000}
DUMP_MB=${DUMP_MB:-1000}
PAIRS=${PAIRS:-300}
BASE=${BENCH_DIR:-/var/tmp/rampart-bench}
WORK=$BASE/v$VERSIONS-f$FILES-mb$DUMP_MB
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${BIN:-$CARGO_TARGET_DIR/release}
export RAMPART_LOG=${RAMPART_LOG:-warn}

# SKIP_BUILD=1: use the binaries already in $CARGO_TARGET_DIR/release.
[ -n "${SKIP_BUILD:-}" ] || (cd "$ROOT" && nice -n 10 cargo build --release -p rampart -p rampart-bench)
[ -x /usr/bin/time ] || apt-get install -y time
command -v pdftotext >/dev/null || apt-get install -y poppler-utils

mkdir -p "$WORK"
cd "$WORK"
if [ ! -s dump.truth.json ]; then
    rm -rf data dump subsets
    echo "generating $VERSIONS versions and a $FILES-file dump in $WORK (cached for later runs)" >&2
    nice -n 10 "$BIN/rampart-bench" generate --data data --dump dump \
        --versions "$VERSIONS" --files "$FILES" --dump-mb "$DUMP_MB" 2>&1 | tee generate.log >&2
fi
# Subsets for the two goals: hard links (the walker refuses symlinks).
if [ ! -d subsets ]; then
    mkdir -p subsets/text subsets/pdf
    for f in dump/*; do
        case $f in
            *.pdf) ln "$f" subsets/pdf/ ;;
            *) ln "$f" subsets/text/ ;;
        esac
    done
fi
cat dump/* >/dev/null # warm page cache: every tool reads from memory

# measure LABEL CMD...: wall seconds and peak RSS (KiB) via /usr/bin/time -v.
measure() {
    local label=$1
    shift
    echo "running: $label" >&2
    nice -n 10 /usr/bin/time -v -o "time-$label.txt" "$@" >"out-$label.txt" 2>"err-$label.txt" || {
        echo "$label failed:" >&2
        tail -n 20 "err-$label.txt" >&2
        exit 1
    }
}
# SCORE_ONLY=1: print the figures of the last run without measuring again.
if [ -z "${SCORE_ONLY:-}" ]; then
measure sha256-all sha256sum dump/*
measure sha256-text sh -c 'sha256sum subsets/text/*'
measure sha256-pdf sh -c 'sha256sum subsets/pdf/*'
measure pdftotext sh -c 'for f in subsets/pdf/*.pdf; do pdftotext -q "$f" - >/dev/null; done'
measure triage-all "$BIN/rampart" triage dump --data data --json report.json --quiet
measure triage-text "$BIN/rampart" triage subsets/text --data data --json report-text.json --quiet
measure triage-pdf "$BIN/rampart" triage subsets/pdf --data data --json report-pdf.json --quiet
measure triage-nokey "$BIN/rampart-bench" triage --no-key --data data --json report-nokey.json dump
fi

python3 - <<'PY'
import collections, json, os, re

def timing(label):
    text = open(f"time-{label}.txt").read() if os.path.exists(f"time-{label}.txt") else ""
    if "Elapsed" not in text or "Command terminated" in text:
        return None  # not run, or interrupted (time -v still writes its figures)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (.*)", text).group(1).strip()
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    return secs, rss

def size(d):
    return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))

truth = json.load(open("dump.truth.json"))
n_text, n_pdf = len(os.listdir("subsets/text")), len(os.listdir("subsets/pdf"))
mb_all, mb_text, mb_pdf = size("dump") / 1e6, size("subsets/text") / 1e6, size("subsets/pdf") / 1e6
stats = json.load(open("generate-stats.json")) if os.path.exists("generate-stats.json") else {}
print()
print(f"== Dump: {truth['files']} files, {mb_all:.1f} MB ({n_text} text files {mb_text:.1f} MB, {n_pdf} PDFs {mb_pdf:.1f} MB); {truth['downloads']} registered downloads")
print()
print(f"{'run':<44} {'wall s':>8} {'MB/s':>8} {'peak RSS MiB':>13}")
rows = [
    ("sha256sum, whole dump", "sha256-all", mb_all),
    ("sha256sum, text files", "sha256-text", mb_text),
    ("sha256sum, PDFs", "sha256-pdf", mb_pdf),
    ("pdftotext, PDFs (one process per file)", "pdftotext", mb_pdf),
    ("rampart triage, whole dump (with key)", "triage-all", mb_all),
    ("rampart triage, text files", "triage-text", mb_text),
    ("rampart triage, PDFs", "triage-pdf", mb_pdf),
    ("triage without key (no decoding), whole dump", "triage-nokey", mb_all),
]
t = {}
for name, label, mb in rows:
    got = timing(label)
    if got is None:
        print(f"{name:<44} {'not run':>8}")
        continue
    secs, rss = got
    t[label] = (secs, rss)
    print(f"{name:<44} {secs:>8.2f} {mb / max(secs, 1e-9):>8.1f} {rss / 1024:>13.1f}")
print()
if "triage-all" in t and "triage-nokey" in t:
    decode = t["triage-all"][0] - t["triage-nokey"][0]
    print(f"watermark decoding time for the {truth['files']}-file dump: {decode:.2f} s (triage with key minus without)")
    print()
goals = [
    ("text formats: triage <= 2x sha256sum", "triage-text", "sha256-text", 2.0),
    ("PDFs: triage <= 1x pdftotext", "triage-pdf", "pdftotext", 1.0),
]
for name, ours, theirs, limit in goals:
    if ours in t and theirs in t:
        ratio = t[ours][0] / t[theirs][0]
        print(f"goal {name:<40} ratio {ratio:8.2f}  {'MET' if ratio <= limit else 'NOT MET'}")
rss = max(t[l][1] for l in ("triage-all", "triage-text", "triage-pdf") if l in t)
print(f"goal {'peak RSS <= 1 GiB':<40} {rss / 1024:8.1f} MiB  {'MET' if rss <= 1024 * 1024 else 'NOT MET'}")

# Accuracy per ground truth.
report = {os.path.basename(i["path"]): i for i in json.load(open("report.json"))["items"]}
acc = collections.defaultdict(collections.Counter)
wrong = collections.defaultdict(collections.Counter)
accused_ok = accused_false = served = 0
for x in truth["items"]:
    item = report.get(x["file"], {"verdict": "missing"})
    right_doc = x.get("document") is None or item.get("document") == x["document"]
    ok = item["verdict"] == x["expected"] and right_doc
    acc[x["truth"]]["ok" if ok else "bad"] += 1
    if not ok:
        wrong[x["truth"]][f"{item['verdict']}{'' if right_doc else ' (other doc)'} [{x['format']}]"] += 1
    accused = [a["account"] for a in item.get("accused", [])]
    if x["truth"] == "served":
        served += 1
        accused_ok += x["account"] in accused
    accused_false += sum(1 for a in accused if a != x.get("account"))
print()
print(f"{'ground truth':<18} {'expected':<9} {'correct':>16}  wrong as")
for kind in ("served", "original", "altered", "excerpt", "public-document", "public-reference", "unknown"):
    c = acc[kind]
    n = c["ok"] + c["bad"]
    if n == 0:
        continue
    exp = next(x["expected"] for x in truth["items"] if x["truth"] == kind)
    print(f"{kind:<18} {exp:<9} {c['ok']:>6}/{n:<5} {100 * c['ok'] / n:5.1f} %  {dict(wrong[kind]) or ''}")
print(f"served copies whose downloader is accused: {accused_ok}/{served}; accusations of any other account: {accused_false}")
PY

# TLSH and ssdeep on the same pairs (a sample: ppdeep is pure Python).
VENV=$BASE/venv
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet py-tlsh ppdeep
fi
PAIRS=$PAIRS "$VENV/bin/python" - <<'PY'
import json, os, random, time
import ppdeep, tlsh

truth = json.load(open("dump.truth.json"))
report = {os.path.basename(i["path"]): i for i in json.load(open("report.json"))["items"]}
rng = random.Random(5)
n = int(os.environ["PAIRS"])
pos = [x for x in truth["items"] if x.get("source_blob")]
pos = rng.sample(pos, min(n, len(pos)))
unknown = [x for x in truth["items"] if x["truth"] == "unknown"]
sources = [x for x in truth["items"] if x.get("source_blob")]
neg = []
for i in range(len(pos)):
    x = unknown[i % len(unknown)]
    neg.append((x, rng.choice(sources)))

cache = {}
def hashes(path):
    if path not in cache:
        data = open(path, "rb").read()
        cache[path] = (tlsh.hash(data), ppdeep.hash(data))
    return cache[path]

def tlsh_dist(a, b):
    try:
        return tlsh.diff(a, b)
    except Exception:
        return 10**6  # TNULL: file too small or too uniform to hash

started = time.time()
rows = []
for x in pos:
    a, b = hashes(os.path.join("dump", x["file"])), hashes(x["source_blob"])
    ours = report[x["file"]].get("document") == x["document"] and report[x["file"]]["verdict"] != "unknown"
    same = x["format"] == x["source_format"]
    rows.append((True, x["truth"], tlsh_dist(a[0], b[0]), ppdeep.compare(a[1], b[1]), ours, same))
for x, src in neg:
    a, b = hashes(os.path.join("dump", x["file"])), hashes(src["source_blob"])
    ours = report[x["file"]]["verdict"] != "unknown"  # any match of a fresh file is false
    rows.append((False, "non-matching", tlsh_dist(a[0], b[0]), ppdeep.compare(a[1], b[1]), ours, False))
tools = [
    ("TLSH distance <= 30", lambda r: r[2] <= 30),
    ("TLSH distance <= 100", lambda r: r[2] <= 100),
    ("ssdeep score > 0", lambda r: r[3] > 0),
    ("ssdeep score >= 50", lambda r: r[3] >= 50),
    ("rampart triage (report)", lambda r: r[4]),
]
kinds = ["served", "original", "altered", "excerpt", "public-document"]
print()
print(f"== Matchers on {len(pos)} (leaked file, source version) pairs and {len(neg)} non-matching pairs (unknown file, random version); raw bytes; hashing took {time.time() - started:.0f} s")
header = f"{'matcher':<26} {'recall':>14} " + " ".join(f"{k[:9]:>9}" for k in kinds) + f" {'same fmt':>9} {'false matches':>14}"
print(header)
for name, hit in tools:
    p = [r for r in rows if r[0]]
    q = [r for r in rows if not r[0]]
    rec = sum(hit(r) for r in p)
    per = []
    for k in kinds:
        rs = [r for r in p if r[1] == k]
        per.append(f"{100 * sum(hit(r) for r in rs) / len(rs):8.0f}%" if rs else f"{'-':>9}")
    fm = sum(hit(r) for r in q)
    same = [r for r in p if r[5]]
    per.append(f"{100 * sum(hit(r) for r in same) / len(same):8.0f}%" if same else f"{'-':>9}")
    print(f"{name:<26} {rec:>5}/{len(p):<4}{100 * rec / max(len(p), 1):4.0f}% " + " ".join(per) + f" {fm:>6}/{len(q):<4}")
print("columns: recall per ground truth; 'same fmt' = pairs whose leaked file has the source's format (altered and excerpt files were re-rendered in a random format)")
PY
